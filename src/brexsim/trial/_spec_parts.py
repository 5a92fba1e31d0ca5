"""Checks of the parts of a trial spec that need more than pydantic: regimens, omega, the
weight limits, covariate shares and the observation design (used by :mod:`brexsim.trial.spec`)."""

from __future__ import annotations

import itertools
import math
from pathlib import Path
from typing import Any

from brexsim.dosing.regimen import Regimen
from brexsim.errors import BrexsimInputError, input_error

#: The observed quantities a spec can ask for (``[observations] dvids``).
OBSERVATION_DVIDS = ("conc", "hamd", "tnf", "il6", "bdnf")


def resolve_regimen(name: str, base: Path | None, field: str, where: str) -> Regimen:
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


def check_omega(iiv: Any, where: str) -> tuple[tuple[str, ...], tuple[tuple[float, ...], ...]]:
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
            "population.iiv.omega",
            iiv.omega,
            f"a finite {k} x {k} matrix (one row per effect)",
            where,
        )
    if not np.allclose(om, om.T, rtol=0, atol=1e-12):
        raise input_error("population.iiv.omega", iiv.omega, "a symmetric matrix", where)
    if np.linalg.eigvalsh(om).min() < -1e-12 or np.any(np.diag(om) < 0):
        raise input_error(
            "population.iiv.omega", iiv.omega, "a positive semi-definite matrix", where
        )
    return tuple(iiv.effects), tuple(tuple(float(x) for x in row) for row in om)


def check_times(times: list[float], field: str, where: str, max_h: float) -> tuple[float, ...]:
    """Finite, strictly increasing times in ``[0, max_h]`` h."""
    for i, t in enumerate(times):
        if not (math.isfinite(t) and 0.0 <= t <= max_h):
            raise input_error(f"{field}.{i}", t, f"a time in [0, {max_h:g}] h (90 days)", where)
    if any(b <= a for a, b in itertools.pairwise(times)):
        raise input_error(field, times, "strictly increasing times", where)
    return tuple(float(t) for t in times)


def check_shares(shares: dict[str, Any] | None, where: str) -> tuple | None:
    """``[population.covariates]`` as a hashable ``((covariate, ((level, share), ...)), ...)``."""
    from brexsim.covariates import check_covariate_shares

    if not shares:
        return None
    try:
        ok = check_covariate_shares(shares)
    except BrexsimInputError as exc:
        raise input_error(exc.field, exc.value, exc.allowed, where) from None
    return tuple((c, tuple(sorted(lv.items()))) for c, lv in sorted(ok.items()))


def check_dvids(dvids: list[str] | None, has_pk_times: bool, where: str) -> tuple[str, ...]:
    """The observed quantities: the named ones, or all (``conc`` only with PK times)."""
    if dvids is None:
        return OBSERVATION_DVIDS if has_pk_times else OBSERVATION_DVIDS[1:]
    for i, d in enumerate(dvids):
        if d not in OBSERVATION_DVIDS:
            raise input_error(
                f"observations.dvids.{i}", d, f"one of {list(OBSERVATION_DVIDS)}", where
            )
    if len(set(dvids)) != len(dvids) or not dvids:
        raise input_error("observations.dvids", dvids, "unique names, at least one", where)
    if "conc" in dvids and not has_pk_times:
        raise input_error(
            "observations.dvids", dvids, "'conc' needs observations.pk_times_h", where
        )
    return tuple(dvids)


def check_weight_limits(lo: float | None, hi: float | None, where: str) -> None:
    """Check the spec's inclusion range on body weight (kg, ``None`` = no limit).

    Each limit must be finite and inside :data:`brexsim.dosing.weights.WEIGHT_RANGE_KG` (the PK
    models' range), ``lo < hi``, and the range must meet the sampled candidates' weights (the
    ``population.weight_min_kg`` / ``weight_max_kg`` truncation of the default parameters,
    40-160 kg): a range no candidate can meet would otherwise fail only in
    :func:`~brexsim.population.trial_population.select_patient_ids`, after ``50 n + 1000``
    candidates.

    >>> check_weight_limits(50.0, 90.0, "spec.toml")
    >>> check_weight_limits(300.0, None, "spec.toml")
    Traceback (most recent call last):
    ...
    brexsim.errors.BrexsimInputError: invalid population.weight_min_kg=300.0 (spec.toml): \
a body weight in [20, 250] kg
    """
    from brexsim.dosing.weights import check_weight_kg
    from brexsim.params import load_parameters

    for name, value in (("weight_min_kg", lo), ("weight_max_kg", hi)):
        if value is not None:
            check_weight_kg(value, f"population.{name}", where)
    if lo is not None and hi is not None and lo >= hi:
        raise input_error("population.weight_min_kg", lo, f"< weight_max_kg ({hi:g})", where)
    pop = load_parameters().get_layer("population")
    s_lo, s_hi = float(pop["weight_min_kg"]), float(pop["weight_max_kg"])
    sampled = f"the sampled weights ({s_lo:g}-{s_hi:g} kg, params/data/population.toml)"
    if lo is not None and lo >= s_hi:
        raise input_error("population.weight_min_kg", lo, f"< the top of {sampled}", where)
    if hi is not None and hi <= s_lo:
        raise input_error("population.weight_max_kg", hi, f"> the bottom of {sampled}", where)
