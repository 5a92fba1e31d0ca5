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

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from brexsim.errors import BrexsimInputError

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

#: Columns every long-format file must have.
REQUIRED_COLUMNS: tuple[str, ...] = ("subject", "time_h", "analyte", "stimulus", "value")
#: Columns that may be present (filled with ``""`` when absent).
OPTIONAL_COLUMNS: tuple[str, ...] = ("unit", "arm", "visit")
#: Allowed stimuli (canonical spelling; input is matched case-insensitively).
STIMULI: tuple[str, ...] = ("basal", "LPS", "IMQ")
#: The analyte name of HAM-D-17 total scores.
HAMD_ANALYTE = "HAMD17"
#: The baseline time every subject must have.
BASELINE_H = 0.0
#: HAM-D-17 totals range from 0 to 52 points.
HAMD_RANGE = (0.0, 52.0)

#: Known analytes: canonical name -> class; input names are matched after lower-casing and
#: removing everything except letters and digits (``TNF-α``, ``tnf_alpha`` -> ``TNFa``).
ANALYTE_CLASSES: dict[str, str] = {
    "TNFa": "cytokine",
    "IL1b": "cytokine",
    "IL6": "cytokine",
    "IL8": "cytokine",
    "IL10": "cytokine",
    "IL1RA": "cytokine",
    "MCP1": "cytokine",
    "HMGB1": "cytokine",
    "IFNa": "cytokine",
    "IFNg": "cytokine",
    "BDNF": "neurotrophin",
    "allopregnanolone": "neurosteroid",
    "pregnanolone": "neurosteroid",
    "progesterone": "neurosteroid",
    HAMD_ANALYTE: "score",
}

_ALIASES: dict[str, str] = {
    "tnfa": "TNFa",
    "tnfalpha": "TNFa",
    "tnfα": "TNFa",
    "tnf": "TNFa",
    "il1b": "IL1b",
    "il1beta": "IL1b",
    "il1β": "IL1b",
    "il6": "IL6",
    "il8": "IL8",
    "cxcl8": "IL8",
    "il10": "IL10",
    "il1ra": "IL1RA",
    "mcp1": "MCP1",
    "ccl2": "MCP1",
    "hmgb1": "HMGB1",
    "ifna": "IFNa",
    "ifnalpha": "IFNa",
    "ifng": "IFNg",
    "ifngamma": "IFNg",
    "bdnf": "BDNF",
    "allopregnanolone": "allopregnanolone",
    "allo": "allopregnanolone",
    "3a5athp": "allopregnanolone",
    "pregnanolone": "pregnanolone",
    "progesterone": "progesterone",
    "hamd17": HAMD_ANALYTE,
    "hamd": HAMD_ANALYTE,
    "hdrs17": HAMD_ANALYTE,
    "hdrs": HAMD_ANALYTE,
    "hrsd17": HAMD_ANALYTE,
}

_CONC = ("pg/mL", "ng/mL", "ug/mL", "pM", "nM")
_RELATIVE = ("fold", "% baseline")
#: Allowed units per analyte class (canonical spelling; input is matched case-insensitively,
#: ``µg/mL`` = ``ug/mL``). ``other`` is the class of analytes not in :data:`ANALYTE_CLASSES`.
ALLOWED_UNITS: dict[str, tuple[str, ...]] = {
    "cytokine": (*_CONC, "pg/mg protein", "ng/mg protein", "OD", *_RELATIVE),
    "neurotrophin": (*_CONC, "pg/mg protein", "ng/mg protein", *_RELATIVE),
    "neurosteroid": (*_CONC, "ng/g", *_RELATIVE),
    "score": ("points",),
    "other": (*_CONC, "mg/L", "pg/mg protein", "ng/mg protein", "OD", "U/mL", *_RELATIVE),
}

_MAX_LISTED = 15


