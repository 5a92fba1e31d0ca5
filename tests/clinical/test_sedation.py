"""Sedation layer: label rates inside their binomial CIs, recovery window, batch robustness."""

import numpy as np
import pytest
from scipy.stats import binomtest

from brexsim.calibration.sedation import SEED, get_model_rates
from brexsim.clinical.sedation import (
    compute_sedation_score,
    get_expected_somnolence_rate,
    sample_sedation_random_effects,
    simulate_sedation_trial,
)
from brexsim.dosing import get_preset
from brexsim.errors import BrexsimInputError

N = 20_000  # expected (large-n) rates: MC SE < 0.25 percentage points


def _ci(k: int, n: int) -> tuple[float, float]:
    ci = binomtest(k, n).proportion_ci(0.95, method="exact")  # Clopper-Pearson
    return ci.low, ci.high


@pytest.fixture(scope="module")
def rates():
    return get_model_rates(n=N, seed=SEED)


# (arm, outcome, events, patients): Zulresso PI Table 2 and section 6.1
LABEL = [
    ("zulresso", "somnolence", 13, 102),
    ("study1-brx60", "somnolence", 8, 38),
    ("placebo", "somnolence", 6, 107),
    ("zulresso", "loss_of_consciousness", 3, 102),
    ("study1-brx60", "loss_of_consciousness", 2, 38),
    ("placebo", "loss_of_consciousness", 0, 107),
    ("brexanolone_pooled", "interruption", 10, 140),
    ("placebo", "interruption", 3, 107),
    ("brexanolone_pooled", "excessive_sedation", 7, 140),  # 5 %, recalled (R)
]


@pytest.mark.parametrize(("arm", "outcome", "k", "n"), LABEL)
def test_expected_rates_inside_the_label_95ci(rates, arm, outcome, k, n):
    lo, hi = _ci(k, n)
    assert lo <= rates[arm][outcome] <= hi, (arm, outcome, rates[arm][outcome], (lo, hi))


def test_zuranolone_somnolence_and_no_forced_ordering(rates):
    assert rates["zuranolone-50mg"]["somnolence"] == pytest.approx(0.36, abs=0.015)
    assert rates["placebo-oral"]["somnolence"] == pytest.approx(0.06, abs=0.01)
    # one exposure-driven score: BRX60 (lower exposure) is NOT pushed above BRX90
    assert rates["study1-brx60"]["somnolence"] < rates["zulresso"]["somnolence"]


def test_recovery_within_15_to_60_min_for_typical_sedated_patients(rates):
    r = rates["recovery_min"]
    assert r["n_stops_resumed"] > 100
    assert 15.0 <= r["median"] <= 60.0
    assert r["share_15_60"] >= 0.75


def test_recovery_follows_the_effect_site_decline():
    """After a stop the effect site keeps rising briefly (ke0 lag), then falls; resumption
    happens when the score is below the resume threshold, 15-60 min later for a typical stop."""
    res = simulate_sedation_trial(get_preset("zulresso"), 5000, seed=7)
    mon = res.monitoring
    rec = mon.get_recovery_times_h()
    assert len(rec) > 20 and (rec > 0).all()
    assert 15.0 <= np.median(rec) * 60 <= 60.0
    # every resumed patient resumed below the level that stopped her: the effect site fell
    resumed = mon.recovery_count > 0
    assert (mon.recovery_sum_h[resumed] > 0).all()


def test_antidepressants_raise_sedation():
    reg = get_preset("zulresso")
    a = simulate_sedation_trial(reg, 5000, seed=3, antidepressant=False).get_rates()
    b = simulate_sedation_trial(reg, 5000, seed=3, antidepressant=True).get_rates()
    assert b["somnolence"] > a["somnolence"] + 0.03
    assert b["loss_of_consciousness"] > a["loss_of_consciousness"]


def test_interruptions_lower_the_delivered_dose():
    res = simulate_sedation_trial(get_preset("zulresso"), 4000, seed=5)
    full = 4200.0  # µg/kg
    none = res.n_interruptions == 0
    stopped = res.monitoring.stopped
    assert np.allclose(res.delivered_dose_ug_per_kg[none & ~stopped], full)
    assert (res.delivered_dose_ug_per_kg[~none] < full).all()
    assert res.delivered_dose_mg == pytest.approx(
        res.delivered_dose_ug_per_kg * res.weight_kg / 1e3
    )


def test_ten_thousand_extreme_patients_without_nan():
    n = 10_000
    rng = np.random.default_rng(11)
    w = rng.uniform(40.0, 160.0, n)
    res = simulate_sedation_trial(
        get_preset("zulresso"), n, seed=1, weight_kg=w, antidepressant=True, cns_depressant=True
    )
    for name in ("delivered_dose_ug_per_kg", "delivered_dose_mg"):
        v = getattr(res, name)
        assert np.isfinite(v).all() and (v >= 0).all()
    assert res.monitoring.n_interruptions.max() <= 3
    regs = res.get_regimens()
    assert len(regs) == n


def test_same_seed_same_results_and_different_seed_differs():
    reg = get_preset("zulresso")
    a = simulate_sedation_trial(reg, 3000, seed=42)
    b = simulate_sedation_trial(reg, 3000, seed=42)
    c = simulate_sedation_trial(reg, 3000, seed=43)
    np.testing.assert_array_equal(a.monitoring.event_time_h, b.monitoring.event_time_h)
    np.testing.assert_array_equal(a.delivered_dose_mg, b.delivered_dose_mg)
    assert a.get_rates() == b.get_rates()
    assert not np.array_equal(a.somnolence, c.somnolence)


def test_score_and_analytic_placebo_rate():
    assert float(compute_sedation_score(np.array(90.0), 0.2, 0.01)) == pytest.approx(1.1)
    assert get_expected_somnolence_rate(0.0, np.ones(3)) == pytest.approx(0.06, abs=1e-5)
    re = sample_sedation_random_effects(50_000, np.random.default_rng(0))
    assert np.median(re["sedation_sensitivity"]) == pytest.approx(1.0, abs=0.02)
    assert re["other_ae_interruption"].mean() == pytest.approx(0.03, abs=0.003)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({"n": 0}, "n"), ({"seed": 1.5}, "seed"), ({"weight_kg": 5.0}, "weight_kg")],
)
def test_bad_inputs_are_clear_errors(kwargs, field):
    args = {"regimen": get_preset("zulresso"), "n": 10, "seed": 1} | kwargs
    with pytest.raises(BrexsimInputError, match=field):
        simulate_sedation_trial(**args)
