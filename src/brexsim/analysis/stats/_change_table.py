"""Biomarker statistics, the change table: vectorised paired tests, Wilcoxon, correlations
with HAM-D improvement, FDR (split from ``stats``; see the package docstring).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import special, stats

from brexsim.analysis.data import BASELINE_H, STIMULI
from brexsim.analysis.stats._matrix import (
    MIN_PAIRS,
    TABLE_COLUMNS,
    _check_transform,
    get_change_matrix,
)
from brexsim.errors import input_error

# ------------------------------------------------------------------------------------------
# vectorised statistics on columns of a (subjects x lines) matrix with NaN = missing


def get_dz_ci(t: np.ndarray, n: np.ndarray, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Exact CI of the paired effect size ``dz = t / sqrt(n)`` by inverting the non-central t.

    The bounds ``lam_lo, lam_hi`` solve ``nct.cdf(t, n - 1, lam) = 1 - a/2`` and ``a/2``
    (Steiger & Fouladi 1997); the CI is ``lam / sqrt(n)``. Vectorised bisection.

    Where the bisection does not converge (``|t|`` beyond about 1e6, when scipy's non-central
    t is inaccurate) or the interval would leave out ``dz``, both bounds are ``nan`` (the
    change table's ``note`` says so).

    Examples
    --------
    >>> lo, hi = get_dz_ci(np.array([3.0]), np.array([11]))
    >>> round(float(lo[0]), 3), round(float(hi[0]), 3)
    (0.18, 1.598)
    """
    t = np.asarray(t, dtype=float)
    n = np.asarray(n, dtype=float)
    df = n - 1.0
    a = (1.0 - level) / 2.0
    ok = np.isfinite(t) & (n >= 2)
    lo = np.full(t.shape, np.nan)
    hi = np.full(t.shape, np.nan)
    if not ok.any():
        return lo, hi
    tt, dd = t[ok], df[ok]
    width = 10.0 + 2.0 * np.abs(tt)

    def solve(target: float) -> np.ndarray:
        # nct.cdf(t, df, lam) decreases in lam; nan where it did not converge (|t| so large
        # that scipy's non-central t cdf is inaccurate)
        left, right = tt - width, tt + width
        for _ in range(80):
            mid = 0.5 * (left + right)
            c = stats.nct.cdf(tt, dd, mid)
            go_right = c > target
            left = np.where(go_right, mid, left)
            right = np.where(go_right, right, mid)
        lam = 0.5 * (left + right)
        off = np.abs(stats.nct.cdf(tt, dd, lam) - target) > 1e-6
        return np.where(off, np.nan, lam)

    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        lo[ok] = solve(1.0 - a) / np.sqrt(n[ok])
        hi[ok] = solve(a) / np.sqrt(n[ok])
        dz = t / np.sqrt(n)
        bad = ~((lo <= dz) & (dz <= hi))  # an interval that leaves out dz is not reported
    lo[bad] = hi[bad] = np.nan
    return lo, hi


