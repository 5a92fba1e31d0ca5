"""Reading the observed data of a VPC: NONMEM-style CSV, long CSV or Parquet.

NONMEM-style CSV (detected by ``ID, TIME, DV``; names case-insensitive)
    ``ID`` (subject), ``TIME`` (h, the trial clock: 0 = start of treatment), ``DV`` and
    ``DVID``: the quantity, by name (``conc``, ``hamd``, ``tnf``, ``il6``, ``bdnf``) or by
    code 1-5 in that order (:data:`DVID_CODES`); optional ``ARM`` (a spec arm name or its
    1-based position), ``EVID`` (only EVID 0 records are observations: doses and other
    events are skipped), ``AMT`` (without EVID: records with AMT > 0 are doses, skipped),
    ``MDV`` (MDV 1 records are skipped unless flagged BLQ), ``BLQ`` or ``CENS`` (1 = below the
    LLOQ; DV is then ignored, as in an M3 dataset; CENS -1, above an upper limit, is not
    supported) and ``LLOQ`` (a quantified DV below it is BLQ). Other columns (``CMT``,
    ``PRED``, covariates ...) are ignored and listed in :attr:`ObservedData.info`.
Long CSV (detected by ``time_h`` and ``dv``)
    ``subject`` (or ``id``), ``time_h``, ``dvid`` (name or code), ``dv`` and optional ``arm``,
    ``blq``, ``lloq``, ``unit``; the columns of :func:`brexsim.trial.observe.simulate_observations`
    and of a trial's ``observations.parquet``.
Parquet (``.parquet``)
    The long columns; a ``replicate`` column must hold a single replicate study.

Without a DVID/dvid column every record is the quantity ``dvid`` given by the caller. Every
bad value raises one :class:`~brexsim.errors.BrexsimInputError` naming the file, column, line
and value (the helpers of :mod:`brexsim.analysis.nca.data`, which reads NCA files the same way).

Examples
--------
>>> import pandas as pd
>>> df = pd.DataFrame({"ID": [1, 1, 1], "TIME": [0, 1, 2], "DV": [".", "5", "."],
...                    "DVID": [1, 1, 1], "EVID": [1, 0, 0], "BLQ": [0, 0, 1]})
>>> read_observed(df).frame[["subject", "time_h", "dvid", "dv", "blq"]].values.tolist()
[['1', 1.0, 'conc', 5.0, False], ['1', 2.0, 'conc', nan, True]]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from brexsim.analysis.nca._parse import (
    _flags,
    _frame_as_text,
    _numbers,
    _read_text_file,
    _Source,
    _where,
)
from brexsim.errors import input_error
from brexsim.trial._spec_parts import OBSERVATION_DVIDS

__all__ = [
    "DVID_CODES",
    "OBSERVED_COLUMNS",
    "ObservedData",
    "add_typical_prediction",
    "match_arms",
    "read_observed",
]

#: NONMEM DVID codes: 1 conc, 2 hamd, 3 tnf, 4 il6, 5 bdnf.
DVID_CODES = {i + 1: d for i, d in enumerate(OBSERVATION_DVIDS)}
#: Columns of :attr:`ObservedData.frame`.
OBSERVED_COLUMNS = ("subject", "arm", "time_h", "dvid", "dv", "blq", "lloq", "unit")
_NM_KNOWN = ("ID", "TIME", "DV", "DVID", "ARM", "EVID", "AMT", "MDV", "BLQ", "CENS", "LLOQ")
_LONG_KNOWN = ("subject", "id", "time_h", "dvid", "dv", "arm", "blq", "lloq", "unit", "replicate")
_DVID_ALLOWED = "conc, hamd, tnf, il6, bdnf or a code 1-5 (1 conc, 2 hamd, 3 tnf, 4 il6, 5 bdnf)"


@dataclass(frozen=True)
class ObservedData:
    """Observed records (columns :data:`OBSERVED_COLUMNS`; ``dv`` NaN on BLQ records) and
    what was read (``info``: format, ignored columns, skipped records)."""

    frame: pd.DataFrame
    info: dict[str, Any] = field(default_factory=dict)


def _dvids(raw: pd.Series, col: str, src: str, rows: np.ndarray) -> np.ndarray:
    """The dvid name of each record in ``rows`` (names or codes 1-5); the others None."""
    out = np.full(len(raw), None, dtype=object)
    vals = raw.astype(str).str.strip().to_numpy()
    for i in rows:
        v = vals[i]
        if v.lower() in OBSERVATION_DVIDS:
            out[i] = v.lower()
            continue
        try:
            code = float(v)
        except ValueError:
            code = np.nan
        if code not in DVID_CODES:
            raise input_error(col, v, _DVID_ALLOWED, _where(src, i + 1))
        out[i] = DVID_CODES[int(code)]
    return out


def _strings(df: pd.DataFrame, col: str, src: str, required: bool) -> np.ndarray:
    vals = df[col].astype(str).str.strip().to_numpy(dtype=object)
    if required:
        for i, v in enumerate(vals):
            if v.lower() in ("", ".", "nan", "na", "none"):
                raise input_error(col, v, "a value (not empty)", _where(src, i + 1))
    return vals


def _cens(df: pd.DataFrame, col: str, src: str) -> np.ndarray:
    for i, v in enumerate(df[col].astype(str).str.strip()):
        if v in ("-1", "-1.0"):
            raise input_error(
                col,
                v,
                "1 (below the LLOQ), 0 or empty (upper censoring is not supported)",
                _where(src, i + 1),
            )
    return _flags(df, col, src)


def _finish(
    src: str,
    df: pd.DataFrame,
    keep: np.ndarray,
    cols: dict[str, str],
    default_dvid: str | None,
    info: dict[str, Any],
) -> ObservedData:
    """Common checks: time, DV on quantified records, BLQ from LLOQ; the canonical frame."""
    n = len(df)
    subj = _strings(df, cols["subject"], src, required=True)
    t = _numbers(df, cols["time"], src, True, "a finite time >= 0 h")
    blq = np.zeros(n, dtype=bool)
    for c in cols.get("blq", ()):
        blq |= _cens(df, c, src) if c == "CENS" else _flags(df, c, src)
    dv = _numbers(df, cols["dv"], src, False, "a finite number or empty")
    lloq = np.full(n, np.nan)
    if cols.get("lloq"):
        lloq = _numbers(df, cols["lloq"], src, False, "a limit of quantification > 0")
        for i in np.flatnonzero(keep & (lloq <= 0)):
            raise input_error(cols["lloq"], df[cols["lloq"]].iloc[i], "> 0", _where(src, i + 1))
        blq |= dv < np.nan_to_num(lloq, nan=-np.inf)
    keep = keep & ~(cols.get("mdv_skip", np.zeros(n, dtype=bool)) & ~blq)
    for i in np.flatnonzero(keep & (t < 0)):
        raise input_error(
            cols["time"], df[cols["time"]].iloc[i], "a time >= 0 h", _where(src, i + 1)
        )
    for i in np.flatnonzero(keep & ~blq & np.isnan(dv)):
        raise input_error(
            cols["dv"],
            df[cols["dv"]].iloc[i],
            "a number on an observation record (or flag it BLQ, or skip it with MDV 1)",
            _where(src, i + 1),
        )
    if cols.get("dvid"):
        dvid = _dvids(df[cols["dvid"]], cols["dvid"], src, np.flatnonzero(keep))
    elif default_dvid is not None:
        dvid = np.full(n, default_dvid, dtype=object)
    else:
        raise input_error(
            "columns", list(df.columns), f"a {cols['dvid_name']} column (or name one --dvid)", src
        )
    arm = _strings(df, cols["arm"], src, False) if cols.get("arm") else np.full(n, "", object)
    unit = _strings(df, cols["unit"], src, False) if cols.get("unit") else np.full(n, "", object)
    frame = pd.DataFrame(
        {
            "subject": subj[keep],
            "arm": arm[keep],
            "time_h": t[keep],
            "dvid": dvid[keep],
            "dv": np.where(blq, np.nan, dv)[keep],
            "blq": blq[keep],
            "lloq": lloq[keep],
            "unit": unit[keep],
        }
    )
    if frame.empty:
        raise input_error("FILE", str(src), "at least one observation record (none found)")
    info = {**info, "n_rows": n, "n_observations": len(frame), "n_skipped": int(n - keep.sum())}
    info["dvids"] = sorted(pd.unique(frame["dvid"]))
    return ObservedData(frame.reset_index(drop=True), info)


def _read_nonmem(df: pd.DataFrame, src: str, default_dvid: str | None) -> ObservedData:
    df = df.rename(columns={c: c.strip().upper() for c in df.columns})
    n = len(df)
    keep = np.ones(n, dtype=bool)
    if "EVID" in df.columns:
        keep &= _numbers(df, "EVID", src, False, "an integer event id") == 0
    elif "AMT" in df.columns:
        keep &= ~(np.nan_to_num(_numbers(df, "AMT", src, False, "an amount >= 0")) > 0)
    mdv = np.zeros(n, dtype=bool)
    if "MDV" in df.columns:
        m = _numbers(df, "MDV", src, False, "0 or 1")
        for i in np.flatnonzero(~np.isnan(m) & ~np.isin(m, (0, 1))):
            raise input_error("MDV", df["MDV"].iloc[i], "0 or 1", _where(src, i + 1))
        mdv = m == 1
    cols: dict[str, Any] = {
        "subject": "ID",
        "time": "TIME",
        "dv": "DV",
        "dvid": "DVID" if "DVID" in df.columns else None,
        "dvid_name": "DVID",
        "arm": "ARM" if "ARM" in df.columns else None,
        "blq": [c for c in ("BLQ", "CENS") if c in df.columns],
        "lloq": "LLOQ" if "LLOQ" in df.columns else None,
        "mdv_skip": mdv,
    }
    info = {"format": "nonmem", "ignored_columns": [c for c in df.columns if c not in _NM_KNOWN]}
    return _finish(src, df, keep, cols, default_dvid, info)


def _read_long(df: pd.DataFrame, src: str, default_dvid: str | None) -> ObservedData:
    df = df.rename(columns={c: c.strip().lower() for c in df.columns})
    sid = "subject" if "subject" in df.columns else ("id" if "id" in df.columns else None)
    if sid is None:
        raise input_error("columns", list(df.columns), "a subject (or id) column", src)
    if "replicate" in df.columns:
        reps = sorted(pd.unique(df["replicate"].astype(str).str.strip()))
        if len(reps) > 1:
            raise input_error(
                "replicate", reps[:5], "one replicate study (filter the file to one)", src
            )
    cols: dict[str, Any] = {
        "subject": sid,
        "time": "time_h",
        "dv": "dv",
        "dvid": "dvid" if "dvid" in df.columns else None,
        "dvid_name": "dvid",
        "arm": "arm" if "arm" in df.columns else None,
        "blq": ["blq"] if "blq" in df.columns else [],
        "lloq": "lloq" if "lloq" in df.columns else None,
        "unit": "unit" if "unit" in df.columns else None,
    }
    info = {"format": "long", "ignored_columns": [c for c in df.columns if c not in _LONG_KNOWN]}
    return _finish(src, df, np.ones(len(df), dtype=bool), cols, default_dvid, info)


def read_observed(source: str | Path | pd.DataFrame, dvid: str | None = None) -> ObservedData:
    """Read and check observed data for a VPC (see the module docstring for the formats).

    Parameters
    ----------
    source : path (CSV, whitespace table or ``.parquet``) or DataFrame
    dvid : str, optional
        The quantity of every record when the data have no DVID/dvid column.
    """
    if dvid is not None and dvid not in OBSERVATION_DVIDS:
        raise input_error("dvid", dvid, f"one of {list(OBSERVATION_DVIDS)}")
    if isinstance(source, pd.DataFrame) or str(source).lower().endswith(".parquet"):
        if isinstance(source, pd.DataFrame):
            raw, src = source, _Source("data frame")
        else:
            path = Path(source)
            if not path.is_file():
                raise input_error("OBSERVED", str(path), "an existing file")
            try:
                raw = pd.read_parquet(path)
            except Exception as exc:
                raise input_error("OBSERVED", str(path), f"a Parquet file ({exc})") from None
            src = _Source(path.name)
        if raw.empty:
            raise input_error("OBSERVED", str(src), "at least one row")
        df = _frame_as_text(raw)
    else:
        df, src = _read_text_file(Path(source), "OBSERVED")
    low = {c.strip().lower() for c in df.columns}
    if {"time_h", "dv"} <= low:
        out = _read_long(df, src, dvid)
    elif {"id", "time", "dv"} <= low:
        out = _read_nonmem(df, src, dvid)
    else:
        raise input_error(
            "columns",
            [str(c) for c in df.columns],
            "a NONMEM-style table (ID, TIME, DV [, DVID, ARM, EVID, MDV, BLQ|CENS, LLOQ]) or a "
            "long table (subject, time_h, dvid, dv [, arm, blq, lloq, unit])",
            str(src),
        )
    return ObservedData(out.frame, {"source": str(src), **out.info})


def match_arms(frame: pd.DataFrame, arm_names: Sequence[str], need_arm: str = "") -> pd.DataFrame:
    """The frame with ``arm`` set to spec arm names.

    An arm is a spec arm's name or its 1-based position; an empty arm is the only arm of a
    one-arm spec, else it stays empty (pooled) unless ``need_arm`` says why arms are needed.

    >>> match_arms(pd.DataFrame({"arm": ["2", "A"]}), ["A", "B"])["arm"].tolist()
    ['B', 'A']
    """
    names = list(arm_names)
    out = []
    for v in frame["arm"].astype(str):
        if v in names:
            out.append(v)
        elif v.isdigit() and 1 <= int(v) <= len(names):
            out.append(names[int(v) - 1])
        elif v == "" and len(names) == 1:
            out.append(names[0])
        elif v == "" and not need_arm:
            out.append("")
        elif v == "":
            raise input_error("ARM", "", f"an arm on every record ({need_arm}); spec arms: {names}")
        else:
            raise input_error("ARM", v, f"a spec arm name {names} or its position 1-{len(names)}")
    return frame.assign(arm=out)


def add_typical_prediction(frame: pd.DataFrame, spec: Any, params: Any = None) -> pd.DataFrame:
    """The frame with ``pred``: the typical patient's value (η = 0, 70 kg) on each record's
    arm regimen at its time, as :mod:`brexsim.trial.observe` computes PRED.

    Every record needs a spec arm (:func:`match_arms`).
    """
    from brexsim.params import load_parameters
    from brexsim.trial.chunk import SOLVER_BLOCK
    from brexsim.trial.observe import OBSERVED_OUTPUTS, get_typical_prediction

    ps = params or load_parameters()
    pred = np.full(len(frame), np.nan)
    arms = frame["arm"].astype(str).to_numpy()
    t = frame["time_h"].to_numpy(dtype=float)
    for name in pd.unique(arms):
        arm = spec.get_arm(name)
        rows = np.flatnonzero(arms == name)
        grid = np.array(sorted(set(spec.simulated_times_h) | set(t[rows].tolist())))
        out = get_typical_prediction(arm.regimen, grid, ps, "control", SOLVER_BLOCK)
        for dvid in pd.unique(frame["dvid"].to_numpy()[rows]):
            r = rows[frame["dvid"].to_numpy()[rows] == dvid]
            series = np.asarray(out[OBSERVED_OUTPUTS[dvid][1]], dtype=float)
            pred[r] = series[np.searchsorted(grid, t[r])]
    return frame.assign(pred=pred)
