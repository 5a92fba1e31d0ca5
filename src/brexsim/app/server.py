"""Server of the web app: wires the inputs to :mod:`brexsim.app.logic` and the figures.

Every model call goes through :func:`_guarded`, which turns a bad input into the inline message
and any other failure into a short message (the traceback goes to the server log), so no input
crashes the server. Population runs go to a background thread (one at a time per process) and
report progress through a polled value.
"""

from __future__ import annotations

import logging
from typing import Any

import pandas as pd
from shiny import Inputs, Outputs, Session, reactive, render, req, ui

from brexsim.app import logic, warmup
from brexsim.app.common import get_app_parameters
from brexsim.app.decision_ui import decision_server
from brexsim.app.lactation import lactation_server
from brexsim.app.logic import LIMITS, PatientSettings
from brexsim.app.plots import (
    figure_png,
    plot_assay,
    plot_compare,
    plot_patient,
)
from brexsim.app.server_common import _error_box, _guarded
from brexsim.app.server_population import population_server
from brexsim.app.server_regimen import regimen_editor_server

__all__ = ["regimen_editor_server", "server"]

log = logging.getLogger("brexsim.app")


def server(input: Inputs, output: Outputs, session: Session) -> None:
    """The app's server function (one call per browser session)."""
    warmup.WARMUP.start()
    reg_a = regimen_editor_server("a", "zulresso")
    reg_b = regimen_editor_server("b", "zuranolone-50mg")

    @reactive.poll(lambda: (warmup.WARMUP.state, warmup.WARMUP.message), 0.5)
    def warm_status() -> tuple[str, str]:
        return warmup.WARMUP.state, warmup.WARMUP.message

    @reactive.poll(lambda: warmup.WARMUP.ready.is_set(), 0.5)
    def single_ready() -> bool:
        return warmup.WARMUP.ready.is_set()

    @reactive.poll(lambda: warmup.WARMUP.population_ready.is_set(), 0.5)
    def population_ready() -> bool:
        return warmup.WARMUP.population_ready.is_set()

    def fmt() -> str:
        f = input.download_format()
        return f if f in ("csv", "parquet") else "csv"

    # ---------------------------------------------------------------- status and patient
    @render.ui
    def status() -> Any:
        state, msg = warm_status()
        if state in ("idle", "warming"):
            return ui.div(
                ui.tags.span(class_="spinner-border spinner-border-sm me-2", role="status"),
                "Warming up: compiling the model (first start only)…",
                class_="brexsim-status warming",
                id="warmup-status",
            )
        if state == "failed":
            return ui.div(msg, class_="brexsim-status failed", id="warmup-status")
        return ui.div("Model ready", class_="brexsim-status ready", id="warmup-status")

    @reactive.calc
    def settings() -> tuple[PatientSettings | None, str | None]:
        return _guarded(
            PatientSettings,
            weight_kg=input.weight_kg(),
            hamd_baseline=input.hamd_baseline(),
            antidepressant=bool(input.antidepressant()),
            cns_depressant=bool(input.cns_depressant()),
            sedation_sensitivity=input.sedation_sensitivity(),
            delta_state=input.delta_state(),
            sensitivity=input.sensitivity(),
        )

    def patient_run(reg_calc: Any) -> tuple[Any, str | None]:
        if not single_ready():
            return None, None
        reg, err = reg_calc()
        s, err2 = settings()
        if err or err2:
            return None, err or err2
        return _guarded(logic.run_patient, reg, s)

    @reactive.calc
    def run_a() -> tuple[Any, str | None]:
        return patient_run(reg_a)

    @reactive.calc
    def run_b() -> tuple[Any, str | None]:
        return patient_run(reg_b)

    def need_run(calc: Any) -> Any:
        run, _ = calc()
        req(run)
        return run

    @render.ui
    def patient_message() -> Any:
        return _error_box(settings()[1])

    @render.ui
    def patient_error() -> Any:
        run, err = run_a()
        if err:
            return _error_box(f"Regimen A: {err}")
        if run is None and not single_ready():
            return ui.div(
                "Warming up: the figures appear when the model is compiled.", class_="brexsim-note"
            )
        return None

    def number(key: str, fmt_: str) -> str:
        run, err = run_a()
        if err:
            return "—"
        if run is None:
            return "…"
        return fmt_.format(run.summary[key])

    @render.text
    def cmax() -> str:
        return number("cmax_ng_per_ml", "{:.1f}")

    @render.text
    def free_brain() -> str:
        return number("max_biophase_free_nM", "{:.2f}")

    @render.text
    def tonic() -> str:
        return number("tonic_current_max_pA", "{:.1f}")

    @render.text
    def tnf() -> str:
        return number("tnf_fold_end_of_treatment", "{:.2f}")

    @render.text
    def bdnf() -> str:
        return number("bdnf_change_sd_day30", "{:+.2f}")

    @render.text
    def hamd() -> str:
        return number("hamd_change_end_of_treatment_vs_placebo", "{:+.1f}")

    @render.text
    def sedation() -> str:
        run, err = run_a()
        if err or run is None:
            return "—" if err else "…"
        s = run.summary
        flags = [k for k in ("somnolence", "excessive_sedation", "loss_of_consciousness") if s[k]]
        return f"{s['n_interruptions']}" + (
            f" ({', '.join(f.replace('_', ' ') for f in flags)})" if flags else ""
        )

    @render.plot(alt="Six panels: exposure, receptors, cytokines, BDNF, HAM-D, sedation")
    def patient_plot() -> Any:
        return plot_patient(need_run(run_a))

    @render.data_frame
    def summary_table() -> Any:
        return render.DataGrid(
            logic.get_summary_table(need_run(run_a)), summary=False, width="100%"
        )

    @render.data_frame
    def events_table() -> Any:
        return render.DataGrid(logic.get_events_table(need_run(run_a)), summary=False, width="100%")

    @render.ui
    def events_note() -> Any:
        run = need_run(run_a)
        if not run.regimen.is_iv:
            text = (
                "Oral zuranolone at home has no infusion to stop: sedation outcomes come "
                "from the highest score while awake."
            )
        elif not run.events:
            text = "No monitoring events for this patient (raise the sedation sensitivity, or "
            text += "add a concomitant antidepressant, to see the rules act)."
        else:
            text = "The infusion the patient received includes these stops and resumptions."
        return ui.div(text, class_="brexsim-note", id="events-note")

    @render.ui
    def baseline_cytokines_note() -> Any:
        p = get_app_parameters().get_layer("tlr")
        return ui.div(
            ui.tags.b("Baseline cytokines: "),
            f"fixed at the model's typical values (TNF-α {p['tnf_baseline_pg_per_ml']:g}, "
            f"IL-1β {p['il1b_baseline_pg_per_ml']:g}, IL-6 {p['il6_baseline_pg_per_ml']:g} "
            "pg/mL); the assembled model has no per-patient baseline-cytokine input yet, so "
            "they cannot be set here.",
            class_="brexsim-note",
            id="baseline-cytokines-note",
        )

    @render.download_button(filename=lambda: f"brexsim_patient.{fmt()}")
    def download_patient() -> Any:
        yield logic.to_bytes(logic.get_patient_frame(need_run(run_a)), fmt())

    @render.download_button(filename=lambda: f"brexsim_summary.{fmt()}")
    def download_summary() -> Any:
        yield logic.to_bytes(logic.get_summary_table(need_run(run_a)), fmt())

    @render.download_button(filename="brexsim_patient.png")
    def download_patient_png() -> Any:
        yield figure_png(plot_patient(need_run(run_a)))

    # ---------------------------------------------------------------- ex vivo assay
    @reactive.calc
    def assay() -> tuple[Any, str | None]:
        run, err = run_a()
        if run is None:
            return None, err
        return _guarded(logic.get_assay_table, run, input.assay_time_h(), input.assay_stimulus())

    @render.ui
    def assay_error() -> Any:
        return _error_box(assay()[1])

    @render.plot(alt="In vivo cytokines and ex vivo assay fold changes")
    def assay_plot() -> Any:
        tab, _ = assay()
        req(tab is not None)
        return plot_assay(need_run(run_a), tab)

    @render.data_frame
    def assay_table() -> Any:
        tab, _ = assay()
        req(tab is not None)
        return render.DataGrid(tab.round(3), summary=False, width="100%")

    @render.ui
    def assay_note() -> Any:
        tab, _ = assay()
        req(tab is not None)
        a = tab.attrs
        return ui.div(
            f"Blood drawn at {a['time_h']:g} h, {a['stimulus']} {a['dose']:g} for "
            f"{a['incubation_h']:g} h; blood diluted 1:1 in medium, so the cells see "
            f"{a['drug_in_tube_uM']:.3g} µM drug. Fold change against the same patient's 0-h "
            "sample.",
            class_="brexsim-note",
        )

    @render.download_button(filename=lambda: f"brexsim_assay.{fmt()}")
    def download_assay() -> Any:
        tab, _ = assay()
        req(tab is not None)
        yield logic.to_bytes(tab, fmt())

    @render.download_button(filename="brexsim_assay.png")
    def download_assay_png() -> Any:
        tab, _ = assay()
        req(tab is not None)
        yield figure_png(plot_assay(need_run(run_a), tab))

    # ---------------------------------------------------------------- compare
    @render.ui
    def compare_error() -> Any:
        msgs = [f"Regimen {k}: {e}" for k, (_, e) in (("A", run_a()), ("B", run_b())) if e]
        return _error_box("; ".join(msgs)) if msgs else None

    @render.data_frame
    def compare_table() -> Any:
        tab = logic.get_compare_table(need_run(run_a), need_run(run_b))
        return render.DataGrid(tab, summary=False, width="100%")

    @render.plot(alt="Regimen A and B overlaid")
    def compare_plot() -> Any:
        return plot_compare(need_run(run_a), need_run(run_b))

    @render.download_button(filename=lambda: f"brexsim_compare.{fmt()}")
    def download_compare() -> Any:
        a, b = need_run(run_a), need_run(run_b)
        frame = pd.concat(
            [logic.get_patient_frame(a, "regimen A"), logic.get_patient_frame(b, "regimen B")],
            ignore_index=True,
        )
        yield logic.to_bytes(frame, fmt())

    @render.download_button(filename="brexsim_compare.png")
    def download_compare_png() -> Any:
        yield figure_png(plot_compare(need_run(run_a), need_run(run_b)))

    # ---------------------------------------------------------------- population
    population_server(input, session, reg_a, settings, fmt, population_ready)

    # ---------------------------------------------------------------- lactation
    lactation_server(input, reg_a, settings, fmt)
    decision_server(input, session)  # Sensitivity and Shorter-regimen tabs

    # ---------------------------------------------------------------- about
    @render.ui
    def about() -> Any:
        from brexsim._version import __version__

        return ui.div(
            ui.h5("brexsim regimen explorer"),
            ui.p(
                f"brexsim {__version__}; parameter set {get_app_parameters().hash[:12]}. "
                "Research output, not dosing advice for any patient."
            ),
            ui.tags.ul(
                ui.tags.li(
                    "One patient = the model's typical patient (every random effect at "
                    "its typical value) with the covariates set in the sidebar; HAM-D "
                    "curves are expected (noise-free) scores."
                ),
                ui.tags.li(
                    "The placebo reference is the same schedule with no drug, so it "
                    "follows the same care setting (inpatient infusion / outpatient)."
                ),
                ui.tags.li(
                    "The δ-expression state sets the receptor panel (tonic current). "
                    "The tone index that drives BDNF and HAM-D is defined on the PPD "
                    "state by the model, so the state does not change those layers."
                ),
                ui.tags.li("Receptor sensitivity (control / epileptic) feeds every layer."),
                ui.tags.li("A concomitant antidepressant changes the sedation gain only."),
                ui.tags.li(
                    "Baseline cytokines are the model's typical values (no "
                    "per-patient input in the assembled model)."
                ),
                ui.tags.li(
                    f"Limits: schedules end by day {LIMITS['max_schedule_h'] / 24:g}; "
                    f"the model runs to day {logic.HORIZON_H / 24:g} on an hourly grid; "
                    f"at most {int(LIMITS['max_population'])} patients per population "
                    "run, one run at a time per server."
                ),
            ),
        )
