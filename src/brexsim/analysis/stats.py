"""Biomarker statistics: baseline vs later times, FDR, correlation with HAM-D, mixed models.

Input is the canonical long frame of :func:`brexsim.analysis.data.validate_biomarkers`
(it works the same on real files and on simulated cohorts). All per-line statistics are
computed at once on a ``subjects x lines`` matrix (vectorised), so large tables are fast.

For each analyte x stimulus and each later time t (a *line* of the table):

* ``n``: subjects with a value at baseline (``time_h = 0``) **and** at t (complete pairs);
  subjects missing either value are excluded from that line and counted in ``n_excluded``.
* paired t-test (= :func:`scipy.stats.ttest_rel`), Wilcoxon signed-rank test
  (= :func:`scipy.stats.wilcoxon` with its defaults), effect size ``dz = mean / sd`` of the
  paired changes with an exact 95 % CI (non-central t inversion), 95 % CI of the mean change.
* Benjamini-Hochberg FDR across all lines of the table (``q_fdr`` from the t-test,
  ``q_fdr_wilcoxon`` from the Wilcoxon test; :func:`statsmodels.stats.multitest.multipletests`).
* correlation of the change with HAM-D improvement over the same interval
  (``HAMD17(0) - HAMD17(t)``, positive = better): Pearson (= :func:`scipy.stats.pearsonr`) and
  Spearman (= :func:`scipy.stats.spearmanr`), 95 % CIs by Fisher's z (Spearman with the
  Fieller-Hartley-Pearson variance 1.06 / (n - 3)); ``n_corr`` subjects with both changes.

Transforms: ``raw`` (values as given), ``log`` (natural log; every value must be > 0) and
``induced`` (for LPS/IMQ the stimulated minus the basal value of the same subject and time,
i.e. the induced response; basal lines stay as they are).

The linear mixed model (:func:`fit_mixed_models`) uses every available observation
(likelihood-based, valid under missing-at-random) instead of complete pairs.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import special, stats

from brexsim.analysis.data import BASELINE_H, HAMD_ANALYTE, STIMULI
from brexsim.errors import BrexsimInputError, input_error

__all__ = [
    "TABLE_COLUMNS",
    "TRANSFORMS",
    "AnalysisResult",
    "analyze_biomarkers",
    "compute_change_table",
    "fit_mixed_models",
    "get_change_matrix",
    "get_correlation_ci",
    "get_dz_ci",
    "get_hamd_summary",
    "get_missing_report",
    "transform_values",
]

#: Allowed ``transform`` values.
TRANSFORMS: tuple[str, ...] = ("raw", "induced", "log")
#: Columns of the change table, in order.
TABLE_COLUMNS: tuple[str, ...] = (
    "analyte",
    "stimulus",
    "time_h",
    "n",
    "n_excluded",
    "unit",
    "mean_baseline",
    "mean_post",
    "mean_change",
    "sd_change",
    "mean_change_ci_low",
    "mean_change_ci_high",
    "t",
    "p_ttest",
    "q_fdr",
    "w_statistic",
    "p_wilcoxon",
    "q_fdr_wilcoxon",
    "dz",
    "dz_ci_low",
    "dz_ci_high",
    "n_corr",
    "r_pearson",
    "r_pearson_ci_low",
    "r_pearson_ci_high",
    "p_pearson",
    "r_spearman",
    "r_spearman_ci_low",
    "r_spearman_ci_high",
    "p_spearman",
    "transform",
    "note",
)
_Z975 = float(stats.norm.ppf(0.975))
#: Smallest number of complete pairs for the paired tests (and for correlations: 4, so that
#: the Fisher-z CI is defined).
MIN_PAIRS = 3


def _check_transform(transform: str) -> None:
    if transform not in TRANSFORMS:
        raise input_error("transform", transform, f"one of {', '.join(TRANSFORMS)}")


def _check_frame(data: pd.DataFrame) -> None:
    need = ("subject", "time_h", "analyte", "stimulus", "value")
    if not isinstance(data, pd.DataFrame) or any(c not in data.columns for c in need):
        raise input_error(
            "data",
            type(data).__name__,
            "the canonical long frame from read_biomarkers/validate_biomarkers "
            f"(columns {', '.join(need)})",
        )


def transform_values(data: pd.DataFrame, transform: str = "raw") -> pd.DataFrame:
    """Biomarker rows (HAM-D-17 excluded) on the analysis scale.

    Parameters
    ----------
    data : DataFrame
        Canonical long frame (:func:`~brexsim.analysis.data.validate_biomarkers`).
    transform : ``"raw"``, ``"induced"`` or ``"log"``
        ``induced``: LPS/IMQ values minus the basal value of the same subject, analyte and
        time (missing if either is missing); ``log``: natural logarithm.

    Returns
    -------
    DataFrame
        ``subject, time_h, analyte, stimulus, value, unit``.

    Examples
    --------
    >>> df = pd.DataFrame({"subject": "a", "time_h": [0.0, 0.0], "analyte": "TNFa",
    ...                    "stimulus": ["basal", "LPS"], "value": [5.0, 105.0], "unit": "pg/mL"})
    >>> transform_values(df, "induced")["value"].tolist()
    [5.0, 100.0]
    """
    _check_transform(transform)
    _check_frame(data)
    bio = data.loc[data["analyte"] != HAMD_ANALYTE].copy()
    if "unit" not in bio.columns:
        bio["unit"] = ""
    bio = bio[["subject", "time_h", "analyte", "stimulus", "value", "unit"]]
    if transform == "log":
        bad = bio["value"].notna() & ~(bio["value"] > 0)
        if bad.any():
            rows = bio.loc[bad]
            listed = ", ".join(
                f"{s} {a}/{st} at {t:g} h ({v!r})"
                for s, a, st, t, v in rows[["subject", "analyte", "stimulus", "time_h", "value"]]
                .head(15)
                .itertuples(index=False)
            )
            raise input_error(
                "value",
                f"{int(bad.sum())} value(s) <= 0",
                "values > 0 for --transform log (use raw or induced, or remove them): " + listed,
            )
        bio["value"] = np.log(bio["value"].to_numpy(dtype=float))
        bio["unit"] = [f"log({u})" if u else "log" for u in bio["unit"]]
    elif transform == "induced":
        basal = bio.loc[bio["stimulus"] == "basal"].set_index(["subject", "analyte", "time_h"])
        stim = bio.loc[bio["stimulus"] != "basal"]
        key = pd.MultiIndex.from_frame(stim[["subject", "analyte", "time_h"]])
        base_v = basal["value"].reindex(key).to_numpy(dtype=float)
        base_u = basal["unit"].reindex(key).to_numpy(dtype=object)
        su = stim["unit"].to_numpy(dtype=object)
        clash = pd.notna(base_u) & (base_u != "") & (su != "") & (base_u != su)
        if clash.any():
            raise input_error(
                "unit",
                sorted(set(stim.loc[clash, "analyte"])),
                "the same unit for basal and stimulated values of an analyte, for "
                "--transform induced",
            )
        stim = stim.assign(value=stim["value"].to_numpy(dtype=float) - base_v)
        bio = pd.concat([bio.loc[bio["stimulus"] == "basal"], stim], ignore_index=True)
    return bio.reset_index(drop=True)


@dataclass(frozen=True)
class ChangeMatrix:
    """Values on the analysis scale arranged as ``lines x subjects x times``.

    Attributes
    ----------
    subjects : ndarray of str
    times_h : ndarray of float (first = 0)
    groups : list of (analyte, stimulus)
    values : ndarray, shape (n_groups, n_subjects, n_times); NaN = missing
    present : ndarray of bool, same shape; True where a row exists (value may be NaN)
    hamd : ndarray, shape (n_subjects, n_times); NaN = missing
    units : list of str, one per group
    """

    subjects: np.ndarray
    times_h: np.ndarray
    groups: list[tuple[str, str]]
    values: np.ndarray
    present: np.ndarray
    hamd: np.ndarray
    units: list[str] = field(default_factory=list)


def get_change_matrix(data: pd.DataFrame, transform: str = "raw") -> ChangeMatrix:
    """Arrange the data as a dense ``(analyte x stimulus) x subject x time`` array.

    Examples
    --------
    >>> from brexsim.analysis.data import make_example_dataset
    >>> m = get_change_matrix(make_example_dataset(0))
    >>> m.values.shape, m.times_h.tolist()
    ((10, 11, 4), [0.0, 24.0, 60.0, 168.0])
    """
    _check_frame(data)
    bio = transform_values(data, transform)
    subjects = np.array(sorted(pd.unique(data["subject"].astype(str))), dtype=object)
    times = np.array(sorted(pd.unique(data["time_h"].astype(float))), dtype=float)
    if times.size == 0 or times[0] != BASELINE_H:
        raise input_error("time_h", times[:5].tolist(), "data with baseline rows at time_h = 0")
    order = {s: i for i, s in enumerate(STIMULI)}
    gframe = bio[["analyte", "stimulus"]].drop_duplicates()
    groups = sorted((str(a), str(s)) for a, s in gframe.itertuples(index=False))
    groups.sort(key=lambda g: (g[0], order.get(g[1], 9)))
    g_idx = pd.MultiIndex.from_tuples(groups).get_indexer(
        pd.MultiIndex.from_frame(bio[["analyte", "stimulus"]].astype(str))
    )
    s_idx = pd.Index(subjects).get_indexer(bio["subject"].astype(str))
    t_idx = pd.Index(times).get_indexer(bio["time_h"].astype(float))
    values = np.full((len(groups), subjects.size, times.size), np.nan)
    present = np.zeros(values.shape, dtype=bool)
    values[g_idx, s_idx, t_idx] = bio["value"].to_numpy(dtype=float)
    present[g_idx, s_idx, t_idx] = True
    hamd = np.full((subjects.size, times.size), np.nan)
    h = data.loc[data["analyte"] == HAMD_ANALYTE]
    if len(h):
        hamd[
            pd.Index(subjects).get_indexer(h["subject"].astype(str)),
            pd.Index(times).get_indexer(h["time_h"].astype(float)),
        ] = h["value"].to_numpy(dtype=float)
    uf = bio.loc[bio["unit"].astype(str) != "", ["analyte", "stimulus", "unit"]]
    first_unit = uf.drop_duplicates(["analyte", "stimulus"]).set_index(["analyte", "stimulus"])
    units = [str(first_unit["unit"].get(g, "")) for g in groups]
    return ChangeMatrix(subjects, times, groups, values, present, hamd, units)


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


# ------------------------------------------------------------------------------------------
# missing data


def get_missing_report(data: pd.DataFrame, transform: str = "raw") -> pd.DataFrame:
    """Missing data per analyte x stimulus x time (HAM-D-17 included).

    Columns: ``analyte, stimulus, time_h, n_subjects`` (in the file), ``n_observed``,
    ``n_missing_value`` (row present, value empty), ``n_no_row`` (no row for the subject),
    ``n_no_partner`` (``induced`` only: the stimulated value exists but its basal partner
    does not), ``fraction_missing``.

    Examples
    --------
    >>> from brexsim.analysis.data import make_example_dataset
    >>> rep = get_missing_report(make_example_dataset(0, missing_fraction=0.2))
    >>> int(rep["n_observed"].sum() + rep["n_missing_value"].sum()) == 11 * 4 * 11
    True
    """
    cm = get_change_matrix(data, transform)
    raw_cm = get_change_matrix(data, "raw") if transform == "induced" else cm
    rows = []
    S = cm.subjects.size
    for gi, (a, s) in enumerate(cm.groups):
        for ti, t in enumerate(cm.times_h):
            v = cm.values[gi, :, ti]
            pres = cm.present[gi, :, ti]
            obs = int((~np.isnan(v)).sum())
            raw_gi = raw_cm.groups.index((a, s))
            raw_v = raw_cm.values[raw_gi, :, ti]
            raw_obs = ~np.isnan(raw_v)
            no_partner = int((raw_obs & np.isnan(v)).sum()) if transform == "induced" else 0
            rows.append(
                {
                    "analyte": a,
                    "stimulus": s,
                    "time_h": float(t),
                    "n_subjects": S,
                    "n_observed": obs,
                    "n_missing_value": int((pres & ~raw_obs).sum()),
                    "n_no_row": int((~pres).sum()),
                    "n_no_partner": no_partner,
                }
            )
    for t in cm.times_h:
        h = data.loc[(data["analyte"] == HAMD_ANALYTE) & (data["time_h"] == t)]
        obs = int(h["value"].notna().sum())
        rows.append(
            {
                "analyte": HAMD_ANALYTE,
                "stimulus": "basal",
                "time_h": float(t),
                "n_subjects": S,
                "n_observed": obs,
                "n_missing_value": int(h["value"].isna().sum()),
                "n_no_row": S - len(h),
                "n_no_partner": 0,
            }
        )
    rep = pd.DataFrame(rows)
    rep["fraction_missing"] = 1.0 - rep["n_observed"] / max(S, 1)
    return rep


def get_hamd_summary(data: pd.DataFrame) -> pd.DataFrame:
    """HAM-D-17 by time: n, mean, SD, mean improvement from baseline, response (>= 50 % fall)
    and remission (<= 7 points) counts among subjects with both values.

    Examples
    --------
    >>> from brexsim.analysis.data import make_example_dataset
    >>> get_hamd_summary(make_example_dataset(0))["time_h"].tolist()
    [0.0, 24.0, 60.0, 168.0]
    """
    h = data.loc[data["analyte"] == HAMD_ANALYTE, ["subject", "time_h", "value"]]
    if h.empty:
        return pd.DataFrame(
            columns=[
                "time_h",
                "n",
                "mean",
                "sd",
                "n_pairs",
                "mean_improvement",
                "n_response",
                "n_remission",
            ]
        )
    wide = h.pivot(index="subject", columns="time_h", values="value")
    base = wide[BASELINE_H] if BASELINE_H in wide.columns else pd.Series(np.nan, wide.index)
    rows = []
    for t in wide.columns:
        v = wide[t]
        pair = v.notna() & base.notna()
        impr = (base - v)[pair]
        rows.append(
            {
                "time_h": float(t),
                "n": int(v.notna().sum()),
                "mean": float(v.mean()) if v.notna().any() else np.nan,
                "sd": float(v.std(ddof=1)) if v.notna().sum() > 1 else np.nan,
                "n_pairs": int(pair.sum()),
                "mean_improvement": float(impr.mean()) if pair.any() else np.nan,
                "n_response": int(((v <= 0.5 * base) & pair).sum()),
                "n_remission": int(((v <= 7) & v.notna()).sum()),
            }
        )
    return pd.DataFrame(rows)


# ------------------------------------------------------------------------------------------
# mixed models


def fit_mixed_models(data: pd.DataFrame, transform: str = "raw") -> pd.DataFrame:
    """Linear mixed model of each analyte x stimulus trajectory (statsmodels ``MixedLM``).

    ``value ~ 1 + C(time_h)`` (baseline as reference) with a random intercept per subject,
    fitted by REML on every available observation. One row per later time: the fixed effect
    (= model-based mean change from baseline), its SE, Wald z, p and 95 % CI, with
    ``n_obs``, ``n_subjects``, the random-intercept variance, the residual variance and
    ``converged``.

    Examples
    --------
    >>> from brexsim.analysis.data import make_example_dataset
    >>> mm = fit_mixed_models(make_example_dataset(0), transform="log")
    >>> list(mm.columns[:4]), len(mm) == 10 * 3
    (['analyte', 'stimulus', 'time_h', 'estimate'], True)
    """
    import statsmodels.api as sm
    from statsmodels.tools.sm_exceptions import ConvergenceWarning

    cm = get_change_matrix(data, transform)
    rows = []
    later = cm.times_h[1:]
    for gi, (a, s) in enumerate(cm.groups):
        v = cm.values[gi]  # S x T
        si, ti = np.nonzero(~np.isnan(v))
        n_obs = si.size
        n_sub = np.unique(si).size
        base_row = {"analyte": a, "stimulus": s, "n_obs": int(n_obs), "n_subjects": int(n_sub)}
        present_t = np.unique(ti)
        if n_sub < 2 or 0 not in present_t or present_t.size < 2:
            for t in later:
                rows.append(
                    {
                        **base_row,
                        "time_h": float(t),
                        "estimate": np.nan,
                        "se": np.nan,
                        "z": np.nan,
                        "p": np.nan,
                        "ci_low": np.nan,
                        "ci_high": np.nan,
                        "var_subject": np.nan,
                        "var_residual": np.nan,
                        "converged": False,
                        "note": "too few observations",
                    }
                )
            continue
        cols = [k for k in present_t if k != 0]
        exog = np.ones((n_obs, 1 + len(cols)))
        for j, k in enumerate(cols):
            exog[:, 1 + j] = ti == k
        note = ""
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                model = sm.MixedLM(v[si, ti], exog, groups=si)
                fit = model.fit(reml=True, method=["lbfgs", "powell"])
                converged = bool(fit.converged) and not any(
                    issubclass(w.category, ConvergenceWarning) for w in caught
                )
                fe, bse = np.asarray(fit.fe_params), np.asarray(fit.bse_fe)
                var_s = float(np.asarray(fit.cov_re).ravel()[0])
                var_r = float(fit.scale)
            except (np.linalg.LinAlgError, ValueError) as exc:
                converged, fe, bse = False, np.full(exog.shape[1], np.nan), None
                var_s = var_r = np.nan
                note = f"fit failed: {exc}"
        if not converged and not note:
            note = "did not converge (estimates shown, interpret with care)"
        for t_k, t in enumerate(later, start=1):
            if t_k in cols and bse is not None:
                j = 1 + cols.index(t_k)
                est, se = float(fe[j]), float(bse[j])
                z = est / se if se > 0 else np.nan
                p = float(2 * stats.norm.sf(abs(z))) if np.isfinite(z) else np.nan
                lo, hi = est - _Z975 * se, est + _Z975 * se
                row_note = note
            else:
                est = se = z = p = lo = hi = np.nan
                row_note = note or "no observations at this time"
            rows.append(
                {
                    **base_row,
                    "time_h": float(t),
                    "estimate": est,
                    "se": se,
                    "z": z,
                    "p": p,
                    "ci_low": lo,
                    "ci_high": hi,
                    "var_subject": var_s,
                    "var_residual": var_r,
                    "converged": converged,
                    "note": row_note,
                }
            )
    cols_out = [
        "analyte",
        "stimulus",
        "time_h",
        "estimate",
        "se",
        "z",
        "p",
        "ci_low",
        "ci_high",
        "n_obs",
        "n_subjects",
        "var_subject",
        "var_residual",
        "converged",
        "note",
    ]
    out = pd.DataFrame(rows, columns=cols_out)
    out["transform"] = transform
    return out


# ------------------------------------------------------------------------------------------
# everything together


@dataclass(frozen=True)
class AnalysisResult:
    """The outputs of :func:`analyze_biomarkers`.

    Attributes
    ----------
    table : DataFrame
        :func:`compute_change_table`.
    missing : DataFrame
        :func:`get_missing_report`.
    hamd : DataFrame
        :func:`get_hamd_summary`.
    mixed : DataFrame or None
        :func:`fit_mixed_models` (None when not requested).
    transform : str
    post_h : tuple of float
        The later times in the table.
    n_subjects : int
    """

    table: pd.DataFrame
    missing: pd.DataFrame
    hamd: pd.DataFrame
    mixed: pd.DataFrame | None
    transform: str
    post_h: tuple[float, ...]
    n_subjects: int

    def get_summary(self, alpha: float = 0.05) -> dict[str, Any]:
        """A JSON-ready summary: settings, counts and the lines with q < alpha."""
        tab = self.table
        sig = tab.loc[
            tab["q_fdr"] < alpha,
            ["analyte", "stimulus", "time_h", "mean_change", "p_ttest", "q_fdr", "dz"],
        ]
        corr = tab.loc[
            tab["p_pearson"] < alpha, ["analyte", "stimulus", "time_h", "r_pearson", "p_pearson"]
        ]
        miss = self.missing
        return {
            "transform": self.transform,
            "post_h": list(self.post_h),
            "n_subjects": self.n_subjects,
            "n_lines": len(tab),
            "n_significant_fdr": len(sig),
            "significant_fdr": sig.to_dict(orient="records"),
            "correlated_with_hamd_p_lt_alpha": corr.to_dict(orient="records"),
            "missing": {
                "n_values_missing": int(miss["n_missing_value"].sum()),
                "n_rows_absent": int(miss["n_no_row"].sum()),
                "n_no_basal_partner": int(miss["n_no_partner"].sum()),
                "lines_with_exclusions": int((tab["n_excluded"] > 0).sum()),
                "handling": "paired tests and correlations use complete pairs only (excluded "
                "subjects counted in n_excluded); mixed models use every observation "
                "(valid under missing at random); nothing is imputed",
            },
            "mixed_models_fitted": self.mixed is not None,
            "mixed_models_not_converged": (
                int((~self.mixed["converged"]).sum()) if self.mixed is not None else 0
            ),
        }


def analyze_biomarkers(
    data: pd.DataFrame,
    post_h: Sequence[float] | float | None = None,
    transform: str = "raw",
    mixed: bool = True,
) -> AnalysisResult:
    """Run the whole biomarker analysis: change table, missing-data report, HAM-D summary and
    (optionally) mixed models.

    Parameters
    ----------
    data : DataFrame
        Canonical long frame (from :func:`~brexsim.analysis.data.read_biomarkers`,
        :func:`~brexsim.analysis.data.validate_biomarkers`, or a simulated cohort).
    post_h : float, sequence or None
        Later time(s), h; None = all.
    transform : ``"raw"``, ``"induced"`` or ``"log"``
    mixed : bool
        Fit the mixed models as well.

    Examples
    --------
    >>> from brexsim.analysis.data import make_example_dataset
    >>> res = analyze_biomarkers(make_example_dataset(0), post_h=60, mixed=False)
    >>> res.get_summary()["n_lines"]
    10
    """
    if not isinstance(data, pd.DataFrame):
        raise BrexsimInputError("data", type(data).__name__, "a pandas DataFrame")
    table = compute_change_table(data, post_h=post_h, transform=transform)
    return AnalysisResult(
        table=table,
        missing=get_missing_report(data, transform),
        hamd=get_hamd_summary(data),
        mixed=fit_mixed_models(data, transform) if mixed else None,
        transform=transform,
        post_h=tuple(float(t) for t in sorted(table["time_h"].unique())),
        n_subjects=int(data["subject"].nunique()),
    )
