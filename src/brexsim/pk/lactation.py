"""Lactation: milk concentration, infant dose and relative infant dose (RID).

Model (parameters in ``lactation.toml``; the mother's PK from :func:`brexsim.pk.simulate_pk`)::

    C_milk(t)   = M/P · C_plasma(t)                          ng/mL
    rate(t)     = C_milk(t) · V_milk / 1000                  µg/kg/day (instantaneous)
    D_inf(t)    = ∫_{t-24 h}^{t} rate(s) ds / 24 h           µg/kg over the preceding 24 h
    D_mat(t)    = maternal dose given in [t - 24 h, t)        µg/kg (IV per kg; oral mg / weight)
    RID(t)      = 100 · D_inf(t) / D_mat(t)                   %, for 24 h ≤ t ≤ end of treatment

``C_plasma`` is the drug-attributable total (bound + unbound) plasma concentration; endogenous
allopregnanolone is not drug and is left out. ``M/P`` is a ratio of exposures (AUC, or a fitted
partition coefficient): applying it to every time point assumes milk follows plasma without
delay, as both lactation studies observed. ``V_milk`` is the standard 150 mL/kg/day, so the
infant's weight cancels. The infant's own PK is not modelled: brexanolone's oral
bioavailability is below 5 %, so the infant absorbs at most 5 % of the ingested dose.

RID windows lie inside the dosing period (a window after dosing has stopped has no maternal
daily dose to compare with); the maximum RID is over those windows.

Research output: not dosing advice and not advice on breastfeeding.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from brexsim.dosing.regimen import Regimen
from brexsim.errors import input_error
from brexsim.params import ParameterSet, load_parameters
from brexsim.pk.simulate import get_default_times, simulate_pk

__all__ = [
    "LACTATION_DISCLAIMER",
    "LactationResult",
    "get_label_rid_references",
    "simulate_lactation",
]

#: The statement every lactation output carries.
LACTATION_DISCLAIMER = (
    "Research output, not dosing advice and not advice on breastfeeding for any mother or infant."
)
#: Window of a "daily" dose (h): the definition of a day, not a model parameter.
DAY_H = 24.0
#: Internal integration step (h); outputs are read off this grid (exact closed-form PK).
_FINE_DT_H = 0.05


@dataclass(frozen=True)
class LactationResult:
    """Milk and infant exposure for one mother under one regimen.

    Attributes
    ----------
    times : array, h
        Output times from the first dose.
    plasma : array, ng/mL
        Mother's drug-attributable total plasma concentration.
    milk : array, ng/mL
        Milk concentration, ``M/P · plasma``.
    infant_dose_rate : array, µg/kg/day
        Instantaneous ingestion rate, ``milk · 150 mL/kg/day``.
    infant_daily_dose : array, µg/kg
        Dose ingested over the preceding 24 h (µg/kg/day).
    rid_pct : array, %
        Rolling 24-h relative infant dose; NaN where the window is not inside the dosing period.
    max_rid_pct : float or None, %
        Largest ``rid_pct`` (None when no window qualifies).
    time_below_threshold_h : float or None, h
        Time after the end of dosing (end of the last infusion; the last oral dose) after which
        milk stays below the threshold; 0 if it never exceeds it afterwards; None if milk is
        still above it at the last output time.
    drug, regimen_name, weight_kg, milk_plasma_ratio, threshold_ng_per_ml, dosing_end_h :
        The inputs (weight kg, threshold ng/mL, dosing end h).
    max_milk_ng_per_ml : float, ng/mL
    cumulative_infant_dose_ug_per_kg : float, µg/kg
        Everything ingested over the output horizon.
    steady_state_infant_daily_dose_ug_per_kg, steady_state_rid_pct : float or None
        Oral repeated dosing: the last dosing interval's 24-h dose and RID; None for IV.
    max_rid_instantaneous_pct : float or None, %
        IV only: largest ``rate / (current infusion rate · 24 h)`` while infusing (a sensitivity
        of the RID definition, reported beside the rolling value).
    """

    times: np.ndarray
    plasma: np.ndarray
    milk: np.ndarray
    infant_dose_rate: np.ndarray
    infant_daily_dose: np.ndarray
    rid_pct: np.ndarray
    max_rid_pct: float | None
    time_below_threshold_h: float | None
    drug: str
    regimen_name: str
    weight_kg: float
    milk_plasma_ratio: float
    threshold_ng_per_ml: float
    dosing_end_h: float
    max_milk_ng_per_ml: float
    cumulative_infant_dose_ug_per_kg: float
    steady_state_infant_daily_dose_ug_per_kg: float | None = None
    steady_state_rid_pct: float | None = None
    max_rid_instantaneous_pct: float | None = None

    def get_columns(self) -> dict[str, np.ndarray]:
        """``{column: values}`` of the time course (the CSV columns, units in the names)."""
        return {
            "time_h": self.times,
            "plasma_ng_per_ml": self.plasma,
            "milk_ng_per_ml": self.milk,
            "infant_dose_rate_ug_per_kg_day": self.infant_dose_rate,
            "infant_daily_dose_ug_per_kg": self.infant_daily_dose,
            "rid_pct": self.rid_pct,
        }

    def get_summary(self, params: ParameterSet | None = None) -> dict[str, Any]:
        """Scalar results, units in the keys, and the infant-exposure statement."""
        ps = params or load_parameters()
        max_daily = float(np.max(self.infant_daily_dose))
        out: dict[str, Any] = {
            "drug": self.drug,
            "regimen": self.regimen_name,
            "weight_kg": self.weight_kg,
            "milk_plasma_ratio": self.milk_plasma_ratio,
            "milk_intake_mL_per_kg_day": ps.value("lactation.milk_intake_mL_per_kg_day"),
            "max_milk_ng_per_ml": self.max_milk_ng_per_ml,
            "max_infant_daily_dose_ug_per_kg": max_daily,
            "max_rid_pct": self.max_rid_pct,
            "max_rid_instantaneous_pct": self.max_rid_instantaneous_pct,
            "steady_state_infant_daily_dose_ug_per_kg": (
                self.steady_state_infant_daily_dose_ug_per_kg
            ),
            "steady_state_rid_pct": self.steady_state_rid_pct,
            "threshold_ng_per_ml": self.threshold_ng_per_ml,
            "dosing_end_h": self.dosing_end_h,
            "time_below_threshold_after_dosing_h": self.time_below_threshold_h,
            "cumulative_infant_dose_ug_per_kg": self.cumulative_infant_dose_ug_per_kg,
            "horizon_h": float(self.times[-1]),
        }
        if self.drug == "brexanolone":
            f = ps.value("lactation.brexanolone_oral_bioavailability_max")
            out["infant_absorbed_dose_upper_bound_ug_per_kg_day"] = f * max_daily
            out["infant_exposure_note"] = (
                f"brexanolone oral bioavailability < {100 * f:g} % (adults): the infant absorbs "
                "at most that fraction of the ingested dose; infant PK is not modelled"
            )
        else:
            out["infant_exposure_note"] = (
                "zuranolone absolute oral bioavailability was not evaluated (Zurzuvae PI "
                "section 12.3): no bound on the infant's absorbed fraction; infant PK is not "
                "modelled"
            )
        out["disclaimer"] = LACTATION_DISCLAIMER
        return out


def get_label_rid_references(drug: str, params: ParameterSet | None = None) -> list[dict]:
    """Published RID values to draw beside the model: ``[{low, high, label}]`` in %.

    >>> [r["label"] for r in get_label_rid_references("brexanolone")][0]
    'Zulresso PI §8.2: max RID 1–2 %'
    """
    p = (params or load_parameters()).get_layer("lactation")
    if drug == "brexanolone":
        lo, hi, w = (
            p["brexanolone_label_rid_low_pct"],
            p["brexanolone_label_rid_high_pct"],
            p["brexanolone_wald_max_rid_pct"],
        )
        return [
            {"low": lo, "high": hi, "label": f"Zulresso PI §8.2: max RID {lo:g}–{hi:g} %"},
            {"low": w, "high": w, "label": f"Wald 2022 popPK: max RID {w:g} %"},
        ]
    if drug == "zuranolone":
        r30 = p["zuranolone_rid_30mg_pct"]
        r50 = p["zuranolone_rid_50mg_estimate_pct"] * (
            p["milk_intake_mL_per_kg_day"] / p["zuranolone_rid_50mg_estimate_intake_mL_per_kg_day"]
        )
        return [
            {"low": r30, "high": r30, "label": f"30 mg lactation study: mean RID {r30:g} %"},
            {"low": r50, "high": r50, "label": f"50 mg estimate at 150 mL/kg/day: {r50:.2f} %"},
        ]
    raise input_error("drug", drug, "brexanolone or zuranolone")


# ------------------------------------------------------------------------------ helpers
def _check_inputs(
    regimen: Regimen | str, weight_kg: float, threshold: float | None, ps: ParameterSet
) -> tuple[Regimen, float, float, float]:
    if isinstance(regimen, str):
        from brexsim.dosing import load_regimen

        regimen = load_regimen(regimen)
    if not isinstance(regimen, Regimen):
        raise input_error("regimen", type(regimen).__name__, "a Regimen, preset name or file")
    key = f"lactation.{regimen.drug}_milk_plasma_ratio"
    if key not in set(ps):  # (``in ps`` raises for an unknown name: Mapping.__contains__)
        raise input_error("drug", regimen.drug, "a drug with a milk:plasma ratio in lactation.toml")
    if regimen.is_placebo:
        raise input_error("regimen", regimen.name, "a regimen that delivers drug (not placebo)")
    w = _finite(weight_kg, "weight_kg")
    if not (20.0 <= w <= 250.0):
        raise input_error("weight_kg", weight_kg, "a body weight in [20, 250] kg")
    thr = ps.value("lactation.brexanolone_milk_loq_ng_per_ml") if threshold is None else threshold
    thr = _finite(thr, "threshold_ng_per_ml")
    if thr <= 0:
        raise input_error("threshold_ng_per_ml", threshold, "a milk concentration > 0 ng/mL")
    return regimen, w, thr, ps.value(key)


def _finite(x: Any, field: str) -> float:
    try:
        v = float(x)
    except (TypeError, ValueError):
        raise input_error(field, x, "a finite number") from None
    if isinstance(x, bool) or not np.isfinite(v):
        raise input_error(field, x, "a finite number")
    return v


def _check_times(times_h: Any) -> np.ndarray:
    t = np.asarray(times_h, dtype=float)
    if t.ndim != 1 or len(t) == 0 or not np.all(np.isfinite(t)) or (np.diff(t) < 0).any():
        raise input_error("times_h", "array", "a non-empty, sorted, finite 1-D array of hours")
    if t[0] < 0 or t[-1] > 2160.0:
        raise input_error("times_h", float(t[0] if t[0] < 0 else t[-1]), "times in [0, 2160] h")
    return t


def _cumulative(t: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Cumulative trapezoid integral of ``y`` over ``t`` (starts at 0)."""
    return np.concatenate([[0.0], np.cumsum(0.5 * (y[1:] + y[:-1]) * np.diff(t))])


