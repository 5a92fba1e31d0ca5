"""Fit outputs: estimates.json, parameter and individual tables, AIC/BIC, η-shrinkage, GOF plots.

* ``estimates.json``: ``ofv``, ``method``, ``converged``, ``message``, ``parameters`` (name →
  ``estimate``, ``se``, ``rse_pct``; ``se`` null where the covariance step failed), ``aic``
  (OFV + 2k), ``bic`` (OFV + k·ln n_obs), k estimated parameters, ``shrinkage_pct`` and the
  warnings. The OFV follows NONMEM (no n·log 2π); AIC/BIC use that OFV.
* η-shrinkage (%): 100·(1 - SD(η̂) / √ω) per η, SD over the n subjects with divisor n
  (NONMEM's ``ETASHRINKSD``; on pheno 47.58 % and 13.58 % as in pheno.lst).
* Individual table: ID, TIME, DV, PRED (η = 0), IPRED (η̂), CWRES (Hooker et al. 2007,
  Pharm Res 24:2187: FOCE linearisation at η̂, C = GΩGᵀ + V, residual y - f(η̂) + Gη̂,
  decorrelated by the Cholesky factor of C), and the EBEs.
* NUTS: :func:`make_nuts_estimates` (posterior medians as estimates, posterior SD as SE).
* VPC of the fitted model (:func:`compute_fit_vpc`): the data's own design (doses, sampling
  times, covariates) simulated ``n`` times by :func:`brexsim.estimation.simulate.simulate_data`
  from the fitted θ, Ω, Σ (FOCE-I/Laplace: the point estimates; NUTS: one posterior draw per
  replicate, so parameter uncertainty enters), then binned and compared by
  :func:`brexsim.analysis.vpc.compute_vpc` (bins ``"auto"``, percentiles 5/50/95 %, 95 %
  intervals; one VPC per observation type, named ``DVID<k>``). A simulated record is BLQ when
  its observed record has an LLOQ and the simulated DV falls below it.

Examples
--------
>>> import numpy as np
>>> [round(x, 6) for x in get_shrinkage_pct(np.array([[0.1], [-0.1]]), np.array([[0.04]]))]
[50.0]
"""

from __future__ import annotations

import math
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd

from brexsim.estimation.model import residual_variance, split_natural

__all__ = [
    "VPC_MIN_REPLICATES",
    "compute_fit_vpc",
    "get_individual_table",
    "get_observed_frame",
    "get_shrinkage_pct",
    "get_vpc_name",
    "make_estimates",
    "make_nuts_estimates",
    "simulate_replicates",
    "write_gof_plots",
]

#: Fewest VPC replicates for the 95 % intervals (:func:`brexsim.analysis.vpc.get_min_replicates`).
VPC_MIN_REPLICATES = 40


def get_shrinkage_pct(etas: np.ndarray, omega: np.ndarray) -> list[float]:
    """η-shrinkage in % per η (see the module docstring)."""
    sd = etas.std(axis=0)
    return [
        float(100.0 * (1.0 - s / math.sqrt(w))) for s, w in zip(sd, np.diag(omega), strict=True)
    ]


def _subject_table(m, x, eta, s, o):  # type: ignore[no-untyped-def]
    theta, omega, sigma = split_natural(m, x)
    pred = m.predict(theta, jnp.zeros_like(eta), s)
    ipred = m.predict(theta, eta, s)
    g = jax.jacfwd(lambda e: m.predict(theta, e, s))(eta) * o.mask[:, None]
    v = jnp.where(o.mask, residual_variance(m, ipred, sigma, s.dvid), 1.0)
    c = g @ omega @ g.T + jnp.diag(v)
    r = jnp.where(o.mask, o.dv - ipred + g @ eta, 0.0)
    cwres = jax.scipy.linalg.solve_triangular(jnp.linalg.cholesky(c), r, lower=True)
    return pred, ipred, cwres


