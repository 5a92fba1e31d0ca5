"""Server logic of the web app without a browser: table parsing, one patient, assay, population,
downloads, warm-up, and the server's guards."""

from __future__ import annotations

import io
import threading
import time

import numpy as np
import pandas as pd
import pytest

from brexsim.app import logic as lg
from brexsim.app import population_run as pr
from brexsim.app.server_common import _as_int, _clean_cell, _guarded
from brexsim.dosing import get_preset, interrupt
from brexsim.errors import BrexsimInputError
from brexsim.pk import get_default_times, get_exposure_summary, simulate_pk


def _tables(name: str) -> lg.RegimenTables:
    return lg.get_preset_tables(name)


def _build(tb: lg.RegimenTables, **kw) -> object:
    args = {
        "segments": tb.segments,
        "oral": tb.oral,
        "interruptions": tb.interruptions,
        "start_clock_h": tb.start_clock_h,
    }
    args.update(kw)
    return lg.build_regimen(tb.drug, **args)


@pytest.fixture(scope="module")
def zulresso_run() -> lg.PatientRun:
    return lg.run_patient(get_preset("zulresso"), lg.PatientSettings())


# ------------------------------------------------------------------ tables -> regimen
@pytest.mark.parametrize("name", ["zulresso", "study1-brx60", "placebo", "zuranolone-30mg"])
def test_preset_tables_round_trip(name: str) -> None:
    reg = _build(_tables(name))
    ref = get_preset(name)
    assert reg.drug == ref.drug
    assert reg.segments == ref.segments
    assert reg.oral_doses == ref.oral_doses
    assert reg.start_clock_h == ref.start_clock_h
    assert reg.setting == ref.setting


def test_edited_cell_changes_the_regimen() -> None:
    tb = _tables("zulresso")
    seg = tb.segments.copy()
    seg.iloc[2, 2] = " 45 "
    reg = _build(tb, segments=seg)
    assert reg.segments[2].rate_ug_per_kg_h == 45.0


@pytest.mark.parametrize(
    ("row", "col", "text", "field"),
    [
        (1, 2, "abc", "rate_ug_per_kg_h"),
        (1, 2, "300", "rate_ug_per_kg_h"),  # above the studied 270
        (1, 2, "nan", "rate_ug_per_kg_h"),
        (1, 2, "-5", "rate_ug_per_kg_h"),
        (0, 1, "", "end_h"),
        (4, 1, "700", "end_h"),  # past day 28
        (1, 2, "__import__('os')", "rate_ug_per_kg_h"),
        (1, 0, "1e400", "start_h"),
    ],
)
def test_bad_segment_cell_names_field_and_row(row: int, col: int, text: str, field: str) -> None:
    tb = _tables("zulresso")
    seg = tb.segments.copy()
    seg.iloc[row, col] = text
    with pytest.raises(BrexsimInputError) as e:
        _build(tb, segments=seg)
    assert e.value.field == field
    assert f"row {row + 1}" in str(e.value)


def test_overlapping_segments_rejected() -> None:
    tb = _tables("zulresso")
    seg = tb.segments.copy()
    seg.iloc[1, 1] = "30"  # 4-30 overlaps 24-52
    with pytest.raises(BrexsimInputError, match="non-overlapping"):
        _build(tb, segments=seg)


def test_long_cell_rejected() -> None:
    tb = _tables("zulresso")
    seg = tb.segments.copy()
    seg.iloc[0, 2] = "1" * 40
    with pytest.raises(BrexsimInputError, match="at most 24 characters"):
        _build(tb, segments=seg)


