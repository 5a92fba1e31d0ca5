"""The HAM-D table reproduces its calibration targets (expected values of a virtual population).

Fast tests: the exactly-determined parts of the calibration are re-run and compared with the
table (baseline distribution, slow weights), and the table's values are checked against every
target with n = 4,000 virtual patients per arm (Monte Carlo SE of an arm mean ~0.12 points, far
inside the tolerances). The full re-fit (n = 20,000, ~3 min) is marked slow.
"""

import pytest

from brexsim.calibration.hamd import (
    DEFAULT_SEED,
    calibrate_baseline,
    calibrate_hamd,
    compute_slow_weights,
    get_hamd_checks,
)
from brexsim.params import load_parameters

N_CHECK = 4000


@pytest.fixture(scope="module")
def checks():
    return {c["id"]: c for c in get_hamd_checks(n=N_CHECK, seed=DEFAULT_SEED)}


def test_baseline_calibration_reproduces_the_table():
    ps = load_parameters()
    mu, sd = calibrate_baseline(ps)
    assert ps.value("hamd.baseline_latent_mean") == pytest.approx(mu, rel=1e-4)
    assert ps.value("hamd.baseline_latent_sd") == pytest.approx(sd, rel=1e-4)


def test_slow_weights_reproduce_the_table():
    ps = load_parameters()
    w_i, w_b = compute_slow_weights(ps.value("hamd.fast_rate_per_h"), ps)
    assert ps.value("hamd.immune_weight") == pytest.approx(w_i, rel=2e-3)
    assert ps.value("hamd.bdnf_weight") == pytest.approx(w_b, rel=2e-3)


@pytest.mark.parametrize(
    ("arm", "target", "tol"),
    [
        ("hamd.study1.brx90.h60", -17.7, 2.4),
        ("hamd.study1.brx60.h60", -19.5, 2.4),
        ("hamd.study1.placebo.h60", -14.0, 2.2),
        ("hamd.robin.zrn30.d15", -17.8, 2.5),
        ("hamd.robin.placebo.d15", -13.6, 2.5),
    ],
)
def test_arm_means_within_tolerance(checks, arm, target, tol):
    c = checks[arm]
    assert c["target"] == pytest.approx(target)
    assert abs(c["model"] - target) <= tol, c


@pytest.mark.parametrize(
    ("arm", "lo", "hi"),
    [("hamd.study1.brx90.diff.h60", -6.9, -0.5), ("hamd.study1.brx60.diff.h60", -8.8, -2.2)],
)
def test_differences_vs_placebo_inside_published_ci(checks, arm, lo, hi):
    assert lo <= checks[arm]["model"] <= hi, checks[arm]


@pytest.mark.parametrize("arm", ["brx90", "brx60"])
def test_separation_by_hour_24_and_benefit_kept_at_day_30(checks, arm):
    assert checks[f"hamd.study1.{arm}.separation.h24"]["model"] <= -1.0
    assert checks[f"hamd.study1.{arm}.day30"]["model"] < 0.0


def test_every_record_passes_and_is_well_formed(checks):
    for c in checks.values():
        assert {"id", "layer", "description", "source", "target", "tolerance", "model"} <= set(c)
        assert c["passed"], c


@pytest.mark.slow
def test_full_refit_reproduces_the_table():
    ps = load_parameters()
    r = calibrate_hamd(write=False)
    for name, v in r.values.items():
        assert ps.value(name) == pytest.approx(v, rel=5e-3), name
    assert all(c["passed"] for c in r.checks)
