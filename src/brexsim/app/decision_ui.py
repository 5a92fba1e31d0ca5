"""Layout and reactive wiring of the Sensitivity tab and the Shorter-regimen explorer.

The logic is in :mod:`brexsim.app.decision`; :func:`decision_panels` gives the two tabs (called
from :mod:`brexsim.app.ui`) and :func:`decision_server` registers their outputs (called from
:mod:`brexsim.app.server`). Each tab runs one seeded analysis at a time in a background thread
(progress bar, Cancel), one analysis per server at a time (:data:`DECISION_LOCK`), or loads a
CLI output folder.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from brexsim.app import decision as dec
from brexsim.errors import BrexsimInputError

__all__ = ["DECISION_LOCK", "decision_panels", "decision_server"]

log = logging.getLogger(__name__)
#: One in-app sensitivity or optimisation run per server at a time.
DECISION_LOCK = threading.Lock()


def _run_row(prefix: str) -> Any:
    from shiny import ui

    return ui.div(
        ui.input_action_button(f"{prefix}_run", "Run", class_="btn-primary"),
        ui.input_action_button(f"{prefix}_cancel", "Cancel", class_="btn-outline-secondary"),
        class_="mt-4",
    )


def _load_row(prefix: str, what: str) -> Any:
    from shiny import ui

    return ui.layout_columns(
        ui.input_select(
            f"{prefix}_dir", f"…or load a `brexsim {what}` folder from the results root", []
        ),
        ui.div(
            ui.input_action_button(f"{prefix}_load", "Load"),
            ui.input_action_button(f"{prefix}_refresh", "Refresh list"),
            class_="mt-4",
        ),
        col_widths=(8, 4),
    )


def decision_panels() -> list[Any]:
    """The two ``nav_panel`` tabs."""
    from shiny import ui

    from brexsim.decision.outputs import OUTPUTS
    from brexsim.decision.ranges import load_ranges
    from brexsim.decision.space import get_space_names

    params = {r.name: r.name for r in load_ranges(None)}
    outs = {k: k for k in OUTPUTS if k != "infusion_hours"}
    s = dec.APP_SIZES
    sens = ui.nav_panel(
        "Sensitivity",
        ui.layout_columns(
            ui.input_radio_buttons("sens_method", "Method", {"morris": "Morris", "sobol": "Sobol"}),
            ui.input_numeric(
                "sens_n",
                "Trajectories (Morris) / base samples N (Sobol)",
                s["morris_trajectories"],
                min=2,
                step=1,
            ),
            ui.input_numeric("sens_seed", "Seed", s["seed"], min=0, step=1),
            _run_row("sens"),
            col_widths=(2, 4, 2, 4),
        ),
        ui.input_selectize(
            "sens_outputs",
            "Outputs",
            outs,
            multiple=True,
            selected=["hamd_change_h60", "excessive_sedation_rate"],
        ),
        ui.input_selectize("sens_params", "Parameters (blank: all ranges)", params, multiple=True),
        ui.div(
            f"Regimen zulresso on {s['patients']} patients (fixed population). Sobol: N × (k + 2) "
            f"model runs (N a power of 2), Morris: N × (k + 1); at most {dec.MAX_APP_RUNS} runs "
            "(about 0.7 s each). Intervals: 95 % bootstrap. Small runs rank parameters; "
            "converged indices come from `brexsim sensitivity` (docs/decision.md).",
            class_="brexsim-note",
        ),
        _load_row("sens", "sensitivity"),
        ui.output_ui("sens_message"),
        ui.output_ui("sens_progress"),
        ui.output_plot("sens_plot", height="520px"),
        ui.output_data_frame("sens_table"),
        ui.output_plot("sens_convergence", height="380px"),
    )
    explorer = ui.nav_panel(
        "Shorter regimen",
        ui.layout_columns(
            ui.input_select(
                "opt_space",
                "Search space",
                {n: n for n in get_space_names()},
                selected="shorter-infusion",
            ),
            ui.input_select("opt_objective", "Benefit", outs, selected="hamd_change_h60"),
            ui.input_text("opt_constraint", "Constraint", "excessive_sedation_rate <= label"),
            ui.input_numeric("opt_trials", "Trials", s["trials"], min=2, step=1),
            ui.input_numeric("opt_seed", "Seed", s["seed"], min=0, step=1),
            _run_row("opt"),
            col_widths=(2, 2, 3, 1, 1, 3),
        ),
        ui.div(
            f"Optuna TPE (seeded) on {s['patients']} patients, common random numbers; 'label' = "
            "the label's excessive-sedation rate (5 %). The picks (best, best within 24 h and "
            "36 h) are re-checked beside the approved regimen on a fresh population. Points "
            "ringed red and 'studied range' entries lie outside what was studied (rate > 90 "
            "µg/kg/h, infusion < 24 h; oral: off-label dose, course, food or timing).",
            class_="brexsim-note",
        ),
        _load_row("opt", "optimize"),
        ui.output_ui("opt_message"),
        ui.output_ui("opt_progress"),
        ui.output_plot("opt_plot", height="440px"),
        ui.output_data_frame("opt_recheck"),
        ui.output_data_frame("opt_front"),
    )
    return [sens, explorer]


class _Job:
    """One background run of a tab: progress, result, error, cancel (thread-safe)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.cancel = threading.Event()
        self.state: dict[str, Any] = {"progress": (0.0, ""), "result": None, "error": None}
        self.done = True

    def set_progress(self, frac: float, text: str) -> None:
        with self.lock:
            self.state["progress"] = (float(frac), text)

    def start(self, fn: Callable[..., Any], *args: Any) -> str | None:
        if not self.done:
            return "A run is already in progress in this tab."
        if not DECISION_LOCK.acquire(blocking=False):
            return "Another sensitivity or optimisation run is in progress on this server."
        self.cancel = threading.Event()
        self.state = {"progress": (0.0, "starting"), "result": None, "error": None}
        self.done = False

        def work() -> None:
            from brexsim.app.logic import format_error

            try:
                res = fn(*args, progress=self.set_progress, cancel=self.cancel)
                with self.lock:
                    self.state["result"] = res
            except dec.RunCancelledError as exc:
                with self.lock:
                    self.state["error"] = f"{str(exc).capitalize()}."
            except Exception as exc:
                if not isinstance(exc, BrexsimInputError):
                    log.exception("brexsim app: decision run failed")
                with self.lock:
                    self.state["error"] = format_error(exc)
            finally:
                DECISION_LOCK.release()
                self.done = True

        threading.Thread(target=work, name="brexsim-decision", daemon=True).start()
        return None