def test_interruptions_match_dosing_interrupt() -> None:
    tb = _tables("zulresso")
    ints = lg.add_table_row(tb.interruptions, "interruptions")  # 30-31 h, resume as scheduled
    ints.iloc[0] = ["30", "31", "60", "yes"]
    reg = _build(tb, interruptions=ints)
    ref = interrupt(get_preset("zulresso"), 30.0, 31.0, 60.0, True, reason="user")
    assert reg.segments == ref.segments
    stop = ints.copy()
    stop.iloc[0] = ["40", "", "", "no"]  # stopped for good
    reg2 = _build(tb, interruptions=stop)
    assert reg2.get_rate_ug_per_kg_h(50.0) == 0.0
    assert reg2.get_rate_ug_per_kg_h(39.0) == 90.0


def test_interruption_resume_above_schedule_rejected() -> None:
    tb = _tables("zulresso")
    ints = pd.DataFrame([["30", "31", "120", "no"]], columns=list(lg.INTERRUPTION_COLUMNS))
    with pytest.raises(BrexsimInputError) as e:
        _build(tb, interruptions=ints)
    assert e.value.field == "resume_rate_ug_per_kg_h"
    assert "interruption row 1" in str(e.value)


def test_oral_table_parsing() -> None:
    tb = _tables("zuranolone-30mg")
    oral = tb.oral.copy()
    oral.iloc[0] = ["0", "20", "no"]
    reg = _build(tb, oral=oral)
    assert reg.oral_doses[0].mg == 20.0 and reg.oral_doses[0].with_food is False
    oral.iloc[0, 2] = "maybe"
    with pytest.raises(BrexsimInputError, match="yes or no"):
        _build(tb, oral=oral)
    oral.iloc[0] = ["0", "80", "yes"]  # above the studied 66 mg
    with pytest.raises(BrexsimInputError) as e:
        _build(tb, oral=oral)
    assert e.value.field == "mg"


def test_row_caps_and_continuation() -> None:
    seg = _tables("zulresso").segments
    more = lg.add_table_row(seg, "segments")
    assert more.iloc[-1].tolist() == ["60", "64", "30"]
    assert len(lg.remove_table_row(more)) == len(seg)
    oral = lg.add_table_row(_tables("zuranolone-30mg").oral, "oral")
    assert oral.iloc[-1].tolist() == ["336", "30", "yes"]
    full = seg
    while len(full) < lg.LIMITS["max_segments"]:
        full = lg.add_table_row(full, "segments")
    with pytest.raises(BrexsimInputError, match="at most 24 rows"):
        lg.add_table_row(full, "segments")
    with pytest.raises(BrexsimInputError):
        lg.add_table_row(seg, "../../etc/passwd")


def test_clock_time_checked() -> None:
    with pytest.raises(BrexsimInputError) as e:
        _build(_tables("zulresso"), start_clock_h=None)
    assert e.value.field == "start_clock_h"
    with pytest.raises(BrexsimInputError):
        _build(_tables("zulresso"), start_clock_h=24.5)


def test_placebo_regimen_keeps_schedule() -> None:
    for name in ("zulresso", "zuranolone-30mg"):
        reg = get_preset(name)
        pbo = lg.get_placebo_regimen(reg)
        assert pbo.is_placebo and pbo.setting == reg.setting
        assert pbo.jump_times_h == reg.jump_times_h


# ------------------------------------------------------------------ patient settings
@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"weight_kg": 10.0}, "weight_kg"),
        ({"weight_kg": None}, "weight_kg"),
        ({"weight_kg": float("nan")}, "weight_kg"),
        ({"hamd_baseline": 60}, "hamd_baseline"),
        ({"sedation_sensitivity": 0.0}, "sedation_sensitivity"),
        ({"delta_state": "unknown"}, "delta_state"),
        ({"sensitivity": "resistant"}, "sensitivity"),
        ({"antidepressant": "yes"}, "antidepressant"),
    ],
)
def test_patient_settings_validated(kw: dict, field: str) -> None:
    with pytest.raises(BrexsimInputError) as e:
        lg.PatientSettings(**kw)
    assert e.value.field == field


