"""Per-DVID residual errors (joint models) and replicate fits on one compile."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from brexsim.comparison.power import make_joint_models, make_replicate_frame
from brexsim.errors import BrexsimInputError
from brexsim.estimation.data import frame_to_data
from brexsim.estimation.fitting import fit_model
from brexsim.estimation.focei import make_evaluator, rebind_data
from brexsim.estimation.model import NLMEModel, Parameter, residual_variance
from brexsim.estimation.simulate import simulate_data


def _frame(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    d = pd.DataFrame({
        "log_tnf_24": rng.normal(-0.3, 0.3, n), "log_tnf_60": rng.normal(-0.4, 0.3, n),
        "hamd_change_d7": rng.normal(-14, 7, n), "hamd_change_d30": rng.normal(-16, 7, n),
    })  # fmt: skip
    return make_replicate_frame(d)


def test_each_dvid_gets_its_own_sigma():
    g, _ = make_joint_models()
    v = residual_variance(g, np.zeros(3), np.array([0.1, 9.0]), np.array([1, 2, 1]))
    assert np.allclose(np.asarray(v), [0.1, 9.0, 0.1])
    with pytest.raises(BrexsimInputError):
        residual_variance(g, np.zeros(3), np.array([0.1, 9.0]))


def test_sigma_dvids_need_additive_error_and_one_sigma_each():
    g, _ = make_joint_models()
    with pytest.raises(BrexsimInputError) as e:
        NLMEModel(name="x", thetas=g.thetas, etas=g.etas, omega=g.omega, sigmas=g.sigmas[:1],
                  predict=g.predict, error="additive", sigma_dvids=(1, 2))  # fmt: skip
    assert e.value.field == "sigma_dvids"
    with pytest.raises(BrexsimInputError):
        NLMEModel(name="x", thetas=g.thetas, etas=g.etas, omega=g.omega,
                  sigmas=(Parameter("A", 0.1, 0.0), Parameter("B", 0.1, 0.0)),
                  predict=g.predict, error="combined", sigma_dvids=(1, 2))  # fmt: skip


def test_an_unknown_dvid_is_one_clear_error():
    g, _ = make_joint_models()
    f = _frame(4, 0)
    f.loc[0, "DVID"] = 7
    with pytest.raises(BrexsimInputError) as e:
        make_evaluator(g, frame_to_data(f))
    assert e.value.field == "DVID" and "7" in str(e.value)


def test_rebind_data_reuses_the_compile_and_equals_a_fresh_fit():
    g, _ = make_joint_models()
    d0 = frame_to_data(_frame(12, 0))
    ev = make_evaluator(g, d0)
    d1 = simulate_data(g, d0, seed=5)
    fresh = fit_model(g, d1, "focei")
    reused = fit_model(g, d1, "focei", evaluator=rebind_data(ev, d1))
    assert reused.ofv == pytest.approx(fresh.ofv, abs=1e-8)
    assert np.allclose(reused.estimates, fresh.estimates, rtol=1e-7)
    other = frame_to_data(_frame(13, 0))
    with pytest.raises(BrexsimInputError):
        rebind_data(ev, other)  # another design
    with pytest.raises(BrexsimInputError):
        fit_model(make_joint_models()[1], d1, "focei", evaluator=ev)  # another model
