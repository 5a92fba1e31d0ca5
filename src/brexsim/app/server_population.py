"""Server of the Population tab: a capped virtual population of regimen A in a background
thread (one run at a time per process), progress through a polled value, cancel, rates,
percentile plot and downloads."""

import logging
import threading
from collections.abc import Callable
from typing import Any

from shiny import Inputs, Session, reactive, render, req, ui

from brexsim.app import logic, population_run, warmup
from brexsim.app.common import get_app_parameters
from brexsim.app.logic import PatientSettings, format_error
from brexsim.app.plots import (
    figure_png,
    plot_population,
)
from brexsim.app.server_common import _as_int, _error_box
from brexsim.errors import BrexsimInputError, input_error

__all__ = ["population_server"]

log = logging.getLogger("brexsim.app")


def population_server(
    input: Inputs,
    session: Session,
    reg_a: Callable[[], tuple[Any, str | None]],
    settings: Callable[[], tuple[PatientSettings | None, str | None]],
    fmt: Callable[[], str],
    population_ready: Callable[[], bool],
) -> None:
    """Wire the Population tab (called from :func:`brexsim.app.server.server`); ``reg_a`` and
    ``settings`` are the reactive regimen A and patient settings, ``fmt`` the download format."""
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
            warmup.WARMUP.start_population()

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
            population_run._check_population_args(n, seed)
        except BrexsimInputError as exc:
            pop_msg.set(format_error(exc))
            return
        if not population_run.POPULATION_LOCK.acquire(blocking=False):
            pop_msg.set(
                "Another population run is in progress on this server; try again when "
                "it has finished."
            )
            return
        cancel = threading.Event()
        placebo = bool(input.pop_placebo())
        pk_iiv = bool(input.pop_pk_iiv())
        hyp_params = get_app_parameters(str(input.pop_hypothesis()))
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
                population_run.POPULATION_LOCK.release()
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
