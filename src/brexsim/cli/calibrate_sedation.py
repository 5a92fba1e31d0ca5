"""``brexsim calibrate-sedation``: refit the sedation thresholds and sensitivities."""

from __future__ import annotations

import json

import typer

from brexsim.cli._app import app, console, run_guarded


@app.command("calibrate-sedation")
def calibrate_sedation_command(
    dry_run: bool = typer.Option(False, "--dry-run", help="Fit and print; do not write tables."),
    n: int = typer.Option(40_000, "--n", min=1000, help="Virtual patients (calibration size)."),
    pk_moments: bool = typer.Option(
        False,
        "--pk-moments",
        help="Only recompute the PK-exposure moments (the PD split under PK IIV, ~20 s).",
    ),
) -> None:
    """Fit the sedation layer to the Zulresso/Zurzuvae label rates; write sedation.toml."""
    from brexsim.calibration.sedation import calibrate_sedation, get_pk_moment_values
    from brexsim.calibration.tables import write_parameter_values

    if pk_moments:

        def _moments() -> dict:
            vals = {f"sedation.{k}": v for k, v in get_pk_moment_values().items()}
            if not dry_run:
                write_parameter_values(vals)
            return {"values": vals, "written": not dry_run}

        report = run_guarded(_moments)
        console.print_json(json.dumps(report, default=float))
        return
    report = run_guarded(calibrate_sedation, write=not dry_run, n=n)
    console.print_json(json.dumps(report, default=float))
