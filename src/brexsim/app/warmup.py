"""Background compilation of the model for the web app (:class:`WarmUp`) and the process-wide
instance :data:`WARMUP`, which the server reads at call time as ``warmup.WARMUP`` (tests replace
it on this module).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from brexsim.app.patient import PatientSettings, run_patient
from brexsim.app.patient_tables import get_assay_table
from brexsim.app.population_run import run_population
from brexsim.dosing import get_preset

__all__ = ["WARMUP", "WarmUp"]


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
