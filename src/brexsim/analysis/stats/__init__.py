"""Biomarker statistics: baseline vs later times, FDR, correlation with HAM-D, mixed models.

Input is the canonical long frame of :func:`brexsim.analysis.data.validate_biomarkers`
(it works the same on real files and on simulated cohorts). All per-line statistics are
computed at once on a ``subjects x lines`` matrix (vectorised), so large tables are fast.

For each analyte x stimulus and each later time t (a *line* of the table):

* ``n``: subjects with a value at baseline (``time_h = 0``) **and** at t (complete pairs);
  subjects missing either value are excluded from that line and counted in ``n_excluded``.
* paired t-test (= :func:`scipy.stats.ttest_rel`), Wilcoxon signed-rank test
  (= :func:`scipy.stats.wilcoxon` with its defaults), effect size ``dz = mean / sd`` of the
  paired changes with an exact 95 % CI (non-central t inversion), 95 % CI of the mean change.
* Benjamini-Hochberg FDR across all lines of the table (``q_fdr`` from the t-test,
  ``q_fdr_wilcoxon`` from the Wilcoxon test; :func:`statsmodels.stats.multitest.multipletests`).
* correlation of the change with HAM-D improvement over the same interval
  (``HAMD17(0) - HAMD17(t)``, positive = better): Pearson (= :func:`scipy.stats.pearsonr`) and
  Spearman (= :func:`scipy.stats.spearmanr`), 95 % CIs by Fisher's z (Spearman with the
  Fieller-Hartley-Pearson variance 1.06 / (n - 3)); ``n_corr`` subjects with both changes.

Transforms: ``raw`` (values as given), ``log`` (natural log; every value must be > 0) and
``induced`` (for LPS/IMQ the stimulated minus the basal value of the same subject and time,
i.e. the induced response; basal lines stay as they are).

The linear mixed model (:func:`fit_mixed_models`) uses every available observation
(likelihood-based, valid under missing-at-random) instead of complete pairs.
"""

from __future__ import annotations

from brexsim.analysis.stats._change_table import compute_change_table, get_correlation_ci, get_dz_ci
from brexsim.analysis.stats._matrix import (  # noqa: F401
    MIN_PAIRS,
    TABLE_COLUMNS,
    TRANSFORMS,
    ChangeMatrix,
    get_change_matrix,
    transform_values,
)
from brexsim.analysis.stats._models import (
    AnalysisResult,
    analyze_biomarkers,
    fit_mixed_models,
    get_hamd_summary,
    get_missing_report,
)

__all__ = [
    "TABLE_COLUMNS",
    "TRANSFORMS",
    "AnalysisResult",
    "analyze_biomarkers",
    "compute_change_table",
    "fit_mixed_models",
    "get_change_matrix",
    "get_correlation_ci",
    "get_dz_ci",
    "get_hamd_summary",
    "get_missing_report",
    "transform_values",
]
