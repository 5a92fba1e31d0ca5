"""Helpers shared by the web app's server modules: every model call goes through
:func:`_guarded`, which turns a bad input into the inline message and any other failure into a
short message (the traceback goes to the server log), so no input crashes the server.
"""

from __future__ import annotations

import logging
from typing import Any

from shiny import ui

from brexsim.app.common import LIMITS, format_error
from brexsim.errors import BrexsimInputError, input_error

__all__: list[str] = []

log = logging.getLogger("brexsim.app")


def _guarded(fn: Any, *args: Any, **kwargs: Any) -> tuple[Any, str | None]:
    """``(value, None)`` or ``(None, message)``; never raises for bad input or model failure."""
    try:
        return fn(*args, **kwargs), None
    except BrexsimInputError as exc:
        return None, format_error(exc)
    except Exception as exc:
        log.exception("brexsim app: %s failed", getattr(fn, "__name__", "call"))
        return None, format_error(exc)


def _error_box(msg: str | None) -> Any:
    return ui.div(msg, class_="brexsim-error", role="alert") if msg else None


def _clean_cell(value: Any) -> str:
    """A table cell as the user typed it, trimmed and capped (parsed later, never executed)."""
    text = "" if value is None else str(value).strip()
    return text[: int(LIMITS["max_cell_chars"]) + 1]


def _as_int(value: Any, field: str) -> int:
    if isinstance(value, bool) or value is None:
        raise input_error(field, value, "a whole number")
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise input_error(field, value, "a whole number") from None
    if not x.is_integer():
        raise input_error(field, value, "a whole number")
    return int(x)
