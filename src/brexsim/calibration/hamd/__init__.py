"""Calibration of the HAM-D layer (re-runnable; writes the C rows of ``hamd.toml``).

Targets (expected values of a virtual population, fixed seed):

* Study 1 (inpatient, 60-h infusion), LS mean change at hour 60: BRX90 (``zulresso``) -17.7
  (SE 1.2), BRX60 (``study1-brx60``) -19.5 (1.2), placebo (``placebo``) -14.0 (1.1);
  residual weight 1/SE (the acceptance band is 2 SE). The two brexanolone arms enter as one
  residual on their mean (-18.6): their order is within noise and is not forced.
* ROBIN (outpatient, oral), mean change at day 15: zuranolone 30 mg (``zuranolone-30mg``) -17.8,
  placebo (``placebo-oral``) -13.6; residual weight 2/2.5 (acceptance band 2.5 points).
* Between-patient SD of the change at hour 60 implied by the Study 1 SEs (SE x sqrt(n)): placebo
  7.21 (fits ``omega_placebo``), brexanolone arms 7.54 (fits ``omega_drug``); weight 1/0.5.

Free parameters: ``placebo_max_inpatient``, ``placebo_max_outpatient``, ``max_drug_effect``,
``zuranolone_exposure_scale`` (MAP with a log-normal prior; see ``_residuals``),
``omega_placebo``, ``omega_drug``. The slow weights follow from two documented splits:
``immune_weight`` / ``bdnf_weight`` so that TNF-a and BDNF give ``immune_share`` of the slow
drive area under zulresso (days 0-30), and their common scale (a root find inside every
evaluation) so that the slow part carries ``slow_share`` of the typical zulresso drug effect
area (days 0-30). The baseline distribution (``baseline_latent_mean``/``_sd``) is fitted first,
exactly, to the Study 1 baseline mean and SD.

Mechanistic inputs come from the other layers for a typical 70-kg patient of each preset:
``simulate_pk`` -> tone index (``get_tone_index`` on the free biophase drug, zuranolone's scaled by
``zuranolone_exposure_scale``, clipped to [0, 1] as in :func:`brexsim.model.simulate`), TNF-a fold
change (``simulate_inflammation``), BDNF change in SD (``simulate_bdnf`` driven by that tone and
that TNF-a fold change, as in the assembled model).
"""

from __future__ import annotations

from brexsim.calibration.hamd._fit import HamdCalibration, calibrate_hamd, get_hamd_checks
from brexsim.calibration.hamd._inputs import (  # noqa: F401
    ARMS,
    DEFAULT_N,
    DEFAULT_SEED,
    HORIZON_H,
    ROBIN_TOL,
    SD_WEIGHT_POINTS,
    SEPARATION_H24_POINTS,
    STUDY1_DIFF_CI,
    STUDY1_N,
    WEIGHT_KG,
    HamdInputs,
    calibrate_baseline,
    compute_slow_weights,
    get_regimen_inputs,
    get_typical_inputs,
)

__all__ = [
    "ARMS",
    "DEFAULT_N",
    "DEFAULT_SEED",
    "HamdCalibration",
    "HamdInputs",
    "calibrate_baseline",
    "calibrate_hamd",
    "compute_slow_weights",
    "get_hamd_checks",
    "get_regimen_inputs",
    "get_typical_inputs",
]
