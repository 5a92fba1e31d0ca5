"""``brexsim calibrate-gabaa``: refit the GABA-A / granule-cell calibrated values."""

from __future__ import annotations

import json

import typer

from brexsim.cli._app import app, console, run_guarded


@app.command("calibrate-gabaa")
def calibrate_gabaa_command(
    dry_run: bool = typer.Option(False, "--dry-run", help="Fit and print; do not write tables."),
) -> None:
    """Fit tonic currents (Maguire & Mody 2008), the Mtchedlishvili 2001 apparent EC50s and the
    granule cell (Luebke 1998); write gabaa.toml and neuron.toml."""
    from brexsim.calibration.gabaa import calibrate_gabaa

    report = run_guarded(calibrate_gabaa, write=not dry_run)
    console.print_json(json.dumps(report, default=float))
