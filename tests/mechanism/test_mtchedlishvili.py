"""The simulated Mtchedlishvili 2001 experiment: apparent EC50 12.9 / 92.7 nM within 5 %."""

import numpy as np
import pytest

from brexsim.calibration.gabaa import EC50_TARGETS_NM, calibrate_ec50
from brexsim.mechanism.gabaa import get_gabaa_params
from brexsim.mechanism.mtchedlishvili import (
    fit_hill,
    get_cell_composition,
    run_mtchedlishvili,
    simulate_enhancement_pct,
)
from brexsim.params import load_parameters, override_parameters


@pytest.mark.parametrize(("state", "target"), [("control", 12.9), ("epileptic", 92.7)])
def test_apparent_ec50_within_5_percent(state, target):
    r = run_mtchedlishvili(state)
    assert abs(r.ec50_nM / target - 1) <= 0.05, f"{state}: {r.ec50_nM:.2f} nM vs {target}"
    assert np.all(np.diff(r.enhancement_pct) > 0)
    assert 0.5 < r.hill < 2.0 and r.emax_pct > 0


def test_epileptic_state_changes_composition_not_potency():
    pc, pe = get_gabaa_params(sensitivity="control"), get_gabaa_params(sensitivity="epileptic")
    assert pc.allo == pe.allo  # same subtype EC50s and Emax: no EC50 typed in per state
    cc, ce = get_cell_composition("control"), get_cell_composition("epileptic")
    assert ce["a4g2"] > cc["a4g2"] and ce["a1g2"] < cc["a1g2"] and ce["delta"] < cc["delta"]


def test_without_the_composition_change_there_is_no_shift():
    ps = load_parameters()
    same = override_parameters(
        ps,
        {
            "gabaa.a4_share_gamma2_epileptic": ps.value("gabaa.a4_share_gamma2_control"),
            "gabaa.delta_retained_epileptic": 1.0,
            "gabaa.mtch_gaba_max_current_epileptic_pA": ps.value(
                "gabaa.mtch_gaba_max_current_control_pA"
            ),
        },
    )
    ec = run_mtchedlishvili("control", same).ec50_nM
    ee = run_mtchedlishvili("epileptic", same).ec50_nM
    assert ee == pytest.approx(ec, rel=1e-6)


def test_direct_gating_is_part_of_the_experiment():
    ps = load_parameters()
    no_direct = override_parameters(
        ps, {"gabaa.direct_max_gamma2": 0.0, "gabaa.direct_max_delta": 0.0}
    )
    with_d = simulate_enhancement_pct([1000.0], "control", ps)[0]
    without = simulate_enhancement_pct([1000.0], "control", no_direct)[0]
    assert with_d > without


def test_fit_hill_recovers_a_known_curve():
    c = np.geomspace(1, 1000, 7)
    y = 300 * c**1.3 / (c**1.3 + 40.0**1.3)
    ec50, n, emax = fit_hill(c, y)
    assert ec50 == pytest.approx(40.0, rel=1e-4)
    assert n == pytest.approx(1.3, rel=1e-4)
    assert emax == pytest.approx(300.0, rel=1e-4)


def test_written_ec50_calibration_is_reproducible():
    ps = load_parameters()
    fitted = calibrate_ec50(ps)
    for name, value in fitted.items():
        assert ps.value(name) == pytest.approx(value, rel=1e-4), name
    assert set(EC50_TARGETS_NM) == {"control", "epileptic"}
