"""Reading and validating biomarker data files (long or wide CSV/Parquet).

The canonical (long) format has one row per measurement::

    subject, time_h, analyte, stimulus, value [, unit, arm, visit]

* ``time_h``: hours from the start of treatment; every subject needs a baseline row at
  ``time_h = 0``.
* ``stimulus``: ``basal`` (unstimulated), ``LPS`` (ex vivo TLR4 stimulation) or ``IMQ``
  (ex vivo TLR7 stimulation, imiquimod).
* HAM-D-17 totals are rows with analyte ``HAMD17``, stimulus ``basal`` and unit ``points``.
* An empty ``value`` cell (or ``NA``) is a *missing* measurement: allowed, reported by the
  analysis, never silently dropped. Text that is not a number is an error.

The wide format has one row per subject and time (``subject, time_h`` [, ``arm, visit``]) and
one column per analyte and stimulus, named ``ANALYTE`` (basal), ``ANALYTE:STIMULUS`` or
``ANALYTE|STIMULUS``, optionally followed by a unit in brackets, e.g. ``TNFa:LPS [pg/mL]``.

All problems found in a file are raised together as one :class:`BiomarkerDataError` (a
:class:`~brexsim.errors.BrexsimInputError`) that lists the offending rows: ``line N`` for
CSV files (the header is line 1) and ``row N`` (0-based position) for Parquet files and
data frames.
"""

from __future__ import annotations

from brexsim.analysis.data._example import EXAMPLE_EFFECTS, make_example_dataset
from brexsim.analysis.data._read import read_biomarkers
from brexsim.analysis.data._validate import validate_biomarkers
from brexsim.analysis.data._vocab import (
    ALLOWED_UNITS,
    ANALYTE_CLASSES,
    BASELINE_H,
    HAMD_ANALYTE,
    HAMD_RANGE,  # noqa: F401
    OPTIONAL_COLUMNS,
    REQUIRED_COLUMNS,
    STIMULI,
    BiomarkerDataError,
    DataProblem,
    get_analyte_class,
    get_canonical_analyte,
)

__all__ = [
    "ALLOWED_UNITS",
    "ANALYTE_CLASSES",
    "BASELINE_H",
    "EXAMPLE_EFFECTS",
    "HAMD_ANALYTE",
    "OPTIONAL_COLUMNS",
    "REQUIRED_COLUMNS",
    "STIMULI",
    "BiomarkerDataError",
    "DataProblem",
    "get_analyte_class",
    "get_canonical_analyte",
    "make_example_dataset",
    "read_biomarkers",
    "validate_biomarkers",
]
