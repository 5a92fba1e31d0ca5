"""Reading NCA input: a long concentration CSV or a NONMEM-format dataset.

Long CSV (one row per sample)
    ``subject`` (or ``id``), ``time_h`` (h after the dose), ``conc`` (ng/mL) and optional
    ``dose_mg`` (mg, one value per subject), ``infusion_h`` (h, constant-rate infusion length;
    0 or absent: bolus or extravascular, see ``route``), ``blq`` (1 = below the limit of
    quantification) and ``lloq`` (ng/mL; a concentration below it is BLQ). Other columns are
    ignored (and listed in the provenance).
NONMEM dataset (the conventions of :mod:`brexsim.dosing.nonmem`)
    ``ID, TIME`` (h), ``AMT`` (mg), ``EVID``, ``CMT`` and optional ``RATE`` (mg/h), ``MDV``,
    ``DV`` (ng/mL), ``ADDL``, ``II``, ``SS``, ``BLQ``, ``LLOQ``; covariates are ignored. Doses
    are EVID 1 records (CMT 1 = oral/extravascular, CMT 2 = IV: an infusion with RATE > 0, a
    bolus with RATE 0); observations are EVID 0 records in CMT 2 with MDV 0 (or BLQ 1). Time
    is counted from the subject's first dose. The doses are taken from
    :func:`brexsim.dosing.read_nonmem` when it accepts the file; otherwise (BLQ/LLOQ or
    covariate columns, IV boluses, no WT) from the same records read here.

A file is long when it has ``time_h`` and ``conc`` columns, NONMEM when it has ``ID, TIME,
AMT, EVID``. Every bad value raises one :class:`~brexsim.errors.BrexsimInputError` naming the
file, column, line (of the file; the position ``row N``, from 0, in a data frame), value and
what is allowed.
"""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from brexsim.analysis.nca._nonmem import _read_nonmem_records
from brexsim.analysis.nca._parse import (
    _LONG_KNOWN,
    _MISSING,
    ROUTES,
    NCAInput,
    SubjectDosing,
    _check_conc,
    _check_times,
    _flags,
    _frame_as_text,
    _numbers,
    _order,
    _per_subject_value,
    _read_text_file,
    _Source,
    _text,
    _where,
)
from brexsim.errors import input_error

__all__ = ["ROUTES", "NCAInput", "SubjectDosing", "read_nca_input"]


