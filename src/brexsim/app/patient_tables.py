"""Tables of one patient run in the web app, free of Shiny: the summary numbers, two runs side
by side, the monitoring events, the long download frame, and the ex vivo whole-blood assay.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from brexsim.app.common import ASSAY_STIMULI
from brexsim.app.patient import PatientRun, _value_at
from brexsim.app.regimen_tables import _parse_number
from brexsim.errors import input_error

__all__ = [
    "SUMMARY_ROWS",
    "get_assay_table",
    "get_compare_table",
    "get_events_table",
    "get_patient_frame",
    "get_summary_table",
]

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
