"""BDNF: above baseline at h60 and at day 30 inside the Brunoni prior; platelet-pool kinetics;
placebo flat; robust.

How the issue's requirement "BDNF above baseline at hour 60 and still at day 30, by an amount
inside the documented prior" is read (Brunoni 2008: post- vs pre-treatment SMD 0.62, 95 % CI
0.36-0.88, measured after weeks of treatment): under zulresso (70 kg)

* day 30 (the post-treatment time point that matches Brunoni's studies) inside [0.36, 0.88] SD;
* hour 60 above baseline (> 0) and not above the prior's upper bound 0.88 SD;
* no time in the 30 days above the upper bound 0.88 SD (the rise never overshoots the prior).
"""

from __future__ import annotations

import numpy as np
import pytest

from brexsim.mechanism import bdnf
from brexsim.params import load_parameters

T = np.arange(0.0, 24.0 * 30 + 1.0, 1.0)


@pytest.fixture(scope="module")
def zulresso():
    pk = pytest.importorskip("brexsim.pk")
    dosing = pytest.importorskip("brexsim.dosing")
    c = pk.simulate_pk(dosing.get_preset("zulresso"), 70.0, T).plasma_drug_ng_per_ml
    return bdnf.simulate_bdnf(T, c)


def test_ppd_baseline_is_061_sd_below_healthy():
    p = bdnf.get_bdnf_parameters()
    assert p["ppd_baseline_ng_per_ml"] == pytest.approx(32.69 - 0.61 * 8.33, abs=0.05)


def test_rise_at_h60_and_day30_inside_prior(zulresso):
    ps = load_parameters()
    lo, hi = ps.value("bdnf.prior_smd_low"), ps.value("bdnf.prior_smd_high")
    d = zulresso.get_change_sd()
    assert 0.0 < d[60] <= hi, d[60]
    assert lo <= d[720] <= hi, d[720]
    assert d.max() <= hi, d.max()


def test_calibration_reproduces_day30_target(zulresso):
    # the written weights give +0.62 SD at day 30 (Brunoni 2008 point estimate)
    target = load_parameters().value("bdnf.prior_smd")
    assert zulresso.get_change_sd()[720] == pytest.approx(target, abs=0.01)


def test_rise_lags_and_outlasts_the_drug(zulresso):
    d = zulresso.get_change_sd()
    # platelet-pool kinetics: the rise keeps growing for days after the infusion ends (h60)
    assert d[60] < d[168] < d[336]
    assert 10.0 <= T[np.argmax(d)] / 24.0 <= 30.0


def test_constant_drive_reaches_its_steady_state():
    """Both routes carry the supply to serum: a constant GABAergic tone step G gives, after many
    platelet lifespans, B = B0 (1 + w_G G) (no inflammation change)."""
    p = bdnf.get_bdnf_parameters()
    t = np.arange(0.0, 24.0 * 400 + 1.0, 24.0)
    g = np.full_like(t, 0.1)
    g[0] = 0.0
    res = bdnf.simulate_bdnf(t, gaba_tone=g, inflammation_index=np.ones_like(t))
    expected = p["ppd_baseline_ng_per_ml"] * (1.0 + p["gaba_weight"] * 0.1)
    assert res.bdnf_ng_per_ml[-1] == pytest.approx(expected, rel=1e-3)


def test_megakaryocyte_route_delays_by_maturation_time():
    """With no exchangeable pool, a supply step reaches serum only after megakaryocyte
    maturation: almost nothing in the first day, and the mean delay is the sum of the chain
    means: drive (t1/2 / ln 2) + megakaryocytes (T_mk) + the mean platelet age over the
    N_PLATELET age compartments, T_plt (N + 1) / (2 N) (T_plt / 2 for a continuous fixed
    lifespan, plus half a compartment)."""
    ps = load_parameters()
    from brexsim.params import override_parameters

    q = override_parameters(ps, {"bdnf.exchange_fraction": 0.0, "bdnf.drive_halflife_h": 1.0})
    p = bdnf.get_bdnf_parameters(q)
    t = np.arange(0.0, 24.0 * 120 + 1.0, 1.0)
    g = np.full_like(t, 0.1)
    g[0] = 0.0
    res = bdnf.simulate_bdnf(t, gaba_tone=g, inflammation_index=np.ones_like(t), params=q)
    frac = (res.bdnf_ng_per_ml - res.baseline_ng_per_ml) / (
        res.baseline_ng_per_ml * p["gaba_weight"] * 0.1
    )
    assert frac[24] < 0.01
    mean_delay = np.trapezoid(1.0 - frac, t)
    expected = (
        p["drive_halflife_h"] / np.log(2.0)
        + p["megakaryocyte_maturation_h"]
        + p["platelet_lifespan_h"] * (bdnf.N_PLATELET + 1) / (2.0 * bdnf.N_PLATELET)
    )
    assert mean_delay == pytest.approx(expected, rel=0.01)


def test_placebo_flat():
    res = bdnf.simulate_bdnf(T, np.zeros_like(T))
    assert np.max(np.abs(res.get_change_sd())) < 1e-9


def test_gaba_input_used_when_given():
    g = np.where((T > 0) & (T < 60), 0.3, 0.0)  # g[0] = drug-free baseline
    res = bdnf.simulate_bdnf(T, gaba_tone=g, inflammation_index=np.ones_like(T))
    assert res.bdnf_ng_per_ml[100] > res.bdnf_ng_per_ml[0]


def test_random_effects_sampler():
    re = bdnf.sample_bdnf_random_effects(20000, np.random.default_rng(3))["bdnf_baseline_scale"]
    sd = bdnf.get_bdnf_parameters()["bsv_baseline_logsd"]
    assert np.std(np.log(re)) == pytest.approx(sd, rel=0.03)
    assert np.all(re > 0)


@pytest.mark.parametrize("infl", [0.0, 10.0])
@pytest.mark.parametrize("gaba", [0.0, 1.0])
def test_extreme_inputs_non_negative_finite(infl, gaba):
    res = bdnf.simulate_bdnf(
        T, gaba_tone=np.full_like(T, gaba), inflammation_index=np.full_like(T, infl)
    )
    assert np.all(np.isfinite(res.bdnf_ng_per_ml)) and np.all(res.bdnf_ng_per_ml >= 0)
    assert np.all(res.states[:, 1:] >= 0)


def test_bad_inputs():
    from brexsim.errors import BrexsimInputError

    with pytest.raises(BrexsimInputError):
        bdnf.simulate_bdnf(T, gaba_tone=np.full_like(T, 2.0), inflammation_index=np.ones_like(T))
    with pytest.raises(BrexsimInputError):
        bdnf.simulate_bdnf(T)
    with pytest.raises(BrexsimInputError):
        bdnf.sample_bdnf_random_effects(-1, np.random.default_rng(0))
