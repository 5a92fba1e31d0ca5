"""Exit codes of commands whose data were written but whose figures failed.

Exit 0: everything written; 2: bad input (nothing computed or written,
:func:`brexsim.cli._app.run_guarded`); 3: the data outputs are written and complete but a figure
or the HTML report failed (:class:`brexsim.io.outputs.FigureError`): one error line names it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import typer
from rich.markup import escape

from brexsim.cli._app import err_console, run_guarded
from brexsim.io.outputs import FigureError

__all__ = ["FIGURE_FAILURE_EXIT", "fail_figure", "run_with_figures"]

#: Exit status when the data outputs were written but a figure or the report failed.
FIGURE_FAILURE_EXIT = 3


def run_with_figures(
    fn: Callable[..., Any], *args: Any, **kwargs: Any
) -> tuple[Any, FigureError | None]:
    """``(result, None)``, or ``(the summary written, the FigureError)`` when a figure failed;
    bad input exits 2 as with :func:`~brexsim.cli._app.run_guarded`."""
    try:
        return run_guarded(fn, *args, **kwargs), None
    except FigureError as exc:
        return exc.summary, exc


def fail_figure(exc: FigureError) -> None:
    """Print the one error line of a failed figure and exit with :data:`FIGURE_FAILURE_EXIT`."""
    err_console.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, markup=True)
    raise typer.Exit(code=FIGURE_FAILURE_EXIT)