def get_individual_table(fit) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    """The individual table of a fit (one row per observation; see the module docstring)."""
    ev = fit.evaluator
    fn = jax.jit(jax.vmap(lambda e, s, o: _subject_table(fit.model, fit.x, e, s, o)))
    pred, ipred, cwres = (np.asarray(a) for a in fn(jnp.asarray(fit.etas), ev.subjects, ev.obs))
    d = ev.data
    rows = np.nonzero(d.obs_mask)
    out = pd.DataFrame(
        {
            "ID": d.ids[rows[0]],
            "TIME": d.obs_time[rows],
            "DVID": d.dvid[rows],
            "DV": d.dv[rows],
            "BLQ": d.blq[rows].astype(int),
            "PRED": pred[rows],
            "IPRED": ipred[rows],
            "CWRES": np.where(d.blq[rows], np.nan, cwres[rows]),
        }
    )
    for k, name in enumerate(fit.model.etas):
        out[name] = fit.etas[rows[0], k]
    return out


def make_estimates(fit, cov, n_obs: int) -> dict:  # type: ignore[no-untyped-def]
    """The ``estimates.json`` record of a fit and its covariance step."""
    from brexsim.estimation.covariance import get_rse_pct

    k = int(fit.x.size)
    se = cov.se if cov is not None and cov.se is not None else None
    rse = get_rse_pct(fit.estimates, se) if se is not None else [None] * k
    params = {}
    for i, name in enumerate(fit.names):
        params[name] = {
            "estimate": float(fit.estimates[i]),
            "se": None if se is None else float(se[i]),
            "rse_pct": rse[i],
        }
    _, omega, _ = split_natural(fit.model, fit.x)
    warnings = list(fit.warnings) + (list(cov.warnings) if cov is not None else [])
    if not fit.converged:
        warnings.append(f"NotConverged: {fit.message}")
    return {
        "ofv": fit.ofv,
        "ofv_convention": "-2 log L without n*log(2*pi) (NONMEM)",
        "method": fit.method,
        "converged": fit.converged,
        "message": fit.message,
        "covariance": None if cov is None else cov.kind,
        "parameters": params,
        "n_subjects": int(fit.etas.shape[0]),
        "n_obs": n_obs,
        "n_estimated": k,
        "aic": fit.ofv + 2 * k,
        "bic": fit.ofv + k * math.log(n_obs),
        "shrinkage_pct": dict(
            zip(fit.model.etas, get_shrinkage_pct(fit.etas, np.asarray(omega)), strict=True)
        ),
        "starts": fit.starts,
        "warnings": warnings,
        "seconds": fit.seconds,
    }


