"""Biomarker data, validation into the canonical long frame (split from ``data``; see the
package docstring).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from brexsim.analysis.data._parse import _as_text, _map_unique, _text, _to_number, _wide_to_long
from brexsim.analysis.data._vocab import (
    _MAX_LISTED,
    _STIMULUS_LOOKUP,
    ALLOWED_UNITS,
    ANALYTE_CLASSES,
    BASELINE_H,
    HAMD_ANALYTE,
    HAMD_RANGE,
    OPTIONAL_COLUMNS,
    REQUIRED_COLUMNS,
    STIMULI,
    BiomarkerDataError,
    DataProblem,
    _canonical_analyte,
    _canonical_unit,
)
from brexsim.errors import BrexsimInputError


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
