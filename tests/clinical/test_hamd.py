"""HAM-D layer: observed-score rules, definitions, determinism, robustness, solver accuracy,
severity scaling and the placebo/drug structure (synthetic inputs; n stated per test)."""

import math

import jax.numpy as jnp
import numpy as np
import pytest

from brexsim.clinical.hamd import (
    compute_hamd,
    compute_hamd_components,
    get_baseline_distribution,
    get_hamd_params,
    is_remission,
    is_response,
    rhs_from_inputs,
    sample_baseline_hamd,
    sample_hamd_random_effects,
    sample_observed_hamd,
    scale_biophase_for_tone,
    solve_remission_state,
)
from brexsim.errors import BrexsimInputError
from brexsim.params import load_parameters

T = np.arange(0.0, 721.0)


def _infusion_inputs(n=1, tone=0.3, end_h=60.0):
    on = T <= end_h
    tone_t = np.where(on, tone, 0.0)
    immune = np.where(on, 0.2, 1.0 - 0.8 * np.exp(-(T - end_h).clip(0) / 72.0))
    bdnf = 1.0 - np.exp(-T / 200.0)
    return [np.broadcast_to(x, (n, T.size)) for x in (tone_t, immune, bdnf)]


def test_observed_scores_are_integers_bounded_0_52():
    rng = np.random.default_rng(0)
    expected = np.array([[-5.0, 0.0, 0.2, 7.4, 26.0, 51.8, 52.0, 60.0]] * 500)
    y = sample_observed_hamd(expected, rng)
    assert y.dtype.kind == "i"
    assert y.min() >= 0 and y.max() <= 52
    assert (y[:, 0] == 0).mean() > 0.9 and (y[:, -1] == 52).mean() > 0.9
    # residual SD around a mid-range score (n = 500)
    assert np.std(y[:, 4]) == pytest.approx(load_parameters().value("hamd.residual_sd"), rel=0.15)


def test_response_and_remission_definitions():
    base = np.array([28, 30, 27])
    scores = np.array([[14, 15, 7], [15, 16, 8], [13, 14, 0]])
    # response: fall >= 50 % of baseline; remission: score <= 7
    # rows are patients (baselines 28, 30, 27): 50 % falls are 14, 15, 13.5 points
    assert is_response(scores, base).tolist() == [
        [True, False, True],
        [True, False, True],
        [True, False, True],
    ]
    assert is_remission(scores).tolist() == [
        [False, False, True],
        [False, False, False],
        [False, False, True],
    ]
    assert is_response(np.array([15]), np.array([30])).tolist() == [True]


def test_same_seed_same_result_and_different_seed_differs():
    def run(seed):
        rng = np.random.default_rng(seed)
        b = sample_baseline_hamd(50, rng)
        eta = sample_hamd_random_effects(50, rng)
        tone, imm, bd = _infusion_inputs(50)
        e = compute_hamd(T, b, "inpatient", tone, imm, bd, eta=eta)
        return b, e, sample_observed_hamd(e[:, 1:], rng)

    a, b = run(7), run(7)
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)
    assert not np.array_equal(run(8)[2], a[2])


@pytest.mark.parametrize("setting", ["inpatient", "outpatient"])
def test_no_nan_for_extreme_valid_inputs(setting):
    # baselines 26 and 52, tone 0..1.5, TNF fold 0..3, BDNF -3..6 SD, random effects +-5 omega
    ps = load_parameters()
    base = np.array([26.0, 52.0] * 6)
    n = base.size
    tone = np.linspace(0.0, 1.5, n)[:, None] * np.ones(T.size)
    imm = np.linspace(0.0, 3.0, n)[:, None] * np.ones(T.size)
    bd = np.linspace(-3.0, 6.0, n)[:, None] * np.ones(T.size)
    sign = np.where(np.arange(n) % 3 == 0, -5.0, 5.0)
    eta = {
        "eta_placebo": sign * ps.value("hamd.omega_placebo"),
        "eta_drug": -sign * ps.value("hamd.omega_drug"),
    }
    out = compute_hamd_components(T, base, setting, tone, imm, bd, eta=eta)
    for v in out.values():
        assert np.all(np.isfinite(v))
    e = out["expected"]
    assert e.min() >= 0.0 and e.max() <= 52.0
    assert np.all((out["remission_state"] >= 0) & (out["remission_state"] <= 1))
    np.testing.assert_allclose(e[:, 0], base)


def test_scan_solver_matches_diffrax():
    import diffrax

    p = get_hamd_params()
    tone, imm, bd = _infusion_inputs(1, tone=0.4)
    r = np.asarray(solve_remission_state(T, tone, imm, bd, p))[0]
    args = (jnp.asarray(T), jnp.asarray(tone[0]), jnp.asarray(imm[0]), jnp.asarray(bd[0]))

    def f(t, y, a):
        tt, g, i, b = a
        return rhs_from_inputs(
            t, y, jnp.interp(t, tt, g), jnp.interp(t, tt, i), jnp.interp(t, tt, b), p
        )

    sol = diffrax.diffeqsolve(
        diffrax.ODETerm(f),
        diffrax.Tsit5(),
        0.0,
        720.0,
        0.01,
        jnp.array(0.0),
        args=args,
        saveat=diffrax.SaveAt(ts=jnp.asarray(T)),
        stepsize_controller=diffrax.PIDController(rtol=1e-9, atol=1e-11, jump_ts=jnp.array([60.0])),
        max_steps=100_000,
    )
    np.testing.assert_allclose(r, np.asarray(sol.ys), atol=5e-3)