def _read_long(df: pd.DataFrame, src: str, route: str, dose_column: str) -> NCAInput:
    cols = {c.strip().lower(): c for c in df.columns}
    df = df.rename(columns={v: k for k, v in cols.items()})
    sid_col = "subject" if "subject" in df.columns else ("id" if "id" in df.columns else None)
    if sid_col is None:
        raise input_error("columns", list(cols.values()), "a subject (or id) column", src)
    subj = _text(df[sid_col]).str.strip().to_numpy()
    for i, s in enumerate(subj):
        if s.lower() in _MISSING:
            raise input_error(sid_col, s, "a subject id (not empty)", _where(src, i + 1))
    t = _numbers(df, "time_h", src, True, "a finite time >= 0 h")
    blq = _flags(df, "blq", src) if "blq" in df.columns else np.zeros(len(df), dtype=bool)
    conc = _numbers(df, "conc", src, False, "a finite concentration >= 0 ng/mL")
    _check_conc(conc, blq, "conc", df, src)
    if "lloq" in df.columns:
        lloq = _numbers(df, "lloq", src, False, "a limit of quantification > 0 ng/mL")
        for i, v in enumerate(lloq):
            if v <= 0:
                raise input_error("lloq", df["lloq"].iloc[i], "> 0 ng/mL", _where(src, i + 1))
        blq = blq | (conc < np.nan_to_num(lloq, nan=-np.inf))
    rows = np.arange(len(df))
    _check_times(subj, t, rows, df, "time_h", src, strict=True)
    dcol = dose_column.strip().lower()
    if dose_column != "dose_mg" and dcol not in df.columns:
        raise input_error("--dose-column", dose_column, f"a column of {src}: {list(cols.values())}")
    doses: dict[str, float] = {}
    if dcol in df.columns:
        dv = _numbers(df, dcol, src, False, "a dose > 0 mg")
        for i, v in enumerate(dv):
            if v <= 0:
                raise input_error(dcol, df[dcol].iloc[i], "a dose > 0 mg", _where(src, i + 1))
        doses = _per_subject_value(subj, dv, dcol, src)
    infs: dict[str, float] = {}
    if "infusion_h" in df.columns:
        iv = _numbers(df, "infusion_h", src, False, "an infusion length >= 0 h")
        for i, v in enumerate(iv):
            if v < 0:
                raise input_error(
                    "infusion_h",
                    df["infusion_h"].iloc[i],
                    "an infusion length >= 0 h",
                    _where(src, i + 1),
                )
        infs = _per_subject_value(subj, iv, "infusion_h", src)
    dosing: dict[str, SubjectDosing] = {}
    for s in dict.fromkeys(subj):
        tinf = infs.get(s, 0.0)
        if tinf > 0:
            if route == "extravascular":
                raise input_error(
                    "--route", route, f"auto or iv: subject {s} has infusion_h = {tinf:g}", src
                )
            r = "iv-infusion"
        else:
            r = "iv-bolus" if route == "iv" else "extravascular"
        dosing[s] = SubjectDosing(r, doses.get(s, math.nan), tinf, tinf, tinf / 2.0)
    samples = pd.DataFrame(
        {"subject": subj, "time_h": t, "conc": np.where(blq, np.nan, conc), "blq": blq}
    )
    ignored = [cols[c] for c in df.columns if c not in (*_LONG_KNOWN, dcol)]
    info = {
        "format": "long",
        "ignored_columns": ignored,
        "dose_column": dcol,
        "dose_reader": "long CSV dose column" if doses else "no dose column",
    }
    return NCAInput(_order(samples), dosing, info)


def _get_format(columns: list[str], src: str) -> str:
    low = {c.strip().lower() for c in columns}
    if {"time_h", "conc"} <= low:
        return "long"
    if {"id", "time", "amt", "evid"} <= low:
        return "nonmem"
    raise input_error(
        "columns",
        [str(c) for c in columns],
        "a long CSV (subject or id, time_h, conc [, dose_mg, infusion_h, blq, lloq]) or a "
        "NONMEM dataset (ID, TIME, AMT, EVID, CMT [, RATE, MDV, DV, BLQ, LLOQ]); unknown format",
        src,
    )


def read_nca_input(
    source: str | Path | pd.DataFrame,
    route: str = "auto",
    dose_column: str = "dose_mg",
    obs_cmt: int = 2,
) -> NCAInput:
    """Read and validate NCA input (a path to a CSV/NONMEM file, or a DataFrame).

    Parameters
    ----------
    source : path or DataFrame
        Long CSV or NONMEM dataset (see the module docstring); the format is detected.
    route : {"auto", "iv", "extravascular"}
    dose_column : str
        Long CSV column with the dose in mg (default ``dose_mg``).
    obs_cmt : int
        NONMEM compartment of the concentration records (default 2, central).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"subject": ["A"] * 3, "time_h": [0, 1, 2], "conc": [0, 5, 2],
    ...                    "dose_mg": 1.0})
    >>> inp = read_nca_input(df)
    >>> inp.dosing["A"].route, inp.dosing["A"].dose_mg, len(inp.samples)
    ('extravascular', 1.0, 3)
    """
    if route not in ROUTES:
        raise input_error("--route", route, f"one of {', '.join(ROUTES)}")
    path: Path | None = None
    if isinstance(source, pd.DataFrame):
        src = _Source("data frame")
        df = _frame_as_text(source)
        if df.empty:
            raise input_error("data frame", "empty", "at least one row")
    else:
        path = Path(source)
        df, src = _read_text_file(path, "FILE")
    fmt = _get_format(list(df.columns), src)
    if fmt == "long":
        out = _read_long(df, src, route, dose_column)
    else:
        out = _read_nonmem_records(df, src, route, obs_cmt, path)
    return replace(out, info={"source": str(src), **out.info, "n_rows": len(df)})
