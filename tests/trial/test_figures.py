"""Trial figures: the 1,000-per-arm sedation-figure crash, checked intervals, named failures."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from brexsim.report.intervals import IntervalError, check_interval, get_error_bars
from brexsim.trial.figures import FIGURES, plot_trial
from brexsim.trial.run import SUMMARY_VARIABLES, TrialRun
from brexsim.trial.spec import parse_trial_spec
from brexsim.trial.stats import TrialOutcomes, compute_endpoints, get_rate_ci, pool_replicates

VISITS = [0.0, 72.0, 360.0, 672.0, 1080.0]


def _run(n: int, sedated: tuple[int, int] = (0, 0), seed: int = 0) -> TrialRun:
    """A constructed 2-arm oral trial (no simulation): ``sedated`` = events per arm."""
    spec = parse_trial_spec(
        {
            "trial": {"name": "constructed", "seed": 5},
            "population": {"hamd_baseline_min": 26, "hamd_baseline_max": 52},
            "arms": [
                {"name": "zuranolone", "regimen": "zuranolone-50mg", "n": n},
                {"name": "placebo", "regimen": "placebo-oral", "n": n},
            ],
            "visits": {"times_h": VISITS},
        }
    )
    rng = np.random.default_rng(seed)
    arm = np.repeat(["zuranolone", "placebo"], n)
    m = len(VISITS)
    base = rng.integers(26, 53, 2 * n).astype(float)
    hamd = np.clip(base[:, None] - rng.uniform(0, 20, (2 * n, m)) * (np.arange(m) > 0), 0, 52)
    values = {k: rng.uniform(0.5, 1.5, (2 * n, m)) for k in SUMMARY_VARIABLES}
    values["hamd"] = hamd
    outcomes = {
        name: np.concatenate([np.arange(n) < sedated[0], np.arange(n) < sedated[1]])
        for name in ("somnolence", "interruption", "loss_of_consciousness")
    }
    run = TrialRun(
        spec=spec,
        subject=np.arange(2 * n),
        replicate=np.zeros(2 * n, dtype=int),
        arm=arm,
        visits_h=np.array(VISITS),
        hamd_baseline=base,
        dropout_h=np.full(2 * n, np.inf),
        values=values,
        units={k: "1" for k in values},
        outcomes=outcomes,
    )
    data = TrialOutcomes(run.subject, run.replicate, arm, run.visits_h, hamd, base, outcomes)
    eot = {a.name: a.regimen.end_of_treatment_h for a in spec.arms}
    run.endpoints = compute_endpoints(data, ["zuranolone", "placebo"], "placebo", eot)
    return run


def test_zero_event_arm_of_1000_no_longer_crashes_the_sedation_figure(tmp_path) -> None:
    # the issue-18 crash: 1,000 placebo patients, no sedation event; statsmodels' Wilson lower
    # bound for 0/1000 is 2.2e-19 > 0 = the rate, so yerr was negative and matplotlib raised
    run = _run(1000, sedated=(0, 0))
    e = run.endpoints
    rates = e[e["endpoint"].isin(["sedation_rate", "interruption_rate", "loc_rate"])]
    assert len(rates) == 6
    assert (rates["estimate"] == 0.0).all() and (rates["ci_low"] == 0.0).all()
    paths = plot_trial(run, tmp_path)
    assert sorted(paths) == sorted(FIGURES)
    assert all(p.stat().st_size > 5_000 for p in paths.values())


def test_all_events_arm_high_bound_is_exactly_one(tmp_path) -> None:
    run = _run(7, sedated=(7, 0))  # statsmodels gives 0.9999999999999999 for 7/7
    e = run.endpoints.set_index(["arm", "endpoint"])
    assert e.loc[("zuranolone", "sedation_rate"), "estimate"] == 1.0
    assert e.loc[("zuranolone", "sedation_rate"), "ci_high"] == 1.0
    plot_trial(run, tmp_path)


def test_rate_ci_contains_the_rate_for_every_count() -> None:
    for n in (1, 2, 7, 38, 41, 60, 999, 1000, 2000):
        for k in sorted({0, 1, n // 2, n - 1, n}):
            r, lo, hi = get_rate_ci(k, n)
            assert 0.0 <= lo <= r <= hi <= 1.0, (k, n, lo, r, hi)
        assert get_rate_ci(0, n)[1] == 0.0 and get_rate_ci(n, n)[2] == 1.0
    assert all(np.isnan(get_rate_ci(0, 0)))


def test_a_malformed_endpoint_table_is_an_internal_error_naming_the_quantity(tmp_path) -> None:
    run = _run(20)
    e = run.endpoints.copy()
    row = (e["arm"] == "placebo") & (e["endpoint"] == "loc_rate")
    e.loc[row, "ci_low"] = 2.168404344971009e-19  # what statsmodels gave for 0/1000
    run.endpoints = e
    with pytest.raises(IntervalError, match=r"loc_rate, arm placebo.*above the estimate"):
        plot_trial(run, tmp_path)


def test_check_interval_rules() -> None:
    nan = np.nan
    check_interval("x", [1.0, nan, 2.0], [0.0, nan, nan], [1.0, nan, nan])
    for est, lo, hi, what in [
        (0.5, 0.6, 0.9, "above the estimate"),
        (0.5, 0.1, 0.4, "below the estimate"),
        (0.5, nan, 0.9, "one bound missing"),
        (nan, 0.1, 0.9, "without an estimate"),
        (0.5, -np.inf, 0.9, "infinite"),
    ]:
        with pytest.raises(IntervalError, match=f"for q: .*{what}"):
            check_interval("q", est, lo, hi)
    with pytest.raises(IntervalError, match="at 72 h"):
        check_interval("q", [0.0, 1.0], [0.0, 1.5], [1.0, 2.0], labels=["0 h", "72 h"])
    bars = get_error_bars("q", [0.0, 1.0, nan], [0.0, 0.5, nan], [0.2, 1.0, nan])
    np.testing.assert_array_equal(bars[:, :2], [[0.0, 0.5], [0.2, 0.0]])
    assert np.isnan(bars[:, 2]).all()


def test_pooled_interval_contains_the_mean_of_a_rare_event() -> None:
    est = np.zeros(100)
    est[0] = 0.5  # one replicate in 100 with events: the mean lies above the 97.5th percentile
    t = pd.DataFrame(
        {
            "arm": "a",
            "time_h": 60.0,
            "endpoint": "loc_rate",
            "estimate": est,
            "ci_low": 0.0,
            "ci_high": 1.0,
            "n": 40,
            "replicate": [str(i) for i in range(100)],
            "p_value": np.nan,
        }
    )
    p = pool_replicates(t).iloc[0]
    assert np.percentile(est, 97.5) < p["estimate"] == pytest.approx(0.005)
    assert p["ci_low"] == 0.0 and p["ci_high"] == p["estimate"]
