"""Regimen tables of the web app's editor, free of Shiny: a preset as string tables, adding and
removing rows, parsing the tables into a :class:`~brexsim.dosing.Regimen`, and the matching
placebo.

Nothing the user types is executed or used as a file path: table cells are parsed as numbers or
yes/no words, and bad input raises :class:`brexsim.errors.BrexsimInputError`, whose message the
app shows inline.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import pandas as pd

from brexsim.app.common import INTERRUPTION_COLUMNS, LIMITS, ORAL_COLUMNS, SEGMENT_COLUMNS
from brexsim.dosing import IVSegment, OralDose, Regimen, get_preset, get_preset_names, interrupt
from brexsim.dosing.regimen import MAX_STUDIED_ORAL_MG, MAX_STUDIED_RATE_UG_PER_KG_H
from brexsim.errors import BrexsimInputError, input_error

__all__ = [
    "RegimenTables",
    "add_table_row",
    "build_regimen",
    "get_placebo_regimen",
    "get_preset_tables",
    "remove_table_row",
]

_YES = {"yes", "y", "true", "1", "with food", "fed"}
_NO = {"no", "n", "false", "0", "fasted", "without food"}


def _empty(columns: Sequence[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series([], dtype=object) for c in columns})


def _fmt(x: float) -> str:
    return f"{float(x):g}"


@dataclass(frozen=True)
class RegimenTables:
    """The editor's view of a regimen: drug, clock and three string tables."""

    drug: str
    start_clock_h: float
    segments: pd.DataFrame
    oral: pd.DataFrame
    interruptions: pd.DataFrame


def get_preset_tables(name: str) -> RegimenTables:
    """Editor tables of a preset (cells as strings, as the user edits them).

    >>> t = get_preset_tables("zulresso")
    >>> t.drug, len(t.segments), t.segments.iloc[2].tolist()
    ('brexanolone', 5, ['24', '52', '90'])
    """
    if name not in get_preset_names():
        raise input_error("preset", name, f"one of {list(get_preset_names())}")
    reg = get_preset(name)
    seg = _empty(SEGMENT_COLUMNS)
    if reg.segments:
        seg = pd.DataFrame(
            [[_fmt(s.start_h), _fmt(s.end_h), _fmt(s.rate_ug_per_kg_h)] for s in reg.segments],
            columns=list(SEGMENT_COLUMNS),
            dtype=object,
        )
    oral = _empty(ORAL_COLUMNS)
    if reg.oral_doses:
        oral = pd.DataFrame(
            [[_fmt(d.time_h), _fmt(d.mg), "yes" if d.with_food else "no"] for d in reg.oral_doses],
            columns=list(ORAL_COLUMNS),
            dtype=object,
        )
    return RegimenTables(
        reg.drug, float(reg.start_clock_h), seg, oral, _empty(INTERRUPTION_COLUMNS)
    )


def add_table_row(frame: pd.DataFrame, kind: str) -> pd.DataFrame:
    """The table with one more row, continuing the schedule (capped at the row limit).

    >>> f = add_table_row(get_preset_tables("zulresso").segments, "segments")
    >>> f.iloc[-1].tolist()
    ['60', '64', '30']
    """
    cap = {
        "segments": LIMITS["max_segments"],
        "oral": LIMITS["max_oral_doses"],
        "interruptions": LIMITS["max_interruptions"],
    }
    if kind not in cap:
        raise input_error("table", kind, f"one of {sorted(cap)}")
    if len(frame) >= cap[kind]:
        raise input_error("rows", len(frame) + 1, f"at most {int(cap[kind])} rows in this table")
    last = frame.iloc[-1].tolist() if len(frame) else None

    def num(x: Any, default: float) -> float:
        try:
            v = float(x)
        except (TypeError, ValueError):
            return default
        return v if math.isfinite(v) else default

    if kind == "segments":
        start = num(last[1], 0.0) if last else 0.0
        row = [_fmt(start), _fmt(start + 4.0), _fmt(num(last[2], 30.0)) if last else "30"]
    elif kind == "oral":
        t = num(last[0], -24.0) + 24.0 if last else 0.0
        row = [_fmt(t), _fmt(num(last[1], 30.0)) if last else "30", last[2] if last else "yes"]
    else:
        row = ["30", "31", "", "no"]
    new = pd.DataFrame([row], columns=frame.columns, dtype=object)
    return pd.concat([frame.astype(object), new], ignore_index=True)


def remove_table_row(frame: pd.DataFrame) -> pd.DataFrame:
    """The table without its last row."""
    return frame.iloc[:-1].reset_index(drop=True) if len(frame) else frame


def _cell_text(value: Any, field: str, row: int) -> str:
    text = "" if value is None else str(value).strip()
    if isinstance(value, float) and math.isnan(value):
        text = ""
    if len(text) > LIMITS["max_cell_chars"]:
        raise input_error(
            field, text[:12] + "...", f"at most {int(LIMITS['max_cell_chars'])} characters", row
        )
    return text


def _parse_number(value: Any, field: str, row: str, lo: float, hi: float) -> float:
    text = _cell_text(value, field, row)
    try:
        x = float(text)
    except ValueError:
        x = math.nan
    if not math.isfinite(x) or not (lo <= x <= hi):
        raise input_error(field, text, f"a number in [{lo:g}, {hi:g}]", row)
    return x


def _parse_yes_no(value: Any, field: str, row: str) -> bool:
    text = _cell_text(value, field, row).lower()
    if text == "":
        return field == "with_food"  # blank: with food (label advice); no later reduction
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise input_error(field, text, "yes or no", row)


