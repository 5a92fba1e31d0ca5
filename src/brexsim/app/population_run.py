"""A capped virtual population in the web app, free of Shiny: the run (drug arm and optional
placebo arm, in blocks of :data:`POPULATION_CHUNK`, with progress and cancellation) and its
download frames.

:data:`POPULATION_CHUNK` and :data:`POPULATION_LOCK` are module state read at call time (tests
set ``POPULATION_CHUNK`` on this module).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from brexsim.app.common import LIMITS, TIMES_H, get_app_parameters
from brexsim.app.regimen_tables import _check_app_regimen, get_placebo_regimen
from brexsim.dosing import Regimen
from brexsim.errors import input_error
from brexsim.model import SolverOptions
from brexsim.params import ParameterSet

__all__ = [
    "PERCENTILE_VARIABLES",
    "POPULATION_CHUNK",
    "POPULATION_LOCK",
    "PopulationRun",
    "get_population_frames",
    "run_population",
]

#: Patients per compiled block of a population run (padded; one compiled shape).
POPULATION_CHUNK = 64
#: One population run at a time per server process (keeps the server responsive).
POPULATION_LOCK = threading.Lock()


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
    ps = params or get_app_parameters()
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
                solver=SolverOptions(
                    workers=2
                ),  # two blocks at a time on two threads (same results)
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
