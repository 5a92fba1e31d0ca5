"""Biomarker report, the figures: PNG encoding, forest, spaghetti, correlation and calibration
plots (split from ``report``; see the package docstring).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from brexsim.analysis.data import HAMD_ANALYTE
from brexsim.analysis.stats import get_change_matrix


def plot_forest(table: pd.DataFrame, alpha: float = 0.05) -> Figure:
    """Forest plot of the effect size dz (95 % CI) per line of the change table.

    Lines with ``q_fdr < alpha`` are drawn filled, others open. dz is unit-free, so analytes
    measured in different units share one axis.

    Examples
    --------
    >>> from brexsim.analysis.data import make_example_dataset
    >>> from brexsim.analysis.stats import compute_change_table
    >>> fig = plot_forest(compute_change_table(make_example_dataset(0), post_h=60))
    >>> len(fig.axes)
    1
    """
    tab = table.reset_index(drop=True)
    n = len(tab)
    fig = Figure(figsize=(7.0, max(2.0, 0.28 * n + 1.2)))
    ax = fig.add_subplot()
    ypos = np.arange(n)[::-1]
    for yi, (_, row) in zip(ypos, tab.iterrows(), strict=True):
        sig = bool(row["q_fdr"] < alpha) if np.isfinite(row["q_fdr"]) else False
        color = {"basal": "tab:blue", "LPS": "tab:red", "IMQ": "tab:purple"}.get(
            row["stimulus"], "tab:gray"
        )
        if np.isfinite(row["dz_ci_low"]):
            ax.plot([row["dz_ci_low"], row["dz_ci_high"]], [yi, yi], color=color, lw=1.5)
        if np.isfinite(row["dz"]):
            ax.plot(
                row["dz"],
                yi,
                "o",
                color=color,
                mfc=color if sig else "white",
                ms=6,
            )
    labels = [
        f"{r.analyte} {r.stimulus} {r.time_h:g} h (n={r.n})" for r in tab.itertuples(index=False)
    ]
    ax.set_yticks(ypos, labels, fontsize=8)
    ax.axvline(0.0, color="k", lw=0.8)
    ax.set_xlabel("effect size dz = mean change / SD of change (95% CI)")
    ax.set_title(f"Change from baseline (filled: BH q < {alpha:g})", fontsize=10)
    ax.grid(axis="x", alpha=0.3)
    return fig


def _grid(n: int) -> tuple[int, int]:
    ncol = min(3, max(1, n))
    return int(np.ceil(n / ncol)), ncol


def plot_spaghetti(
    data: pd.DataFrame,
    transform: str = "raw",
    max_subjects: int = 60,
    seed: int = 0,
    include_hamd: bool = True,
) -> Figure:
    """One panel per analyte x stimulus: each subject's trajectory (thin lines) and the mean
    with its 95 % CI (thick). With more than ``max_subjects`` subjects a random subset of
    lines is drawn (the mean uses everyone) and the panel says so.

    Examples
    --------
    >>> from brexsim.analysis.data import make_example_dataset
    >>> fig = plot_spaghetti(make_example_dataset(0), transform="log")
    >>> len([a for a in fig.axes if a.get_visible()])
    11
    """
    cm = get_change_matrix(data, transform)
    panels = [(a, s, cm.values[g]) for g, (a, s) in enumerate(cm.groups)]
    units = list(cm.units)
    if include_hamd and np.isfinite(cm.hamd).any():
        panels.append((HAMD_ANALYTE, "basal", cm.hamd))
        units.append("points")
    nrow, ncol = _grid(len(panels))
    fig = Figure(figsize=(4.0 * ncol, 2.8 * nrow), layout="constrained")
    axes = fig.subplots(nrow, ncol, squeeze=False).ravel()
    rng = np.random.default_rng(seed)
    S = cm.subjects.size
    shown = np.arange(S) if S <= max_subjects else np.sort(rng.choice(S, max_subjects, False))
    t = cm.times_h
    for ax, (a, s, v), unit in zip(axes, panels, units, strict=False):
        for i in shown:
            ok = ~np.isnan(v[i])
            ax.plot(t[ok], v[i, ok], color="0.6", lw=0.6, alpha=0.7)
        with np.errstate(all="ignore"):
            n = (~np.isnan(v)).sum(axis=0)
            mean = np.where(n > 0, np.nansum(v, axis=0) / np.maximum(n, 1), np.nan)
            sd = np.sqrt(np.nansum((v - mean) ** 2, axis=0) / np.maximum(n - 1, 1))
            half = 1.96 * sd / np.sqrt(np.maximum(n, 1))
        ax.fill_between(t, mean - half, mean + half, color="tab:blue", alpha=0.2, lw=0)
        ax.plot(t, mean, color="tab:blue", lw=2.0, marker="o", ms=3)
        sub = "" if S <= max_subjects else f" ({max_subjects} of {S} shown)"
        ax.set_title(f"{a} {s}{sub}", fontsize=9)
        ax.set_xlabel("time (h)", fontsize=8)
        ax.set_ylabel(unit or "value", fontsize=8)
        ax.tick_params(labelsize=7)
    for ax in axes[len(panels) :]:
        ax.set_visible(False)
    return fig


def plot_correlations(data: pd.DataFrame, table: pd.DataFrame, post_h: float) -> Figure:
    """Scatter of each biomarker change (baseline to ``post_h``) against HAM-D-17 improvement
    over the same interval, with the least-squares line and Pearson r, p from ``table``.

    Examples
    --------
    >>> from brexsim.analysis.data import make_example_dataset
    >>> from brexsim.analysis.stats import compute_change_table
    >>> d = make_example_dataset(0)
    >>> fig = plot_correlations(d, compute_change_table(d, post_h=60), 60)
    >>> len([a for a in fig.axes if a.get_visible()])
    10
    """
    transform = str(table["transform"].iloc[0]) if len(table) else "raw"
    cm = get_change_matrix(data, transform)
    k = int(np.flatnonzero(np.isclose(cm.times_h, float(post_h)))[0])
    impr = cm.hamd[:, 0] - cm.hamd[:, k]
    nrow, ncol = _grid(len(cm.groups))
    fig = Figure(figsize=(4.0 * ncol, 2.8 * nrow), layout="constrained")
    axes = fig.subplots(nrow, ncol, squeeze=False).ravel()
    for ax, (g, (a, s)) in zip(axes, enumerate(cm.groups), strict=False):
        d = cm.values[g, :, k] - cm.values[g, :, 0]
        ok = ~np.isnan(d) & ~np.isnan(impr)
        ax.plot(impr[ok], d[ok], "o", ms=3, color="tab:blue", alpha=0.7)
        if ok.sum() >= 3 and np.ptp(impr[ok]) > 0:
            b1, b0 = np.polyfit(impr[ok], d[ok], 1)
            xx = np.linspace(impr[ok].min(), impr[ok].max(), 2)
            ax.plot(xx, b0 + b1 * xx, color="tab:red", lw=1.2)
        t = cm.times_h[k]
        row = table.loc[
            (table["analyte"] == a) & (table["stimulus"] == s) & np.isclose(table["time_h"], t)
        ]
        if len(row) and np.isfinite(row["r_pearson"].iloc[0]):
            lab = f"r={row['r_pearson'].iloc[0]:.2f}, p={row['p_pearson'].iloc[0]:.2g}"
        else:
            lab = "r not defined"
        ax.set_title(f"{a} {s}, 0-{t:g} h: {lab}", fontsize=9)
        ax.set_xlabel("HAM-D-17 improvement (points)", fontsize=8)
        ax.set_ylabel(f"change ({cm.units[g] or 'value'})", fontsize=8)
        ax.tick_params(labelsize=7)
    for ax in axes[len(cm.groups) :]:
        ax.set_visible(False)
    return fig


def plot_calibration(cv_results: Mapping[str, Any]) -> Figure:
    """Calibration curves (observed fraction vs mean predicted probability, out-of-fold) of
    each cross-validated model, with the diagonal of perfect calibration.

    ``cv_results`` maps a name to a :class:`~brexsim.analysis.predict.CVResult`.
    """
    fig = Figure(figsize=(4.5, 4.2))
    ax = fig.add_subplot()
    ax.plot([0, 1], [0, 1], "k--", lw=0.8, label="perfect")
    for name, cv in cv_results.items():
        c = cv.calibration
        ax.plot(
            c["mean_predicted"],
            c["observed_fraction"],
            "o-",
            label=f"{name}: AUC {cv.auc:.2f}, Brier {cv.brier:.3f}",
        )
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("mean predicted probability (out of fold)")
    ax.set_ylabel("observed fraction")
    ax.legend(fontsize=7, loc="upper left")
    ax.set_title("Calibration (cross-validated)", fontsize=10)
    return fig
