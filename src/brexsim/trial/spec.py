"""Trial spec files (TOML, validated with pydantic; unknown keys are errors).

A spec names the trial, its seed and number of replicate trials, the inclusion criteria, the arms
(a regimen preset or regimen file and a size each) and the visit times::

    [trial]
    name = "study1-like"
    seed = 20261126
    replicates = 1            # optional (default 1): independent replicate trials
    reference = "placebo"     # optional when an arm is named "placebo": the comparator arm

    [population]
    hamd_baseline_min = 26    # inclusion: baseline HAM-D-17 range (integers, 0-52)
    hamd_baseline_max = 52
    weight_min_kg = 40        # optional inclusion range on body weight (kg)
    weight_max_kg = 160
    antidepressant = "allowed"   # or "excluded" / "only" (concomitant antidepressant use)

    [population.iiv]          # optional: correlated IIV, see brexsim.population.trial_population
    effects = ["infl_ic50_scale", "sedation_sensitivity"]
    omega = [[0.30, 0.05], [0.05, 0.36]]

    [[arms]]
    name = "BRX90"
    regimen = "zulresso"      # a preset name or a regimen file (relative to the spec file)
    n = 41
    dropout = 0.0             # optional: fraction that drops out by the last visit

    [visits]
    times_h = [0, 24, 60, 72, 168, 720]   # 0-2160 h; the baseline (0 h) is always simulated

Every problem is reported as one :class:`brexsim.errors.BrexsimInputError` naming the field, the
value and what is allowed, before anything is computed (regimens are resolved here).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, ValidationError

from brexsim.dosing.regimen import Regimen
from brexsim.errors import BrexsimInputError, input_error

__all__ = [
    "MAX_VISIT_H",
    "ArmSpec",
    "IIVSpec",
    "PopulationSpec",
    "TrialSpec",
    "get_default_spec_path",
    "get_spec_names",
    "load_trial_spec",
    "parse_trial_spec",
]

#: Latest allowed visit, h (90 days).
MAX_VISIT_H = 2160.0


class _Trial(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1)
    seed: StrictInt = Field(ge=0, lt=2**63)
    replicates: StrictInt = Field(default=1, ge=1, le=10_000)
    reference: str | None = None
    description: str = ""


class _IIV(BaseModel):
    model_config = ConfigDict(extra="forbid")
    effects: list[str] = Field(min_length=1)
    omega: list[list[float]]


class _Population(BaseModel):
    model_config = ConfigDict(extra="forbid")
    hamd_baseline_min: StrictInt = Field(default=26, ge=0, le=52)
    hamd_baseline_max: StrictInt = Field(default=52, ge=0, le=52)
    weight_min_kg: float | None = Field(default=None, gt=0)
    weight_max_kg: float | None = Field(default=None, gt=0)
    antidepressant: Literal["allowed", "excluded", "only"] = "allowed"
    iiv: _IIV | None = None


class _Arm(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1)
    regimen: str = Field(min_length=1)
    n: StrictInt = Field(ge=2, le=1_000_000)
    dropout: float = Field(default=0.0, ge=0.0, lt=1.0)


class _Visits(BaseModel):
    model_config = ConfigDict(extra="forbid")
    times_h: list[float] = Field(min_length=1)


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    trial: _Trial
    population: _Population = _Population()
    arms: list[_Arm] = Field(min_length=1)
    visits: _Visits


@dataclass(frozen=True)
class IIVSpec:
    """Correlated inter-individual variability: ``effects`` (names) and ``omega`` (covariance
    of their normal/log-normal etas, a tuple of row tuples)."""

    effects: tuple[str, ...]
    omega: tuple[tuple[float, ...], ...]


@dataclass(frozen=True)
class PopulationSpec:
    """Inclusion criteria and variability of every arm's population."""

    hamd_baseline_min: int = 26
    hamd_baseline_max: int = 52
    weight_min_kg: float | None = None
    weight_max_kg: float | None = None
    antidepressant: str = "allowed"
    iiv: IIVSpec | None = None


@dataclass(frozen=True)
class ArmSpec:
    """One arm: its name, the regimen as written in the spec, the resolved regimen, its size
    and its dropout fraction by the last visit."""

    name: str
    regimen_name: str
    regimen: Regimen
    n: int
    dropout: float = 0.0


