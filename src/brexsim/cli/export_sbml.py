"""``brexsim export-sbml``: the deterministic in vivo model of one patient as an SBML file."""

from __future__ import annotations

from pathlib import Path

import typer

from brexsim.cli._app import app, console, run_guarded


def run_export_sbml(
    out: Path, regimen: str = "zulresso", weight_kg: float = 70.0, sensitivity: str = "control"
) -> dict:
    """Export ``regimen`` (preset name or regimen file) for a typical patient of ``weight_kg``;
    returns the summary of :func:`brexsim.model.sbml.export_sbml`."""
    from brexsim.dosing import load_regimen
    from brexsim.model.sbml import export_sbml

    reg = load_regimen(regimen)
    return dict(export_sbml(out, reg, weight_kg=weight_kg, sensitivity=sensitivity))


@app.command("export-sbml")
def export_sbml_command(
    out: Path = typer.Option(..., "--out", help="SBML file to write (e.g. zulresso.xml)."),
    regimen: str = typer.Option(
        "zulresso", "--regimen", help="Brexanolone preset name or regimen TOML file."
    ),
    weight_kg: float = typer.Option(70.0, "--weight-kg", help="Body weight, kg."),
    sensitivity: str = typer.Option(
        "control", "--sensitivity", help="GABA-A receptor state: control or epileptic."
    ),
) -> None:
    """Write the deterministic in vivo model (PK, tone index, TLR/cytokines, BDNF, HAM-D) of one
    typical patient on one IV regimen as SBML L3V2.

    Left out: patient sampling and variability, monitoring rules and sedation, observed
    (noisy) HAM-D scores, zuranolone. See docs/sbml.md.
    """
    summary = run_guarded(run_export_sbml, out, regimen, weight_kg, sensitivity)
    console.print(
        f"wrote {summary['path']}: {summary['species']} species, {summary['reactions']} "
        f"reactions, {summary['rate_rules']} rate rules, {summary['assignment_rules']} "
        f"assignment rules, {summary['events']} events, {summary['parameters']} parameters; "
        f"libsbml consistency: 0 errors, {summary['warnings']} warnings",
        highlight=False,
    )
    console.print(
        "left out: sampling and variability, monitoring rules and sedation, residual noise "
        "(observed HAM-D), zuranolone",
        highlight=False,
    )