# ------------------------------------------------------------------ one patient
def test_run_patient_numbers_follow_the_layers(zulresso_run: lg.PatientRun) -> None:
    run = zulresso_run
    reg = get_preset("zulresso")
    pk = simulate_pk(reg, 70.0, get_default_times(reg, lg.HORIZON_H, 0.25))
    expo = get_exposure_summary(pk, reg)
    s = run.summary
    assert s["cmax_ng_per_ml"] == expo["cmax_ng_per_ml"]
    assert s["max_biophase_free_nM"] == expo["max_biophase_free_nM"]
    assert s["tone_index_max"] == float(run.result.get("tone_index").max())
    # label Cmax of the typical patient (Wald 2022 CI 74-108 ng/mL)
    assert 74.0 < s["cmax_ng_per_ml"] < 108.0
    # drug beats its placebo on HAM-D at the end of the infusion; cytokines fall
    assert s["hamd_change_end_of_treatment"] < s["hamd_change_end_of_treatment_placebo"] < 0
    assert s["tnf_fold_end_of_treatment"] < 1.0
    assert s["tonic_current_max_pA"] > s["tonic_current_baseline_pA"] > 0
    assert run.placebo.get("plasma_drug").max() == 0.0
    tab = lg.get_summary_table(run)
    assert tab.loc[tab["quantity"] == "Cmax (plasma, drug)", "value"].item() == (
        f"{expo['cmax_ng_per_ml']:.1f}"
    )


def test_delta_state_and_sensitivity_change_the_receptor_panel(
    zulresso_run: lg.PatientRun,
) -> None:
    from brexsim.mechanism.gabaa import get_tonic_current_pA

    pp = lg.run_patient(get_preset("zulresso"), lg.PatientSettings(delta_state="postpartum"))
    # before dosing: the Maguire & Mody currents of the two delta states (+ endogenous steroid)
    assert (
        pp.summary["tonic_current_baseline_pA"] > zulresso_run.summary["tonic_current_baseline_pA"]
    )
    assert pp.summary["tonic_current_baseline_pA"] == pytest.approx(
        float(get_tonic_current_pA([pp.fine["biophase_free_endogenous"][0][0]], "postpartum")[0]),
        rel=1e-9,
    )
    epi = lg.run_patient(get_preset("zulresso"), lg.PatientSettings(sensitivity="epileptic"))
    # epileptic cells: alpha4-gamma2 receptors with the 7-fold higher EC50 (Mtchedlishvili 2001)
    for key in ("max_gamma2_potentiation_pct", "tonic_current_max_pA", "tone_index_max"):
        assert epi.summary[key] < zulresso_run.summary[key]


def test_sensitive_patient_triggers_monitoring_events() -> None:
    s = lg.PatientSettings(antidepressant=True, sedation_sensitivity=10.0)
    run = lg.run_patient(get_preset("zulresso"), s)
    assert run.summary["n_interruptions"] >= 1 and run.events
    ev = lg.get_events_table(run)
    assert len(ev) == len(run.events)
    assert ev["clock"].str.match(r"^\d\d:\d\d$").all()
    # the delivered (interrupted) regimen gives less drug than scheduled
    assert run.summary["cmax_ng_per_ml"] < 82.0
    assert run.delivered != run.regimen


def test_schedule_past_day_28_rejected() -> None:
    reg = get_preset("zuranolone-30mg")
    from dataclasses import replace

    from brexsim.dosing import OralDose

    long = replace(reg, oral_doses=(*reg.oral_doses, OralDose(700.0, 30.0)))
    with pytest.raises(BrexsimInputError, match="day 28"):
        lg.run_patient(long, lg.PatientSettings())


def test_compare_table(zulresso_run: lg.PatientRun) -> None:
    b = lg.run_patient(get_preset("study1-brx60"), lg.PatientSettings())
    tab = lg.get_compare_table(zulresso_run, b)
    row = tab[tab["quantity"] == "Cmax (plasma, drug)"].iloc[0]
    diff = b.summary["cmax_ng_per_ml"] - zulresso_run.summary["cmax_ng_per_ml"]
    assert row["B - A"] == f"{diff:.1f}"


