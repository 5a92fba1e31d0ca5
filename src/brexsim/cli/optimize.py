"""``brexsim optimize``: the best regimen of a search space under constraints.

An Optuna study (TPE, two objectives, constraints; seeded) over the space of ``--space`` (a
shipped name such as ``shorter-infusion`` or ``oral``, or a SPACE.toml), every trial on one
population of ``--patients`` patients (common random numbers). Then the Pareto fronts, the best
feasible regimen overall and, for infusions, within 24 h and 36 h, each re-checked with the
reference regimen (``zulresso`` / ``zuranolone-50mg``) on a fresh population (seed + 1000) with
95 % intervals; results outside the studied range are flagged beside them. Data first
(``trials.csv``, ``pareto.csv``, ``recheck.csv``, ``best_regimen.toml``, ``summary.json``),
then the figures and ``report.html``; exit 2 on bad input, 3 when a figure failed.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import typer

from brexsim.cli._app import app, console
from brexsim.cli._outputs import fail_figure, run_with_figures
from brexsim.errors import input_error

#: Seed offset of the re-check population (a fresh population, disjoint streams).
RECHECK_SEED_OFFSET = 1000


def run_optimize(
    objective: str,
    constraints: list[str],
    space: str,
    out: Path,
    trials: int = 60,
    patients: int = 128,
    seed: int = 1,
) -> dict[str, Any]:
    """Run the study, the fronts and the re-checks; write the outputs; return the summary."""
    import pandas as pd

    from brexsim.decision import report
    from brexsim.decision.optimize import (
        get_pareto_front,
        get_picks,
        get_search_outputs,
        parse_constraint,
        recheck,
        run_study,
    )
    from brexsim.decision.outputs import (
        check_outputs,
        compute_patient_outputs,
        get_population,
        summarise_outputs,
    )
    from brexsim.decision.space import load_space
    from brexsim.dosing import get_preset, regimen_to_toml
    from brexsim.io.outputs import (
        atomic_output_dir,
        check_output_dir,
        draw_figures,
        write_json,
        write_text,
    )
    from brexsim.params import load_parameters
    from brexsim.provenance import make_provenance

    out = check_output_dir(out)
    check_outputs([objective], "--objective")
    cons = [parse_constraint(c) for c in constraints]
    if not cons:
        raise input_error(
            "--constraint", "", "at least one, e.g. 'excessive_sedation_rate <= 0.05'"
        )
    sp = load_space(space)
    if isinstance(trials, bool) or trials < 2:
        raise input_error("--trials", trials, "an integer >= 2")
    pop = get_population(patients, seed)
    fresh = get_population(patients, seed + RECHECK_SEED_OFFSET)
    names = get_search_outputs(objective, cons)
    t0 = time.perf_counter()

    def evaluate(reg):  # type: ignore[no-untyped-def]
        return summarise_outputs(compute_patient_outputs(reg, pop, names=names))

    console.print(f"optimize {objective} over {sp.name}: {trials} trials x {patients} patients")
    table = run_study(sp, objective, cons, evaluate, trials, seed)
    second = "infusion_hours" if sp.is_iv else cons[0].output
    front = get_pareto_front(table, objective, second)
    risk = cons[0].output
    front_risk = get_pareto_front(table, objective, risk, feasible_only=False)
    ref_name = "zulresso" if sp.is_iv else "zuranolone-50mg"
    ref = get_preset(ref_name)
    refs = pd.DataFrame([{"name": ref_name, **evaluate(ref)}])
    picks: dict[str, Any] = get_picks(table, objective, sp.is_iv)
    from brexsim.decision.space import POINT_COLUMNS, make_regimen

    point_cols = [c for c in table.columns if c in POINT_COLUMNS]
    regs = {k: make_regimen(sp, row[point_cols].to_dict()) for k, row in picks.items()}
    regs[f"reference {ref_name}"] = ref
    fresh_names = list(
        dict.fromkeys(
            [
                *names,
                *(
                    ["hamd_change_h60", "remission_h60", "response_h60"]
                    if sp.is_iv
                    else ["hamd_change_d15", "remission_d15", "response_d15"]
                ),
            ]
        )
    )
    checked = recheck(
        regs,
        lambda r: compute_patient_outputs(r, fresh, names=fresh_names),
        reference=f"reference {ref_name}",
    )
    ps = load_parameters()
    summary: dict[str, Any] = {
        "objective": objective,
        "constraints": [str(c) for c in cons],
        "constraints_as_given": list(constraints),
        "space": sp.model_dump(),
        "trials": trials,
        "patients": patients,
        "seed": seed,
        "recheck_seed": seed + RECHECK_SEED_OFFSET,
        "feasible_trials": int(table.feasible.sum()),
        "picks": {
            k: {
                "trial": int(r.trial),
                "regimen": str(r.regimen),
                objective: float(r[objective]),
                "infusion_hours": float(r.infusion_hours),
                risk: float(r[risk]),
                "flags": str(r["flags"]),
            }
            for k, r in picks.items()
        },
        "reference": {ref_name: refs.iloc[0].drop("name").to_dict()},
        "elapsed_s": round(time.perf_counter() - t0, 1),
        "status": "complete",
        "figures": "pending",
        "provenance": make_provenance(ps, seed=seed),
    }
    pareto = pd.concat(
        [
            table.loc[front].assign(front=f"{objective} vs {second} (feasible)"),
            table.loc[front_risk].assign(front=f"{objective} vs {risk} (all)"),
        ]
    )
    with atomic_output_dir(out) as tmp:
        table.to_csv(tmp / "trials.csv", index=False)
        pareto.to_csv(tmp / "pareto.csv", index=False)
        checked.to_csv(tmp / "recheck.csv", index=False)
        if "best" in regs:
            write_text(tmp / "best_regimen.toml", regimen_to_toml(regs["best"]))
        write_json(tmp / "summary.json", summary)
    figs = {
        f"{objective} vs {second}": f"pareto_{second}.png",
        f"{objective} vs {risk}": f"pareto_{risk}.png",
    }
    steps = [
        (
            f"pareto_{second}.png",
            lambda d: report.plot_pareto(
                table, objective, second, d / f"pareto_{second}.png", references=refs, front=front
            ),
        ),
        (
            f"pareto_{risk}.png",
            lambda d: report.plot_pareto(
                table, objective, risk, d / f"pareto_{risk}.png", references=refs, front=front_risk
            ),
        ),
    ]
    if second == risk:
        figs.pop(f"{objective} vs {risk}")
        steps = steps[:1]

    def html(d: Path) -> None:
        text = (
            f"{trials} trials on {patients} patients (seed {seed}); constraints: "
            f"{', '.join(map(str, cons))}. Re-check: a fresh population (seed "
            f"{seed + RECHECK_SEED_OFFSET}), 95 % intervals (Wilson for rates, t for means) "
            "and the paired difference from the reference on the same patients (diff, t interval). "
            "Flags mark results outside the studied range."
        )
        report.write_html(
            d / "report.html",
            f"brexsim optimize: {sp.name}",
            [
                ("Setting", [text]),
                ("Re-check on a fresh population", [checked]),
                ("Pareto fronts", [pareto]),
            ],
            {cap: d / f for cap, f in figs.items()},
            summary["provenance"],
        )

    steps.append(("report.html", html))
    return draw_figures(out, steps, summary)


@app.command("optimize")
def optimize_command(
    objective: str = typer.Option("hamd_change_h60", "--objective", help="Output to optimise"),
    constraint: list[str] = typer.Option(
        ["excessive_sedation_rate <= label"],
        "--constraint",
        help="'OUTPUT <= X' (repeatable); X 'label': the label's rate (excessive sedation 5 %)",
    ),
    space: str = typer.Option("shorter-infusion", "--space", help="Space name or SPACE.toml"),
    out: Path = typer.Option(Path("results/optimize"), "--out", help="Output folder"),
    trials: int = typer.Option(60, "--trials", help="Optuna trials"),
    patients: int = typer.Option(128, "--patients", help="Patients per trial (multiple of 64)"),
    seed: int = typer.Option(1, "--seed", help="Seed of the sampler and the population"),
) -> None:
    """Search regimens under constraints: Pareto fronts, best regimens, re-check."""
    s, figure_error = run_with_figures(
        run_optimize, objective, constraint, space, out, trials, patients, seed
    )
    console.print(f"{s['feasible_trials']}/{s['trials']} trials feasible", highlight=False)
    for k, p in s["picks"].items():
        flag = f"  [yellow]({p['flags']})[/]" if p["flags"] else ""
        console.print(f"{k}: {p['regimen']}: {s['objective']} {p[s['objective']]:.3g}{flag}")
    console.print(f"results written to {out}/ ({s['elapsed_s']} s)")
    console.print("[dim]Research output, not dosing advice.[/]")
    if figure_error is not None:
        fail_figure(figure_error)