@dataclass(frozen=True)
class DataProblem:
    """One kind of problem in a data file.

    Attributes
    ----------
    field : str
        The column (or ``columns``) at fault.
    what : str
        What is wrong and what is allowed.
    rows : tuple of str
        The offending rows (``"line 7"``), values quoted where useful.
    """

    field: str
    what: str
    rows: tuple[str, ...] = ()

    def describe(self) -> str:
        """One line: field, problem and (at most 15) rows."""
        if not self.rows:
            return f"{self.field}: {self.what}"
        shown = ", ".join(self.rows[:_MAX_LISTED])
        more = f" (+{len(self.rows) - _MAX_LISTED} more)" if len(self.rows) > _MAX_LISTED else ""
        return f"{self.field}: {self.what} at {shown}{more}"


class BiomarkerDataError(BrexsimInputError):
    """A biomarker file failed validation; ``problems`` lists every problem found.

    The message names each offending field, what is allowed, and the rows.
    """

    def __init__(self, source: str, problems: Sequence[DataProblem]) -> None:
        self.problems = tuple(problems)
        first = self.problems[0]
        super().__init__(first.field, source, first.what)
        n = len(self.problems)
        head = f"invalid biomarker data {source}: {n} problem{'s' if n > 1 else ''}"
        self.args = (head + "; " + "; ".join(p.describe() for p in self.problems),)

    def __str__(self) -> str:
        return str(self.args[0])


def _key(name: str) -> str:
    return re.sub(r"[^0-9a-zα-ω]", "", str(name).lower())


def _canonical_analyte(name: str) -> str:
    name = str(name).strip()
    return _ALIASES.get(_key(name), name)


def get_canonical_analyte(name: str) -> str:
    """The canonical name of an analyte (unknown names are returned stripped).

    Examples
    --------
    >>> [get_canonical_analyte(a) for a in ("TNF-α", "HAM-D-17", "CRP")]
    ['TNFa', 'HAMD17', 'CRP']
    """
    return _canonical_analyte(name)


def get_analyte_class(analyte: str) -> str:
    """The class of an analyte (``cytokine``, ``neurotrophin``, ``neurosteroid``, ``score``
    or ``other``), which decides the allowed units.

    Examples
    --------
    >>> get_analyte_class("TNF-alpha"), get_analyte_class("HAM-D"), get_analyte_class("CRP")
    ('cytokine', 'score', 'other')
    """
    return ANALYTE_CLASSES.get(_canonical_analyte(analyte), "other")


_UNIT_LOOKUP: dict[str, str] = {}
for _units in ALLOWED_UNITS.values():
    for _u in _units:
        _UNIT_LOOKUP[_u.lower().replace(" ", "")] = _u
_UNIT_LOOKUP.update({"µg/ml": "ug/mL", "μg/ml": "ug/mL", "x": "fold", "%baseline": "% baseline"})


def _canonical_unit(unit: str) -> str | None:
    """Canonical spelling of a unit, or None if the unit is not in the vocabulary."""
    return _UNIT_LOOKUP.get(str(unit).strip().lower().replace(" ", ""))


_STIMULUS_LOOKUP = {s.lower(): s for s in STIMULI}
_STIMULUS_LOOKUP.update({"unstimulated": "basal", "none": "basal", "imiquimod": "IMQ"})


# ------------------------------------------------------------------------------------------
# reading


