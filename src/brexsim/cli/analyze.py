"""``brexsim analyze``: the biomarker analysis of a data file (table, plots, HTML report)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from brexsim.cli._app import app, console
from brexsim.cli._outputs import fail_figure, run_with_figures
from brexsim.params import get_file_sha256


@app.command("analyze")
def analyze_command(
    file: Annotated[
        Path,
        typer.Argument(
            help="Biomarker data: CSV or Parquet, long (subject, time_h, analyte, stimulus, "
            "value [, unit, arm, visit]) or wide format. See docs/analysis.md."
        ),
    ],
    out: Annotated[Path, typer.Option("--out", help="Output folder (written only on success).")],
    post_h: Annotated[
        list[float] | None,
        typer.Option(
            "--post-h",
            help="Later time(s) in h to compare with baseline (repeatable); "
            "default: every later time in the file.",
        ),
    ] = None,
    transform: Annotated[
        str,
        typer.Option("--transform", help="raw | induced (LPS/IMQ minus basal) | log."),
    ] = "raw",
    mixed: Annotated[
        bool,
        typer.Option("--mixed/--no-mixed", help="Also fit linear mixed models."),
    ] = True,
    alpha: Annotated[float, typer.Option("--alpha", help="Significance level.")] = 0.05,
) -> None:
    """Baseline vs later times per analyte x stimulus: paired t and Wilcoxon tests, dz, BH-FDR,
    correlation with HAM-D-17 improvement, mixed models; writes table.csv, plots,
    report.html and summary.json into OUT."""

    def _run() -> dict:
        from brexsim.analysis.data import read_biomarkers
        from brexsim.analysis.stats import TRANSFORMS, analyze_biomarkers
        from brexsim.errors import input_error
        from brexsim.io.outputs import atomic_output_dir, check_output_dir, write_json
        from brexsim.params import load_parameters
        from brexsim.provenance import make_provenance

        if transform not in TRANSFORMS:
            raise input_error("--transform", transform, f"one of {', '.join(TRANSFORMS)}")
        if not 0.0 < alpha < 1.0:
            raise input_error("--alpha", alpha, "a number in (0, 1)")
        check_output_dir(out)
        data = read_biomarkers(file)
        with console.status("analysing"):
            result = analyze_biomarkers(
                data, post_h=list(post_h) if post_h else None, transform=transform, mixed=mixed
            )
        provenance = make_provenance(load_parameters(), seed=None)
        input_info = {"file": str(file), "sha256": get_file_sha256(file), "n_rows": len(data)}
        with atomic_output_dir(out) as tmp:
            result.table.to_csv(tmp / "table.csv", index=False)
            result.missing.to_csv(tmp / "missing.csv", index=False)
            result.hamd.to_csv(tmp / "hamd.csv", index=False)
            if result.mixed is not None:
                result.mixed.to_csv(tmp / "mixed.csv", index=False)
            data_files = sorted(p.name for p in tmp.iterdir())
            summary = {
                "input": input_info,
                "settings": {
                    "transform": transform,
                    "post_h": result.post_h,
                    "alpha": alpha,
                    "mixed": mixed,
                },
                "result": _finite(result.get_summary(alpha=alpha)),
                "status": "complete",
                "figures": "pending",
                "outputs": [*data_files, "summary.json"],
                "provenance": provenance,
            }
            write_json(tmp / "summary.json", summary)
        _print_table(result, alpha)
        summary = _draw(out, data, result, summary, input_info, provenance)
        console.print(f"wrote {out}/table.csv, report.html, summary.json and plots")
        return summary

    _, figure_error = run_with_figures(_run)
    if figure_error is not None:
        fail_figure(figure_error)


def _draw(out, data, result, summary, input_info, provenance) -> dict:  # type: ignore[no-untyped-def]
    """The plots and report.html, after the data (:func:`brexsim.io.outputs.draw_figures`)."""
    from brexsim.analysis.report import (
        build_analysis_sections,
        figure_to_png,
        plot_correlations,
        plot_forest,
        plot_spaghetti,
        render_html_report,
    )
    from brexsim.io.outputs import draw_figures

    alpha, transform = summary["settings"]["alpha"], result.transform
    last_post = result.post_h[-1]
    plots = {
        "forest": lambda: plot_forest(result.table, alpha=alpha),
        "spaghetti": lambda: plot_spaghetti(data, transform=transform),
    }
    if (data["analyte"] == "HAMD17").any():
        plots["correlation"] = lambda: plot_correlations(
            data, result.table[result.table["time_h"] == last_post], last_post
        )
    figures: dict[str, bytes] = {}

    def draw(name: str):  # type: ignore[no-untyped-def]
        def step(folder: Path) -> None:
            figures[name] = figure_to_png(plots[name]())
            (folder / f"{name}.png").write_bytes(figures[name])

        return step

    def report(folder: Path) -> None:
        page = render_html_report(
            f"Biomarker analysis: {Path(input_info['file']).name}",
            build_analysis_sections(result, figures, input_info),
            provenance,
        )
        (folder / "report.html").write_text(page, encoding="utf-8")

    steps = [(f"{name}.png", draw(name)) for name in plots] + [("report.html", report)]
    summary["outputs"] = [*summary["outputs"], *(name for name, _ in steps)]
    return draw_figures(out, steps, summary)


def _finite(x):  # type: ignore[no-untyped-def]
    """Replace NaN by None (JSON null) in nested summaries."""
    import math

    if isinstance(x, dict):
        return {k: _finite(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_finite(v) for v in x]
    if isinstance(x, float) and not math.isfinite(x):
        return None
    if hasattr(x, "item") and not isinstance(x, str | bytes):
        return _finite(x.item())
    return x


def _print_table(result, alpha: float) -> None:  # type: ignore[no-untyped-def]
    from rich.table import Table

    tab = result.table
    t = Table(title=f"Change from baseline ({result.transform}); {result.n_subjects} subjects")
    for c in (
        "analyte",
        "stimulus",
        "time_h",
        "n",
        "mean_change",
        "p_ttest",
        "p_wilcoxon",
        "q_fdr",
        "dz",
        "r_pearson",
        "p_pearson",
    ):
        t.add_column(c, justify="right")

    def f(v: float, fmt: str = "{:.3g}") -> str:
        return "" if v != v else fmt.format(v)

    for r in tab.head(60).itertuples(index=False):
        style = "bold" if r.q_fdr == r.q_fdr and r.q_fdr < alpha else None
        t.add_row(
            r.analyte,
            r.stimulus,
            f"{r.time_h:g}",
            str(r.n),
            f(r.mean_change),
            f(r.p_ttest),
            f(r.p_wilcoxon),
            f(r.q_fdr),
            f(r.dz),
            f(r.r_pearson),
            f(r.p_pearson),
            style=style,
        )
    console.print(t)
    if len(tab) > 60:
        console.print(f"... {len(tab) - 60} more lines in table.csv")
