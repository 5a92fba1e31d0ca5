"""Validation records: one per calibration or validation target.

A record compares a model figure with a published target and a stated tolerance. A check that
cannot be computed (a layer not built yet, or an exception) still produces a record with
``passed = False`` and the reason, so failures are reported, never dropped.
"""

from __future__ import annotations

import math
import traceback
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

__all__ = ["Record", "interval_record", "run_checks"]


@dataclass(frozen=True)
class Record:
    """One validation record (the fields of ``validation.json``)."""

    id: str
    layer: str
    description: str
    source: str
    target: float | str
    tolerance: str
    model: float | str | None
    passed: bool
    lower: float | None = None
    upper: float | None = None
    unit: str = ""
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return asdict(self)


def interval_record(
    id: str,
    layer: str,
    description: str,
    source: str,
    target: float,
    lower: float,
    upper: float,
    model: float,
    unit: str = "",
    tolerance: str | None = None,
    note: str = "",
) -> Record:
    """A record that passes when ``lower <= model <= upper`` (and the model value is finite).

    >>> r = interval_record("x", "pk", "d", "s", 1.0, 0.9, 1.1, 1.05)
    >>> r.passed, r.tolerance
    (True, '[0.9, 1.1]')
    """
    ok = model is not None and math.isfinite(float(model)) and lower <= float(model) <= upper
    return Record(
        id=id,
        layer=layer,
        description=description,
        source=source,
        target=target,
        tolerance=tolerance or f"[{lower:g}, {upper:g}]",
        model=float(model),
        passed=bool(ok),
        lower=float(lower),
        upper=float(upper),
        unit=unit,
        note=note,
    )


def run_checks(checks: dict[str, Callable[[], list[Record]]]) -> list[Record]:
    """Run every check; a check that raises yields one failing record naming the error."""
    out: list[Record] = []
    for name, fn in checks.items():
        try:
            out.extend(fn())
        except Exception as exc:  # a failing check is reported, never dropped
            tb = traceback.format_exception_only(type(exc), exc)[-1].strip()
            out.append(
                Record(
                    id=name,
                    layer=name.split(".", 1)[0],
                    description=f"check {name} could not be computed",
                    source="",
                    target="",
                    tolerance="",
                    model=None,
                    passed=False,
                    note=tb,
                )
            )
    return out
