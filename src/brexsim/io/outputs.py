"""Writing results: output-folder checks, all-or-nothing folders and the long result format.

Results before decoration: a command writes its data outputs (Parquet, CSV, JSON) first, all
or nothing (:func:`atomic_output_dir`), with ``summary.json`` marked ``"status": "complete"``
and ``"figures": "pending"``; then :func:`draw_figures` draws the figures and the HTML report.
A failure there leaves the data in place, records ``"figures": "failed: NAME: reason"`` in
``summary.json`` and raises :class:`FigureError` (the CLI prints one line and exits 3).
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from brexsim.errors import input_error

__all__ = [
    "LONG_COLUMNS",
    "FigureError",
    "atomic_output_dir",
    "check_output_dir",
    "draw_figures",
    "to_long_frame",
    "write_json",
    "write_text",
]

#: Columns of the long result format (design.md section 6).
LONG_COLUMNS = ("subject", "arm", "time_h", "variable", "value", "unit")


def check_output_dir(out: str | Path, field: str = "--out") -> Path:
    """``out`` as a path, after checking that it is (or can become) a writable folder.

    Raises :class:`~brexsim.errors.BrexsimInputError` naming ``field`` when ``out`` is an
    existing file, lies under a file, or its nearest existing folder cannot be written (a
    probe folder is created there and removed at once). Commands call it before computing, so
    that a long run does not fail at its end for want of a place to write.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "file.txt"
    >>> _ = f.write_text("x")
    >>> check_output_dir(f)
    Traceback (most recent call last):
    ...
    brexsim.errors.BrexsimInputError: invalid --out=...: a folder (this is an existing file)
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise input_error(field, str(out), "a folder (this is an existing file)")
    anc = out
    while not anc.exists() and anc != anc.parent:
        anc = anc.parent
    if not anc.is_dir():
        raise input_error(field, str(out), f"a folder path ({anc} is a file, not a folder)")
    try:
        os.rmdir(tempfile.mkdtemp(prefix=".brexsim-write-check.", dir=anc))
    except OSError as exc:
        raise input_error(
            field, str(out), f"a folder that can be written (creating one in {anc}: {exc.strerror})"
        ) from None
    return out


@contextlib.contextmanager
def atomic_output_dir(out: str | Path) -> Iterator[Path]:
    """Yield a staging folder whose files are moved into ``out`` only if the block succeeds.

    Nothing is written to ``out`` half-way: on an exception the staging folder is removed and
    ``out`` is left as it was. ``out`` is checked first (:func:`check_output_dir`).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp()) / "res"
    >>> with atomic_output_dir(d) as tmp:
    ...     _ = (tmp / "a.txt").write_text("x")
    >>> sorted(p.name for p in d.iterdir())
    ['a.txt']
    """
    out = check_output_dir(out)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    except OSError as exc:
        why = f"a folder that can be written ({exc.strerror})"
        raise input_error("--out", str(out), why) from None
    try:
        yield tmp
        out.mkdir(parents=True, exist_ok=True)
        for item in tmp.iterdir():
            target = out / item.name
            if target.is_dir() and not target.is_symlink():
                shutil.rmtree(target)
            item.replace(target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


class FigureError(RuntimeError):
    """Drawing a figure or the HTML report failed after the data outputs were written.

    Attributes
    ----------
    figure : str
        File name of the figure (or report) that failed.
    reason : str
        ``ExceptionType: message``.
    out : Path
        The output folder (its data outputs are complete).
    summary : dict
        The summary as written, with ``"figures": "failed: ..."``.
    """

    def __init__(self, figure: str, reason: str, out: Path, summary: dict[str, Any]) -> None:
        self.figure, self.reason, self.out, self.summary = figure, reason, Path(out), summary
        super().__init__(
            f"drawing {figure} failed ({reason}); the data outputs in {out} are complete "
            '(summary.json: "figures": "failed: ...")'
        )


def draw_figures(
    out: str | Path,
    steps: Sequence[tuple[str, Callable[[Path], Any]]],
    summary: dict[str, Any],
    summary_name: str = "summary.json",
) -> dict[str, Any]:
    """Draw the decoration (figures, HTML report) of a run whose data are already in ``out``.

    ``steps`` are ``(file name, fn)`` pairs, run in order; ``fn(folder)`` writes that file into
    a staging folder (it may read the files of earlier steps there). Files of these names left
    by an earlier run are removed first, and the new files are moved into ``out`` together.
    Then ``summary["figures"]`` becomes ``"complete"`` and ``out / summary_name`` is rewritten
    (atomically). When a step raises, ``summary["figures"]`` becomes ``"failed: NAME: reason"``,
    the summary is rewritten, no file of this call is kept, and :class:`FigureError` is raised.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> s = draw_figures(d, [("a.txt", lambda f: (f / "a.txt").write_text("x"))], {})
    >>> s["figures"], sorted(p.name for p in d.iterdir())
    ('complete', ['a.txt', 'summary.json'])
    """
    out = Path(out)
    for name, _ in steps:
        with contextlib.suppress(FileNotFoundError):
            (out / name).unlink()
    current = ""
    try:
        with atomic_output_dir(out) as tmp:
            for name, step in steps:
                current = name
                step(tmp)
    except Exception as exc:
        reason = f"{type(exc).__name__}: {exc}"
        summary["figures"] = f"failed: {current}: {reason}"
        write_json(out / summary_name, summary)
        raise FigureError(current, reason, out, summary) from exc
    summary["figures"] = "complete"
    write_json(out / summary_name, summary)
    return summary


def _jsonable(x: Any) -> Any:
    if isinstance(x, Mapping):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_jsonable(v) for v in x]
    if isinstance(x, np.generic):
        x = x.item()
    if isinstance(x, float) and not math.isfinite(x):
        raise ValueError(f"non-finite number {x!r} in a JSON output")
    if isinstance(x, np.ndarray):
        return _jsonable(x.tolist())
    return x


