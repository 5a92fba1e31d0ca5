"""``brexsim nca``: non-compartmental analysis of a concentration file (PKNCA conventions)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Any

import typer

from brexsim.cli._app import app, console, run_guarded
from brexsim.params import get_file_sha256

#: Files written into ``--out``.
NCA_OUTPUTS = ("nca.csv", "summary.csv", "nca_units.json", "report.html", "provenance.json")


def _jsonable(x: Any) -> Any:
    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_jsonable(v) for v in x]
    if hasattr(x, "item") and not isinstance(x, str | bytes):
        x = x.item()
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x


def run_nca_command(
    file: Path,
    out: Path,
    auc_method: str = "lin-up-log-down",
    blq: str | None = None,
    route: str = "auto",
    dose_column: str = "dose_mg",
    min_points: int = 3,
    adj_r2_factor: float = 1e-4,
    allow_tmax: bool = False,
) -> Any:
    """Run the NCA and write every output atomically into ``out``; returns the NCAResult."""
    from brexsim.analysis.nca import run_nca
    from brexsim.analysis.nca.report import build_nca_html
    from brexsim.io.outputs import atomic_output_dir, write_json
    from brexsim.params import load_parameters
    from brexsim.provenance import make_provenance

    res = run_nca(
        file,
        auc_method=auc_method,
        blq=blq,
        route=route,
        dose_column=dose_column,
        min_points=min_points,
        adj_r2_factor=adj_r2_factor,
        allow_tmax=allow_tmax,
    )
    input_info = {
        "file": str(file),
        "sha256": get_file_sha256(file),
        **{k: v for k, v in res.info.items() if k != "source"},
    }
    prov = make_provenance(load_parameters(), seed=None)
    page = build_nca_html(res, f"NCA: {file.name}", prov, input_info)
    with atomic_output_dir(out) as tmp:
        res.subjects.to_csv(tmp / "nca.csv", index=False)
        res.summary.to_csv(tmp / "summary.csv", index=False)
        write_json(
            tmp / "nca_units.json",
            {
                "units": res.units,
                "note": "cl and vz are CL/F and Vz/F for route extravascular; "
                "CL (L/h) = 1000 * dose (mg) / AUCinf (ng*h/mL)",
            },
        )
        (tmp / "report.html").write_text(page, encoding="utf-8")
        write_json(
            tmp / "provenance.json",
            _jsonable(
                {
                    **prov,
                    "input": input_info,
                    "settings": res.settings,
                    "n_subjects": len(res.subjects),
                    "outputs": list(NCA_OUTPUTS),
                }
            ),
        )
    return res


def _print_summary(res: Any, out: Path) -> None:
    from rich.table import Table

    def f(v: float) -> str:
        return "—" if v != v else f"{v:.4g}"

    t = Table(title=f"NCA summary ({len(res.subjects)} subject(s); {res.settings['auc_method']})")
    for c in ("parameter", "unit", "n", "geo mean", "geo CV %", "median", "min", "max"):
        t.add_column(
            c,
            justify="left" if c in ("parameter", "unit") else "right",
            no_wrap=c == "parameter",
        )
    show = (
        "cmax",
        "tmax",
        "auclast",
        "aucinf",
        "auc_pct_extrap",
        "lambda_z",
        "t_half",
        "cl",
        "vz",
        "vss",
    )
    for r in res.summary.itertuples(index=False):
        if r.parameter in show:
            t.add_row(
                r.parameter,
                r.unit,
                str(r.n),
                f(r.geomean),
                f(r.geocv_pct),
                f(r.median),
                f(r.min),
                f(r.max),
            )
    console.print(t)
    flagged = res.subjects[res.subjects["flag"].str.contains("not estimated|no dose", regex=True)]
    for r in flagged.itertuples(index=False):
        console.print(f"[yellow]subject {r.subject}:[/] {r.flag}", highlight=False)
    console.print(f"results written to {out}/ ({', '.join(NCA_OUTPUTS)})")
    console.print("[dim]Research output, not dosing advice.[/]")


@app.command("nca")
def nca_command(
    file: Annotated[
        Path,
        typer.Argument(
            help="Long CSV (subject|id, time_h, conc [, dose_mg, infusion_h, blq, lloq]) or a "
            "NONMEM dataset (ID, TIME, AMT, EVID, CMT [, RATE, MDV, DV, BLQ, LLOQ]). "
            "Units: h, ng/mL, mg (RATE mg/h). See docs/nca.md."
        ),
    ],
    out: Annotated[Path, typer.Option("--out", help="Output folder (written only on success).")],
    auc_method: Annotated[
        str,
        typer.Option("--auc-method", help="lin-up-log-down (PKNCA default) or linear."),
    ] = "lin-up-log-down",
    blq: Annotated[
        str,
        typer.Option(
            "--blq",
            help="BLQ rule by position: first/middle/last = keep (as 0) or drop "
            "(PKNCA default first=keep,middle=drop,last=keep).",
        ),
    ] = "first=keep,middle=drop,last=keep",
    route: Annotated[
        str,
        typer.Option(
            "--route",
            help="auto (long CSV: infusion if infusion_h > 0, else extravascular; NONMEM: from "
            "CMT/RATE), iv (bolus unless infusion) or extravascular.",
        ),
    ] = "auto",
    dose_column: Annotated[
        str, typer.Option("--dose-column", help="Long-CSV column with the dose in mg.")
    ] = "dose_mg",
    min_points: Annotated[
        int, typer.Option("--min-points", help="Minimum λz points (PKNCA min.hl.points).")
    ] = 3,
    adj_r2_factor: Annotated[
        float,
        typer.Option("--adj-r2-factor", help="Adjusted R² tolerance (PKNCA adj.r.squared.factor)."),
    ] = 1e-4,
    allow_tmax: Annotated[
        bool,
        typer.Option(
            "--allow-tmax/--exclude-tmax",
            help="Allow Cmax in the λz fit (PKNCA allow.tmax.in.half.life; default excluded).",
        ),
    ] = False,
) -> None:
    """Non-compartmental analysis per subject (Cmax, tmax, AUClast, AUCinf, λz, t½, CL, Vz,
    Vss ...): writes nca.csv, summary.csv, nca_units.json, report.html, provenance.json."""
    res = run_guarded(
        run_nca_command,
        file,
        out,
        auc_method,
        blq,
        route,
        dose_column,
        min_points,
        adj_r2_factor,
        allow_tmax,
    )
    _print_summary(res, out)
