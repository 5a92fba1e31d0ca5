"""The monitoring rule engine: PK evaluator cross-checks and each rule on constructed patients."""

from dataclasses import replace

import numpy as np
import pytest

from brexsim.clinical.monitoring import (
    apply_monitoring_rules,
    compute_effect_site_ng_per_ml,
    get_effect_site_coefficients,
    get_monitoring_rules,
    get_segment_table,
)
from brexsim.dosing import IVSegment, Regimen, get_preset, interrupt
from brexsim.errors import BrexsimInputError
from brexsim.pk import get_brexanolone_pk, simulate_pk

#: well-separated thresholds for testing the rules' logic (independent of the calibration)
RULES = replace(
    get_monitoring_rules(),
    somnolence_threshold=1.0,
    excessive_threshold=2.0,
    loc_threshold=3.0,
    hypoxia_threshold=4.0,
    resume_threshold=1.8,
)


def _ce_grid(regimen):
    t = np.arange(0, round(regimen.end_of_treatment_h * 12) + 1) / 12
    return t, simulate_pk(regimen, 70.0, t).effect_site_drug_ng_per_ml


def test_superposition_evaluator_matches_simulate_pk():
    base = get_preset("zulresso")
    regs = [
        base,
        get_preset("study1-brx60"),
        get_preset("placebo"),
        interrupt(base, 30.0, 30.75, resume_rate_ug_per_kg_h=60.0, reduce_later=True),
        interrupt(interrupt(base, 10.0, 10.5), 40.0, None),
    ]
    t = np.linspace(0.0, 80.0, 641)
    table = get_segment_table(regs, n_segments=12)  # padded rows must not contribute
    for w in (45.0, 70.0, 140.0):  # weight cancels: doses are per kg
        lam, coef = get_effect_site_coefficients(get_brexanolone_pk(w))
        ce = compute_effect_site_ng_per_ml(t, table, lam, coef)
        for i, r in enumerate(regs):
            ref = simulate_pk(r, w, t).effect_site_drug_ng_per_ml
            np.testing.assert_allclose(ce[i], ref, rtol=1e-9, atol=1e-9)


def test_scan_exposure_equals_the_returned_regimens():
    """The engine's exact step propagation, the closed form of the returned (interrupted)
    regimens and simulate_pk agree to 1e-9 for patients with stops, resumes and a hypoxia stop."""
    reg = replace(get_preset("zulresso"), start_clock_h=20.0)  # the night falls at 3-11 h
    b = np.array([0.0, 0.0, 0.0, 1.5, 0.5, 0.0])
    g = np.array([0.1, 0.028, 0.045, 0.015, 0.05, 0.001])
    other = np.array([np.nan, np.nan, np.nan, 9.0, np.nan, 30.0])
    res = apply_monitoring_rules(reg, b, g, other, rules=RULES, keep_effect_site=True)
    types = {e["type"] for i in range(res.n) for e in res.get_events(i)}
    assert types == {
        "hypoxia_stop",
        "excessive_sedation_stop",
        "loc_stop",
        "other_ae_stop",
        "resume",
        "stop_interruption_limit",
    }
    regs = res.get_regimens()
    lam, coef = get_effect_site_coefficients(get_brexanolone_pk(70.0))
    ce_cf = compute_effect_site_ng_per_ml(res.time_h, get_segment_table(regs), lam, coef)
    for i, r in enumerate(regs):
        ref = simulate_pk(r, 70.0, res.time_h).effect_site_drug_ng_per_ml
        np.testing.assert_allclose(res.effect_site_ng_per_ml[i], ref, rtol=1e-9, atol=1e-9)
        np.testing.assert_allclose(ce_cf[i], ref, rtol=1e-9, atol=1e-9)
        delivered = sum(s.dose_ug_per_kg for s in r.segments)
        assert res.delivered_ug_per_kg[i] == pytest.approx(delivered, rel=1e-12)


def test_excessive_sedation_at_a_check_stops_then_resumes_lower():
    """At 90 µg/kg/h a check finds 2 < S < 3: stop, resume at 60 once S < 1.8, never 90 again."""
    reg = get_preset("zulresso")
    t, ce = _ce_grid(reg)
    g = 1.99 / ce[t == 26.0][0]  # S crosses 2 between the 26 h and 28 h checks, stays < 3
    res = apply_monitoring_rules(reg, np.array([0.0]), np.array([g]), rules=RULES)
    ev = res.get_events(0)
    assert ev[0]["type"] == "excessive_sedation_stop"
    assert ev[0]["time_h"] == 28.0 and ev[0]["rate_before_ug_per_kg_h"] == 90.0
    assert ev[1]["type"] == "resume" and ev[1]["rate_after_ug_per_kg_h"] == 60.0
    assert 0.25 <= ev[1]["time_h"] - ev[0]["time_h"] <= 1.0  # 15-60 min
    r = res.get_regimen(0)
    assert r.get_rate_ug_per_kg_h(28.1) == 0.0
    assert max(s.rate_ug_per_kg_h for s in r.segments if s.start_h >= ev[1]["time_h"]) == 60.0
    assert not res.loss_of_consciousness[0] and not res.hypoxia_stop[0]


