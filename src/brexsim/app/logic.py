"""Server logic of the web app, free of Shiny, in one namespace (kept for scripts and the
documentation): parse the editor tables into a regimen, run one patient (every layer, beside a
placebo reference), the ex vivo assay, a capped virtual population, and shape results for
download.

The code lives in the modules below; this module re-exports their public names:

* :mod:`brexsim.app.common`: grids, caps (:data:`LIMITS`), choice lists, :func:`format_error`,
  :func:`to_bytes`;
* :mod:`brexsim.app.regimen_tables`: editor tables and :func:`build_regimen`;
* :mod:`brexsim.app.patient`: :class:`PatientSettings` and :func:`run_patient`;
* :mod:`brexsim.app.patient_tables`: summary, compare, events, download and assay tables;
* :mod:`brexsim.app.population_run`: :func:`run_population` and its frames;
* :mod:`brexsim.app.warmup`: background compilation (:data:`WARMUP`).

Module state (``POPULATION_CHUNK``, ``POPULATION_LOCK``, ``WARMUP``) is not re-exported: it is
read where it is defined, so set it on :mod:`brexsim.app.population_run` or
:mod:`brexsim.app.warmup`.

Everything here is a plain function of plain inputs, so it is tested without a browser
(``tests/app/test_logic.py``). Bad input raises :class:`brexsim.errors.BrexsimInputError`, whose
message the app shows inline.
"""

from __future__ import annotations

from brexsim.app.common import (
    ASSAY_STIMULI,
    DELTA_STATE_LABELS,
    FINE_DT_H,
    HORIZON_H,
    INTERRUPTION_COLUMNS,
    LIMITS,
    ORAL_COLUMNS,
    SEGMENT_COLUMNS,
    TIMES_H,
    format_error,
    to_bytes,
)
from brexsim.app.patient import (
    SINGLE_CHUNK,
    PatientRun,
    PatientSettings,
    make_population,
    run_patient,
)
from brexsim.app.patient_tables import (
    SUMMARY_ROWS,
    get_assay_table,
    get_compare_table,
    get_events_table,
    get_patient_frame,
    get_summary_table,
)
from brexsim.app.population_run import (
    PERCENTILE_VARIABLES,
    PopulationRun,
    get_population_frames,
    run_population,
)
from brexsim.app.regimen_tables import (
    RegimenTables,
    add_table_row,
    build_regimen,
    get_placebo_regimen,
    get_preset_tables,
    remove_table_row,
)
from brexsim.app.warmup import WarmUp

__all__ = [
    "ASSAY_STIMULI",
    "DELTA_STATE_LABELS",
    "FINE_DT_H",
    "HORIZON_H",
    "INTERRUPTION_COLUMNS",
    "LIMITS",
    "ORAL_COLUMNS",
    "PERCENTILE_VARIABLES",
    "SEGMENT_COLUMNS",
    "SINGLE_CHUNK",
    "SUMMARY_ROWS",
    "TIMES_H",
    "PatientRun",
    "PatientSettings",
    "PopulationRun",
    "RegimenTables",
    "WarmUp",
    "add_table_row",
    "build_regimen",
    "format_error",
    "get_assay_table",
    "get_compare_table",
    "get_events_table",
    "get_patient_frame",
    "get_placebo_regimen",
    "get_population_frames",
    "get_preset_tables",
    "get_summary_table",
    "make_population",
    "remove_table_row",
    "run_patient",
    "run_population",
    "to_bytes",
]
