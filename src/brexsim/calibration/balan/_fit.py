"""Balan 2023 calibration of the ``tlr.bsv_*`` rows to the published p-values (split from
``balan``; see the package docstring).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import minimize

from brexsim.calibration.balan._study import _draw, _replicate_pvalues, get_balan_replicate_pvalues
from brexsim.calibration.balan._tables import CALIBRATED_ROWS, PUBLISHED
from brexsim.calibration.tables import write_parameter_values
from brexsim.mechanism.tlr import (
    get_tlr_parameters,
)
from brexsim.params import load_parameters, override_parameters

# ---------------------------------------------------------------------------------------------
# calibration

_PRIOR_LOG_SD = 1.0


@dataclass(frozen=True)
class BalanCalibration:
    """Result of :func:`calibrate_balan`."""

    values: dict[str, float]
    prior: dict[str, float]
    table: pd.DataFrame
    objective: float
    written: bool


def calibrate_balan(
    write: bool = True, replicates: int = 200, seed: int = 2023, n_basal: int = 11, n_stim: int = 10
) -> BalanCalibration:
    """Fit the ``tlr.bsv_*`` log-SDs to the Balan 2023 p-values; write them into ``tlr.toml``.

    Objective: sum over the eight rows of (median log10 p - published log10 p)^2 over
    ``replicates`` studies (common random numbers, ``seed``), plus
    ``sum((ln sd - ln sd_prior) / 1)^2`` (weak prior around the ``bsv_*_prior`` rows), started at
    the prior centres, so a re-run gives the same values.
    Nelder-Mead in ln(sd).
    """
    ps = load_parameters()
    base = get_tlr_parameters(ps)
    prior = {row: base[f"{row}_prior"] for row in CALIBRATED_ROWS}
    draws = _draw(seed, replicates, n_basal)
    target = np.log10([r[3] for r in PUBLISHED])
    x0 = np.log([prior[r] for r in CALIBRATED_ROWS])
    x_prior = x0.copy()

    def objective(x: np.ndarray) -> float:
        p = dict(base, **{r: float(math.exp(v)) for r, v in zip(CALIBRATED_ROWS, x, strict=True)})
        pv = _replicate_pvalues(draws, p, n_stim)
        med = np.median(np.log10(np.maximum(pv, 1e-300)), axis=0)
        return float(np.sum((med - target) ** 2) + np.sum(((x - x_prior) / _PRIOR_LOG_SD) ** 2))

    res = minimize(
        objective,
        x0,
        method="Nelder-Mead",
        options={"xatol": 1e-3, "fatol": 1e-4, "maxiter": 400},
    )
    fitted = {r: float(math.exp(v)) for r, v in zip(CALIBRATED_ROWS, res.x, strict=True)}
    p_fit = override_parameters(ps, {f"tlr.{k}": v for k, v in fitted.items()})
    table = get_balan_replicate_pvalues(replicates, seed, n_basal, n_stim, params=p_fit)
    if write:
        write_parameter_values({f"tlr.{k}": v for k, v in fitted.items()})
    return BalanCalibration(fitted, prior, table, float(res.fun), write)
