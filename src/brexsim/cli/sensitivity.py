"""``brexsim sensitivity``: which uncertain parameter drives each headline output.

Sobol first-order and total indices (Saltelli design, ``--n`` base samples, ``--n x (k + 2)``
model runs) or Morris screening (``--n`` trajectories, ``--n x (k + 1)`` runs) over the ranges
of ``brexsim/decision/ranges.toml`` (or ``--ranges FILE``), each run one parameter set simulated
on one fixed population of ``--patients`` patients (common random numbers) under ``--regimen``.
Data first (``indices.csv`` or ``morris.csv``, ``convergence.csv``, ``runs.csv``,
``ranges.csv``, ``summary.json``), then the figures and ``report.html``; exit 2 on bad input
(nothing written), 3 when a figure failed (data in place).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import typer

from brexsim.cli._app import app, console
from brexsim.cli._outputs import fail_figure, run_with_figures
from brexsim.errors import input_error


def run_sensitivity(
    outputs: str,
    out: Path,
    method: str = "sobol",
    n: int = 32,
    patients: int = 64,
    seed: int = 1,
    regimen: str = "zulresso",
    ranges_file: Path | None = None,
    params: str | None = None,
) -> dict[str, Any]:
    """Run the analysis and write its outputs; returns the summary."""
    import numpy as np
    import pandas as pd

    from brexsim.decision import report
    from brexsim.decision.outputs import OUTPUTS, check_outputs, get_population
    from brexsim.decision.ranges import get_problem, load_ranges, to_values
    from brexsim.decision.sensitivity import (
        make_model_function,
        run_morris,
        run_sobol,
        sample_sobol,
    )
    from brexsim.dosing import load_regimen
    from brexsim.io.outputs import atomic_output_dir, check_output_dir, draw_figures, write_json
    from brexsim.params import load_parameters
    from brexsim.provenance import make_provenance

    out = check_output_dir(out)
    names = check_outputs(outputs.split(","))
    if method not in ("sobol", "morris"):
        raise input_error("--method", method, "sobol or morris")
    subset = [s.strip() for s in params.split(",")] if params else None
    rs = load_ranges(ranges_file, names=subset)
    problem = get_problem(rs)
    k = len(rs)
    if method == "sobol":
        sample_sobol(problem, n, seed)  # checks --n before the population is drawn
    elif isinstance(n, bool) or n < 2:
        raise input_error("--n", n, "an integer >= 2 (Morris trajectories)")
    reg = load_regimen(regimen)
    pop = get_population(patients, seed)
    runs = n * (k + 2) if method == "sobol" else n * (k + 1)
    console.print(
        f"{method}: {k} parameters, {runs} model runs x {patients} patients ({regimen})",
        highlight=False,
    )
    t0 = time.perf_counter()

    def progress(i: int, total: int) -> None:
        if i % max(total // 10, 1) == 0 or i == total:
            el = time.perf_counter() - t0
            console.print(f"  {i}/{total} runs, {el:.0f} s", highlight=False)

    model = make_model_function(rs, reg, pop, names, progress=progress)
    ranges_df = pd.DataFrame(
        [
            {
                "parameter": r.name,
                "value": r.value,
                "unit": r.unit,
                "confidence": r.confidence,
                "low": r.low,
                "high": r.high,
                "scale": r.scale,
                "rule": r.rule,
                "source": r.source,
            }
            for r in rs
        ]
    )
    ps = load_parameters()
    summary: dict[str, Any] = {
        "method": method,
        "outputs": {o: OUTPUTS[o].description for o in names},
        "regimen": reg.name,
        "patients": patients,
        "seed": seed,
        "parameters": [r.name for r in rs],
        "model_runs": runs,
    }
    if method == "sobol":
        res = run_sobol(problem, model, names, n, seed)
        table, conv = res.indices, res.convergence
        X, Y = res.X, res.Y
        summary["n_base"] = n
        summary["first_order_le_total"] = bool(
            (table.S1_low.fillna(0) <= table.ST_high.fillna(0)).all()
        )
        summary["ranking_by_ST"] = {
            o: table[table.output == o]
            .dropna(subset=["ST"])
            .sort_values("ST", ascending=False)
            .parameter.tolist()[:5]
            or ["(output constant over the design)"]
            for o in names
        }
    else:
        table = run_morris(problem, model, names, n, seed)
        conv = None
        from SALib.sample import morris as morris_sample

        X = np.asarray(morris_sample.sample(problem, n, num_levels=4, seed=seed))
        Y = None
        summary["trajectories"] = n
        summary["ranking_by_mu_star"] = {
            o: table[table.output == o]
            .sort_values("mu_star", ascending=False)
            .parameter.tolist()[:5]
            for o in names
        }
    summary["elapsed_s"] = round(time.perf_counter() - t0, 1)
    summary.update(
        {"status": "complete", "figures": "pending", "provenance": make_provenance(ps, seed=seed)}
    )
    with atomic_output_dir(out) as tmp:
        table.to_csv(tmp / ("indices.csv" if method == "sobol" else "morris.csv"), index=False)
        ranges_df.to_csv(tmp / "ranges.csv", index=False)
        if conv is not None:
            conv.to_csv(tmp / "convergence.csv", index=False)
        if Y is not None:
            design = pd.DataFrame([to_values(rs, row) for row in X])
            design[list(names)] = Y
            design.to_csv(tmp / "runs.csv", index=False)
        write_json(tmp / "summary.json", summary)
    figs: dict[str, str] = {}
    steps = []
    if method == "sobol":
        figs = {
            "Sobol indices, ranked by ST": "sobol_indices.png",
            "Convergence": "convergence.png",
        }
        steps = [
            ("sobol_indices.png", lambda d: report.plot_sobol_bars(table, d / "sobol_indices.png")),
            ("convergence.png", lambda d: report.plot_convergence(conv, d / "convergence.png")),
        ]
    else:
        figs = {"Morris screening": "morris.png"}
        steps = [("morris.png", lambda d: report.plot_morris(table, d / "morris.png"))]

    def html(d: Path) -> None:
        text = (
            f"{method} over {k} uncertain parameters on {patients} patients (seed {seed}), "
            f"regimen {reg.name}; {runs} model runs. Intervals: 95 % bootstrap."
        )
        report.write_html(
            d / "report.html",
            "brexsim sensitivity",
            [("Setting", [text]), ("Indices", [table]), ("Ranges", [ranges_df])],
            {cap: d / f for cap, f in figs.items()},
            summary["provenance"],
        )

    steps.append(("report.html", html))
    return draw_figures(out, steps, summary)


@app.command("sensitivity")
def sensitivity_command(
    outputs: str = typer.Option(
        "hamd_change_h60,excessive_sedation_rate", "--outputs", help="Comma-separated outputs"
    ),
    out: Path = typer.Option(Path("results/sensitivity"), "--out", help="Output folder"),
    method: str = typer.Option("sobol", "--method", help="sobol or morris"),
    n: int = typer.Option(32, "--n", help="Sobol base samples (power of 2) or Morris trajectories"),
    patients: int = typer.Option(64, "--patients", help="Patients per run (multiple of 64)"),
    seed: int = typer.Option(1, "--seed", help="Seed of the population and the design"),
    regimen: str = typer.Option("zulresso", "--regimen", help="Preset or regimen .toml"),
    ranges_file: Path = typer.Option(None, "--ranges", help="Ranges TOML (default: shipped)"),
    params: str = typer.Option(None, "--params", help="Comma-separated subset of the ranges"),
) -> None:
    """Sobol or Morris sensitivity of headline outputs to the uncertain parameters."""
    s, figure_error = run_with_figures(
        run_sensitivity, outputs, out, method, n, patients, seed, regimen, ranges_file, params
    )
    key = "ranking_by_ST" if s["method"] == "sobol" else "ranking_by_mu_star"
    for o, top in s[key].items():
        console.print(f"{o}: {', '.join(top)}", highlight=False)
    console.print(f"results written to {out}/ ({s['elapsed_s']} s)")
    console.print("[dim]Research output, not dosing advice.[/]")
    if figure_error is not None:
        fail_figure(figure_error)