@dataclass(frozen=True)
class TrialSpec:
    """A validated trial spec (immutable).

    Attributes
    ----------
    name, seed, replicates : trial name, random seed, number of replicate trials
    reference : name of the comparator arm
    population : :class:`PopulationSpec`
    arms : tuple of :class:`ArmSpec`
    visits_h : visit times, h (sorted, unique, starting with the 0-h baseline)
    source : the file it was read from ("" for a mapping)
    """

    name: str
    seed: int
    replicates: int
    reference: str
    population: PopulationSpec
    arms: tuple[ArmSpec, ...]
    visits_h: tuple[float, ...]
    description: str = ""
    source: str = ""

    @property
    def horizon_h(self) -> float:
        """The last visit, h (the simulation horizon)."""
        return self.visits_h[-1]

    @property
    def n_patients(self) -> int:
        """Patients over all arms and replicates."""
        return self.replicates * sum(a.n for a in self.arms)

    def get_arm(self, name: str) -> ArmSpec:
        """The arm called ``name``."""
        for a in self.arms:
            if a.name == name:
                return a
        raise input_error("arm", name, f"one of {[a.name for a in self.arms]}")


def _inner_model(ann: Any) -> type[BaseModel] | None:
    """The pydantic model inside an annotation such as ``X``, ``list[X]`` or ``X | None``."""
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return ann
    for a in getattr(ann, "__args__", ()):
        found = _inner_model(a)
        if found is not None:
            return found
    return None


def _pydantic_error(exc: ValidationError, where: str) -> BrexsimInputError:
    err = exc.errors()[0]
    loc = [str(x) for x in err["loc"]]
    field = ".".join(loc) or "spec"
    if err["type"] == "extra_forbidden":
        parent: type[BaseModel] = _Spec
        for part in loc[:-1]:
            if not part.isdigit():
                parent = _inner_model(parent.model_fields[part].annotation) or parent
        allowed = sorted(parent.model_fields)
        return input_error(field, err.get("input"), f"unknown key (allowed: {allowed})", where)
    if err["type"] == "missing":
        return input_error(field, None, "a required key is missing", where)
    return input_error(field, err.get("input"), err["msg"], where)


def _resolve_regimen(name: str, base: Path | None, field: str, where: str) -> Regimen:
    from brexsim.dosing import get_preset_names, load_regimen

    candidate: str | Path = name
    if name not in get_preset_names():
        p = Path(name)
        if not p.is_absolute() and base is not None:
            p = base / p
        if not p.exists():
            raise input_error(
                field,
                name,
                f"a regimen preset {get_preset_names()} or an existing regimen file",
                where,
            )
        candidate = p
    try:
        return load_regimen(candidate)
    except BrexsimInputError as exc:
        raise input_error(field, name, f"a valid regimen ({exc})", where) from None


def _check_omega(iiv: _IIV, where: str) -> IIVSpec:
    import numpy as np

    from brexsim.population.trial_population import IIV_EFFECTS

    for i, e in enumerate(iiv.effects):
        if e not in IIV_EFFECTS:
            raise input_error(
                f"population.iiv.effects.{i}",
                e,
                f"one of the random effects simulate() uses per patient {sorted(IIV_EFFECTS)}",
                where,
            )
    if len(set(iiv.effects)) != len(iiv.effects):
        raise input_error("population.iiv.effects", iiv.effects, "unique names", where)
    k = len(iiv.effects)
    om = np.asarray(iiv.omega, dtype=float) if iiv.omega else np.zeros((0, 0))
    if om.shape != (k, k) or not np.all(np.isfinite(om)):
        raise input_error(
            "population.iiv.omega", iiv.omega, f"a finite {k} x {k} matrix (one row per effect)"
        )
    if not np.allclose(om, om.T, rtol=0, atol=1e-12):
        raise input_error("population.iiv.omega", iiv.omega, "a symmetric matrix", where)
    if np.linalg.eigvalsh(om).min() < -1e-12 or np.any(np.diag(om) < 0):
        raise input_error("population.iiv.omega", iiv.omega, "a positive semi-definite matrix")
    return IIVSpec(tuple(iiv.effects), tuple(tuple(float(x) for x in row) for row in om))


