"""Plots (forest, spaghetti, correlation, calibration) and a self-contained HTML report.

Figures are made with :class:`matplotlib.figure.Figure` (no pyplot state, no display needed)
and embedded in the HTML as base64 PNGs, so the report is one file that opens anywhere. The page
writer itself (:func:`render_html_report`, :func:`figure_to_png`, :data:`DISCLAIMER`) lives in
:mod:`brexsim.io.html`, which every report (trial, fit, decision) uses; it is re-exported here.
"""

from __future__ import annotations

from brexsim.analysis.report._figures import (
    plot_calibration,
    plot_correlations,
    plot_forest,
    plot_spaghetti,
)
from brexsim.analysis.report._html import build_analysis_sections
from brexsim.io.html import DISCLAIMER, figure_to_png, render_html_report

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
