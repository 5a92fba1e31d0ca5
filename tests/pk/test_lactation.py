"""Lactation: milk concentration, infant dose and RID against the published values.

Reference numbers come from ``lactation.toml`` (value, unit, source); known discrepancies are
strict xfails, so a model change that removes one makes the test fail until the docs say so.
"""

from __future__ import annotations

import numpy as np
import pytest

from brexsim.dosing import IVSegment, OralDose, Regimen, get_preset
from brexsim.errors import BrexsimInputError
from brexsim.params import ParameterSet, load_parameters, override_parameters
from brexsim.pk.lactation import get_label_rid_references, simulate_lactation

PS = load_parameters()
L = PS.get_layer("lactation")


@pytest.fixture(scope="module")
def zulresso():
    return simulate_lactation(get_preset("zulresso"), 70.0)


@pytest.fixture(scope="module")
def zur50():
    return simulate_lactation(get_preset("zuranolone-50mg"), 70.0)


# ------------------------------------------------------------------ brexanolone vs publications
@pytest.mark.xfail(
    strict=True,
    reason="known discrepancy: the rolling 24-h RID of the typical 70-kg patient is 0.81 %, "
    "below the Zulresso label's 1-2 % (the label's RID definition is not stated; with "
    "M/P 1.36 and 150 mL/kg/day a 24-h RID is M/P·V_milk/(CL·24 h) ≈ 0.78 %); docs/lactation.md",
)
def test_brexanolone_max_rolling_rid_in_the_label_range(zulresso) -> None:
    assert L["brexanolone_label_rid_low_pct"] <= zulresso.max_rid_pct
    assert zulresso.max_rid_pct <= L["brexanolone_label_rid_high_pct"]


def test_brexanolone_max_rolling_rid_within_a_factor_two_of_wald(zulresso) -> None:
    wald = L["brexanolone_wald_max_rid_pct"]
    assert wald / 2 <= zulresso.max_rid_pct <= wald * 2, zulresso.max_rid_pct


def test_brexanolone_instantaneous_rid_during_the_taper_is_in_the_label_range(zulresso) -> None:
    # the per-instant ratio (infant intake rate / current infusion rate) peaks in the 30-µg/kg/h
    # taper step, where milk still reflects the higher earlier rates
    inst = zulresso.max_rid_instantaneous_pct
    assert L["brexanolone_label_rid_low_pct"] <= inst <= L["brexanolone_label_rid_high_pct"], inst


def test_brexanolone_rolling_rid_equals_the_steady_state_formula() -> None:
    """Long constant infusion: RID → 100·M/P·V_milk/(CL·24 h), whatever the rate."""
    reg = Regimen("brexanolone", segments=(IVSegment(0.0, 300.0, 60.0),))
    res = simulate_lactation(reg, 70.0, times_h=np.arange(0.0, 300.5, 1.0))
    cl = PS.value("brexanolone_pk.cl_L_per_h_per_kg")
    expected = 100 * L["brexanolone_milk_plasma_ratio"] * L["milk_intake_mL_per_kg_day"] / 1000
    expected /= cl * 24.0
    assert res.rid_pct[-1] == pytest.approx(expected, rel=2e-3)


def test_brexanolone_milk_below_the_assay_limit_within_three_days(zulresso) -> None:
    assert zulresso.threshold_ng_per_ml == L["brexanolone_milk_loq_ng_per_ml"]
    assert 0 < zulresso.time_below_threshold_h <= L["brexanolone_milk_below_loq_after_end_h"]


@pytest.mark.xfail(
    strict=True,
    reason="known discrepancy: model milk falls below 5 ng/mL 10.4 h after the infusion, the "
    "observation was 'by about 3 days' in most women; the calibrated 2-compartment PK drops "
    "fast after the taper (distribution t½ 0.72 h); docs/lactation.md",
)
def test_brexanolone_milk_clears_on_the_observed_time_scale(zulresso) -> None:
    assert 24.0 <= zulresso.time_below_threshold_h <= L["brexanolone_milk_below_loq_after_end_h"]