def write_gof_plots(table: pd.DataFrame, path: Path) -> None:
    """DV vs PRED, DV vs IPRED, CWRES vs TIME and CWRES vs PRED as one PNG."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(9, 8))
    axes = fig.subplots(2, 2)
    q = table[table["BLQ"] == 0]
    for ax, xc, yc in (
        (axes[0, 0], "PRED", "DV"),
        (axes[0, 1], "IPRED", "DV"),
        (axes[1, 0], "TIME", "CWRES"),
        (axes[1, 1], "PRED", "CWRES"),
    ):
        ax.scatter(q[xc], q[yc], s=10, alpha=0.6)
        if yc == "DV":
            lim = [0.0, float(max(q[xc].max(), q[yc].max()) * 1.05)]
            ax.plot(lim, lim, "k--", lw=1)
        else:
            ax.axhline(0.0, color="k", lw=1, ls="--")
        ax.set_xlabel(xc)
        ax.set_ylabel(yc)
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def make_nuts_estimates(nuts, fit, num_chains: int, num_samples: int) -> dict:  # type: ignore[no-untyped-def]
    """The ``estimates.json`` record of a NUTS run (``fit``: its FOCE-I start).

    ``estimate`` is the posterior median, ``se`` the posterior SD; ``converged`` needs no
    divergent transition and every R-hat < 1.01.
    """
    r_hat = max(v["r_hat"] for v in nuts.summary.values())
    converged = bool(nuts.divergences == 0 and r_hat < 1.01)
    warnings = [] if nuts.divergences == 0 else [f"Divergences: {nuts.divergences}"]
    if not converged:
        warnings.append(f"NotConverged: max R-hat {r_hat:.4f} (need < 1.01) or divergences")
    params = {
        k: {
            "estimate": v["median"],
            "se": v["sd"],
            "rse_pct": abs(v["sd"] / v["median"]) * 100 if v["median"] else None,
        }
        for k, v in nuts.summary.items()
    }
    return {
        "ofv": None,
        "method": "nuts",
        "converged": converged,
        "message": f"max R-hat {r_hat:.4f}, {nuts.divergences} divergent transitions",
        "parameters": params,
        "estimate_is": "posterior median; se = posterior SD",
        "n_subjects": int(fit.etas.shape[0]),
        "n_obs": int(fit.evaluator.data.n_obs),
        "divergences": nuts.divergences,
        "max_r_hat": r_hat,
        "prior_sd": nuts.prior_sd,
        "chains": num_chains,
        "samples_per_chain": num_samples,
        "focei_start": {"ofv": fit.ofv, "converged": fit.converged},
        "warnings": warnings,
        "seconds": nuts.seconds,
    }


def get_vpc_name(dvid: int) -> str:
    """The VPC name of observation type ``dvid``: ``DVID<k>``.

    >>> get_vpc_name(1)
    'DVID1'
    """
    return f"DVID{int(dvid)}"


def _one_lloq(names: np.ndarray, lloq: np.ndarray) -> np.ndarray:
    """Each record's LLOQ where its observation type has exactly one, else NaN."""
    out = np.full(lloq.shape, np.nan)
    for n in np.unique(names):
        sel = names == n
        vals = np.unique(lloq[sel][np.isfinite(lloq[sel])])
        if vals.size == 1:
            out[sel] = vals[0]
    return out


def get_observed_frame(data) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    """The observed records as :func:`brexsim.analysis.vpc.compute_vpc` takes them:
    ``time_h, dvid, dv, blq, lloq`` (DV NaN where BLQ)."""
    rows = np.nonzero(data.obs_mask)
    names = np.array([get_vpc_name(k) for k in data.dvid[rows]])
    blq = data.blq[rows].astype(bool)
    return pd.DataFrame(
        {
            "time_h": data.obs_time[rows],
            "dvid": names,
            "dv": np.where(blq, np.nan, data.dv[rows]),
            "blq": blq,
            "lloq": _one_lloq(names, data.lloq[rows].astype(float)),
        }
    )


def simulate_replicates(m, data, xs, seed: int = 0) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    """``len(xs)`` replicate studies of the data's design, replicate ``r`` simulated from the
    unconstrained parameter vector ``xs[r]`` (frame of :func:`get_observed_frame` plus
    ``replicate``); the replicate seeds derive from ``seed``."""
    from brexsim.estimation.simulate import simulate_data

    base = get_observed_frame(data)
    rows = np.nonzero(data.obs_mask)
    lloq = data.lloq[rows].astype(float)
    seeds = np.random.SeedSequence([int(seed), 0x56504]).generate_state(len(xs))
    frames = []
    for r, (x, s) in enumerate(zip(xs, seeds, strict=True)):
        dv = simulate_data(m, data, seed=int(s), x=jnp.asarray(x)).dv[rows]
        blq = np.isfinite(lloq) & (dv < np.where(np.isfinite(lloq), lloq, -np.inf))
        frames.append(base.assign(dv=np.where(blq, np.nan, dv), blq=blq, replicate=r))
    return pd.concat(frames, ignore_index=True)


def compute_fit_vpc(m, data, xs, seed: int = 0, bins: str = "auto", n_bins: int = 8) -> list:  # type: ignore[no-untyped-def]
    """One :class:`~brexsim.analysis.vpc.VPCResult` per observation type of ``data``, from
    replicates simulated at the vectors ``xs`` (:func:`simulate_replicates`)."""
    from brexsim.analysis.vpc import compute_vpc

    obs = get_observed_frame(data)
    sim = simulate_replicates(m, data, xs, seed)
    return [compute_vpc(obs, sim, d, bins, n_bins) for d in sorted(pd.unique(obs["dvid"]))]
