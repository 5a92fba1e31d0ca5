"""The zuranolone oral PK NLME model (``--model zuranolone_pk``): its prediction is brexsim's own
zuranolone PK (typical and individual), its gradients, its dose-record check and (slow) FOCE-I
recovery from one simulated study."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd
import pytest

from brexsim.covariates import get_pk_scales
from brexsim.dosing import get_preset
from brexsim.errors import BrexsimInputError
from brexsim.estimation.data import frame_to_data
from brexsim.estimation.model import get_initial_vector, get_parameter_names, split_natural
from brexsim.estimation.models import SHIPPED, load_model
from brexsim.estimation.simulate import make_oral_design
from brexsim.pk import simulate_pk
from brexsim.pk.zuranolone import get_zuranolone_pk


@pytest.fixture(scope="module")
def model():
    return load_model("zuranolone_pk")


def _one(data, i=0):
    return jax.tree_util.tree_map(lambda a: a[i], data.get_subjects(()))


def _predict(m, s, eta):
    theta, _, _ = split_natural(m, jnp.asarray(get_initial_vector(m)))
    return np.asarray(m.predict(theta, jnp.asarray(eta, float), s))


def test_typical_prediction_is_brexsims_zuranolone_pk(model):
    """η = 0 on the design of the Zurzuvae course equals brexsim.pk.simulate_pk of the preset
    zuranolone-50mg (50 mg with food every 24 h x 14, the same doses) to 1e-6 relative."""
    assert "zuranolone_pk" in SHIPPED
    names = ["CL/F", "V2/F", "V3/F", "Q/F", "KTR", "OMEGA11", "OMEGA22", "OMEGA33"]
    assert get_parameter_names(model) == [*names, "SIGMA_PROP", "SIGMA_ADD"]
    d = make_oral_design(1)
    s = _one(d)
    t = d.obs_time[0][d.obs_mask[0]]
    f = _predict(model, s, [0.0, 0.0, 0.0])[d.obs_mask[0]]
    ref = simulate_pk(get_preset("zuranolone-50mg"), 70.0, t).plasma_drug_ng_per_ml
    assert ref.min() > 0.01 and np.abs(f / ref - 1.0).max() < 1e-6
    assert 150.0 < f.max() < 300.0  # steady-state peak, ng/mL (brexsim's calibrated PK)


@pytest.mark.parametrize(
    "eta",
    [
        [0.4, -0.3, 0.5],
        [-0.5, 0.6, -1.2],
        "ktr_at_alpha",  # KTR·e^η3 equal to the distribution rate α: the series branch
        "ktr_at_beta",  # equal to the terminal rate β (flip-flop limit)
    ],
)
def test_individual_prediction_is_brexsims_individual_pk(model, eta):
    """An individual prediction equals simulate_pk with the engine's PK multipliers of the same
    η (covariates.get_pk_scales: η_v scales V2/F, V3/F and Q/F together), including KTR equal
    to a disposition rate, where the closed form switches to its power series."""
    if isinstance(eta, str):
        pk = get_zuranolone_pk()
        a_h, b_h = pk.half_lives_h
        rate = np.log(2) / (a_h if eta == "ktr_at_alpha" else b_h)
        eta = [0.0, 0.0, float(np.log(rate / pk.ktr_per_h))]
    d = make_oral_design(1)
    t = d.obs_time[0][d.obs_mask[0]]
    f = _predict(model, _one(d), eta)[d.obs_mask[0]]
    re = {n: np.array([e]) for n, e in zip(("eta_pk_cl_f", "eta_pk_v_f", "eta_pk_ktr"), eta,
                                           strict=True)}  # fmt: skip
    sc = {k: float(v[0]) for k, v in get_pk_scales("zuranolone", 1, re).items()}
    ref = simulate_pk(get_preset("zuranolone-50mg"), 70.0, t, scale=sc).plasma_drug_ng_per_ml
    assert np.abs(f / ref - 1.0).max() < 1e-6


def test_gradients_are_finite_and_match_finite_differences(model):
    """FOCE-I differentiates F in η (jacfwd) and the OFV in θ (grad): both finite and equal to
    central differences, across the branch switch of the closed form (KTR·e^η3 near α)."""
    d = make_oral_design(1)
    s = _one(d)
    theta, _, _ = split_natural(model, jnp.asarray(get_initial_vector(model)))
    pk = get_zuranolone_pk()
    e_alpha = float(np.log(np.log(2) / pk.half_lives_h[0] / pk.ktr_per_h))
    for eta in ([0.1, -0.2, 0.3], [0.0, 0.0, e_alpha + 1e-4], [3.0, -3.0, 5.0]):
        e = jnp.asarray(eta)
        jac = np.asarray(jax.jacfwd(lambda x: model.predict(theta, x, s))(e))
        assert np.isfinite(jac).all()
        for k in range(3):
            h = np.zeros(3)
            h[k] = 1e-6
            fd = (np.asarray(model.predict(theta, e + h, s)) - np.asarray(
                model.predict(theta, e - h, s))) / 2e-6  # fmt: skip
            scale = np.abs(jac[:, k]).max()
            assert np.abs(jac[:, k] - fd).max() < 1e-5 * scale
    g = jax.grad(lambda th: model.predict(th, jnp.zeros(3), s).sum())(theta)
    assert all(np.isfinite(float(v)) for v in g.values())


def test_extreme_individual_values_stay_finite(model):
    """The inner EBE search can try extreme η (seen at a BFGS trial point: KTR·e^η ~ 1e80):
    predictions, gradients and Hessians stay finite (no 0·inf in an unselected branch)."""
    s = _one(make_oral_design(1))
    theta, _, _ = split_natural(model, jnp.asarray(get_initial_vector(model)))
    e = jnp.asarray([-4.2, -10.1, 189.4])
    f = model.predict(theta, e, s)
    hess = jax.hessian(lambda x: model.predict(theta, x, s).sum())(e)
    assert np.isfinite(np.asarray(f)).all() and np.isfinite(np.asarray(hess)).all()


def test_infusion_records_are_one_clear_error(model):
    """A RATE > 0 record is not an oral dose: load_model with the data names the field, the
    value, the subject and what is allowed; without the check the prediction is NaN."""
    rows = [(1, 0.0, 50.0, 12.5, 1, 0.0), (1, 2.0, 0.0, 0.0, 0, 80.0),
            (2, 0.0, 50.0, 0.0, 1, 0.0), (2, 2.0, 0.0, 0.0, 0, 90.0)]  # fmt: skip
    df = pd.DataFrame(rows, columns=["ID", "TIME", "AMT", "RATE", "EVID", "DV"])
    data = frame_to_data(df)
    with pytest.raises(BrexsimInputError) as e:
        load_model("zuranolone_pk", data)
    assert e.value.field == "RATE" and e.value.value == 12.5
    assert "ID 1" in str(e.value) and "0 or absent on every dose record" in str(e.value)
    load_model("zuranolone_pk", frame_to_data(df[df.ID == 2]))  # oral only: accepted
    f0 = _predict(model, _one(data, 0), [0.0, 0.0, 0.0])
    f1 = _predict(model, _one(data, 1), [0.0, 0.0, 0.0])
    assert np.isnan(f0).all() and np.isfinite(f1).all()


@pytest.fixture(scope="module")
def recovery(model):
    """One study of 40 subjects (make_oral_design: 14 x 50 mg, 23 samples each) simulated from
    the model at the table values (seed 7), fitted by FOCE-I from a start 25-30 % off."""
    from brexsim.estimation.covariance import compute_covariance
    from brexsim.estimation.fitting import fit_model
    from brexsim.estimation.model import _initial_natural, with_estimates
    from brexsim.estimation.simulate import simulate_data

    data = simulate_data(model, make_oral_design(40), seed=7)
    truth = _initial_natural(model)
    start = truth.copy()
    start[:5] *= np.array([1.3, 0.75, 1.3, 0.75, 1.3])
    fit = fit_model(with_estimates(model, start), data, "focei")
    return fit, truth, compute_covariance(fit, "sandwich").se


@pytest.mark.slow  # about 2 min on the shared 2-core machine (compile ~35 s, fit, covariance)
def test_focei_recovers_the_fixed_effects(recovery):
    """Every θ within 3 sandwich SEs of the truth (a two-sided 99.7 % band per parameter
    under the estimator's asymptotic normality) and within 15 % (the precision 40 subjects
    with 23 samples give: SEs are 1-7 %)."""
    fit, truth, se = recovery
    assert fit.converged
    est, tr, sd = fit.estimates[:5], truth[:5], se[:5]
    assert np.all(np.abs(est - tr) < 3.0 * sd)
    assert np.all(np.abs(est / tr - 1.0) < 0.15)
