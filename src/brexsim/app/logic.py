"""Server logic of the web app, free of Shiny: parse the editor tables into a regimen, run one
patient (every layer, beside a placebo reference), the ex vivo assay, a capped virtual
population, and shape results for download.

Everything here is a plain function of plain inputs, so it is tested without a browser
(``tests/app/test_logic.py``). Bad input raises :class:`brexsim.errors.BrexsimInputError`, whose
message the app shows inline. Nothing the user types is executed or used as a file path: table
cells are parsed as numbers or yes/no words, choices are checked against fixed lists.

Sizes are capped (:data:`LIMITS`) so that one request stays short: schedules end by day 28,
the model runs on a fixed 45-day grid (one compiled shape), populations have at most 1000
patients and run in blocks of :data:`POPULATION_CHUNK`.
"""

from __future__ import annotations

import io
import math
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from brexsim.dosing import IVSegment, OralDose, Regimen, get_preset, get_preset_names, interrupt
from brexsim.dosing.regimen import MAX_STUDIED_ORAL_MG, MAX_STUDIED_RATE_UG_PER_KG_H
from brexsim.errors import BrexsimInputError, input_error
from brexsim.params import ParameterSet, load_parameters

__all__ = [
    "ASSAY_STIMULI",
    "DELTA_STATE_LABELS",
    "HORIZON_H",
    "INTERRUPTION_COLUMNS",
    "LIMITS",
    "ORAL_COLUMNS",
    "POPULATION_CHUNK",
    "SEGMENT_COLUMNS",
    "TIMES_H",
    "PatientRun",
    "PatientSettings",
    "PopulationRun",
    "WarmUp",
    "build_regimen",
    "format_error",
    "get_assay_table",
    "get_compare_table",
    "get_patient_frame",
    "get_placebo_regimen",
    "get_population_frames",
    "get_preset_tables",
    "get_summary_table",
    "run_patient",
    "run_population",
    "to_bytes",
]

#: The model's output grid (h): hourly to day 45, one compiled shape for every request.
HORIZON_H = 1080.0
TIMES_H = np.arange(0.0, HORIZON_H + 0.5, 1.0)
#: PK/receptor/sedation grid (h): exact closed forms, cheap, fine enough for oral peaks.
FINE_DT_H = 0.25

#: Caps that keep one request short (rows, times, patients).
LIMITS: dict[str, float] = {
    "max_segments": 24,
    "max_oral_doses": 60,
    "max_interruptions": 6,
    "max_schedule_h": 672.0,  # schedules end by day 28, so day 30 and 17 more days are shown
    "max_population": 1000,
    "max_seed": 2**31 - 1,
    "max_cell_chars": 24,
    "weight_min_kg": 40.0,
    "weight_max_kg": 160.0,
    "hamd_min": 0.0,
    "hamd_max": 52.0,
    "sedation_sensitivity_min": 0.1,
    "sedation_sensitivity_max": 10.0,
}
#: Patients per compiled block of a population run (padded; one compiled shape).
POPULATION_CHUNK = 64
#: Patients per block of a one-patient run.
SINGLE_CHUNK = 1

SEGMENT_COLUMNS: tuple[str, ...] = ("start_h", "end_h", "rate_ug_per_kg_h")
ORAL_COLUMNS: tuple[str, ...] = ("time_h", "mg", "with_food")
#: Interruption table: pause start/end (h), resume rate (µg/kg/h; blank = as scheduled),
#: reduce_later (yes: also cap every later segment at the resume rate).
INTERRUPTION_COLUMNS: tuple[str, ...] = ("start_h", "end_h", "resume_rate", "reduce_later")
DELTA_STATE_LABELS: dict[str, str] = {
    "ppd": "PPD (delta level stays at the pregnancy low)",
    "postpartum": "healthy postpartum (delta recovered)",
    "pregnant": "late pregnancy (delta low)",
    "virgin": "virgin (reference)",
}
ASSAY_STIMULI: dict[str, str] = {
    "LPS": "LPS (TLR4), 10 ng/mL",
    "IMQ": "imiquimod (TLR7), 5 ug/mL",
    "basal": "no stimulus (basal)",
}
_YES = {"yes", "y", "true", "1", "with food", "fed"}
_NO = {"no", "n", "false", "0", "fasted", "without food"}


def format_error(exc: BaseException) -> str:
    """The one line the app shows for a bad input (no traceback, no internals).

    >>> format_error(input_error("weight_kg", -1, "a number in [40, 160] kg"))
    'invalid weight_kg=-1: a number in [40, 160] kg'
    """
    if isinstance(exc, BrexsimInputError):
        return str(exc)
    return f"could not simulate: {type(exc).__name__}"


# ------------------------------------------------------------------------------ regimen tables
def _empty(columns: Sequence[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series([], dtype=object) for c in columns})


def _fmt(x: float) -> str:
    return f"{float(x):g}"


@dataclass(frozen=True)
class RegimenTables:
    """The editor's view of a regimen: drug, clock and three string tables."""

    drug: str
    start_clock_h: float
    segments: pd.DataFrame
    oral: pd.DataFrame
    interruptions: pd.DataFrame