def test_brexanolone_typical_patient_below_the_poppk_95th_percentile_level() -> None:
    res = simulate_lactation(
        "zulresso", 70.0, threshold_ng_per_ml=L["brexanolone_popk_milk_level_ng_per_ml"]
    )
    assert res.time_below_threshold_h <= L["brexanolone_popk_milk_level_time_h"]


# ------------------------------------------------------------------ zuranolone vs publications
def test_zuranolone_milk_plasma_ratio_is_the_documented_arithmetic() -> None:
    milk = L["zuranolone_infant_dose_30mg_mg_per_kg_day"] / (L["milk_intake_mL_per_kg_day"] / 1e3)
    plasma = L["zuranolone_lactation_study_dose_mg"] / (PS.value("zuranolone_pk.cl_f_L_per_h") * 24)
    assert L["zuranolone_milk_plasma_ratio"] == pytest.approx(milk / plasma, rel=1e-5)


def test_zuranolone_30mg_day5_infant_dose_matches_the_label() -> None:
    reg = Regimen("zuranolone", oral_doses=tuple(OralDose(24.0 * k, 30.0) for k in range(5)))
    res = simulate_lactation(reg, 70.0, times_h=np.arange(0.0, 200.0, 0.25))
    day5 = res.infant_daily_dose[np.searchsorted(res.times, 120.0)] / 1000  # mg/kg/day
    assert day5 == pytest.approx(L["zuranolone_infant_dose_30mg_mg_per_kg_day"], rel=0.05)


def test_zuranolone_50mg_rid_matches_the_label_at_the_study_weight(zur50) -> None:
    # the label's RID and infant dose imply the study mothers' mean weight (30 mg / 0.350 mg/kg)
    rid_label = L["zuranolone_rid_30mg_pct"]
    implied_kg = L["zuranolone_lactation_study_dose_mg"] / (
        L["zuranolone_infant_dose_30mg_mg_per_kg_day"] / (rid_label / 100)
    )
    assert 80.0 < implied_kg < 90.0
    res = simulate_lactation("zuranolone-50mg", implied_kg)
    assert res.steady_state_rid_pct == pytest.approx(rid_label, rel=0.05)
    # a 70-kg mother takes more mg/kg, so her RID is lower in proportion
    assert zur50.steady_state_rid_pct == pytest.approx(rid_label * 70 / implied_kg, rel=0.05)


@pytest.mark.xfail(
    strict=True,
    reason="known discrepancy: Deligiannidis 2024 estimated 0.984 % at 50 mg for 200 mL/kg/day "
    "(0.74 % at 150), twice the measured 30-mg RID; the linear model's RID does not depend on "
    "the dose (0.29 % at 70 kg); docs/lactation.md",
)
def test_zuranolone_50mg_rid_matches_the_50mg_estimate(zur50) -> None:
    ref = get_label_rid_references("zuranolone")[1]["low"]
    assert zur50.steady_state_rid_pct == pytest.approx(ref, rel=0.25)


def test_zuranolone_steady_state_is_the_last_interval(zur50) -> None:
    assert zur50.dosing_end_h == 312.0
    assert zur50.steady_state_infant_daily_dose_ug_per_kg == pytest.approx(
        zur50.infant_daily_dose[np.searchsorted(zur50.times, 336.0)]
    )
    assert zur50.max_rid_pct == pytest.approx(zur50.steady_state_rid_pct, rel=0.02)


# ------------------------------------------------------------------ units and invariances
@pytest.mark.parametrize("name", ["zulresso", "zuranolone-50mg"])
def test_doubling_the_milk_plasma_ratio_doubles_the_infant_dose(name: str) -> None:
    reg = get_preset(name)
    key = f"lactation.{reg.drug}_milk_plasma_ratio"
    ps2 = override_parameters(PS, {key: 2 * PS.value(key)})
    a, b = simulate_lactation(reg, 70.0), simulate_lactation(reg, 70.0, params=ps2)
    np.testing.assert_allclose(b.plasma, a.plasma)
    np.testing.assert_allclose(b.milk, 2 * a.milk)
    np.testing.assert_allclose(b.infant_daily_dose, 2 * a.infant_daily_dose)
    np.testing.assert_allclose(b.infant_dose_rate, 2 * a.infant_dose_rate)
    assert b.max_rid_pct == pytest.approx(2 * a.max_rid_pct)
    assert b.time_below_threshold_h > a.time_below_threshold_h


