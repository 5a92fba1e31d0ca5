"""The opt-in exponential (ETDRK4) engine against a tight diffrax reference solve.

Goal bounds of the speed issue: TNF-α fold within 1e-4 and expected HAM-D within 0.01 points of
a reference at rtol 1e-10 / atol 1e-13, for both drugs; results independent of the chunk size.
"""

from __future__ import annotations

import numpy as np
import pytest

from brexsim.dosing import get_preset
from brexsim.model import SolverOptions, simulate
from brexsim.population import sample_population

KEYS = ("tnf_fold", "hamd_expected", "bdnf", "il6")


@pytest.mark.slow
@pytest.mark.parametrize("preset", ["zulresso", "zuranolone-50mg"])
def test_etd_matches_tight_reference(preset: str) -> None:
    reg, pop = get_preset(preset), sample_population(4, 11)
    ref = simulate(reg, pop, monitoring=False, solver=SolverOptions(rtol=1e-10, atol=1e-13))
    etd = simulate(reg, pop, monitoring=False, solver=SolverOptions(engine="etd"))
    assert np.all(np.isfinite(etd.get("tnf_fold")))
    assert np.abs(etd.get("tnf_fold") - ref.get("tnf_fold")).max() < 1e-4
    assert np.abs(etd.get("hamd_expected") - ref.get("hamd_expected")).max() < 0.01


@pytest.mark.slow
def test_etd_independent_of_chunk_size() -> None:
    reg, pop = get_preset("zulresso"), sample_population(5, 3)
    a = simulate(reg, pop, monitoring=False, chunk=5, solver=SolverOptions(engine="etd"))
    b = simulate(reg, pop, monitoring=False, chunk=2, solver=SolverOptions(engine="etd"))
    for k in KEYS:
        np.testing.assert_array_equal(a.get(k), b.get(k))