def get_preset_tables(name: str) -> RegimenTables:
    """Editor tables of a preset (cells as strings, as the user edits them).

    >>> t = get_preset_tables("zulresso")
    >>> t.drug, len(t.segments), t.segments.iloc[2].tolist()
    ('brexanolone', 5, ['24', '52', '90'])
    """
    if name not in get_preset_names():
        raise input_error("preset", name, f"one of {list(get_preset_names())}")
    reg = get_preset(name)
    seg = _empty(SEGMENT_COLUMNS)
    if reg.segments:
        seg = pd.DataFrame(
            [[_fmt(s.start_h), _fmt(s.end_h), _fmt(s.rate_ug_per_kg_h)] for s in reg.segments],
            columns=list(SEGMENT_COLUMNS),
            dtype=object,
        )
    oral = _empty(ORAL_COLUMNS)
    if reg.oral_doses:
        oral = pd.DataFrame(
            [[_fmt(d.time_h), _fmt(d.mg), "yes" if d.with_food else "no"] for d in reg.oral_doses],
            columns=list(ORAL_COLUMNS),
            dtype=object,
        )
    return RegimenTables(
        reg.drug, float(reg.start_clock_h), seg, oral, _empty(INTERRUPTION_COLUMNS)
    )


def add_table_row(frame: pd.DataFrame, kind: str) -> pd.DataFrame:
    """The table with one more row, continuing the schedule (capped at the row limit).

    >>> f = add_table_row(get_preset_tables("zulresso").segments, "segments")
    >>> f.iloc[-1].tolist()
    ['60', '64', '30']
    """
    cap = {
        "segments": LIMITS["max_segments"],
        "oral": LIMITS["max_oral_doses"],
        "interruptions": LIMITS["max_interruptions"],
    }
    if kind not in cap:
        raise input_error("table", kind, f"one of {sorted(cap)}")
    if len(frame) >= cap[kind]:
        raise input_error("rows", len(frame) + 1, f"at most {int(cap[kind])} rows in this table")
    last = frame.iloc[-1].tolist() if len(frame) else None

    def num(x: Any, default: float) -> float:
        try:
            v = float(x)
        except (TypeError, ValueError):
            return default
        return v if math.isfinite(v) else default

    if kind == "segments":
        start = num(last[1], 0.0) if last else 0.0
        row = [_fmt(start), _fmt(start + 4.0), _fmt(num(last[2], 30.0)) if last else "30"]
    elif kind == "oral":
        t = num(last[0], -24.0) + 24.0 if last else 0.0
        row = [_fmt(t), _fmt(num(last[1], 30.0)) if last else "30", last[2] if last else "yes"]
    else:
        row = ["30", "31", "", "no"]
    new = pd.DataFrame([row], columns=frame.columns, dtype=object)
    return pd.concat([frame.astype(object), new], ignore_index=True)


def remove_table_row(frame: pd.DataFrame) -> pd.DataFrame:
    """The table without its last row."""
    return frame.iloc[:-1].reset_index(drop=True) if len(frame) else frame


def _cell_text(value: Any, field: str, row: int) -> str:
    text = "" if value is None else str(value).strip()
    if isinstance(value, float) and math.isnan(value):
        text = ""
    if len(text) > LIMITS["max_cell_chars"]:
        raise input_error(
            field, text[:12] + "...", f"at most {int(LIMITS['max_cell_chars'])} characters", row
        )
    return text


def _parse_number(value: Any, field: str, row: str, lo: float, hi: float) -> float:
    text = _cell_text(value, field, row)
    try:
        x = float(text)
    except ValueError:
        x = math.nan
    if not math.isfinite(x) or not (lo <= x <= hi):
        raise input_error(field, text, f"a number in [{lo:g}, {hi:g}]", row)
    return x


def _parse_yes_no(value: Any, field: str, row: str) -> bool:
    text = _cell_text(value, field, row).lower()
    if text == "":
        return field == "with_food"  # blank: with food (label advice); no later reduction
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise input_error(field, text, "yes or no", row)


def _check_frame(frame: pd.DataFrame, columns: Sequence[str], table: str) -> pd.DataFrame:
    if not isinstance(frame, pd.DataFrame) or list(frame.columns) != list(columns):
        raise input_error(table, "table", f"columns {list(columns)}")
    return frame