def read_biomarkers(path: str | Path) -> pd.DataFrame:
    """Read and validate a biomarker file (CSV or Parquet, long or wide format).

    Parameters
    ----------
    path : str or Path
        A ``.csv`` (or ``.csv.gz``, ``.tsv``) or ``.parquet`` file.

    Returns
    -------
    DataFrame
        The canonical long frame (see :func:`validate_biomarkers`).

    Raises
    ------
    BiomarkerDataError
        Listing every problem found, with the offending lines.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "d.csv"
    >>> _ = p.write_text("subject,time_h,TNFa [pg/mL],HAMD17\\n1,0,5.0,28\\n1,60,3.5,12\\n")
    >>> df = read_biomarkers(p)
    >>> for row in df[["analyte", "time_h", "value", "unit"]].values.tolist():
    ...     print(row)
    ['HAMD17', 0.0, 28.0, 'points']
    ['HAMD17', 60.0, 12.0, 'points']
    ['TNFa', 0.0, 5.0, 'pg/mL']
    ['TNFa', 60.0, 3.5, 'pg/mL']
    """
    path = Path(path)
    if not path.is_file():
        raise BrexsimInputError("file", str(path), "an existing CSV or Parquet file")
    suffixes = "".join(path.suffixes).lower()
    if suffixes.endswith((".parquet", ".pq")):
        try:
            frame = pd.read_parquet(path)
        except Exception as exc:  # pyarrow raises several types
            raise BrexsimInputError("file", str(path), f"a readable Parquet file ({exc})") from exc
        kind = "row"
    elif suffixes.endswith((".csv", ".csv.gz", ".tsv", ".txt")):
        sep = "\t" if suffixes.endswith(".tsv") else ","
        try:
            frame = pd.read_csv(path, dtype=str, sep=sep, skipinitialspace=True)
        except Exception as exc:
            raise BrexsimInputError("file", str(path), f"a readable CSV file ({exc})") from exc
        kind = "line"
    else:
        raise BrexsimInputError("file", str(path), "a file ending in .csv, .tsv or .parquet")
    return validate_biomarkers(frame, source=path.name, row_kind=kind)


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