def _tab_server(input: Any, session: Any, prefix: str, start: Any, kind: str) -> Any:
    """Run / load / cancel wiring of one tab; returns the result, message, running and progress
    values. ``kind``: the CLI command whose folders the tab loads."""
    from shiny import reactive, ui

    from brexsim.app import decision_files as files
    from brexsim.app.server_common import _guarded

    def load(name: str) -> Any:
        path = files.resolve_result_dir(name, kind)
        if kind == "sensitivity":
            return files.load_sensitivity_dir(path)
        return files.load_optimize_dir(path)

    job = _Job()
    result, msg, running = reactive.value(None), reactive.value(""), reactive.value(False)
    prog = reactive.value((0.0, ""))

    @reactive.effect
    @reactive.event(input[f"{prefix}_run"])
    def _run() -> None:
        args, err = _guarded(start)
        busy = err or job.start(*args)
        msg.set(busy or "")
        running.set(not busy)

    @reactive.effect
    @reactive.event(input[f"{prefix}_cancel"])
    def _cancel() -> None:
        job.cancel.set()

    @reactive.effect
    @reactive.event(input[f"{prefix}_load"])
    def _load() -> None:
        res, err = _guarded(load, str(input[f"{prefix}_dir"]() or ""))
        msg.set(err or "")
        if res is not None:
            result.set(res)

    @reactive.effect
    def _list_folders() -> None:
        input[f"{prefix}_refresh"]()
        names, _ = _guarded(files.find_result_dirs, kind)
        ui.update_select(f"{prefix}_dir", choices=names or [])

    session.on_ended(lambda: job.cancel.set())

    @reactive.effect
    def _watch() -> None:
        if not running():
            return
        reactive.invalidate_later(0.5)
        with job.lock:
            state = dict(job.state)
        prog.set(state["progress"])
        if job.done:
            running.set(False)
            if state["result"] is not None:
                result.set(state["result"])
            msg.set(state["error"] or "")

    return result, msg, running, prog