def build_regimen(
    drug: str,
    segments: pd.DataFrame,
    oral: pd.DataFrame,
    interruptions: pd.DataFrame,
    start_clock_h: float,
    name: str = "custom",
) -> Regimen:
    """Parse the editor tables into a :class:`~brexsim.dosing.Regimen`.

    IV rates in µg/kg/h (at most the studied 270), oral doses in mg (at most the studied 66),
    times in h from the first dose (schedules end by ``LIMITS["max_schedule_h"]``).
    Interruptions (IV only) are applied in order of start with :func:`brexsim.dosing.interrupt`:
    a blank ``end_h`` stops the infusion for good, a blank resume rate resumes as scheduled.

    >>> t = get_preset_tables("zulresso")
    >>> r = build_regimen("brexanolone", t.segments, t.oral, t.interruptions, 8.0)
    >>> r.segments == get_preset("zulresso").segments
    True
    """
    if drug not in ("brexanolone", "zuranolone"):
        raise input_error("drug", drug, "brexanolone or zuranolone")
    tmax = LIMITS["max_schedule_h"]
    clock = _parse_number(start_clock_h, "start_clock_h", "", 0.0, 23.99)
    if drug == "brexanolone":
        seg = _check_frame(segments, SEGMENT_COLUMNS, "segments")
        if len(seg) == 0:
            raise input_error("segments", 0, "at least one infusion segment")
        if len(seg) > LIMITS["max_segments"]:
            raise input_error("segments", len(seg), f"at most {int(LIMITS['max_segments'])} rows")
        segs = []
        for i, row in enumerate(seg.itertuples(index=False), start=1):
            where = f"infusion row {i}"
            s = _parse_number(row[0], "start_h", where, 0.0, tmax)
            e = _parse_number(row[1], "end_h", where, 0.0, tmax)
            rate = _parse_number(
                row[2], "rate_ug_per_kg_h", where, 0.0, MAX_STUDIED_RATE_UG_PER_KG_H
            )
            segs.append(IVSegment(s, e, rate))
        reg = Regimen(drug, segments=tuple(segs), start_clock_h=clock, name=name)
        ints = _check_frame(interruptions, INTERRUPTION_COLUMNS, "interruptions")
        if len(ints) > LIMITS["max_interruptions"]:
            raise input_error(
                "interruptions", len(ints), f"at most {int(LIMITS['max_interruptions'])} rows"
            )
        rows = []
        for i, row in enumerate(ints.itertuples(index=False), start=1):
            where = f"interruption row {i}"
            s = _parse_number(row[0], "start_h", where, 0.0, tmax)
            end_text = _cell_text(row[1], "end_h", where)
            e = None if end_text == "" else _parse_number(end_text, "end_h", where, 0.0, tmax)
            res_text = _cell_text(row[2], "resume_rate_ug_per_kg_h", where)
            rr = (
                None
                if res_text == ""
                else _parse_number(
                    res_text, "resume_rate_ug_per_kg_h", where, 0.0, MAX_STUDIED_RATE_UG_PER_KG_H
                )
            )
            rows.append((s, e, rr, _parse_yes_no(row[3], "reduce_later", where), where))
        for s, e, rr, later, where in sorted(rows, key=lambda r: r[0]):
            try:
                reg = interrupt(reg, s, e, rr, later, reason="user")
            except BrexsimInputError as exc:
                raise input_error(exc.field, exc.value, exc.allowed, where) from None
        return reg
    ora = _check_frame(oral, ORAL_COLUMNS, "oral doses")
    if len(ora) == 0:
        raise input_error("oral_doses", 0, "at least one oral dose")
    if len(ora) > LIMITS["max_oral_doses"]:
        raise input_error("oral_doses", len(ora), f"at most {int(LIMITS['max_oral_doses'])} rows")
    if len(interruptions):
        raise input_error("interruptions", len(interruptions), "none for oral doses")
    doses = []
    for i, row in enumerate(ora.itertuples(index=False), start=1):
        where = f"oral dose row {i}"
        t = _parse_number(row[0], "time_h", where, 0.0, tmax)
        mg = _parse_number(row[1], "mg", where, 0.0, MAX_STUDIED_ORAL_MG)
        doses.append(OralDose(t, mg, _parse_yes_no(row[2], "with_food", where)))
    return Regimen(drug, oral_doses=tuple(doses), start_clock_h=clock, name=name)


def get_placebo_regimen(regimen: Regimen) -> Regimen:
    """The matching placebo: the same schedule, setting and clock with no drug.

    >>> get_placebo_regimen(get_preset("zulresso")).is_placebo
    True
    """
    segs = tuple(IVSegment(s.start_h, s.end_h, 0.0) for s in regimen.segments)
    doses = tuple(OralDose(d.time_h, 0.0, d.with_food) for d in regimen.oral_doses)
    return replace(
        regimen, segments=segs, oral_doses=doses, interruptions=(), name="placebo reference"
    )


# ------------------------------------------------------------------------------ one patient
@dataclass(frozen=True)
class PatientSettings:
    """Covariates and disease states of the patient in the app (validated).

    ``delta_state`` sets the receptor panel (tonic current); the model's downstream tone index
    (BDNF, HAM-D) is defined on the PPD state. ``sensitivity`` is the receptor composition
    ("control" or "epileptic", Mtchedlishvili 2001) and feeds every layer.
    """

    weight_kg: float = 70.0
    hamd_baseline: float = 28.6
    antidepressant: bool = False
    cns_depressant: bool = False
    sedation_sensitivity: float = 1.0
    delta_state: str = "ppd"
    sensitivity: str = "control"

    def __post_init__(self) -> None:
        L = LIMITS
        for name, lo, hi in (
            ("weight_kg", L["weight_min_kg"], L["weight_max_kg"]),
            ("hamd_baseline", L["hamd_min"], L["hamd_max"]),
            ("sedation_sensitivity", L["sedation_sensitivity_min"], L["sedation_sensitivity_max"]),
        ):
            v = getattr(self, name)
            ok = isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
            if not ok or not (lo <= v <= hi):
                raise input_error(name, v, f"a number in [{lo:g}, {hi:g}]")
            object.__setattr__(self, name, float(v))
        for name in ("antidepressant", "cns_depressant"):
            if not isinstance(getattr(self, name), bool):
                raise input_error(name, getattr(self, name), "true or false")
        if self.delta_state not in DELTA_STATE_LABELS:
            raise input_error("delta_state", self.delta_state, f"one of {list(DELTA_STATE_LABELS)}")
        if self.sensitivity not in ("control", "epileptic"):
            raise input_error("sensitivity", self.sensitivity, "control or epileptic")


def make_population(settings: PatientSettings, seed: int = 0):  # type: ignore[no-untyped-def]
    """One patient with the settings' covariates; every random effect at its typical value
    (the model's typical patient, ``brexsim.model.simulate(typical=True)``)."""
    from brexsim.population import get_typical_population

    pop = get_typical_population(seed)
    effects = dict(pop.random_effects)
    effects["sedation_sensitivity"] = np.array([settings.sedation_sensitivity])
    effects["cns_depressant"] = np.array([settings.cns_depressant])
    return replace(
        pop,
        weight_kg=np.array([settings.weight_kg]),
        hamd_baseline=np.array([settings.hamd_baseline]),
        antidepressant=np.array([settings.antidepressant]),
        random_effects=effects,
    )


