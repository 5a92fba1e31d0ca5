"""``brexsim compare-hypotheses``: every validation record under every hypothesis, where the
hypotheses predict differently, and how large a study tells them apart (issue 15).

Data outputs (written together first): ``records.csv`` (record × hypothesis: model value and
status), ``validation/<hypothesis>/validation.json`` (unless ``--validation-dir`` reuses earlier
``brexsim validate --hypothesis`` runs), ``cohorts.parquet``, ``predictions.csv``,
``power_correlation.csv``, ``power_discrimination.csv``, ``summary.json``. Then ``power.png`` and
``report.html`` (a figure failure exits 3 with the data kept).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from brexsim.cli._app import app, console
from brexsim.cli._outputs import fail_figure, run_with_figures

_DEFAULT_HYPOTHESES = "gaba,neuroimmune,null-immune"


def _parse_sizes(text: str) -> list[int]:
    from brexsim.errors import input_error

    try:
        sizes = sorted({int(v) for v in text.split(",") if v.strip()})
    except ValueError:
        raise input_error("--sizes", text, "comma-separated integers, e.g. 11,30,100,300") from None
    if not sizes or sizes[0] < 4:
        raise input_error("--sizes", text, "study sizes >= 4")
    return sizes


def _read_records(folder: Path, h: str) -> list[dict]:
    from brexsim.errors import input_error

    p = folder / h / "validation.json"
    if not p.is_file():
        raise input_error("--validation-dir", str(folder), f"a folder holding {h}/validation.json")
    data = json.loads(p.read_text(encoding="utf-8"))
    got = data.get("provenance", {}).get("hypothesis")
    if got not in (None, h):
        raise input_error(f"{p} hypothesis", got, h)
    return list(data["records"])


def get_recommended_size(corr: Any, disc: Any, power: float = 0.8) -> dict[str, Any]:
    """The smallest study size at which the neuroimmune data reach ``power`` for each test and
    gaba data are wrongly called neuroimmune at most 10 % of the time (None if no size does)."""
    out: dict[str, Any] = {"power": power}
    for name, df, col in (("correlation", corr, "power"), ("model_comparison", disc,
                                                          "prefer_neuroimmune")):  # fmt: skip
        ni = df[df["hypothesis"] == "neuroimmune"].set_index("n")[col]
        ga = df[df["hypothesis"] == "gaba"].set_index("n")[col]
        ok = [int(n) for n in ni.index if ni[n] >= power and (n not in ga.index or ga[n] <= 0.1)]
        out[name] = min(ok) if ok else None
    return out


def run_compare(
    out: Path, hypotheses: list[str], validation_dir: Path | None, n_per_arm: int,
    sizes: list[int], replicates: int, fit_replicates: int, seed: int,
) -> dict[str, Any]:  # fmt: skip
    """Compute and write every output (module docstring); return the summary."""
    import pandas as pd

    from brexsim.analysis.report import figure_to_png
    from brexsim.cli.validate import run_validate
    from brexsim.comparison.compare import get_divergent_predictions, simulate_hypothesis_cohort
    from brexsim.comparison.power import (
        POOL_FACTOR,
        get_correlation_power,
        get_discrimination_power,
    )
    from brexsim.comparison.report import build_compare_html, get_record_table, plot_power_curves
    from brexsim.errors import input_error
    from brexsim.hypotheses import get_hypothesis
    from brexsim.io.outputs import atomic_output_dir, check_output_dir, draw_figures, write_json
    from brexsim.params import load_parameters
    from brexsim.provenance import make_provenance

    for h in hypotheses:
        get_hypothesis(h)
    if "gaba" not in hypotheses or "neuroimmune" not in hypotheses:
        raise input_error("--hypotheses", hypotheses, "a list naming at least gaba and neuroimmune")
    if n_per_arm < POOL_FACTOR * max(sizes):
        need = POOL_FACTOR * max(sizes)
        raise input_error("--n-per-arm", n_per_arm, f">= {POOL_FACTOR} x the largest size ({need})")
    if replicates < 20 or fit_replicates < 1:
        raise input_error("--replicates/--fit-replicates", (replicates, fit_replicates),
                          "replicates >= 20 and fit replicates >= 1")  # fmt: skip
    check_output_dir(out)
    prov = make_provenance(load_parameters(), seed=seed, hypothesis=",".join(hypotheses))
    with atomic_output_dir(out) as tmp:
        records = {}
        for h in hypotheses:
            if validation_dir is not None:
                records[h] = _read_records(validation_dir, h)
            else:
                recs = run_validate(tmp / "validation" / h, None, h)
                records[h] = [r.to_dict() for r in recs]
        table = get_record_table(records)
        cohorts = pd.concat(
            [simulate_hypothesis_cohort(h, n_per_arm, seed) for h in hypotheses], ignore_index=True
        )
        pred = get_divergent_predictions(cohorts)
        corr = pd.concat([get_correlation_power(cohorts[cohorts["hypothesis"] == h], sizes,
                                                replicates, seed).assign(hypothesis=h)
                          for h in hypotheses], ignore_index=True)  # fmt: skip
        disc = pd.concat([get_discrimination_power(cohorts[cohorts["hypothesis"] == h], sizes,
                                                   fit_replicates, seed).assign(hypothesis=h)
                          for h in hypotheses], ignore_index=True)  # fmt: skip
        table.to_csv(tmp / "records.csv", index=False)
        cohorts.to_parquet(tmp / "cohorts.parquet", index=False)
        pred.to_csv(tmp / "predictions.csv", index=False, float_format="%.10g")
        corr.to_csv(tmp / "power_correlation.csv", index=False, float_format="%.10g")
        disc.to_csv(tmp / "power_discrimination.csv", index=False, float_format="%.10g")
        counts = {h: table[f"status_{h}"].value_counts().to_dict() for h in hypotheses}
        summary: dict[str, Any] = {
            "command": "compare-hypotheses", "status": "complete", "figures": "pending",
            "hypotheses": hypotheses, "record_statuses": counts,
            "n_per_arm": n_per_arm, "sizes": sizes, "replicates": replicates,
            "fit_replicates": fit_replicates, "seed": seed,
            "recommended_size": get_recommended_size(corr, disc),
            "design": "2026-like: TNF-a at 0, 24, 60 h; HAM-D-17 at days 7 and 30 (the 2026 "
                      "paper's n, times and statistics were not public: docs/hypotheses.md)",
            "note": "research output: not dosing advice for any patient", "provenance": prov,
        }  # fmt: skip
        write_json(tmp / "summary.json", summary)

    def power_step(folder: Path) -> None:
        (folder / "power.png").write_bytes(figure_to_png(plot_power_curves(corr, disc)))

    def report_step(folder: Path) -> None:
        page = build_compare_html(table, pred, corr, disc, (folder / "power.png").read_bytes(),
                                  summary)  # fmt: skip
        (folder / "report.html").write_text(page, encoding="utf-8")

    draw_figures(out, [("power.png", power_step), ("report.html", report_step)], summary)
    summary["_tables"] = (table, pred, corr, disc)
    return summary


def _print(summary: dict[str, Any]) -> None:
    table, pred, corr, disc = summary.pop("_tables")
    t = Table(title="validation records × hypothesis (status counts)")
    t.add_column("hypothesis")
    t.add_column("statuses")
    for h, c in summary["record_statuses"].items():
        t.add_row(h, ", ".join(f"{k} {v}" for k, v in c.items()))
    console.print(t)
    diff = table[[c for c in table.columns if c.startswith("status_")]].nunique(axis=1) > 1
    console.print(f"records whose status differs between hypotheses: {int(diff.sum())}")
    pred_t = pred.set_index("hypothesis").T.reset_index(names="prediction")
    tables = (
        ("where the hypotheses diverge (improvement = -change, points)", pred_t),
        ("power of the correlation test", corr),
        ("model comparison: share preferring neuroimmune (dOFV > 3.84)", disc),
    )
    for title, df in tables:
        t = Table(title=title)
        for c in df.columns:
            t.add_column(str(c), overflow="fold")
        for _, r in df.iterrows():
            t.add_row(*[f"{v:.3g}" if isinstance(v, float) else str(v) for v in r])
        console.print(t)
    console.print(f"recommended size: {summary['recommended_size']}")


@app.command("compare-hypotheses")
def compare_hypotheses_command(
    out: Path = typer.Option(..., "--out", help="Output folder (data written all or nothing)."),
    hypotheses: str = typer.Option(_DEFAULT_HYPOTHESES, "--hypotheses", help="Comma-separated."),
    validation_dir: Path = typer.Option(
        None,
        "--validation-dir",
        help="Reuse DIR/<hypothesis>/validation.json of earlier `brexsim validate --hypothesis` "
        "runs instead of running them (about 90 s each).",
    ),
    n_per_arm: int = typer.Option(
        1200, "--n-per-arm", help="Virtual patients per arm and hypothesis."
    ),
    sizes: str = typer.Option("11,30,100,300", "--sizes", help="Study sizes of the power curve."),
    replicates: int = typer.Option(
        200, "--replicates", help="Replicate studies per size (correlation)."
    ),
    fit_replicates: int = typer.Option(
        20, "--fit-replicates", help="Replicate studies per size (fits)."
    ),
    seed: int = typer.Option(0, "--seed", help="Seed of the cohorts and replicate studies."),
) -> None:
    """Compare the mechanism hypotheses: records, divergent predictions, sample-size curve."""
    from brexsim.cli._app import run_guarded

    hyps = [h.strip() for h in hypotheses.split(",") if h.strip()]
    size_list = run_guarded(_parse_sizes, sizes)
    summary, err = run_with_figures(run_compare, out, hyps, validation_dir, n_per_arm, size_list,
                                    replicates, fit_replicates, seed)  # fmt: skip
    if err is not None:
        fail_figure(err)
    _print(summary)
    console.print(f"outputs in {out}")
