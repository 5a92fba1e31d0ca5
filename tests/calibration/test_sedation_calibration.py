"""The calibrated sedation table reproduces its targets; re-running the calibration rewrites it."""

import pytest

from brexsim.calibration.sedation import (
    RECOVERY_TARGET_H,
    TARGETS,
    ZURANOLONE_SOMNOLENCE,
    calibrate_sedation,
    get_clopper_pearson,
    get_model_rates,
)
from brexsim.params import load_parameters


def test_clopper_pearson_matches_known_values():
    assert get_clopper_pearson(0, 107)[1] == pytest.approx(1 - 0.025 ** (1 / 107), rel=1e-9)
    lo, hi = get_clopper_pearson(3, 102)
    assert lo < 0.03 < hi


def test_table_values_reproduce_the_fitted_targets():
    """At the table values, a fresh population (other seed) gives the fitted pooled rates
    within Monte-Carlo error (3 SE at n = 20,000 per arm)."""
    r = get_model_rates(n=20_000, seed=7)
    pooled = r["brexanolone_pooled"]
    for key, target in (
        ("loss_of_consciousness", 5 / 140),
        ("interruption", TARGETS["interruption.brexanolone"][0] / 140),
    ):
        se = (target * (1 - target) / (20_000 * 0.75)) ** 0.5  # pooled effective n ~ 0.75 x
        assert pooled[key] == pytest.approx(target, abs=3 * se), key
    assert r["zuranolone-50mg"]["somnolence"] == pytest.approx(ZURANOLONE_SOMNOLENCE[0], abs=0.01)
    assert r["recovery_min"]["mean"] == pytest.approx(RECOVERY_TARGET_H * 60, abs=2.5)


def test_rerunning_the_calibration_reproduces_the_table():
    """Same seed and n as the table's fit (~10 s: it starts from the table values)."""
    report = calibrate_sedation(write=False)
    ps = load_parameters()
    for name, value in report["values"].items():
        assert ps.value(name) == pytest.approx(value, rel=2e-3), name
    fit = report["engine_fit"]
    assert fit["loc"] == pytest.approx(5 / 140, abs=5e-4)
    assert fit["interruption"] == pytest.approx(10 / 140, abs=5e-4)
    assert fit["recovery_h"] == pytest.approx(RECOVERY_TARGET_H, abs=0.01)
