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
from dataclasses import dataclass, field, replace
from io import StringIO
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from brexsim.errors import BrexsimInputError, input_error

__all__ = ["ROUTES", "NCAInput", "SubjectDosing", "read_nca_input"]

#: ``--route`` values: infer (long CSV: infusion when ``infusion_h`` > 0, else extravascular;
#: NONMEM: from CMT and RATE), IV (bolus or infusion) or extravascular (oral).
ROUTES = ("auto", "iv", "extravascular")
_MISSING = {"", ".", "na", "nan", "none", "null"}
_NM_REQUIRED = ("ID", "TIME", "AMT", "EVID", "CMT")
_NM_KNOWN = (*_NM_REQUIRED, "RATE", "MDV", "DV", "ADDL", "II", "SS", "BLQ", "LLOQ", "WT", "FOOD")
_LONG_KNOWN = ("subject", "id", "time_h", "conc", "dose_mg", "infusion_h", "blq", "lloq")


@dataclass(frozen=True)
class SubjectDosing:
    """One subject's dosing, with times relative to the first dose.

    Attributes
    ----------
    route : str
        ``iv-infusion``, ``iv-bolus`` or ``extravascular``.
    dose_mg : float, mg
        Total dose (NaN when the input has none).
    end_h : float, h
        End of the last dose (infusion end, else its time): λz uses only later points.
    duration_h : float, h
        From the start of the first to the end of the last infusion (0 otherwise).
    mean_input_time_h : float, h
        Amount-weighted mean time of input ``Σ A_i (t_i + T_i/2) / Σ A_i`` (T_i: infusion
        length) subtracted from AUMC/AUC to give the MRT; Tinf/2 for one constant infusion.
    first_dose_h : float, h
        Time of the first dose in the file's own clock (NONMEM TIME; 0 for a long CSV).
    """

    route: str
    dose_mg: float = math.nan
    end_h: float = 0.0
    duration_h: float = 0.0
    mean_input_time_h: float = 0.0
    first_dose_h: float = 0.0


@dataclass(frozen=True)
class NCAInput:
    """Canonical NCA input: samples, dosing per subject and what was read.

    ``samples`` has columns ``subject`` (str), ``time_h`` (h after the first dose), ``conc``
    (ng/mL, NaN on BLQ rows) and ``blq`` (bool), sorted by subject (file order) and time.
    """

    samples: pd.DataFrame
    dosing: dict[str, SubjectDosing]
    info: dict[str, Any] = field(default_factory=dict)


class _Source(str):
    """The input's name, carrying the file line number of each data row (None for frames)."""

    lines: list[int] | None = None


def _where(src: str, row: int) -> str:
    """Location of data row ``row`` (1-based): ``line N`` of a file (header = line 1 when it
    is the first line), ``row N`` (0-based position) of a data frame."""
    lines = getattr(src, "lines", None)
    return f"{src}, line {lines[row - 1]}" if lines else f"{src}, row {row - 1}"