@dataclass(frozen=True)
class PatientRun:
    """Every layer for one patient under one regimen, beside the matching placebo.

    ``result`` / ``placebo`` are :class:`brexsim.model.SimulationResult` on :data:`TIMES_H`;
    ``fine`` holds series on the 0.25-h grid (PK, receptor, sedation); ``summary`` the numbers
    shown in the app.
    """

    regimen: Regimen
    delivered: Regimen
    settings: PatientSettings
    result: Any
    placebo: Any
    fine_time_h: np.ndarray
    fine: dict[str, tuple[np.ndarray, str]]
    thresholds: dict[str, float]
    asleep: np.ndarray
    events: tuple[dict[str, Any], ...]
    summary: dict[str, Any] = field(default_factory=dict)
    elapsed_s: float = 0.0


def _value_at(t: np.ndarray, v: np.ndarray, h: float) -> float:
    return float(np.interp(min(h, float(t[-1])), t, v))


def run_patient(
    regimen: Regimen, settings: PatientSettings, params: ParameterSet | None = None
) -> PatientRun:
    """Simulate every layer for one patient (typical random effects) and the placebo reference.

    Parameters
    ----------
    regimen : Regimen (schedule ends by ``LIMITS["max_schedule_h"]``)
    settings : PatientSettings
    params : ParameterSet, optional

    Returns
    -------
    PatientRun ; ``summary["cmax_ng_per_ml"]`` is
    :func:`brexsim.pk.get_exposure_summary` of the delivered regimen (after the monitoring rules)
    on the 0.25-h grid to day 45.
    """
    from brexsim.clinical.monitoring import get_monitoring_rules
    from brexsim.clinical.sedation import get_sedation_gain
    from brexsim.dosing import get_total_dose
    from brexsim.mechanism import gabaa
    from brexsim.model import simulate
    from brexsim.pk import get_default_times, get_exposure_summary, simulate_pk

    t0 = time.perf_counter()
    _check_app_regimen(regimen)
    ps = params or load_parameters()
    pop = make_population(settings)
    kw = {"times_h": TIMES_H, "params": ps, "sensitivity": settings.sensitivity}
    res = simulate(regimen, pop, chunk=SINGLE_CHUNK, **kw)
    pbo = simulate(get_placebo_regimen(regimen), pop, chunk=SINGLE_CHUNK, **kw)
    delivered = res.regimens[0]

    tf = get_default_times(delivered, HORIZON_H, FINE_DT_H)
    pk = simulate_pk(delivered, settings.weight_kg, tf, ps)
    expo = get_exposure_summary(pk, delivered)
    gp = gabaa.get_gabaa_params(ps, settings.sensitivity)
    endo = pk.endogenous_biophase_free_nM
    drug_free = pk.drug_biophase_free_nM
    allo, zur = (
        (drug_free + endo, np.zeros_like(tf))
        if regimen.drug == "brexanolone"
        else (endo, drug_free)
    )
    delta_level = gabaa.get_delta_level(settings.delta_state, ps)
    pot_delta = np.asarray(gabaa.compute_delta_potentiation(allo, zur, gp)) * 100.0
    pot_g2 = np.asarray(gabaa.compute_gamma2_potentiation(allo, zur, gp)) * 100.0
    tonic = np.asarray(gabaa.compute_tonic_conductance_nS(allo, zur, delta_level, gp))
    tonic_pA = tonic * gp.recording_df_mV
    rules = get_monitoring_rules(ps)
    gain = float(
        get_sedation_gain(
            np.array([settings.sedation_sensitivity]),
            regimen.drug,
            settings.antidepressant,
            settings.cns_depressant,
            ps,
        )[0]
    )
    background = float(pop.random_effects["sedation_background"][0])
    score = background + gain * pk.effect_site_drug_ng_per_ml
    asleep = rules.is_asleep(regimen.start_clock_h + tf)
    fine = {
        "plasma_drug": (pk.plasma_drug_ng_per_ml, "ng/mL"),
        "plasma_total": (pk.plasma_total_ng_per_ml, "ng/mL"),
        "effect_site_drug": (pk.effect_site_drug_ng_per_ml, "ng/mL"),
        "biophase_free_drug": (drug_free, "nM"),
        "biophase_free_endogenous": (endo, "nM"),
        "delta_potentiation": (pot_delta, "%"),
        "gamma2_potentiation": (pot_g2, "%"),
        "tonic_current": (tonic_pA, "pA"),
        "sedation_score": (score, "score"),
    }
    thresholds = {
        "somnolence": rules.somnolence_threshold,
        "excessive sedation (stop)": rules.excessive_threshold,
        "loss of consciousness": rules.loc_threshold,
    }
    t = res.time_h
    end = delivered.end_of_treatment_h
    day30 = 720.0

    def at(r: Any, name: str, h: float) -> float:
        return _value_at(t, r.get(name)[0], h)

    h0 = float(res.get("hamd_expected")[0, 0])
    awake_score = np.where(asleep, -np.inf, score)
    summary: dict[str, Any] = {
        "drug": regimen.drug,
        "setting": regimen.setting,
        "end_of_treatment_h": end,
        "delivered_dose_mg": get_total_dose(delivered, settings.weight_kg),
        "cmax_ng_per_ml": expo["cmax_ng_per_ml"],
        "tmax_h": expo["tmax_h"],
        "auc_inf_ng_h_per_ml": expo["auc_inf_ng_h_per_ml"],
        "cavg_ng_per_ml": expo["cavg_ng_per_ml"],
        "max_biophase_free_nM": expo["max_biophase_free_nM"],
        "max_delta_potentiation_pct": float(pot_delta.max()),
        "max_gamma2_potentiation_pct": float(pot_g2.max()),
        "tonic_current_baseline_pA": float(tonic_pA[0]),
        "tonic_current_max_pA": float(tonic_pA.max()),
        "tone_index_max": float(res.get("tone_index").max()),
        "tnf_fold_end_of_treatment": at(res, "tnf_fold", end),
        "il6_fold_end_of_treatment": at(res, "il6_fold", end),
        "tnf_fold_day7": at(res, "tnf_fold", 168.0),
        "bdnf_change_sd_end_of_treatment": at(res, "bdnf_change_sd", end),
        "bdnf_change_sd_day30": at(res, "bdnf_change_sd", day30),
        "hamd_baseline": h0,
        "hamd_change_end_of_treatment": at(res, "hamd_expected", end) - h0,
        "hamd_change_end_of_treatment_placebo": at(pbo, "hamd_expected", end) - h0,
        "hamd_change_day30": at(res, "hamd_expected", day30) - h0,
        "hamd_change_day30_placebo": at(pbo, "hamd_expected", day30) - h0,
        "sedation_score_max_awake": float(awake_score.max()) if (~asleep).any() else math.nan,
        "somnolence": bool(res.outcomes["somnolence"][0]),
        "excessive_sedation": bool(res.outcomes["excessive_sedation"][0]),
        "loss_of_consciousness": bool(res.outcomes["loss_of_consciousness"][0]),
        "n_interruptions": int(res.outcomes["n_interruptions"][0]),
    }
    for k in ("hamd_change_end_of_treatment", "hamd_change_day30"):
        summary[k + "_vs_placebo"] = summary[k] - summary[k + "_placebo"]
    return PatientRun(
        regimen=regimen,
        delivered=delivered,
        settings=settings,
        result=res,
        placebo=pbo,
        fine_time_h=tf,
        fine=fine,
        thresholds=thresholds,
        asleep=asleep,
        events=tuple(dict(e) for e in res.events[0]),
        summary=summary,
        elapsed_s=time.perf_counter() - t0,
    )


