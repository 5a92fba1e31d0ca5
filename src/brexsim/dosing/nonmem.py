"""NONMEM-format event tables, read and written with an exact round trip.

Columns and units
-----------------
Required: ``ID, TIME, AMT, EVID, CMT``. Optional: ``RATE, MDV, DV, ADDL, II, SS, WT`` and the
brexsim extension ``FOOD`` (1 = oral dose taken with food, the default; 0 = fasted).

* ``TIME`` h from the first dose; ``AMT`` mg; ``RATE`` mg/h; ``WT`` kg; ``II`` h.
* Compartments: ``CMT 1`` = oral depot (zuranolone doses), ``CMT 2`` = central (IV infusions
  and plasma observations), ``CMT 3`` = peripheral.
* ``EVID``: 0 observation, 1 dose, 2 other event (marks the end of a zero-rate infusion frame).
  EVID 3/4 (resets), ``SS`` != 0, ``RATE`` -1/-2 (modelled rate/duration) and IV boluses are
  rejected as not supported.
* IV records need ``WT`` (rates are converted to µg/kg/h). A record with ``AMT 0, RATE 0`` into
  CMT 2 is a zero-rate (placebo or paused) infusion that lasts until the next IV record of the
  subject or an EVID 2 record.
* ``ADDL``/``II`` doses expand to the same regimen as explicit records.

Numbers are written with 12 significant digits, and read values are rounded to 12 significant
digits after unit conversion, so ``read_nonmem(write_nonmem(ds)) == ds``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from brexsim.dosing.regimen import IVSegment, OralDose, Regimen
from brexsim.errors import BrexsimInputError, input_error

__all__ = [
    "CMT_CENTRAL",
    "CMT_DEPOT",
    "NonmemDataset",
    "read_nonmem",
    "regimen_to_nonmem",
    "write_nonmem",
]

REQUIRED = ("ID", "TIME", "AMT", "EVID", "CMT")
OPTIONAL = ("RATE", "MDV", "DV", "ADDL", "II", "SS", "WT", "FOOD")
CMT_DEPOT = 1
CMT_CENTRAL = 2
CMT_PERIPHERAL = 3
_EVIDS = {0: "observation", 1: "dose", 2: "other event"}


def _r12(x: float) -> float:
    return float(f"{x:.12g}")


@dataclass(frozen=True)
class NonmemDataset:
    """Regimens (one per ID), body weights and observation records of a NONMEM dataset.

    Attributes
    ----------
    regimens : dict
        ``{ID: Regimen}``.
    weights_kg : dict
        ``{ID: weight}``; needed for IV regimens.
    observations : DataFrame
        Columns ``ID, TIME, CMT, DV`` of the EVID 0 records (may be empty).
    """

    regimens: dict[int, Regimen]
    weights_kg: dict[int, float] = field(default_factory=dict)
    observations: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=["ID", "TIME", "CMT", "DV"])
    )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, NonmemDataset):
            return NotImplemented
        a = self.observations.reset_index(drop=True).astype(float)
        b = other.observations.reset_index(drop=True).astype(float)
        return (
            self.regimens == other.regimens
            and self.weights_kg == other.weights_kg
            and a.shape == b.shape
            and bool(np.array_equal(a.to_numpy(), b.to_numpy(), equal_nan=True))
        )

    __hash__ = None  # type: ignore[assignment]


def _read_table(path: Path) -> pd.DataFrame:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise input_error("NONMEM file", str(path), f"a readable file ({exc.strerror})") from None
    lines = [
        ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith(("#", "@"))
    ]
    if not lines:
        raise input_error("NONMEM file", str(path), "a header line and at least one record")
    sep = "," if "," in lines[0] else r"\s+"
    from io import StringIO

    try:
        df = pd.read_csv(StringIO("\n".join(lines)), sep=sep, dtype=str, engine="python")
    except Exception as exc:
        raise input_error("NONMEM file", str(path), f"a CSV or whitespace table ({exc})") from None
    df.columns = [c.strip().upper() for c in df.columns]
    return df


def _numeric(df: pd.DataFrame, col: str, where: str, allow_missing: bool) -> pd.Series:
    raw = df[col].astype(str).str.strip()
    missing = raw.isin({"", ".", "nan", "NaN", "NA"})
    vals = pd.to_numeric(raw.where(~missing, None), errors="coerce")
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


def read_nonmem(
    path: str | Path,
    drug: str | None = None,
    allow_above_studied: bool = False,
) -> NonmemDataset:
    """Read a NONMEM event table into one :class:`~brexsim.dosing.Regimen` per ID.

    Parameters
    ----------
    path : path
        CSV (comma) or whitespace-separated file with a header line.
    drug : str, optional
        Force the drug; by default IV doses mean brexanolone and oral doses zuranolone.
    allow_above_studied : bool
        Passed to :class:`~brexsim.dosing.Regimen`.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "d.csv"
    >>> _ = p.write_text("ID,TIME,AMT,RATE,EVID,CMT,WT\\n1,0,8.4,2.1,1,2,70\\n")
    >>> ds = read_nonmem(p)
    >>> ds.regimens[1].segments
    (IVSegment(start_h=0.0, end_h=4.0, rate_ug_per_kg_h=30.0),)
    """
    path = Path(path)
    where = path.name
    df = _read_table(path)
    unknown = [c for c in df.columns if c not in REQUIRED + OPTIONAL]
    if unknown:
        raise input_error(
            "columns", unknown, f"only {list(REQUIRED)} and optional {list(OPTIONAL)}", where
        )
    missing = [c for c in REQUIRED if c not in df.columns]
    if missing:
        raise input_error("columns", missing, f"required columns {list(REQUIRED)} present", where)
    num = {c: _numeric(df, c, where, allow_missing=False) for c in REQUIRED}
    for c in OPTIONAL:
        if c in df.columns:
            num[c] = _numeric(df, c, where, allow_missing=True)
    t = pd.DataFrame(num)
    t["_row"] = np.arange(1, len(t) + 1)

    def err(col: str, i: int, allowed: str) -> BrexsimInputError:
        return input_error(col, df[col].iloc[i], allowed, f"{where}, record {i + 1}")

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
        if r.CMT not in (CMT_DEPOT, CMT_CENTRAL, CMT_PERIPHERAL):
            raise err("CMT", i, "1 (depot), 2 (central) or 3 (peripheral)")
        if "SS" in t and not pd.isna(r.SS) and r.SS != 0:
            raise err("SS", i, "0 or missing (steady-state records are not supported)")
        if "RATE" in t and not pd.isna(r.RATE):
            if r.RATE in (-1, -2):
                raise err("RATE", i, ">= 0 (RATE -1/-2, modelled rate/duration, not supported)")
            if r.RATE < 0:
                raise err("RATE", i, "a rate >= 0 mg/h")
        if "WT" in t and not pd.isna(r.WT) and not (0 < r.WT <= 500):
            raise err("WT", i, "a body weight in (0, 500] kg")
        if "FOOD" in t and not pd.isna(r.FOOD) and r.FOOD not in (0, 1):
            raise err("FOOD", i, "0 (fasted) or 1 (with food)")
        addl = 0 if "ADDL" not in t or pd.isna(r.ADDL) else r.ADDL
        ii = 0 if "II" not in t or pd.isna(r.II) else r.II
        if addl < 0 or addl != int(addl):
            raise err("ADDL", i, "a non-negative integer")
        if addl > 0 and ii <= 0:
            raise err("II", i, "a dosing interval > 0 h when ADDL > 0")
        if addl > 0 and evid != 1:
            raise err("ADDL", i, "0 on non-dose records")

    regimens: dict[int, Regimen] = {}
    weights: dict[int, float] = {}
    for sid, g in t.groupby("ID", sort=False):
        sid = int(sid)
        if (np.diff(g["TIME"].to_numpy()) < 0).any():
            i = (
                int(g["_row"].iloc[int(np.flatnonzero(np.diff(g["TIME"].to_numpy()) < 0)[0]) + 1])
                - 1
            )
            raise err("TIME", i, f"non-decreasing within ID {sid} (sort records by ID, TIME)")
        if "WT" in g:
            w = g["WT"].dropna().unique()
            if len(w) > 1:
                raise input_error("WT", list(w), "one body weight per ID", f"{where}, ID {sid}")
            if len(w) == 1:
                weights[sid] = float(w[0])
        regimens[sid] = _records_to_regimen(
            g, sid, weights.get(sid), drug, allow_above_studied, where
        )
    obs = t.loc[t["EVID"] == 0, ["ID", "TIME", "CMT"]].copy()
    obs["DV"] = t.loc[t["EVID"] == 0, "DV"] if "DV" in t else np.nan
    obs["ID"] = obs["ID"].astype(int)
    obs["CMT"] = obs["CMT"].astype(int)
    return NonmemDataset(regimens, weights, obs.reset_index(drop=True))


def _records_to_regimen(
    g: pd.DataFrame,
    sid: int,
    weight: float | None,
    drug: str | None,
    allow: bool,
    where: str,
) -> Regimen:
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
        times = [float(doses.at[k, "TIME"]) + j * float(ii[k]) for j in range(int(addl[k]) + 1)]
        amt, cmt, r = float(doses.at[k, "AMT"]), int(doses.at[k, "CMT"]), float(rate[k])
        for tt in times:
            if cmt == CMT_DEPOT:
                if r != 0:
                    raise input_error("RATE", r, "0 for oral doses into CMT 1", f"{ctx}, TIME {tt}")
                oral.append(OralDose(tt, _r12(amt), bool(food[k])))
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
                segments.append(IVSegment(tt, min(nxt), 0.0))
            else:
                segments.append(IVSegment(tt, _r12(tt + amt / r), _r12(r * 1000.0 / weight)))
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


def regimen_to_nonmem(
    regimen: Regimen, sid: int = 1, weight_kg: float | None = None
) -> pd.DataFrame:
    """Dose records of one regimen as a NONMEM table (AMT mg, RATE mg/h, WT kg).

    >>> from brexsim.dosing import get_preset
    >>> df = regimen_to_nonmem(get_preset("zulresso"), weight_kg=70.0)
    >>> df[["TIME", "AMT", "RATE"]].iloc[0].tolist()
    [0.0, 8.4, 2.1]
    """
    rows = []
    if regimen.segments:
        if weight_kg is None or not (0 < weight_kg <= 500) or not math.isfinite(weight_kg):
            raise input_error(
                "weight_kg", weight_kg, "a body weight in (0, 500] kg for IV regimens"
            )
        for s in regimen.segments:
            rate = _r12(s.rate_ug_per_kg_h * weight_kg / 1000.0)
            rows.append(
                {
                    "ID": sid,
                    "TIME": s.start_h,
                    "AMT": _r12(rate * s.duration_h),
                    "RATE": rate,
                    "EVID": 1,
                    "CMT": CMT_CENTRAL,
                    "FOOD": np.nan,
                }
            )
        last = regimen.segments[-1]
        if last.rate_ug_per_kg_h == 0:
            rows.append(
                {
                    "ID": sid,
                    "TIME": last.end_h,
                    "AMT": 0.0,
                    "RATE": 0.0,
                    "EVID": 2,
                    "CMT": CMT_CENTRAL,
                    "FOOD": np.nan,
                }
            )
    for d in regimen.oral_doses:
        rows.append(
            {
                "ID": sid,
                "TIME": d.time_h,
                "AMT": d.mg,
                "RATE": 0.0,
                "EVID": 1,
                "CMT": CMT_DEPOT,
                "FOOD": int(d.with_food),
            }
        )
    df = pd.DataFrame(rows)
    df["MDV"] = 1
    df["DV"] = 0.0
    df["WT"] = weight_kg if weight_kg is not None else np.nan
    return df


def write_nonmem(
    dataset: NonmemDataset | Mapping[int, Regimen],
    path: str | Path,
    weights_kg: Mapping[int, float] | float | None = None,
) -> Path:
    """Write regimens (and observation records) as a NONMEM CSV file.

    Columns: ``ID,TIME,AMT,RATE,EVID,CMT,MDV,DV,WT`` (+ ``FOOD`` for oral regimens); missing
    values are written as ``.``.

    >>> import tempfile, pathlib
    >>> from brexsim.dosing import get_preset
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "z.csv"
    >>> _ = write_nonmem({1: get_preset("zulresso")}, p, weights_kg=70.0)
    >>> read_nonmem(p).regimens[1].segments == get_preset("zulresso").segments
    True
    """
    if isinstance(dataset, NonmemDataset):
        regimens, weights, obs = dataset.regimens, dict(dataset.weights_kg), dataset.observations
    else:
        regimens, obs = dict(dataset), None
        if isinstance(weights_kg, Mapping):
            weights = dict(weights_kg)
        else:
            weights = {k: weights_kg for k in regimens} if weights_kg is not None else {}
    frames = []
    for sid, reg in regimens.items():
        d = regimen_to_nonmem(reg, sid, weights.get(sid))
        if obs is not None and len(obs):
            o = obs[obs["ID"] == sid]
            if len(o):
                d = pd.concat(
                    [
                        d,
                        pd.DataFrame(
                            {
                                "ID": sid,
                                "TIME": o["TIME"].to_numpy(),
                                "AMT": 0.0,
                                "RATE": 0.0,
                                "EVID": 0,
                                "CMT": o["CMT"].to_numpy(),
                                "FOOD": np.nan,
                                "MDV": 0,
                                "DV": o["DV"].to_numpy(),
                                "WT": weights.get(sid, np.nan),
                            }
                        ),
                    ],
                    ignore_index=True,
                )
        d = d.sort_values(["TIME", "EVID"], ascending=[True, False], kind="stable")
        frames.append(d)
    df = pd.concat(frames, ignore_index=True)
    cols = ["ID", "TIME", "AMT", "RATE", "EVID", "CMT", "MDV", "DV", "WT"]
    if df["FOOD"].notna().any():
        cols.append("FOOD")
    path = Path(path)

    def fmt(x: object) -> str:
        if x is None or (isinstance(x, float) and math.isnan(x)):
            return "."
        if isinstance(x, float | np.floating):
            return f"{float(x):.12g}"
        return str(x)

    lines = [",".join(cols)]
    for rec in df[cols].itertuples(index=False):
        lines.append(",".join(fmt(v) for v in rec))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
