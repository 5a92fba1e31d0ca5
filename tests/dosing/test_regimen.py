import math

import pytest

from brexsim.dosing import (
    IVSegment,
    OralDose,
    Regimen,
    get_preset,
    get_preset_names,
    get_segment_doses_ug_per_kg,
    get_total_dose,
    interrupt,
    load_regimen,
    read_regimen_file,
    regimen_to_toml,
)
from brexsim.errors import BrexsimInputError


def test_presets_match_the_label_and_study1():
    z = get_preset("zulresso")
    assert [(s.start_h, s.end_h, s.rate_ug_per_kg_h) for s in z.segments] == [
        (0, 4, 30),
        (4, 24, 60),
        (24, 52, 90),
        (52, 56, 60),
        (56, 60, 30),
    ]
    assert get_total_dose(z) == 4200.0  # µg/kg (PI: 4.2 mg/kg)
    assert get_total_dose(z, 70.0) == pytest.approx(294.0)
    assert get_segment_doses_ug_per_kg(z) == (120.0, 1200.0, 2520.0, 240.0, 120.0)
    b = get_preset("study1-brx60")
    assert get_total_dose(b) == 3360.0
    assert (z.setting, z.start_clock_h) == ("inpatient", 8.0)
    p = get_preset("placebo")
    assert p.is_placebo and p.end_of_treatment_h == 60.0 and p.setting == "inpatient"
    for name in ("zuranolone-50mg", "zuranolone-30mg", "placebo-oral"):
        r = get_preset(name)
        assert len(r.oral_doses) == 14 and r.setting == "outpatient" and r.start_clock_h == 20.0
        assert all(d.with_food for d in r.oral_doses)
        assert r.end_of_treatment_h == 14 * 24.0
    assert get_total_dose(get_preset("zuranolone-50mg")) == 700.0
    assert get_preset("placebo-oral").is_placebo
    assert set(get_preset_names()) >= {"zulresso", "study1-brx60", "placebo"}


def test_regimen_is_immutable():
    z = get_preset("zulresso")
    with pytest.raises(AttributeError):
        z.drug = "zuranolone"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("kwargs", "field", "value"),
    [
        ({"segments": ((0, 4, -30),)}, "rate_ug_per_kg_h", "-30"),
        ({"segments": ((0, 4, math.nan),)}, "rate_ug_per_kg_h", "nan"),
        ({"segments": ((0, 4, math.inf),)}, "rate_ug_per_kg_h", "inf"),
        ({"segments": ((-1, 4, 30),)}, "start_h", "-1"),
        ({"segments": ((4, 4, 30),)}, "end_h", "4"),
        ({"segments": ((0, 10, 30), (5, 12, 60))}, "segments", "0.0-10.0 h and 5.0-12.0 h"),
        ({"segments": ((0, 4, 300),)}, "rate_ug_per_kg_h", "300"),
        ({"segments": ((0, 4, 30),), "setting": "home"}, "setting", "'home'"),
        ({"segments": ((0, 4, 30),), "start_clock_h": 25}, "start_clock_h", "25"),
    ],
)
def test_iv_validation_errors_name_field_and_value(kwargs, field, value):
    with pytest.raises(BrexsimInputError) as e:
        Regimen("brexanolone", **kwargs)
    assert e.value.field == field
    assert value in str(e.value)


def test_high_rate_allowed_when_explicit():
    r = Regimen("brexanolone", segments=((0, 1, 300),), allow_above_studied=True)
    assert r.segments[0].rate_ug_per_kg_h == 300


@pytest.mark.parametrize(
    ("drug", "kwargs", "field"),
    [
        ("zuranolone", {"oral_doses": ((0, -5),)}, "mg"),
        ("zuranolone", {"oral_doses": ((0, 100),)}, "mg"),
        ("zuranolone", {"oral_doses": ((math.nan, 30),)}, "time_h"),
        ("brexanolone", {"oral_doses": ((0, 30),)}, "oral_doses"),
        ("zuranolone", {"segments": ((0, 4, 30),)}, "segments"),
        ("aspirin", {"oral_doses": ((0, 30),)}, "drug"),
        ("zuranolone", {}, "regimen"),
    ],
)
def test_other_validation_errors(drug, kwargs, field):
    with pytest.raises(BrexsimInputError) as e:
        Regimen(drug, **kwargs)
    assert e.value.field == field


def test_interruption_hand_worked():
    z = get_preset("zulresso")
    r = interrupt(z, 30.0, 31.0)  # pause 1 h at 90 µg/kg/h, resume at the same rate
    assert get_total_dose(r) == 4200.0 - 90.0
    assert r.get_rate_ug_per_kg_h(30.5) == 0.0 and r.get_rate_ug_per_kg_h(31.0) == 90.0
    assert r.end_of_treatment_h == 60.0
    low = interrupt(z, 30.0, 30.5, resume_rate_ug_per_kg_h=60.0)
    # 0.5 h lost at 90, then 21.5 h at 60 instead of 90 (rest of the 24-52 h segment)
    assert get_total_dose(low) == pytest.approx(4200.0 - 45.0 - 21.5 * 30.0)
    assert low.get_rate_ug_per_kg_h(53.0) == 60.0  # later segments as scheduled
    later = interrupt(z, 30.0, 30.5, resume_rate_ug_per_kg_h=60.0, reduce_later=True)
    assert later.get_rate_ug_per_kg_h(57.0) == 30.0 and later.get_rate_ug_per_kg_h(53.0) == 60.0
    stop = interrupt(z, 10.0, reason="hypoxia")
    assert get_total_dose(stop) == 120.0 + 6 * 60.0
    assert stop.interruptions[-1].reason == "hypoxia"
    with pytest.raises(BrexsimInputError, match="resume_rate_ug_per_kg_h=120"):
        interrupt(z, 30.0, 31.0, resume_rate_ug_per_kg_h=120.0)
    with pytest.raises(BrexsimInputError, match="end_h"):
        interrupt(z, 30.0, 29.0)


def test_regimen_toml_round_trip(tmp_path):
    for name in get_preset_names():
        r = get_preset(name)
        p = tmp_path / f"{name}.toml"
        p.write_text(regimen_to_toml(r))
        assert read_regimen_file(p) == r
        assert load_regimen(str(p)) == r


def test_regimen_file_errors(tmp_path):
    p = tmp_path / "bad.toml"
    p.write_text('drug = "brexanolone"\nsegmentz = []\n')
    with pytest.raises(BrexsimInputError, match="segmentz"):
        read_regimen_file(p)
    p.write_text(
        'drug = "brexanolone"\nsegments = [{start_h = 0, end_h = 4, rate_ug_per_kg_h = -1}]\n'
    )
    with pytest.raises(BrexsimInputError, match="rate_ug_per_kg_h=-1"):
        read_regimen_file(p)
    with pytest.raises(BrexsimInputError, match="regimen='nope'"):
        load_regimen("nope")


def test_dataclass_inputs_accept_objects():
    r = Regimen("zuranolone", oral_doses=(OralDose(24, 30, False), OralDose(0, 30)))
    assert [d.time_h for d in r.oral_doses] == [0.0, 24.0]  # sorted
    assert r.dosing_interval_h == 24.0
    assert Regimen("brexanolone", segments=(IVSegment(0, 1, 30),)).jump_times_h == (0.0, 1.0)
