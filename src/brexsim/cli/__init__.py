"""The ``brexsim`` command line (Typer).

Each sub-command lives in its own module in this package and registers itself on
:data:`brexsim.cli._app.app`; every module here is imported when the CLI starts, so adding a
command means adding a file.
"""

from __future__ import annotations

import importlib
import pkgutil

from brexsim.cli._app import app

__all__ = ["app", "main"]


def _load_commands() -> None:
    for mod in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if not mod.name.startswith("_"):
            importlib.import_module(f"{__name__}.{mod.name}")


_load_commands()


def main() -> None:
    """Entry point of the ``brexsim`` console script."""
    app()