# ------------------------------------------------------------------ assay
def test_assay_table_matches_simulate_assay(zulresso_run: lg.PatientRun) -> None:
    from brexsim.mechanism.assay import BloodSample, simulate_assay

    res = zulresso_run.result
    tab = lg.get_assay_table(zulresso_run, 60, "LPS")
    i = 60  # hourly grid
    sample = BloodSample(
        60.0,
        float(res.get("plasma_drug")[0, i]),
        float(res.get("innate_state")[0, i]),
        tuple(float(res.get(c)[0, i]) for c in ("tnf", "il1b", "il6")),
    )
    base = BloodSample(
        0.0, 0.0, 1.0, tuple(float(res.get(c)[0, 0]) for c in ("tnf", "il1b", "il6"))
    )
    ref = simulate_assay(sample, "LPS", baseline=base)
    assert tab["fold_secreted"].tolist() == pytest.approx(
        [ref.fold_secreted[c] for c in ("tnf", "il1b", "il6")], rel=1e-9
    )
    assert (tab["fold_secreted"] < 1.0).all()  # the drug in the sample inhibits the response
    with pytest.raises(BrexsimInputError):
        lg.get_assay_table(zulresso_run, 5000, "LPS")
    with pytest.raises(BrexsimInputError):
        lg.get_assay_table(zulresso_run, 60, "rm -rf")


# ------------------------------------------------------------------ downloads
def test_patient_frame_and_bytes(zulresso_run: lg.PatientRun) -> None:
    f = lg.get_patient_frame(zulresso_run)
    assert list(f.columns) == ["subject", "arm", "time_h", "variable", "value", "unit"]
    assert {"regimen A", "regimen A: placebo reference", "regimen A: 0.25-h series"} == set(
        f["arm"]
    )
    back = pd.read_csv(io.BytesIO(lg.to_bytes(f, "csv")))
    assert len(back) == len(f)
    pq = pd.read_parquet(io.BytesIO(lg.to_bytes(f, "parquet")))
    cmax = pq[(pq["arm"] == "regimen A: 0.25-h series") & (pq["variable"] == "plasma_drug")]
    assert cmax["value"].max() == zulresso_run.summary["cmax_ng_per_ml"]
    assert (
        pq.attrs["provenance"]["parameter_hash"] == zulresso_run.result.provenance["parameter_hash"]
    )
    with pytest.raises(BrexsimInputError):
        lg.to_bytes(f, "xlsx")


def test_figures_render(zulresso_run: lg.PatientRun) -> None:
    from brexsim.app.plots import figure_png, plot_assay, plot_compare, plot_patient

    for fig in (
        plot_patient(zulresso_run),
        plot_compare(zulresso_run, zulresso_run),
        plot_assay(zulresso_run, lg.get_assay_table(zulresso_run, 30, "IMQ")),
    ):
        assert figure_png(fig, dpi=40)[:4] == b"\x89PNG"


