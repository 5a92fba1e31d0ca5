"""Censored NPDE (Nguyen, Comets & Mentré 2012): BLQ records drawn below P(y < LLOQ) and
imputed, replicates treated alike; against leaving the BLQ records out."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from scipy.stats import kstest

from brexsim.errors import BrexsimInputError
from brexsim.estimation.model import get_initial_vector
from brexsim.estimation.models import load_model
from brexsim.estimation.npde import compute_npde
from brexsim.estimation.simulate import make_infusion_design, simulate_data


@pytest.fixture(scope="module")
def censored():
    """40 subjects of the approved infusion simulated from the model, censored at 10 ng/mL
    (about a third of the samples, the late ones, are BLQ)."""
    m = load_model("brexanolone_pk")
    d = simulate_data(m, make_infusion_design(40, seed=1), seed=2)
    dl = replace(d, lloq=np.where(d.obs_mask, 10.0, np.nan), blq=d.obs_mask & (d.dv < 10.0))
    return m, dl, get_initial_vector(m)


def test_censored_npde_are_standard_normal_under_the_true_model(censored):
    """At the true parameters the censored NPDE of all ~720 records are N(0, 1): mean within
    0.1, variance within 0.85-1.15, Kolmogorov-Smirnov p > 0.01 (fixed seeds: deterministic);
    the same seed gives the same values."""
    m, d, x = censored
    frac = d.blq[d.obs_mask].mean()
    assert 0.2 < frac < 0.5, frac
    z = compute_npde(m, d, x, n_samples=500, seed=3)
    assert z.shape == (d.n_obs,) and np.isfinite(z).all()
    assert abs(z.mean()) < 0.1 and 0.85 < z.var() < 1.15, (z.mean(), z.var())
    assert kstest(z, "norm").pvalue > 0.01
    assert np.array_equal(z, compute_npde(m, d, x, n_samples=500, seed=3))


def test_leaving_blq_out_biases_the_npde_upwards(censored):
    """``blq="omit"``: NaN on the BLQ records, and the rest, the high values of the late
    samples, shifted up against the censored NPDE of the same records."""
    m, d, x = censored
    z = compute_npde(m, d, x, n_samples=500, seed=3)
    zo = compute_npde(m, d, x, n_samples=500, seed=3, blq="omit")
    blq = d.blq[d.obs_mask]
    assert np.isnan(zo[blq]).all() and np.isfinite(zo[~blq]).all()
    assert zo[~blq].mean() > z.mean() + 0.05


def test_blq_without_an_lloq_and_a_bad_mode_are_clear_errors(censored):
    m, d, x = censored
    with pytest.raises(BrexsimInputError) as e:
        compute_npde(m, replace(d, lloq=np.full_like(d.lloq, np.nan)), x, n_samples=100)
    assert e.value.field == "LLOQ"
    with pytest.raises(BrexsimInputError) as e:
        compute_npde(m, d, x, n_samples=100, blq="m3")
    assert e.value.field == "blq"