def test_brexanolone_rid_does_not_depend_on_maternal_weight() -> None:
    light, heavy = simulate_lactation("zulresso", 55.0), simulate_lactation("zulresso", 95.0)
    np.testing.assert_allclose(heavy.rid_pct, light.rid_pct, rtol=1e-9, equal_nan=True)
    assert heavy.max_rid_pct == pytest.approx(light.max_rid_pct, rel=1e-9)


def test_zuranolone_rid_scales_with_maternal_weight_for_a_fixed_mg_dose() -> None:
    a, b = simulate_lactation("zuranolone-30mg", 60.0), simulate_lactation("zuranolone-30mg", 90.0)
    np.testing.assert_allclose(b.infant_daily_dose, a.infant_daily_dose)
    assert b.steady_state_rid_pct == pytest.approx(1.5 * a.steady_state_rid_pct, rel=1e-9)


def test_time_course_relations(zulresso) -> None:
    r = zulresso
    np.testing.assert_allclose(r.milk, L["brexanolone_milk_plasma_ratio"] * r.plasma)
    np.testing.assert_allclose(r.infant_dose_rate, r.milk * L["milk_intake_mL_per_kg_day"] / 1e3)
    ok = np.isfinite(r.rid_pct)
    assert r.times[ok].min() == pytest.approx(24.0) and r.times[ok].max() == pytest.approx(60.0)
    # cumulative intake = ∫ rate dt / 24 h; the sum of consecutive 24-h windows is the same
    cum = np.trapezoid(r.infant_dose_rate, r.times) / 24.0
    assert r.cumulative_infant_dose_ug_per_kg == pytest.approx(cum, rel=1e-3)
    windows = r.infant_daily_dose[np.searchsorted(r.times, np.arange(24.0, 300.5, 24.0))].sum()
    assert windows == pytest.approx(cum, rel=1e-3)
    assert r.max_milk_ng_per_ml == pytest.approx(r.milk.max(), rel=1e-3)


def test_summary_states_the_infant_exposure_and_the_disclaimer(zulresso, zur50) -> None:
    s = zulresso.get_summary()
    assert s["infant_absorbed_dose_upper_bound_ug_per_kg_day"] == pytest.approx(
        L["brexanolone_oral_bioavailability_max"] * s["max_infant_daily_dose_ug_per_kg"]
    )
    assert "breastfeeding" in s["disclaimer"]
    assert "not evaluated" in zur50.get_summary()["infant_exposure_note"]


# ------------------------------------------------------------------ bad input
@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"weight_kg": -3.0}, "weight_kg"),
        ({"weight_kg": float("nan")}, "weight_kg"),
        ({"threshold_ng_per_ml": 0.0}, "threshold_ng_per_ml"),
        ({"threshold_ng_per_ml": -1.0}, "threshold_ng_per_ml"),
        ({"times_h": np.array([5.0, 1.0])}, "times_h"),
        ({"regimen": "no-such-regimen"}, "regimen"),
        ({"regimen": "placebo"}, "regimen"),
        ({"regimen": 42}, "regimen"),
    ],
)
def test_bad_input_gives_one_clear_error(kwargs: dict, field: str) -> None:
    args = {"regimen": "zulresso", "weight_kg": 70.0, **kwargs}
    with pytest.raises(BrexsimInputError) as exc:
        simulate_lactation(**args)
    assert exc.value.field == field


def test_unknown_drug_gives_one_clear_error(tmp_path) -> None:
    f = tmp_path / "other.toml"
    f.write_text('name = "x"\ndrug = "sertraline"\noral_doses = [{time_h = 0.0, mg = 50.0}]\n')
    with pytest.raises(BrexsimInputError, match="drug"):
        simulate_lactation(str(f))
    no_ratio = ParameterSet(
        {k: v for k, v in PS.items() if k != "lactation.zuranolone_milk_plasma_ratio"}
    )
    with pytest.raises(BrexsimInputError) as exc:
        simulate_lactation("zuranolone-50mg", params=no_ratio)
    assert exc.value.field == "drug"
