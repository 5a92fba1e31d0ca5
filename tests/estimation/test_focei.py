"""pheno FOCE-I against NONMEM 7 (pharmpy-core 2.1.1 pheno.ext/.phi), Laplace vs FOCE-I."""

from pathlib import Path

import numpy as np
import pytest

from brexsim.estimation.covariance import compute_covariance
from brexsim.estimation.data import read_estimation_data
from brexsim.estimation.fitting import fit_model
from brexsim.estimation.focei import make_evaluator
from brexsim.estimation.model import from_natural
from brexsim.estimation.models import load_model

D = Path(__file__).parent / "data" / "pheno"


def _ext(it: int) -> np.ndarray:
    for ln in (D / "pheno.ext").read_text().splitlines()[2:]:
        v = ln.split()
        if int(v[0]) == it:  # THETA1-3, SIGMA11, OMEGA11, OMEGA21, OMEGA22, OBJ
            x = np.array(v[1:], float)
            return np.array([x[0], x[1], x[2], x[4], x[6], x[3], x[7]])
    raise AssertionError(it)


@pytest.fixture(scope="module")
def pheno():
    m, d = load_model("pheno"), read_estimation_data(D / "pheno.dta")
    return m, d, fit_model(m, d, "focei")


def test_ofv_and_ebes_at_nonmem_estimates(pheno):
    m, d, _ = pheno
    ref = _ext(-1000000000)
    ofv, _, _, eta, _, ok = make_evaluator(m, d, "focei").evaluate(from_natural(m, ref[:6]))
    assert ok.all() and abs(ofv - ref[6]) < 1e-4
    phi = np.loadtxt(D / "pheno.phi", skiprows=2)
    assert np.abs(eta - phi[:, 2:4]).max() < 1e-4


def test_fit_matches_nonmem(pheno):
    _, _, fit = pheno
    ref = _ext(-1000000000)
    assert fit.converged
    assert abs(fit.ofv - ref[6]) < 0.1
    assert np.all(np.abs(fit.estimates / ref[:6] - 1) < 0.02)


def test_sandwich_se_matches_nonmem(pheno):
    _, _, fit = pheno
    se_ref = _ext(-1000000001)[:6]
    cov = compute_covariance(fit)
    assert np.all(np.abs(cov.se / se_ref - 1) < 0.10)


def test_laplace_close_to_focei(pheno):
    m, d, fit = pheno
    lap = fit_model(m, d, "laplace")
    assert lap.converged
    assert abs(lap.ofv - fit.ofv) < 2.0
    assert np.all(np.abs(lap.estimates / fit.estimates - 1) < 0.05)
