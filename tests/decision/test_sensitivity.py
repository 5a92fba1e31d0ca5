"""Sobol and Morris machinery on the analytic Ishigami function (no brexsim model)."""

import numpy as np
import pytest
from SALib.test_functions import Ishigami

from brexsim.decision.sensitivity import (
    get_sobol_convergence,
    run_morris,
    run_sobol,
    sample_sobol,
)
from brexsim.errors import BrexsimInputError

PROBLEM = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[-np.pi, np.pi]] * 3}
# Ishigami (a = 7, b = 0.1): analytic first-order and total indices (Ishigami & Homma 1990;
# e.g. Saltelli et al. 2008 Global Sensitivity Analysis, section 4.7)
A, B = 7.0, 0.1
_V1 = 0.5 * (1 + B * np.pi**4 / 5) ** 2
_V2 = A**2 / 8
_V13 = B**2 * np.pi**8 * (1 / 18 - 1 / 50)
_V = _V1 + _V2 + _V13
S1_TRUE = np.array([_V1 / _V, _V2 / _V, 0.0])
ST_TRUE = np.array([(_V1 + _V13) / _V, _V2 / _V, _V13 / _V])


def test_analytic_values_are_the_published_ones():
    assert np.allclose(S1_TRUE, [0.3139, 0.4424, 0.0], atol=1e-4)
    assert np.allclose(ST_TRUE, [0.5576, 0.4424, 0.2437], atol=1e-4)


def test_sobol_recovers_ishigami_indices_within_tolerance():
    r = run_sobol(PROBLEM, Ishigami.evaluate, ["y"], 4096, seed=7)
    t = r.indices.set_index("parameter")
    assert np.allclose(t.loc[["x1", "x2", "x3"], "S1"], S1_TRUE, atol=0.03)
    assert np.allclose(t.loc[["x1", "x2", "x3"], "ST"], ST_TRUE, atol=0.03)
    # first order <= total (within the bootstrap interval) and the analytic values inside
    assert (t.S1_low <= t.ST_high).all()
    assert ((t.ST_low <= ST_TRUE) & (ST_TRUE <= t.ST_high)).all()
    assert ((t.S1_low <= t.S1) & (t.S1 <= t.S1_high)).all()


def test_convergence_uses_prefixes_of_one_design_and_tightens():
    small, big = sample_sobol(PROBLEM, 64, seed=3), sample_sobol(PROBLEM, 1024, seed=3)
    assert np.array_equal(small, big[: len(small)])
    y = Ishigami.evaluate(big)
    conv = get_sobol_convergence(PROBLEM, y, ["y"], seed=3)
    assert sorted(conv.n_base.unique()) == [8, 16, 32, 64, 128, 256, 512, 1024]
    x1 = conv[conv.parameter == "x1"].set_index("n_base")
    width = x1.ST_high - x1.ST_low
    assert width[1024] < width[64] / 2
    assert abs(x1.loc[1024, "ST"] - ST_TRUE[0]) < abs(x1.loc[8, "ST"] - ST_TRUE[0]) + 0.05


def test_constant_output_gives_nan_not_a_crash():
    r = run_sobol(PROBLEM, lambda x: np.zeros(len(x)), ["flat"], 8, seed=1)
    assert r.indices.S1.isna().all()


def test_morris_ranks_x3_last_by_mu_star():
    m = run_morris(PROBLEM, Ishigami.evaluate, ["y"], 40, seed=2)
    order = m.sort_values("mu_star").parameter.tolist()
    assert order[0] == "x3"  # x3 acts only through its interaction with x1
    assert (m.mu_star_low <= m.mu_star).all() and (m.mu_star <= m.mu_star_high).all()


@pytest.mark.parametrize("n", [0, 3, 12, True])
def test_bad_base_sample_size_is_one_input_error(n):
    with pytest.raises(BrexsimInputError, match="power of 2"):
        sample_sobol(PROBLEM, n, seed=1)
