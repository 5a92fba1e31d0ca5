"""NONMEM-format event tables, read and written with an exact round trip.

Columns and units
-----------------
Required: ``ID, TIME, AMT, EVID, CMT``. Optional: ``RATE, MDV, DV, ADDL, II, SS, WT`` and the
brexsim extension ``FOOD`` (1 = oral dose taken with food, the default; 0 = fasted).
Observation columns ``DVID`` (observation type, integer >= 0), ``LLOQ`` (limit of
quantification, DV unit) and ``BLQ`` (1 = below it) are carried in
:attr:`NonmemDataset.observations`. Every other column is a covariate (``AGE``, ``SEX``, ...):
numbers (or missing), one value per ID, carried in :attr:`NonmemDataset.covariates`.

* ``TIME`` h from the first dose; ``AMT`` mg; ``RATE`` mg/h; ``WT`` kg; ``II`` h.
* ``WT``: one body weight per ID in :data:`brexsim.dosing.weights.WEIGHT_RANGE_KG`.
* Compartments: ``CMT 1`` = oral depot (zuranolone doses), ``CMT 2`` = central (IV infusions
  and plasma observations), ``CMT 3`` = peripheral.
* ``EVID``: 0 observation, 1 dose, 2 other event (marks the end of a zero-rate infusion frame).
  EVID 3/4 (resets), ``SS`` != 0, ``RATE`` -1/-2 (modelled rate/duration) and IV boluses are
  rejected as not supported.
* IV records need ``WT`` (rates are converted to µg/kg/h). A record with ``AMT 0, RATE 0`` into
  CMT 2 is a zero-rate (placebo or paused) infusion that lasts until the next IV record of the
  subject or an EVID 2 record.
* ``ADDL``/``II`` doses expand to the same regimen as explicit records.

Numbers are written with 12 significant digits where these hold the value exactly, else with
the shortest text that reads back as the same float (``repr``), and are read as written. Only
the reader's unit conversions (mg/h -> µg/kg/h with ``WT``, the end of an infusion
``TIME + AMT / RATE``, ``ADDL`` dose times) are rounded to 12 significant digits; the few-ulp
error of the writer's inverse conversion is far below that rounding, so
``read_nonmem(write_nonmem(ds)) == ds`` exactly, for a file's own records too (a 12-digit
``RATE`` of the file would not do: 23 mg/h at 153 kg is 150.326797386 µg/kg/h, which is
23.000000000058 mg/h). A zero-rate IV segment that the next segment does not start at once
(or the last one) is closed by an EVID 2 record at its end.
A binary or non-UTF-8 file, a duplicate column name and a non-numeric value are clear errors.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from brexsim.dosing._nonmem_table import (
    KNOWN,
    OBSERVATION_COLUMNS,
    REQUIRED,
    check_records,
    format_number,
    get_subject_values,
    read_table,
    records_to_regimen,
    to_numbers,
)
from brexsim.dosing.regimen import Regimen
from brexsim.dosing.weights import check_weight_kg
from brexsim.errors import BrexsimInputError, input_error

__all__ = [
    "CMT_CENTRAL",
    "CMT_DEPOT",
    "OBSERVATION_COLUMNS",
    "NonmemDataset",
    "read_nonmem",
    "regimen_to_nonmem",
    "write_nonmem",
]

CMT_DEPOT = 1
CMT_CENTRAL = 2
CMT_PERIPHERAL = 3


def _frame_equal(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    a, b = a.reset_index(drop=True), b.reset_index(drop=True)
    return (
        list(a.columns) == list(b.columns)
        and a.shape == b.shape
        and bool(np.array_equal(a.to_numpy(dtype=float), b.to_numpy(dtype=float), equal_nan=True))
    )


def _given_covariates(cov: pd.DataFrame) -> pd.DataFrame:
    """Covariate rows with at least one value, sorted by ID (the canonical form)."""
    if cov is None or len(cov.columns) <= 1:
        return pd.DataFrame(columns=["ID"])
    values = cov.drop(columns="ID")
    return cov[values.notna().any(axis=1)].sort_values("ID", kind="stable")


@dataclass(frozen=True)
class NonmemDataset:
    """Regimens (one per ID), body weights, observation records and covariates.

    Attributes
    ----------
    regimens : dict
        ``{ID: Regimen}``.
    weights_kg : dict
        ``{ID: weight}`` from ``WT``; needed for IV regimens.
    observations : DataFrame
        Columns ``ID, TIME, CMT, DV`` of the EVID 0 records (may be empty), then those of
        :data:`OBSERVATION_COLUMNS` (``DVID, LLOQ, BLQ``) present in the file.
    covariates : DataFrame
        One row per ID: ``ID`` and each covariate column of the file (``AGE``, ``SEX``, ...;
        ``nan`` where an ID has no value). Only ``ID`` when the file has none.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "d.csv"
    >>> rows = ["ID,TIME,AMT,EVID,CMT,DV,AGE,SEX", "1,0,30,1,1,.,31,1", "1,6,0,0,2,12.5,31,1"]
    >>> _ = p.write_text("\\n".join(rows) + "\\n")
    >>> ds = read_nonmem(p)
    >>> ds.covariates.to_dict(orient="records")
    [{'ID': 1, 'AGE': 31.0, 'SEX': 1.0}]
    """

    regimens: dict[int, Regimen]
    weights_kg: dict[int, float] = field(default_factory=dict)
    observations: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=["ID", "TIME", "CMT", "DV"])
    )
    covariates: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["ID"]))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, NonmemDataset):
            return NotImplemented
        return (
            self.regimens == other.regimens
            and self.weights_kg == other.weights_kg
            and _frame_equal(self.observations, other.observations)
            and _frame_equal(
                _given_covariates(self.covariates), _given_covariates(other.covariates)
            )
        )

    __hash__ = None  # type: ignore[assignment]


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
    df = read_table(path)
    missing = [c for c in REQUIRED if c not in df.columns]
    if missing:
        raise input_error("columns", missing, f"required columns {list(REQUIRED)} present", where)
    num = {c: to_numbers(df, c, where, allow_missing=False) for c in REQUIRED}
    extra = [c for c in df.columns if c not in REQUIRED]
    for c in extra:
        num[c] = to_numbers(df, c, where, allow_missing=True)
    t = pd.DataFrame(num)
    t["_row"] = np.arange(1, len(t) + 1)
    check_records(t, df, where)

    def err(col: str, i: int, allowed: str) -> BrexsimInputError:
        return input_error(col, df[col].iloc[i], allowed, f"{where}, record {i + 1}")

    covariate_cols = [c for c in extra if c not in KNOWN]
    regimens: dict[int, Regimen] = {}
    weights: dict[int, float] = {}
    cov_rows = []
    for sid, g in t.groupby("ID", sort=False):
        sid = int(sid)
        if (np.diff(g["TIME"].to_numpy()) < 0).any():
            i = (
                int(g["_row"].iloc[int(np.flatnonzero(np.diff(g["TIME"].to_numpy()) < 0)[0]) + 1])
                - 1
            )
            raise err("TIME", i, f"non-decreasing within ID {sid} (sort records by ID, TIME)")
        if "WT" in g:
            w = get_subject_values(g, "WT", sid, where, "body weight")
            if not math.isnan(w):
                weights[sid] = w
        cov_rows.append(
            {"ID": sid, **{c: get_subject_values(g, c, sid, where) for c in covariate_cols}}
        )
        regimens[sid] = records_to_regimen(
            g, sid, weights.get(sid), drug, allow_above_studied, where
        )
    is_obs = t["EVID"] == 0
    obs = t.loc[is_obs, ["ID", "TIME", "CMT"]].copy()
    obs["DV"] = t.loc[is_obs, "DV"] if "DV" in t else np.nan
    for c in OBSERVATION_COLUMNS:
        if c in t:
            obs[c] = t.loc[is_obs, c]
    first = {sid: k for k, sid in enumerate(regimens)}  # IDs in order of first appearance
    obs = obs.iloc[np.argsort(obs["ID"].map(first).to_numpy(), kind="stable")]
    obs["ID"] = obs["ID"].astype(int)
    obs["CMT"] = obs["CMT"].astype(int)
    cov = pd.DataFrame(cov_rows, columns=["ID", *covariate_cols])
    cov["ID"] = cov["ID"].astype(int)
    return NonmemDataset(regimens, weights, obs.reset_index(drop=True), cov)


def regimen_to_nonmem(
    regimen: Regimen, sid: int = 1, weight_kg: float | None = None
) -> pd.DataFrame:
    """Dose records of one regimen as a NONMEM table (AMT mg, RATE mg/h, WT kg).

    IV rates are ``rate_ug_per_kg_h * WT / 1000`` and amounts ``RATE * duration``, unrounded;
    an EVID 2 record ends each zero-rate segment that no segment follows at once.

    >>> from brexsim.dosing import get_preset
    >>> df = regimen_to_nonmem(get_preset("zulresso"), weight_kg=70.0)
    >>> df[["TIME", "AMT", "RATE"]].iloc[0].tolist()
    [0.0, 8.4, 2.1]
    """
    rows = []
    if regimen.segments:
        if weight_kg is None:
            raise input_error("weight_kg", None, "a body weight (kg) for IV regimens")
        weight_kg = check_weight_kg(weight_kg, "weight_kg")
        starts = [s.start_h for s in regimen.segments[1:]] + [math.inf]
        for s, next_start in zip(regimen.segments, starts, strict=True):
            rate = s.rate_ug_per_kg_h * weight_kg / 1000.0
            rows.append(
                {
                    "ID": sid,
                    "TIME": s.start_h,
                    "AMT": rate * s.duration_h,
                    "RATE": rate,
                    "EVID": 1,
                    "CMT": CMT_CENTRAL,
                    "FOOD": np.nan,
                }
            )
            if s.rate_ug_per_kg_h == 0 and next_start > s.end_h:  # the reader's end mark
                rows.append(
                    {
                        "ID": sid,
                        "TIME": s.end_h,
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
    """Write regimens (and observation records and covariates) as a NONMEM CSV file.

    Columns: ``ID,TIME,AMT,RATE,EVID,CMT,MDV,DV,WT`` (+ ``FOOD`` for oral regimens, then the
    observation columns ``DVID, LLOQ, BLQ`` and the covariates the dataset has, a covariate
    repeated on every record of its ID); missing values are written as ``.``, numbers as
    :func:`~brexsim.dosing._nonmem_table.format_number` writes them (exact). The file is
    written atomically.

    >>> import tempfile, pathlib
    >>> from brexsim.dosing import get_preset
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "z.csv"
    >>> _ = write_nonmem({1: get_preset("zulresso")}, p, weights_kg=70.0)
    >>> read_nonmem(p).regimens[1].segments == get_preset("zulresso").segments
    True
    """
    from brexsim.io.outputs import write_text

    cov = pd.DataFrame(columns=["ID"])
    if isinstance(dataset, NonmemDataset):
        regimens, weights, obs = dataset.regimens, dict(dataset.weights_kg), dataset.observations
        cov = dataset.covariates if dataset.covariates is not None else cov
    else:
        regimens, obs = dict(dataset), None
        if isinstance(weights_kg, Mapping):
            weights = dict(weights_kg)
        else:
            weights = {k: weights_kg for k in regimens} if weights_kg is not None else {}
    obs_cols = [c for c in OBSERVATION_COLUMNS if obs is not None and c in obs.columns]
    cov_cols = [c for c in cov.columns if c != "ID"]
    cov_of = {int(r["ID"]): r for _, r in cov.iterrows()}
    frames = []
    for sid, reg in regimens.items():
        d = regimen_to_nonmem(reg, sid, weights.get(sid))
        for c in obs_cols:
            d[c] = np.nan
        if obs is not None and len(obs):
            o = obs[obs["ID"] == sid]
            if len(o):
                rec = {
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
                rec.update({c: o[c].to_numpy(dtype=float) for c in obs_cols})
                d = pd.concat([d, pd.DataFrame(rec)], ignore_index=True)
        for c in cov_cols:
            d[c] = float(cov_of[sid][c]) if sid in cov_of else np.nan
        d = d.sort_values(["TIME", "EVID"], ascending=[True, False], kind="stable")
        frames.append(d)
    df = pd.concat(frames, ignore_index=True)
    cols = ["ID", "TIME", "AMT", "RATE", "EVID", "CMT", "MDV", "DV", "WT"]
    if df["FOOD"].notna().any():
        cols.append("FOOD")
    cols += obs_cols + cov_cols

    def fmt(x: object) -> str:
        if x is None or (isinstance(x, float) and math.isnan(x)):
            return "."
        if isinstance(x, float | np.floating):
            return format_number(float(x))
        return str(x)

    lines = [",".join(cols)]
    for rec in df[cols].itertuples(index=False):
        lines.append(",".join(fmt(v) for v in rec))
    return write_text(Path(path), "\n".join(lines) + "\n")
