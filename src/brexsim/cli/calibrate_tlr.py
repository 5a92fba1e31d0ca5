"""``brexsim calibrate-tlr``: re-fit the C-marked rows of ``tlr.toml`` and ``bdnf.toml``."""

from __future__ import annotations

import typer

from brexsim.cli._app import app, console, run_guarded


@app.command("calibrate-tlr")
def calibrate_tlr_command(
    dry_run: bool = typer.Option(False, "--dry-run", help="Fit and print; do not write."),
) -> None:
    """Calibrate the TLR drug potency and output scales, then the BDNF drive weights."""

    def _run() -> None:
        from brexsim.calibration.bdnf import calibrate_bdnf
        from brexsim.calibration.tlr import CASCADE_CONCENTRATIONS_UM, calibrate_tlr

        r = calibrate_tlr(write=not dry_run)
        console.print(f"drug_imax = {r.drug_imax:.4g}, drug_ic50_uM = {r.drug_ic50_uM:.4g}")
        for c, row in zip(CASCADE_CONCENTRATIONS_UM, r.inhibition, strict=True):
            console.print(
                f"  {c:g} uM: inhibition TRAF6 {row[0]:.3f}, co-signal {row[1]:.3f}, "
                f"TNF {row[2]:.3f} (target 0.80)"
            )
        for c, v in r.scales_pg_per_ml.items():
            console.print(f"{c}_scale_pg_per_ml = {v:.4g}")
        b = calibrate_bdnf(write=not dry_run)
        console.print(
            f"bdnf gaba_weight = {b.gaba_weight:.4g}, inflammation_weight = "
            f"{b.inflammation_weight:.4g}; day-30 change {b.day30_change_sd:.3f} SD (target 0.62), "
            f"h60 {b.h60_change_sd:.3f} SD, peak {b.peak_change_sd:.3f} SD at day {b.peak_day:.1f}"
        )
        console.print("written" if not dry_run else "dry run: nothing written")

    run_guarded(_run)
