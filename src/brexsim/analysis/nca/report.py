"""NCA report: per-subject semi-log plots (λz points highlighted) and the HTML page."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import LogFormatter

from brexsim.analysis.nca.run import NCAResult
from brexsim.analysis.report import figure_to_png, render_html_report

__all__ = ["REPORT_COLUMNS", "build_nca_html", "plot_subject_profiles"]

#: Columns of the per-subject table in the report (nca.csv has them all).
REPORT_COLUMNS = (
    "subject",
    "route",
    "dose_mg",
    "cmax",
    "tmax",
    "clast",
    "tlast",
    "auclast",
    "aucinf",
    "auc_pct_extrap",
    "lambda_z",
    "lambda_z_adj_r2",
    "lambda_z_n",
    "t_half",
    "cl",
    "vz",
    "vss",
    "flag",
)
_PER_FIGURE = 9


def plot_subject_profiles(result: NCAResult, per_figure: int = _PER_FIGURE) -> list[Figure]:
    """Semi-log concentration-time plots, up to ``per_figure`` subjects per figure.

    Samples are dots, the points used for λz are filled red with the fitted line, BLQ values
    kept as 0 are drawn as triangles on the lower edge; a subject without λz says why.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from brexsim.analysis.nca import run_nca
    >>> t = np.array([0.5, 1, 2, 4, 8])
    >>> res = run_nca(pd.DataFrame({"subject": "A", "time_h": t, "conc": 9 * np.exp(-t / 3)}))
    >>> len(plot_subject_profiles(res))
    1
    """
    subjects = list(result.profiles)
    figs = []
    for k in range(0, len(subjects), per_figure):
        chunk = subjects[k : k + per_figure]
        ncol = min(3, len(chunk))
        nrow = math.ceil(len(chunk) / ncol)
        fig = Figure(figsize=(4.2 * ncol, 3.2 * nrow), layout="constrained")
        axes = np.atleast_1d(fig.subplots(nrow, ncol, squeeze=False)).ravel()
        for ax, sid in zip(axes, chunk, strict=False):
            _plot_one(ax, result, sid)
        for ax in axes[len(chunk) :]:
            ax.set_axis_off()
        figs.append(fig)
    return figs


def _plot_one(ax: Any, result: NCAResult, sid: str) -> None:
    prof = result.profiles[sid]
    t, c, fit = prof.time_h, prof.conc, prof.fit
    pos = c > 0
    ax.set_yscale("log")
    ax.plot(t[pos], c[pos], "o-", color="#555", ms=3, lw=0.8, label="samples")
    lo = float(c[pos].min()) / 3.0
    if (~pos).any():
        ax.plot(t[~pos], np.full((~pos).sum(), lo), "v", color="#999", ms=4, label="BLQ (0)")
    if fit.ok:
        used = np.isin(t, fit.times_h)
        ax.plot(t[used], c[used], "o", color="#c62828", ms=5, label=f"λz points (n={fit.n_points})")
        tl = np.linspace(fit.t_first, fit.t_last, 50)
        ax.plot(tl, np.exp(fit.intercept - fit.lambda_z * tl), "-", color="#c62828", lw=1.2)
        txt = f"λz = {fit.lambda_z:.4g} 1/h, t½ = {fit.t_half:.4g} h\nadj R² = {fit.adj_r2:.4f}"
    else:
        txt = "λz not estimated:\n" + _wrap(fit.reason, 45)
    ax.text(0.98, 0.97, txt, transform=ax.transAxes, ha="right", va="top", fontsize=7)
    ax.set_ylim(bottom=lo / 1.5)
    ax.set_title(
        f"subject {sid} ({result.subjects.set_index('subject').loc[sid, 'route']})", fontsize=9
    )
    ax.set_xlabel("time after first dose (h)", fontsize=8)
    ax.set_ylabel("concentration (ng/mL)", fontsize=8)
    ax.tick_params(which="both", labelsize=7)
    ax.yaxis.set_major_formatter(LogFormatter())
    ax.yaxis.set_minor_formatter(LogFormatter(labelOnlyBase=False, minor_thresholds=(1.5, 0.6)))
    ax.legend(fontsize=6, loc="best")


def _wrap(text: str, width: int) -> str:
    words, lines, cur = text.split(), [], ""
    for w in words:
        if cur and len(cur) + len(w) + 1 > width:
            lines.append(cur)
            cur = w
        else:
            cur = f"{cur} {w}".strip()
    return "\n".join([*lines, cur])


def build_nca_html(
    result: NCAResult,
    title: str,
    provenance: Mapping[str, Any],
    input_info: Mapping[str, Any],
) -> str:
    """The self-contained HTML report (tables, methods and embedded PNG plots).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from brexsim.analysis.nca import run_nca
    >>> t = np.array([0.5, 1, 2, 4, 8])
    >>> res = run_nca(pd.DataFrame({"subject": "A", "time_h": t, "conc": 9 * np.exp(-t / 3)}))
    >>> page = build_nca_html(res, "NCA", {"v": 1}, {"file": "x.csv"})
    >>> "data:image/png;base64," in page and "lambda_z" in page
    True
    """
    s = result.settings
    blq = ", ".join(f"{k}={v}" for k, v in s["blq"].items())
    methods = (
        f"AUC: {s['auc_method']} (PKNCA auc.method; log trapezoid on falling intervals with "
        "both ends > 0). λz: log-linear least squares on the last >= "
        f"{s['min_points']} positive concentrations after tmax"
        f"{' (tmax allowed)' if s['allow_tmax'] else ''} and after the end of dosing; best "
        f"adjusted R² within {s['adj_r2_factor']:g} (PKNCA adj.r.squared.factor), then most "
        f"points; λz > 0. BLQ: {blq} (keep = set to 0). Units: time h, concentration ng/mL, "
        "dose mg, AUC ng·h/mL, CL L/h (CL/F after extravascular doses), volumes L."
    )
    info = pd.DataFrame(
        {"item": [str(k) for k in input_info], "value": [str(v) for v in input_info.values()]}
    )
    units = pd.DataFrame({"column": list(result.units), "unit": list(result.units.values())})
    cols = [c for c in REPORT_COLUMNS if c in result.subjects.columns]
    figs = [
        (f"Semi-log profiles, figure {i + 1}", figure_to_png(f))
        for i, f in enumerate(plot_subject_profiles(result))
    ]
    sections = [
        ("Input", [info]),
        ("Methods", [methods]),
        ("Per-subject parameters", [result.subjects[cols]]),
        ("Summary", [result.summary]),
        ("Concentration-time profiles", figs),
        ("Units", [units]),
    ]
    return render_html_report(title, sections, provenance)
