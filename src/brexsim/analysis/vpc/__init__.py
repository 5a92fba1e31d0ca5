"""Visual predictive check (VPC): observed percentiles over binned time against the model's
simulated intervals, prediction-corrected (pcVPC) and censored (BLQ) variants.

* :mod:`.binning` — time bins (explicit edges, nominal times, Fisher-Jenks, quantiles);
* :mod:`.stats` — censored percentiles, prediction correction, replicate counts;
* :mod:`.core` — :func:`compute_vpc` and its immutable :class:`VPCResult`;
* :mod:`.data` — reading observed files (NONMEM-style or long CSV, Parquet);
* :mod:`.plot` — one figure per observed quantity; :mod:`.report` — the HTML report.

The conventions follow the ``vpc`` R package (Keizer) and PsN: see ``docs/vpc.md``.

Examples
--------
>>> from brexsim.analysis.vpc import compute_vpc, get_bin_edges
>>> get_bin_edges([0, 24, 24, 60], "nominal")[0]
(0.0, 12.0, 42.0, 60.0)
"""

from __future__ import annotations

from brexsim.analysis.vpc.binning import BIN_RULES, assign_bins, get_bin_edges, get_jenks_breaks
from brexsim.analysis.vpc.core import DEFAULT_PI, VPC_COLUMNS, VPCResult, compute_vpc
from brexsim.analysis.vpc.stats import (
    correct_prediction,
    get_censored_percentiles,
    get_expected_miss_rate,
    get_group_percentiles,
    get_min_replicates,
)

__all__ = [
    "BIN_RULES",
    "DEFAULT_PI",
    "VPC_COLUMNS",
    "VPCResult",
    "assign_bins",
    "compute_vpc",
    "correct_prediction",
    "get_bin_edges",
    "get_censored_percentiles",
    "get_expected_miss_rate",
    "get_group_percentiles",
    "get_jenks_breaks",
    "get_min_replicates",
]