def validate_biomarkers(
    frame: pd.DataFrame, source: str = "data frame", row_kind: str = "row"
) -> pd.DataFrame:
    """Validate a long or wide biomarker frame and return the canonical long frame.

    Checks (all problems are collected and raised together): required columns, numeric and
    finite ``time_h`` (>= 0) and ``value`` (>= 0; HAM-D-17 within 0-52 points), known stimulus,
    HAM-D-17 only as ``basal``, units in the vocabulary of the analyte class
    (:data:`ALLOWED_UNITS`) and one unit per analyte x stimulus, no duplicate
    ``subject, time_h, analyte, stimulus`` rows, and a baseline (``time_h = 0``) row for
    every subject.

    Parameters
    ----------
    frame : DataFrame
        Long format (``subject, time_h, analyte, stimulus, value`` [+ ``unit, arm, visit``])
        or wide format (``subject, time_h`` + one column per analyte[:stimulus]).
    source : str
        Name used in error messages.
    row_kind : ``"row"`` or ``"line"``
        ``"line"`` reports CSV line numbers (header = line 1); ``"row"`` 0-based positions.

    Returns
    -------
    DataFrame
        Columns ``subject`` (str), ``time_h`` (float), ``analyte`` (canonical name),
        ``stimulus`` (``basal``/``LPS``/``IMQ``), ``value`` (float; NaN = missing
        measurement), ``unit``, ``arm``, ``visit`` (str, ``""`` when absent); sorted by
        analyte, stimulus, subject, time.

    Examples
    --------
    >>> df = pd.DataFrame({"subject": ["a", "a"], "time_h": [0, 60], "analyte": "TNF-α",
    ...                    "stimulus": "lps", "value": [10.0, 6.0]})
    >>> validate_biomarkers(df)[["analyte", "stimulus", "value"]].values.tolist()
    [['TNFa', 'LPS', 10.0], ['TNFa', 'LPS', 6.0]]
    >>> bad = df.assign(value=["10", "high"])
    >>> validate_biomarkers(bad)
    Traceback (most recent call last):
    ...
    brexsim.analysis.data.BiomarkerDataError: invalid biomarker data data frame: 1 problem; ...
    >>> try:
    ...     validate_biomarkers(bad)
    ... except BiomarkerDataError as exc:
    ...     print(exc.problems[0].describe())
    value: not a number (leave the cell empty for a missing measurement) at row 1 ('high')
    """
    if not isinstance(frame, pd.DataFrame):
        raise BrexsimInputError("data", type(frame).__name__, "a pandas DataFrame")
    problems: list[DataProblem] = []
    df = frame.copy()
    df.columns = [str(c).strip() for c in df.columns]
    rename = {
        c: c.lower() for c in df.columns if c.lower() in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)
    }
    df = df.rename(columns=rename)
    df["_row"] = np.arange(len(df))
    df["_col"] = ""

    def where(rows: Iterable[int], values: Iterable[Any] | None = None) -> tuple[str, ...]:
        rows = list(rows)
        offset = 2 if row_kind == "line" else 0
        labels = [f"{row_kind} {int(r) + offset}" for r in rows]
        if values is not None:
            labels = [f"{lab} ({v!r})" for lab, v in zip(labels, values, strict=True)]
        return tuple(labels)

    missing = [c for c in REQUIRED_COLUMNS if c not in df.columns]
    if missing:
        if {"subject", "time_h"} <= set(df.columns) and not {"analyte", "value"} & set(df.columns):
            df = _wide_to_long(df, problems)
            if problems:
                raise BiomarkerDataError(source, problems)
        else:
            have = ", ".join(c for c in df.columns if not c.startswith("_"))
            raise BiomarkerDataError(
                source,
                [
                    DataProblem(
                        "columns",
                        f"missing required column(s) {', '.join(missing)} (found: {have}); "
                        f"long format needs {', '.join(REQUIRED_COLUMNS)}, wide format needs "
                        "subject, time_h and one column per analyte",
                    )
                ],
            )
    for c in OPTIONAL_COLUMNS:
        if c not in df.columns:
            df[c] = ""

    out = pd.DataFrame({"_row": df["_row"].to_numpy(), "_col": _as_text(df["_col"]).to_numpy()})
    wide_note = np.where(out["_col"] != "", " column " + out["_col"], "")

    def where_w(mask: pd.Series, values: pd.Series | None = None) -> tuple[str, ...]:
        idx = np.flatnonzero(mask.to_numpy())
        base = where(out["_row"].to_numpy()[idx])
        base = tuple(b + wide_note[i] for b, i in zip(base, idx, strict=True))
        if values is not None:
            vals = values.to_numpy()[idx]
            base = tuple(f"{b} ({v!r})" for b, v in zip(base, vals, strict=True))
        return base

    # subject
    out["subject"] = _as_text(df["subject"]).to_numpy()
    m = out["subject"] == ""
    if m.any():
        problems.append(DataProblem("subject", "empty subject id", where_w(m)))

    # time_h
    t, bad = _to_number(df["time_h"].reset_index(drop=True))
    out["time_h"] = t.to_numpy()
    if bad.any():
        problems.append(
            DataProblem(
                "time_h",
                "not a number (hours from the start of treatment)",
                where_w(bad, df["time_h"].reset_index(drop=True)),
            )
        )
    m = ~bad & (t.isna() | ~np.isfinite(t) | (t < 0))
    if m.any():
        problems.append(
            DataProblem(
                "time_h",
                "missing, infinite or negative (must be a finite number >= 0 h)",
                where_w(m, t),
            )
        )

    # analyte
    raw_analyte = _as_text(df["analyte"]).reset_index(drop=True)
    out["analyte"] = _map_unique(raw_analyte, _canonical_analyte)
    m = out["analyte"] == ""
    if m.any():
        problems.append(DataProblem("analyte", "empty analyte name", where_w(m)))

    # stimulus
    raw_stim = _as_text(df["stimulus"]).reset_index(drop=True)
    stim = pd.Series(_map_unique(raw_stim, lambda s: _STIMULUS_LOOKUP.get(_text(s).lower())))
    m = stim.isna()
    if m.any():
        problems.append(
            DataProblem(
                "stimulus",
                f"unknown stimulus (allowed: {', '.join(STIMULI)})",
                where_w(m, raw_stim),
            )
        )
    out["stimulus"] = stim.fillna("").to_numpy()
    is_hamd = out["analyte"] == HAMD_ANALYTE
    m = is_hamd & stim.notna() & (out["stimulus"] != "basal")
    if m.any():
        problems.append(
            DataProblem(
                "stimulus", f"{HAMD_ANALYTE} rows must have stimulus 'basal'", where_w(m, raw_stim)
            )
        )

    # value
    v, bad = _to_number(df["value"].reset_index(drop=True))
    out["value"] = v.to_numpy()
    if bad.any():
        problems.append(
            DataProblem(
                "value",
                "not a number (leave the cell empty for a missing measurement)",
                where_w(bad, df["value"].reset_index(drop=True)),
            )
        )
    m = v.notna() & ~np.isfinite(v)
    if m.any():
        problems.append(DataProblem("value", "infinite (must be finite)", where_w(m, v)))
    m = v.notna() & np.isfinite(v) & (v < 0) & ~is_hamd
    if m.any():
        problems.append(
            DataProblem("value", "negative (concentrations and folds must be >= 0)", where_w(m, v))
        )
    m = is_hamd & v.notna() & ((v < HAMD_RANGE[0]) | (v > HAMD_RANGE[1]))
    if m.any():
        problems.append(DataProblem("value", f"{HAMD_ANALYTE} outside 0-52 points", where_w(m, v)))

    # unit
    raw_unit = _as_text(df["unit"]).reset_index(drop=True)
    canon = pd.Series(_map_unique(raw_unit, lambda u: "" if not _text(u) else _canonical_unit(u)))
    classes = pd.Series(_map_unique(out["analyte"], lambda a: ANALYTE_CLASSES.get(a, "other")))
    cu, u_uniques = pd.factorize(canon, use_na_sentinel=True)  # None (unknown) -> -1
    ck, k_uniques = pd.factorize(classes)
    combo = (cu + 1) * (len(k_uniques) + 1) + ck
    ok_combo = {}
    for c in np.unique(combo):
        unit_i, class_i = divmod(int(c), len(k_uniques) + 1)
        unit = None if unit_i == 0 else u_uniques[unit_i - 1]
        ok_combo[c] = unit == "" or (unit is not None and unit in ALLOWED_UNITS[k_uniques[class_i]])
    m = pd.Series(~np.vectorize(ok_combo.__getitem__, otypes=[bool])(combo))
    if m.any():
        bad_classes = sorted(set(classes[m]))
        allowed = "; ".join(f"{k}: {', '.join(ALLOWED_UNITS[k])}" for k in bad_classes)
        problems.append(
            DataProblem(
                "unit",
                f"unknown unit for the analyte class (allowed {allowed})",
                where_w(m, raw_unit),
            )
        )
    out["unit"] = canon.fillna("").to_numpy()
    out.loc[is_hamd & (out["unit"] == ""), "unit"] = "points"
    # one unit per analyte x stimulus
    if not m.any():
        units = out.loc[out["unit"] != "", ["analyte", "stimulus", "unit"]].drop_duplicates()
        counts = units.groupby(["analyte", "stimulus"]).size()
        mixed = counts[counts > 1].index
        if len(mixed):
            m = pd.Series(
                pd.MultiIndex.from_frame(out[["analyte", "stimulus"]]).isin(mixed),
                index=out.index,
            )
            problems.append(
                DataProblem(
                    "unit",
                    "mixed units within one analyte x stimulus (convert first)",
                    where_w(m, out["unit"]),
                )
            )

    out["arm"] = _as_text(df["arm"]).to_numpy()
    out["visit"] = _as_text(df["visit"]).to_numpy()

    # duplicates
    keyed = out[(out["subject"] != "") & out["time_h"].notna() & (out["stimulus"] != "")]
    dup = keyed.duplicated(["subject", "time_h", "analyte", "stimulus"], keep=False)
    if dup.any():
        m = pd.Series(out.index.isin(keyed.index[dup.to_numpy()]), index=out.index)
        sel = out[m]
        labels = tuple(
            f"{r} ({s}, {t:g} h, {a}, {st})"
            for r, s, t, a, st in zip(
                where_w(m),
                sel["subject"],
                sel["time_h"],
                sel["analyte"],
                sel["stimulus"],
                strict=True,
            )
        )
        problems.append(
            DataProblem(
                "subject, time_h, analyte, stimulus",
                "duplicate rows (each measurement may appear once)",
                labels,
            )
        )

    # baseline per subject
    valid_subj = out["subject"] != ""
    has_base = out.loc[valid_subj & (out["time_h"] == BASELINE_H), "subject"].unique()
    m = valid_subj & ~out["subject"].isin(has_base)
    if m.any():
        subs = sorted(out.loc[m, "subject"].unique(), key=str)
        rows = where_w(m)
        problems.append(
            DataProblem(
                "time_h",
                f"subject(s) {', '.join(map(str, subs[:_MAX_LISTED]))} have no baseline row "
                f"(time_h = {BASELINE_H:g})",
                rows,
            )
        )

    if not problems and not (~is_hamd).any():
        problems.append(DataProblem("analyte", f"no biomarker rows (only {HAMD_ANALYTE})"))
    if problems:
        raise BiomarkerDataError(source, problems)

    cols = ["subject", "time_h", "analyte", "stimulus", "value", "unit", "arm", "visit"]
    res = out[cols].sort_values(["analyte", "stimulus", "subject", "time_h"], kind="stable")
    for c in ("subject", "analyte", "stimulus", "unit", "arm", "visit"):
        res[c] = res[c].astype(object)
    return res.reset_index(drop=True)


