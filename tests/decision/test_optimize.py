"""Constrained search, Pareto fronts and flags, on a cheap stand-in for the model."""

import numpy as np
import pandas as pd
import pytest

from brexsim.decision.optimize import get_flags, get_pareto_front, parse_constraint, run_study
from brexsim.decision.space import load_space
from brexsim.dosing import Regimen, get_preset
from brexsim.errors import BrexsimInputError


def fake_evaluate(reg: Regimen) -> dict[str, float]:
    """Benefit grows with the delivered dose, sedation with the top rate (monotone stand-in)."""
    dose = sum(s.dose_ug_per_kg for s in reg.segments)
    top = max(s.rate_ug_per_kg_h for s in reg.segments)
    return {
        "hamd_change_h60": -14.0 - 5.0 * (1 - np.exp(-dose / 3000.0)),
        "excessive_sedation_rate": 0.001 * top,
        "infusion_hours": reg.end_of_treatment_h,
    }


def test_same_seed_same_trials_and_constraint_respected():
    s = load_space("shorter-infusion")
    c = [parse_constraint("excessive_sedation_rate <= 0.05")]
    a = run_study(s, "hamd_change_h60", c, fake_evaluate, 25, seed=4)
    b = run_study(s, "hamd_change_h60", c, fake_evaluate, 25, seed=4)
    pd.testing.assert_frame_equal(a, b)
    assert (a.feasible == (a.excessive_sedation_rate <= 0.05)).all()
    assert a.feasible.any()
    other = run_study(s, "hamd_change_h60", c, fake_evaluate, 25, seed=5)
    assert not a[["duration_h", "plateau_rate_ug_per_kg_h"]].equals(
        other[["duration_h", "plateau_rate_ug_per_kg_h"]]
    )


def test_pareto_front_is_non_dominated_and_sorted():
    s = load_space("shorter-infusion")
    c = [parse_constraint("excessive_sedation_rate <= 0.05")]
    t = run_study(s, "hamd_change_h60", c, fake_evaluate, 30, seed=1)
    front = get_pareto_front(t, "hamd_change_h60", "infusion_hours")
    f = t.loc[front]
    assert f.feasible.all()
    assert (np.diff(f.infusion_hours) > 0).all() and (np.diff(f.hamd_change_h60) < 0).all()
    ok = t[t.feasible]
    for _, r in f.iterrows():  # nothing feasible is better in both
        better = (ok.hamd_change_h60 < r.hamd_change_h60) & (ok.infusion_hours < r.infusion_hours)
        assert not better.any()


def test_flags_outside_studied_range():
    assert get_flags(get_preset("zulresso")) == ""
    r = Regimen("brexanolone", segments=((0, 12, 120),))
    assert "rate 120" in get_flags(r) and "infusion 12 h" in get_flags(r)
    assert get_flags(get_preset("zuranolone-50mg")) == ""


@pytest.mark.parametrize("text", ["excessive_sedation_rate < 0.05", "nope <= 1", "loc_rate <= x"])
def test_bad_constraint_is_one_error(text):
    with pytest.raises(BrexsimInputError, match="--constraint"):
        parse_constraint(text)


def test_label_bound_is_the_sedation_calibration_target():
    from brexsim.calibration.sedation import TARGETS
    from brexsim.decision.optimize import get_label_rate

    events, n, source = TARGETS["excessive_sedation.brexanolone"]
    c = parse_constraint("excessive_sedation_rate <= label")
    assert c.bound == events / n == get_label_rate("excessive_sedation_rate")[0]
    assert get_label_rate("excessive_sedation_rate")[1] == source
    with pytest.raises(BrexsimInputError, match="label"):
        parse_constraint("loc_rate <= label")


def test_picks_are_the_best_feasible_within_each_budget():
    from brexsim.decision.optimize import get_picks

    t = pd.DataFrame(
        {
            "hamd_change_h60": [-5.0, -9.0, -4.0, -6.0, -7.0],
            "infusion_hours": [24.0, 20.0, 12.0, 36.0, 60.0],
            "feasible": [True, False, True, True, True],
        }
    )
    picks = get_picks(t, "hamd_change_h60", is_iv=True)
    assert {k: int(r.name) for k, r in picks.items()} == {
        "best": 4,
        "best_within_24h": 0,
        "best_within_36h": 3,
    }
    assert list(get_picks(t, "hamd_change_h60", is_iv=False)) == ["best"]
    assert get_picks(t.assign(feasible=False), "hamd_change_h60", is_iv=True) == {}
