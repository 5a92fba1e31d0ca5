"""Figures and HTML pages of ``brexsim sensitivity`` and ``brexsim optimize``.

Every interval drawn is checked first (:func:`brexsim.report.intervals.get_error_bars`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from brexsim.report.intervals import get_error_bars

__all__ = [
    "plot_convergence",
    "plot_morris",
    "plot_pareto",
    "plot_sobol_bars",
    "write_html",
]


def _save(fig: Any, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _short(name: str) -> str:
    return name.split(".", 1)[1] if "." in name else name


def plot_sobol_bars(indices: pd.DataFrame, path: Path) -> Path:
    """One panel per output: parameters ranked by ST, bars of S1 and ST with 95 % intervals."""
    outs = list(dict.fromkeys(indices["output"]))
    fig, axes = plt.subplots(
        1,
        len(outs),
        figsize=(5.5 * len(outs), 0.35 * indices.parameter.nunique() + 1.8),
        squeeze=False,
    )
    for ax, out in zip(axes[0], outs, strict=True):
        d = indices[indices.output == out].sort_values("ST", na_position="first")
        if d.ST.isna().all():
            ax.text(
                0.5, 0.5, "output constant over the design", ha="center", transform=ax.transAxes
            )
            ax.set_title(out)
            continue
        y = np.arange(len(d))
        for col, dy, color in (("S1", -0.2, "tab:blue"), ("ST", 0.2, "tab:orange")):
            est = d[col].to_numpy()
            err = get_error_bars(f"{col} of {out}", est, d[f"{col}_low"], d[f"{col}_high"])
            ax.barh(y + dy, est, height=0.38, xerr=err, color=color, label=col, capsize=2)
        ax.set_yticks(y, [_short(p) for p in d.parameter], fontsize=8)
        ax.axvline(0, color="k", lw=0.6)
        ax.set_xlabel("Sobol index (95 % bootstrap interval)")
        ax.set_title(out)
        ax.legend(loc="lower right", fontsize=8)
    return _save(fig, path)


def plot_convergence(conv: pd.DataFrame, path: Path, top: int = 5) -> Path:
    """ST (and S1, dashed) of each output's ``top`` parameters against the base sample size."""
    outs = list(dict.fromkeys(conv["output"]))
    fig, axes = plt.subplots(1, len(outs), figsize=(5.5 * len(outs), 4), squeeze=False)
    n_max = conv.n_base.max()
    for ax, out in zip(axes[0], outs, strict=True):
        d = conv[conv.output == out]
        last = d[d.n_base == n_max].dropna(subset=["ST"]).sort_values("ST", ascending=False)
        if last.empty:
            ax.text(
                0.5, 0.5, "output constant over the design", ha="center", transform=ax.transAxes
            )
            ax.set_title(f"{out}: convergence")
            continue
        for i, p in enumerate(last.parameter[:top]):
            s = d[d.parameter == p].sort_values("n_base")
            c = f"C{i}"
            ax.plot(s.n_base, s.ST, "-o", color=c, ms=3, label=f"{_short(p)} ST")
            ax.fill_between(s.n_base, s.ST_low, s.ST_high, color=c, alpha=0.15)
            ax.plot(s.n_base, s.S1, "--", color=c, lw=1)
        ax.set_xscale("log", base=2)
        ax.set_xlabel("base samples N (model runs = N x (k + 2))")
        ax.set_ylabel("index (ST solid with 95 % band, S1 dashed)")
        ax.set_title(f"{out}: convergence")
        ax.legend(fontsize=7)
    return _save(fig, path)


def plot_morris(table: pd.DataFrame, path: Path) -> Path:
    """mu* against sigma per output (Morris screening)."""
    outs = list(dict.fromkeys(table["output"]))
    fig, axes = plt.subplots(1, len(outs), figsize=(5 * len(outs), 4), squeeze=False)
    for ax, out in zip(axes[0], outs, strict=True):
        d = table[table.output == out]
        err = get_error_bars(f"mu_star of {out}", d.mu_star, d.mu_star_low, d.mu_star_high)
        ax.errorbar(d.mu_star, d.sigma, xerr=err, fmt="o", ms=4, capsize=2)
        for _, r in d.nlargest(5, "mu_star").iterrows():
            ax.annotate(_short(r.parameter), (r.mu_star, r.sigma), fontsize=7)
        ax.set_xlabel("mu* (output units)")
        ax.set_ylabel("sigma")
        ax.set_title(f"{out}: Morris screening")
    return _save(fig, path)


def plot_pareto(
    trials: pd.DataFrame,
    objective: str,
    x: str,
    path: Path,
    feasible_col: str = "feasible",
    references: pd.DataFrame | None = None,
    front: Sequence[int] | None = None,
) -> Path:
    """``objective`` against ``x`` for every trial (feasible filled, infeasible hollow), the
    Pareto front joined, and reference regimens (e.g. the approved 60-h one) marked."""
    fig, ax = plt.subplots(figsize=(6.5, 4.5))
    ok = trials[feasible_col].to_numpy(bool)
    ax.scatter(trials[x][ok], trials[objective][ok], s=14, color="tab:blue", label="feasible")
    ax.scatter(
        trials[x][~ok],
        trials[objective][~ok],
        s=14,
        facecolors="none",
        edgecolors="0.5",
        label="violates constraint",
    )
    if front is not None and len(front):
        f = trials.loc[list(front)].sort_values(x)
        ax.plot(f[x], f[objective], "-", color="tab:red", lw=1.5, label="Pareto front")
    if references is not None:
        for _, r in references.iterrows():
            ax.plot(r[x], r[objective], "*", ms=13, color="k")
            ax.annotate(
                str(r["name"]),
                (r[x], r[objective]),
                fontsize=8,
                xytext=(4, 4),
                textcoords="offset points",
            )
    ax.set_xlabel(x)
    ax.set_ylabel(objective)
    ax.legend(fontsize=8)
    ax.set_title(f"{objective} vs {x}")
    return _save(fig, path)


def write_html(
    path: Path,
    title: str,
    sections: Sequence[tuple[str, Sequence[Any]]],
    figures: Mapping[str, Path],
    provenance: Mapping[str, Any],
) -> Path:
    """The report page (:func:`brexsim.analysis.report.render_html_report`); ``figures`` maps a
    caption to a PNG already written."""
    from brexsim.analysis.report import render_html_report
    from brexsim.io.outputs import write_text

    figs = [(cap, Path(p).read_bytes()) for cap, p in figures.items()]
    page = render_html_report(title, [*sections, ("Figures", figs)], provenance)
    return write_text(path, page)