# ------------------------------------------------------------------------------------------
# example data

#: Effects of the synthetic example data: ``(analyte, stimulus) -> (delta, gamma)``; the
#: natural-log level of the measurement (for LPS/IMQ: of the *induced* part, stimulated minus
#: basal) changes by ``g(t) * (delta + gamma * z)`` where ``z ~ N(0, 1)`` is the subject's
#: responsiveness and ``g(t) = 1 - exp(-t / tau_h)``. Synthetic numbers chosen for a clear
#: demo, not estimates from any study.
EXAMPLE_EFFECTS: dict[tuple[str, str], tuple[float, float]] = {
    ("TNFa", "basal"): (-0.35, -0.20),
    ("IL6", "basal"): (-0.25, -0.20),
    ("IL1b", "basal"): (-0.10, -0.10),
    ("TNFa", "LPS"): (-0.40, -0.25),
    ("IL6", "LPS"): (-0.35, -0.25),
    ("IL1b", "LPS"): (-0.40, -0.25),
    ("TNFa", "IMQ"): (-0.40, -0.25),
    ("IL6", "IMQ"): (-0.35, -0.25),
    ("IL1b", "IMQ"): (-0.35, -0.25),
    ("BDNF", "basal"): (0.15, 0.10),
}
_EXAMPLE_LEVELS = {  # typical log-normal medians (pg/mL; BDNF ng/mL), synthetic
    ("TNFa", "basal"): 8.0,
    ("IL6", "basal"): 4.0,
    ("IL1b", "basal"): 2.0,
    ("TNFa", "LPS"): 1500.0,
    ("IL6", "LPS"): 15000.0,
    ("IL1b", "LPS"): 5000.0,
    ("TNFa", "IMQ"): 600.0,
    ("IL6", "IMQ"): 5000.0,
    ("IL1b", "IMQ"): 1500.0,
    ("BDNF", "basal"): 25.0,
}


