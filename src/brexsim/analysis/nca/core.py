"""NCA building blocks on arrays: AUC/AUMC, the terminal slope λz, C0 and BLQ handling.

Everything here is a pure function of numpy arrays (time in h, concentration in ng/mL); the
conventions are those of PKNCA (Denney et al., ``PKNCA`` R package) and Phoenix WinNonlin:

* AUC by the linear-up/log-down trapezoidal rule (PKNCA ``auc.method = "lin up/log down"``):
  the log trapezoid on an interval where the concentration falls and neither end is zero, the
  linear trapezoid otherwise; ``"linear"`` uses the linear trapezoid everywhere.
* λz by log-linear least squares on the last ≥ ``min_points`` (PKNCA ``min.hl.points`` = 3)
  positive concentrations after tmax (PKNCA ``allow.tmax.in.half.life = FALSE``) and after the
  end of dosing; the fit with the best adjusted R² wins, and among the fits whose adjusted R²
  is within ``adj_r2_factor`` (PKNCA ``adj.r.squared.factor`` = 1e-4) of the best, the one with
  the most points; λz must be > 0.
* BLQ (PKNCA ``conc.blq``, default ``first = "keep"`` (as 0), ``middle = "drop"``,
  ``last = "keep"``); a concentration of exactly 0 counts as BLQ, as in PKNCA.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from brexsim.errors import input_error

__all__ = [
    "AUC_METHODS",
    "BLQ_ACTIONS",
    "DEFAULT_BLQ_RULE",
    "LambdaZFit",
    "apply_blq_rule",
    "get_auc",
    "get_aumc",
    "get_c0",
    "select_lambda_z",
]

#: AUC methods: PKNCA ``"lin up/log down"`` (the default) and ``"linear"``.
AUC_METHODS = ("lin-up-log-down", "linear")
#: What to do with a BLQ value: ``keep`` it as 0 (``0`` is a synonym) or ``drop`` it.
BLQ_ACTIONS = ("keep", "drop")
#: PKNCA's default ``conc.blq``: BLQ before the first and after the last measurable
#: concentration kept as 0, BLQ between measurable concentrations dropped.
DEFAULT_BLQ_RULE = {"first": "keep", "middle": "drop", "last": "keep"}


def _as_arrays(t: object, c: object) -> tuple[np.ndarray, np.ndarray]:
    tt = np.asarray(t, dtype=float)
    cc = np.asarray(c, dtype=float)
    if tt.ndim != 1 or tt.shape != cc.shape:
        raise input_error("t, c", f"shapes {tt.shape}, {cc.shape}", "two 1-D arrays of one length")
    if not (np.all(np.isfinite(tt)) and np.all(np.isfinite(cc))):
        raise input_error("t, c", "NaN or infinity", "finite times (h) and concentrations")
    if (np.diff(tt) <= 0).any():
        raise input_error("t", "not strictly increasing", "strictly increasing times, h")
    if (cc < 0).any():
        raise input_error("c", float(cc.min()), "concentrations >= 0 ng/mL")
    return tt, cc


def _log_down(c: np.ndarray, method: str) -> np.ndarray:
    """Mask of the intervals integrated with the log trapezoid."""
    if method not in AUC_METHODS:
        raise input_error("auc_method", method, f"one of {', '.join(AUC_METHODS)}")
    if method == "linear":
        return np.zeros(len(c) - 1, dtype=bool)
    return (c[1:] < c[:-1]) & (c[1:] > 0)


def get_auc(t: object, c: object, method: str = "lin-up-log-down") -> float:
    """AUC from the first to the last point, ng·h/mL (t in h, c in ng/mL).

    Linear trapezoid ``Δt (C1 + C2)/2``; with ``"lin-up-log-down"`` (PKNCA's default) the log
    trapezoid ``Δt (C1 − C2)/ln(C1/C2)`` on intervals where C falls and C2 > 0 (a fall to 0
    is integrated linearly, as PKNCA does).

    Parameters
    ----------
    t : array, h
        Strictly increasing times.
    c : array, ng/mL
        Concentrations >= 0 (clean BLQ values first with :func:`apply_blq_rule`).
    method : {"lin-up-log-down", "linear"}

    Examples
    --------
    >>> get_auc([0, 1, 2], [0, 10, 5])  # 5 + 5/ln 2
    12.213475204444817
    >>> get_auc([0, 1, 2], [0, 10, 5], method="linear")
    12.5
    """
    tt, cc = _as_arrays(t, c)
    if len(tt) < 2:
        return 0.0
    dt = np.diff(tt)
    c1, c2 = cc[:-1], cc[1:]
    log = _log_down(cc, method)
    parts = dt * (c1 + c2) / 2.0
    if log.any():
        r = np.log(c1[log] / c2[log])
        parts[log] = dt[log] * (c1[log] - c2[log]) / r
    return float(parts.sum())


def get_aumc(t: object, c: object, method: str = "lin-up-log-down") -> float:
    """AUMC (area under the first-moment curve t·C) from the first to the last point,
    ng·h²/mL, with the same interval rule as :func:`get_auc`.

    Log interval (PKNCA ``aumcintegrate_log``), with ``r = ln(C1/C2)``:
    ``Δt (t1 C1 − t2 C2)/r + Δt² (C1 − C2)/r²``.

    Examples
    --------
    >>> get_aumc([0, 2], [4, 4])  # ∫ 4 t dt from 0 to 2
    8.0
    >>> import numpy as np
    >>> t = np.array([0.0, 1.0, 2.0]); c = 8 * np.exp(-0.5 * t)   # exact for one exponential
    >>> a = get_aumc(t, c); k = 0.5
    >>> exact = 8 * (1 / k**2 - np.exp(-2 * k) * (2 / k + 1 / k**2))
    >>> bool(abs(a - exact) < 1e-12)
    True
    """
    tt, cc = _as_arrays(t, c)
    if len(tt) < 2:
        return 0.0
    dt = np.diff(tt)
    t1, t2, c1, c2 = tt[:-1], tt[1:], cc[:-1], cc[1:]
    log = _log_down(cc, method)
    parts = dt * (c1 * t1 + c2 * t2) / 2.0
    if log.any():
        r = np.log(c1[log] / c2[log])
        d = dt[log]
        parts[log] = (
            d * (t1[log] * c1[log] - t2[log] * c2[log]) / r + d**2 * (c1[log] - c2[log]) / r**2
        )
    return float(parts.sum())


@dataclass(frozen=True)
class LambdaZFit:
    """The selected terminal log-linear fit (``ln C = intercept − λz t``) or why there is none.

    Attributes
    ----------
    lambda_z : float, 1/h
        Terminal rate constant (NaN when not estimated).
    intercept : float
        ln C (C in ng/mL) at t = 0 of the fitted line.
    r2, adj_r2 : float
        R² and adjusted R² ``1 − (1 − R²)(n − 1)/(n − 2)`` of the fit.
    n_points : int
        Points used (0 when not estimated).
    t_first, t_last : float, h
        First and last time used.
    times_h : tuple of float
        The times used (for plots).
    reason : str
        Empty when λz was estimated, else why not.
    """

    lambda_z: float
    intercept: float
    r2: float
    adj_r2: float
    n_points: int
    t_first: float
    t_last: float
    times_h: tuple[float, ...]
    reason: str = ""

    @property
    def ok(self) -> bool:
        """True when λz was estimated."""
        return not self.reason

    @property
    def t_half(self) -> float:
        """Terminal half-life ln 2/λz, h (NaN without λz)."""
        return math.log(2.0) / self.lambda_z if self.ok else math.nan

    def get_predicted(self, t: float) -> float:
        """Concentration on the fitted line at ``t`` h, ng/mL (NaN without λz)."""
        return math.exp(self.intercept - self.lambda_z * t) if self.ok else math.nan


def _missing_fit(reason: str) -> LambdaZFit:
    nan = math.nan
    return LambdaZFit(nan, nan, nan, nan, 0, nan, nan, (), reason)


def _ols(t: np.ndarray, y: np.ndarray) -> tuple[float, float, float]:
    """Slope, intercept and R² of y on t (centred sums; R² is NaN for a flat line)."""
    tm, ym = t.mean(), y.mean()
    dt, dy = t - tm, y - ym
    sxx = float(dt @ dt)
    slope = float(dt @ dy) / sxx
    intercept = float(ym - slope * tm)
    ss_res = float(((dy - slope * dt) ** 2).sum())
    ss_tot = float(dy @ dy)
    r2 = 1.0 - ss_res / ss_tot if ss_tot > 0 else math.nan  # flat: 0/0 as in PKNCA
    return slope, intercept, r2


def select_lambda_z(
    t: object,
    c: object,
    *,
    after_h: float = 0.0,
    min_points: int = 3,
    adj_r2_factor: float = 1e-4,
    allow_tmax: bool = False,
) -> LambdaZFit:
    """Select the terminal phase and estimate λz (1/h) as PKNCA ``pk.calc.half.life`` does.

    Candidates are the positive concentrations after tmax (at tmax too with ``allow_tmax``)
    and after ``after_h`` (the end of the last dose: infusion end, else the dose time). For
    every set of the last ``n`` candidates (``n = min_points, …``) an ordinary least-squares
    line of ln C on t is fitted. A fit qualifies when λz > 0 and its adjusted R² is above the
    best adjusted R² of all fits minus ``adj_r2_factor``; of those the one with most points
    is chosen.

    Parameters
    ----------
    t : array, h
    c : array, ng/mL (zeros, i.e. BLQ kept as 0, are never used)
    after_h : float, h
        Only points strictly after this time are candidates.
    min_points : int
        PKNCA ``min.hl.points`` (default 3).
    adj_r2_factor : float
        PKNCA ``adj.r.squared.factor`` (default 1e-4).
    allow_tmax : bool
        PKNCA ``allow.tmax.in.half.life`` (default False: Cmax is not used).

    Examples
    --------
    >>> import numpy as np
    >>> t = np.array([0.5, 1, 2, 4, 6, 8]); c = 100 * np.exp(-0.2 * t)
    >>> fit = select_lambda_z(t, c)
    >>> round(fit.lambda_z, 12), fit.n_points, fit.t_first   # Cmax (t = 0.5) is excluded
    (0.2, 5, 1.0)
    >>> select_lambda_z([0, 1, 2], [5, 4, 3]).reason[:30]
    'too few points for lambda_z: 2'
    """
    tt, cc = _as_arrays(t, c)
    if min_points < 2:
        raise input_error("min_points", min_points, "an integer >= 2 (PKNCA min.hl.points)")
    if not (adj_r2_factor >= 0 and math.isfinite(adj_r2_factor)):
        raise input_error("adj_r2_factor", adj_r2_factor, "a finite number >= 0")
    if len(tt) == 0 or not (cc > 0).any():
        return _missing_fit("no positive concentration")
    tmax = tt[int(np.argmax(cc))]
    keep = (cc > 0) & (tt > after_h) & ((tt >= tmax) if allow_tmax else (tt > tmax))
    tk, yk = tt[keep], np.log(cc[keep])
    n = len(tk)
    if n < min_points:
        return _missing_fit(
            f"too few points for lambda_z: {n} positive after tmax and end of dosing "
            f"(PKNCA min.hl.points = {min_points})"
        )
    fits = []
    for k in range(min_points, n + 1):
        slope, icpt, r2 = _ols(tk[-k:], yk[-k:])
        adj = 1.0 - (1.0 - r2) * (k - 1) / (k - 2) if k > 2 else r2
        fits.append((k, -slope, icpt, r2, adj))
    adjs = np.array([f[4] for f in fits], dtype=float)
    best = float(np.nanmax(adjs)) if np.isfinite(adjs).any() else math.nan
    ok = [f for f in fits if f[1] > 0 and math.isfinite(f[4]) and f[4] > best - adj_r2_factor]
    if not ok:
        return _missing_fit(
            "no terminal fit with lambda_z > 0 within adj.r.squared.factor "
            f"{adj_r2_factor:g} of the best adjusted R² ({best:.4g})"
        )
    k, lz, icpt, r2, adj = max(ok, key=lambda f: f[0])
    used = tk[-k:]
    return LambdaZFit(
        float(lz), icpt, r2, adj, k, float(used[0]), float(used[-1]), tuple(map(float, used))
    )


def get_c0(t: object, c: object, dose_time_h: float = 0.0) -> float:
    """Back-extrapolated concentration at an IV bolus dose, ng/mL (PKNCA ``pk.calc.c0`` with
    its default method order ``c0`` → ``logslope`` → ``c1``).

    A positive observation at the dose time is C0; otherwise the log-linear line through the
    first two points after the dose is extrapolated back (when they fall and the second is
    > 0); otherwise the first concentration after the dose is used.

    Examples
    --------
    >>> get_c0([1, 2, 4], [50, 25, 10])   # 50 · 2
    100.0
    >>> get_c0([1, 2], [5, 8])            # rising: C1
    5.0
    """
    tt, cc = _as_arrays(t, c)
    at = (tt == dose_time_h) & (cc > 0)
    if at.any():
        return float(cc[at][0])
    after = tt > dose_time_h
    ta, ca = tt[after], cc[after]
    if len(ta) >= 2 and 0 < ca[1] < ca[0]:
        slope = (math.log(ca[1]) - math.log(ca[0])) / (ta[1] - ta[0])
        return float(math.exp(math.log(ca[0]) - slope * (ta[0] - dose_time_h)))
    return float(ca[0]) if len(ta) else math.nan


def _blq_action(rule: dict[str, str], part: str) -> str:
    v = str(rule.get(part, DEFAULT_BLQ_RULE[part])).strip().lower()
    v = "keep" if v == "0" else v
    if v not in BLQ_ACTIONS:
        raise input_error(f"blq {part}", rule.get(part), "keep (as 0; also written 0) or drop")
    return v


def apply_blq_rule(
    t: object, c: object, blq: object, rule: dict[str, str] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Clean BLQ records by position (PKNCA ``clean.conc.blq``): ``first`` = before the first
    measurable concentration, ``middle`` = between measurable ones, ``last`` = after the last;
    each is kept as 0 (``keep``) or dropped (``drop``).

    Parameters
    ----------
    t : array, h
    c : array, ng/mL (values on BLQ rows are ignored; a 0 counts as BLQ)
    blq : array of bool
        True where the sample is below the limit of quantification.
    rule : dict, optional
        ``{"first": ..., "middle": ..., "last": ...}``; default :data:`DEFAULT_BLQ_RULE`.

    Returns
    -------
    (t, c) : arrays with BLQ values set to 0 or removed.

    Examples
    --------
    >>> t, c = apply_blq_rule([0, 1, 2, 3, 4], [0, 5, 0, 2, 0], [1, 0, 1, 0, 1])
    >>> t.tolist(), c.tolist()
    ([0.0, 1.0, 3.0, 4.0], [0.0, 5.0, 2.0, 0.0])
    """
    rule = dict(DEFAULT_BLQ_RULE if rule is None else rule)
    unknown = set(rule) - set(DEFAULT_BLQ_RULE)
    if unknown:
        raise input_error("blq", sorted(unknown), "parts first, middle and last")
    tt = np.asarray(t, dtype=float)
    cc = np.asarray(c, dtype=float).copy()
    bq = np.asarray(blq, dtype=bool) | ~(np.nan_to_num(cc, nan=0.0) > 0)
    cc[bq] = 0.0
    meas = np.flatnonzero(~bq)
    if len(meas) == 0:
        part = np.full(len(tt), "first", dtype=object)
    else:
        idx = np.arange(len(tt))
        part = np.where(idx < meas[0], "first", np.where(idx > meas[-1], "last", "middle"))
    keep = np.ones(len(tt), dtype=bool)
    for p in ("first", "middle", "last"):
        if _blq_action(rule, p) == "drop":
            keep &= ~(bq & (part == p))
    return tt[keep], cc[keep]
