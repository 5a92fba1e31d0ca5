"""The Typer application and options shared by the sub-commands."""

from __future__ import annotations

import typer
from rich.console import Console

from brexsim._version import __version__
from brexsim.errors import BrexsimInputError

app = typer.Typer(
    name="brexsim",
    help="Systems pharmacology of brexanolone and zuranolone in postpartum depression. "
    "Research software: results are not dosing advice for any patient.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()
err_console = Console(stderr=True)


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"brexsim {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version_callback, is_eager=True, help="Print the version."
    ),
) -> None:
    """brexsim command line."""


def fail(exc: Exception) -> None:
    """Print one clear error line and exit with status 2."""
    err_console.print(f"[bold red]error:[/] {exc}", highlight=False, markup=True)
    raise typer.Exit(code=2)


def run_guarded(fn, *args, **kwargs):  # type: ignore[no-untyped-def]
    """Call ``fn``; turn :class:`BrexsimInputError` into one error line and exit code 2."""
    try:
        return fn(*args, **kwargs)
    except BrexsimInputError as exc:
        fail(exc)
