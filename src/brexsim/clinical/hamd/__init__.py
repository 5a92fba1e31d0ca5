"""HAM-D-17 over time: placebo course by care setting, fast GABAergic and slow immune/BDNF drug
effects on a remission (disease) state, severity scaling, inter-individual and residual variability.

Expected score of patient ``i`` (equations and sources: ``docs/clinical_hamd.md``)::

    S_i(t) = B_i (1 - P_i(t)) (1 - Emax_i R_i(t)) ** s(B_i)             clipped to [0, 52]

    P_i(t) = Pmax_i (1 - exp(-(t / TD_setting) ** beta))                  placebo fraction
    logit Pmax_i = logit Pmax_setting + eta_placebo_i                     (logit-normal)

    dR/dt = r(t) (1 - R) - k_rel R,   R(0) = 0                             remission state
    r(t)  = k_fast T(t)+ + w_I (1 - I(t))+ + w_B b(t)+                     drive, 1/h
    logit Emax_i = logit Emax + eta_drug_i                                (logit-normal)

    s(B) = (B_ref / B) max(B - B_0, 0) / (B_ref - B_0)                   (Fournier 2010)

``B`` is the (observed, integer) baseline, ``T`` the GABAergic tone index (0 = untreated PPD,
1 = healthy postpartum; :func:`brexsim.mechanism.gabaa.get_tone_index`), ``I`` the plasma TNF-a
fold change from baseline (:mod:`brexsim.mechanism.tlr`), ``b`` the serum BDNF change in healthy-SD
units (:mod:`brexsim.mechanism.bdnf`); ``x+ = max(x, 0)``. ``R`` is an indirect-response
(disease-state) variable: the fraction of the drug-responsive part of the symptoms that has
resolved. The GABAergic tone drives it quickly while the drug is there (fast part); the fall of
TNF-a and the rise of BDNF keep driving it for weeks (slow part); it decays only at the slow
relapse rate ``k_rel`` (the benefit outlasts the drug). ``R <= 1`` and ``Emax < 1`` bound the drug
effect: 60 h of brexanolone and 14 days of zuranolone give similar drug-placebo differences
(Study 1, ROBIN) and BRX60 is not below BRX90, which a non-saturable effect cannot reproduce.
In the small-effect limit the drug-placebo difference in points is proportional to ``B - B_0``,
the linear severity interaction of Fournier 2010.

Zuranolone enters the tone index through :func:`scale_biophase_for_tone` (one calibrated
exposure/potency factor, ``hamd.zuranolone_exposure_scale``).

Every model function is pure ``jax.numpy`` (float64) over a leading patient axis; the lead can
put :func:`rhs_from_inputs` into a batched diffrax system and evaluate
:func:`compute_placebo_fraction` / :func:`compute_expected_score` algebraically. The standalone
solve :func:`solve_remission_state` is an exact exponential integrator (``jax.lax.scan``) with the
inputs averaged over each output interval (trapezoid).
"""

from __future__ import annotations

from brexsim.clinical.hamd._core import (
    SETTINGS,
    HamdParams,
    compute_drug_drive,
    compute_expected_score,
    compute_placebo_fraction,
    compute_severity_exponent,
    get_hamd_params,
    rhs_from_inputs,
    solve_remission_state,
)
from brexsim.clinical.hamd._front import (
    compute_hamd,
    compute_hamd_components,
    scale_biophase_for_tone,
)
from brexsim.clinical.hamd._observe import (
    get_baseline_distribution,
    get_change_from_baseline,
    is_remission,
    is_response,
    sample_baseline_hamd,
    sample_hamd_random_effects,
    sample_observed_hamd,
)

__all__ = [
    "SETTINGS",
    "HamdParams",
    "compute_drug_drive",
    "compute_expected_score",
    "compute_hamd",
    "compute_hamd_components",
    "compute_placebo_fraction",
    "compute_severity_exponent",
    "get_baseline_distribution",
    "get_change_from_baseline",
    "get_hamd_params",
    "is_remission",
    "is_response",
    "rhs_from_inputs",
    "sample_baseline_hamd",
    "sample_hamd_random_effects",
    "sample_observed_hamd",
    "scale_biophase_for_tone",
    "solve_remission_state",
]
