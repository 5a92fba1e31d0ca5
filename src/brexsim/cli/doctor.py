"""``brexsim doctor``: everything a problem report needs, in one paste-able block.

Each check prints ``OK``, ``WARN`` or ``FAIL`` with its value and, unless it is plainly fine, a
reason: the versions of brexsim, Python and every runtime dependency (checked against the ranges
brexsim declares), the platform, CPUs and memory, the JAX backend, its devices and float64 mode,
the JAX persistent compilation cache (the folder the command line uses and its size; ``not
configured`` when ``BREXSIM_CACHE_DIR=off``), the parameter hash, write access to the output
folder (a probe folder is created and removed, as :func:`brexsim.io.outputs.check_output_dir`
does before every run) and Chromium/Playwright for the app's screenshots. The command exits 0
unless a check FAILs (then 1); ``--json`` prints the same checks as one JSON object. A check
never raises: an unexpected error becomes its FAIL line.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path

import typer

from brexsim._version import __version__
from brexsim.cli._app import app
from brexsim.cli._cache import CACHE_ENV, choose_cache_dir

__all__ = [
    "STATUSES",
    "Check",
    "check_compilation_cache",
    "check_distribution",
    "check_output_folder",
    "format_checks",
    "get_checks",
    "get_compilation_cache_dir",
]

#: The three outcomes of a check, mildest first.
STATUSES = ("OK", "WARN", "FAIL")
#: The runtime dependencies when brexsim's own metadata cannot be read (a source tree on
#: ``sys.path`` without an install): the names of pyproject.toml's ``dependencies``.
_FALLBACK_REQUIREMENTS = (
    "numpy", "scipy", "pandas", "pyarrow", "matplotlib", "typer", "rich", "pydantic", "tomlkit",
    "jax", "jaxlib", "diffrax", "equinox", "brian2", "statsmodels", "scikit-learn", "shiny",
    "dask", "python-libsbml",
)  # fmt: skip
#: The Chromium that :func:`brexsim.app.screenshot.take_screenshot` launches by default.
_CHROMIUM = "/usr/bin/chromium"


@dataclass(frozen=True)
class Check:
    """One line of the report.

    Attributes
    ----------
    name : str
        What was checked (``numpy``, ``output folder``, ...).
    status : str
        ``OK``, ``WARN`` or ``FAIL``.
    value : str
        What was found (a version, a path, a size).
    reason : str
        Why it is not OK, or a hint; empty when there is nothing to add.
    """

    name: str
    status: str
    value: str
    reason: str = ""


def _guard(name: str, fn: Callable[[], list[Check]]) -> list[Check]:
    """``fn()``, or one FAIL line naming the exception it raised."""
    try:
        return fn()
    except Exception as exc:
        return [Check(name, "FAIL", "error", f"{type(exc).__name__}: {exc}")]


def check_distribution(requirement: str, required: bool = True) -> Check:
    """The installed version of one distribution against a requirement string.

    A missing or out-of-range ``required`` distribution FAILs; an optional one WARNs.

    Examples
    --------
    >>> check_distribution("numpy>=1.0").status
    'OK'
    >>> c = check_distribution("numpy<1.0")
    >>> c.status, c.reason.startswith("outside the required range")
    ('FAIL', True)
    >>> check_distribution("no-such-distribution-xyz", required=False).status
    'WARN'
    """
    from packaging.requirements import Requirement

    req = Requirement(requirement)
    bad = "FAIL" if required else "WARN"
    try:
        version = metadata.version(req.name)
    except metadata.PackageNotFoundError:
        return Check(req.name, bad, "not installed", f"brexsim needs {req.name}{req.specifier}")
    if req.specifier and not req.specifier.contains(version, prereleases=True):
        return Check(req.name, bad, version, f"outside the required range {req.specifier}")
    return Check(req.name, "OK", version)


def _get_requirements() -> tuple[list[str], str]:
    """brexsim's runtime requirement strings and its ``Requires-Python``."""
    try:
        dist = metadata.distribution("brexsim")
    except metadata.PackageNotFoundError:
        return list(_FALLBACK_REQUIREMENTS), ""
    reqs = [r for r in (dist.requires or []) if "extra ==" not in r]
    return reqs, dist.metadata.get("Requires-Python") or ""


def _check_versions() -> list[Check]:
    from packaging.specifiers import SpecifierSet

    reqs, python_spec = _get_requirements()
    py = platform.python_version()
    checks = [Check("brexsim", "OK", f"{__version__} ({Path(__file__).parents[1]})")]
    if python_spec and not SpecifierSet(python_spec).contains(py):
        checks.append(Check("Python", "FAIL", py, f"brexsim needs Python {python_spec}"))
    else:
        checks.append(Check("Python", "OK", f"{py} ({sys.executable})"))
    checks += [check_distribution(r) for r in reqs]
    return checks


