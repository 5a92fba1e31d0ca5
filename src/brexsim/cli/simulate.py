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
    layers: bool = True,
) -> dict:
    """Simulate, write ``summary.json``, ``timeseries.parquet`` and ``concentration.png``; with
    ``layers`` also every layer for a typical patient of this weight to day 30 after treatment
    (``layers.parquet``, ``layers.png``, ``summary.json["layers"]``) beside a placebo reference."""
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
    sims = _simulate_layers(reg, weight_kg, ps) if layers else None
    if sims is not None:
        summary["layers"] = _layer_summary(reg, *sims)
    with atomic_output_dir(out) as tmp:
        to_long_frame(t, res.get_series(), subject=1, arm=reg.name).to_parquet(
            tmp / "timeseries.parquet", index=False
        )
        plot_pk(res, reg, tmp / "concentration.png")
        if sims is not None:
            from brexsim.report.layers_plot import plot_layers

            drug_res, pbo_res = sims
            import pandas as pd

            pd.concat(
                [drug_res.to_long_frame(reg.name), pbo_res.to_long_frame("placebo reference")],
                ignore_index=True,
            ).to_parquet(tmp / "layers.parquet", index=False)
            plot_layers(
                drug_res,
                tmp / "layers.png",
                placebo=pbo_res,
                title=f"{reg.name}: every layer, typical {weight_kg:g}-kg patient",
            )
        write_json(tmp / "summary.json", summary)
    return summary


def _simulate_layers(reg, weight_kg: float, ps):  # type: ignore[no-untyped-def]
    """The assembled model for a typical patient of this weight, and its placebo reference."""
    from dataclasses import replace as _replace

    import numpy as np

    from brexsim.dosing import get_preset
    from brexsim.model import _typical_population, simulate

    pop = _typical_population(0)
    pop = _replace(pop, weight_kg=np.array([float(weight_kg)]))
    t = np.arange(0.0, reg.end_of_treatment_h + 720.0 + 0.5, 1.0)
    drug = simulate(reg, pop, times_h=t, params=ps)
    pbo = simulate(
        get_preset("placebo" if reg.is_iv else "placebo-oral"), pop, times_h=t, params=ps
    )
    return drug, pbo


def _layer_summary(reg, drug, pbo) -> dict:  # type: ignore[no-untyped-def]
    import numpy as np

    t = drug.time_h
    end = reg.end_of_treatment_h

    def at(res, name, h):  # type: ignore[no-untyped-def]
        return float(res.get(name)[0, int(np.searchsorted(t, h))])

    d30 = min(end + 720.0, float(t[-1]))
    return {
        "patient": "typical (random effects at typical values)",
        "tone_index_max": float(drug.get("tone_index").max()),
        "tnf_fold_end_of_treatment": at(drug, "tnf_fold", end),
        "tnf_fold_day7": at(drug, "tnf_fold", 168.0),
        "il6_fold_end_of_treatment": at(drug, "il6_fold", end),
        "bdnf_change_sd_end_of_treatment": at(drug, "bdnf_change_sd", end),
        "bdnf_change_sd_day30": at(drug, "bdnf_change_sd", 720.0),
        "hamd_baseline": float(drug.get("hamd_expected")[0, 0]),
        "hamd_expected_change_end_of_treatment": at(drug, "hamd_expected", end)
        - float(drug.get("hamd_expected")[0, 0]),
        "hamd_expected_change_end_of_treatment_placebo": at(pbo, "hamd_expected", end)
        - float(pbo.get("hamd_expected")[0, 0]),
        "hamd_expected_change_day30": at(drug, "hamd_expected", 720.0)
        - float(drug.get("hamd_expected")[0, 0]),
        "hamd_expected_change_day30_placebo": at(pbo, "hamd_expected", 720.0)
        - float(pbo.get("hamd_expected")[0, 0]),
        "monitoring_events": list(drug.events[0]),
        "horizon_h": float(d30),
    }


@app.command("simulate")
def simulate_command(
    regimen: str = typer.Option(..., "--regimen", help="Preset name, regimen .toml or NONMEM .csv"),
    drug: str = typer.Option(None, "--drug", help="brexanolone or zuranolone (default: regimen's)"),
    weight_kg: float = typer.Option(70.0, "--weight-kg", help="Body weight, kg"),
    horizon_h: float = typer.Option(None, "--horizon-h", help="Horizon, h (default end + 240)"),
    dt_h: float = typer.Option(0.25, "--dt-h", help="Output step, h"),
    out: Path = typer.Option(Path("results/simulate"), "--out", help="Output folder"),
    layers: bool = typer.Option(
        True, "--layers/--pk-only", help="Also simulate every layer (tone, cytokines, BDNF, HAM-D)"
    ),
) -> None:
    """Simulate one patient: prints a summary; writes summary.json, Parquet and a PNG."""
    s = run_guarded(run_simulate, regimen, drug, weight_kg, horizon_h, dt_h, out, layers)
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
    if "layers" in s:
        ly = s["layers"]
        lt = Table(title="every layer (typical patient; expected values)")
        lt.add_column("layer output")
        lt.add_column("value", justify="right")
        for k, v in (
            ("GABAergic tone index, max (0 PPD, 1 healthy)", ly["tone_index_max"]),
            ("plasma TNF-α fold, end of treatment", ly["tnf_fold_end_of_treatment"]),
            ("plasma TNF-α fold, day 7", ly["tnf_fold_day7"]),
            ("serum BDNF change (SD), day 30", ly["bdnf_change_sd_day30"]),
            ("HAM-D change, end of treatment", ly["hamd_expected_change_end_of_treatment"]),
            ("   placebo reference", ly["hamd_expected_change_end_of_treatment_placebo"]),
            ("HAM-D change, day 30", ly["hamd_expected_change_day30"]),
            ("   placebo reference", ly["hamd_expected_change_day30_placebo"]),
        ):
            lt.add_row(k, f"{v:.3g}")
        console.print(lt)
    files = "summary.json, timeseries.parquet, concentration.png"
    if "layers" in s:
        files += ", layers.parquet, layers.png"
    console.print(f"results written to {out}/ ({files})")
    console.print("[dim]Research output, not dosing advice.[/]")