def parse_trial_spec(
    data: dict[str, Any], base_dir: str | Path | None = None, where: str = ""
) -> TrialSpec:
    """Validate a spec mapping (parsed TOML) and resolve its regimens.

    Parameters
    ----------
    data : the parsed TOML document
    base_dir : folder against which relative regimen-file paths are resolved
    where : a label for error messages (the file name)

    Examples
    --------
    >>> spec = parse_trial_spec({
    ...     "trial": {"name": "t", "seed": 1},
    ...     "arms": [{"name": "BRX90", "regimen": "zulresso", "n": 4},
    ...              {"name": "placebo", "regimen": "placebo", "n": 4}],
    ...     "visits": {"times_h": [24, 60]}})
    >>> spec.reference, spec.visits_h
    ('placebo', (0.0, 24.0, 60.0))
    """
    try:
        m = _Spec.model_validate(data)
    except ValidationError as exc:
        raise _pydantic_error(exc, where) from None
    pop = m.population
    if pop.hamd_baseline_min > pop.hamd_baseline_max:
        raise input_error(
            "population.hamd_baseline_min",
            pop.hamd_baseline_min,
            f"<= hamd_baseline_max ({pop.hamd_baseline_max})",
            where,
        )
    if (
        pop.weight_min_kg is not None
        and pop.weight_max_kg is not None
        and pop.weight_min_kg >= pop.weight_max_kg
    ):
        raise input_error("population.weight_min_kg", pop.weight_min_kg, "< weight_max_kg", where)
    names = [a.name for a in m.arms]
    if len(set(names)) != len(names):
        raise input_error("arms.name", names, "unique arm names", where)
    reference = m.trial.reference
    if reference is None:
        if "placebo" not in names:
            raise input_error(
                "trial.reference",
                None,
                f"an arm named 'placebo' or trial.reference naming one of the arms {names}",
                where,
            )
        reference = "placebo"
    elif reference not in names:
        raise input_error("trial.reference", reference, f"one of the arms {names}", where)
    if len(names) < 2:
        raise input_error("arms", names, "at least two arms (the reference and one other)", where)
    times = m.visits.times_h
    for i, t in enumerate(times):
        if not (math.isfinite(t) and 0.0 <= t <= MAX_VISIT_H):
            raise input_error(
                f"visits.times_h.{i}", t, f"a time in [0, {MAX_VISIT_H:g}] h (90 days)", where
            )
    if any(b <= a for a, b in itertools.pairwise(times)):
        raise input_error("visits.times_h", times, "strictly increasing times", where)
    if max(times) <= 0.0:
        raise input_error("visits.times_h", times, "at least one visit after 0 h", where)
    visits = tuple(float(t) for t in times)
    if visits[0] != 0.0:
        visits = (0.0, *visits)
    base = Path(base_dir) if base_dir is not None else None
    arms = tuple(
        ArmSpec(
            a.name,
            a.regimen,
            _resolve_regimen(a.regimen, base, f"arms.{i}.regimen", where),
            int(a.n),
            float(a.dropout),
        )
        for i, a in enumerate(m.arms)
    )
    iiv = _check_omega(pop.iiv, where) if pop.iiv is not None else None
    return TrialSpec(
        name=m.trial.name,
        seed=int(m.trial.seed),
        replicates=int(m.trial.replicates),
        reference=reference,
        population=PopulationSpec(
            int(pop.hamd_baseline_min),
            int(pop.hamd_baseline_max),
            pop.weight_min_kg,
            pop.weight_max_kg,
            pop.antidepressant,
            iiv,
        ),
        arms=arms,
        visits_h=visits,
        description=m.trial.description,
        source=where,
    )


def get_spec_names() -> list[str]:
    """Names of the shipped trial specs (``brexsim/trial/specs/<name>.toml``).

    >>> get_spec_names()
    ['study1', 'study1-x20']
    """
    root = resources.files("brexsim.trial") / "specs"
    return sorted(str(p.name)[:-5] for p in root.iterdir() if str(p.name).endswith(".toml"))


def get_default_spec_path() -> Path:
    """The shipped Study 1-like spec (``brexsim/trial/specs/study1.toml``).

    >>> get_default_spec_path().name
    'study1.toml'
    """
    return Path(str(resources.files("brexsim.trial") / "specs" / "study1.toml"))


def load_trial_spec(path: str | Path) -> TrialSpec:
    """Read and validate a trial spec file, or a shipped spec by name (:func:`get_spec_names`;
    ``"study1"`` is the default Study 1-like trial).

    >>> spec = load_trial_spec("study1")
    >>> [(a.name, a.n) for a in spec.arms]
    [('BRX90', 41), ('BRX60', 38), ('placebo', 43)]
    >>> load_trial_spec("study1-x20").replicates
    20
    """
    if str(path) in get_spec_names() and not Path(path).exists():
        p = Path(str(resources.files("brexsim.trial") / "specs" / f"{path}.toml"))
    else:
        p = Path(path)
    from brexsim.io.toml import read_toml

    data = read_toml(p, "spec", "a readable trial spec file")
    return parse_trial_spec(data, base_dir=p.parent, where=str(p))