def _read_text_table(path: Path) -> tuple[pd.DataFrame, list[int]]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise input_error("FILE", str(path), f"a readable file ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise input_error("FILE", str(path), "a UTF-8 text (CSV) file") from None
    numbered = [
        (i + 1, ln)
        for i, ln in enumerate(text.splitlines())
        if ln.strip() and not ln.lstrip().startswith("#")
    ]
    lines = [ln for _, ln in numbered]
    if len(lines) < 2:
        raise input_error(
            "FILE", str(path), "a header line and at least one data row (the file is empty)"
        )
    head = lines[0]
    sep = "," if "," in head else ("\t" if "\t" in head else r"\s+")
    try:
        df = pd.read_csv(
            StringIO("\n".join(lines)),
            sep=sep,
            dtype=str,
            keep_default_na=False,
            engine="python",
        )
    except Exception as exc:
        raise input_error("FILE", str(path), f"a CSV or whitespace table ({exc})") from None
    return df, [n for n, _ in numbered[1:]]


def _numbers(df: pd.DataFrame, col: str, src: str, required: bool, allowed: str) -> np.ndarray:
    """Column as floats (NaN = missing); a non-number or a required blank raises."""
    raw = df[col].astype(str).str.strip()
    out = np.full(len(raw), np.nan)
    for i, v in enumerate(raw):
        if v.lower() in _MISSING:
            if required:
                raise input_error(col, v, f"{allowed} (required)", _where(src, i + 1))
            continue
        try:
            x = float(v)
        except ValueError:
            raise input_error(col, v, allowed, _where(src, i + 1)) from None
        if not math.isfinite(x):
            raise input_error(col, v, allowed, _where(src, i + 1))
        out[i] = x
    return out


def _flags(df: pd.DataFrame, col: str, src: str) -> np.ndarray:
    truth = {"1": True, "0": False, "true": True, "false": False, "yes": True, "no": False}
    out = np.zeros(len(df), dtype=bool)
    for i, v in enumerate(df[col].astype(str).str.strip().str.lower()):
        if v in _MISSING:
            continue
        if v not in truth and v not in ("1.0", "0.0"):
            raise input_error(col, v, "1 (BLQ), 0 or empty", _where(src, i + 1))
        out[i] = truth.get(v, v == "1.0")
    return out


def _check_conc(conc: np.ndarray, blq: np.ndarray, col: str, df: pd.DataFrame, src: str) -> None:
    for i in range(len(conc)):
        if blq[i]:
            continue
        if np.isnan(conc[i]):
            raise input_error(
                col,
                df[col].iloc[i],
                "a concentration >= 0 ng/mL (leave it empty only on a BLQ row)",
                _where(src, i + 1),
            )
        if conc[i] < 0:
            raise input_error(
                col, df[col].iloc[i], "a concentration >= 0 ng/mL", _where(src, i + 1)
            )


def _check_times(
    subj: np.ndarray,
    t: np.ndarray,
    rows: np.ndarray,
    df: pd.DataFrame,
    col: str,
    src: str,
    strict: bool,
) -> None:
    """Times >= 0 and increasing within each subject in file order (``strict``: no ties)."""
    last: dict[str, float] = {}
    for s, x, r in zip(subj, t, rows, strict=True):
        if x < 0:
            raise input_error(col, df[col].iloc[r], "a time >= 0 h", _where(src, r + 1))
        if s in last:
            if x < last[s]:
                raise input_error(
                    col,
                    df[col].iloc[r],
                    f"times increasing within subject {s} (after {last[s]:g} h; sort by "
                    "subject and time)",
                    _where(src, r + 1),
                )
            if strict and x == last[s]:
                raise input_error(
                    col,
                    df[col].iloc[r],
                    f"one sample per time within subject {s} (duplicate time)",
                    _where(src, r + 1),
                )
        last[s] = x


def _per_subject_value(subj: np.ndarray, vals: np.ndarray, col: str, src: str) -> dict[str, float]:
    """``{subject: value}`` of a per-subject column (blank rows skipped; one value each)."""
    out: dict[str, float] = {}
    for i, (s, v) in enumerate(zip(subj, vals, strict=True)):
        if np.isnan(v):
            continue
        if s in out and out[s] != v:
            raise input_error(
                col,
                float(v),
                f"one value per subject (subject {s} also has {out[s]:g})",
                _where(src, i + 1),
            )
        out[s] = float(v)
    return out


def _read_long(df: pd.DataFrame, src: str, route: str, dose_column: str) -> NCAInput:
    cols = {c.strip().lower(): c for c in df.columns}
    df = df.rename(columns={v: k for k, v in cols.items()})
    sid_col = "subject" if "subject" in df.columns else ("id" if "id" in df.columns else None)
    if sid_col is None:
        raise input_error("columns", list(cols.values()), "a subject (or id) column", src)
    subj = df[sid_col].astype(str).str.strip().to_numpy()
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


def _order(samples: pd.DataFrame) -> pd.DataFrame:
    first = {s: i for i, s in enumerate(dict.fromkeys(samples["subject"]))}
    key = samples["subject"].map(first)
    return (
        samples.assign(_k=key)
        .sort_values(["_k", "time_h"], kind="stable")
        .drop(columns="_k")
        .reset_index(drop=True)
    )


def _read_nonmem_records(
    df: pd.DataFrame, src: str, route: str, obs_cmt: int, path: Path | None
) -> NCAInput:
    df = df.rename(columns={c: c.strip().upper() for c in df.columns})
    missing = [c for c in _NM_REQUIRED if c not in df.columns]
    if missing:
        raise input_error("columns", missing, f"NONMEM columns {list(_NM_REQUIRED)} present", src)
    num = {c: _numbers(df, c, src, True, "a finite number") for c in _NM_REQUIRED}
    for c in ("RATE", "MDV", "DV", "ADDL", "II", "SS", "LLOQ"):
        if c in df.columns:
            num[c] = _numbers(df, c, src, False, "a finite number or '.'")
    n = len(df)
    rate = np.nan_to_num(num.get("RATE", np.zeros(n)), nan=0.0)
    mdv = np.nan_to_num(num.get("MDV", np.zeros(n)), nan=0.0)
    addl = np.nan_to_num(num.get("ADDL", np.zeros(n)), nan=0.0)
    ii = np.nan_to_num(num.get("II", np.zeros(n)), nan=0.0)
    blq = _flags(df, "BLQ", src) if "BLQ" in df.columns else np.zeros(n, dtype=bool)
    dv = num.get("DV", np.full(n, np.nan))
    ids, time, amt, evid, cmt = (num[c] for c in _NM_REQUIRED)

    def bad(col: str, i: int, allowed: str) -> BrexsimInputError:
        return input_error(col, df[col].iloc[i], allowed, _where(src, i + 1))

    for i in range(n):
        if ids[i] != int(ids[i]) or ids[i] < 0:
            raise bad("ID", i, "a non-negative integer")
        if evid[i] not in (0, 1, 2):
            raise bad(
                "EVID",
                i,
                "0 (observation), 1 (dose) or 2 (other event; EVID 3/4 resets are not supported)",
            )
        if amt[i] < 0:
            raise bad("AMT", i, "an amount >= 0 mg")
        if "SS" in num and not np.isnan(num["SS"][i]) and num["SS"][i] != 0:
            raise bad("SS", i, "0 or '.' (steady-state records are not supported)")
        if rate[i] < 0:
            raise bad(
                "RATE",
                i,
                "a rate >= 0 mg/h (RATE -1/-2, modelled rate/duration, are not supported)",
            )
        if mdv[i] not in (0, 1):
            raise bad("MDV", i, "0 or 1")
        if addl[i] < 0 or addl[i] != int(addl[i]):
            raise bad("ADDL", i, "a non-negative integer")
        if addl[i] > 0 and (ii[i] <= 0 or evid[i] != 1):
            raise bad("II", i, "a dosing interval > 0 h on a dose record when ADDL > 0")
        if evid[i] == 1 and amt[i] > 0 and cmt[i] not in (1, 2):
            raise bad("CMT", i, "1 (oral/extravascular depot) or 2 (IV central) for doses")
        if evid[i] == 1 and cmt[i] == 1 and rate[i] != 0:
            raise bad("RATE", i, "0 for doses into CMT 1 (oral)")
    subj = np.array([str(int(x)) for x in ids])
    _check_times(subj, time, np.arange(n), df, "TIME", src, strict=False)
    is_obs = (evid == 0) & (cmt == obs_cmt) & ((mdv == 0) | blq)
    lloq = num.get("LLOQ")
    if lloq is not None:
        for i in np.flatnonzero(is_obs & (lloq <= 0)):
            raise bad("LLOQ", int(i), "> 0 ng/mL")
        blq = blq | (dv < np.nan_to_num(lloq, nan=-np.inf))
    for i in np.flatnonzero(is_obs & ~blq):
        if np.isnan(dv[i]):
            raise bad(
                "DV",
                int(i),
                "a concentration >= 0 ng/mL on an EVID 0, MDV 0 record "
                "(set MDV 1 for a missing sample or BLQ 1)",
            )
        if dv[i] < 0:
            raise bad("DV", int(i), "a concentration >= 0 ng/mL")
    obs_idx = np.flatnonzero(is_obs)
    seen: dict[tuple[str, float], int] = {}
    for i in obs_idx:
        key = (subj[i], time[i])
        if key in seen:
            raise bad(
                "TIME",
                int(i),
                f"one observation per time within ID {subj[i]} (duplicate of row {seen[key] + 1})",
            )
        seen[key] = int(i)
    records: dict[str, list[tuple[float, float, float, int]]] = {}
    for i in np.flatnonzero((evid == 1) & (amt > 0)):
        dur = amt[i] / rate[i] if rate[i] > 0 else 0.0
        for j in range(int(addl[i]) + 1):
            records.setdefault(subj[i], []).append(
                (float(time[i] + j * ii[i]), float(amt[i]), float(dur), int(cmt[i]))
            )
    reader = "the NCA reader"
    if path is not None:
        from brexsim.dosing.nonmem import read_nonmem

        try:
            ds = read_nonmem(path, allow_above_studied=True)
        except BrexsimInputError as exc:
            reader = f"the NCA reader (brexsim.dosing.read_nonmem declined: {exc})"
        else:
            records = _records_from_regimens(ds)
            reader = "brexsim.dosing.read_nonmem"
    dosing = {
        s: _dosing_from_records(s, records.get(s, []), route, src) for s in dict.fromkeys(subj)
    }
    t_rel = time - np.array([dosing[s].first_dose_h for s in subj])
    keep = is_obs & (t_rel >= 0)
    samples = pd.DataFrame(
        {
            "subject": subj[keep],
            "time_h": t_rel[keep],
            "conc": np.where(blq, np.nan, dv)[keep],
            "blq": blq[keep],
        }
    )
    info = {
        "format": "nonmem",
        "ignored_columns": [c for c in df.columns if c not in _NM_KNOWN],
        "dose_reader": reader,
        "observation_cmt": obs_cmt,
        "predose_samples_dropped": int((is_obs & (t_rel < 0)).sum()),
        "records_not_used": int(n - is_obs.sum() - ((evid == 1) & (amt > 0)).sum()),
    }
    return NCAInput(_order(samples), dosing, info)


def _records_from_regimens(ds: Any) -> dict[str, list[tuple[float, float, float, int]]]:
    """Dose records ``(time h, mg, duration h, cmt)`` from read_nonmem's regimens."""
    out: dict[str, list[tuple[float, float, float, int]]] = {}
    for sid, reg in ds.regimens.items():
        recs = out.setdefault(str(sid), [])
        w = ds.weights_kg.get(sid)
        for s in reg.segments:
            if s.rate_ug_per_kg_h > 0 and w is not None:
                recs.append((s.start_h, s.dose_ug_per_kg * w / 1000.0, s.duration_h, 2))
        recs.extend((d.time_h, d.mg, 0.0, 1) for d in reg.oral_doses if d.mg > 0)
    return out


def _dosing_from_records(
    s: str, recs: list[tuple[float, float, float, int]], route: str, src: str
) -> SubjectDosing:
    if not recs:
        return SubjectDosing("iv-bolus" if route == "iv" else "extravascular")
    recs = sorted(recs)
    cmts = {r[3] for r in recs}
    if len(cmts) > 1:
        raise input_error(
            "CMT", sorted(cmts), f"one route per subject (ID {s} has oral and IV doses)", src
        )
    if 1 in cmts:
        if route == "iv":
            raise input_error(
                "--route", route, f"auto or extravascular: ID {s} has CMT 1 doses", src
            )
        r = "extravascular"
    else:
        if route == "extravascular":
            raise input_error("--route", route, f"auto or iv: ID {s} has CMT 2 (IV) doses", src)
        r = "iv-infusion" if any(x[2] > 0 for x in recs) else "iv-bolus"
    t0 = recs[0][0]
    total = sum(x[1] for x in recs)
    ends = [x[0] + x[2] for x in recs]
    mit = sum(x[1] * (x[0] - t0 + x[2] / 2.0) for x in recs) / total
    dur = max(ends) - t0 if r == "iv-infusion" else 0.0
    return SubjectDosing(r, float(total), float(max(ends) - t0), float(dur), float(mit), t0)


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
        df = source.copy()
        df.columns = [str(c) for c in df.columns]
        df = df.astype(str).replace({"nan": "", "None": "", "<NA>": ""})
        if df.empty:
            raise input_error("data frame", "empty", "at least one row")
    else:
        path = Path(source)
        if not path.is_file():
            raise input_error("FILE", str(path), "an existing file")
        df, lines = _read_text_table(path)
        src = _Source(path.name)
        src.lines = lines
    fmt = _get_format(list(df.columns), src)
    if fmt == "long":
        out = _read_long(df, src, route, dose_column)
    else:
        out = _read_nonmem_records(df, src, route, obs_cmt, path)
    return replace(out, info={"source": str(src), **out.info, "n_rows": len(df)})