def _get_memory_bytes() -> tuple[int | None, int | None]:
    """``(total, available)`` physical memory in bytes, ``None`` where it cannot be read."""
    total = avail = None
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        pass
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                avail = int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return total, avail


def _format_bytes(n: float) -> str:
    """``n`` bytes in binary units.

    >>> _format_bytes(0), _format_bytes(1536), _format_bytes(3 * 1024**3)
    ('0 B', '1.5 KiB', '3.0 GiB')
    """
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GiB"  # pragma: no cover - the loop always returns


def _check_platform() -> list[Check]:
    cpus = os.cpu_count()
    try:
        usable = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        usable = cpus
    total, avail = _get_memory_bytes()
    mem = "unknown" if total is None else _format_bytes(total)
    if avail is not None:
        mem += f" ({_format_bytes(avail)} available)"
    return [
        Check("platform", "OK", f"{platform.platform()} ({platform.machine()})"),
        Check("CPUs", "OK", f"{usable} usable of {cpus}"),
        Check("memory", "OK" if total else "WARN", mem, "" if total else "could not be read"),
    ]


def _check_jax() -> list[Check]:
    import jax
    import jax.numpy as jnp

    import brexsim._ode  # noqa: F401  (sets jax_enable_x64 as every model module does)

    devices = jax.devices()
    listed = ", ".join(f"{d.platform}:{d.id} ({d.device_kind})" for d in devices)
    checks = [
        Check("JAX backend", "OK", jax.default_backend()),
        Check("JAX devices", "OK", f"{len(devices)}: {listed}"),
    ]
    if jax.config.jax_enable_x64:
        checks.append(Check("JAX float64", "OK", "enabled"))
    else:
        checks.append(Check("JAX float64", "FAIL", "disabled", "the models need jax_enable_x64"))
    total = float(jnp.arange(4.0).sum())
    ok = total == 6.0
    checks.append(
        Check("JAX computation", "OK" if ok else "FAIL", f"sum(0..3) = {total:g}",
              "" if ok else "expected 6 on the default device")
    )  # fmt: skip
    return checks


def get_compilation_cache_dir() -> str | None:
    """The JAX persistent compilation cache folder the ``brexsim`` command line uses, or ``None``
    when it is off.

    The ``jax_compilation_cache_dir`` option when set (``brexsim`` sets it at start; so may the
    user), else the folder :func:`brexsim.cli._cache.choose_cache_dir` picks from the environment:
    ``JAX_COMPILATION_CACHE_DIR``, then ``BREXSIM_CACHE_DIR`` (``off`` for none), then
    ``$XDG_CACHE_HOME/brexsim/jax`` or ``~/.cache/brexsim/jax``. Nothing is created.
    """
    import jax

    configured = getattr(jax.config, "jax_compilation_cache_dir", None)
    return choose_cache_dir(os.environ, configured)


def check_compilation_cache(path: str | Path | None) -> Check:
    """Location, size and file count of a compilation cache folder (``None``: not configured).

    Examples
    --------
    >>> check_compilation_cache(None).value
    'not configured'
    """
    name = "JAX compilation cache"
    if path is None:
        return Check(name, "OK", "not configured",
                     f"each process compiles the solvers afresh ({CACHE_ENV} is off); unset "
                     f"{CACHE_ENV} or set it to a folder to reuse them across runs")  # fmt: skip
    folder = Path(path).expanduser()
    if not folder.exists():
        anc = folder.parent
        while not anc.exists() and anc != anc.parent:
            anc = anc.parent
        if not anc.is_dir() or not os.access(anc, os.W_OK | os.X_OK):
            return Check(name, "WARN", str(folder),
                         f"cannot be created ({anc} is not a writable folder): runs compile "
                         f"afresh; set {CACHE_ENV} to another folder")  # fmt: skip
        return Check(name, "OK", f"{folder} (empty: not created yet)")
    if not folder.is_dir():
        return Check(name, "WARN", str(folder), "configured, but it is a file, not a folder")
    files = [p for p in folder.rglob("*") if p.is_file()]
    size = sum(p.stat().st_size for p in files)
    value = f"{folder} ({_format_bytes(size)} in {len(files)} files)"
    if not os.access(folder, os.W_OK):
        return Check(name, "WARN", value, "cannot be written: new compilations are not cached")
    return Check(name, "OK", value)