def test_resume_at_the_same_rate_when_stopped_at_60():
    reg = get_preset("study1-brx60")
    t, ce = _ce_grid(reg)
    g = 2.2 / ce[t == 10.0][0]
    res = apply_monitoring_rules(reg, np.array([0.0]), np.array([g]), rules=RULES)
    ev = res.get_events(0)
    assert ev[0]["type"] == "excessive_sedation_stop" and ev[0]["rate_before_ug_per_kg_h"] == 60.0
    assert ev[1]["type"] == "resume" and ev[1]["rate_after_ug_per_kg_h"] == 60.0


def test_hypoxia_stops_for_good():
    """Started at 20:00: S = 1.9 at the 22:00 check, then rises past 4 in the night (pulse
    oximetry, no checks, LOC not visible in sleep): hypoxia, stopped for good."""
    reg = replace(get_preset("zulresso"), start_clock_h=20.0)
    res = apply_monitoring_rules(reg, np.array([0.0]), np.array([0.1]), rules=RULES)
    assert [e["type"] for e in res.get_events(0)] == ["hypoxia_stop"]
    ev = res.get_events(0)
    assert ev[-1]["type"] == "hypoxia_stop"
    assert all(e["type"] != "resume" for e in ev if e["time_h"] > ev[-1]["time_h"])
    r = res.get_regimen(0)
    t_stop = ev[-1]["time_h"]
    assert all(s.rate_ug_per_kg_h == 0.0 for s in r.segments if s.end_h > t_stop)
    assert r.interruptions[-1].end_h == reg.end_of_treatment_h  # stopped for good


def test_checks_are_skipped_in_the_sleep_window():
    """Placebo frame started at 22:00; S = 2.5 (excessive, not LOC) all along: no check finds it
    before 08:00 (t = 10 h); pulse oximetry (hypoxia) would still act at night."""
    reg = Regimen("brexanolone", segments=((0.0, 60.0, 0.0),), start_clock_h=22.0)
    res = apply_monitoring_rules(reg, np.array([2.5, 4.5]), np.zeros(2), rules=RULES)
    first = res.get_events(0)[0]
    assert first["type"] == "excessive_sedation_stop" and first["time_h"] == 10.0
    assert res.get_events(1)[0] == {
        "time_h": 0.0,
        "type": "hypoxia_stop",
        "rate_before_ug_per_kg_h": 0.0,
        "rate_after_ug_per_kg_h": 0.0,
    }
    clocks = [(22.0 + e["time_h"]) % 24 for e in res.get_events(0) if e["type"] != "resume"]
    assert all(7.0 <= c < 23.0 for c in clocks)


def test_interruptions_are_bounded():
    """A patient who re-sedates after every resume is stopped for good at the 4th stop."""
    reg = get_preset("zulresso")
    res = apply_monitoring_rules(reg, np.array([1.0]), np.array([0.03]), rules=RULES)
    ev = res.get_events(0)
    assert res.n_interruptions[0] == RULES.max_interruptions == 3
    assert ev[-1]["type"] == "stop_interruption_limit"
    rng = np.random.default_rng(3)
    many = apply_monitoring_rules(
        reg, rng.normal(size=3000), np.exp(rng.normal(-3.5, 1.0, 3000)), rules=RULES
    )
    assert many.n_interruptions.max() <= 3
    assert (many.event_type != 0).sum(axis=1).max() <= 2 * 3 + 1


def test_off_grid_regimen_and_bad_inputs_are_clear_errors():
    reg = Regimen("brexanolone", segments=(IVSegment(0.0, 4.01, 30.0),))
    with pytest.raises(BrexsimInputError, match="multiple of"):
        apply_monitoring_rules(reg, np.zeros(1), np.zeros(1))
    reg = Regimen("brexanolone", segments=(IVSegment(0.0, 4.01, 30.0), IVSegment(4.01, 6, 60)))
    with pytest.raises(BrexsimInputError, match="grid"):
        apply_monitoring_rules(reg, np.zeros(1), np.zeros(1))
    with pytest.raises(BrexsimInputError, match="gain_per_ng_per_ml"):
        apply_monitoring_rules(get_preset("zulresso"), np.zeros(2), np.array([0.1, -1.0]))
    with pytest.raises(BrexsimInputError, match="brexanolone"):
        apply_monitoring_rules(get_preset("zuranolone-50mg"), np.zeros(1), np.zeros(1))