def _check_frame(frame: pd.DataFrame, columns: Sequence[str], table: str) -> pd.DataFrame:
    if not isinstance(frame, pd.DataFrame) or list(frame.columns) != list(columns):
        raise input_error(table, "table", f"columns {list(columns)}")
    return frame


def build_regimen(
    drug: str,
    segments: pd.DataFrame,
    oral: pd.DataFrame,
    interruptions: pd.DataFrame,
    start_clock_h: float,
    name: str = "custom",
) -> Regimen:
    """Parse the editor tables into a :class:`~brexsim.dosing.Regimen`.

    IV rates in µg/kg/h (at most the studied 270), oral doses in mg (at most the studied 66),
    times in h from the first dose (schedules end by ``LIMITS["max_schedule_h"]``).
    Interruptions (IV only) are applied in order of start with :func:`brexsim.dosing.interrupt`:
    a blank ``end_h`` stops the infusion for good, a blank resume rate resumes as scheduled.

    >>> t = get_preset_tables("zulresso")
    >>> r = build_regimen("brexanolone", t.segments, t.oral, t.interruptions, 8.0)
    >>> r.segments == get_preset("zulresso").segments
    True
    """
    if drug not in ("brexanolone", "zuranolone"):
        raise input_error("drug", drug, "brexanolone or zuranolone")
    tmax = LIMITS["max_schedule_h"]
    clock = _parse_number(start_clock_h, "start_clock_h", "", 0.0, 23.99)
    if drug == "brexanolone":
        seg = _check_frame(segments, SEGMENT_COLUMNS, "segments")
        if len(seg) == 0:
            raise input_error("segments", 0, "at least one infusion segment")
        if len(seg) > LIMITS["max_segments"]:
            raise input_error("segments", len(seg), f"at most {int(LIMITS['max_segments'])} rows")
        segs = []
        for i, row in enumerate(seg.itertuples(index=False), start=1):
            where = f"infusion row {i}"
            s = _parse_number(row[0], "start_h", where, 0.0, tmax)
            e = _parse_number(row[1], "end_h", where, 0.0, tmax)
            rate = _parse_number(
                row[2], "rate_ug_per_kg_h", where, 0.0, MAX_STUDIED_RATE_UG_PER_KG_H
            )
            segs.append(IVSegment(s, e, rate))
        reg = Regimen(drug, segments=tuple(segs), start_clock_h=clock, name=name)
        ints = _check_frame(interruptions, INTERRUPTION_COLUMNS, "interruptions")
        if len(ints) > LIMITS["max_interruptions"]:
            raise input_error(
                "interruptions", len(ints), f"at most {int(LIMITS['max_interruptions'])} rows"
            )
        rows = []
        for i, row in enumerate(ints.itertuples(index=False), start=1):
            where = f"interruption row {i}"
            s = _parse_number(row[0], "start_h", where, 0.0, tmax)
            end_text = _cell_text(row[1], "end_h", where)
            e = None if end_text == "" else _parse_number(end_text, "end_h", where, 0.0, tmax)
            res_text = _cell_text(row[2], "resume_rate_ug_per_kg_h", where)
            rr = (
                None
                if res_text == ""
                else _parse_number(
                    res_text, "resume_rate_ug_per_kg_h", where, 0.0, MAX_STUDIED_RATE_UG_PER_KG_H
                )
            )
            rows.append((s, e, rr, _parse_yes_no(row[3], "reduce_later", where), where))
        for s, e, rr, later, where in sorted(rows, key=lambda r: r[0]):
            try:
                reg = interrupt(reg, s, e, rr, later, reason="user")
            except BrexsimInputError as exc:
                raise input_error(exc.field, exc.value, exc.allowed, where) from None
        return reg
    ora = _check_frame(oral, ORAL_COLUMNS, "oral doses")
    if len(ora) == 0:
        raise input_error("oral_doses", 0, "at least one oral dose")
    if len(ora) > LIMITS["max_oral_doses"]:
        raise input_error("oral_doses", len(ora), f"at most {int(LIMITS['max_oral_doses'])} rows")
    if len(interruptions):
        raise input_error("interruptions", len(interruptions), "none for oral doses")
    doses = []
    for i, row in enumerate(ora.itertuples(index=False), start=1):
        where = f"oral dose row {i}"
        t = _parse_number(row[0], "time_h", where, 0.0, tmax)
        mg = _parse_number(row[1], "mg", where, 0.0, MAX_STUDIED_ORAL_MG)
        doses.append(OralDose(t, mg, _parse_yes_no(row[2], "with_food", where)))
    return Regimen(drug, oral_doses=tuple(doses), start_clock_h=clock, name=name)


def get_placebo_regimen(regimen: Regimen) -> Regimen:
    """The matching placebo: the same schedule, setting and clock with no drug.

    >>> get_placebo_regimen(get_preset("zulresso")).is_placebo
    True
    """
    segs = tuple(IVSegment(s.start_h, s.end_h, 0.0) for s in regimen.segments)
    doses = tuple(OralDose(d.time_h, 0.0, d.with_food) for d in regimen.oral_doses)
    return replace(
        regimen, segments=segs, oral_doses=doses, interruptions=(), name="placebo reference"
    )


def _check_app_regimen(regimen: Regimen) -> None:
    """A Regimen whose schedule ends by ``LIMITS["max_schedule_h"]`` (day 28), else one error."""
    if not isinstance(regimen, Regimen):
        raise input_error("regimen", type(regimen).__name__, "a Regimen")
    if regimen.end_of_treatment_h > LIMITS["max_schedule_h"]:
        raise input_error(
            "end of treatment",
            regimen.end_of_treatment_h,
            f"at most {LIMITS['max_schedule_h']:g} h (day 28) in the app",
        )
