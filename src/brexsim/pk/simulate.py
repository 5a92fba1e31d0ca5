"""One entry point for PK: :func:`simulate_pk` (plasma, free and brain-biophase exposure)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from brexsim.dosing.regimen import Regimen
from brexsim.errors import input_error
from brexsim.params import ParameterSet, load_parameters
from brexsim.pk.brexanolone import get_brexanolone_pk, simulate_closed_form
from brexsim.pk.zuranolone import get_zuranolone_pk, simulate_exact

__all__ = ["PKResult", "get_default_times", "simulate_pk"]


@dataclass(frozen=True)
class PKResult:
    """PK outputs on a time grid (arrays have the length of ``time_h``).

    Attributes
    ----------
    time_h : h
    plasma_drug_ng_per_ml : total (bound + unbound) drug-attributable plasma concentration
    plasma_endogenous_ng_per_ml : endogenous allopregnanolone, total plasma (constant)
    plasma_total_ng_per_ml : drug + endogenous for brexanolone (same molecule); drug only for
        zuranolone (endogenous allopregnanolone is a different molecule, reported separately)
    effect_site_drug_ng_per_ml : drug effect-site concentration, total-equivalent (sedation)
    drug_free_plasma_nM : unbound drug in plasma
    drug_biophase_free_nM : unbound drug at the brain receptors (fu · Kp,uu · Ce)
    endogenous_biophase_free_nM : unbound endogenous allopregnanolone at the receptors
    drug, weight_kg : the drug name and body weight (kg)
    """

    time_h: np.ndarray
    plasma_drug_ng_per_ml: np.ndarray
    plasma_endogenous_ng_per_ml: np.ndarray
    plasma_total_ng_per_ml: np.ndarray
    effect_site_drug_ng_per_ml: np.ndarray
    drug_free_plasma_nM: np.ndarray
    drug_biophase_free_nM: np.ndarray
    endogenous_biophase_free_nM: np.ndarray
    drug: str
    weight_kg: float

    def get_series(self) -> dict[str, tuple[np.ndarray, str]]:
        """``{variable: (values, unit)}`` for the long output format."""
        return {
            "plasma_drug": (self.plasma_drug_ng_per_ml, "ng/mL"),
            "plasma_endogenous": (self.plasma_endogenous_ng_per_ml, "ng/mL"),
            "plasma_total": (self.plasma_total_ng_per_ml, "ng/mL"),
            "effect_site_drug": (self.effect_site_drug_ng_per_ml, "ng/mL"),
            "drug_free_plasma": (self.drug_free_plasma_nM, "nM"),
            "drug_biophase_free": (self.drug_biophase_free_nM, "nM"),
            "endogenous_biophase_free": (self.endogenous_biophase_free_nM, "nM"),
        }


def get_default_times(
    regimen: Regimen, horizon_h: float | None = None, dt_h: float = 0.25
) -> np.ndarray:
    """Output grid 0..horizon in steps of ``dt_h``, plus every dosing jump time.

    The default horizon is the end of dosing + 240 h.

    >>> from brexsim.dosing import get_preset
    >>> float(get_default_times(get_preset("zulresso"))[-1])
    300.0
    """
    h = regimen.end_of_treatment_h + 240.0 if horizon_h is None else float(horizon_h)
    if not np.isfinite(h) or not (0 < h <= 2160.0):
        raise input_error("horizon_h", horizon_h, "a horizon in (0, 2160] h")
    if not (0 < dt_h <= h):
        raise input_error("dt_h", dt_h, f"a step in (0, {h:g}] h")
    grid = np.arange(0.0, h + dt_h / 2, dt_h)
    jumps = [x for x in regimen.jump_times_h if x <= h]
    return np.unique(np.concatenate([grid[grid <= h], jumps, [h]]))


def simulate_pk(
    regimen: Regimen,
    weight_kg: float = 70.0,
    times_h: np.ndarray | None = None,
    params: ParameterSet | None = None,
    scale: Mapping[str, float] | None = None,
) -> PKResult:
    """Simulate plasma and brain exposure of one patient (exact closed-form solutions).

    Parameters
    ----------
    regimen : Regimen
        Brexanolone (IV) or zuranolone (oral) regimen.
    weight_kg : float, kg
        Body weight (the brexanolone covariate; zuranolone has no sourced weight effect).
    times_h : array, h
        Sorted output times; default :func:`get_default_times`.
    params : ParameterSet, optional
        Parameter tables (default: packaged).
    scale : mapping, optional
        The patient's PK multipliers (``exp(eta)`` x covariates;
        :func:`brexsim.population.covariates.get_pk_scales`); ``fu`` scales the unbound
        fraction. Default: the typical patient.

    Examples
    --------
    >>> from brexsim.dosing import get_preset
    >>> res = simulate_pk(get_preset("zulresso"), 70.0)
    >>> bool(74 < res.plasma_drug_ng_per_ml.max() < 108)
    True
    """
    ps = params or load_parameters()
    t = get_default_times(regimen) if times_h is None else np.asarray(times_h, dtype=float)
    if t.ndim != 1 or len(t) == 0 or not np.all(np.isfinite(t)) or (np.diff(t) < 0).any():
        raise input_error("times_h", "array", "a non-empty, sorted, finite 1-D array of hours")
    if (t < 0).any():
        raise input_error("times_h", float(t.min()), "times >= 0 h")
    brx = ps.get_layer("brexanolone_pk")
    endo = np.full_like(t, brx["endogenous_ng_per_ml"])
    nm_per_ng_allo = 1e3 / brx["mw_g_per_mol"]  # ng/mL -> nM
    endo_free = endo * brx["fu_plasma"] * brx["kp_uu_brain"] * nm_per_ng_allo
    if regimen.drug == "brexanolone":
        pk = get_brexanolone_pk(weight_kg, ps, scale)
        cp, ce = simulate_closed_form(regimen, pk, t)
        layer, total = brx, cp + endo
    else:
        w = float(weight_kg)
        if not np.isfinite(w) or not (20.0 <= w <= 250.0):
            raise input_error("weight_kg", weight_kg, "a body weight in [20, 250] kg")
        cp, ce = simulate_exact(regimen, get_zuranolone_pk(ps, scale), t)
        layer = ps.get_layer("zuranolone_pk")
        total = cp
    cp = np.maximum(cp, 0.0)  # exact solutions; clip round-off below zero at the far tail
    ce = np.maximum(ce, 0.0)
    nm = 1e3 / layer["mw_g_per_mol"]
    fu = layer["fu_plasma"] * float((scale or {}).get("fu", 1.0))
    out = PKResult(
        time_h=t,
        plasma_drug_ng_per_ml=cp,
        plasma_endogenous_ng_per_ml=endo,
        plasma_total_ng_per_ml=total,
        effect_site_drug_ng_per_ml=ce,
        drug_free_plasma_nM=cp * fu * nm,
        drug_biophase_free_nM=ce * fu * layer["kp_uu_brain"] * nm,
        endogenous_biophase_free_nM=endo_free,
        drug=regimen.drug,
        weight_kg=float(weight_kg),
    )
    for name, (v, _) in out.get_series().items():
        if not np.all(np.isfinite(v)):
            raise FloatingPointError(f"PK produced non-finite values in {name}")
    return out
