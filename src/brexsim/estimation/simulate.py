"""Simulate observations from an NLME model (for parameter-recovery checks and examples).

η ~ N(0, Ω), DV = F(η) + ε with Var ε the model's residual variance, on a data set's dose and
sampling design; returns a copy of the data with new DVs.

Examples
--------
>>> from brexsim.estimation.models import load_model
>>> m = load_model("brexanolone_pk")
>>> d = make_infusion_design(n_subjects=2, seed=1)
>>> d2 = simulate_data(m, d, seed=2)
>>> d2.dv.shape == d.dv.shape and bool((d2.dv[d2.obs_mask] != 0).all())
True
"""

from __future__ import annotations

from dataclasses import replace

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd

from brexsim.estimation.data import EstimationData, frame_to_data
from brexsim.estimation.model import NLMEModel, get_initial_vector, residual_variance, split_natural

__all__ = ["make_infusion_design", "simulate_data"]

#: The approved 60-h brexanolone regimen (µg/kg/h by period, h): Zulresso PI.
_REGIMEN = (
    (0.0, 4.0, 30.0),
    (4.0, 24.0, 60.0),
    (24.0, 52.0, 90.0),
    (52.0, 56.0, 60.0),
    (56.0, 60.0, 30.0),
)
_SAMPLES = (
    1.0,
    4.0,
    8.0,
    12.0,
    24.0,
    36.0,
    48.0,
    52.0,
    56.0,
    60.0,
    61.0,
    62.0,
    64.0,
    68.0,
    72.0,
    84.0,
    96.0,
    120.0,
)


def make_infusion_design(n_subjects: int = 30, seed: int = 0) -> EstimationData:
    """A NONMEM design of the 60-h regimen (AMT mg, RATE mg/h), rich sampling to 120 h, WT
    drawn uniformly in 55-95 kg (DV placeholders 1)."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(1, n_subjects + 1):
        wt = float(rng.uniform(55.0, 95.0))
        for t0, t1, ug in _REGIMEN:
            rate = ug * wt / 1000.0
            rows.append((i, t0, rate * (t1 - t0), rate, 1, 0.0, wt))
        rows += [(i, t, 0.0, 0.0, 0, 1.0, wt) for t in _SAMPLES]
    df = pd.DataFrame(rows, columns=["ID", "TIME", "AMT", "RATE", "EVID", "DV", "WT"])
    df = df.sort_values(["ID", "TIME", "EVID"], ascending=[True, True, False], kind="stable")
    return frame_to_data(df, "simulated design")


def simulate_data(m: NLMEModel, data: EstimationData, seed: int = 0, x=None) -> EstimationData:  # type: ignore[no-untyped-def]
    """New DVs from ``m`` at its initial values (or the unconstrained vector ``x``)."""
    x = get_initial_vector(m) if x is None else x
    theta, omega, sigma = split_natural(m, jnp.asarray(x))
    rng = np.random.default_rng(seed)
    n, q = data.n_subjects, len(m.etas)
    eta = rng.multivariate_normal(np.zeros(q), np.asarray(omega), size=n)
    subj = data.get_subjects(m.covariates)
    f = np.asarray(jax.vmap(lambda e, s: m.predict(theta, e, s))(jnp.asarray(eta), subj))
    v = np.asarray(residual_variance(m, jnp.asarray(f), sigma, subj.dvid))
    dv = f + np.sqrt(v) * rng.standard_normal(f.shape)
    return replace(data, dv=np.where(data.obs_mask, dv, 0.0), source=f"simulated seed {seed}")
