"""``brexsim calibrate-balan``: fit the inflammation layer's between-subject variability to the
Balan 2023 p-values (replicate virtual studies) and write it into ``tlr.toml``."""

from __future__ import annotations

import typer

from brexsim.cli._app import app, console, run_guarded


@app.command("calibrate-balan")
def calibrate_balan_command(
    dry_run: bool = typer.Option(False, "--dry-run", help="Fit and print; do not write."),
    replicates: int = typer.Option(200, "--replicates", help="Virtual studies per evaluation."),
    seed: int = typer.Option(2023, "--seed", help="Seed (common random numbers)."),
) -> None:
    """Calibrate the bsv_* log-SDs of tlr.toml so that the Balan 2023 p-values lie inside the
    model's replicate p-value distributions (n = 11 basal, 10 stimulated; 0 h vs 60 h)."""

    def _run() -> None:
        from brexsim.calibration.balan import calibrate_balan
        from brexsim.errors import input_error

        if not (2 <= replicates <= 100_000):
            raise input_error("--replicates", replicates, "an integer in [2, 100000]")
        r = calibrate_balan(write=not dry_run, replicates=replicates, seed=seed)
        for k, v in r.values.items():
            console.print(f"{k} = {v:.4g} (prior centre {r.prior[k]:.3g})")
        console.print(f"objective {r.objective:.4g}; {replicates} replicates, seed {seed}")
        console.print(
            f"{'analyte':7} {'stim':5} {'test':7} {'n':>2} {'publ. p':>8} {'median':>8} "
            f"{'2.5%':>8} {'97.5%':>8} {'P(p<.05)':>8} inside",
            soft_wrap=True,
        )
        for row in r.table.to_dict("records"):
            console.print(
                f"{row['analyte']:7} {row['stimulus']:5} {row['test']:7} {row['n']:2d} "
                f"{row['published_p']:8.3g} {row['median_p']:8.3g} {row['p_low']:8.2g} "
                f"{row['p_high']:8.3g} {row['frac_p_lt_0.05']:8.3f} "
                f"{'yes' if row['inside'] else 'NO'}",
                soft_wrap=True,
            )
        console.print("written" if not dry_run else "dry run: nothing written")

    run_guarded(_run)