def get_correlation_ci(
    r: np.ndarray, n: np.ndarray, method: str = "pearson", level: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Fisher-z CI of a correlation: ``tanh(atanh(r) -/+ z * se)``.

    ``se = 1/sqrt(n-3)`` (Pearson) or ``sqrt(1.06/(n-3))`` (Spearman; Fieller, Hartley &
    Pearson 1957). NaN where ``n < 4``.

    Examples
    --------
    >>> lo, hi = get_correlation_ci(np.array([0.6]), np.array([11]))
    >>> round(float(lo[0]), 4), round(float(hi[0]), 4)
    (0.0002, 0.8823)
    """
    r = np.asarray(r, dtype=float)
    n = np.asarray(n, dtype=float)
    if method not in ("pearson", "spearman"):
        raise input_error("method", method, "pearson or spearman")
    z = stats.norm.ppf(0.5 + level / 2.0)
    var = 1.0 if method == "pearson" else 1.06
    ok = np.isfinite(r) & (n >= 4)
    with np.errstate(all="ignore"):
        zr = np.arctanh(np.clip(r, -1.0, 1.0))
        se = np.sqrt(var / np.where(ok, n - 3.0, 1.0))
        lo = np.where(ok, np.tanh(zr - z * se), np.nan)
        hi = np.where(ok, np.tanh(zr + z * se), np.nan)
    return lo, hi


def _paired_columns(d: np.ndarray) -> dict[str, np.ndarray]:
    """t-test, dz and mean-change CI for each column of ``d`` (NaN = missing pair)."""
    m = ~np.isnan(d)
    n = m.sum(axis=0)
    with np.errstate(all="ignore"):
        mean = np.where(m, d, 0.0).sum(axis=0) / n
        dev = np.where(m, d - mean, 0.0)
        sd = np.sqrt((dev**2).sum(axis=0) / (n - 1))
        se = sd / np.sqrt(n)
        t = mean / se
        df = n - 1.0
        p = 2.0 * stats.t.sf(np.abs(t), df)
        half = stats.t.ppf(0.975, df) * se
        dz = mean / sd
    ok = (n >= MIN_PAIRS) & (sd > 0)
    nan = np.full(n.shape, np.nan)
    dz_lo, dz_hi = get_dz_ci(np.where(ok, t, np.nan), n)
    return {
        "n": n,
        "mean_change": np.where(n >= 1, mean, nan),
        "sd_change": np.where(n >= 2, sd, nan),
        "mean_change_ci_low": np.where(ok, mean - half, nan),
        "mean_change_ci_high": np.where(ok, mean + half, nan),
        "t": np.where(ok, t, nan),
        "p_ttest": np.where(ok, p, nan),
        "dz": np.where(ok, dz, nan),
        "dz_ci_low": dz_lo,
        "dz_ci_high": dz_hi,
    }


def _wilcoxon_columns(d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """scipy.stats.wilcoxon on each column (NaN omitted), with scipy's defaults."""
    n_nonzero = (~np.isnan(d) & (d != 0)).sum(axis=0)
    n = (~np.isnan(d)).sum(axis=0)
    ok = (n >= MIN_PAIRS) & (n_nonzero >= 1)
    w = np.full(d.shape[1], np.nan)
    p = np.full(d.shape[1], np.nan)
    if ok.any():
        sub = d[:, ok]
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore", RuntimeWarning)
            warnings.simplefilter("ignore", UserWarning)
            if np.isnan(sub).any():
                res = stats.wilcoxon(sub, axis=0, nan_policy="omit")
            else:
                res = stats.wilcoxon(sub, axis=0)
        w[ok] = res.statistic
        p[ok] = res.pvalue
    return w, p


def _correlation_columns(x: np.ndarray, y: np.ndarray) -> dict[str, np.ndarray]:
    """Pearson and Spearman of each column pair over rows where both are present."""
    m = ~np.isnan(x) & ~np.isnan(y)
    n = m.sum(axis=0)
    xm = np.where(m, x, np.nan)
    ym = np.where(m, y, np.nan)

    def pearson(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        with np.errstate(all="ignore"):
            am = np.where(m, a - np.nansum(a, axis=0) / n, 0.0)
            bm = np.where(m, b - np.nansum(b, axis=0) / n, 0.0)
            # scale as scipy does, to keep the same rounding for large values
            an = np.linalg.norm(am, axis=0)
            bn = np.linalg.norm(bm, axis=0)
            r = (am / an * (bm / bn)).sum(axis=0)
        return np.clip(r, -1.0, 1.0)

    ok = n >= MIN_PAIRS + 1
    r_p = pearson(xm, ym)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        rx = stats.rankdata(xm, axis=0, nan_policy="omit")
        ry = stats.rankdata(ym, axis=0, nan_policy="omit")
    r_s = pearson(rx, ry)
    with np.errstate(all="ignore"):
        ab = n / 2.0 - 1.0
        p_p = 2.0 * special.betainc(ab, ab, (1.0 - np.abs(r_p)) / 2.0)
        dof = n - 2.0
        ts = r_s * np.sqrt(np.clip(dof / ((r_s + 1.0) * (1.0 - r_s)), 0, None))
        p_s = 2.0 * stats.t.sf(np.abs(ts), dof)
    p_p = np.clip(p_p, 0.0, 1.0)
    okp = ok & np.isfinite(r_p)
    oks = ok & np.isfinite(r_s)
    nan = np.full(n.shape, np.nan)
    plo, phi = get_correlation_ci(np.where(okp, r_p, nan), n, "pearson")
    slo, shi = get_correlation_ci(np.where(oks, r_s, nan), n, "spearman")
    return {
        "n_corr": n,
        "r_pearson": np.where(okp, r_p, nan),
        "r_pearson_ci_low": plo,
        "r_pearson_ci_high": phi,
        "p_pearson": np.where(okp, p_p, nan),
        "r_spearman": np.where(oks, r_s, nan),
        "r_spearman_ci_low": slo,
        "r_spearman_ci_high": shi,
        "p_spearman": np.where(oks, p_s, nan),
    }


def _bh(p: np.ndarray) -> np.ndarray:
    from statsmodels.stats.multitest import multipletests

    q = np.full(p.shape, np.nan)
    ok = np.isfinite(p)
    if ok.any():
        q[ok] = multipletests(p[ok], method="fdr_bh")[1]
    return q


def _post_indices(times: np.ndarray, post_h: Sequence[float] | float | None) -> list[int]:
    if times.size < 2:
        raise input_error(
            "time_h",
            [float(x) for x in times],
            "baseline rows (0 h) and rows at a later time (only baseline rows found)",
        )
    if post_h is None:
        return list(range(1, times.size))
    wanted = [post_h] if np.isscalar(post_h) else list(post_h)  # type: ignore[arg-type]
    idx = []
    for w in wanted:
        try:
            wf = float(w)
        except (TypeError, ValueError):
            raise input_error("post_h", w, "a number of hours") from None
        hit = np.flatnonzero(np.isclose(times, wf, rtol=0, atol=1e-9))
        if hit.size == 0 or wf == BASELINE_H:
            avail = ", ".join(f"{x:g}" for x in times[1:])
            raise input_error("post_h", w, f"a later sampling time in the data ({avail} h)")
        idx.append(int(hit[0]))
    return sorted(set(idx))


def _no_correlation_note(d: np.ndarray, y: np.ndarray) -> str:
    """Why a correlation of the biomarker change ``d`` with the HAM-D improvement ``y`` (over
    the subjects with both) is missing: one of them does not vary."""
    both = ~np.isnan(d) & ~np.isnan(y)
    flat = [
        what
        for what, v in (("biomarker change", d[both]), ("HAM-D improvement", y[both]))
        if np.ptp(v) == 0
    ]
    which = " and the ".join(flat) if flat else "biomarker change or HAM-D improvement"
    return f"the same {which} for all {int(both.sum())} subjects with both: no correlation"


def compute_change_table(
    data: pd.DataFrame,
    post_h: Sequence[float] | float | None = None,
    transform: str = "raw",
) -> pd.DataFrame:
    """The change table: one line per analyte x stimulus x later time (see module docs).

    Parameters
    ----------
    data : DataFrame
        Canonical long frame (:func:`~brexsim.analysis.data.validate_biomarkers`).
    post_h : float, sequence of float, or None
        Later time(s) to compare with baseline, h; ``None`` = every later time in the data.
    transform : ``"raw"``, ``"induced"`` or ``"log"``

    Returns
    -------
    DataFrame
        Columns :data:`TABLE_COLUMNS`. Undefined statistics (too few pairs, no variation, no
        HAM-D) are NaN and the ``note`` column says why.

    Raises
    ------
    BrexsimInputError
        When the data have baseline rows only, or no line has a single complete pair (e.g.
        every value missing): there is nothing to analyse.

    Examples
    --------
    >>> from brexsim.analysis.data import make_example_dataset
    >>> tab = compute_change_table(make_example_dataset(0), post_h=60, transform="log")
    >>> tab.loc[0, ["analyte", "stimulus", "time_h", "n"]].astype(str).tolist()
    ['BDNF', 'basal', '60.0', '11']
    """
    _check_transform(transform)
    cm = get_change_matrix(data, transform)
    post = _post_indices(cm.times_h, post_h)
    G, S = len(cm.groups), cm.subjects.size
    if G == 0:
        raise input_error("analyte", "(none)", "at least one biomarker besides HAMD17")
    base = cm.values[:, :, 0]  # G x S
    d = np.concatenate([(cm.values[:, :, k] - base) for k in post], axis=0).T  # S x (G*P)
    hamd_impr = np.stack([cm.hamd[:, 0] - cm.hamd[:, k] for k in post], axis=1)  # S x P
    y = np.repeat(hamd_impr, G, axis=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        mean_base = np.concatenate(
            [
                np.nanmean(np.where(np.isnan(d[:, i * G : (i + 1) * G].T), np.nan, base), axis=1)
                for i in range(len(post))
            ]
        )
        mean_post = np.concatenate(
            [
                np.nanmean(
                    np.where(np.isnan(d[:, i * G : (i + 1) * G].T), np.nan, cm.values[:, :, k]),
                    axis=1,
                )
                for i, k in enumerate(post)
            ]
        )
    res: dict[str, Any] = {
        "analyte": [g[0] for g in cm.groups] * len(post),
        "stimulus": [g[1] for g in cm.groups] * len(post),
        "time_h": np.repeat(cm.times_h[post], G),
        "unit": cm.units * len(post),
    }
    res.update(_paired_columns(d))
    res["n_excluded"] = S - res["n"]
    res["mean_baseline"] = mean_base
    res["mean_post"] = mean_post
    res["w_statistic"], res["p_wilcoxon"] = _wilcoxon_columns(d)
    res.update(_correlation_columns(d, y))
    res["q_fdr"] = _bh(res["p_ttest"])
    res["q_fdr_wilcoxon"] = _bh(res["p_wilcoxon"])
    res["transform"] = transform
    notes = []
    no_hamd = np.isnan(y).all(axis=0)
    for i in range(d.shape[1]):
        note = []
        n = int(res["n"][i])
        if n < MIN_PAIRS:
            note.append(f"only {n} complete pair(s): tests need >= {MIN_PAIRS}")
        elif not np.isfinite(res["p_ttest"][i]):
            note.append("no variation in the changes")
        elif np.isfinite(res["dz"][i]) and not np.isfinite(res["dz_ci_low"][i]):
            note.append("dz CI not computable (|t| too large for the non-central t)")
        if no_hamd[i]:
            note.append("no HAMD17 at baseline and this time: no correlation")
        elif res["n_corr"][i] < MIN_PAIRS + 1:
            note.append(
                f"only {int(res['n_corr'][i])} subject(s) with both changes: "
                f"correlations need >= {MIN_PAIRS + 1}"
            )
        elif np.isnan(res["r_pearson"][i]) or np.isnan(res["r_spearman"][i]):
            note.append(_no_correlation_note(d[:, i], y[:, i]))
        if int(res["n_excluded"][i]) > 0:
            note.append(f"{int(res['n_excluded'][i])} subject(s) without a complete pair")
        notes.append("; ".join(note))
    res["note"] = notes
    if not (res["n"] > 0).any():
        n_values = int(np.isfinite(cm.values).sum())
        raise input_error(
            "value",
            f"{n_values} non-missing biomarker value(s), no complete pair",
            "at least one subject with a biomarker value at baseline (0 h) and at a later "
            "time (every pair has a missing value)",
        )
    table = pd.DataFrame(res)
    table["n"] = table["n"].astype(int)
    table["n_corr"] = table["n_corr"].astype(int)
    table["n_excluded"] = table["n_excluded"].astype(int)
    order = {s: i for i, s in enumerate(STIMULI)}
    table["_o"] = table["stimulus"].map(lambda s: order.get(s, 9))
    table = table.sort_values(["time_h", "_o", "analyte"], kind="stable").drop(columns="_o")
    return table[list(TABLE_COLUMNS)].reset_index(drop=True)