# ------------------------------------------------------------------ population
@pytest.fixture
def small_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Population blocks of one patient: reuses the one-patient compiled model (fast); the
    64-patient block is exercised by the slow test below."""
    monkeypatch.setattr(pr, "POPULATION_CHUNK", 1)


def test_population_small_run_with_progress(small_blocks: None) -> None:
    from brexsim.app.plots import figure_png, plot_population

    seen: list[float] = []
    run = lg.run_population(get_preset("zulresso"), 3, seed=5, progress=lambda f, m: seen.append(f))
    assert seen[0] == 0.0 and seen[-1] == 1.0 and seen == sorted(seen)
    pats, pct = lg.get_population_frames(run)
    assert len(pats) == 6 and set(pats["arm"]) == {"drug", "placebo"}
    assert pats.loc[pats["arm"] == "placebo", "cmax_ng_per_ml"].max() == 0.0
    med = pct[(pct["arm"] == "drug") & (pct["statistic"] == "p50")]
    assert set(med["variable"]) == {v for v, _ in lg.PERCENTILE_VARIABLES}
    drug_rates = run.rates[run.rates["arm"] == "drug"].iloc[0]
    assert 0.0 <= drug_rates["somnolence (%)"] <= 100.0
    assert figure_png(plot_population(run), dpi=40)[:4] == b"\x89PNG"


@pytest.mark.parametrize(("n", "seed"), [(0, 1), (1001, 1), (2.5, 1), (True, 1), (3, -1)])
def test_population_caps(n: object, seed: object) -> None:
    with pytest.raises(BrexsimInputError):
        lg.run_population(get_preset("zulresso"), n, seed)  # type: ignore[arg-type]


@pytest.mark.slow
def test_population_blocks_do_not_change_patients() -> None:
    """70 patients in blocks of 64 (padded) give each patient the one-patient-block result."""
    big = lg.run_population(get_preset("zulresso"), 70, seed=3, placebo=False)
    pr.POPULATION_CHUNK, old = 1, pr.POPULATION_CHUNK
    try:
        one = lg.run_population(get_preset("zulresso"), 70, seed=3, placebo=False)
    finally:
        pr.POPULATION_CHUNK = old
    a, b = lg.get_population_frames(big)[0], lg.get_population_frames(one)[0]
    pd.testing.assert_frame_equal(a, b, rtol=1e-6)


def test_population_cancel() -> None:
    ev = threading.Event()
    ev.set()
    with pytest.raises(BrexsimInputError, match="cancelled"):
        lg.run_population(get_preset("zulresso"), 2, 0, cancel=ev)


# ------------------------------------------------------------------ warm-up and guards
def test_warmup_states() -> None:
    gate = threading.Event()
    calls: list[str] = []
    w = lg.WarmUp(
        single=lambda: (gate.wait(5), calls.append("single")),
        population=lambda: calls.append("population"),
    )
    assert w.state == "idle"
    w.start()
    w.start()  # idempotent
    assert w.state == "warming" and not w.ready.is_set()
    w.start_population()
    time.sleep(0.05)
    assert calls == []  # the population step waits for the one-patient step
    gate.set()
    assert w.wait(5) and w.population_ready.wait(5)
    assert w.state == "ready" and calls == ["single", "population"]


def test_warmup_failure_is_reported() -> None:
    def boom() -> None:
        raise RuntimeError("no compiler")

    w = lg.WarmUp(single=boom)
    w.start()
    assert w.wait(5)
    assert w.state == "failed" and "no compiler" in w.message


def test_server_guards() -> None:
    assert _guarded(lg.PatientSettings, weight_kg=5.0)[1].startswith("invalid weight_kg=5.0")
    assert _guarded(lambda: 1 / 0) == (None, "could not simulate: ZeroDivisionError")
    assert _clean_cell("  12 ") == "12"
    assert len(_clean_cell("x" * 500)) == int(lg.LIMITS["max_cell_chars"]) + 1
    assert _as_int(50.0, "n") == 50
    for bad in (None, 2.5, "abc", True):
        with pytest.raises(BrexsimInputError):
            _as_int(bad, "n")


def test_times_grid_is_fixed() -> None:
    # one compiled shape for every request: hourly to day 45
    assert lg.TIMES_H[0] == 0.0 and lg.TIMES_H[-1] == lg.HORIZON_H == 1080.0
    assert np.all(np.diff(lg.TIMES_H) == 1.0)


def test_population_run_under_a_hypothesis_records_it():
    from brexsim.hypotheses import apply_hypothesis
    from brexsim.params import load_parameters

    ps = apply_hypothesis(load_parameters(), "neuroimmune")
    run = lg.run_population(get_preset("zulresso"), 2, seed=1, placebo=False, params=ps)
    assert run.provenance["hypothesis"] == "neuroimmune"
    assert run.provenance["parameter_hash"] == ps.hash
