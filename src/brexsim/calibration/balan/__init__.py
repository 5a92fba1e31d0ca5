"""Balan 2023 (eBioMedicine 89:104473) as virtual single-arm studies; calibration of the
inflammation layer's between-subject variability to the published p-values.

The published study: women with PPD given brexanolone by the label's 60-h protocol; blood before
the infusion and after it (modelled at 0 h and 60 h); whole-blood **cell lysates** measured
unstimulated (n = 11) and after ex vivo LPS (TLR4) or imiquimod (TLR7) stimulation (n = 9-11;
here 10). Abstract-level p-values only (full text not reached; reference notes 1a).

How a virtual study is made (one replicate):

* ``n_basal`` subjects; the first ``n_stim`` of them also give stimulated values.
* Each subject: body weight (log-normal, ``population.weight_*``) -> zulresso PK at that weight
  (:func:`brexsim.pk.simulate_pk`; profiles are interpolated between 6 weights) -> the slow
  innate state ``S`` over 0-60 h with the subject's IC50 and reprogramming multipliers (the
  in vivo form's ``S`` equation, integrated exactly on 0.1-h steps) -> the blood sample at 0 h
  and 60 h (:class:`~brexsim.mechanism.assay.BloodSample`: total drug, ``S``, basal tone).
* Each sample goes through :func:`brexsim.mechanism.assay.simulate_assay` (tube diluted 1:1 so
  the drug is halved, 4 h, default doses), read out as the cell-associated (lysate) amount, pg
  per mL of blood: "basal" = the unstimulated tube, "LPS" / "IMQ" = the stimulated tubes x the
  subject's donor-output multiplier. For speed the assay is read from tables built once from
  the same cell model (basal: 2-D in ``x = tone x pool`` before and after dilution; stimulated:
  1-D in the tube pool, since the stimulated output does not depend on the pre-tube state or
  the basal tone to better than 0.1 %); ``tests/calibration/test_balan.py`` checks the tables
  against ``simulate_assay``.
* Each measured value carries log-normal noise: biological-replicate CV 24.8 % and technical CV
  9.2 % (Jorda 2024; the ``assay_cv_*`` rows, not calibrated).

Tests (what the published tests most plausibly were; the full text was not reached): a paired
t-test pre vs post on the basal lysate values (TNF-a, IL-6), and a paired t-test pre vs post on
the **induced** response = stimulated minus unstimulated lysate of the same sample (the abstract
says infusion "prevented LPS and IMQ-induced elevation", i.e. the rise over the unstimulated
control; this is also :func:`brexsim.analysis.stats.compute_change_table` with
``transform="induced"``, which the test-suite runs on a simulated study).

Calibration (:func:`calibrate_balan`): the log-SDs of the basal tone, the IC50, the
reprogramming rate and the donor output (``tlr.bsv_*``) are fitted (scipy Nelder-Mead, fixed
seed, common random numbers) to minimise the squared distance between the median log10 p of
200 replicate studies and the published log10 p over the eight rows, plus a weak log-normal prior
around the ``bsv_*_prior`` rows (log-SD 1). Pass criterion (issue 5): each published p inside
the central 95 % of the model's replicate p-values.

HAM-D: the correlation part of the records needs the HAM-D layer. Hook: the per-subject immune
changes (:func:`get_balan_subject_changes`) and ``hamd_improvement`` in
:func:`get_balan_replicate_pvalues`.
"""

from __future__ import annotations

from brexsim.calibration.balan._fit import BalanCalibration, calibrate_balan
from brexsim.calibration.balan._hamd_link import (
    PUBLISHED_CORRELATION_P,
    BalanCohort,
    get_balan_hamd_correlations,
    simulate_balan_cohort,
)
from brexsim.calibration.balan._study import (  # noqa: F401
    _draw,
    _replicate_pvalues,
    _simulate_cohort,
    get_assay_log_sd,
    get_balan_replicate_pvalues,
    get_balan_subject_changes,
    simulate_balan_study,
)
from brexsim.calibration.balan._tables import (  # noqa: F401
    ANALYTES,
    CALIBRATED_ROWS,
    PUBLISHED,
    REGIMEN,
    SAMPLE_H,
)
from brexsim.mechanism.tlr import sample_inflammation_random_effects

__all__ = [
    "ANALYTES",
    "PUBLISHED",
    "PUBLISHED_CORRELATION_P",
    "BalanCalibration",
    "BalanCohort",
    "calibrate_balan",
    "get_balan_hamd_correlations",
    "get_balan_replicate_pvalues",
    "get_balan_subject_changes",
    "sample_inflammation_random_effects",
    "simulate_balan_cohort",
    "simulate_balan_study",
]
