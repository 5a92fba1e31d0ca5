"""The fitted model's VPC (simulated replicates of the data's design) and the HTML fit report."""

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from brexsim.errors import BrexsimInputError
from brexsim.estimation.data import read_estimation_data
from brexsim.estimation.model import from_natural
from brexsim.estimation.models import load_model
from brexsim.estimation.outputs import (
    compute_fit_vpc,
    get_observed_frame,
    simulate_replicates,
)
from brexsim.estimation.report import build_fit_report
from brexsim.estimation.simulate import simulate_data

D = Path(__file__).parent / "data" / "pheno"
#: NONMEM 7 FOCE-I estimates of pheno (pheno.ext, iteration -1000000000), model order.
NONMEM = np.array([4.69555e-03, 9.84258e-01, 1.58920e-01, 2.93508e-02, 2.79060e-02, 1.32410e-02])


@pytest.fixture(scope="module")
def pheno():
    return load_model("pheno"), read_estimation_data(D / "pheno.dta")


def test_observed_frame_has_every_observation(pheno):
    _, d = pheno
    obs = get_observed_frame(d)
    assert len(obs) == d.n_obs == 155
    assert set(obs["dvid"]) == {"DVID1"} and not obs["blq"].any()
    assert obs["lloq"].isna().all()
    assert np.allclose(np.sort(obs["dv"]), np.sort(d.dv[d.obs_mask]))


def test_replicates_are_seeded_and_censored_at_the_lloq(pheno):
    m, d = pheno
    x = from_natural(m, NONMEM)
    a = simulate_replicates(m, d, [x, x], seed=1)
    b = simulate_replicates(m, d, [x, x], seed=1)
    c = simulate_replicates(m, d, [x, x], seed=2)
    pd.testing.assert_frame_equal(a, b)
    assert not np.allclose(a["dv"], c["dv"])
    assert sorted(a["replicate"].unique()) == [0, 1] and len(a) == 2 * 155
    assert not np.allclose(a.loc[a.replicate == 0, "dv"], a.loc[a.replicate == 1, "dv"])
    # an LLOQ of 15 mg/L: simulated values below it are BLQ (DV NaN), the others kept
    lloq = np.where(d.obs_mask, 15.0, np.nan)
    dl = replace(d, lloq=lloq, blq=d.obs_mask & (d.dv < 15.0))
    s = simulate_replicates(m, dl, [x], seed=1)
    free = simulate_replicates(m, d, [x], seed=1)
    below = free["dv"].to_numpy() < 15.0
    assert below.any() and (s["blq"].to_numpy() == below).all()
    assert s.loc[s.blq, "dv"].isna().all()
    assert np.allclose(s.loc[~s.blq, "dv"], free.loc[~below, "dv"])
    assert (get_observed_frame(dl)["lloq"] == 15.0).all()


def test_vpc_passes_the_true_model_and_fails_a_wrong_clearance(pheno):
    """'Observed' data simulated from the NONMEM estimates: the VPC at those estimates holds
    most observed percentiles inside their 95 % intervals (expected miss rate with 40
    replicates about 10 %, bins correlated: at least 75 % inside); at twice the clearance the
    simulated concentrations fall about twofold at steady state and the median misses in most
    bins."""
    m, d = pheno
    x = from_natural(m, NONMEM)
    obs = simulate_data(m, d, seed=99, x=x)
    (good,) = compute_fit_vpc(m, obs, [x] * 40, seed=5)
    cov = good.get_coverage()
    assert cov["n_inside"].sum() / cov["n_bins"].sum() >= 0.75
    wrong = from_natural(m, NONMEM * np.array([2.0, 1, 1, 1, 1, 1]))
    (bad,) = compute_fit_vpc(m, obs, [wrong] * 40, seed=5)
    p50 = bad.get_coverage().set_index("statistic").loc["p50"]
    assert p50["n_inside"] / p50["n_bins"] < 0.5


def test_report_of_a_nuts_run_and_of_a_failed_fit():
    est = {
        "method": "nuts", "converged": False, "message": "max R-hat 1.2000",
        "parameters": {"CL": {"estimate": 2.0, "se": 0.2, "rse_pct": 10.0}},
        "warnings": ["NotConverged: max R-hat 1.2000 (need < 1.01) or divergences"],
        "divergences": 3, "max_r_hat": 1.2,
    }  # fmt: skip
    post = pd.DataFrame([{"parameter": "CL", "median": 2.0, "r_hat": 1.2, "ess": 12.0}])
    page = build_fit_report(est, {"input_sha256": "abc123"}, {"gof.png": b"\x89PNG"}, (), post)
    for text in (
        "NOT CONVERGED",
        "posterior median",
        "Posterior summary",
        "ess",
        "abc123",
        "divergent transitions",
        "NotConverged",
        "Goodness of fit",
    ):
        assert text in page, text
    assert page.count("<img") == 1


def test_eta_shrinkage_matches_nonmem(pheno):
    """ETASHRINKSD of pheno.lst (47.580 %, 13.581 %) from the EBEs at NONMEM's estimates."""
    from brexsim.estimation.focei import make_evaluator
    from brexsim.estimation.outputs import get_shrinkage_pct

    m, d = pheno
    eta = make_evaluator(m, d, "focei").evaluate(from_natural(m, NONMEM))[3]
    got = get_shrinkage_pct(np.asarray(eta), np.diag(NONMEM[3:5]))
    assert np.allclose(got, [47.580, 13.581], atol=0.01)


def test_npde_are_standard_normal_under_the_true_model_and_seeded():
    """NPDE of data simulated from the model, at the true parameters: mean 0, variance 1 and
    a Kolmogorov-Smirnov p above 0.01 (n ≈ 720 NPDE; the seeds are fixed, so the test is
    deterministic); the same seed gives the same NPDE; a twofold clearance shifts them."""
    from scipy.stats import kstest

    from brexsim.estimation.model import get_initial_vector, to_natural
    from brexsim.estimation.npde import compute_npde
    from brexsim.estimation.simulate import make_infusion_design

    m = load_model("brexanolone_pk")
    d = simulate_data(m, make_infusion_design(40, seed=1), seed=2)
    x = get_initial_vector(m)
    z = compute_npde(m, d, x, n_samples=500, seed=3)
    assert z.shape == (d.n_obs,) and np.isfinite(z).all()
    assert abs(z.mean()) < 0.1 and 0.85 < z.var() < 1.15
    assert kstest(z, "norm").pvalue > 0.01
    assert np.array_equal(z, compute_npde(m, d, x, n_samples=500, seed=3))
    wrong = np.asarray(to_natural(m, x)).copy()
    wrong[0] *= 2.0  # CL twice the truth: predictions too low after the infusion
    zw = compute_npde(m, d, from_natural(m, wrong), n_samples=500, seed=3)
    assert zw.mean() > 0.5
    with pytest.raises(BrexsimInputError):
        compute_npde(m, d, x, n_samples=10)
