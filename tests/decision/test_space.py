"""SPACE.toml schema and regimen construction."""

import pytest

from brexsim.decision.space import get_space_names, load_space, make_regimen
from brexsim.dosing import get_preset
from brexsim.errors import BrexsimInputError

IV = 'drug = "brexanolone"\n[infusion]\nduration_h = [12.0, 60.0]\n'
ORAL = 'drug = "zuranolone"\n[oral]\ndose_mg = [20.0, 50.0]\ndays = [7, 14]\n'


def test_shipped_spaces_load():
    assert {"shorter-infusion", "oral"} <= set(get_space_names())
    assert load_space("oral").drug == "zuranolone"


def test_zulresso_shape_and_ramps_are_shortened_to_fit():
    s = load_space("shorter-infusion")
    pt = {
        "duration_h": 60,
        "plateau_rate_ug_per_kg_h": 90,
        "ramp_steps": 2,
        "step_h": 4,
        "start_clock_h": 8,
    }
    r = make_regimen(s, pt)
    assert [g.rate_ug_per_kg_h for g in r.segments] == [30, 60, 90, 60, 30]
    assert r.end_of_treatment_h == 60 and r.start_clock_h == 8
    short = make_regimen(s, {**pt, "duration_h": 12, "step_h": 12})
    assert short.end_of_treatment_h == 12
    plateau = next(g for g in short.segments if g.rate_ug_per_kg_h == 90)
    assert plateau.duration_h == pytest.approx(1.0)
    assert get_preset("zulresso").segments[0].rate_ug_per_kg_h == 30


def test_oral_point():
    r = make_regimen(
        load_space("oral"), {"dose_mg": 30, "days": 7, "timing": "morning", "food": False}
    )
    assert len(r.oral_doses) == 7 and r.start_clock_h == 8.0
    assert not r.oral_doses[0].with_food


@pytest.mark.parametrize(
    ("text", "field"),
    [
        (
            IV.replace("[12.0, 60.0]", "[12.0]") + "plateau_rate_ug_per_kg_h = [30.0, 90.0]\n",
            "infusion.duration_h",
        ),
        (
            IV + "plateau_rate_ug_per_kg_h = [30.0, 400.0]\n",
            "infusion.plateau_rate_ug_per_kg_h",
        ),
        (
            IV + "plateau_rate_ug_per_kg_h = [30.0, 90.0]\nspeed = 1\n",
            "infusion.speed",
        ),
        (
            ORAL + 'timing = ["noon"]\n',
            "oral.timing",
        ),
        (
            IV.replace("brexanolone", "zuranolone") + "plateau_rate_ug_per_kg_h = [30.0, 90.0]\n",
            "space",
        ),
    ],
)
def test_bad_field_is_one_error_naming_it(tmp_path, text, field):
    f = tmp_path / "s.toml"
    f.write_text(text)
    with pytest.raises(BrexsimInputError) as e:
        load_space(f)
    assert e.value.field.startswith(field)
    assert "\n" not in str(e.value)


def test_unknown_space_name():
    with pytest.raises(BrexsimInputError, match="--space"):
        load_space("no-such-space")
