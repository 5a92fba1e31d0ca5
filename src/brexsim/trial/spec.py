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

    pk_variability = true     # optional (default true): PK IIV from the population model
                              # (brexsim params --population); false = typical PK per kg

    [population.iiv]          # optional: correlated IIV, see brexsim.population.trial_population
    effects = ["infl_ic50_scale", "sedation_sensitivity"]
    omega = [[0.30, 0.05], [0.05, 0.36]]

    [population.covariates]   # optional: shares of the labels' special populations
    cyp3a4 = {strong_inhibitor = 0.1}   # the rest is the reference level ("none")
    hepatic = {moderate = 0.05, severe = 0.02}

    [[arms]]
    name = "BRX90"
    regimen = "zulresso"      # a preset name or a regimen file (relative to the spec file)
    n = 41
    dropout = 0.0             # optional: fraction that drops out by the last visit

    [visits]
    times_h = [0, 24, 60, 72, 168, 720]   # 0-2160 h; the baseline (0 h) is always simulated

    [observations]            # optional: observations.parquet, simulated observed data (DV with
                              # the layers' residual error and LLOQ flags)
    pk_times_h = [1, 12, 24, 48, 60, 62, 72]   # plasma concentration sampling times, h
    dvids = ["conc", "hamd", "tnf", "il6", "bdnf"]   # default: all (conc needs pk_times_h);
                              # the others are observed at the visits

Every problem is reported as one :class:`brexsim.errors.BrexsimInputError` naming the field, the
value and what is allowed, before anything is computed (regimens are resolved here).
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from brexsim.dosing.regimen import Regimen
from brexsim.errors import BrexsimInputError, input_error
from brexsim.trial._spec_parts import (
    check_dvids,
    check_omega,
    check_shares,
    check_times,
    check_weight_limits,
    resolve_regimen,
)
from brexsim.trial._spec_schema import _Spec

__all__ = [
    "MAX_VISIT_H",
    "ArmSpec",
    "IIVSpec",
    "ObservationSpec",
    "PopulationSpec",
    "TrialSpec",
    "get_default_spec_path",
    "get_spec_names",
    "load_trial_spec",
    "parse_trial_spec",
]

#: Latest allowed visit, h (90 days).
MAX_VISIT_H = 2160.0


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
    pk_variability: bool = True
    #: ``((covariate, ((level, share), ...)), ...)``, or None (everyone at the reference level)
    covariates: tuple | None = None

    def get_covariate_shares(self) -> dict[str, dict[str, float]] | None:
        """``{covariate: {level: share}}`` for :func:`brexsim.population.sample_population`."""
        if self.covariates is None:
            return None
        return {c: dict(lv) for c, lv in self.covariates}


@dataclass(frozen=True)
class ObservationSpec:
    """Simulated observed data: the PK sampling times (h) and the observed quantities."""

    pk_times_h: tuple[float, ...] = ()
    dvids: tuple[str, ...] = ()


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
    observations: ObservationSpec | None = None

    @property
    def horizon_h(self) -> float:
        """The last visit, h (the simulation horizon)."""
        return self.visits_h[-1]

    @property
    def simulated_times_h(self) -> tuple[float, ...]:
        """The visits and the PK sampling times, sorted (the times every patient is solved at)."""
        pk = self.observations.pk_times_h if self.observations is not None else ()
        return tuple(sorted(set(self.visits_h) | set(pk)))

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
    check_weight_limits(pop.weight_min_kg, pop.weight_max_kg, where)
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
    times = list(check_times(m.visits.times_h, "visits.times_h", where, MAX_VISIT_H))
    if max(times) <= 0.0:
        raise input_error("visits.times_h", times, "at least one visit after 0 h", where)
    visits = tuple(times)
    if visits[0] != 0.0:
        visits = (0.0, *visits)
    obs = None
    if m.observations is not None:
        pk = check_times(m.observations.pk_times_h, "observations.pk_times_h", where, MAX_VISIT_H)
        if pk and pk[-1] > visits[-1]:
            raise input_error(
                "observations.pk_times_h", pk[-1], f"<= the last visit ({visits[-1]:g} h)", where
            )
        obs = ObservationSpec(pk, check_dvids(m.observations.dvids, bool(pk), where))
    base = Path(base_dir) if base_dir is not None else None
    arms = tuple(
        ArmSpec(
            a.name,
            a.regimen,
            resolve_regimen(a.regimen, base, f"arms.{i}.regimen", where),
            int(a.n),
            float(a.dropout),
        )
        for i, a in enumerate(m.arms)
    )
    iiv = IIVSpec(*check_omega(pop.iiv, where)) if pop.iiv is not None else None
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
            bool(pop.pk_variability),
            check_shares(pop.covariates, where),
        ),
        arms=arms,
        visits_h=visits,
        description=m.trial.description,
        source=where,
        observations=obs,
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