def make_example_dataset(
    seed: int = 0,
    n_subjects: int = 11,
    times_h: Sequence[float] = (0.0, 24.0, 60.0, 168.0),
    effects: Mapping[tuple[str, str], tuple[float, float]] | None = None,
    tau_h: float = 20.0,
    sd_subject: float = 0.4,
    sd_noise: float = 0.15,
    missing_fraction: float = 0.0,
) -> pd.DataFrame:
    """A synthetic long-format biomarker data set with a known effect (for demos and tests).

    Generative model (natural-log scale; ``z_i ~ N(0, 1)`` per subject,
    ``g(t) = 1 - exp(-t / tau_h)``):

    * HAM-D-17: baseline ``round(N(27, 2.5))`` clipped to 20-40; at time t the score is
      ``round(h0 * (1 - clip(0.5 + 0.2 z_i, 0.02, 0.98) * g(t)))``.
    * each ``(analyte, stimulus)`` in ``effects``: ``log y = log(level) + b_i + g(t) (delta +
      gamma z_i) + e``, ``b_i ~ N(0, sd_subject)``, ``e ~ N(0, sd_noise)``. For LPS/IMQ this
      is the induced part; the stimulated value reported is basal + induced.

    So with the ``log`` transform the mean change at t is ``g(t) delta`` and the change has SD
    ``sqrt(g(t)^2 gamma^2 + 2 sd_noise^2)``.

    Parameters
    ----------
    seed : int
        Random seed.
    n_subjects : int
        Number of subjects (Balan 2023 had 11 with basal data).
    times_h : sequence of float
        Sampling times, h; must start with 0.
    effects : mapping, optional
        ``(analyte, stimulus) -> (delta, gamma)``; default :data:`EXAMPLE_EFFECTS`.
    missing_fraction : float
        Fraction of non-baseline measurements blanked out (missing at random).

    Returns
    -------
    DataFrame
        Long format ``subject, time_h, analyte, stimulus, value, unit``.

    Examples
    --------
    >>> df = make_example_dataset(seed=1)
    >>> sorted(df["stimulus"].unique()), df["subject"].nunique()
    (['IMQ', 'LPS', 'basal'], 11)
    """
    times = np.asarray(times_h, dtype=float)
    if times.size < 2 or times[0] != BASELINE_H or np.any(np.diff(times) <= 0):
        raise BrexsimInputError("times_h", tuple(times_h), "increasing times starting at 0 h")
    if n_subjects < 2:
        raise BrexsimInputError("n_subjects", n_subjects, "an integer >= 2")
    if not 0.0 <= missing_fraction < 1.0:
        raise BrexsimInputError("missing_fraction", missing_fraction, "a number in [0, 1)")
    effects = dict(EXAMPLE_EFFECTS if effects is None else effects)
    for key in effects:
        if key[1] not in STIMULI or key[0] == HAMD_ANALYTE:
            raise BrexsimInputError("effects", key, "(analyte, stimulus) with a known stimulus")
    rng = np.random.default_rng(seed)
    n, nt = n_subjects, times.size
    subjects = np.array([f"S{i + 1:03d}" for i in range(n)], dtype=object)
    z = rng.standard_normal(n)
    g = 1.0 - np.exp(-times / tau_h)
    h0 = np.clip(np.round(rng.normal(27.0, 2.5, n)), 20, 40)
    frac = np.clip(0.5 + 0.2 * z, 0.02, 0.98)
    hamd = np.round(h0[:, None] * (1.0 - frac[:, None] * g[None, :]))
    rows = [
        pd.DataFrame(
            {
                "subject": np.repeat(subjects, nt),
                "time_h": np.tile(times, n),
                "analyte": HAMD_ANALYTE,
                "stimulus": "basal",
                "value": hamd.ravel(),
                "unit": "points",
            }
        )
    ]

    def draw(level: float, delta: float, gamma: float) -> np.ndarray:
        b = rng.normal(0.0, sd_subject, n)
        e = rng.normal(0.0, sd_noise, (n, nt))
        return np.exp(np.log(level) + b[:, None] + g[None, :] * (delta + gamma * z[:, None]) + e)

    basal_cache: dict[str, np.ndarray] = {}
    ordered = sorted(effects, key=lambda k: (k[0], STIMULI.index(k[1])))
    for analyte, stimulus in ordered:
        if stimulus != "basal" and (analyte, "basal") not in effects:
            basal_cache.setdefault(
                analyte, draw(_EXAMPLE_LEVELS.get((analyte, "basal"), 5.0), 0.0, 0.0)
            )
    for analyte, stimulus in ordered:
        delta, gamma = effects[(analyte, stimulus)]
        level = _EXAMPLE_LEVELS.get((analyte, stimulus), 5.0 if stimulus == "basal" else 500.0)
        y = draw(level, delta, gamma)
        if stimulus == "basal":
            basal_cache[analyte] = y
        else:
            y = basal_cache[analyte] + y
        unit = "ng/mL" if analyte == "BDNF" else "pg/mL"
        rows.append(
            pd.DataFrame(
                {
                    "subject": np.repeat(subjects, nt),
                    "time_h": np.tile(times, n),
                    "analyte": analyte,
                    "stimulus": stimulus,
                    "value": np.round(y, 4).ravel(),
                    "unit": unit,
                }
            )
        )
    df = pd.concat(rows, ignore_index=True)
    if missing_fraction > 0:
        later = (df["time_h"] > BASELINE_H).to_numpy()
        drop = later & (rng.random(len(df)) < missing_fraction)
        df.loc[drop, "value"] = np.nan
    return df
