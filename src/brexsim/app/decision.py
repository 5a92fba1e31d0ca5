"""Logic of the Sensitivity tab and the Shorter-regimen explorer (issue 17, item 3).

Plain functions of plain inputs, tested without a browser (``tests/app/test_decision_tabs.py``);
the layout and the reactive wiring are in :mod:`brexsim.app.decision_ui`. Both tabs either run a
small seeded analysis in the app or load the output folder of ``brexsim sensitivity`` /
``brexsim optimize`` (:mod:`brexsim.app.decision_files`; the converged, large runs belong on the
command line, docs/decision.md).

App sizes (:data:`APP_SIZES`): 64 patients per model run (one compiled block), at most
:data:`MAX_APP_RUNS` model runs per analysis. A model run (one parameter set or one regimen on
the 64 patients) took about 0.7 s on the shared 2-core development machine (docs/decision.md), so
the defaults finish in about a minute: Morris with 4 trajectories over the 17 ranges (72 runs),
Sobol with N = 8 over a chosen subset (N x (k + 2) runs: 48 for 4 parameters), an optimisation of
24 trials plus the re-check of the picks on a fresh 64-patient population.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from brexsim.errors import input_error

__all__ = [
    "APP_SIZES",
    "MAX_APP_RUNS",
    "OptimizeRun",
    "RunCancelledError",
    "SensitivityRun",
    "count_runs",
    "draw_front",
    "draw_sensitivity",
    "draw_sensitivity_convergence",
    "get_front_table",
    "get_recheck_table",
    "get_sensitivity_table",
    "run_app_optimize",
    "run_app_sensitivity",
]

#: Defaults and choices of the two tabs (patients: one compiled block of 64).
APP_SIZES: dict[str, Any] = {
    "patients": 64,
    "morris_trajectories": 4,
    "sobol_n_base": 8,
    "sobol_choices": (4, 8, 16, 32),
    "trials": 24,
    "max_trials": 200,
    "seed": 1,
}
#: Most model runs one in-app analysis may ask for (about 7 min at 0.7 s a run).
MAX_APP_RUNS = 600
Progress = Callable[[float, str], None]


class RunCancelledError(Exception):
    """Raised inside a run when its cancel event is set."""


@dataclass(frozen=True)
class SensitivityRun:
    """A Sobol (``table`` of S1/ST, ``convergence``) or Morris (``table`` of mu*) result."""

    method: str
    table: pd.DataFrame
    convergence: pd.DataFrame | None
    summary: dict[str, Any]
    source: str


@dataclass(frozen=True)
class OptimizeRun:
    """Trials, the benefit-vs-``x`` front (index labels of ``trials``), the reference regimen's
    outputs, the re-check table (may be empty) and the summary."""

    objective: str
    x: str
    trials: pd.DataFrame
    front: list[int]
    reference: pd.DataFrame
    recheck: pd.DataFrame
    summary: dict[str, Any] = field(repr=False)
    source: str = "app"


def count_runs(method: str, n: int, k: int) -> int:
    """Model runs of an analysis: Sobol ``n (k + 2)``, Morris ``n (k + 1)``.

    >>> count_runs("sobol", 8, 4), count_runs("morris", 4, 17)
    (48, 72)
    """
    if method not in ("sobol", "morris"):
        raise input_error("method", method, "sobol or morris")
    return n * (k + 2) if method == "sobol" else n * (k + 1)


def _ticker(progress: Progress | None, cancel: threading.Event | None, what: str) -> Any:
    def tick(i: int, total: int) -> None:
        if cancel is not None and cancel.is_set():
            raise RunCancelledError(f"{what} cancelled")
        if progress is not None:
            progress(i / total, f"{what}: {i}/{total} model runs")

    return tick


def run_app_sensitivity(
    method: str,
    outputs: Sequence[str],
    params: Sequence[str] | None,
    n: int,
    seed: int = 1,
    regimen: str = "zulresso",
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
) -> SensitivityRun:
    """A small seeded Sobol or Morris analysis on 64 patients (at most :data:`MAX_APP_RUNS`).

    ``params`` is a subset of the shipped ranges (None or empty: all of them).

    >>> r = run_app_sensitivity("morris", ["hamd_change_h60"],
    ...                         ["hamd.max_drug_effect", "hamd.fast_rate_per_h"], 2)
    >>> list(r.table.parameter), r.summary["model_runs"]
    (['hamd.max_drug_effect', 'hamd.fast_rate_per_h'], 6)
    """
    from brexsim.decision.outputs import check_outputs, get_population
    from brexsim.decision.ranges import get_problem, load_ranges
    from brexsim.decision.sensitivity import make_model_function, run_morris, run_sobol
    from brexsim.dosing import load_regimen

    names = check_outputs(list(outputs), "outputs")
    rs = load_ranges(None, names=list(params) if params else None)
    runs = count_runs(method, n, len(rs))
    if runs > MAX_APP_RUNS:
        raise input_error(
            "size", f"{runs} model runs", f"at most {MAX_APP_RUNS} in the app (use the CLI)"
        )
    problem = get_problem(rs)
    pop = get_population(APP_SIZES["patients"], seed)
    model = make_model_function(
        rs, load_regimen(regimen), pop, names, progress=_ticker(progress, cancel, method)
    )
    summary = {
        "method": method,
        "n": n,
        "seed": seed,
        "patients": pop.n,
        "model_runs": runs,
        "regimen": regimen,
        "parameters": [r.name for r in rs],
    }
    if method == "sobol":
        res = run_sobol(problem, model, names, n, seed)
        return SensitivityRun("sobol", res.indices, res.convergence, summary, "app")
    return SensitivityRun(
        "morris", run_morris(problem, model, names, n, seed), None, summary, "app"
    )


def get_sensitivity_table(run: SensitivityRun) -> pd.DataFrame:
    """The ranked table the tab shows: per output, parameters by ST (Sobol) or mu* (Morris),
    each index as ``value [low, high]`` (95 % bootstrap interval), text formatted."""
    t = run.table.copy()
    key = "ST" if run.method == "sobol" else "mu_star"
    t = t.sort_values(["output", key], ascending=[True, False], na_position="last")

    def ci(col: str) -> pd.Series:
        return [
            f"{e:.3g} [{lo:.3g}, {hi:.3g}]" if pd.notna(e) else "—"
            for e, lo, hi in zip(t[col], t[f"{col}_low"], t[f"{col}_high"], strict=True)
        ]

    out = pd.DataFrame({"output": t.output, "parameter": t.parameter})
    if run.method == "sobol":
        out["S1 [95 % CI]"], out["ST [95 % CI]"] = ci("S1"), ci("ST")
    else:
        out["mu* [95 % CI]"], out["sigma"] = ci("mu_star"), [f"{v:.3g}" for v in t.sigma]
    return out.reset_index(drop=True)


def draw_sensitivity(run: SensitivityRun) -> Figure:
    """Ranked bars of S1 and ST with intervals (Sobol) or mu* against sigma (Morris)."""
    from brexsim.decision import report

    if run.method == "sobol":
        return report.draw_sobol_bars(run.table)
    return report.draw_morris(run.table)


def draw_sensitivity_convergence(run: SensitivityRun) -> Figure | None:
    """Indices against the base sample size (Sobol with at least two sizes), else None."""
    from brexsim.decision import report

    conv = run.convergence
    if conv is None or conv.n_base.nunique() < 2:
        return None
    return report.draw_convergence(conv)


def run_app_optimize(
    space: str = "shorter-infusion",
    objective: str = "hamd_change_h60",
    constraint: str = "excessive_sedation_rate <= label",
    trials: int = 24,
    seed: int = 1,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
) -> OptimizeRun:
    """A small seeded study on 64 patients (common random numbers), its front and the picks
    re-checked beside the reference on a fresh 64-patient population (seed + 1000).

    >>> r = run_app_optimize(trials=2, seed=3)
    >>> r.x, "reference zulresso" in set(r.recheck.name)
    ('infusion_hours', True)
    """
    from brexsim.decision.optimize import (
        get_pareto_front,
        get_picks,
        get_search_outputs,
        parse_constraint,
        recheck,
        run_study,
    )
    from brexsim.decision.outputs import compute_patient_outputs, get_population, summarise_outputs
    from brexsim.decision.space import POINT_COLUMNS, load_space, make_regimen
    from brexsim.dosing import get_preset

    cons = [parse_constraint(c) for c in str(constraint).split(";") if c.strip()]
    if not cons:
        raise input_error("constraint", constraint, "e.g. 'excessive_sedation_rate <= label'")
    sp = load_space(space)
    ok_trials = isinstance(trials, int) and not isinstance(trials, bool)
    if not ok_trials or not 2 <= trials <= APP_SIZES["max_trials"]:
        raise input_error("trials", trials, f"an integer in [2, {APP_SIZES['max_trials']}]")
    pop = get_population(APP_SIZES["patients"], seed)
    names = get_search_outputs(objective, cons)
    done = [0]
    total = trials + 4

    def evaluate(reg: Any) -> dict[str, float]:
        if cancel is not None and cancel.is_set():
            raise RunCancelledError("optimisation cancelled")
        done[0] += 1
        if progress is not None:
            progress(min(done[0] / total, 1.0), f"trial {min(done[0], trials)}/{trials}")
        return summarise_outputs(compute_patient_outputs(reg, pop, names=names))

    table = run_study(sp, objective, cons, evaluate, trials, seed)
    x = "infusion_hours" if sp.is_iv else cons[0].output
    ref_name = "zulresso" if sp.is_iv else "zuranolone-50mg"
    ref = get_preset(ref_name)
    reference = pd.DataFrame([{"name": ref_name, **evaluate(ref)}])
    point = [c for c in table.columns if c in POINT_COLUMNS]
    regs = {
        k: make_regimen(sp, r[point].to_dict())
        for k, r in get_picks(table, objective, sp.is_iv).items()
    }
    regs[f"reference {ref_name}"] = ref
    fresh = get_population(APP_SIZES["patients"], seed + 1000)
    if progress is not None:
        progress(0.95, "re-checking the picks on a fresh population")
    checked = recheck(
        regs,
        lambda r: compute_patient_outputs(r, fresh, names=names),
        reference=f"reference {ref_name}",
    )
    summary = {
        "space": sp.name,
        "objective": objective,
        "constraints": [str(c) for c in cons],
        "trials": trials,
        "seed": seed,
        "patients": pop.n,
        "recheck_seed": seed + 1000,
        "feasible_trials": int(table.feasible.sum()),
    }
    return OptimizeRun(
        objective, x, table, get_pareto_front(table, objective, x), reference, checked, summary
    )


def draw_front(run: OptimizeRun) -> Figure:
    """Benefit against infusion hours (oral: against the constrained risk): every trial, the
    front, flagged trials ringed, the reference regimen (the approved 60-h one) starred."""
    from brexsim.decision import report

    refs = run.reference if run.x in run.reference else None
    return report.draw_pareto(run.trials, run.objective, run.x, references=refs, front=run.front)


def get_front_table(run: OptimizeRun) -> pd.DataFrame:
    """The front's trials (``regimen``, ``x``, objective, sedation, ``studied range``: the
    flags, or "inside" when none)."""
    cols = list(
        dict.fromkeys(["trial", "regimen", run.x, run.objective, "excessive_sedation_rate"])
    )
    f = run.trials.loc[run.front, [c for c in cols if c in run.trials]].copy()
    f["studied range"] = [s or "inside" for s in run.trials.loc[run.front, "flags"]]
    return f.reset_index(drop=True)


def get_recheck_table(run: OptimizeRun) -> pd.DataFrame:
    """The re-check: one row per pick and output, ``estimate [low, high]``, the paired
    difference from the reference, and the studied-range flags beside the result."""
    rc = run.recheck
    if rc.empty:
        return pd.DataFrame(columns=["name", "regimen", "output", "estimate [95 % CI]"])
    out = rc[["name", "regimen", "output"]].copy()
    out["estimate [95 % CI]"] = [
        f"{e:.3g} [{lo:.3g}, {hi:.3g}]"
        for e, lo, hi in zip(rc.estimate, rc.low, rc.high, strict=True)
    ]
    if "diff" in rc:
        out["vs reference [95 % CI]"] = [
            "—" if n.startswith("reference") else f"{d:+.3g} [{lo:+.3g}, {hi:+.3g}]"
            for n, d, lo, hi in zip(rc.name, rc["diff"], rc.diff_low, rc.diff_high, strict=True)
        ]
    out["studied range"] = [s or "inside" for s in rc["flags"]]
    return out