def test_drug_placebo_difference_grows_with_baseline_fournier():
    p = get_hamd_params()
    base = np.array([20.0, 24.0, 28.0, 34.0, 40.0])
    tone, imm, bd = _infusion_inputs(base.size)
    drug = compute_hamd(T, base, "inpatient", tone, imm, bd)[:, 60]
    pbo = compute_hamd(T, base, "inpatient", 0 * tone, 1 + 0 * imm, 0 * bd)[:, 60]
    diff = pbo - drug
    assert diff[0] == pytest.approx(0.0, abs=1e-12)  # below the threshold 21.67: no drug effect
    assert np.all(np.diff(diff) > 0)
    # more than proportional to baseline (Fournier 2010): the relative difference grows too
    rel = diff[1:] / base[1:]
    assert np.all(np.diff(rel) > 0)
    assert p.severity_threshold_hamd == pytest.approx(23 - 0.2 * 2 / 0.3, abs=0.01)


def test_placebo_course_depends_on_setting_and_ignores_drug_inputs():
    zeros = np.zeros(T.size)
    ones = np.ones(T.size)
    inp = compute_hamd(T, 29.0, "inpatient", zeros, ones, zeros)[0]
    out = compute_hamd(T, 29.0, "outpatient", zeros, ones, zeros)[0]
    assert 12.0 <= 29.0 - inp[60] <= 17.0  # most of the inpatient placebo effect within 60 h
    assert out[60] > inp[60] + 5.0  # outpatient course slower
    assert abs(out[324] - (29.0 - 13.6)) < 2.5
    # the placebo part does not depend on eta_drug
    other = compute_hamd(T, 29.0, "inpatient", zeros, ones, zeros, eta={"eta_drug": 2.0})[0]
    np.testing.assert_array_equal(inp, other)


def test_fast_effect_by_hour_24_and_benefit_kept_after_the_drug():
    zeros = np.zeros((1, T.size))
    tone, imm, bd = _infusion_inputs(1)
    drug = compute_hamd(T, 29.0, "inpatient", tone, imm, bd)[0]
    pbo = compute_hamd(T, 29.0, "inpatient", zeros, 1 + zeros, zeros)[0]
    assert drug[24] < pbo[24] - 1.0
    assert drug[696] < pbo[696] - 1.0
    # tone only (no immune/BDNF input): the benefit decays at the relapse half-life
    only = compute_hamd(T, 29.0, "inpatient", tone, 1 + zeros, zeros, eta=None)[0]
    assert pbo[400] - only[400] > 0.0


def test_baseline_distribution_matches_study1_and_respects_bounds():
    ps = load_parameters()
    k, pmf = get_baseline_distribution()
    mean = float((k * pmf).sum())
    sd = math.sqrt(float(((k - mean) ** 2 * pmf).sum()))
    assert mean == pytest.approx(ps.value("hamd.target_baseline_mean"), abs=0.01)
    assert sd == pytest.approx(ps.value("hamd.target_baseline_sd"), abs=0.01)
    b = sample_baseline_hamd(20_000, np.random.default_rng(3))
    assert b.min() >= 26 and b.max() <= 52
    assert b.mean() == pytest.approx(mean, abs=0.1)  # n = 20,000: MC SE ~0.02
    narrow = sample_baseline_hamd(1000, np.random.default_rng(4), min=30, max=31)
    assert set(np.unique(narrow)) <= {30, 31}


def test_zuranolone_scale_applies_only_to_zuranolone():
    ps = load_parameters()
    c = np.array([0.1, 1.0])
    np.testing.assert_array_equal(scale_biophase_for_tone(c, "brexanolone"), c)
    np.testing.assert_allclose(
        scale_biophase_for_tone(c, "zuranolone"), c * ps.value("hamd.zuranolone_exposure_scale")
    )


def test_random_effects_have_table_sds():
    ps = load_parameters()
    e = sample_hamd_random_effects(20_000, np.random.default_rng(5))
    assert np.std(e["eta_placebo"]) == pytest.approx(ps.value("hamd.omega_placebo"), rel=0.03)
    assert np.std(e["eta_drug"]) == pytest.approx(ps.value("hamd.omega_drug"), rel=0.03)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"setting": "home"}, "setting"),
        ({"time_h": np.arange(1.0, 10.0)}, "time_h[0]"),
        ({"baseline": 60.0}, "baseline"),
        ({"tone_index": np.full(9, np.nan)}, "tone_index"),
        ({"eta": {"eta_x": 0.0}}, "eta"),
    ],
)
def test_bad_inputs_raise_one_clear_error(kwargs, field):
    args = {
        "time_h": np.arange(0.0, 9.0),
        "baseline": 28.0,
        "setting": "inpatient",
        "tone_index": np.zeros(9),
        "immune": np.ones(9),
        "bdnf_sd": np.zeros(9),
    }
    args.update(kwargs)
    with pytest.raises(BrexsimInputError, match=field.replace("[", r"\[").replace("]", r"\]")):
        compute_hamd(**args)
