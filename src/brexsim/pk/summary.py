"""Exposure summaries of a simulated profile (computed on drug-attributable concentration)."""

from __future__ import annotations

from typing import Any

import numpy as np

from brexsim.dosing.regimen import Regimen
from brexsim.pk.simulate import PKResult

__all__ = ["get_exposure_summary", "get_terminal_slope"]


def _auc(t: np.ndarray, c: np.ndarray, lo: float, hi: float) -> float:
    m = (t >= lo - 1e-9) & (t <= hi + 1e-9)
    return float(np.trapezoid(c[m], t[m]))


def get_terminal_slope(t: np.ndarray, c: np.ndarray, after_h: float) -> float:
    """Terminal rate constant (1/h): log-linear regression on the last third of the profile
    after ``after_h`` (at least 3 points with positive concentration), as in NCA.

    >>> t = np.linspace(0, 100, 101)
    >>> round(get_terminal_slope(t, np.exp(-0.1 * t), 0.0), 6)
    0.1
    """
    m = (t > after_h) & (c > 0)
    tt, cc = t[m], c[m]
    if len(tt) < 3:
        return float("nan")
    k = max(3, len(tt) // 3)
    slope = np.polyfit(tt[-k:], np.log(cc[-k:]), 1)[0]
    return float(-slope)


def get_exposure_summary(res: PKResult, regimen: Regimen) -> dict[str, Any]:
    """Cmax, tmax, AUCinf, Cavg, terminal t½ (and accumulation for repeated oral doses).

    * ``auc_inf_ng_h_per_ml``: trapezoidal AUC over the grid plus ``C_last/λz``.
    * ``cavg_ng_per_ml``: IV — mean over the plateau (the longest segment at the highest rate,
      24-52 h for ``zulresso``); oral — mean over the last dosing interval.
    * ``t_half_h``: ln2/λz from the terminal phase (NCA-style regression).
    * ``accumulation_ratio``: AUC over the last vs the first dosing interval (oral, >1 dose).

    >>> from brexsim.dosing import get_preset
    >>> from brexsim.pk import simulate_pk
    >>> r = get_preset("zulresso")
    >>> s = get_exposure_summary(simulate_pk(r), r)
    >>> s["tmax_h"]
    52.0
    """
    t, c = res.time_h, res.plasma_drug_ng_per_ml
    i = int(np.argmax(c))
    out: dict[str, Any] = {
        "drug": res.drug,
        "weight_kg": res.weight_kg,
        "cmax_ng_per_ml": float(c[i]),
        "tmax_h": float(t[i]),
        "cmax_total_ng_per_ml": float(res.plasma_total_ng_per_ml.max()),
        "endogenous_ng_per_ml": float(res.plasma_endogenous_ng_per_ml[0]),
        "max_biophase_free_nM": float(res.drug_biophase_free_nM.max()),
    }
    end = regimen.end_of_treatment_h
    lz = get_terminal_slope(t, c, end)
    out["lambda_z_per_h"] = lz
    out["t_half_h"] = float(np.log(2) / lz) if np.isfinite(lz) and lz > 0 else None
    auc = _auc(t, c, t[0], t[-1])
    out["auc_last_ng_h_per_ml"] = auc
    out["auc_inf_ng_h_per_ml"] = auc + (float(c[-1] / lz) if out["t_half_h"] else 0.0)
    if regimen.segments:
        top = max(s.rate_ug_per_kg_h for s in regimen.segments)
        plateau = max(
            (s for s in regimen.segments if s.rate_ug_per_kg_h == top), key=lambda s: s.duration_h
        )
        lo, hi = plateau.start_h, plateau.end_h
        out["cavg_window_h"] = [lo, hi]
        out["cavg_ng_per_ml"] = _auc(t, c, lo, hi) / (hi - lo) if top > 0 else 0.0
    else:
        tau = regimen.dosing_interval_h or 24.0
        first, last = regimen.oral_doses[0].time_h, regimen.oral_doses[-1].time_h
        out["cavg_window_h"] = [last, last + tau]
        out["cavg_ng_per_ml"] = _auc(t, c, last, last + tau) / tau
        m1 = (t >= first) & (t <= first + tau)
        j = int(np.argmax(np.where(m1, c, -np.inf)))
        out["cmax_first_dose_ng_per_ml"] = float(c[j])
        out["tmax_first_dose_h"] = float(t[j] - first)
        if len(regimen.oral_doses) > 1:
            a1 = _auc(t, c, first, first + tau)
            out["accumulation_ratio"] = _auc(t, c, last, last + tau) / a1 if a1 > 0 else None
    return out
