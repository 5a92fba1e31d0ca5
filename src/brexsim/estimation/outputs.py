"""Fit outputs: estimates.json, parameter and individual tables, AIC/BIC, η-shrinkage, GOF plots.

* ``estimates.json``: ``ofv``, ``method``, ``converged``, ``message``, ``parameters`` (name →
  ``estimate``, ``se``, ``rse_pct``; ``se`` null where the covariance step failed), ``aic``
  (OFV + 2k), ``bic`` (OFV + k·ln n_obs), k estimated parameters, ``shrinkage_pct`` and the
  warnings. The OFV follows NONMEM (no n·log 2π); AIC/BIC use that OFV.
* η-shrinkage (%): 100·(1 - SD(η̂) / √ω) per η (SD with n - 1).
* Individual table: ID, TIME, DV, PRED (η = 0), IPRED (η̂), CWRES (Hooker et al. 2007,
  Pharm Res 24:2187: FOCE linearisation at η̂, C = GΩGᵀ + V, residual y - f(η̂) + Gη̂,
  decorrelated by the Cholesky factor of C), and the EBEs.

Examples
--------
>>> import numpy as np
>>> [round(x, 6) for x in get_shrinkage_pct(np.array([[0.1], [-0.1]]), np.array([[0.04]]))]
[29.289322]
"""

from __future__ import annotations

import math
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd

from brexsim.estimation.model import residual_variance, split_natural

__all__ = ["get_individual_table", "get_shrinkage_pct", "make_estimates", "write_gof_plots"]


def get_shrinkage_pct(etas: np.ndarray, omega: np.ndarray) -> list[float]:
    """η-shrinkage in % per η (see the module docstring)."""
    sd = etas.std(axis=0, ddof=1) if etas.shape[0] > 1 else np.zeros(etas.shape[1])
    return [
        float(100.0 * (1.0 - s / math.sqrt(w))) for s, w in zip(sd, np.diag(omega), strict=True)
    ]


def _subject_table(m, x, eta, s, o):  # type: ignore[no-untyped-def]
    theta, omega, sigma = split_natural(m, x)
    pred = m.predict(theta, jnp.zeros_like(eta), s)
    ipred = m.predict(theta, eta, s)
    g = jax.jacfwd(lambda e: m.predict(theta, e, s))(eta) * o.mask[:, None]
    v = jnp.where(o.mask, residual_variance(m, ipred, sigma), 1.0)
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
