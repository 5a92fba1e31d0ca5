"""Normalised prediction distribution errors (NPDE; Brendel et al. 2006 Pharm Res 23:2036,
Comets et al. 2008 Comput Methods Programs Biomed 90:154), simulation-based and seeded.

For subject i with observations y_i, ``n_samples`` replicate vectors
y_i^(k) are simulated from the fitted model (η ~ N(0, Ω), ε ~ N(0, V), the subject's own design
and covariates; :func:`brexsim.estimation.simulate.simulate_data`'s model). With E_i and C_i
the mean and covariance of the simulated vectors (divisor K - 1) and L_i the Cholesky factor of
C_i, the observation and every replicate are decorrelated, y* = L_i⁻¹ (y - E_i); then
pde_ij = (1/K) Σ_k 1[y*_ij^(k) < y*_ij], set to 1/K where it is 0 and 1 - 1/K where it is 1
(Comets 2008), and npde_ij = Φ⁻¹(pde_ij). Under the model the NPDE are N(0, 1) and independent
within a subject.

BLQ records (``blq="cdf"``, the default; Nguyen, Comets & Mentré 2012 J Pharmacokinet Pharmacodyn
39:499; the ``cdf`` method of the R package npde, ``npde.cens.method``): the observation is
censored, so its prediction discrepancy is drawn uniformly on (0, p_LOQ], p_LOQ = P(y < LLOQ) under
the model (the fraction of replicates below the record's LLOQ, at least 1/K); the record is then
imputed as that quantile of its simulated values. Every replicate value below its record's LLOQ is
imputed the same way, so the observation stays exchangeable with its replicates, and the completed
vectors are decorrelated as above. A censored record then has an NPDE like any other, and under the
model they stay N(0, 1), whereas leaving the BLQ records out keeps only the high values where the
model predicts many BLQ (NPDE biased upwards). ``blq="omit"``: BLQ records get NaN and are left out
of the decorrelation (the earlier behaviour). The draws are seeded (``seed``).

Examples
--------
>>> from brexsim.estimation.models import load_model
>>> from brexsim.estimation.simulate import make_infusion_design, simulate_data
>>> from brexsim.estimation.model import get_initial_vector
>>> m = load_model("brexanolone_pk")
>>> d = simulate_data(m, make_infusion_design(20, seed=1), seed=2)
>>> z = compute_npde(m, d, get_initial_vector(m), n_samples=500, seed=3)
>>> z.shape == (d.n_obs,), bool(abs(z.mean()) < 0.2 and 0.7 < z.var() < 1.3)
(True, True)
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from scipy.special import ndtri

from brexsim.errors import input_error
from brexsim.estimation.data import EstimationData
from brexsim.estimation.model import NLMEModel, residual_variance, split_natural

__all__ = ["NPDE_MIN_SAMPLES", "compute_npde"]

#: Fewest replicates per subject (the pde resolution is 1/K).
NPDE_MIN_SAMPLES = 100


def compute_npde(
    m: NLMEModel,
    data: EstimationData,
    x,  # type: ignore[no-untyped-def]
    n_samples: int = 1000,
    seed: int = 0,
    blq: str = "cdf",
) -> np.ndarray:
    """NPDE of every observation record (the order of the individual table: subjects, then
    records) under ``m`` at the unconstrained parameters ``x``; BLQ records as ``blq`` says.

    Parameters
    ----------
    m, data : NLMEModel, EstimationData
        The model and the observed data (their design is simulated).
    x : array
        Free unconstrained parameters (a fit's ``x``).
    n_samples : int
        Replicates per subject K (>= :data:`NPDE_MIN_SAMPLES`).
    seed : int
        Seed of the simulation (and of the BLQ records' draws).
    blq : str
        ``"cdf"`` (default: censored records drawn on (0, P(y < LLOQ)] and imputed; module
        docstring) or ``"omit"`` (NaN for BLQ records).

    Returns
    -------
    np.ndarray
        (n_obs,) NPDE, dimensionless.
    """
    if isinstance(n_samples, bool) or int(n_samples) != n_samples or n_samples < NPDE_MIN_SAMPLES:
        raise input_error("npde samples", n_samples, f"an integer >= {NPDE_MIN_SAMPLES}")
    if blq not in ("cdf", "omit"):
        raise input_error("blq", blq, "'cdf' (censored NPDE, default) or 'omit'")
    k = int(n_samples)
    theta, omega, sigma = split_natural(m, jnp.asarray(x))
    subj = data.get_subjects(m.covariates)
    rng = np.random.default_rng([int(seed), 7])
    n, q = data.n_subjects, len(m.etas)
    eta = rng.multivariate_normal(np.zeros(q), np.asarray(omega), size=(k, n))
    one = jax.vmap(lambda e, s: m.predict(theta, e, s))
    f = np.asarray(jax.jit(jax.vmap(lambda e: one(e, subj)))(jnp.asarray(eta)))  # (K, N, J)
    v = np.asarray(residual_variance(m, jnp.asarray(f), sigma, subj.dvid))
    ysim = f + np.sqrt(v) * rng.standard_normal(f.shape)
    draw = np.random.default_rng([int(seed), 11])  # the BLQ records' discrepancies
    out = []
    for i in range(n):
        rows = np.flatnonzero(data.obs_mask[i])
        cens = data.blq[i, rows]
        use = ~cens if blq == "omit" else np.ones(rows.size, bool)
        z = np.full(rows.size, np.nan)
        if use.any():
            cols = rows[use]
            ys, yo = ysim[:, i, cols].copy(), data.dv[i, cols].copy()
            if blq == "cdf":
                _impute_censored(ys, yo, cens[use], data.lloq[i, cols], draw, data.ids[i])
            mu = ys.mean(axis=0)
            chol = np.linalg.cholesky(np.atleast_2d(np.cov(ys, rowvar=False)))
            dec = np.linalg.solve(chol, (ys - mu).T).T
            obs = np.linalg.solve(chol, yo - mu)
            pde = (dec < obs).mean(axis=0)
            z[use] = ndtri(np.clip(pde, 1.0 / k, 1.0 - 1.0 / k))
        out.append(z)
    return np.concatenate(out)


def _impute_censored(ys, yo, cens, lloq, draw, sid) -> None:  # type: ignore[no-untyped-def]
    """In place: every value below its record's LLOQ, in the replicates ``ys`` (K, J) and the
    observation ``yo`` (J,) where censored, is replaced by a draw from the model's predictive
    distribution below the LLOQ (the quantile at U(0, p_LOQ], p_LOQ the fraction of replicates
    below; Nguyen et al. 2012). Observation and replicates are treated alike, so that under the
    model the observation stays exchangeable with them and the NPDE stay N(0, 1)."""
    k = ys.shape[0]
    for c in range(ys.shape[1]):
        limit = float(lloq[c])
        if not np.isfinite(limit):
            if cens[c]:
                why = "a number on every BLQ record for the censored NPDE, or blq='omit'"
                raise input_error("LLOQ", limit, why, f"ID {sid:g}")
            continue
        orig = ys[:, c].copy()
        below = orig < limit
        p_loq = max(float(below.mean()), 1.0 / k)
        if below.any():
            ys[below, c] = np.quantile(orig, draw.uniform(0.0, p_loq, int(below.sum())))
        if cens[c]:
            yo[c] = np.quantile(orig, draw.uniform(0.0, p_loq))
