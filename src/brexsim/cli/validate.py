"""``brexsim validate``: run every calibration/validation check and write a report."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from brexsim.cli._app import app, console, run_guarded


def run_validate(out: Path, only: list[str] | None) -> list:
    """Run the checks, write ``validation.json`` and ``validation.html``; return the records."""
    from brexsim.errors import input_error
    from brexsim.io.outputs import atomic_output_dir, write_json
    from brexsim.params import load_parameters
    from brexsim.provenance import make_provenance
    from brexsim.validation import ALL_CHECKS, run_checks
    from brexsim.validation.report import write_validation_html

    checks = ALL_CHECKS
    if only:
        unknown = [g for g in only if g not in ALL_CHECKS]
        if unknown:
            raise input_error("--only", unknown, f"groups among {list(ALL_CHECKS)}")
        checks = {k: v for k, v in ALL_CHECKS.items() if k in only}
    records = run_checks(checks)
    prov = make_provenance(load_parameters(), seed=None)
    with atomic_output_dir(out) as tmp:
        write_json(
            tmp / "validation.json", {"records": [r.to_dict() for r in records], "provenance": prov}
        )
        write_validation_html(records, tmp / "validation.html", prov)
    return records


@app.command("validate")
def validate_command(
    out: Path = typer.Option(Path("results/validation"), "--out", help="Output folder"),
    only: list[str] = typer.Option(None, "--only", help="Only these check groups (repeatable)"),
) -> None:
    """Run every calibration check; writes validation.json and validation.html.

    Exits with status 1 when any record fails (failing records are reported, never dropped).
    """
    records = run_guarded(run_validate, out, only)
    table = Table(title="brexsim validate")
    for col in ("id", "target", "tolerance", "model", "result"):
        table.add_column(col, overflow="fold")
    for r in records:
        model = f"{r.model:.4g}" if isinstance(r.model, float) else str(r.model)
        target = f"{r.target:.4g}" if isinstance(r.target, float) else str(r.target)
        res = "[green]pass[/]" if r.passed else f"[red]FAIL[/] {r.note[:60]}"
        table.add_row(r.id, target, r.tolerance, f"{model} {r.unit}", res)
    console.print(table)
    n_fail = sum(not r.passed for r in records)
    console.print(f"{len(records) - n_fail} of {len(records)} records pass; report in {out}/")
    if n_fail:
        raise typer.Exit(code=1)
