"""Shared pieces of the web app's logic, free of Shiny: the model grids, the caps that keep one
request short (:data:`LIMITS`), the fixed choice lists and table columns, the one-line error
message, the download bytes, and the parameter set every tab uses (:func:`get_app_parameters`:
the packaged tables, the chosen hypothesis, then the ``brexsim app --params FILE`` overlay).

Sizes are capped so that one request stays short: schedules end by day 28, the model runs on a
fixed 45-day grid (one compiled shape), populations have at most 1000 patients.
"""

from __future__ import annotations

import functools
import io
from pathlib import Path

import numpy as np
import pandas as pd

from brexsim.errors import BrexsimInputError, input_error
from brexsim.params import ParameterSet

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
    "get_app_parameters",
    "get_parameter_file",
    "set_parameter_file",
    "to_bytes",
]

#: The ``--params`` overlay file of this server process (None: the packaged tables only).
_PARAMETER_FILE: list[Path | None] = [None]


def set_parameter_file(path: str | Path | None) -> None:
    """Use the parameter overlay file ``path`` (e.g. ``brexsim fit``'s
    ``fitted_parameters.toml``) in every tab of this server process; ``None``: the packaged
    tables. The file is read and checked against the tables now, so a bad file fails before the
    server starts (:class:`brexsim.errors.BrexsimInputError` naming the file and row).

    >>> set_parameter_file(None); get_parameter_file() is None
    True
    """
    _load.cache_clear()  # a file edited since is read again
    if path is not None:
        path = Path(path)
        _load("gaba", path)  # raises on a bad file
    _PARAMETER_FILE[0] = path


def get_parameter_file() -> Path | None:
    """The overlay file set by :func:`set_parameter_file` (None: none)."""
    return _PARAMETER_FILE[0]


def get_app_parameters(hypothesis: str = "gaba") -> ParameterSet:
    """The parameter set of the app: the packaged tables, the ``hypothesis`` overlay
    (:mod:`brexsim.hypotheses`), then the ``--params`` file if one is set, in the order of
    ``brexsim simulate --hypothesis H --params FILE``.

    >>> from brexsim.params import load_parameters
    >>> get_app_parameters().hash == load_parameters().hash  # no file, hypothesis gaba
    True
    """
    return _load(hypothesis, _PARAMETER_FILE[0])


@functools.lru_cache(maxsize=8)
def _load(hypothesis: str, path: Path | None) -> ParameterSet:
    from brexsim.hypotheses import apply_hypothesis
    from brexsim.params import load_parameters
    from brexsim.params.overlay import apply_parameter_file

    ps = apply_hypothesis(load_parameters(), hypothesis)
    return apply_parameter_file(ps, path) if path is not None else ps


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
