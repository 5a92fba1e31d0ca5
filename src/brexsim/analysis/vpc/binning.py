"""Time bins of a visual predictive check: explicit edges or an automatic rule.

Rules (``bins=``):

* a sequence of edges (h, finite, strictly increasing, at least two): bins ``[e_i, e_i+1)``,
  the last one closed; records outside ``[e_0, e_last]`` are left out (and counted);
* ``"nominal"``: one bin per distinct observed time, edges halfway between consecutive times
  (a design with nominal sampling times: each time is its own bin);
* ``"jenks"``: Fisher-Jenks natural breaks of the observed times into ``n_bins`` classes (the
  exact dynamic programme that minimises the within-class sum of squared deviations of time,
  every record weighted once; Jenks 1977, Fisher 1958), edges halfway between the classes;
  the ``vpc`` R package's default ``"jenks"`` rule, computed exactly;
* ``"quantile"``: ``n_bins`` bins with about equal numbers of observed records (edges at the
  quantiles of the observed times; tied edges merged);
* ``"auto"`` (default): ``"nominal"`` when the observed times take at most
  :data:`MAX_NOMINAL_TIMES` distinct values, else ``"jenks"``.

Automatic edges span the observed times (first edge = earliest, last edge = latest observed
time), so simulated records outside that range are left out of the check (and counted).

Examples
--------
>>> get_bin_edges([0, 0, 24, 24, 60], "nominal")[0]
(0.0, 12.0, 42.0, 60.0)
>>> get_bin_edges([1, 2, 3, 10, 11, 12], "jenks", n_bins=2)[0]
(1.0, 6.5, 12.0)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from brexsim.errors import input_error

__all__ = ["BIN_RULES", "MAX_NOMINAL_TIMES", "assign_bins", "get_bin_edges", "get_jenks_breaks"]

#: The automatic binning rules.
BIN_RULES = ("auto", "nominal", "jenks", "quantile")
#: ``"auto"`` bins by nominal time up to this many distinct observed times (else Jenks).
MAX_NOMINAL_TIMES = 12


def get_jenks_breaks(values: Sequence[float], n_classes: int) -> list[int]:
    """Fisher-Jenks natural breaks: the start index of each class in the sorted distinct values.

    ``values`` are grouped into distinct sorted values ``x_i`` with counts ``w_i``; the classes
    are contiguous runs of them minimising ``Σ_classes Σ w_i (x_i - mean_class)²`` (exact
    dynamic programme, O(k n²) for n distinct values and k classes).

    >>> get_jenks_breaks([1, 2, 3, 10, 11, 12], 2)
    [0, 3]
    """
    x, w = np.unique(np.asarray(values, dtype=float), return_counts=True)
    n = len(x)
    k = int(min(max(n_classes, 1), n))
    if k == n:
        return list(range(n))
    w = w.astype(float)
    cw = np.concatenate([[0.0], np.cumsum(w)])
    cx = np.concatenate([[0.0], np.cumsum(w * x)])
    cxx = np.concatenate([[0.0], np.cumsum(w * x * x)])

    def cost(i: np.ndarray, j: int) -> np.ndarray:
        """Sum of squared deviations of the class x[i..j] (inclusive), for each i."""
        sw = cw[j + 1] - cw[i]
        sx = cx[j + 1] - cx[i]
        return (cxx[j + 1] - cxx[i]) - sx * sx / sw

    best = np.array([cost(np.array([0]), j)[0] for j in range(n)])
    start = np.zeros((k, n), dtype=int)
    for c in range(1, k):
        new = np.full(n, np.inf)
        for j in range(c, n):
            i = np.arange(c, j + 1)  # the last class is x[i..j]
            tot = best[i - 1] + cost(i, j)
            m = int(np.argmin(tot))
            new[j] = tot[m]
            start[c, j] = i[m]
        best = new
    breaks = []
    j = n - 1
    for c in range(k - 1, 0, -1):
        s = int(start[c, j])
        breaks.append(s)
        j = s - 1
    return [0, *reversed(breaks)]


def _edges_from_classes(x: np.ndarray, starts: Sequence[int]) -> tuple[float, ...]:
    inner = [(x[s - 1] + x[s]) / 2.0 for s in starts[1:]]
    return (float(x[0]), *(float(e) for e in inner), float(x[-1]))


def get_bin_edges(
    times: Sequence[float], bins: str | Sequence[float] = "auto", n_bins: int = 8
) -> tuple[tuple[float, ...], str]:
    """The bin edges (h) of the observed ``times`` and a sentence stating the rule used.

    Parameters
    ----------
    times : sequence of float, h
        Observed sampling times (at least one).
    bins : ``"auto"``, ``"nominal"``, ``"jenks"``, ``"quantile"`` or a sequence of edges (h)
    n_bins : int
        Number of classes for ``"jenks"``/``"quantile"`` (and ``"auto"`` when it falls back on
        Jenks).

    >>> edges, rule = get_bin_edges([0, 24, 60], "auto")
    >>> edges, rule.split(":")[0]
    ((0.0, 12.0, 42.0, 60.0), 'nominal')
    """
    t = np.asarray(times, dtype=float)
    if t.size == 0:
        raise input_error("observed times", "none", "at least one observed record")
    if not isinstance(bins, str):
        try:
            e = np.asarray(list(bins), dtype=float)
        except (TypeError, ValueError):
            raise input_error("bins", bins, "bin edges in h (numbers) or a rule") from None
        if e.ndim != 1 or e.size < 2 or not np.all(np.isfinite(e)) or np.any(np.diff(e) <= 0):
            raise input_error(
                "bins", list(bins), "at least two finite, strictly increasing bin edges (h)"
            )
        if not np.any((t >= e[0]) & (t <= e[-1])):
            raise input_error(
                "bins",
                [float(v) for v in e],
                f"edges around the observed times ({t.min():g}-{t.max():g} h)",
            )
        return tuple(float(v) for v in e), f"explicit edges: {', '.join(f'{v:g}' for v in e)} h"
    if bins not in BIN_RULES:
        raise input_error("bins", bins, f"one of {list(BIN_RULES)} or a list of edges (h)")
    if isinstance(n_bins, bool) or not isinstance(n_bins, int | np.integer) or n_bins < 1:
        raise input_error("n_bins", n_bins, "a positive integer")
    u = np.unique(t)
    rule = bins
    if rule == "auto":
        rule = "nominal" if len(u) <= MAX_NOMINAL_TIMES else "jenks"
    if rule == "nominal" or len(u) == 1:
        edges = _edges_from_classes(u, list(range(len(u))))
        return edges, (
            f"nominal: one bin per distinct observed time ({len(u)} times), "
            "edges halfway between consecutive times"
        )
    if rule == "jenks":
        edges = _edges_from_classes(u, get_jenks_breaks(t, int(n_bins)))
        return edges, (
            f"jenks: Fisher-Jenks natural breaks of the observed times into {len(edges) - 1} "
            "bins (exact, minimum within-bin sum of squares), edges halfway between classes"
        )
    q = np.unique(np.quantile(t, np.linspace(0.0, 1.0, int(n_bins) + 1)))
    if len(q) == 1:
        q = np.array([q[0], q[0]])
    return tuple(float(v) for v in q), (
        f"quantile: {len(q) - 1} bins with about equal numbers of observed records "
        "(edges at quantiles of the observed times)"
    )


def assign_bins(times: Sequence[float], edges: Sequence[float]) -> np.ndarray:
    """Bin index (0-based) of each time for bins ``[e_i, e_i+1)`` (last closed); -1 outside.

    >>> assign_bins([0, 12, 60, 61], (0.0, 12.0, 60.0)).tolist()
    [0, 1, 1, -1]
    """
    t = np.asarray(times, dtype=float)
    e = np.asarray(edges, dtype=float)
    nb = len(e) - 1
    idx = np.searchsorted(e, t, side="right") - 1
    idx = np.where(t == e[-1], nb - 1, idx)
    return np.where((t < e[0]) | (t > e[-1]) | (idx >= nb), -1, idx).astype(int)
