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

__all__ = ["STATUSES", "Record", "interval_record", "run_checks"]

#: Record statuses: ``passed`` / ``failed`` (from ``passed``); under a hypothesis a record it
#: lists as a known discrepancy is ``known discrepancy`` when it fails and ``unexpected pass``
#: when it passes (strict-xfail semantics; :mod:`brexsim.validation.hypothesis`).
STATUSES: tuple[str, ...] = ("passed", "failed", "known discrepancy", "unexpected pass")


@dataclass(frozen=True)
class Record:
    """One validation record (the fields of ``validation.json``).

    ``status`` is one of :data:`STATUSES`; left empty it is derived from ``passed``.

    >>> Record("x", "pk", "d", "s", 1.0, "", 1.0, False).status
    'failed'
    """

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
    status: str = ""

    def __post_init__(self) -> None:
        if not self.status:
            object.__setattr__(self, "status", "passed" if self.passed else "failed")
        if self.status not in STATUSES:
            raise ValueError(f"record status {self.status!r} not one of {STATUSES}")

    @property
    def is_failure(self) -> bool:
        """True when the record makes ``brexsim validate`` fail (failed or unexpected pass)."""
        return self.status in ("failed", "unexpected pass")

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
