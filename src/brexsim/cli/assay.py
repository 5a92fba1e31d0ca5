"""``brexsim assay``: ex vivo LPS / imiquimod / basal whole-blood assays along a regimen."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import typer
from rich.table import Table

from brexsim.cli._app import app, console, run_guarded
from brexsim.errors import input_error


def _parse_times(text: str) -> list[float]:
    try:
        vals = [float(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise input_error("--sample-h", text, "comma-separated hours, e.g. 0,60,720") from None
    if not vals or any(not np.isfinite(v) or v < 0 or v > 2160 for v in vals):
        raise input_error("--sample-h", text, "one or more hours in [0, 2160]")
    return sorted(set(vals))


def run_assay(
    regimen_name: str,
    sample_h: list[float],
    stimulus: str,
    out: Path,
    weight_kg: float = 70.0,
    dose: float | None = None,
    incubation_h: float | None = None,
) -> dict:
    """Simulate PK -> in vivo inflammation -> ex vivo assays; write outputs into ``out``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd

    from brexsim.dosing import load_regimen
    from brexsim.io.outputs import atomic_output_dir, to_long_frame, write_json
    from brexsim.mechanism.assay import STIMULI, get_blood_sample, simulate_assay
    from brexsim.mechanism.tlr import CYTOKINES, simulate_inflammation
    from brexsim.params import load_parameters
    from brexsim.pk import simulate_pk
    from brexsim.provenance import make_provenance

    if stimulus not in STIMULI or stimulus == "pIC":
        raise input_error("--stimulus", stimulus, "one of LPS, IMQ, basal")
    if not (np.isfinite(weight_kg) and 20.0 < weight_kg <= 250.0):
        raise input_error("--weight-kg", weight_kg, "a body weight in (20, 250] kg")
    regimen = load_regimen(regimen_name)
    ps = load_parameters()
    horizon = max(max(sample_h), regimen.end_of_treatment_h) + 1.0
    t = np.unique(np.concatenate([np.arange(0.0, horizon + 0.5, 0.5), sample_h]))
    pk = simulate_pk(regimen, weight_kg, t, ps)
    # the TLR effect is driven by the TOTAL plasma drug concentration (tlr.toml header)
    infl = simulate_inflammation(t, pk.plasma_drug_ng_per_ml, ps, regimen.drug)
    baseline = get_blood_sample(infl, 0.0)
    rows = []
    for h in sample_h:
        s = get_blood_sample(infl, h)
        r = simulate_assay(s, stimulus, dose, incubation_h, baseline=baseline, params=ps)
        for c in CYTOKINES:
            rows.append(
                {
                    "time_h": h,
                    "cytokine": c,
                    "drug_plasma_total_ng_per_ml": s.drug_total_ng_per_ml,
                    "drug_in_tube_uM": r.drug_in_tube_uM,
                    "innate_state": s.innate_state,
                    "secreted_pg_per_ml": r.secreted_pg_per_ml[c],
                    "cell_pg_per_ml_blood": r.cell_pg_per_ml_blood[c],
                    "fold_secreted": r.fold_secreted[c],  # type: ignore[index]
                    "fold_cell": r.fold_cell[c],  # type: ignore[index]
                }
            )
    proto = {"stimulus": stimulus, "dose": r.dose, "dose_unit": STIMULI[stimulus],
             "incubation_h": r.incubation_h, "blood_fraction": r.blood_fraction,
             "drug_dilution_factor": 1.0 / r.blood_fraction}  # fmt: skip
    frames = []
    for c in CYTOKINES:
        sub = [x for x in rows if x["cytokine"] == c]
        th = np.array([x["time_h"] for x in sub])
        frames.append(
            to_long_frame(
                th,
                {
                    f"{c}_secreted": (np.array([x["secreted_pg_per_ml"] for x in sub]), "pg/mL"),
                    f"{c}_cell": (
                        np.array([x["cell_pg_per_ml_blood"] for x in sub]),
                        "pg/mL blood",
                    ),
                    f"{c}_fold_secreted": (np.array([x["fold_secreted"] for x in sub]), "1"),
                    f"{c}_fold_cell": (np.array([x["fold_cell"] for x in sub]), "1"),
                },
                subject=1,
                arm=regimen_name,
            )
        )
    invivo = to_long_frame(
        infl.time_h,
        {
            "plasma_drug": (infl.plasma_total_ng_per_ml, "ng/mL"),
            "innate_state": (infl.innate_state, "1"),
            **{f"plasma_{c}": (getattr(infl, f"{c}_pg_per_ml"), "pg/mL") for c in CYTOKINES},
        },
        subject=1,
        arm=regimen_name,
    )
    summary = {
        "command": "assay",
        "regimen": regimen_name,
        "drug": regimen.drug,
        "weight_kg": weight_kg,
        "sample_h": sample_h,
        "protocol": proto,
        "driving_concentration": "total plasma drug (ng/mL); in the tube total x blood_fraction",
        "note": "cell-associated = whole-blood cell lysate per mL blood (Balan 2023 read-out); "
        "compare with data as fold change from the subject's baseline. Research output, not "
        "dosing advice.",
        "rows": rows,
        "provenance": make_provenance(ps, None),
    }
    with atomic_output_dir(out) as tmp:
        pd.concat(frames, ignore_index=True).to_parquet(tmp / "assay.parquet", index=False)
        invivo.to_parquet(tmp / "inflammation.parquet", index=False)
        fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=True)
        for ax, key, title in (
            (axes[0], "fold_secreted", "secreted"),
            (axes[1], "fold_cell", "cell-associated (lysate)"),
        ):
            for c in CYTOKINES:
                sub = [x for x in rows if x["cytokine"] == c]
                ax.plot([x["time_h"] for x in sub], [x[key] for x in sub], "o-", label=c)
            ax.axhline(1.0, color="grey", lw=0.8)
            ax.set_xlabel("sampling time (h)")
            ax.set_title(f"{stimulus} {title}")
        axes[0].set_ylabel("fold change from baseline sample")
        axes[0].legend()
        fig.suptitle(f"brexsim assay: {regimen_name}, {weight_kg:g} kg")
        fig.tight_layout()
        fig.savefig(tmp / "assay.png", dpi=100)
        plt.close(fig)
        write_json(tmp / "summary.json", summary)
    return summary


