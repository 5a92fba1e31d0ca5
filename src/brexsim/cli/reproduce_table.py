"""``brexsim reproduce-table``: the Balan 2023 table from virtual cohorts, beside the paper."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from brexsim.cli._app import app, console, run_guarded
from brexsim.cli._options import HYPOTHESIS_OPTION

#: Published rows: analyte, stimulus, p (Balan et al. 2023 eBioMedicine 89:104473, abstract).
_SOURCE = "Balan et al. 2023 eBioMedicine 89:104473"


def run_reproduce_table(  # type: ignore[no-untyped-def]
    replicates: int, seed: int, n_basal: int, n_stim: int, out: Path, hypothesis: str = "gaba"
):
    """Simulate ``replicates`` Balan-sized single-arm cohorts with the model, analyse each with
    the biomarker pipeline (:func:`brexsim.analysis.stats.compute_change_table`: paired t-test
    on lysates for basal rows, on the induced response — stimulated minus basal — for LPS/IMQ
    rows), and summarise each published row's p-values. Returns the summary frame."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    import pandas as pd

    from brexsim.analysis.stats import compute_change_table
    from brexsim.calibration.balan import PUBLISHED, simulate_balan_study
    from brexsim.errors import input_error
    from brexsim.hypotheses import apply_hypothesis
    from brexsim.io.outputs import atomic_output_dir, write_json
    from brexsim.params import load_parameters
    from brexsim.provenance import make_provenance

    if isinstance(replicates, bool) or not (2 <= int(replicates) <= 10_000):
        raise input_error("--replicates", replicates, "an integer in [2, 10000]")
    ps = apply_hypothesis(load_parameters(), hypothesis)
    rows = []
    for r in range(int(replicates)):
        df = simulate_balan_study(n_basal, n_stim, seed, r, params=ps)
        tab = compute_change_table(df, post_h=60.0, transform="induced")
        for analyte, stimulus, _test, _p in PUBLISHED:
            line = tab[(tab["analyte"] == analyte) & (tab["stimulus"] == stimulus)]
            if len(line) != 1:
                raise RuntimeError(f"analysis returned no line for {analyte} {stimulus}")
            rec = {
                "replicate": r,
                "analyte": analyte,
                "stimulus": stimulus,
                "n": int(line["n"].iloc[0]),
                "p_ttest": float(line["p_ttest"].iloc[0]),
                "p_wilcoxon": float(line["p_wilcoxon"].iloc[0]),
            }
            if "p_pearson" in line and np.isfinite(line["p_pearson"].iloc[0]):
                rec["p_pearson_hamd"] = float(line["p_pearson"].iloc[0])
            rows.append(rec)
    rep = pd.DataFrame(rows)
    summary = []
    for analyte, stimulus, test, pub in PUBLISHED:
        p = rep[(rep["analyte"] == analyte) & (rep["stimulus"] == stimulus)]["p_ttest"]
        lo, hi = np.percentile(p, [2.5, 97.5])
        summary.append(
            {
                "analyte": analyte,
                "stimulus": stimulus,
                "test": test,
                "n": int(
                    rep[(rep["analyte"] == analyte) & (rep["stimulus"] == stimulus)]["n"].iloc[0]
                ),
                "published_p": pub,
                "model_median_p": float(np.median(p)),
                "model_p_low": float(lo),
                "model_p_high": float(hi),
                "fraction_p_lt_005": float(np.mean(p < 0.05)),
                "published_inside_95": bool(lo <= pub <= hi),
            }
        )
    tab = pd.DataFrame(summary)
    fig, ax = plt.subplots(figsize=(7, 3.8), constrained_layout=True)
    labels = [f"{a} {s}" for a, s, _, _ in PUBLISHED]
    for k, (a, s, _, pub) in enumerate(PUBLISHED):
        p = rep[(rep["analyte"] == a) & (rep["stimulus"] == s)]["p_ttest"].to_numpy()
        ax.scatter(
            np.full(len(p), k) + np.random.default_rng(k).uniform(-0.2, 0.2, len(p)),
            p,
            s=4,
            alpha=0.3,
            color="C0",
        )
        ax.plot([k - 0.3, k + 0.3], [pub, pub], color="C3", lw=2)
    ax.axhline(0.05, color="0.5", ls="--", lw=0.8)
    ax.set_yscale("log")
    ax.set_xticks(range(len(labels)), labels, rotation=30, fontsize=8)
    ax.set_ylabel("paired t-test p (pre vs h60)")
    ax.set_title(
        f"{replicates} virtual Balan-sized studies (blue) vs published p (red)", fontsize=9
    )
    prov = make_provenance(ps, seed=seed, hypothesis=hypothesis)
    with atomic_output_dir(out) as tmp:
        tab.to_csv(tmp / "reproduce_table.csv", index=False)
        rep.to_csv(tmp / "replicates.csv", index=False)
        fig.savefig(tmp / "reproduce_table.png", dpi=110)
        write_json(
            tmp / "summary.json",
            {
                "source": _SOURCE,
                "replicates": replicates,
                "n_basal": n_basal,
                "n_stim": n_stim,
                "rows": tab.to_dict(orient="records"),
                "provenance": prov,
            },
        )
    plt.close(fig)
    return tab


@app.command("reproduce-table")
def reproduce_table_command(
    replicates: int = typer.Option(200, "--replicates", help="Virtual studies (2-10000)."),
    seed: int = typer.Option(2023, "--seed", help="Seed; study k uses default_rng([seed, k])."),
    n_basal: int = typer.Option(11, "--n-basal", help="Subjects with basal values (Balan: 11)."),
    n_stim: int = typer.Option(10, "--n-stim", help="Subjects also stimulated (Balan: 9-11)."),
    out: Path = typer.Option(Path("results/reproduce-table"), "--out", help="Output folder"),
    hypothesis: str = HYPOTHESIS_OPTION,
) -> None:
    """Simulate Balan-2023-sized cohorts, run the biomarker analysis, print model vs published."""
    tab = run_guarded(run_reproduce_table, replicates, seed, n_basal, n_stim, out, hypothesis)
    t = Table(title=f"Balan 2023 table: published p vs {replicates} virtual studies")
    for col in (
        "analyte",
        "stimulus",
        "n",
        "published p",
        "model median p",
        "95 % interval",
        "P(p<0.05)",
        "inside",
    ):
        t.add_column(col, justify="right")
    for r in tab.itertuples(index=False):
        t.add_row(
            r.analyte,
            r.stimulus,
            str(r.n),
            f"{r.published_p:.3g}",
            f"{r.model_median_p:.3g}",
            f"{r.model_p_low:.2g}-{r.model_p_high:.2g}",
            f"{r.fraction_p_lt_005:.2f}",
            "yes" if r.published_inside_95 else "NO",
        )
    console.print(t)
    console.print(
        f"written to {out}/ (reproduce_table.csv, replicates.csv, reproduce_table.png, "
        "summary.json). Research output, not dosing advice."
    )
