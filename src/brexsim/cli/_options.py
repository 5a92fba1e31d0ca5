"""Command-line options that several commands share (one definition each)."""

from __future__ import annotations

import typer

__all__ = ["HYPOTHESIS_OPTION", "PARAMS_FILE_OPTION"]

#: ``--hypothesis NAME``: the mechanism hypothesis (:mod:`brexsim.hypotheses`).
HYPOTHESIS_OPTION = typer.Option(
    "gaba", "--hypothesis", help="Mechanism hypothesis (brexsim.hypotheses; default gaba)"
)

#: ``--params FILE``: a parameter overlay file applied after the hypothesis.
PARAMS_FILE_OPTION = typer.Option(
    None,
    "--params",
    help="Parameter overlay file applied after the hypothesis (e.g. brexsim fit's "
    "fitted_parameters.toml)",
)