def _check_parameters() -> list[Check]:
    from brexsim.params import load_parameters

    ps = load_parameters()
    return [Check("parameter hash", "OK", f"{ps.hash} ({len(ps)} parameters)")]


def check_output_folder(out: str | Path) -> Check:
    """Whether ``out`` is, or can become, a writable folder (a probe folder is created and
    removed in its nearest existing folder); FAIL names the folder and why.

    Examples
    --------
    >>> import tempfile
    >>> check_output_folder(tempfile.mkdtemp()).status
    'OK'
    """
    from brexsim.errors import BrexsimInputError
    from brexsim.io.outputs import check_output_dir

    folder = Path(out).expanduser().absolute()
    try:
        check_output_dir(folder)
    except BrexsimInputError as exc:
        return Check("output folder", "FAIL", str(folder), f"cannot be used: needs {exc.allowed}")
    anc = folder
    while not anc.exists():
        anc = anc.parent
    free = shutil.disk_usage(anc).free
    note = "" if folder.exists() else f"does not exist yet; {anc} is writable"
    return Check("output folder", "OK", f"{folder} (writable, {_format_bytes(free)} free)", note)


def _check_browser() -> list[Check]:
    hint = "needed only for the app's screenshots and browser tests"
    pw = check_distribution("playwright", required=False)
    if pw.status != "OK":
        pw = Check("playwright", "WARN", pw.value, f"{pw.reason}; {hint}")
    chromium = _CHROMIUM if Path(_CHROMIUM).exists() else shutil.which("chromium")
    if chromium is None:
        why = f"{_CHROMIUM} not found (apt-get install -y chromium); {hint}"
        return [pw, Check("Chromium", "WARN", "not installed", why)]
    try:
        run = subprocess.run(
            [chromium, "--version"], capture_output=True, text=True, timeout=20, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return [pw, Check("Chromium", "WARN", chromium, f"does not start ({exc}); {hint}")]
    lines = [ln for ln in run.stdout.splitlines() if ln.strip()]
    if run.returncode != 0 or not lines:
        why = f"'{chromium} --version' exited {run.returncode}; {hint}"
        return [pw, Check("Chromium", "WARN", chromium, why)]
    return [pw, Check("Chromium", "OK", f"{lines[-1].strip()} ({chromium})")]


def get_checks(out: str | Path = ".") -> list[Check]:
    """Every check of ``brexsim doctor``, in report order (a check never raises)."""
    return [
        *_guard("versions", _check_versions),
        *_guard("platform", _check_platform),
        *_guard("JAX", _check_jax),
        *_guard("JAX compilation cache",
                lambda: [check_compilation_cache(get_compilation_cache_dir())]),
        *_guard("parameter hash", _check_parameters),
        *_guard("output folder", lambda: [check_output_folder(out)]),
        *_guard("Chromium", _check_browser),
    ]  # fmt: skip


def format_checks(checks: list[Check]) -> str:
    """The paste-able block: one line per check and a count line.

    Examples
    --------
    >>> print(format_checks([Check("numpy", "OK", "2.3.1"), Check("x", "FAIL", "1", "why")]))
    brexsim doctor
    [OK]   numpy  2.3.1
    [FAIL] x      1  -- why
    1 OK, 0 WARN, 1 FAIL
    """
    width = max((len(c.name) for c in checks), default=0)
    lines = ["brexsim doctor"]
    for c in checks:
        tail = f"  -- {c.reason}" if c.reason else ""
        lines.append(f"{'[' + c.status + ']':<6} {c.name:<{width}}  {c.value}{tail}")
    counts = {s: sum(c.status == s for c in checks) for s in STATUSES}
    lines.append(", ".join(f"{n} {s}" for s, n in counts.items()))
    return "\n".join(lines)


@app.command("doctor")
def doctor_command(
    out: Path = typer.Option(
        Path("."), "--out", help="The folder your runs will write to (probed; nothing is kept)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the checks as one JSON object."),
) -> None:
    """Versions, devices, caches and write access, in one block to paste into a problem report.

    Example: ``brexsim doctor --out results``. Exits 1 when a check FAILs, else 0.
    """
    checks = get_checks(out)
    if as_json:
        counts = {s: sum(c.status == s for c in checks) for s in STATUSES}
        typer.echo(json.dumps({"checks": [asdict(c) for c in checks], "counts": counts}, indent=1))
    else:
        typer.echo(format_checks(checks))
    if any(c.status == "FAIL" for c in checks):
        raise typer.Exit(code=1)
