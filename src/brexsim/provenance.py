"""Provenance records attached to every output: version, parameter hash, seed and command."""

from __future__ import annotations

import datetime as _dt
import platform
import shlex
import sys
from typing import Any

from brexsim._version import __version__
from brexsim.params import ParameterSet

__all__ = ["get_command_line", "make_provenance"]


def get_command_line() -> str:
    """The command that is running, shell-quoted (``brexsim simulate ...`` for the CLI)."""
    argv = list(sys.argv)
    if argv and argv[0].endswith(("brexsim", "brexsim.exe")):
        argv[0] = "brexsim"
    return shlex.join(argv)


def make_provenance(
    params: ParameterSet, seed: int | None = None, command: str | None = None
) -> dict[str, Any]:
    """A provenance record for an output.

    Parameters
    ----------
    params : ParameterSet
        The parameters used (their hash is recorded).
    seed : int or None
        The random seed, or ``None`` for a deterministic computation.
    command : str, optional
        The command that produced the output; defaults to the running command line.

    Examples
    --------
    >>> from brexsim.params import load_parameters
    >>> rec = make_provenance(load_parameters(), seed=1, command="brexsim params")
    >>> sorted(rec)[:4]
    ['brexsim_version', 'command', 'created_utc', 'parameter_hash']
    """
    return {
        "brexsim_version": __version__,
        "parameter_hash": params.hash,
        "seed": seed,
        "command": command if command is not None else get_command_line(),
        "created_utc": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
    }