def write_text(path: str | Path, text: str | bytes) -> Path:
    """Write a file atomically: a temporary file in the same folder, then a rename, so that
    ``path`` holds either its old content or the whole new one, never a part.

    >>> import tempfile, pathlib
    >>> write_text(pathlib.Path(tempfile.mkdtemp()) / "a.txt", "x").read_text()
    'x'
    """
    path = Path(path)
    data = text.encode("utf-8") if isinstance(text, str) else bytes(text)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return path


def write_json(path: str | Path, data: Mapping[str, Any]) -> None:
    """Write ``data`` as indented JSON, atomically (:func:`write_text`); NaN or infinity raise
    instead of being written (report a value that cannot be computed as ``None`` and say why)."""
    write_text(path, json.dumps(_jsonable(data), indent=2) + "\n")


def to_long_frame(
    time_h: np.ndarray,
    series: Mapping[str, tuple[np.ndarray, str]],
    subject: int | str = 1,
    arm: str = "",
) -> pd.DataFrame:
    """Long-format frame ``subject, arm, time_h, variable, value, unit``.

    Parameters
    ----------
    time_h : array, h
        Output times.
    series : mapping
        ``{variable: (values, unit)}``, each values array the length of ``time_h``.

    Examples
    --------
    >>> df = to_long_frame(np.array([0.0, 1.0]), {"c": (np.array([0.0, 2.0]), "ng/mL")})
    >>> list(df.columns)
    ['subject', 'arm', 'time_h', 'variable', 'value', 'unit']
    >>> len(df)
    2
    """
    frames = []
    t = np.asarray(time_h, dtype=float)
    for name, (values, unit) in series.items():
        v = np.asarray(values, dtype=float)
        if v.shape != t.shape:
            raise ValueError(f"series {name!r} has shape {v.shape}, time_h has {t.shape}")
        if not np.all(np.isfinite(v)):
            raise ValueError(f"series {name!r} contains NaN or infinity")
        frames.append(
            pd.DataFrame(
                {
                    "subject": subject,
                    "arm": arm,
                    "time_h": t,
                    "variable": name,
                    "value": v,
                    "unit": unit,
                }
            )
        )
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=LONG_COLUMNS)
