"""Normalised prediction distribution errors (NPDE; Brendel et al. 2006 Pharm Res 23:2036,
Comets et al. 2008 Comput Methods Programs Biomed 90:154), simulation-based and seeded.

For subject i with observations y_i (BLQ records left out), ``n_samples`` replicate vectors
y_i^(k) are simulated from the fitted model (η ~ N(0, Ω), ε ~ N(0, V), the subject's own design
and covariates; :func:`brexsim.estimation.simulate.simulate_data`'s model). With E_i and C_i
the mean and covariance of the simulated vectors (divisor K - 1) and L_i the Cholesky factor of
C_i, the observation and every replicate are decorrelated, y* = L_i⁻¹ (y - E_i); then
pde_ij = (1/K) Σ_k 1[y*_ij^(k) < y*_ij], set to 1/K where it is 0 and 1 - 1/K where it is 1
(Comets 2008), and npde_ij = Φ⁻¹(pde_ij). Under the model the NPDE are N(0, 1) and independent
within a subject. BLQ observations get NaN (no censored NPDE here).

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
    m: NLMEModel, data: EstimationData, x, n_samples: int = 1000, seed: int = 0
) -> np.ndarray:  # type: ignore[no-untyped-def]
    """NPDE of every observation record (the order of the individual table: subjects, then
    records; NaN for BLQ records) under ``m`` at the unconstrained parameters ``x``.

    Parameters
    ----------
    m, data : NLMEModel, EstimationData
        The model and the observed data (their design is simulated).
    x : array
        Free unconstrained parameters (a fit's ``x``).
    n_samples : int
        Replicates per subject K (>= :data:`NPDE_MIN_SAMPLES`).
    seed : int
        Seed of the simulation.

    Returns
    -------
    np.ndarray
        (n_obs,) NPDE, dimensionless.
    """
    if isinstance(n_samples, bool) or int(n_samples) != n_samples or n_samples < NPDE_MIN_SAMPLES:
        raise input_error("npde samples", n_samples, f"an integer >= {NPDE_MIN_SAMPLES}")
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
    out = []
    for i in range(n):
        rows = np.flatnonzero(data.obs_mask[i])
        use = ~data.blq[i, rows]
        z = np.full(rows.size, np.nan)
        if use.any():
            cols = rows[use]
            ys, yo = ysim[:, i, cols], data.dv[i, cols]
            mu = ys.mean(axis=0)
            chol = np.linalg.cholesky(np.atleast_2d(np.cov(ys, rowvar=False)))
            dec = np.linalg.solve(chol, (ys - mu).T).T
            obs = np.linalg.solve(chol, yo - mu)
            pde = (dec < obs).mean(axis=0)
            z[use] = ndtri(np.clip(pde, 1.0 / k, 1.0 - 1.0 / k))
        out.append(z)
    return np.concatenate(out)
