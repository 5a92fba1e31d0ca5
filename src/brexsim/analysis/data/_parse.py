"""Biomarker data, parsing helpers: wide-to-long layout, unique mapping, text and number
parsing (split from ``data``; see the package docstring).
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from brexsim.analysis.data._vocab import OPTIONAL_COLUMNS, DataProblem


def _wide_to_long(frame: pd.DataFrame, problems: list[DataProblem]) -> pd.DataFrame:
    id_cols = [c for c in ("subject", "time_h", *OPTIONAL_COLUMNS) if c in frame.columns]
    id_cols = [c for c in id_cols if c != "unit"]
    value_cols = [c for c in frame.columns if c not in id_cols and c not in ("_row", "_col")]
    if not value_cols:
        problems.append(
            DataProblem(
                "columns",
                "a wide file needs at least one analyte column next to subject and time_h "
                "(names ANALYTE, ANALYTE:STIMULUS or ANALYTE|STIMULUS, optional ' [unit]')",
            )
        )
        return pd.DataFrame()
    parts = []
    for col in value_cols:
        m = re.fullmatch(r"\s*([^\[\]:|]+?)\s*(?:[:|]\s*([^\[\]]+?)\s*)?(?:\[([^\]]*)\])?\s*", col)
        if m is None:
            problems.append(
                DataProblem(
                    "columns",
                    f"wide column {col!r} is not ANALYTE, ANALYTE:STIMULUS or "
                    "ANALYTE:STIMULUS [unit]",
                )
            )
            continue
        analyte, stimulus, unit = m.group(1), m.group(2) or "basal", m.group(3) or ""
        part = frame[[*id_cols, "_row"]].copy()
        part["analyte"] = analyte
        part["stimulus"] = stimulus
        part["unit"] = unit
        part["value"] = frame[col]
        part["_col"] = col
        parts.append(part)
    if not parts:
        return pd.DataFrame()
    return pd.concat(parts, ignore_index=True)


def _map_unique(series: pd.Series, fn: Any) -> np.ndarray:
    """``fn`` applied to each distinct value (missing cells get ``fn(None)``), per row."""
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    mapped = np.empty(len(uniques) + 1, dtype=object)
    for i, u in enumerate(uniques):
        mapped[i] = fn(u)
    mapped[-1] = fn(None)
    return mapped[codes]


def _text(v: Any) -> str:
    return "" if v is None else str(v).strip()


def _as_text(series: pd.Series) -> pd.Series:
    """Stripped strings with missing cells as ``""``."""
    return pd.Series(_map_unique(series, _text), index=series.index, dtype=object)


def _parse_number(v: Any) -> float | None:
    """A float, NaN for an empty cell, or None for text that is not a number."""
    if v is None:
        return np.nan
    if isinstance(v, int | float | np.integer | np.floating):
        return float(v)
    text = str(v).strip()
    if text == "":
        return np.nan
    try:
        return float(text)
    except ValueError:
        return None


def _to_number(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Numbers (NaN where missing) and a mask of cells that are present but not numeric."""
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        num = series.astype(float)
        return num, pd.Series(False, index=series.index)
    parsed = _map_unique(series, _parse_number)
    bad = np.array([x is None for x in parsed], dtype=bool)
    num = np.where(bad, np.nan, parsed).astype(float)
    return pd.Series(num, index=series.index), pd.Series(bad, index=series.index)