def _window(t_fine: np.ndarray, cum: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Integral over [t - 24 h, t] from a cumulative integral (zero before the first dose)."""
    return np.interp(t, t_fine, cum) - np.interp(t - DAY_H, t_fine, cum, left=0.0)


def _maternal_window_ug_per_kg(reg: Regimen, t: np.ndarray, weight_kg: float) -> np.ndarray:
    """Exact maternal dose given in [t - 24 h, t), µg/kg."""
    out = np.zeros_like(t)
    lo = t - DAY_H
    for s in reg.segments:
        overlap = np.clip(np.minimum(t, s.end_h) - np.maximum(lo, s.start_h), 0.0, None)
        out += s.rate_ug_per_kg_h * overlap
    for d in reg.oral_doses:
        out += np.where((d.time_h >= lo) & (d.time_h < t), d.mg * 1000.0 / weight_kg, 0.0)
    return out


def _time_below(t: np.ndarray, c: np.ndarray, start_h: float, thr: float) -> float | None:
    """Time after ``start_h`` from which ``c`` stays below ``thr`` (linear crossing)."""
    after = t >= start_h
    tt, cc = t[after], c[after]
    above = np.nonzero(cc >= thr)[0]
    if len(above) == 0:
        return 0.0
    i = int(above[-1])
    if i == len(tt) - 1:
        return None
    frac = (cc[i] - thr) / (cc[i] - cc[i + 1])
    return float(tt[i] + frac * (tt[i + 1] - tt[i]) - start_h)


# ------------------------------------------------------------------------------ entry point
def simulate_lactation(
    regimen: Regimen | str,
    weight_kg: float = 70.0,
    times_h: np.ndarray | None = None,
    params: ParameterSet | None = None,
    threshold_ng_per_ml: float | None = None,
) -> LactationResult:
    """Milk concentration, infant dose and RID of one mother (typical PK) under a regimen.

    Parameters
    ----------
    regimen : Regimen or str
        Brexanolone (IV) or zuranolone (oral) regimen, or a preset name / regimen file.
    weight_kg : float, kg
        Maternal body weight (brexanolone PK covariate; divides an oral mg dose).
    times_h : array, h, optional
        Sorted output times in [0, 2160]; default :func:`brexsim.pk.get_default_times` (end of
        dosing + 240 h, 0.25-h steps). Integrals use a 0.05-h internal grid.
    params : ParameterSet, optional
        Parameter tables (default: packaged).
    threshold_ng_per_ml : float, ng/mL, optional
        Milk threshold for ``time_below_threshold_h`` (default: the 5 ng/mL brexanolone assay
        limit, ``lactation.brexanolone_milk_loq_ng_per_ml``).

    Returns
    -------
    LactationResult

    Examples
    --------
    >>> res = simulate_lactation("zulresso", 70.0)
    >>> bool(0.5 < res.max_rid_pct < 2.0), bool(res.time_below_threshold_h < 72)
    (True, True)
    """
    ps = params or load_parameters()
    reg, w, thr, ratio = _check_inputs(regimen, weight_kg, threshold_ng_per_ml, ps)
    t_out = get_default_times(reg) if times_h is None else _check_times(times_h)
    horizon = float(t_out[-1])
    fine = np.round(np.arange(int(horizon / _FINE_DT_H) + 1) * _FINE_DT_H, 9)
    jumps = [x for x in reg.jump_times_h if x <= horizon]
    t = np.unique(np.concatenate([fine[fine <= horizon], jumps, t_out, [horizon]]))
    pk = simulate_pk(reg, w, t, ps)
    plasma = pk.plasma_drug_ng_per_ml
    milk = ratio * plasma
    rate = milk * ps.value("lactation.milk_intake_mL_per_kg_day") / 1000.0  # ng/kg/day -> µg
    cum = _cumulative(t, rate) / DAY_H  # µg/kg (rate per day × h / 24 h)
    daily = _window(t, cum, t)
    maternal = _maternal_window_ug_per_kg(reg, t, w)
    eot = reg.end_of_treatment_h
    valid = (t >= DAY_H - 1e-9) & (t <= max(eot, DAY_H) + 1e-9) & (maternal > 0)
    rid = np.full_like(t, np.nan)
    rid[valid] = 100.0 * daily[valid] / maternal[valid]
    dosing_end = eot if reg.is_iv else reg.oral_doses[-1].time_h
    ss_daily = ss_rid = inst = None
    if reg.is_iv:
        mrate = np.array([reg.get_rate_ug_per_kg_h(x) for x in t])
        on = mrate > 0
        inst = float(np.max(100.0 * rate[on] / (mrate[on] * DAY_H))) if on.any() else None
    elif len(reg.oral_doses) > 1 and eot <= horizon:
        i = int(np.searchsorted(t, eot))
        ss_daily = float(daily[i])
        ss_rid = float(rid[i]) if np.isfinite(rid[i]) else None
    idx = np.searchsorted(t, t_out)
    valid_rid = rid[np.isfinite(rid)]
    return LactationResult(
        times=t_out,
        plasma=plasma[idx],
        milk=milk[idx],
        infant_dose_rate=rate[idx],
        infant_daily_dose=daily[idx],
        rid_pct=rid[idx],
        max_rid_pct=float(valid_rid.max()) if valid_rid.size else None,
        time_below_threshold_h=_time_below(t, milk, dosing_end, thr),
        drug=reg.drug,
        regimen_name=reg.name,
        weight_kg=w,
        milk_plasma_ratio=ratio,
        threshold_ng_per_ml=thr,
        dosing_end_h=float(dosing_end),
        max_milk_ng_per_ml=float(milk.max()),
        cumulative_infant_dose_ug_per_kg=float(cum[-1]),
        steady_state_infant_daily_dose_ug_per_kg=ss_daily,
        steady_state_rid_pct=ss_rid,
        max_rid_instantaneous_pct=inst,
    )
