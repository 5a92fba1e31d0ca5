"""``brexsim params``: print the parameter tables or the population model."""

from __future__ import annotations

import csv
import json
import sys

import typer
from rich.table import Table

from brexsim.cli._app import app, console, run_guarded
from brexsim.errors import input_error
from brexsim.params import load_parameters

_FORMATS = ("table", "csv", "json")


@app.command("params")
def params_command(
    layer: str = typer.Option(None, "--layer", help="Only this table (e.g. brexanolone_pk)."),
    wide: bool = typer.Option(False, "--wide", help="Also print descriptions."),
    fmt: str = typer.Option(
        "table", "--format", help="table (for reading), csv or json (for scripts)."
    ),
    population: bool = typer.Option(
        False,
        "--population",
        help="Print the population model (THETA, OMEGA, SIGMA, covariates) of every layer.",
    ),
) -> None:
    """Print every parameter with value, unit, confidence and source.

    Example: ``brexsim params --layer brexanolone_pk --format csv``.
    """

    def _run() -> None:
        if fmt not in _FORMATS:
            raise input_error("--format", fmt, f"one of {list(_FORMATS)}")
        ps = load_parameters()
        if population:
            from brexsim.params.popmodel import format_population_model

            typer.echo(format_population_model(ps))
            return
        names = list(ps)
        if layer:
            keys = ps.get_layer(layer)
            names = [f"{layer}.{k}" for k in keys]
        cols = ["name", "value", "unit", "conf", "source"] + (["description"] if wide else [])
        rows = []
        for n in names:
            p = ps[n]
            row = [p.name, f"{p.value:.6g}", p.unit, p.confidence, p.source]
            if wide:
                row.append(p.description)
            rows.append(row)
        if fmt == "csv":
            w = csv.writer(sys.stdout, lineterminator="\n")
            w.writerow(cols)
            w.writerows(rows)
            return
        if fmt == "json":
            items = [dict(zip(cols, r, strict=True)) for r in rows]
            typer.echo(json.dumps({"hash": ps.hash, "parameters": items}, indent=1))
            return
        table = Table(title=f"brexsim parameters (hash {ps.hash})", show_lines=False)
        for col in cols:
            table.add_column(col, overflow="fold")
        for row in rows:
            table.add_row(*row)
        console.print(table)

    run_guarded(_run)