def _progress_ui(running: bool, prog: tuple[float, str], res: Any, pid: str) -> Any:
    from shiny import ui

    if running:
        pct = round(100 * prog[0])
        bar = ui.div(
            f"{pct} %",
            class_="progress-bar progress-bar-striped progress-bar-animated",
            style=f"width: {max(pct, 3)}%",
            role="progressbar",
        )
        return ui.div(
            ui.div(bar, class_="progress"), ui.div(prog[1], class_="brexsim-note"), id=pid
        )
    if res is not None:
        s = res.summary
        where = "this app" if res.source == "app" else res.source
        text = ", ".join(
            f"{k} {s[k]}" for k in ("method", "n", "trials", "seed", "patients") if k in s
        )
        return ui.div(f"Showing: {text} (from {where}).", class_="brexsim-note", id=pid)
    return None


def decision_server(input: Any, session: Any) -> None:
    """Register both tabs' outputs in the running session (call from the server function)."""
    from shiny import render, req

    from brexsim.app.server_common import _as_int, _error_box

    def sens_args() -> tuple[Any, ...]:
        return (
            str(input.sens_method()),
            list(input.sens_outputs() or []),
            list(input.sens_params() or []),
            _as_int(input.sens_n(), "n"),
            _as_int(input.sens_seed(), "seed"),
        )

    def opt_args() -> tuple[Any, ...]:
        return (
            str(input.opt_space()),
            str(input.opt_objective()),
            str(input.opt_constraint()),
            _as_int(input.opt_trials(), "trials"),
            _as_int(input.opt_seed(), "seed"),
        )

    s_res, s_msg, s_run, s_prog = _tab_server(
        input,
        session,
        "sens",
        lambda: (dec.run_app_sensitivity, *sens_args()),
        "sensitivity",
    )
    o_res, o_msg, o_run, o_prog = _tab_server(
        input, session, "opt", lambda: (dec.run_app_optimize, *opt_args()), "optimize"
    )

    @render.ui
    def sens_message() -> Any:
        return _error_box(s_msg() or None)

    @render.ui
    def sens_progress() -> Any:
        return _progress_ui(s_run(), s_prog(), s_res(), "sens-progress")

    @render.plot(alt="Sensitivity indices ranked, with 95 % intervals")
    def sens_plot() -> Any:
        req(s_res() is not None)
        return dec.draw_sensitivity(s_res())

    @render.data_frame
    def sens_table() -> Any:
        req(s_res() is not None)
        return render.DataGrid(dec.get_sensitivity_table(s_res()), summary=False, width="100%")

    @render.plot(alt="Sobol indices against the base sample size")
    def sens_convergence() -> Any:
        req(s_res() is not None)
        fig = dec.draw_sensitivity_convergence(s_res())
        req(fig is not None)
        return fig

    @render.ui
    def opt_message() -> Any:
        return _error_box(o_msg() or None)

    @render.ui
    def opt_progress() -> Any:
        return _progress_ui(o_run(), o_prog(), o_res(), "opt-progress")

    @render.plot(alt="Pareto front: benefit against infusion hours, approved regimen starred")
    def opt_plot() -> Any:
        req(o_res() is not None)
        return dec.draw_front(o_res())

    @render.data_frame
    def opt_recheck() -> Any:
        req(o_res() is not None)
        return render.DataGrid(dec.get_recheck_table(o_res()), summary=False, width="100%")

    @render.data_frame
    def opt_front() -> Any:
        req(o_res() is not None)
        return render.DataGrid(dec.get_front_table(o_res()), summary=False, width="100%")
