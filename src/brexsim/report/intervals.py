"""Well-formed intervals: every reported or plotted interval contains its estimate.

An estimate with a 95 % interval is written to ``endpoints.csv`` and drawn as an error bar or a
band. Matplotlib refuses a negative error-bar length, and a reader is misled by an interval that
leaves out its own estimate, so both are checked here, once, before anything is written or drawn:

* :func:`check_interval` raises :class:`IntervalError` (an internal error: the program produced
  a malformed interval, the input did not) naming the quantity when ``low <= estimate <= high``
  fails anywhere. ``nan`` means "not available": an estimate with no interval (both bounds
  ``nan``), or nothing at all, is allowed; a single missing bound, an interval without an
  estimate and infinite values are not.
* :func:`get_error_bars` checks first, then returns the two error-bar lengths
  ``max(0, estimate - low)`` and ``max(0, high - estimate)`` (``nan`` where there is no interval,
  which matplotlib draws as no bar).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["IntervalError", "check_interval", "get_error_bars"]


class IntervalError(RuntimeError):
    """An interval that does not contain its estimate (a bug, not a bad input).

    Attributes
    ----------
    quantity : str
        What the interval is of (e.g. ``"sedation_rate, arm placebo"``).
    index : int
        Position of the first offending value (0 for scalars).
    """

    def __init__(self, quantity: str, index: int, detail: str) -> None:
        self.quantity = quantity
        self.index = index
        super().__init__(f"internal error: malformed interval for {quantity}: {detail}")


def check_interval(
    quantity: str,
    estimate: float | Sequence[float] | np.ndarray,
    low: float | Sequence[float] | np.ndarray,
    high: float | Sequence[float] | np.ndarray,
    labels: Sequence[str] | None = None,
) -> None:
    """Raise :class:`IntervalError` unless ``low <= estimate <= high`` (elementwise).

    Parameters
    ----------
    quantity : str
        Name used in the error message.
    estimate, low, high : float or array
        Same shape (broadcast).
    labels : sequence of str, optional
        One label per element, added to the message of the first bad element (e.g. the time).

    Examples
    --------
    >>> check_interval("rate", [0.0, 0.5], [0.0, 0.2], [0.1, 0.9])
    >>> check_interval("rate", float("nan"), float("nan"), float("nan"))
    >>> check_interval("rate", 0.0, 2e-19, 0.004)
    Traceback (most recent call last):
    ...
    brexsim.report.intervals.IntervalError: internal error: malformed interval for rate: \
the low bound 2e-19 is above the estimate 0
    """
    e, lo, hi = np.broadcast_arrays(
        np.atleast_1d(np.asarray(estimate, dtype=float)),
        np.atleast_1d(np.asarray(low, dtype=float)),
        np.atleast_1d(np.asarray(high, dtype=float)),
    )
    problems = (
        (np.isinf(e) | np.isinf(lo) | np.isinf(hi), "an infinite value"),
        (np.isnan(lo) != np.isnan(hi), "one bound missing and the other given"),
        (np.isnan(e) & ~np.isnan(lo), "an interval without an estimate"),
        (lo > e, "the low bound {lo:.6g} is above the estimate {e:.6g}"),
        (hi < e, "the high bound {hi:.6g} is below the estimate {e:.6g}"),
    )
    for bad, what in problems:
        if bad.any():
            i = int(np.flatnonzero(bad.ravel())[0])
            where = f" at {labels[i]}" if labels is not None else ""
            detail = what.format(lo=lo.ravel()[i], e=e.ravel()[i], hi=hi.ravel()[i])
            raise IntervalError(quantity, i, detail + where)


def get_error_bars(
    quantity: str,
    estimate: float | Sequence[float] | np.ndarray,
    low: float | Sequence[float] | np.ndarray,
    high: float | Sequence[float] | np.ndarray,
    scale: float = 1.0,
) -> np.ndarray:
    """Checked error-bar lengths ``(2, n)`` for matplotlib's ``yerr`` (times ``scale``).

    Examples
    --------
    >>> get_error_bars("rate", [0.0, 0.5], [0.0, 0.2], [0.1, 0.9], scale=100).round(6).tolist()
    [[0.0, 30.0], [10.0, 40.0]]
    """
    check_interval(quantity, estimate, low, high)
    e = np.atleast_1d(np.asarray(estimate, dtype=float))
    lo = np.atleast_1d(np.asarray(low, dtype=float))
    hi = np.atleast_1d(np.asarray(high, dtype=float))
    with np.errstate(invalid="ignore"):
        return scale * np.vstack([np.maximum(0.0, e - lo), np.maximum(0.0, hi - e)])