#: (key, label, unit, format) of the numbers shown for one patient.
SUMMARY_ROWS: tuple[tuple[str, str, str, str], ...] = (
    ("delivered_dose_mg", "Delivered dose", "mg", "{:.1f}"),
    ("cmax_ng_per_ml", "Cmax (plasma, drug)", "ng/mL", "{:.1f}"),
    ("tmax_h", "tmax", "h", "{:.2f}"),
    ("auc_inf_ng_h_per_ml", "AUCinf", "ng·h/mL", "{:.0f}"),
    ("cavg_ng_per_ml", "Cavg (plateau / last interval)", "ng/mL", "{:.1f}"),
    ("max_biophase_free_nM", "Peak free brain drug", "nM", "{:.2f}"),
    ("max_delta_potentiation_pct", "Peak δ-receptor potentiation", "%", "{:.0f}"),
    ("max_gamma2_potentiation_pct", "Peak γ2-receptor potentiation", "%", "{:.0f}"),
    ("tonic_current_baseline_pA", "Tonic current, before dosing", "pA", "{:.1f}"),
    ("tonic_current_max_pA", "Tonic current, peak", "pA", "{:.1f}"),
    ("tone_index_max", "GABAergic tone index, peak (0 PPD, 1 healthy)", "1", "{:.2f}"),
    ("tnf_fold_end_of_treatment", "Plasma TNF-α, end of treatment", "fold", "{:.2f}"),
    ("il6_fold_end_of_treatment", "Plasma IL-6, end of treatment", "fold", "{:.2f}"),
    ("tnf_fold_day7", "Plasma TNF-α, day 7", "fold", "{:.2f}"),
    ("bdnf_change_sd_end_of_treatment", "Serum BDNF change, end of treatment", "SD", "{:+.2f}"),
    ("bdnf_change_sd_day30", "Serum BDNF change, day 30", "SD", "{:+.2f}"),
    ("hamd_change_end_of_treatment", "HAM-D change, end of treatment", "points", "{:+.1f}"),
    ("hamd_change_end_of_treatment_placebo", "   placebo reference", "points", "{:+.1f}"),
    ("hamd_change_day30", "HAM-D change, day 30", "points", "{:+.1f}"),
    ("hamd_change_day30_placebo", "   placebo reference", "points", "{:+.1f}"),
    ("sedation_score_max_awake", "Sedation score, max while awake", "score", "{:.2f}"),
    ("n_interruptions", "Infusion interruptions (monitoring rules)", "n", "{:d}"),
)


def _fmt_value(fmt: str, v: Any) -> str:
    if isinstance(v, bool):
        return "yes" if v else "no"
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "—"
    return fmt.format(v)


def get_summary_table(run: PatientRun) -> pd.DataFrame:
    """The numbers of one patient run as a table (quantity, value, unit).

    Values are formatted strings, so the table reads the same in the app and in a download.
    """
    rows = [
        (label, _fmt_value(fmt, run.summary[key]), unit) for key, label, unit, fmt in SUMMARY_ROWS
    ]
    for key, label in (
        ("somnolence", "Somnolence (score above threshold while awake)"),
        ("excessive_sedation", "Excessive sedation (stop)"),
        ("loss_of_consciousness", "Loss of consciousness"),
    ):
        rows.append((label, _fmt_value("", run.summary[key]), ""))
    return pd.DataFrame(rows, columns=["quantity", "value", "unit"])


