"""Shared pieces of the web app's logic, free of Shiny: the model grids, the caps that keep one
request short (:data:`LIMITS`), the fixed choice lists and table columns, the one-line error
message and the download bytes.

Sizes are capped so that one request stays short: schedules end by day 28, the model runs on a
fixed 45-day grid (one compiled shape), populations have at most 1000 patients.
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd

from brexsim.errors import BrexsimInputError, input_error

__all__ = [
    "ASSAY_STIMULI",
    "DELTA_STATE_LABELS",
    "FINE_DT_H",
    "HORIZON_H",
    "INTERRUPTION_COLUMNS",
    "LIMITS",
    "ORAL_COLUMNS",
    "SEGMENT_COLUMNS",
    "TIMES_H",
    "format_error",
    "to_bytes",
]

#: The model's output grid (h): hourly to day 45, one compiled shape for every request.
HORIZON_H = 1080.0
TIMES_H = np.arange(0.0, HORIZON_H + 0.5, 1.0)
#: PK/receptor/sedation grid (h): exact closed forms, cheap, fine enough for oral peaks.
FINE_DT_H = 0.25

#: Caps that keep one request short (rows, times, patients).
LIMITS: dict[str, float] = {
    "max_segments": 24,
    "max_oral_doses": 60,
    "max_interruptions": 6,
    "max_schedule_h": 672.0,  # schedules end by day 28, so day 30 and 17 more days are shown
    "max_population": 1000,
    "max_seed": 2**31 - 1,
    "max_cell_chars": 24,
    "weight_min_kg": 40.0,
    "weight_max_kg": 160.0,
    "hamd_min": 0.0,
    "hamd_max": 52.0,
    "sedation_sensitivity_min": 0.1,
    "sedation_sensitivity_max": 10.0,
}

SEGMENT_COLUMNS: tuple[str, ...] = ("start_h", "end_h", "rate_ug_per_kg_h")
ORAL_COLUMNS: tuple[str, ...] = ("time_h", "mg", "with_food")
#: Interruption table: pause start/end (h), resume rate (µg/kg/h; blank = as scheduled),
#: reduce_later (yes: also cap every later segment at the resume rate).
INTERRUPTION_COLUMNS: tuple[str, ...] = ("start_h", "end_h", "resume_rate", "reduce_later")
DELTA_STATE_LABELS: dict[str, str] = {
    "ppd": "PPD (delta level stays at the pregnancy low)",
    "postpartum": "healthy postpartum (delta recovered)",
    "pregnant": "late pregnancy (delta low)",
    "virgin": "virgin (reference)",
}
ASSAY_STIMULI: dict[str, str] = {
    "LPS": "LPS (TLR4), 10 ng/mL",
    "IMQ": "imiquimod (TLR7), 5 ug/mL",
    "basal": "no stimulus (basal)",
}


def format_error(exc: BaseException) -> str:
    """The one line the app shows for a bad input (no traceback, no internals).

    >>> format_error(input_error("weight_kg", -1, "a number in [40, 160] kg"))
    'invalid weight_kg=-1: a number in [40, 160] kg'
    """
    if isinstance(exc, BrexsimInputError):
        return str(exc)
    return f"could not simulate: {type(exc).__name__}"


def to_bytes(frame: pd.DataFrame, fmt: str) -> bytes:
    """CSV or Parquet bytes of a frame (provenance kept in the Parquet metadata).

    >>> to_bytes(pd.DataFrame({"a": [1]}), "csv")
    b'a\\n1\\n'
    """
    if fmt == "csv":
        return frame.to_csv(index=False).encode("utf-8")
    if fmt == "parquet":
        buf = io.BytesIO()
        frame.to_parquet(buf, index=False)
        return buf.getvalue()
    raise input_error("format", fmt, "csv or parquet")
