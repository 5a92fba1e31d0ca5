"""Interval helpers of the validation records."""

from __future__ import annotations

from scipy.stats import beta

__all__ = ["clopper_pearson"]


def clopper_pearson(k: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Exact binomial CI for ``k`` events in ``n``.

    >>> lo, hi = clopper_pearson(13, 100)
    >>> round(lo, 3), round(hi, 3)
    (0.071, 0.212)
    """
    a = (1 - level) / 2
    lo = 0.0 if k == 0 else float(beta.ppf(a, k, n - k + 1))
    hi = 1.0 if k == n else float(beta.ppf(1 - a, k + 1, n - k))
    return lo, hi
