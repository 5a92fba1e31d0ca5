"""Writing results: all-or-nothing output folders and the long result format."""

from __future__ import annotations

import contextlib
import json
import math
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["LONG_COLUMNS", "atomic_output_dir", "to_long_frame", "write_json"]

#: Columns of the long result format (design.md section 6).
LONG_COLUMNS = ("subject", "arm", "time_h", "variable", "value", "unit")


@contextlib.contextmanager
def atomic_output_dir(out: str | Path) -> Iterator[Path]:
    """Yield a staging folder whose files are moved into ``out`` only if the block succeeds.

    Nothing is written to ``out`` half-way: on an exception the staging folder is removed and
    ``out`` is left as it was.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp()) / "res"
    >>> with atomic_output_dir(d) as tmp:
    ...     _ = (tmp / "a.txt").write_text("x")
    >>> sorted(p.name for p in d.iterdir())
    ['a.txt']
    """
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
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


def write_json(path: str | Path, data: Mapping[str, Any]) -> None:
    """Write ``data`` as indented JSON; NaN or infinity raise instead of being written."""
    Path(path).write_text(json.dumps(_jsonable(data), indent=2) + "\n", encoding="utf-8")


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
