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


def _cli_context():  # type: ignore[no-untyped-def]
    """The running Typer/Click command's context, or None outside a CLI command."""
    import importlib

    for mod in ("typer._click.globals", "click.globals"):
        try:
            ctx = importlib.import_module(mod).get_current_context(silent=True)
        except Exception:  # the module is absent or its API differs
            continue
        if ctx is not None:
            return ctx
    return None


def get_command_line() -> str:
    """The command that is running, shell-quoted.

    Inside a ``brexsim`` sub-command it is rebuilt from the parsed parameters (so it is right
    also when the CLI is invoked programmatically, as in tests); elsewhere it is ``sys.argv``.
    """
    ctx = _cli_context()
    if ctx is not None and getattr(ctx, "command", None) is not None:
        parts = ["brexsim", *ctx.command_path.split()[1:]]
        for param in ctx.command.params:
            value = ctx.params.get(param.name)
            if param.param_type_name == "argument":
                if value is not None:
                    parts.append(str(value))
                continue
            if value is None or value == () or value == []:
                continue
            if isinstance(value, bool):
                if param.secondary_opts:
                    parts.append(param.opts[0] if value else param.secondary_opts[0])
                elif value:
                    parts.append(param.opts[0])
                continue
            for v in value if isinstance(value, list | tuple) else [value]:
                parts += [param.opts[0], str(v)]
        return shlex.join(parts)
    argv = list(sys.argv)
    if argv and argv[0].endswith(("brexsim", "brexsim.exe")):
        argv[0] = "brexsim"
    return shlex.join(argv)


def _identify(params: ParameterSet) -> str:
    from brexsim.hypotheses.registry import identify_hypothesis

    return identify_hypothesis(params)


def make_provenance(
    params: ParameterSet,
    seed: int | None = None,
    command: str | None = None,
    hypothesis: str | None = None,
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
    hypothesis : str, optional
        The mechanism hypothesis the model ran under (:mod:`brexsim.hypotheses`). By default it
        is identified from ``params`` (:func:`brexsim.hypotheses.registry.identify_hypothesis`:
        ``"gaba"`` for the packaged tables, the name of an overlay, else ``"custom"``).

    Examples
    --------
    >>> from brexsim.params import load_parameters
    >>> rec = make_provenance(load_parameters(), seed=1, command="brexsim params")
    >>> sorted(rec)[:4]
    ['brexsim_version', 'command', 'created_utc', 'hypothesis']
    >>> rec["hypothesis"]
    'gaba'
    """
    return {
        "brexsim_version": __version__,
        "parameter_hash": params.hash,
        "seed": seed,
        "hypothesis": hypothesis if hypothesis is not None else _identify(params),
        "command": command if command is not None else get_command_line(),
        "created_utc": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
    }
