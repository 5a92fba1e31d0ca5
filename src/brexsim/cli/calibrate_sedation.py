"""``brexsim calibrate-sedation``: refit the sedation thresholds and sensitivities."""

from __future__ import annotations

import json

import typer

from brexsim.cli._app import app, console, run_guarded


@app.command("calibrate-sedation")
def calibrate_sedation_command(
    dry_run: bool = typer.Option(False, "--dry-run", help="Fit and print; do not write tables."),
    n: int = typer.Option(40_000, "--n", min=1000, help="Virtual patients (calibration size)."),
) -> None:
    """Fit the sedation layer to the Zulresso/Zurzuvae label rates; write sedation.toml."""
    from brexsim.calibration.sedation import calibrate_sedation

    report = run_guarded(calibrate_sedation, write=not dry_run, n=n)
    console.print_json(json.dumps(report, default=float))
