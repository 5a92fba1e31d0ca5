"""Server of the web app: wires the inputs to :mod:`brexsim.app.logic` and the figures.

Every model call goes through :func:`_guarded`, which turns a bad input into the inline message
and any other failure into a short message (the traceback goes to the server log), so no input
crashes the server. Population runs go to a background thread (one at a time per process) and
report progress through a polled value.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

import pandas as pd
from shiny import Inputs, Outputs, Session, module, reactive, render, req, ui

from brexsim.app import logic
from brexsim.app.decision_ui import decision_server
from brexsim.app.lactation import lactation_server
from brexsim.app.logic import LIMITS, PatientSettings, format_error
from brexsim.app.plots import (
    figure_png,
    plot_assay,
    plot_compare,
    plot_patient,
    plot_population,
)
from brexsim.dosing import get_preset_names
from brexsim.errors import BrexsimInputError, input_error
from brexsim.hypotheses import apply_hypothesis
from brexsim.params import load_parameters

__all__ = ["regimen_editor_server", "server"]

log = logging.getLogger("brexsim.app")


def _guarded(fn: Any, *args: Any, **kwargs: Any) -> tuple[Any, str | None]:
    """``(value, None)`` or ``(None, message)``; never raises for bad input or model failure."""
    try:
        return fn(*args, **kwargs), None
    except BrexsimInputError as exc:
        return None, format_error(exc)
    except Exception as exc:
        log.exception("brexsim app: %s failed", getattr(fn, "__name__", "call"))
        return None, format_error(exc)


def _error_box(msg: str | None) -> Any:
    return ui.div(msg, class_="brexsim-error", role="alert") if msg else None


def _clean_cell(value: Any) -> str:
    """A table cell as the user typed it, trimmed and capped (parsed later, never executed)."""
    text = "" if value is None else str(value).strip()
    return text[: int(LIMITS["max_cell_chars"]) + 1]


def _as_int(value: Any, field: str) -> int:
    if isinstance(value, bool) or value is None:
        raise input_error(field, value, "a whole number")
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise input_error(field, value, "a whole number") from None
    if not x.is_integer():
        raise input_error(field, value, "a whole number")
    return int(x)


def _grid(frame: pd.DataFrame) -> render.DataGrid:
    return render.DataGrid(frame, editable=True, summary=False, width="100%")


@module.server
def regimen_editor_server(
    input: Inputs, output: Outputs, session: Session, default_preset: str
) -> Any:
    """Editor tables and preset loading; returns a calc giving ``(Regimen | None, message)``."""
    names = tuple(get_preset_names())
    first = logic.get_preset_tables(default_preset)
    drug = reactive.value(first.drug)
    seg_v = reactive.value(first.segments)
    oral_v = reactive.value(first.oral)
    int_v = reactive.value(first.interruptions)
    row_message = reactive.value("")

    @reactive.effect
    @reactive.event(input.preset, ignore_init=True)
    def _load_preset() -> None:
        name = input.preset()
        if name not in names:
            row_message.set(format_error(input_error("preset", name, f"one of {list(names)}")))
            return
        tb = logic.get_preset_tables(name)
        drug.set(tb.drug)
        seg_v.set(tb.segments)
        oral_v.set(tb.oral)
        int_v.set(tb.interruptions)
        row_message.set("")
        ui.update_numeric("start_clock_h", value=tb.start_clock_h)

    @render.data_frame
    def segments() -> render.DataGrid:
        return _grid(seg_v())

    @render.data_frame
    def oral() -> render.DataGrid:
        return _grid(oral_v())

    @render.data_frame
    def interruptions() -> render.DataGrid:
        return _grid(int_v())

    for grid in (segments, oral, interruptions):
        grid.set_patch_fn(lambda *, patch: _clean_cell(patch["value"]))

    def view(grid: Any, fallback: pd.DataFrame) -> pd.DataFrame:
        try:
            v = grid.data_view()
        except Exception:  # not rendered yet (hidden table): the stored frame is current
            return fallback
        return v if isinstance(v, pd.DataFrame) else fallback

    def edit_rows(grid: Any, value: Any, kind: str, add: bool) -> None:
        with reactive.isolate():
            current = view(grid, value())
        try:
            new = logic.add_table_row(current, kind) if add else logic.remove_table_row(current)
        except BrexsimInputError as exc:
            row_message.set(format_error(exc))
            return
        row_message.set("")
        value.set(new.reset_index(drop=True))

    @reactive.effect
    @reactive.event(input.add_segment)
    def _add_segment() -> None:
        edit_rows(segments, seg_v, "segments", True)

    @reactive.effect
    @reactive.event(input.remove_segment)
    def _remove_segment() -> None:
        edit_rows(segments, seg_v, "segments", False)

    @reactive.effect
    @reactive.event(input.add_dose)
    def _add_dose() -> None:
        edit_rows(oral, oral_v, "oral", True)

    @reactive.effect
    @reactive.event(input.remove_dose)
    def _remove_dose() -> None:
        edit_rows(oral, oral_v, "oral", False)

    @reactive.effect
    @reactive.event(input.add_interruption)
    def _add_interruption() -> None:
        edit_rows(interruptions, int_v, "interruptions", True)

    @reactive.effect
    @reactive.event(input.remove_interruption)
    def _remove_interruption() -> None:
        edit_rows(interruptions, int_v, "interruptions", False)

    @reactive.calc
    def regimen() -> tuple[Any, str | None]:
        d = drug()
        iv = d == "brexanolone"
        seg = view(segments, seg_v()) if iv else seg_v()
        ints = view(interruptions, int_v()) if iv else int_v().iloc[0:0]
        ora = oral_v() if iv else view(oral, oral_v())
        return _guarded(
            logic.build_regimen, d, seg, ora, ints, input.start_clock_h(), name=input.preset()
        )

    @render.ui
    def message() -> Any:
        msg = row_message() or regimen()[1]
        return _error_box(msg)

    return regimen


def server(input: Inputs, output: Outputs, session: Session) -> None:
    """The app's server function (one call per browser session)."""
    logic.WARMUP.start()
    reg_a = regimen_editor_server("a", "zulresso")
    reg_b = regimen_editor_server("b", "zuranolone-50mg")

    @reactive.poll(lambda: (logic.WARMUP.state, logic.WARMUP.message), 0.5)
    def warm_status() -> tuple[str, str]:
        return logic.WARMUP.state, logic.WARMUP.message

    @reactive.poll(lambda: logic.WARMUP.ready.is_set(), 0.5)
    def single_ready() -> bool:
        return logic.WARMUP.ready.is_set()

    @reactive.poll(lambda: logic.WARMUP.population_ready.is_set(), 0.5)
    def population_ready() -> bool:
        return logic.WARMUP.population_ready.is_set()

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
        p = load_parameters().get_layer("tlr")
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
    job: dict[str, Any] = {"thread": None, "cancel": threading.Event()}
    job_lock = threading.Lock()
    running = reactive.value(False)
    pop_result = reactive.value(None)
    pop_msg = reactive.value("")
    pop_prog = reactive.value((0.0, ""))

    def _set_progress(frac: float, text: str) -> None:
        with job_lock:
            job["progress"] = (float(frac), text)

    @reactive.effect
    def _warm_population_on_tab() -> None:
        if input.tabs() == "Population":
            logic.WARMUP.start_population()

    @reactive.effect
    @reactive.event(input.pop_run)
    def _start_population() -> None:
        if running():
            pop_msg.set("A population run is already in progress in this window.")
            return
        reg, err = reg_a()
        s, err2 = settings()
        try:
            if err or err2:
                raise input_error("regimen A / patient", "invalid", err or err2 or "")
            n = _as_int(input.pop_n(), "patients per arm")
            seed = _as_int(input.pop_seed(), "seed")
            logic._check_population_args(n, seed)
        except BrexsimInputError as exc:
            pop_msg.set(format_error(exc))
            return
        if not logic.POPULATION_LOCK.acquire(blocking=False):
            pop_msg.set(
                "Another population run is in progress on this server; try again when "
                "it has finished."
            )
            return
        cancel = threading.Event()
        placebo = bool(input.pop_placebo())
        pk_iiv = bool(input.pop_pk_iiv())
        hyp_params = apply_hypothesis(load_parameters(), str(input.pop_hypothesis()))
        with job_lock:
            job.update(
                cancel=cancel, progress=(0.0, "starting"), result=None, error=None, done=False
            )

        def work() -> None:
            try:
                res = logic.run_population(
                    reg,
                    n,
                    seed,
                    s.sensitivity,
                    placebo,
                    progress=_set_progress,
                    cancel=cancel,
                    params=hyp_params,
                    pk_variability=pk_iiv,
                )
                with job_lock:
                    job["result"] = res
            except BrexsimInputError as exc:
                with job_lock:
                    job["error"] = (
                        "Population run cancelled." if cancel.is_set() else format_error(exc)
                    )
            except Exception as exc:
                log.exception("brexsim app: population run failed")
                with job_lock:
                    job["error"] = format_error(exc)
            finally:
                logic.POPULATION_LOCK.release()
                with job_lock:
                    job["done"] = True

        t = threading.Thread(target=work, name="brexsim-population", daemon=True)
        job["thread"] = t
        pop_msg.set(
            ""
            if population_ready()
            else "The population model is still compiling; the run starts after it."
        )
        pop_prog.set((0.0, "starting"))
        running.set(True)
        t.start()

    @reactive.effect
    @reactive.event(input.pop_cancel)
    def _cancel_population() -> None:
        job["cancel"].set()

    session.on_ended(lambda: job["cancel"].set())

    @reactive.effect
    def _watch_population() -> None:
        if not running():
            return
        reactive.invalidate_later(0.4)
        with job_lock:
            prog, done, res, err = job["progress"], job["done"], job["result"], job["error"]
        pop_prog.set(prog)
        if done:
            running.set(False)
            if res is not None:
                pop_result.set(res)
                pop_msg.set("")
            if err:
                pop_msg.set(err)

    @render.ui
    def pop_message() -> Any:
        msg = pop_msg()
        if not msg:
            return None
        if msg.startswith("The population model is still compiling"):
            return ui.div(msg, class_="brexsim-note")
        return _error_box(msg)

    @render.ui
    def pop_progress() -> Any:
        frac, text = pop_prog()
        res = pop_result()
        if running():
            pct = round(100 * frac)
            return ui.div(
                ui.div(
                    ui.div(
                        f"{pct} %",
                        class_="progress-bar progress-bar-striped progress-bar-animated",
                        role="progressbar",
                        style=f"width: {max(pct, 3)}%",
                        aria_valuenow=str(pct),
                        aria_valuemin="0",
                        aria_valuemax="100",
                    ),
                    class_="progress",
                    style="height: 1.4rem",
                ),
                ui.div(f"Running: {text}", class_="brexsim-note"),
                id="pop-progress",
            )
        if res is not None:
            return ui.div(
                f"Done: {res.n} patients per arm in {res.elapsed_s:.1f} s (seed {res.seed}).",
                class_="brexsim-note",
                id="pop-progress",
            )
        return None

    @render.data_frame
    def pop_rates() -> Any:
        res = pop_result()
        req(res is not None)
        return render.DataGrid(res.rates.round(1), summary=False, width="100%")

    @render.plot(alt="Population percentiles")
    def pop_plot() -> Any:
        res = pop_result()
        req(res is not None)
        return plot_population(res)

    @render.download_button(filename=lambda: f"brexsim_population_patients.{fmt()}")
    def download_pop_patients() -> Any:
        res = pop_result()
        req(res is not None)
        yield logic.to_bytes(logic.get_population_frames(res)[0], fmt())

    @render.download_button(filename=lambda: f"brexsim_population_percentiles.{fmt()}")
    def download_pop_percentiles() -> Any:
        res = pop_result()
        req(res is not None)
        yield logic.to_bytes(logic.get_population_frames(res)[1], fmt())

    @render.download_button(filename="brexsim_population.png")
    def download_pop_png() -> Any:
        res = pop_result()
        req(res is not None)
        yield figure_png(plot_population(res))

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
                f"brexsim {__version__}; parameter set {load_parameters().hash[:12]}. "
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
