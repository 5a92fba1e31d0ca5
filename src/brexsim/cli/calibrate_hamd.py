"""``brexsim calibrate-hamd``: re-fit the C-marked rows of ``hamd.toml``."""

from __future__ import annotations

import typer

from brexsim.cli._app import app, console, run_guarded


@app.command("calibrate-hamd")
def calibrate_hamd_command(
    dry_run: bool = typer.Option(False, "--dry-run", help="Fit and print; do not write."),
    n: int = typer.Option(
        20_000, "--n", min=500, help="Virtual patients per arm (expected values)."
    ),
    seed: int = typer.Option(20240605, "--seed", help="Seed of the virtual population."),
) -> None:
    """Calibrate the HAM-D layer to Study 1 (hour 60) and ROBIN (day 15); print the checks."""

    def _run() -> None:
        from brexsim.calibration.hamd import calibrate_hamd

        r = calibrate_hamd(write=not dry_run, n=n, seed=seed)
        for k, v in r.values.items():
            console.print(f"{k} = {v:.6g}")
        console.print(f"least-squares cost {r.cost:.4g} (n = {n} per arm, seed {seed})")
        for c in r.checks:
            tol = c["tolerance"]
            tol_s = "" if tol is None else f" tol {tol}"
            mark = "[green]PASS[/green]" if c["passed"] else "[red]FAIL[/red]"
            console.print(
                f"{c['id']:38s} target {c['target']:7.2f}{tol_s}  model {c['model']:7.2f}  {mark}"
            )
        console.print("written" if not dry_run else "dry run: nothing written")

    run_guarded(_run)
