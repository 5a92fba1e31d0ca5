"""Plots (forest, spaghetti, correlation, calibration) and a self-contained HTML report.

Figures are made with :class:`matplotlib.figure.Figure` (no pyplot state, no display needed)
and embedded in the HTML as base64 PNGs, so the report is one file that opens anywhere.
"""

from __future__ import annotations

from brexsim.analysis.report._figures import (
    figure_to_png,
    plot_calibration,
    plot_correlations,
    plot_forest,
    plot_spaghetti,
)
from brexsim.analysis.report._html import DISCLAIMER, build_analysis_sections, render_html_report

__all__ = [
    "DISCLAIMER",
    "build_analysis_sections",
    "figure_to_png",
    "plot_calibration",
    "plot_correlations",
    "plot_forest",
    "plot_spaghetti",
    "render_html_report",
]
