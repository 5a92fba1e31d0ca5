"""Exceptions raised by brexsim.

Every bad input raises :class:`BrexsimInputError` (a ``ValueError``) whose message names the
field, the offending value and what is allowed.
"""

from __future__ import annotations

from typing import Any

__all__ = ["BrexsimInputError", "SolverError", "input_error"]


class BrexsimInputError(ValueError):
    """Invalid user input: the message names the field, the value and what is allowed.

    Attributes
    ----------
    field : str
        Name of the offending field (column, argument or parameter).
    value : Any
        The value that was rejected.
    allowed : str
        Human-readable description of the allowed values.
    """

    def __init__(self, field: str, value: Any, allowed: str, context: str = "") -> None:
        self.field = field
        self.value = value
        self.allowed = allowed
        self.context = context
        where = f" ({context})" if context else ""
        super().__init__(f"invalid {field}={value!r}{where}: {allowed}")


class SolverError(RuntimeError):
    """A numerical solve failed; ``failures`` maps patient id to the reason."""

    def __init__(self, failures: dict[Any, str]) -> None:
        self.failures = dict(failures)
        lines = ", ".join(f"{k}: {v}" for k, v in list(self.failures.items())[:10])
        more = "" if len(self.failures) <= 10 else f" (+{len(self.failures) - 10} more)"
        super().__init__(f"solver failed for {len(self.failures)} patient(s): {lines}{more}")


def input_error(field: str, value: Any, allowed: str, context: str = "") -> BrexsimInputError:
    """Build a :class:`BrexsimInputError` (helper for ``raise input_error(...)``).

    Examples
    --------
    >>> print(input_error("weight_kg", -1.0, "a finite number in (20, 250] kg"))
    invalid weight_kg=-1.0: a finite number in (20, 250] kg
    """
    return BrexsimInputError(field, value, allowed, context)
