"""NCA parameters of one subject's profile (PKNCA / Phoenix WinNonlin definitions).

Units: time h, concentration ng/mL, dose mg; AUC ng·h/mL, AUMC ng·h²/mL, λz 1/h, CL L/h
(``1000 · dose_mg / AUCinf``: mg / (ng·h/mL) = 10⁶ ng / (ng·h/mL) = 10⁶ mL/h = 10³ L/h),
volumes L.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from brexsim.analysis.nca.core import LambdaZFit, get_auc, get_aumc, get_c0, select_lambda_z
from brexsim.analysis.nca.data import SubjectDosing

__all__ = ["PARAMETER_UNITS", "SubjectNCA", "compute_subject_nca"]

#: Column → unit of ``nca.csv`` (``cl``/``vz`` are CL/F and Vz/F after extravascular doses).
PARAMETER_UNITS = {
    "subject": "",
    "route": "",
    "dose_mg": "mg",
    "dose_duration_h": "h",
    "mean_input_time_h": "h",
    "n_samples": "count",
    "c0": "ng/mL",
    "cmax": "ng/mL",
    "tmax": "h",
    "clast": "ng/mL",
    "tlast": "h",
    "auclast": "ng*h/mL",
    "aucall": "ng*h/mL",
    "aucinf": "ng*h/mL",
    "aucinf_pred": "ng*h/mL",
    "auc_pct_extrap": "%",
    "aumclast": "ng*h^2/mL",
    "aumcinf": "ng*h^2/mL",
    "mrt": "h",
    "lambda_z": "1/h",
    "lambda_z_r2": "",
    "lambda_z_adj_r2": "",
    "lambda_z_n": "count",
    "lambda_z_t_first": "h",
    "lambda_z_t_last": "h",
    "lambda_z_span_ratio": "",
    "clast_pred": "ng/mL",
    "t_half": "h",
    "cl": "L/h",
    "vz": "L",
    "vss": "L",
    "flag": "",
}
_NEED_LZ = (
    "aucinf",
    "aucinf_pred",
    "auc_pct_extrap",
    "aumcinf",
    "mrt",
    "t_half",
    "cl",
    "vz",
    "vss",
)


@dataclass(frozen=True)
class SubjectNCA:
    """One subject's parameters (``params``, keys of :data:`PARAMETER_UNITS`), the λz fit and
    the cleaned profile (``time_h``, ``conc``: after the BLQ rule, before C0 is added)."""

    params: dict[str, Any]
    fit: LambdaZFit
    time_h: np.ndarray
    conc: np.ndarray


def compute_subject_nca(
    subject: str,
    time_h: np.ndarray,
    conc: np.ndarray,
    dosing: SubjectDosing,
    *,
    auc_method: str = "lin-up-log-down",
    min_points: int = 3,
    adj_r2_factor: float = 1e-4,
    allow_tmax: bool = False,
    max_pct_extrap: float = 20.0,  # PKNCA max.aucinf.pext default (exclude_nca_max.aucinf.pext)
) -> SubjectNCA:
    """NCA of one cleaned profile (BLQ already set to 0 or dropped; times h after the dose).

    * Cmax, tmax (first maximum), Clast, tlast (last positive concentration) from the samples.
    * The AUC starts at the dose: C(0) is the observation at 0, else 0 (extravascular and
      infusions, PKNCA ``c0`` method ``set0``) or, for an IV bolus, C0 by :func:`get_c0`.
    * AUCinf = AUClast + Clast/λz (``aucinf``, PKNCA ``aucinf.obs``) and + Ĉlast/λz with the
      fitted Clast (``aucinf_pred``); AUMCinf = AUMClast + tlast·Clast/λz + Clast/λz².
    * MRT = AUMCinf/AUCinf − mean input time (Tinf/2 for a constant infusion, PKNCA
      ``mrt.iv.obs``); CL = dose/AUCinf; Vz = CL/λz; Vss = CL·MRT (IV only).

    Examples
    --------
    >>> import numpy as np
    >>> t = np.array([1.0, 2, 4, 8]); c = 100 * np.exp(-0.25 * t)
    >>> r = compute_subject_nca("A", t, c, SubjectDosing("iv-bolus", dose_mg=1.0))
    >>> round(r.params["aucinf"], 9), round(r.params["cl"], 9)   # 100/0.25; 1000/400
    (400.0, 2.5)
    """
    t = np.asarray(time_h, dtype=float)
    c = np.asarray(conc, dtype=float)
    flags: list[str] = []
    pos = np.flatnonzero(c > 0)
    i_max = int(np.argmax(c))
    i_last = int(pos[-1])
    cmax, tmax, clast, tlast = float(c[i_max]), float(t[i_max]), float(c[i_last]), float(t[i_last])
    bolus = dosing.route == "iv-bolus"
    c0 = get_c0(t, c, 0.0) if bolus else (float(c[0]) if t[0] == 0 else 0.0)
    ta, ca = (t, c.copy()) if t[0] == 0 else (np.r_[0.0, t], np.r_[0.0, c])
    ca[0] = c0
    k_last = i_last + (0 if t[0] == 0 else 1)
    auclast = get_auc(ta[: k_last + 1], ca[: k_last + 1], auc_method)
    aucall = get_auc(ta, ca, auc_method)
    aumclast = get_aumc(ta[: k_last + 1], ca[: k_last + 1], auc_method)
    fit = select_lambda_z(
        t,
        c,
        after_h=dosing.end_h,
        min_points=min_points,
        adj_r2_factor=adj_r2_factor,
        allow_tmax=allow_tmax,
    )
    p: dict[str, Any] = {
        "subject": subject,
        "route": dosing.route,
        "dose_mg": dosing.dose_mg,
        "dose_duration_h": dosing.duration_h,
        "mean_input_time_h": dosing.mean_input_time_h,
        "n_samples": len(t),
        "c0": c0,
        "cmax": cmax,
        "tmax": tmax,
        "clast": clast,
        "tlast": tlast,
        "auclast": auclast,
        "aucall": aucall,
        "aumclast": aumclast,
    }
    nan = math.nan
    if fit.ok:
        lz = fit.lambda_z
        cpred = fit.get_predicted(tlast)
        aucinf = auclast + clast / lz
        aumcinf = aumclast + tlast * clast / lz + clast / lz**2
        p.update(
            aucinf=aucinf,
            aucinf_pred=auclast + cpred / lz,
            auc_pct_extrap=100.0 * (aucinf - auclast) / aucinf,
            aumcinf=aumcinf,
            mrt=aumcinf / aucinf - dosing.mean_input_time_h,
            lambda_z=lz,
            lambda_z_r2=fit.r2,
            lambda_z_adj_r2=fit.adj_r2,
            lambda_z_n=fit.n_points,
            lambda_z_t_first=fit.t_first,
            lambda_z_t_last=fit.t_last,
            lambda_z_span_ratio=(fit.t_last - fit.t_first) / fit.t_half,
            clast_pred=cpred,
            t_half=fit.t_half,
        )
        if p["auc_pct_extrap"] > max_pct_extrap:
            flags.append(f"auc_pct_extrap > {max_pct_extrap:g} % (AUCinf less reliable)")
    else:
        for k in (
            *_NEED_LZ,
            "lambda_z",
            "lambda_z_r2",
            "lambda_z_adj_r2",
            "lambda_z_t_first",
            "lambda_z_t_last",
            "lambda_z_span_ratio",
            "clast_pred",
        ):
            p[k] = nan
        p["lambda_z_n"] = 0
        flags.append(
            f"lambda_z not estimated ({fit.reason}): AUCinf, AUMCinf, MRT, t_half, "
            "CL, Vz, Vss not computed"
        )
    dose = dosing.dose_mg
    if not (isinstance(dose, float) and math.isfinite(dose)):
        p.update(cl=nan, vz=nan, vss=nan)
        flags.append("no dose in the input: CL, Vz, Vss not computed")
    elif fit.ok:
        p["cl"] = 1000.0 * dose / p["aucinf"]
        p["vz"] = p["cl"] / fit.lambda_z
        p["vss"] = p["cl"] * p["mrt"] if dosing.route.startswith("iv") else nan
    if dosing.route == "extravascular":
        if fit.ok and math.isfinite(p["cl"]):
            flags.append("extravascular: cl and vz are apparent (CL/F, Vz/F)")
        p["vss"] = nan
        flags.append("extravascular: Vss not computed (needs IV dosing)")
    p["flag"] = "; ".join(flags)
    return SubjectNCA({k: p[k] for k in PARAMETER_UNITS}, fit, t, c)
