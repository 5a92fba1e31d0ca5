"""Reading and checking the records of a NONMEM-format file (helpers of :mod:`.nonmem`).

Every problem raises one :class:`~brexsim.errors.BrexsimInputError` naming the file, the
column, the record (1-based, data lines only) and what is allowed.
"""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import numpy as np
import pandas as pd

from brexsim.dosing.regimen import IVSegment, OralDose, Regimen
from brexsim.dosing.weights import check_weight_kg
from brexsim.errors import BrexsimInputError, input_error

REQUIRED = ("ID", "TIME", "AMT", "EVID", "CMT")
OPTIONAL = ("RATE", "MDV", "DV", "ADDL", "II", "SS", "WT", "FOOD")
#: Per-observation columns carried in ``NonmemDataset.observations`` (DVID: observation type;
#: LLOQ: lower limit of quantification, same unit as DV; BLQ: 1 = below it).
OBSERVATION_COLUMNS = ("DVID", "LLOQ", "BLQ")
KNOWN = REQUIRED + OPTIONAL + OBSERVATION_COLUMNS
MISSING = frozenset({"", ".", "nan", "NaN", "NA"})
_EVIDS = {0: "observation", 1: "dose", 2: "other event"}
CMTS = (1, 2, 3)
CMT_DEPOT, CMT_CENTRAL = 1, 2


def r12(x: float) -> float:
    """``x`` rounded to 12 significant digits (the reader's unit conversions).

    >>> r12(23000 / 153)
    150.326797386
    """
    return float(f"{x:.12g}")


def format_number(x: float) -> str:
    """``x`` as written in a file: 12 significant digits when they hold ``x`` exactly, else the
    shortest text that reads back as ``x`` (``repr``), so that ``float(format_number(x)) == x``.

    >>> format_number(2.1), format_number(70.0), format_number(150.326797386 * 153 / 1000)
    ('2.1', '70', '23.000000000058')
    """
    short = f"{x:.12g}"
    return short if float(short) == x else repr(float(x))


def _in_context(ctx: str, build, *args):  # type: ignore[no-untyped-def]
    """``build(*args)``; a BrexsimInputError it raises is raised again naming ``ctx``."""
    try:
        return build(*args)
    except BrexsimInputError as exc:
        where = f"{ctx}; {exc.context}" if exc.context else ctx
        raise input_error(exc.field, exc.value, exc.allowed, where) from None


