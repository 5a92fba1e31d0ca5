"""``brexsim calibrate-pk``: refit the calibrated PK parameters and write the tables."""

from __future__ import annotations

import json

import typer

from brexsim.cli._app import app, console, run_guarded


@app.command("calibrate-pk")
def calibrate_pk_command(
    dry_run: bool = typer.Option(False, "--dry-run", help="Fit and print; do not write tables."),
) -> None:
    """Fit brexanolone and zuranolone PK to Wald 2022 and the labels; write the TOML tables."""
    from brexsim.calibration.pk import calibrate_pk

    report = run_guarded(calibrate_pk, write=not dry_run)
    console.print_json(json.dumps(report, default=float))
