"""Figures and HTML pages of ``brexsim sensitivity`` and ``brexsim optimize``.

Every interval drawn is checked first (:func:`brexsim.report.intervals.get_error_bars`). The
``draw_*`` functions return a :class:`matplotlib.figure.Figure` (no pyplot state, so the web
app can draw them from any thread, :mod:`brexsim.app.decision`); the ``plot_*`` functions save
the same figure as a PNG.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from brexsim.report.intervals import get_error_bars

__all__ = [
    "FLAG_NOTE",
    "draw_convergence",
    "draw_morris",
    "draw_pareto",
    "draw_sobol_bars",
    "plot_convergence",
    "plot_morris",
    "plot_pareto",
    "plot_sobol_bars",
    "write_html",
]


#: Legend entry of the points outside the studied range (issue 17 item 4).
FLAG_NOTE = "outside the studied range (flagged)"


def _save(fig: Figure, path: Path) -> Path:
    fig.savefig(path, dpi=110)
    return path


def _subplots(ncols: int, figsize: tuple[float, float]) -> tuple[Figure, Any]:
    fig = Figure(figsize=figsize, layout="tight")
    return fig, fig.subplots(1, ncols, squeeze=False)


def _short(name: str) -> str:
    return name.split(".", 1)[1] if "." in name else name


def plot_sobol_bars(indices: pd.DataFrame, path: Path) -> Path:
    """:func:`draw_sobol_bars` saved as a PNG."""
    return _save(draw_sobol_bars(indices), path)


def draw_sobol_bars(indices: pd.DataFrame) -> Figure:
    """One panel per output: parameters ranked by ST, bars of S1 and ST with 95 % intervals.

    >>> t = pd.DataFrame({"output": "y", "parameter": ["a", "b"], "S1": [0.1, 0.5],
    ...     "S1_low": [0.0, 0.4], "S1_high": [0.2, 0.6], "ST": [0.2, 0.7],
    ...     "ST_low": [0.1, 0.6], "ST_high": [0.3, 0.8]})
    >>> len(draw_sobol_bars(t).axes)
    1
    """
    outs = list(dict.fromkeys(indices["output"]))
    fig, axes = _subplots(len(outs), (5.5 * len(outs), 0.35 * indices.parameter.nunique() + 1.8))
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
    return fig


def plot_convergence(conv: pd.DataFrame, path: Path, top: int = 5) -> Path:
    """:func:`draw_convergence` saved as a PNG."""
    return _save(draw_convergence(conv, top), path)


def draw_convergence(conv: pd.DataFrame, top: int = 5) -> Figure:
    """ST (and S1, dashed) of each output's ``top`` parameters against the base sample size."""
    outs = list(dict.fromkeys(conv["output"]))
    fig, axes = _subplots(len(outs), (5.5 * len(outs), 4))
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
    return fig


def plot_morris(table: pd.DataFrame, path: Path) -> Path:
    """:func:`draw_morris` saved as a PNG."""
    return _save(draw_morris(table), path)


def draw_morris(table: pd.DataFrame) -> Figure:
    """mu* against sigma per output (Morris screening)."""
    outs = list(dict.fromkeys(table["output"]))
    fig, axes = _subplots(len(outs), (5 * len(outs), 4))
    for ax, out in zip(axes[0], outs, strict=True):
        d = table[table.output == out]
        err = get_error_bars(f"mu_star of {out}", d.mu_star, d.mu_star_low, d.mu_star_high)
        ax.errorbar(d.mu_star, d.sigma, xerr=err, fmt="o", ms=4, capsize=2)
        for _, r in d.nlargest(5, "mu_star").iterrows():
            ax.annotate(_short(r.parameter), (r.mu_star, r.sigma), fontsize=7)
        ax.set_xlabel("mu* (output units)")
        ax.set_ylabel("sigma")
        ax.set_title(f"{out}: Morris screening")
    return fig


def plot_pareto(
    trials: pd.DataFrame,
    objective: str,
    x: str,
    path: Path,
    feasible_col: str = "feasible",
    references: pd.DataFrame | None = None,
    front: Sequence[int] | None = None,
) -> Path:
    """:func:`draw_pareto` saved as a PNG."""
    return _save(draw_pareto(trials, objective, x, feasible_col, references, front), path)


def draw_pareto(
    trials: pd.DataFrame,
    objective: str,
    x: str,
    feasible_col: str = "feasible",
    references: pd.DataFrame | None = None,
    front: Sequence[int] | None = None,
) -> Figure:
    """``objective`` against ``x`` for every trial (feasible filled, infeasible hollow), the
    Pareto front joined, trials outside the studied range (a non-empty ``flags`` column) ringed
    in red, and reference regimens (e.g. the approved 60-h one) marked with a star.

    >>> t = pd.DataFrame({"hamd_change_h60": [-5.0, -6.0], "infusion_hours": [24.0, 60.0],
    ...                   "feasible": [True, True], "flags": ["", ""]})
    >>> draw_pareto(t, "hamd_change_h60", "infusion_hours", front=[0, 1]).axes[0].get_xlabel()
    'infusion_hours'
    """
    fig = Figure(figsize=(6.5, 4.5), layout="tight")
    ax = fig.subplots()
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
    if "flags" in trials:
        off = trials["flags"].fillna("").astype(str).str.len().to_numpy() > 0
        if off.any():
            ax.scatter(trials[x][off], trials[objective][off], s=60, facecolors="none",
                       edgecolors="tab:red", lw=0.8, label=FLAG_NOTE)  # fmt: skip
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
    return fig


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