@app.command("assay")
def assay_command(
    regimen: str = typer.Option(..., "--regimen", help="Preset name or regimen file."),
    sample_h: str = typer.Option("0,60,720", "--sample-h", help="Sampling times, h."),
    stimulus: str = typer.Option("LPS", "--stimulus", help="LPS, IMQ or basal."),
    out: Path = typer.Option(..., "--out", help="Output folder."),
    weight_kg: float = typer.Option(70.0, "--weight-kg", help="Body weight, kg."),
    dose: float = typer.Option(None, "--dose", help="Stimulus dose (LPS ng/mL, IMQ ug/mL)."),
    incubation_h: float = typer.Option(None, "--incubation-h", help="Incubation time, h."),
) -> None:
    """Simulate ex vivo whole-blood stimulation of samples taken along a regimen."""

    def _run() -> None:
        times = _parse_times(sample_h)
        s = run_assay(regimen, times, stimulus, out, weight_kg, dose, incubation_h)
        table = Table(title=f"{s['protocol']['stimulus']} assay, {regimen} ({s['drug']})")
        for col in ("time_h", "cytokine", "drug ng/mL", "secreted pg/mL", "lysate pg/mL",
                    "fold sec", "fold lysate"):  # fmt: skip
            table.add_column(col)
        for r in s["rows"]:
            table.add_row(
                f"{r['time_h']:g}",
                r["cytokine"],
                f"{r['drug_plasma_total_ng_per_ml']:.3g}",
                f"{r['secreted_pg_per_ml']:.4g}",
                f"{r['cell_pg_per_ml_blood']:.4g}",
                f"{r['fold_secreted']:.3f}",
                f"{r['fold_cell']:.3f}",
            )
        console.print(table)
        console.print(f"wrote {out}/assay.parquet, inflammation.parquet, assay.png, summary.json")

    run_guarded(_run)