def get_compare_table(a: PatientRun, b: PatientRun) -> pd.DataFrame:
    """Side-by-side numbers of two runs with the difference B - A."""
    rows = []
    for key, label, unit, fmt in SUMMARY_ROWS:
        va, vb = a.summary[key], b.summary[key]
        d = vb - va if all(isinstance(v, int | float) for v in (va, vb)) else None
        rows.append((label, _fmt_value(fmt, va), _fmt_value(fmt, vb), _fmt_value(fmt, d), unit))
    return pd.DataFrame(rows, columns=["quantity", "regimen A", "regimen B", "B - A", "unit"])


def get_events_table(run: PatientRun) -> pd.DataFrame:
    """Monitoring events of the patient (time, clock, event, rates)."""
    rows = []
    for e in run.events:
        t = float(e["time_h"])
        minutes = round((run.regimen.start_clock_h + t) * 60.0) % 1440
        rows.append(
            (
                f"{t:.2f}",
                f"{minutes // 60:02d}:{minutes % 60:02d}",
                str(e["type"]).replace("_", " "),
                _fmt_value("{:g}", e.get("rate_before_ug_per_kg_h")),
                _fmt_value("{:g}", e.get("rate_after_ug_per_kg_h")),
            )
        )
    return pd.DataFrame(
        rows, columns=["time_h", "clock", "event", "rate before (µg/kg/h)", "rate after"]
    )


def get_patient_frame(run: PatientRun, arm: str = "regimen A") -> pd.DataFrame:
    """Long frame (subject, arm, time_h, variable, value, unit) of a patient run: the model's
    outputs (hourly) for the regimen and the placebo reference, and the 0.25-h series (PK,
    receptor potentiation, tonic current, sedation score). Provenance in ``attrs``."""
    from brexsim.io.outputs import to_long_frame

    frames = [
        run.result.to_long_frame(arm),
        run.placebo.to_long_frame(f"{arm}: placebo reference"),
        to_long_frame(run.fine_time_h, run.fine, subject=0, arm=f"{arm}: 0.25-h series"),
    ]
    out = pd.concat(frames, ignore_index=True)
    out.attrs["provenance"] = dict(run.result.provenance)
    return out


def to_bytes(frame: pd.DataFrame, fmt: str) -> bytes:
    """CSV or Parquet bytes of a frame (provenance kept in the Parquet metadata).

    >>> to_bytes(pd.DataFrame({"a": [1]}), "csv")
    b'a\\n1\\n'
    """
    if fmt == "csv":
        return frame.to_csv(index=False).encode("utf-8")
    if fmt == "parquet":
        buf = io.BytesIO()
        frame.to_parquet(buf, index=False)
        return buf.getvalue()
    raise input_error("format", fmt, "csv or parquet")


# ------------------------------------------------------------------------------ ex vivo assay
def get_assay_table(run: PatientRun, time_h: float, stimulus: str = "LPS") -> pd.DataFrame:
    """Ex vivo whole-blood assay of the patient's blood drawn at ``time_h`` (and at 0 h as the
    baseline): secreted and cell-associated cytokines and their fold change from baseline.

    The sample carries the in vivo state (total drug, innate state, plasma cytokines) of the
    model at ``time_h`` into the tube (:mod:`brexsim.mechanism.assay`).
    """
    from brexsim.mechanism.assay import BloodSample, simulate_assay
    from brexsim.mechanism.tlr import CYTOKINES

    if stimulus not in ASSAY_STIMULI:
        raise input_error("stimulus", stimulus, f"one of {list(ASSAY_STIMULI)}")
    t = run.result.time_h
    h = _parse_number(time_h, "assay time_h", "", 0.0, float(t[-1]))

    def sample(at_h: float) -> BloodSample:
        def v(name: str) -> float:
            return _value_at(t, run.result.get(name)[0], at_h)

        return BloodSample(
            time_h=at_h,
            drug_total_ng_per_ml=max(v("plasma_drug"), 0.0),
            innate_state=min(max(v("innate_state"), 0.0), 1.0),
            plasma_pg_per_ml=tuple(max(v(c), 0.0) for c in CYTOKINES),  # type: ignore[arg-type]
            drug=run.regimen.drug,
        )

    r = simulate_assay(sample(h), stimulus, baseline=sample(0.0))
    names = {"tnf": "TNF-α", "il1b": "IL-1β", "il6": "IL-6"}
    rows = []
    for c in CYTOKINES:
        rows.append(
            {
                "cytokine": names[c],
                "secreted_pg_per_ml": r.secreted_pg_per_ml[c],
                "fold_secreted": r.fold_secreted[c] if r.fold_secreted else math.nan,
                "cell_pg_per_ml_blood": r.cell_pg_per_ml_blood[c],
                "fold_cell": r.fold_cell[c] if r.fold_cell else math.nan,
            }
        )
    out = pd.DataFrame(rows)
    out.attrs.update(
        {
            "time_h": h,
            "stimulus": stimulus,
            "dose": r.dose,
            "incubation_h": r.incubation_h,
            "drug_in_tube_uM": r.drug_in_tube_uM,
        }
    )
    return out


# ------------------------------------------------------------------------------ population
@dataclass(frozen=True)
class PopulationRun:
    """A virtual population (drug arm and optional placebo arm) on :data:`TIMES_H`."""

    regimen: Regimen
    n: int
    seed: int
    time_h: np.ndarray
    percentiles: dict[str, dict[str, np.ndarray]]  # arm -> "variable:pXX" -> (m,)
    patients: pd.DataFrame
    rates: pd.DataFrame
    elapsed_s: float
    provenance: dict[str, Any]


