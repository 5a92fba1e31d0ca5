"""The ``brexsim`` command line (Typer).

Each sub-command lives in its own module in this package and registers itself on
:data:`brexsim.cli._app.app`; every module here is imported when the CLI starts, so adding a
command means adding a file. :func:`main` first configures the JAX persistent compilation
cache (:mod:`brexsim.cli._cache`: ``BREXSIM_CACHE_DIR``, default ``~/.cache/brexsim/jax``), so
that a second run loads the compiled solvers instead of compiling them again; for ``simulate``
and ``trial`` it also sets ``EQX_ON_ERROR=nan`` (unless set) so that their batched solve can be
cached (:func:`brexsim.cli._cache.choose_error_mode`); importing the package (``from
brexsim.cli import app``, as the tests do) configures nothing.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys

from brexsim.cli._app import app
from brexsim.cli._cache import configure_compilation_cache, configure_error_mode

__all__ = ["app", "main"]


def _load_commands() -> None:
    for mod in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if not mod.name.startswith("_"):
            importlib.import_module(f"{__name__}.{mod.name}")


_load_commands()


def main() -> None:
    """Entry point of the ``brexsim`` console script: set up the compilation cache, run the app.

    A cache that cannot be set up never stops the command (one warning line on stderr).
    """
    try:
        folder = configure_compilation_cache()
    except Exception as exc:  # a JAX without these options, say: run without the cache
        print(f"brexsim: warning: compilation cache not configured ({exc})", file=sys.stderr)
        folder = None
    configure_error_mode(sys.argv[1:], folder)
    app()
