"""The ANCOVA of one visit (:func:`fit_ancova`, re-exported by :mod:`brexsim.trial.stats`).

The model, over the patients with a finite change and baseline::

    change_i = b0 + sum_a b_a [arm_i = a] + b_base baseline_i + e_i       (OLS, a != reference)

Designs that the full model cannot fit are handled, and said so in :attr:`AncovaResult.note`:

* an arm with no patient in the fit has no column: it gets ``nan`` (LS mean, difference, p)
  and the other arms are estimated as if it were not there; no patient in the reference arm
  means no estimate at all;
* a baseline that adds nothing to the arms (the same for every patient, e.g. a spec with
  ``hamd_baseline_min == hamd_baseline_max``, or constant within each arm) is dropped:
  :attr:`AncovaResult.baseline_adjusted` is ``False`` and the LS means are the arm means;
* fewer patients than coefficients plus one (no residual degrees of freedom): no estimate;
* a fit with no residual variance (every change fitted exactly, e.g. all changes equal):
  the estimates stand, their SEs are 0, each CI is the estimate itself and p is ``nan``
  (a t statistic of ``x / 0`` is undefined); :attr:`AncovaResult.exact_fit` is ``True``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import statsmodels.api as sm
from scipy import stats as sps

from brexsim.errors import input_error

__all__ = ["AncovaResult", "fit_ancova"]

#: A residual SD at or below this fraction of the largest |change| (at least 1) is "no residual
#: variance": the rounding of an exact least-squares fit (about 1e-15 of the data), far below
#: any measured HAM-D change (whole points).
EXACT_FIT_RTOL = 1e-10


@dataclass(frozen=True)
class AncovaResult:
    """ANCOVA at one visit.

    Attributes
    ----------
    arms : arm names in order (reference first)
    n : patients per arm in the fit
    ls_mean, ls_se, ls_ci : LS mean change per arm, its SE and 95 % CI (arrays, arm order)
    diff, diff_se, diff_ci, diff_p : arm minus reference (``nan`` for the reference itself)
    baseline_mean : the baseline at which LS means are evaluated
    df_resid : residual degrees of freedom (0 when nothing was fitted)
    baseline_adjusted : False when the baseline covariate was dropped (it adds nothing to
        the arms, e.g. the same baseline for every patient)
    exact_fit : True when the fit has no residual variance (SEs 0, p ``nan``)
    note : why an estimate is missing or how the fit was changed ("" for a plain fit)
    """

    arms: tuple[str, ...]
    n: np.ndarray
    ls_mean: np.ndarray
    ls_se: np.ndarray
    ls_ci: np.ndarray
    diff: np.ndarray
    diff_se: np.ndarray
    diff_ci: np.ndarray
    diff_p: np.ndarray
    baseline_mean: float
    df_resid: float
    baseline_adjusted: bool = True
    exact_fit: bool = False
    note: str = ""


def _no_estimate(order: tuple[str, ...], n: np.ndarray, b: np.ndarray, note: str) -> AncovaResult:
    k = len(order)
    nan = np.full(k, np.nan)
    ci = np.full((k, 2), np.nan)
    bm = float(np.mean(b)) if len(b) else np.nan
    return AncovaResult(order, n, nan, nan, ci, nan, nan, ci, nan, bm, 0.0, note=note)


def fit_ancova(
    change: np.ndarray,
    baseline: np.ndarray,
    arm: np.ndarray,
    reference: str,
    arms: Sequence[str] | None = None,
    alpha: float = 0.05,
) -> AncovaResult:
    """ANCOVA of ``change`` on arm (treatment coding against ``reference``) and ``baseline``.

    Rows with a non-finite change or baseline are left out (observed cases). Empty arms, a
    baseline that adds nothing to the arms and an exact fit are handled as the module
    docstring says, and :attr:`AncovaResult.note` says what was done.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> arm = np.repeat(["placebo", "drug"], 50)
    >>> base = rng.normal(28, 2, 100)
    >>> chg = -14 - 4 * (arm == "drug") - 0.3 * (base - 28) + rng.normal(0, 5, 100)
    >>> r = fit_ancova(chg, base, arm, "placebo")
    >>> r.arms, bool(r.diff_ci[1, 0] < -4 < r.diff_ci[1, 1]), r.note
    (('placebo', 'drug'), True, '')
    >>> r = fit_ancova(chg, np.full(100, 26.0), arm, "placebo", arms=["placebo", "drug", "x"])
    >>> r.baseline_adjusted, bool(np.isfinite(r.diff[1])), bool(np.isnan(r.diff[2]))
    (False, True, True)
    >>> print(r.note)
    no patient in arm x: no estimate; the same baseline (26) for every patient: not adjusted
    for baseline (LS means are the arm means)
    """
    y = np.asarray(change, dtype=float)
    b = np.asarray(baseline, dtype=float)
    a = np.asarray(arm).astype(str)
    if not (y.shape == b.shape == a.shape) or y.ndim != 1:
        raise input_error("change/baseline/arm", (y.shape, b.shape, a.shape), "1-d, same length")
    names = list(dict.fromkeys(arms if arms is not None else a.tolist()))
    if reference not in names:
        raise input_error("reference", reference, f"one of the arms {names}")
    order = (reference, *[x for x in names if x != reference])
    keep = np.isfinite(y) & np.isfinite(b) & np.isin(a, order)
    y, b, a = y[keep], b[keep], a[keep]
    k = len(order)
    n = np.array([int(np.sum(a == x)) for x in order])
    if n[0] == 0:
        return _no_estimate(order, n, b, f"no patient in the reference arm {reference}")
    notes = []
    empty = [order[j] for j in range(k) if n[j] == 0]
    if empty:
        notes.append(f"no patient in arm {', '.join(empty)}: no estimate")
    present = [j for j in range(k) if n[j] > 0]  # the reference first
    X = np.column_stack([np.ones(len(y))] + [(a == order[j]) * 1.0 for j in present[1:]] + [b])
    adjusted = bool(np.linalg.matrix_rank(X) == X.shape[1])
    if not adjusted:  # intercept + arms are of full rank: the baseline adds nothing to them
        X = X[:, :-1]
    if len(y) <= X.shape[1]:
        notes.append(
            f"{len(y)} patient(s) for {X.shape[1]} coefficient(s): no residual degrees of "
            "freedom, no estimate"
        )
        return _no_estimate(order, n, b, "; ".join(notes))
    if not adjusted:
        why = (
            f"the same baseline ({b[0]:g}) for every patient"
            if np.ptp(b) == 0
            else "the baseline is constant within each arm (collinear with the arms)"
        )
        notes.append(f"{why}: not adjusted for baseline (LS means are the arm means)")
    fit = sm.OLS(y, X).fit()
    cov = np.asarray(fit.cov_params())
    beta = np.asarray(fit.params)
    df = float(fit.df_resid)
    q = sps.t.ppf(1 - alpha / 2, df)
    bm = float(np.mean(b))
    m = len(present)
    L = np.zeros((m, X.shape[1]))
    L[:, 0] = 1.0
    L[np.arange(1, m), np.arange(1, m)] = 1.0
    if adjusted:
        L[:, -1] = bm
    ls, ls_se, diff, diff_se, p = (np.full(k, np.nan) for _ in range(5))
    ls[present] = L @ beta
    diff[present[1:]] = beta[1:m]
    exact = bool(np.sqrt(fit.scale) <= EXACT_FIT_RTOL * max(1.0, float(np.max(np.abs(y)))))
    if exact:
        ls_se[present] = 0.0
        diff_se[present[1:]] = 0.0
        notes.append(
            "no residual variance (every change fitted exactly): SEs are 0, each CI is its "
            "estimate and p is undefined"
        )
    else:
        ls_se[present] = np.sqrt(np.einsum("ij,jk,ik->i", L, cov, L))
        diff_se[present[1:]] = np.sqrt(np.diag(cov)[1:m])
        p[present[1:]] = 2 * sps.t.sf(np.abs(diff[present[1:]] / diff_se[present[1:]]), df)
    return AncovaResult(
        arms=order,
        n=n,
        ls_mean=ls,
        ls_se=ls_se,
        ls_ci=np.column_stack([ls - q * ls_se, ls + q * ls_se]),
        diff=diff,
        diff_se=diff_se,
        diff_ci=np.column_stack([diff - q * diff_se, diff + q * diff_se]),
        diff_p=p,
        baseline_mean=bm,
        df_resid=df,
        baseline_adjusted=adjusted,
        exact_fit=exact,
        note="; ".join(notes),
    )