PERCENTILE_VARIABLES: tuple[tuple[str, str], ...] = (
    ("plasma_drug", "ng/mL"),
    ("biophase_free_drug", "nM"),
    ("tone_index", "1"),
    ("tnf_fold", "fold"),
    ("bdnf_change_sd", "SD"),
    ("hamd_expected", "points"),
)
_PCTS = (5, 50, 95)


def _check_app_regimen(regimen: Regimen) -> None:
    """A Regimen whose schedule ends by ``LIMITS["max_schedule_h"]`` (day 28), else one error."""
    if not isinstance(regimen, Regimen):
        raise input_error("regimen", type(regimen).__name__, "a Regimen")
    if regimen.end_of_treatment_h > LIMITS["max_schedule_h"]:
        raise input_error(
            "end of treatment",
            regimen.end_of_treatment_h,
            f"at most {LIMITS['max_schedule_h']:g} h (day 28) in the app",
        )


def _check_population_args(n: Any, seed: Any) -> tuple[int, int]:
    nmax = int(LIMITS["max_population"])
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or not (1 <= n <= nmax):
        raise input_error("n", n, f"an integer in [1, {nmax}]")
    smax = int(LIMITS["max_seed"])
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or not 0 <= seed <= smax:
        raise input_error("seed", seed, f"an integer in [0, {smax}]")
    return int(n), int(seed)


def run_population(
    regimen: Regimen,
    n: int,
    seed: int = 0,
    sensitivity: str = "control",
    placebo: bool = True,
    progress: Callable[[float, str], None] | None = None,
    cancel: threading.Event | None = None,
    params: ParameterSet | None = None,
    pk_variability: bool = True,
) -> PopulationRun:
    """Simulate ``n`` (<= 1000) virtual patients of a Study 1-like population, in blocks of
    :data:`POPULATION_CHUNK`, reporting ``progress(fraction, message)`` after each block.

    Patients come from :func:`brexsim.population.sample_population` (``seed``; PK IIV from the
    population model unless ``pk_variability=False``, as in trial specs); with ``placebo``
    the same patients also get the matching placebo. Response and remission are read at the
    end of treatment from the observed HAM-D-17 scores.
    """
    from brexsim.clinical import hamd
    from brexsim.model import simulate
    from brexsim.population import sample_population
    from brexsim.provenance import make_provenance

    n, seed = _check_population_args(n, seed)
    _check_app_regimen(regimen)
    if sensitivity not in ("control", "epileptic"):
        raise input_error("sensitivity", sensitivity, "control or epileptic")
    ps = params or load_parameters()
    t0 = time.perf_counter()
    pop = sample_population(n, seed, params=ps, pk_variability=bool(pk_variability))
    arms = [("drug", regimen)] + ([("placebo", get_placebo_regimen(regimen))] if placebo else [])
    blocks = [np.arange(lo, min(lo + POPULATION_CHUNK, n)) for lo in range(0, n, POPULATION_CHUNK)]
    total = len(arms) * len(blocks)
    done = 0
    end = regimen.end_of_treatment_h
    i_end = int(np.searchsorted(TIMES_H, end))
    i_30 = int(np.searchsorted(TIMES_H, 720.0))
    stacks: dict[str, dict[str, list[np.ndarray]]] = {}
    per_patient: dict[str, dict[str, list[np.ndarray]]] = {}
    if progress:
        progress(0.0, f"0 of {n} patients")
    for arm, reg in arms:
        st = stacks.setdefault(arm, {v: [] for v, _ in PERCENTILE_VARIABLES})
        pp = per_patient.setdefault(arm, {})
        for idx in blocks:
            if cancel is not None and cancel.is_set():
                raise input_error("population run", "cancelled", "a run that is not cancelled")
            sub = pop.take(idx)
            res = simulate(
                reg,
                sub,
                times_h=TIMES_H,
                seed=seed,
                params=ps,
                sensitivity=sensitivity,
                chunk=POPULATION_CHUNK,
                solver={"workers": 2},  # two blocks at a time on two threads (same results)
            )
            for v, _ in PERCENTILE_VARIABLES:
                st[v].append(res.get(v))
            obs = res.get("hamd")
            base = sub.hamd_baseline
            cols = {
                "cmax_ng_per_ml": res.get("plasma_drug").max(axis=1),
                "hamd_change_end_of_treatment": obs[:, i_end] - base,
                "hamd_change_day30": obs[:, i_30] - base,
                "response_end_of_treatment": hamd.is_response(obs[:, i_end], base, ps),
                "remission_end_of_treatment": hamd.is_remission(obs[:, i_end], ps),
                "somnolence": res.outcomes["somnolence"],
                "excessive_sedation": res.outcomes["excessive_sedation"],
                "loss_of_consciousness": res.outcomes["loss_of_consciousness"],
                "interruption": res.outcomes["interruption"],
                "n_interruptions": res.outcomes["n_interruptions"].astype(int),
            }
            for k, v in cols.items():
                pp.setdefault(k, []).append(np.asarray(v))
            done += 1
            if progress:
                k = min(int(idx[-1]) + 1, n)
                progress(done / total, f"{arm} arm: {k} of {n} patients")
    percentiles: dict[str, dict[str, np.ndarray]] = {}
    frames = []
    rates = []
    for arm, st in stacks.items():
        percentiles[arm] = {}
        for v, _ in PERCENTILE_VARIABLES:
            x = np.concatenate(st[v], axis=0)
            for p in _PCTS:
                percentiles[arm][f"{v}:p{p}"] = np.percentile(x, p, axis=0)
        cols = {k: np.concatenate(v) for k, v in per_patient[arm].items()}
        f = pd.DataFrame(
            {
                "subject": pop.ids,
                "arm": arm,
                "weight_kg": pop.weight_kg,
                "hamd_baseline": pop.hamd_baseline,
                "antidepressant": pop.antidepressant,
                **cols,
            }
        )
        frames.append(f)
        rates.append(
            {
                "arm": arm,
                "n": n,
                "HAM-D change, end of treatment (mean)": float(
                    cols["hamd_change_end_of_treatment"].mean()
                ),
                "HAM-D change, day 30 (mean)": float(cols["hamd_change_day30"].mean()),
                "response, end of treatment (%)": 100
                * float(cols["response_end_of_treatment"].mean()),
                "remission, end of treatment (%)": 100
                * float(cols["remission_end_of_treatment"].mean()),
                "somnolence (%)": 100 * float(cols["somnolence"].mean()),
                "excessive sedation (%)": 100 * float(cols["excessive_sedation"].mean()),
                "loss of consciousness (%)": 100 * float(cols["loss_of_consciousness"].mean()),
                "interruption or reduction (%)": 100 * float(cols["interruption"].mean()),
            }
        )
    if progress:
        progress(1.0, f"done: {n} patients")
    return PopulationRun(
        regimen=regimen,
        n=n,
        seed=seed,
        time_h=TIMES_H.copy(),
        percentiles=percentiles,
        patients=pd.concat(frames, ignore_index=True),
        rates=pd.DataFrame(rates),
        elapsed_s=time.perf_counter() - t0,
        provenance=make_provenance(ps, seed=seed),
    )


