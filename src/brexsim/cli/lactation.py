"""``brexsim lactation``: milk concentration, infant dose and RID of one mother under a regimen."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from brexsim.cli._app import app, console, run_guarded


def run_lactation(regimen: str, weight_kg: float, threshold: float | None, out: Path) -> dict:
    """Simulate; write ``lactation.csv`` (time course), ``summary.json`` (with provenance) and
    ``lactation.png`` into ``out`` all at once (nothing is written on an error)."""
    import pandas as pd

    from brexsim.app.lactation import plot_lactation
    from brexsim.dosing import load_regimen
    from brexsim.io.outputs import atomic_output_dir, write_json
    from brexsim.params import load_parameters
    from brexsim.pk.lactation import get_label_rid_references, simulate_lactation
    from brexsim.provenance import make_provenance

    reg = load_regimen(regimen)
    ps = load_parameters()
    res = simulate_lactation(reg, weight_kg, params=ps, threshold_ng_per_ml=threshold)
    summary = res.get_summary(ps)
    summary.update(
        {
            "end_of_treatment_h": reg.end_of_treatment_h,
            "published_rid_pct": get_label_rid_references(reg.drug, ps),
            "note": (
                "milk = milk:plasma ratio x drug-attributable total plasma (endogenous "
                "allopregnanolone excluded); the published ratio is an exposure ratio, applied "
                "here to the whole time course; RID over 24-h windows inside the dosing period; "
                "typical mother (no between-subject variability)"
            ),
            "provenance": make_provenance(ps, seed=None),
        }
    )
    with atomic_output_dir(out) as tmp:
        pd.DataFrame(res.get_columns()).to_csv(tmp / "lactation.csv", index=False)
        plot_lactation(res, reg).savefig(tmp / "lactation.png", dpi=110)
        write_json(tmp / "summary.json", summary)
    return summary


def _fmt(v: float | None, spec: str = ".4g", none: str = "—") -> str:
    return none if v is None else format(v, spec)


@app.command("lactation")
def lactation_command(
    regimen: str = typer.Option(..., "--regimen", help="Preset name, regimen .toml or NONMEM .csv"),
    weight_kg: float = typer.Option(70.0, "--weight-kg", help="Maternal body weight, kg"),
    threshold: float = typer.Option(
        None,
        "--threshold-ng-ml",
        help="Milk threshold, ng/mL (default 5: the brexanolone milk assay limit)",
    ),
    out: Path = typer.Option(Path("results/lactation"), "--out", help="Output folder"),
) -> None:
    """Milk concentration, infant dose and relative infant dose (RID): prints a table; writes
    lactation.csv, summary.json and lactation.png."""
    s = run_guarded(run_lactation, regimen, weight_kg, threshold, out)
    table = Table(title=f"brexsim lactation — {s['regimen']} ({s['drug']}, {s['weight_kg']:g} kg)")
    table.add_column("metric")
    table.add_column("value", justify="right")
    below = s["time_below_threshold_after_dosing_h"]
    rows = [
        ("milk:plasma ratio", _fmt(s["milk_plasma_ratio"])),
        ("max milk concentration, ng/mL", _fmt(s["max_milk_ng_per_ml"])),
        ("max infant daily dose, µg/kg/day", _fmt(s["max_infant_daily_dose_ug_per_kg"])),
        ("max RID (24-h windows inside dosing), %", _fmt(s["max_rid_pct"])),
    ]
    if s["max_rid_instantaneous_pct"] is not None:
        rows.append(
            ("max instantaneous RID while infusing, %", _fmt(s["max_rid_instantaneous_pct"]))
        )
    if s["steady_state_infant_daily_dose_ug_per_kg"] is not None:
        rows += [
            (
                "steady-state infant daily dose, µg/kg/day",
                _fmt(s["steady_state_infant_daily_dose_ug_per_kg"]),
            ),
            ("steady-state RID, %", _fmt(s["steady_state_rid_pct"])),
        ]
    rows += [
        (
            f"milk < {s['threshold_ng_per_ml']:g} ng/mL after the end of dosing "
            f"({s['dosing_end_h']:g} h), h",
            _fmt(below, ".1f", f"not within {s['horizon_h']:g} h"),
        ),
        ("cumulative infant dose, µg/kg", _fmt(s["cumulative_infant_dose_ug_per_kg"])),
    ]
    for k, v in rows:
        table.add_row(k, v)
    console.print(table)
    refs = "; ".join(r["label"] for r in s["published_rid_pct"])
    console.print(f"published: {refs}")
    console.print(s["infant_exposure_note"])
    console.print(f"results written to {out}/ (lactation.csv, summary.json, lactation.png)")
    console.print(f"[dim]{s['disclaimer']}[/]")
