"""One patient in the web app, free of Shiny: the validated settings, the typical patient with
those covariates, and the run of every layer beside the matching placebo reference.

Tables and downloads of a run are in :mod:`brexsim.app.patient_tables`.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from brexsim.app.common import (
    DELTA_STATE_LABELS,
    FINE_DT_H,
    HORIZON_H,
    LIMITS,
    TIMES_H,
    get_app_parameters,
)
from brexsim.app.regimen_tables import _check_app_regimen, get_placebo_regimen
from brexsim.dosing import Regimen
from brexsim.errors import input_error
from brexsim.params import ParameterSet

__all__ = ["SINGLE_CHUNK", "PatientRun", "PatientSettings", "make_population", "run_patient"]

#: Patients per block of a one-patient run.
SINGLE_CHUNK = 1


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
    ps = params or get_app_parameters()
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