def get_population_frames(run: PopulationRun) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(patients, percentiles)``: one row per patient and arm; and the 5th/50th/95th
    percentile time courses in long format (arm, statistic, time_h, variable, value, unit)."""
    units = dict(PERCENTILE_VARIABLES)
    rows = []
    for arm, d in run.percentiles.items():
        for key, v in d.items():
            var, stat = key.split(":")
            rows.append(
                pd.DataFrame(
                    {
                        "arm": arm,
                        "statistic": stat,
                        "time_h": run.time_h,
                        "variable": var,
                        "value": v,
                        "unit": units[var],
                    }
                )
            )
    pct = pd.concat(rows, ignore_index=True)
    pats = run.patients.copy()
    for f in (pct, pats):
        f.attrs["provenance"] = dict(run.provenance)
    return pats, pct


# ------------------------------------------------------------------------------ warm-up
class WarmUp:
    """Compile the model in background threads after the server starts.

    :meth:`start` compiles the one-patient model (``state`` goes "idle" -> "warming" ->
    "ready", or "failed"; ``ready`` is set either way). :meth:`start_population` compiles the
    population block size, after the one-patient model, when the user first opens the
    population tab (so the two compilations do not compete for the CPU at start-up);
    ``population_ready`` is set when it is done. Both are idempotent and thread-safe.
    """

    def __init__(
        self,
        single: Callable[[], Any] | None = None,
        population: Callable[[], Any] | None = None,
    ) -> None:
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._pop_thread: threading.Thread | None = None
        self.state = "idle"
        self.message = "not started"
        self.ready = threading.Event()
        self.population_ready = threading.Event()
        self.error: str | None = None
        self.elapsed_s = 0.0
        self._single = single or _warm_single
        self._population = population or _warm_population

    def start(self) -> None:
        """Start compiling the one-patient model (once)."""
        with self._lock:
            if self._thread is not None:
                return
            self.state = "warming"
            self.message = "warming up: compiling the model"
            self._thread = threading.Thread(target=self._run, name="brexsim-warmup", daemon=True)
            self._thread.start()

    def start_population(self) -> None:
        """Start compiling the population block size (once), after :meth:`start`'s work."""
        self.start()
        with self._lock:
            if self._pop_thread is not None:
                return
            self._pop_thread = threading.Thread(
                target=self._run_population, name="brexsim-warmup-population", daemon=True
            )
            self._pop_thread.start()

    def _run(self) -> None:
        t0 = time.perf_counter()
        try:
            self._single()
            self.state = "ready"
            self.message = "ready"
        except Exception as exc:  # keep serving; the page shows the failure
            self.error = f"{type(exc).__name__}: {exc}"
            self.state = "failed"
            self.message = f"warm-up failed: {self.error}"
        self.elapsed_s = time.perf_counter() - t0
        self.ready.set()

    def _run_population(self) -> None:
        self.ready.wait()
        try:
            if self.state == "ready":
                self._population()
        except Exception as exc:  # the population run itself reports the problem
            self.error = f"{type(exc).__name__}: {exc}"
        self.population_ready.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until one-patient runs are compiled (for scripts and tests)."""
        return self.ready.wait(timeout)


def _warm_single() -> None:
    for name in ("zulresso", "zuranolone-30mg"):
        run = run_patient(get_preset(name), PatientSettings())
    get_assay_table(run, 60.0, "LPS")


def _warm_population() -> None:
    run_population(get_preset("zulresso"), 2, 0, placebo=False)


#: The process-wide warm-up (one compiled model per server process).
WARMUP = WarmUp()
#: One population run at a time per server process (keeps the server responsive).
POPULATION_LOCK = threading.Lock()
