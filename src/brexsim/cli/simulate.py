"""``brexsim simulate``: one patient's exposure under a regimen."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import typer
from rich.table import Table

from brexsim.cli._app import app, console, run_guarded
from brexsim.errors import input_error


def run_simulate(
    regimen: str,
    drug: str | None,
    weight_kg: float,
    horizon_h: float | None,
    dt_h: float,
    out: Path,
) -> dict:
    """Simulate, write ``summary.json``, ``timeseries.parquet`` and ``concentration.png``."""
    from brexsim.dosing import load_regimen
    from brexsim.io.outputs import atomic_output_dir, to_long_frame, write_json
    from brexsim.params import load_parameters
    from brexsim.pk import get_default_times, get_exposure_summary, simulate_pk
    from brexsim.pk.brexanolone import get_brexanolone_pk
    from brexsim.provenance import make_provenance
    from brexsim.report.pk_plot import plot_pk

    reg = load_regimen(regimen)
    if drug is not None:
        if drug not in ("brexanolone", "zuranolone"):
            raise input_error("--drug", drug, "brexanolone or zuranolone")
        if drug != reg.drug:
            reg = replace(reg, drug=drug)  # re-validated: IV/oral must fit the drug
    ps = load_parameters()
    t = get_default_times(reg, horizon_h, dt_h)
    res = simulate_pk(reg, weight_kg, t, ps)
    summary = get_exposure_summary(res, reg)
    if reg.drug == "brexanolone":
        summary["vss_L_per_kg"] = get_brexanolone_pk(weight_kg, ps).vss_L / weight_kg
    summary.update(
        {
            "regimen": reg.name,
            "setting": reg.setting,
            "start_clock_h": reg.start_clock_h,
            "end_of_treatment_h": reg.end_of_treatment_h,
            "horizon_h": float(t[-1]),
            "note": "concentrations are drug-attributable (endogenous excluded) unless named total",
            "provenance": make_provenance(ps, seed=None),
        }
    )
    with atomic_output_dir(out) as tmp:
        to_long_frame(t, res.get_series(), subject=1, arm=reg.name).to_parquet(
            tmp / "timeseries.parquet", index=False
        )
        plot_pk(res, reg, tmp / "concentration.png")
        write_json(tmp / "summary.json", summary)
    return summary


@app.command("simulate")
def simulate_command(
    regimen: str = typer.Option(..., "--regimen", help="Preset name, regimen .toml or NONMEM .csv"),
    drug: str = typer.Option(None, "--drug", help="brexanolone or zuranolone (default: regimen's)"),
    weight_kg: float = typer.Option(70.0, "--weight-kg", help="Body weight, kg"),
    horizon_h: float = typer.Option(None, "--horizon-h", help="Horizon, h (default end + 240)"),
    dt_h: float = typer.Option(0.25, "--dt-h", help="Output step, h"),
    out: Path = typer.Option(Path("results/simulate"), "--out", help="Output folder"),
) -> None:
    """Simulate one patient: prints a summary; writes summary.json, Parquet and a PNG."""
    s = run_guarded(run_simulate, regimen, drug, weight_kg, horizon_h, dt_h, out)
    table = Table(title=f"brexsim simulate — {s['regimen']} ({s['drug']}, {s['weight_kg']:g} kg)")
    table.add_column("metric")
    table.add_column("value", justify="right")
    rows = [
        ("Cmax (drug), ng/mL", s["cmax_ng_per_ml"]),
        ("tmax, h", s["tmax_h"]),
        ("AUCinf, ng·h/mL", s["auc_inf_ng_h_per_ml"]),
        ("Cavg, ng/mL", s["cavg_ng_per_ml"]),
        ("terminal t½, h", s["t_half_h"]),
        ("max free biophase (drug), nM", s["max_biophase_free_nM"]),
    ]
    if "vss_L_per_kg" in s:
        rows.append(("Vss, L/kg", s["vss_L_per_kg"]))
    if "accumulation_ratio" in s:
        rows += [
            ("accumulation ratio", s["accumulation_ratio"]),
            ("tmax first dose, h", s["tmax_first_dose_h"]),
        ]
    for k, v in rows:
        table.add_row(k, "—" if v is None else f"{v:.4g}")
    console.print(table)
    console.print(
        f"results written to {out}/ (summary.json, timeseries.parquet, concentration.png)"
    )
    console.print("[dim]Research output, not dosing advice.[/]")
