"""Exact solution of linear compartment systems with piecewise-constant inputs.

``dx/dt = K x + u(t)`` where ``u`` is piecewise constant (infusions) plus impulses (boluses).
Between input changes the solution is ``x(t0 + h) = Φ(h) x(t0) + Γ(h) u`` with ``Φ = expm(K h)``
and ``Γ u`` read from the exponential of the augmented matrix ``[[K, u], [0, 0]]`` (Van Loan),
so no inverse of ``K`` is needed. This is exact up to the accuracy of ``scipy.linalg.expm``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.linalg import expm

__all__ = ["Bolus", "Infusion", "solve_linear"]


@dataclass(frozen=True)
class Infusion:
    """Constant input ``rate`` (amount/h, one entry per state) from ``start_h`` to ``end_h``."""

    start_h: float
    end_h: float
    rate: tuple[float, ...]


@dataclass(frozen=True)
class Bolus:
    """Impulse ``amount`` (one entry per state) at ``time_h``."""

    time_h: float
    amount: tuple[float, ...]


def solve_linear(
    K: np.ndarray,
    times_h: np.ndarray,
    infusions: Sequence[Infusion] = (),
    boluses: Sequence[Bolus] = (),
    x0: np.ndarray | None = None,
) -> np.ndarray:
    """States at ``times_h`` (shape ``(len(times_h), n)``) of ``dx/dt = K x + u(t)``.

    Boluses at a time equal to an output time are applied before that output.

    Examples
    --------
    One compartment, k = 0.5/h, unit bolus at 0: x(2) = exp(-1).

    >>> x = solve_linear(np.array([[-0.5]]), np.array([0.0, 2.0]), boluses=[Bolus(0.0, (1.0,))])
    >>> float(x[1, 0]) == float(np.exp(-1.0))
    True
    """
    K = np.asarray(K, dtype=float)
    n = K.shape[0]
    t_out = np.asarray(times_h, dtype=float)
    if t_out.ndim != 1 or (np.diff(t_out) < 0).any():
        raise ValueError("times_h must be a sorted 1-D array")
    x = np.zeros(n) if x0 is None else np.array(x0, dtype=float)
    breaks = sorted(
        {i.start_h for i in infusions} | {i.end_h for i in infusions} | {b.time_h for b in boluses}
    )
    bol = sorted(boluses, key=lambda b: b.time_h)

    def u_at(t: float) -> np.ndarray:
        u = np.zeros(n)
        for inf in infusions:
            if inf.start_h <= t < inf.end_h:
                u += np.asarray(inf.rate, dtype=float)
        return u

    cache: dict[tuple[float, bytes], tuple[np.ndarray, np.ndarray]] = {}

    def step(x: np.ndarray, u: np.ndarray, h: float) -> np.ndarray:
        if h <= 0:
            return x
        key = (round(h, 12), u.tobytes())
        if key not in cache:
            M = np.zeros((n + 1, n + 1))
            M[:n, :n] = K * h
            M[:n, n] = u * h
            E = expm(M)
            cache[key] = (E[:n, :n], E[:n, n])
        phi, gu = cache[key]
        return phi @ x + gu

    out = np.empty((len(t_out), n))
    t = min(0.0, t_out[0] if len(t_out) else 0.0, breaks[0] if breaks else 0.0)
    ib = 0
    bi = 0
    stops = sorted(set(breaks) | set(t_out.tolist()))
    # apply boluses at the initial time
    for s in stops:
        if s > t:
            x = step(x, u_at(t), s - t)
            t = s
        while bi < len(bol) and bol[bi].time_h <= t + 1e-12:
            x = x + np.asarray(bol[bi].amount, dtype=float)
            bi += 1
        while ib < len(t_out) and t_out[ib] <= t + 1e-12:
            out[ib] = x
            ib += 1
    return out
