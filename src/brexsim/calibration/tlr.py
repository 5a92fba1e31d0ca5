"""Calibration of the TLR layer (re-runnable; writes the C-marked rows of ``tlr.toml``).

1. Drug potency (``drug_imax``, ``drug_ic50_uM``): maximum a posteriori fit of the cell model to
   ~80 % inhibition of the LPS cascade at 0.5 and 1 uM (Balan 2019 Sci Rep 9:1220), read as the
   inhibition of TRAF6 activity (AUC 0-60 min), of the TRAF6-proximal co-signal (p-TAK1 /
   pCREB / p-p65 surrogate, AUC 0-60 min) and of secreted TNF-a at 4 h, for cells in medium
   (nominal concentration, no dilution) with LPS 100 ng/mL. Prior: Imax uniform on [0.8, 1],
   ln IC50 normal around ln 0.224 uM (geometric centre of the 0.1-0.5 uM prior), SD 0.4; data
   SD 0.05 per read-out.
2. Output scale (``<cytokine>_scale_pg_per_ml``): whole blood 1:1 in medium + LPS 10 ng/mL, TNF-a at
   4 h = 1.58 ng/mL, IL-1b and IL-6 at 24 h = 3.87 and 15.8 ng/mL (geometric centres of the
   recalled ranges). The model is linear in the scale, so this is one division each.

Run ``brexsim calibrate-tlr`` (or :func:`calibrate_tlr`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.optimize import minimize

from brexsim.calibration.tables import write_parameter_values
from brexsim.mechanism.tlr import _IX, CellInputs, get_tlr_parameters, simulate_cells
from brexsim.params import load_parameters

__all__ = [
    "CASCADE_CONCENTRATIONS_UM",
    "SCALE_TARGETS",
    "TlrCalibration",
    "calibrate_tlr",
    "get_cascade_inhibition",
    "get_scale_model_output",
]

#: In vitro concentrations (nominal, uM) at which ~80 % inhibition was reported.
CASCADE_CONCENTRATIONS_UM: tuple[float, ...] = (0.5, 1.0)
CASCADE_TARGET = 0.80
CASCADE_LPS_NG_PER_ML = 100.0
_PRIOR_IC50_UM = math.sqrt(0.1 * 0.5)
_PRIOR_LOG_SD = 0.4
_DATA_SD = 0.05
_IMAX_BOUNDS = (0.8, 1.0)

#: (cytokine, incubation h, target pg/mL) for whole blood 1:1 + LPS 10 ng/mL.
SCALE_TARGETS: tuple[tuple[str, float, float], ...] = (
    ("tnf", 4.0, math.sqrt(500.0 * 5000.0)),
    ("il1b", 24.0, math.sqrt(1000.0 * 15000.0)),
    ("il6", 24.0, math.sqrt(5000.0 * 50000.0)),
)
SCALE_LPS_NG_PER_ML = 10.0
SCALE_BLOOD_FRACTION = 0.5


def _readouts(p: dict, drug_uM: float) -> np.ndarray:
    t = np.concatenate([np.linspace(0.0, 60.0, 61), [240.0]])
    out = simulate_cells(
        t, CellInputs(lps_ng_per_ml=CASCADE_LPS_NG_PER_ML, drug_total_uM=drug_uM), params=p
    )
    return _summarise(out, t)


def _summarise(out: dict, t: np.ndarray) -> np.ndarray:
    y = out["y"]
    auc_traf6 = np.trapezoid(y[_IX["traf6_act"], :61], t[:61])
    auc_cos = np.trapezoid(y[_IX["cosignal"], :61], t[:61])
    tnf = out["tnf_secreted_pg_per_ml"][-1]
    return np.array([auc_traf6, auc_cos, tnf])


def get_cascade_inhibition(
    p: dict | None = None, concentrations_uM: tuple[float, ...] = CASCADE_CONCENTRATIONS_UM
) -> np.ndarray:
    """Inhibition (1 - drug/no drug) of [TRAF6 AUC, co-signal AUC, TNF 4 h] per concentration.

    Shape ``(len(concentrations_uM), 3)``.
    """
    p = p if p is not None else get_tlr_parameters()
    ref = _readouts(p, 0.0)
    return np.array([1.0 - _readouts(p, c) / ref for c in concentrations_uM])


def get_scale_model_output(p: dict | None = None) -> dict[str, float]:
    """Model output (pg/mL with the current scales) for each entry of :data:`SCALE_TARGETS`."""
    p = p if p is not None else get_tlr_parameters()
    out: dict[str, float] = {}
    inp = CellInputs(lps_ng_per_ml=SCALE_LPS_NG_PER_ML, blood_fraction=SCALE_BLOOD_FRACTION)
    for c, hours, _ in SCALE_TARGETS:
        sim = simulate_cells(np.array([0.0, 60.0 * hours]), inp, params=p)
        out[c] = float(sim[f"{c}_secreted_pg_per_ml"][-1])
    return out


@dataclass(frozen=True)
class TlrCalibration:
    """Result of :func:`calibrate_tlr`."""

    drug_imax: float
    drug_ic50_uM: float
    inhibition: np.ndarray
    scales_pg_per_ml: dict[str, float]
    written_to: Path | None


def _inhibition_vs_pool(p: dict, pools: np.ndarray) -> np.ndarray:
    """Cascade inhibition as a function of the drug-free MyD88 pool fraction ``1 - I``.

    The drug enters the cell model only through ``pool = 1 - I(C)``, so one curve serves every
    (Imax, IC50) pair: simulate with the drug replaced by the equivalent pool.
    """
    ref = _readouts(p, 0.0)
    out = np.zeros((pools.size, 3))
    for k, pool in enumerate(pools):
        # innate_state scales the pool exactly like (1 - I) does
        q = dict(p)
        t = np.concatenate([np.linspace(0.0, 60.0, 61), [240.0]])
        sim = simulate_cells(
            t,
            CellInputs(lps_ng_per_ml=CASCADE_LPS_NG_PER_ML, innate_state=float(pool)),
            y0=simulate_cells(np.array([0.0]), CellInputs(), params=q)["y"][:, 0],
            params=q,
        )
        out[k] = 1.0 - _summarise(sim, t) / ref
    return out


def _fit_potency(p: dict) -> tuple[float, float]:
    pools = np.linspace(0.0, 1.0, 41)
    curve = _inhibition_vs_pool(p, pools)

    def inhibition(imax: float, ic50: float) -> np.ndarray:
        res = []
        for c in CASCADE_CONCENTRATIONS_UM:
            pool = (
                1.0 - imax * c / (ic50 + c)
                if p["drug_hill"] == 1.0
                else 1.0
                - imax * (c ** p["drug_hill"] / (ic50 ** p["drug_hill"] + c ** p["drug_hill"]))
            )
            res.append([np.interp(pool, pools, curve[:, j]) for j in range(3)])
        return np.array(res)

    def objective(z: np.ndarray) -> float:
        imax = _IMAX_BOUNDS[0] + (_IMAX_BOUNDS[1] - _IMAX_BOUNDS[0]) / (1.0 + math.exp(-z[0]))
        misfit = np.sum(((inhibition(imax, math.exp(z[1])) - CASCADE_TARGET) / _DATA_SD) ** 2)
        prior = ((z[1] - math.log(_PRIOR_IC50_UM)) / _PRIOR_LOG_SD) ** 2
        return float(misfit + prior)

    best = None
    for z0 in ([0.0, math.log(_PRIOR_IC50_UM)], [2.0, math.log(0.1)], [-2.0, math.log(0.05)]):
        res = minimize(
            objective,
            np.array(z0),
            method="Nelder-Mead",
            options={"xatol": 1e-6, "fatol": 1e-9, "maxiter": 2000},
        )
        if best is None or res.fun < best.fun:
            best = res
    z = best.x
    imax = _IMAX_BOUNDS[0] + (_IMAX_BOUNDS[1] - _IMAX_BOUNDS[0]) / (1.0 + math.exp(-z[0]))
    return float(imax), float(math.exp(z[1]))


def calibrate_tlr(write: bool = True) -> TlrCalibration:
    """Fit the drug potency and the output scales; write them into ``tlr.toml``.

    ``drug_imax`` is fitted inside its prior range [0.8, 1] and written too (it is marked A in
    the table when the prior alone sets it; the fit replaces it and the row is then C).
    """
    p = get_tlr_parameters(load_parameters())
    imax, ic50 = _fit_potency(p)
    p = dict(p, drug_imax=imax, drug_ic50_uM=ic50)
    inh = get_cascade_inhibition(p)
    model = get_scale_model_output(p)
    scales = {}
    for c, _, target in SCALE_TARGETS:
        scales[c] = p[f"{c}_scale_pg_per_ml"] * target / model[c]
    written = None
    if write:
        values = {"tlr.drug_imax": imax, "tlr.drug_ic50_uM": ic50}
        values.update({f"tlr.{c}_scale_pg_per_ml": v for c, v in scales.items()})
        written = write_parameter_values(values)[0]
    return TlrCalibration(imax, ic50, inh, scales, written)
