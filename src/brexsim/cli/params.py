"""``brexsim params``: print the parameter tables."""

from __future__ import annotations

import typer
from rich.table import Table

from brexsim.cli._app import app, console, run_guarded
from brexsim.params import load_parameters


@app.command("params")
def params_command(
    layer: str = typer.Option(None, "--layer", help="Only this table (e.g. brexanolone_pk)."),
    wide: bool = typer.Option(False, "--wide", help="Also print descriptions."),
) -> None:
    """Print every parameter with value, unit, confidence and source."""

    def _run() -> None:
        ps = load_parameters()
        names = list(ps)
        if layer:
            keys = ps.get_layer(layer)
            names = [f"{layer}.{k}" for k in keys]
        table = Table(title=f"brexsim parameters (hash {ps.hash})", show_lines=False)
        for col in ("name", "value", "unit", "conf", "source"):
            table.add_column(col, overflow="fold")
        if wide:
            table.add_column("description", overflow="fold")
        for n in names:
            p = ps[n]
            row = [p.name, f"{p.value:.6g}", p.unit, p.confidence, p.source]
            if wide:
                row.append(p.description)
            table.add_row(*row)
        console.print(table)

    run_guarded(_run)
