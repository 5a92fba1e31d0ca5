"""The visual predictive check of one observed quantity: :func:`compute_vpc` -> :class:`VPCResult`.

What is computed, per stratum and time bin (:mod:`.binning`):

* the observed percentiles (``pi``, default 5/50/95 %) of DV, BLQ records ranked below every
  quantified value; a percentile whose lower order statistic is BLQ is *below the LLOQ* and
  not drawn (:mod:`.stats`, the ``vpc`` R package's rule);
* for each percentile, the same percentile in every simulated replicate study, and the
  ``(1 - ci)/2``, 50 % and ``(1 + ci)/2`` quantiles of those replicate percentiles (the
  simulated interval and its median; replicate percentiles below the LLOQ rank below
  everything again, so an interval end can itself be below the LLOQ);
* where the quantity has an LLOQ: the fraction of BLQ records, observed, and its interval
  over the replicates (the censored panel);
* with ``pred_corrected``: everything on ``pcDV = lb + (DV - lb)(PRED_bin - lb)/(PRED - lb)``
  (Bergstrand et al. 2011), ``PRED_bin`` the median PRED of the *observed* records of the bin
  (the simulated median where the bin has no observed record), applied to observed and
  simulated records alike. Records with ``PRED <= lb`` (placebo concentrations, pre-dose
  samples: PRED = 0) cannot be corrected and are left out, observed and simulated alike, and
  counted in :attr:`VPCResult.excluded`. BLQ records stay BLQ.

Examples
--------
>>> import pandas as pd
>>> obs = pd.DataFrame({"time_h": [1.0, 1.0, 1.0], "dvid": "conc", "dv": [1.0, 2.0, 3.0],
...                     "blq": False})
>>> sim = pd.concat([obs.assign(replicate=r, dv=obs.dv + r) for r in range(20)])
>>> res = compute_vpc(obs, sim, "conc", ci=0.9)
>>> t = res.to_frame()
>>> t.loc[t.statistic == "p50", ["observed", "sim_low", "sim_high"]].iloc[0].tolist()
[2.0, 2.95, 20.05]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from brexsim.analysis.vpc.binning import assign_bins, get_bin_edges
from brexsim.analysis.vpc.stats import correct_prediction, get_min_replicates
from brexsim.analysis.vpc.table import VPC_COLUMNS, build_vpc_table
from brexsim.errors import input_error

__all__ = ["DEFAULT_PI", "VPC_COLUMNS", "VPCResult", "compute_vpc"]

#: Default percentiles of the check.
DEFAULT_PI = (0.05, 0.5, 0.95)
_ALL = "all"


@dataclass(frozen=True, eq=False)
class VPCResult:
    """A computed VPC (immutable; the frames are handed out as copies).

    Attributes
    ----------
    dvid, unit : the observed quantity and its unit
    pi, ci : percentile levels and the width of the simulated intervals
    pred_corrected : whether values are prediction-corrected (pcDV)
    stratify_by : column the strata come from (None: one stratum ``"all"``)
    edges : bin edges, h
    binning : the binning rule, as a sentence
    lloq : limit of quantification (DV unit) or None
    n_replicates : simulated replicate studies used
    excluded : records left out, by reason (``"observed: outside the bins"``, ...)
    """

    dvid: str
    unit: str
    pi: tuple[float, ...]
    ci: float
    pred_corrected: bool
    stratify_by: str | None
    edges: tuple[float, ...]
    binning: str
    lloq: float | None
    n_replicates: int
    excluded: Mapping[str, int]
    _table: pd.DataFrame = field(repr=False)
    _points: pd.DataFrame = field(repr=False)

    @property
    def strata(self) -> tuple[str, ...]:
        """The strata, in table order."""
        return tuple(dict.fromkeys(self._table["stratum"]))

    def to_frame(self) -> pd.DataFrame:
        """One row per stratum x bin x statistic (columns :data:`VPC_COLUMNS`).

        ``statistic`` is ``p5``, ``p50``, ... (``level`` 0.05, 0.5, ...) or ``blq_fraction``
        (``level`` NaN); value columns are NaN where below the LLOQ (the ``*_below_lloq``
        flags say so) or where a bin has no record; ``observed_inside``: the observed value
        lies within ``[sim_low, sim_high]`` (below-LLOQ values ranking lowest; NA when the bin
        has no observed record).
        """
        return self._table.copy()

    def get_coverage(self) -> pd.DataFrame:
        """Per stratum and statistic: bins with an observed value and an interval
        (``n_bins``), how many of those observed values lie inside (``n_inside``) and the
        fraction; a quick reading of the check, not a test (bins are not independent)."""
        t = self._table[self._table["observed_inside"].notna()]
        g = t.groupby(["stratum", "statistic"], sort=False)["observed_inside"]
        out = g.agg(n_bins="size", n_inside="sum").reset_index()
        out["n_inside"] = out["n_inside"].astype(int)
        out["fraction_inside"] = out["n_inside"] / out["n_bins"]
        return out

    def get_points(self) -> pd.DataFrame:
        """The observed records used: ``stratum, time_h, bin, value, blq`` (pcDV if corrected)."""
        return self._points.copy()


def _check_levels(pi: Sequence[float], ci: float) -> tuple[tuple[float, ...], float]:
    try:
        levels = tuple(float(p) for p in pi)
    except (TypeError, ValueError):
        raise input_error("pi", pi, "percentile levels in (0, 1), e.g. 0.05,0.5,0.95") from None
    if not levels or any(not 0.0 < p < 1.0 for p in levels) or list(levels) != sorted(set(levels)):
        raise input_error("pi", list(pi), "increasing, unique percentile levels in (0, 1)")
    if isinstance(ci, bool) or not isinstance(ci, int | float) or not 0.0 < float(ci) < 1.0:
        raise input_error("ci", ci, "an interval width in (0, 1), e.g. 0.95")
    return levels, float(ci)


def _prepare(
    df: pd.DataFrame, name: str, dvid: str, stratify_by: str | None, extra: Sequence[str]
) -> pd.DataFrame:
    """Rows of ``dvid`` with ``stratum, time_h, dv, blq`` (+ ``extra``), checked."""
    if not isinstance(df, pd.DataFrame):
        raise input_error(name, type(df).__name__, "a pandas DataFrame")
    need = ["time_h", "dvid", "dv", "blq", *extra] + ([stratify_by] if stratify_by else [])
    missing = [c for c in need if c not in df.columns]
    if missing:
        raise input_error(f"{name} columns", missing, f"columns {need} present")
    d = df[df["dvid"] == dvid]
    if d.empty:
        present = sorted(str(x) for x in pd.unique(df["dvid"]))
        raise input_error("dvid", dvid, f"a dvid with {name} records: {present}")
    out = pd.DataFrame(
        {
            "stratum": d[stratify_by].astype(str).to_numpy() if stratify_by else _ALL,
            "time_h": pd.to_numeric(d["time_h"], errors="coerce").to_numpy(dtype=float),
            "dv": pd.to_numeric(d["dv"], errors="coerce").to_numpy(dtype=float),
            "blq": d["blq"].astype(bool).to_numpy(),
        }
    )
    for c in extra:
        out[c] = d[c].to_numpy()
    t = out["time_h"].to_numpy()
    bad = ~(np.isfinite(t) & (t >= 0))
    if bad.any():
        raise input_error(f"{name}.time_h", d["time_h"].iloc[int(np.argmax(bad))], "a time >= 0 h")
    bad = ~out["blq"].to_numpy() & ~np.isfinite(out["dv"].to_numpy())
    if bad.any():
        raise input_error(
            f"{name}.dv", d["dv"].iloc[int(np.argmax(bad))], "a finite value where blq is False"
        )
    out.loc[out["blq"], "dv"] = np.nan
    return out


def _get_single(df: pd.DataFrame, col: str, name: str) -> Any:
    if col not in df.columns:
        return None
    vals = pd.unique(df[col].dropna())
    if len(vals) > 1:
        raise input_error(f"{name}.{col}", sorted(map(str, vals)), "one value per dvid")
    return vals[0] if len(vals) else None


def _drop_uncorrectable(
    d: pd.DataFrame, name: str, lower_bound: float, excluded: dict[str, int]
) -> pd.DataFrame:
    """Rows whose PRED exceeds the lower bound (the others counted in ``excluded``)."""
    pred = pd.to_numeric(d["pred"], errors="coerce").to_numpy(dtype=float)
    ok = pred > lower_bound
    excluded[f"{name}: PRED <= {lower_bound:g} (not correctable)"] = int((~ok).sum())
    return d[ok].assign(pred=pred[ok]).reset_index(drop=True)


def _correct(
    obs: pd.DataFrame, sim: pd.DataFrame, lower_bound: float
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """pcDV of both frames, PRED_bin from the observed records (simulated where none)."""
    key = ["stratum", "bin"]
    pb = obs.groupby(key)["pred"].median().combine_first(sim.groupby(key)["pred"].median())
    out = []
    for d in (obs, sim):
        ref = pb.reindex(pd.MultiIndex.from_frame(d[key])).to_numpy()
        dv = correct_prediction(d["dv"].to_numpy(), d["pred"].to_numpy(), ref, lower_bound)
        out.append(d.assign(dv=np.where(d["blq"], np.nan, dv)))
    return out[0], out[1]


def compute_vpc(
    observed: pd.DataFrame,
    simulated: pd.DataFrame,
    dvid: str,
    bins: str | Sequence[float] = "auto",
    n_bins: int = 8,
    pi: Sequence[float] = DEFAULT_PI,
    ci: float = 0.95,
    pred_corrected: bool = False,
    stratify_by: str | None = None,
    lower_bound: float = 0.0,
) -> VPCResult:
    """The VPC of ``dvid``: observed percentiles per time bin against simulated intervals.

    Parameters
    ----------
    observed : DataFrame
        ``time_h`` (h), ``dvid``, ``dv`` (NaN allowed only where ``blq``), ``blq`` and, for
        ``pred_corrected``, ``pred``; optional ``unit``, ``lloq``.
    simulated : DataFrame
        The same columns and ``replicate`` (the frame of
        :func:`brexsim.trial.observe.simulate_observations`).
    dvid : str
        The observed quantity (``conc``, ``hamd``, ``tnf``, ``il6``, ``bdnf``).
    bins, n_bins : binning rule or edges (h), see :mod:`brexsim.analysis.vpc.binning`
    pi : percentile levels (default 0.05, 0.5, 0.95)
    ci : width of the simulated interval of each percentile (default 0.95: the 2.5 and 97.5 %
        quantiles of the replicate percentiles); needs ``ceil(2/(1 - ci))`` replicates
    pred_corrected : prediction-corrected VPC (see the module docstring)
    stratify_by : a column of both frames (e.g. ``"arm"``): one VPC per value
    lower_bound : ``lb`` of the prediction correction (DV unit; default 0)

    Returns
    -------
    VPCResult
    """
    levels, ci = _check_levels(pi, ci)
    if stratify_by is not None and not isinstance(stratify_by, str):
        raise input_error("stratify_by", stratify_by, "a column name or None")
    extra = ["pred"] if pred_corrected else []
    obs = _prepare(observed, "observed", dvid, stratify_by, extra)
    sim = _prepare(simulated, "simulated", dvid, stratify_by, [*extra, "replicate"])
    n_rep = int(sim["replicate"].nunique())
    need = get_min_replicates(ci)
    if n_rep < need:
        raise input_error(
            "replicates", n_rep, f">= {need} simulated replicates for a {ci:g} interval"
        )
    excluded: dict[str, int] = {}
    if pred_corrected:
        obs = _drop_uncorrectable(obs, "observed", float(lower_bound), excluded)
        sim = _drop_uncorrectable(sim, "simulated", float(lower_bound), excluded)
        if obs.empty:
            raise input_error(
                "pred_corrected",
                True,
                f"observed {dvid} records with PRED > {lower_bound:g} (every PRED is <= it: "
                "a placebo concentration? use a VPC without prediction correction)",
            )
    strata = sorted(pd.unique(obs["stratum"]))
    unknown = [s for s in strata if s not in set(sim["stratum"])]
    if unknown:
        raise input_error(
            f"observed.{stratify_by}",
            unknown[0],
            f"a stratum of the simulated data: {sorted(pd.unique(sim['stratum']))}",
        )
    sim_d = simulated[simulated["dvid"] == dvid]
    obs_d = observed[observed["dvid"] == dvid]
    units = [
        str(u)
        for u in (_get_single(sim_d, "unit", "simulated"), _get_single(obs_d, "unit", "observed"))
        if u is not None and str(u) != ""
    ]
    if len(set(units)) > 1:
        raise input_error("observed.unit", units[1], f"the simulated unit {units[0]!r}")
    lloqs = [
        float(v)
        for v in (_get_single(sim_d, "lloq", "simulated"), _get_single(obs_d, "lloq", "observed"))
        if v is not None and np.isfinite(float(v))
    ]
    lloq = lloqs[0] if lloqs else None
    in_strata = sim["stratum"].isin(strata).to_numpy()
    excluded["simulated: strata not observed"] = int((~in_strata).sum())
    sim = sim[in_strata]
    edges, rule = get_bin_edges(obs["time_h"].to_numpy(), bins, n_bins)
    binned = []
    for name, d in (("observed", obs), ("simulated", sim)):
        b = assign_bins(d["time_h"].to_numpy(), edges)
        excluded[f"{name}: outside the bins"] = int((b < 0).sum())
        binned.append(d.assign(bin=b)[b >= 0].reset_index(drop=True))
    obs, sim = binned
    if pred_corrected:
        obs, sim = _correct(obs, sim, float(lower_bound))
    table = build_vpc_table(obs, sim, strata, edges, levels, ci, n_rep, lloq, dvid)
    points = obs[["stratum", "time_h", "bin", "dv", "blq"]].rename(columns={"dv": "value"})
    return VPCResult(
        dvid=dvid,
        unit=str(units[0]) if units else "",
        pi=levels,
        ci=ci,
        pred_corrected=bool(pred_corrected),
        stratify_by=stratify_by,
        edges=edges,
        binning=rule,
        lloq=lloq,
        n_replicates=n_rep,
        excluded=dict(excluded),
        _table=table,
        _points=points.reset_index(drop=True),
    )
