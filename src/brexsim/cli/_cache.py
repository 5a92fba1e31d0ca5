"""The JAX persistent compilation cache of the ``brexsim`` command line (issue 16).

A cold ``brexsim simulate`` or ``brexsim trial`` spends most of its time compiling the solvers;
with the cache, a later process loads the compiled executables from disk instead. The command
line (:func:`brexsim.cli.main`) calls :func:`configure_compilation_cache` once, before any
command runs; importing :mod:`brexsim` from Python (notebooks, the test suite) configures no
cache.

The folder, first match wins:

1. an already set ``jax_compilation_cache_dir`` option or the user's own
   ``JAX_COMPILATION_CACHE_DIR`` environment variable (JAX's settings are left as they are);
2. ``BREXSIM_CACHE_DIR``: a folder, or ``off`` (also ``0``, ``none``, ``false``, ``no``; any
   case) for no cache;
3. ``$XDG_CACHE_HOME/brexsim/jax`` (when ``XDG_CACHE_HOME`` is an absolute path), else
   ``~/.cache/brexsim/jax``.

A folder that cannot be created or written gives one warning line on stderr and the command
runs without the cache; it never fails because of the cache.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path

__all__ = [
    "CACHE_ENV",
    "DISABLE_VALUES",
    "MIN_COMPILE_TIME_S",
    "choose_cache_dir",
    "configure_compilation_cache",
]

#: The environment variable that names brexsim's cache folder (or turns the cache off).
CACHE_ENV = "BREXSIM_CACHE_DIR"
#: Values of :data:`CACHE_ENV` (lower-cased, stripped) that turn the cache off.
DISABLE_VALUES = frozenset({"off", "0", "none", "false", "no"})
#: Compilations shorter than this (seconds of compile time) are not written to the cache. 0: all
#: are, because a brexsim run compiles about 150 small eager operations (about 0.03 s each, 4 s
#: together for ``simulate --regimen zulresso``) that JAX's default of 1 s would never cache;
#: each entry is a few KiB. The ``JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS`` environment
#: variable, when set, is left in charge.
MIN_COMPILE_TIME_S = 0.0
_JAX_DIR_ENV = "JAX_COMPILATION_CACHE_DIR"
_JAX_MIN_TIME_ENV = "JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS"
#: Folders already warned about in this process (one warning each).
_warned: set[str] = set()


def choose_cache_dir(env: Mapping[str, str], configured: str | None = None) -> str | None:
    """The compilation cache folder for ``env``, without creating or configuring anything.

    Parameters
    ----------
    env : Mapping[str, str]
        The environment variables (``os.environ`` in the command line).
    configured : str or None
        The current ``jax_compilation_cache_dir`` option; it wins when set.

    Returns
    -------
    str or None
        The folder (``~`` expanded), or ``None`` when the cache is off.

    Examples
    --------
    >>> choose_cache_dir({"BREXSIM_CACHE_DIR": "off"}) is None
    True
    >>> choose_cache_dir({"BREXSIM_CACHE_DIR": "/scratch/bc", "XDG_CACHE_HOME": "/x"})
    '/scratch/bc'
    >>> choose_cache_dir({"XDG_CACHE_HOME": "/data/cache"})
    '/data/cache/brexsim/jax'
    >>> choose_cache_dir({"HOME": "/home/ana", "XDG_CACHE_HOME": "relative/ignored"})
    '/home/ana/.cache/brexsim/jax'
    >>> choose_cache_dir({"BREXSIM_CACHE_DIR": "off", "JAX_COMPILATION_CACHE_DIR": "/j"})
    '/j'
    >>> choose_cache_dir({"BREXSIM_CACHE_DIR": "off"}, configured="/set/in/code")
    '/set/in/code'
    """
    if configured:
        return configured
    if env.get(_JAX_DIR_ENV):
        return env[_JAX_DIR_ENV]
    own = env.get(CACHE_ENV, "").strip()
    if own.lower() in DISABLE_VALUES:
        return None
    if own:
        return str(Path(own).expanduser())
    xdg = env.get("XDG_CACHE_HOME", "")
    if xdg and Path(xdg).is_absolute():
        base = Path(xdg)
    else:
        base = (Path(env["HOME"]) if env.get("HOME") else Path.home()) / ".cache"
    return str(base / "brexsim" / "jax")


def _warn(folder: str, why: object) -> None:
    if folder in _warned:
        return
    _warned.add(folder)
    print(
        f"brexsim: warning: cannot use the JAX compilation cache folder {folder} ({why}); "
        f"running without it (set {CACHE_ENV} to another folder, or to 'off')",
        file=sys.stderr,
    )


def configure_compilation_cache(env: Mapping[str, str] = os.environ) -> str | None:
    """Point JAX's persistent compilation cache at brexsim's folder and create the folder.

    The folder is :func:`choose_cache_dir` of ``env`` and the current
    ``jax_compilation_cache_dir``. When brexsim picks it, this sets ``jax_compilation_cache_dir``
    and ``jax_persistent_cache_min_compile_time_secs`` (:data:`MIN_COMPILE_TIME_S` = 0 s: every
    compilation is written, unless ``JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS`` is set);
    ``jax_persistent_cache_min_entry_size_bytes`` keeps JAX's default (0: no size limit). A folder
    the user set for JAX is returned as it is and no option is changed (a
    ``JAX_COMPILATION_CACHE_DIR`` only in ``env``, not yet read by JAX, is copied to the option).
    A folder that cannot be created or written: one warning line on stderr, no option changed,
    ``None``; it never raises for a bad folder. With ``env`` = ``os.environ`` (the command line),
    the folder and the threshold are also exported as ``JAX_COMPILATION_CACHE_DIR`` and
    ``JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS``, so that worker processes (``brexsim trial
    --workers``) use the same cache. Call it before the first JAX compilation of the
    process (JAX decides once, at its first compilation, whether to use the cache). JAX caches
    only the compilation, not the tracing, and never an executable with host callbacks (an
    Equinox runtime check inside a diffrax solve is one).

    Parameters
    ----------
    env : Mapping[str, str]
        The environment variables to read (``os.environ`` by default).

    Returns
    -------
    str or None
        The cache folder in use, or ``None`` when the cache is off or unusable.

    Examples
    --------
    ``off`` changes nothing (the result is the folder JAX was already given, normally ``None``):

    >>> import jax
    >>> before = jax.config.jax_compilation_cache_dir
    >>> configure_compilation_cache({"BREXSIM_CACHE_DIR": "off"}) == before
    True
    >>> jax.config.jax_compilation_cache_dir == before
    True
    """
    import jax

    configured = jax.config.jax_compilation_cache_dir
    folder = choose_cache_dir(env, configured)
    if configured or folder is None:
        return folder
    if env.get(_JAX_DIR_ENV):
        jax.config.update("jax_compilation_cache_dir", folder)
        return folder
    try:
        Path(folder).mkdir(parents=True, exist_ok=True)
        if not os.access(folder, os.W_OK | os.X_OK):
            raise PermissionError("not writable")
    except OSError as exc:
        _warn(folder, exc.strerror or exc)
        return None
    jax.config.update("jax_compilation_cache_dir", folder)
    if not env.get(_JAX_MIN_TIME_ENV):
        jax.config.update("jax_persistent_cache_min_compile_time_secs", MIN_COMPILE_TIME_S)
    if env is os.environ:  # child processes (Dask workers) import JAX afresh and read these
        os.environ[_JAX_DIR_ENV] = folder
        os.environ.setdefault(_JAX_MIN_TIME_ENV, str(MIN_COMPILE_TIME_S))
    return folder


#: Commands whose compiled solves may run with Equinox's runtime checks in NaN mode
#: (:func:`choose_error_mode`): every output of the assembled model is checked for finite
#: values (:func:`brexsim.model.simulate` raises :class:`brexsim.errors.SolverError` naming the
#: patients), and its diffrax solves already run with ``throw=False`` (failures come back as
#: result codes, per patient).
NAN_CHECK_COMMANDS = frozenset({"simulate", "trial"})
_EQX_ENV = "EQX_ON_ERROR"


def choose_error_mode(argv: list[str], env: Mapping[str, str], cache: str | None) -> str | None:
    """``"nan"`` when the command line may set ``EQX_ON_ERROR=nan``, else ``None``.

    JAX never writes an executable with host callbacks to the persistent cache, and Equinox's
    runtime checks (``eqx.error_if``, inside every diffrax solve) are host callbacks unless
    ``EQX_ON_ERROR`` is ``nan`` (a failed check then returns NaN instead of raising). So the
    batched solve of ``simulate`` and ``trial`` (:data:`NAN_CHECK_COMMANDS`) is cached only in
    NaN mode. It is chosen only when the cache is on (``cache`` is a folder), the user has not
    set ``EQX_ON_ERROR`` and the command is one of those; NaN can then not pass unnoticed: those
    commands check every output for finite values and report failures per patient.

    Examples
    --------
    >>> choose_error_mode(["trial", "study1"], {}, "/c")
    'nan'
    >>> choose_error_mode(["fit", "d.csv"], {}, "/c") is None  # other commands: Equinox default
    True
    >>> choose_error_mode(["trial", "study1"], {"EQX_ON_ERROR": "raise"}, "/c") is None
    True
    >>> choose_error_mode(["--version"], {}, "/c") is None
    True
    """
    if cache is None or _EQX_ENV in env:
        return None
    command = next((a for a in argv if not a.startswith("-")), None)
    return "nan" if command in NAN_CHECK_COMMANDS else None


def configure_error_mode(argv: list[str], cache: str | None) -> str | None:
    """Export ``EQX_ON_ERROR`` = :func:`choose_error_mode` (worker processes inherit it) when
    it is not ``None`` and Equinox is not imported yet (Equinox reads it once, at import);
    returns the mode set, or ``None``."""
    mode = choose_error_mode(argv, os.environ, cache)
    if mode is None or "equinox" in sys.modules:
        return None
    os.environ[_EQX_ENV] = mode
    return mode
