"""The tidy table of a VPC: observed percentiles, replicate intervals, BLQ fractions per bin.

Used by :func:`brexsim.analysis.vpc.core.compute_vpc`; the rules are stated there and in
:mod:`brexsim.analysis.vpc.stats`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from brexsim.analysis.vpc.stats import get_group_percentiles

__all__ = ["VPC_COLUMNS", "build_vpc_table"]

#: Columns of :meth:`VPCResult.to_frame` (and ``vpc.csv``).
VPC_COLUMNS = (
    "dvid",
    "stratum",
    "bin",
    "bin_low_h",
    "bin_high_h",
    "time_h",
    "n_obs",
    "n_obs_blq",
    "n_sim_per_replicate",
    "statistic",
    "level",
    "observed",
    "sim_low",
    "sim_median",
    "sim_high",
    "observed_below_lloq",
    "sim_low_below_lloq",
    "sim_median_below_lloq",
    "sim_high_below_lloq",
    "observed_inside",
)


def _coded(d: pd.DataFrame) -> np.ndarray:
    return np.where(d["blq"].to_numpy(), -np.inf, d["dv"].to_numpy(dtype=float))


def _as_values(q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    below = np.isneginf(q)
    return np.where(below, np.nan, q), below


def build_vpc_table(
    obs: pd.DataFrame,
    sim: pd.DataFrame,
    strata: list[str],
    edges: tuple[float, ...],
    levels: tuple[float, ...],
    ci: float,
    n_rep: int,
    lloq: float | None,
    dvid: str,
) -> pd.DataFrame:
    """The tidy VPC table (:data:`VPC_COLUMNS`) of binned, checked records.

    ``obs``/``sim`` have ``stratum, bin, time_h, dv, blq`` (``sim`` also ``replicate``); every
    record lies in a bin and a stratum of ``strata``.
    """
    nb = len(edges) - 1
    ns, npi = len(strata), len(levels)
    code = {s: i for i, s in enumerate(strata)}
    okey = obs["stratum"].map(code).to_numpy() * nb + obs["bin"].to_numpy()
    skey = sim["stratum"].map(code).to_numpy() * nb + sim["bin"].to_numpy()
    rep_codes, rep = np.unique(sim["replicate"].to_numpy(), return_inverse=True)
    g = ns * nb
    obs_q = np.full((g, npi), np.nan)
    k, q, _ = get_group_percentiles(okey, _coded(obs), levels)
    obs_q[k] = q
    # each replicate's percentiles (NaN: no record of that replicate in the bin)
    rep_q = np.full((g, len(rep_codes), npi), np.nan)
    k, q, _ = get_group_percentiles(skey * len(rep_codes) + rep, _coded(sim), levels)
    rep_q[k // len(rep_codes), k % len(rep_codes)] = q
    ends = ((1.0 - ci) / 2.0, 0.5, (1.0 + ci) / 2.0)
    sim_q = np.full((g, npi, 3), np.nan)
    flat = np.transpose(rep_q, (0, 2, 1)).reshape(g * npi, len(rep_codes))
    k, q, _ = get_group_percentiles(
        np.repeat(np.arange(g * npi), len(rep_codes)), flat.ravel(), ends
    )
    sim_q.reshape(g * npi, 3)[k] = q
    n_obs = np.bincount(okey, minlength=g)
    n_blq = np.bincount(okey, weights=obs["blq"].to_numpy(dtype=float), minlength=g)
    n_sim = np.bincount(skey, minlength=g) / n_rep
    t_obs = np.bincount(okey, weights=obs["time_h"].to_numpy(), minlength=g)
    t_sim = np.bincount(skey, weights=sim["time_h"].to_numpy(), minlength=g)
    e = np.asarray(edges)
    with np.errstate(invalid="ignore", divide="ignore"):
        mid = np.where(
            n_obs > 0,
            t_obs / n_obs,
            np.where(n_sim > 0, t_sim / (n_sim * n_rep), np.tile((e[:-1] + e[1:]) / 2, ns)),
        )
    has_blq = lloq is not None or bool(obs["blq"].any()) or bool(sim["blq"].any())
    if has_blq:
        frac_obs = np.where(n_obs > 0, n_blq / np.maximum(n_obs, 1), np.nan)
        rk = skey * len(rep_codes) + rep
        cnt = np.bincount(rk, minlength=g * len(rep_codes)).astype(float)
        nbq = np.bincount(rk, weights=sim["blq"].to_numpy(dtype=float), minlength=cnt.size)
        with np.errstate(invalid="ignore", divide="ignore"):
            frac_rep = np.where(cnt > 0, nbq / cnt, np.nan)
        k, fq, _ = get_group_percentiles(np.repeat(np.arange(g), len(rep_codes)), frac_rep, ends)
        frac_sim = np.full((g, 3), np.nan)
        frac_sim[k] = fq
    rows: list[dict[str, Any]] = []
    for gi in range(g):
        s, b = strata[gi // nb], gi % nb
        base = {
            "dvid": dvid,
            "stratum": s,
            "bin": b,
            "bin_low_h": e[b],
            "bin_high_h": e[b + 1],
            "time_h": float(mid[gi]),
            "n_obs": int(n_obs[gi]),
            "n_obs_blq": int(n_blq[gi]),
            "n_sim_per_replicate": float(n_sim[gi]),
        }
        stats = [(f"p{lv * 100:g}", lv, obs_q[gi, j], sim_q[gi, j]) for j, lv in enumerate(levels)]
        if has_blq:
            stats.append(("blq_fraction", np.nan, frac_obs[gi], frac_sim[gi]))
        for name, lv, o, sq in stats:
            ov, ob = _as_values(np.array([o]))
            sv, sb = _as_values(np.asarray(sq))
            known = not (np.isnan(o) or np.isnan(sq[0]) or np.isnan(sq[2]))
            inside = bool(sq[0] <= o <= sq[2]) if known else pd.NA
            rows.append(
                {
                    **base,
                    "statistic": name,
                    "level": lv,
                    "observed": ov[0],
                    "sim_low": sv[0],
                    "sim_median": sv[1],
                    "sim_high": sv[2],
                    "observed_below_lloq": bool(ob[0]),
                    "sim_low_below_lloq": bool(sb[0]),
                    "sim_median_below_lloq": bool(sb[1]),
                    "sim_high_below_lloq": bool(sb[2]),
                    "observed_inside": inside,
                }
            )
    out = pd.DataFrame(rows, columns=list(VPC_COLUMNS))
    out["observed_inside"] = out["observed_inside"].astype("boolean")
    return out
