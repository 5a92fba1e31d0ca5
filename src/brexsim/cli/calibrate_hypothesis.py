"""``brexsim calibrate-hypothesis NAME``: re-fit the C rows of a hypothesis overlay."""

from __future__ import annotations

import typer

from brexsim.cli._app import app, console, run_guarded


@app.command("calibrate-hypothesis")
def calibrate_hypothesis_command(
    name: str = typer.Argument(..., help="neuroimmune or null-immune"),
    dry_run: bool = typer.Option(False, "--dry-run", help="Fit and print; do not write."),
    replicates: int = typer.Option(200, "--replicates", min=20, help="Balan replicate studies."),
    seed: int = typer.Option(2023, "--seed", help="Seed of the Balan replicates."),
) -> None:
    """Calibrate a hypothesis overlay on the shared targets (brexsim.comparison.calibrate)."""

    def _run() -> None:
        from brexsim.comparison.calibrate import calibrate_hypothesis

        values = calibrate_hypothesis(name, write=not dry_run, replicates=replicates, seed=seed)
        for k, v in values.items():
            console.print(f"{k} = {v:.6g}")
        console.print("written" if not dry_run else "dry run: nothing written")

    run_guarded(_run)
