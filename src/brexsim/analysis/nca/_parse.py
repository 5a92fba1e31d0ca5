"""Low-level parsing of NCA input tables: the input objects, the text-table reader and the
column checks shared by the long-CSV and NONMEM readers (:mod:`brexsim.analysis.nca.data`)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from io import StringIO
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from brexsim.errors import input_error

__all__ = ["ROUTES", "NCAInput", "SubjectDosing"]

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


def _frame_as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """A data frame as text cells (column names as str, missing values as ""), the form the
    column checks read, like a parsed file."""
    df = frame.copy()
    df.columns = [str(c) for c in df.columns]
    return df.astype(object).where(df.notna(), "").astype(str)


def _read_text_file(path: Path, field: str) -> tuple[pd.DataFrame, _Source]:
    """``(table, source)`` of a text file; the source carries each row's file line number."""
    if not path.is_file():
        raise input_error(field, str(path), "an existing file")
    df, lines = _read_text_table(path)
    src = _Source(path.name)
    src.lines = lines
    return df, src


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


def _text(col: pd.Series) -> pd.Series:
    """A column as text, missing values (NaN, None, NA) as "" (pandas 3 keeps NaN under
    ``astype(str)``)."""
    return col.astype(object).where(col.notna(), "").astype(str)


def _numbers(df: pd.DataFrame, col: str, src: str, required: bool, allowed: str) -> np.ndarray:
    """Column as floats (NaN = missing); a non-number or a required blank raises."""
    raw = _text(df[col]).str.strip()
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
    for i, v in enumerate(_text(df[col]).str.strip().str.lower()):
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


def _order(samples: pd.DataFrame) -> pd.DataFrame:
    first = {s: i for i, s in enumerate(dict.fromkeys(samples["subject"]))}
    key = samples["subject"].map(first)
    return (
        samples.assign(_k=key)
        .sort_values(["_k", "time_h"], kind="stable")
        .drop(columns="_k")
        .reset_index(drop=True)
    )
