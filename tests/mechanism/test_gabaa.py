"""Receptor layer: delta states vs Maguire & Mody 2008, potentiation, tone index, JAX purity."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from brexsim.calibration.gabaa import calibrate_tonic
from brexsim.errors import BrexsimInputError
from brexsim.mechanism.gabaa import (
    compute_delta_potentiation,
    compute_gamma2_potentiation,
    compute_tone_index,
    compute_tonic_conductance_nS,
    get_gabaa_params,
    get_phasic_charge_fC,
    get_tone_index,
    get_tonic_conductance_nS,
    get_tonic_current_pA,
)
from brexsim.params import load_parameters

# Maguire & Mody 2008 (via PMC3399241 Table 1): mean +/- reported spread (read as SEM), pA
TONIC_TARGETS = {"virgin": (39.8, 4.4), "pregnant": (19.7, 3.6), "postpartum": (40.4, 7.1)}


@pytest.mark.parametrize("state", sorted(TONIC_TARGETS))
def test_tonic_current_of_delta_state_inside_reported_spread(state):
    mean, spread = TONIC_TARGETS[state]
    cur = float(get_tonic_current_pA([0.0], state)[0])
    assert abs(cur - mean) <= spread, f"{state}: {cur:.1f} pA vs {mean} +/- {spread}"


def test_tonic_current_falls_more_than_delta_level_nonlinearity():
    ps = load_parameters()
    i_v, i_p = (float(get_tonic_current_pA([0.0], s)[0]) for s in ("virgin", "pregnant"))
    lv = ps.value("gabaa.delta_level_virgin") / ps.value("gabaa.delta_level_pregnant")
    assert i_v / i_p > 1.9 > lv  # data: 2.02-fold current for a 1.5-fold delta change


def test_ppd_state_keeps_pregnant_tonic_current():
    ppd = float(get_tonic_current_pA([0.0], "ppd")[0])
    preg = float(get_tonic_current_pA([0.0], "pregnant")[0])
    assert ppd == pytest.approx(preg)
    assert ppd < float(get_tonic_current_pA([0.0], "postpartum")[0])


def test_written_tonic_calibration_is_reproducible():
    ps = load_parameters()
    for name, value in calibrate_tonic(ps).items():
        assert ps.value(name) == pytest.approx(value, rel=1e-5), name


def test_delta_receptors_more_potentiated_than_gamma2_at_low_nM():
    p = get_gabaa_params()
    for c in (1.0, 3.0, 10.0):
        assert float(compute_delta_potentiation(c, 0.0, p)) > float(
            compute_gamma2_potentiation(c, 0.0, p)
        )


def test_tonic_conductance_rises_monotonically_and_saturates_before_direct_gating():
    c = np.concatenate([[0.0], np.geomspace(0.01, 1000, 40)])
    g = get_tonic_conductance_nS(c, "postpartum")
    assert np.all(np.diff(g) > 0)
    p = get_gabaa_params()
    # below 1 uM the curve is the allosteric Hill curve; direct gating adds < 5 % of the max
    assert g[-1] / g[0] < 1 + p.allo.emax_delta + 0.05 * (1 + p.allo.emax_delta)


def test_linear_regime_depends_on_emax_over_ec50_only():
    """At c << EC50 the potentiation is Emax/EC50 x c: doubling both leaves it unchanged."""
    p = get_gabaa_params()
    p2 = p._replace(
        allo=p.allo._replace(
            emax_delta=2 * p.allo.emax_delta, ec50_delta_nM=2 * p.allo.ec50_delta_nM
        )
    )
    c = 0.05
    e1 = float(compute_delta_potentiation(c, 0.0, p))
    e2 = float(compute_delta_potentiation(c, 0.0, p2))
    assert e2 == pytest.approx(e1, rel=0.01)
    assert e1 == pytest.approx(p.allo.emax_delta / p.allo.ec50_delta_nM * c, rel=0.01)


def test_zuranolone_uses_its_own_potencies():
    g_allo = get_tonic_conductance_nS([10.0], drug="brexanolone")[0]
    g_zur = get_tonic_conductance_nS([10.0], drug="zuranolone")[0]
    g0 = get_tonic_conductance_nS([0.0])[0]
    p = get_gabaa_params()
    assert p.zur.ec50_delta_nM != p.allo.ec50_delta_nM
    expected = 1 + p.zur.emax_delta * 10 / (10 + p.zur.ec50_delta_nM)
    assert g_zur / g0 == pytest.approx(expected, rel=1e-3)
    assert g_allo > g_zur > g0


def test_mixture_of_two_steroids_is_not_more_than_additive_occupancy():
    p = get_gabaa_params()
    both = float(compute_delta_potentiation(10.0, 50.0, p))
    assert both > float(compute_delta_potentiation(10.0, 0.0, p))
    assert both < p.allo.emax_delta + p.zur.emax_delta


def test_tone_index_zero_untreated_and_rises_with_drug():
    idx = get_tone_index([0.0, 0.3, 1.0, 3.0, 10.0, 100.0])
    assert idx[0] == pytest.approx(0.0, abs=1e-12)
    assert np.all(np.diff(idx) > 0)
    # the index reaches 1 where the potentiated PPD tonic conductance equals healthy postpartum
    p = get_gabaa_params()
    g_pp = float(compute_tonic_conductance_nS(p.tone_reference_free_nM, 0.0, 0.42, p))
    cs = np.geomspace(0.1, 100, 400)
    g = get_tonic_conductance_nS(cs, "ppd", endogenous_nM=p.tone_reference_free_nM)
    c_one = np.interp(g_pp, g, cs)
    assert float(get_tone_index([c_one])[0]) == pytest.approx(1.0, abs=1e-3)


def test_phasic_charge_rises_with_concentration():
    q = get_phasic_charge_fC([0.0, 1.0, 10.0, 100.0], "postpartum")
    assert np.all(np.diff(q) > 0)


def test_pure_jax_functions_jit_and_vmap():
    p = get_gabaa_params()
    f = jax.jit(jax.vmap(compute_tone_index, in_axes=(0, None, None)))
    c = jnp.linspace(0.0, 5.0, 6)
    out = f(c, 0.0, p)
    assert out.dtype == jnp.float64
    np.testing.assert_allclose(np.asarray(out), get_tone_index(np.asarray(c), 0.0), rtol=1e-12)
    # and over delta levels (a batched virtual population)
    g = jax.vmap(compute_tonic_conductance_nS, in_axes=(None, None, 0, None))(
        1.0, 0.0, jnp.array([0.28, 0.42]), p
    )
    assert float(g[1]) > float(g[0])


@pytest.mark.parametrize(
    "kwargs",
    [{"delta_state": "lactating"}, {"sensitivity": "kindled"}, {"drug": "ganaxolone"}],
)
def test_bad_choices_raise_input_error(kwargs):
    with pytest.raises(BrexsimInputError):
        get_tonic_conductance_nS([1.0], **kwargs)


def test_negative_concentration_rejected():
    with pytest.raises(BrexsimInputError, match="conc_nM"):
        get_tonic_conductance_nS([-1.0])