def read_table(path: Path) -> pd.DataFrame:
    """The file as text columns (upper-case names); comment lines (``#``, ``@``) skipped."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise input_error("NONMEM file", str(path), f"a readable file ({exc.strerror})") from None
    try:
        if b"\x00" in raw:
            raise UnicodeDecodeError("utf-8", raw, raw.index(b"\x00"), raw.index(b"\x00") + 1, "")
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise input_error(
            "NONMEM file",
            str(path),
            f"a text file (CSV or whitespace table, UTF-8); byte {exc.start} is binary "
            f"({raw[exc.start : exc.start + 1]!r})",
        ) from None
    lines = [
        ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith(("#", "@"))
    ]
    if not lines:
        raise input_error("NONMEM file", str(path), "a header line and at least one record")
    sep = "," if "," in lines[0] else r"\s+"
    header = [c.strip().upper() for c in (lines[0].split(",") if sep == "," else lines[0].split())]
    dup = sorted({c for c in header if header.count(c) > 1 and c})
    if dup:
        raise input_error("columns", dup, "each column name once", path.name)
    try:
        df = pd.read_csv(StringIO("\n".join(lines)), sep=sep, dtype=str, engine="python")
    except Exception as exc:
        raise input_error("NONMEM file", str(path), f"a CSV or whitespace table ({exc})") from None
    df.columns = [c.strip().upper() for c in df.columns]
    for c in [c for c in df.columns if c == "" or c.startswith("UNNAMED:")]:
        if df[c].fillna("").astype(str).str.strip().isin(MISSING).all():
            df = df.drop(columns=c)  # an empty column after a trailing separator
        else:
            raise input_error("columns", c, "a name for every column with values", path.name)
    return df


def to_numbers(df: pd.DataFrame, col: str, where: str, allow_missing: bool) -> pd.Series:
    """Column ``col`` as finite floats, exactly as written (``nan`` = missing)."""
    raw = df[col].fillna("").astype(str).str.strip()
    missing = raw.isin(MISSING)
    vals = pd.to_numeric(raw.where(~missing, None), errors="coerce").astype(float)
    bad = (~missing & vals.isna()) | (~missing & ~np.isfinite(vals.fillna(0.0)))
    if not allow_missing:
        bad |= missing
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise input_error(
            col,
            df[col].iloc[i],
            "a finite number" + ("" if allow_missing else " (required)"),
            f"{where}, record {i + 1}",
        )
    return vals


def check_records(t: pd.DataFrame, df: pd.DataFrame, where: str) -> None:
    """Check each record (see :func:`brexsim.dosing.nonmem.read_nonmem` for the rules)."""

    def err(col: str, i: int, allowed: str) -> BrexsimInputError:
        value = df[col].iloc[i] if col in df.columns else "(no such column)"
        return input_error(col, value, allowed, f"{where}, record {i + 1}")

    def has(col: str, r: object) -> bool:
        return col in t and not pd.isna(getattr(r, col))

    for i, r in enumerate(t.itertuples(index=False)):
        evid = r.EVID
        if evid in (3, 4):
            raise err("EVID", i, "0, 1 or 2 (EVID 3/4 resets are not supported)")
        if evid not in _EVIDS:
            raise err("EVID", i, "0 (observation), 1 (dose) or 2 (other event)")
        if r.ID != int(r.ID) or r.ID < 0:
            raise err("ID", i, "a non-negative integer")
        if r.TIME < 0:
            raise err("TIME", i, "a time >= 0 h")
        if r.AMT < 0:
            raise err("AMT", i, "an amount >= 0 mg")
        if r.CMT not in CMTS:
            raise err("CMT", i, "1 (depot), 2 (central) or 3 (peripheral)")
        if has("SS", r) and r.SS != 0:
            raise err("SS", i, "0 or missing (steady-state records are not supported)")
        if has("RATE", r):
            if r.RATE in (-1, -2):
                raise err("RATE", i, ">= 0 (RATE -1/-2, modelled rate/duration, not supported)")
            if r.RATE < 0:
                raise err("RATE", i, "a rate >= 0 mg/h")
        if has("WT", r):
            check_weight_kg(r.WT, "WT", f"{where}, record {i + 1}")
        if has("FOOD", r) and r.FOOD not in (0, 1):
            raise err("FOOD", i, "0 (fasted) or 1 (with food)")
        if has("DVID", r) and (r.DVID < 0 or r.DVID != int(r.DVID)):
            raise err("DVID", i, "a non-negative integer (observation type)")
        if has("LLOQ", r) and r.LLOQ < 0:
            raise err("LLOQ", i, "a limit of quantification >= 0 (DV unit)")
        if has("BLQ", r) and r.BLQ not in (0, 1):
            raise err("BLQ", i, "0 or 1 (1 = below the limit of quantification)")
        addl = r.ADDL if has("ADDL", r) else 0
        ii = r.II if has("II", r) else 0
        if addl < 0 or addl != int(addl):
            raise err("ADDL", i, "a non-negative integer")
        if addl > 0 and ii <= 0:
            raise err("II", i, "a dosing interval > 0 h when ADDL > 0")
        if addl > 0 and evid != 1:
            raise err("ADDL", i, "0 on non-dose records")


def get_subject_values(
    g: pd.DataFrame, col: str, sid: int, where: str, what: str = "value"
) -> float:
    """The one non-missing value of ``col`` for subject ``sid`` (``nan`` when all missing)."""
    w = g[col].dropna().unique()
    if len(w) > 1:
        raise input_error(
            col,
            [float(x) for x in w],
            f"one {what} per ID (time-varying values are not supported)",
            f"{where}, ID {sid}",
        )
    return float(w[0]) if len(w) else float("nan")


def records_to_regimen(
    g: pd.DataFrame,
    sid: int,
    weight: float | None,
    drug: str | None,
    allow: bool,
    where: str,
) -> Regimen:
    """The regimen of one ID's records (IV rates mg/h -> µg/kg/h with ``weight``)."""
    ctx = f"{where}, ID {sid}"
    doses = g[g["EVID"] == 1]
    if doses.empty:
        raise input_error("EVID", "no dose records", "at least one EVID 1 record per ID", ctx)
    rate = doses["RATE"].fillna(0.0) if "RATE" in doses else pd.Series(0.0, index=doses.index)
    addl = (
        doses["ADDL"].fillna(0).astype(int) if "ADDL" in doses else pd.Series(0, index=doses.index)
    )
    ii = doses["II"].fillna(0.0) if "II" in doses else pd.Series(0.0, index=doses.index)
    food = doses["FOOD"].fillna(1) if "FOOD" in doses else pd.Series(1, index=doses.index)
    iv_events: list[tuple[float, float, float]] = []  # (time, amt, rate)
    oral: list[OralDose] = []
    for k in doses.index:
        t0, step = float(doses.at[k, "TIME"]), float(ii[k])
        times = [t0] + [r12(t0 + j * step) for j in range(1, int(addl[k]) + 1)]
        amt, cmt, r = float(doses.at[k, "AMT"]), int(doses.at[k, "CMT"]), float(rate[k])
        for tt in times:
            if cmt == CMT_DEPOT:
                if r != 0:
                    raise input_error("RATE", r, "0 for oral doses into CMT 1", f"{ctx}, TIME {tt}")
                oral.append(_in_context(f"{ctx}, TIME {tt}", OralDose, tt, amt, bool(food[k])))
            elif cmt == CMT_CENTRAL:
                if r == 0 and amt > 0:
                    raise input_error(
                        "RATE",
                        r,
                        "> 0 for IV doses (IV boluses are not supported)",
                        f"{ctx}, TIME {tt}",
                    )
                iv_events.append((tt, amt, r))
            else:
                raise input_error("CMT", cmt, "1 (oral depot) or 2 (IV central) for doses", ctx)
    segments: list[IVSegment] = []
    if iv_events:
        if weight is None:
            raise input_error("WT", "missing", "a body weight (kg) on IV records", ctx)
        marks = sorted(float(x) for x in g.loc[g["EVID"] == 2, "TIME"])
        iv_events.sort()
        for n, (tt, amt, r) in enumerate(iv_events):
            if r == 0:  # zero-rate frame: until the next IV record or EVID 2 mark
                nxt = [e[0] for e in iv_events[n + 1 :] if e[0] > tt] + [m for m in marks if m > tt]
                if not nxt:
                    raise input_error(
                        "RATE",
                        0,
                        "a later IV record or EVID 2 record to end a zero-rate infusion",
                        f"{ctx}, TIME {tt}",
                    )
                seg = (tt, min(nxt), 0.0)
            else:
                seg = (tt, r12(tt + amt / r), r12(r * 1000.0 / weight))
            segments.append(_in_context(f"{ctx}, TIME {tt}", IVSegment, *seg))
    if drug is None:
        drug = "brexanolone" if segments else "zuranolone"
    try:
        return Regimen(
            drug=drug,
            segments=tuple(segments),
            oral_doses=tuple(oral),
            name=f"ID {sid}",
            allow_above_studied=allow,
        )
    except BrexsimInputError as exc:
        raise input_error(exc.field, exc.value, exc.allowed, f"{ctx}; {exc.context}") from None
