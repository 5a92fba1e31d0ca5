"""Biomarker report, the self-contained HTML page and the sections of an analysis (split from
``report``; see the package docstring).
"""

from __future__ import annotations

import base64
import html
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from brexsim.analysis.stats import AnalysisResult

#: Printed on every report.
DISCLAIMER = (
    "Research output of brexsim. Not a diagnostic test and not dosing or treatment advice "
    "for any patient."
)


_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:2em;
max-width:1200px;color:#222}
h1{font-size:1.5em}h2{font-size:1.2em;border-bottom:1px solid #ccc;padding-bottom:.2em}
table{border-collapse:collapse;font-size:.8em;margin:.5em 0}
th,td{border:1px solid #ddd;padding:.25em .5em;text-align:right}
th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}
.note{background:#fff8e1;border-left:4px solid #f0b400;padding:.5em 1em}
img{max-width:100%;height:auto;border:1px solid #eee}
code{background:#f5f5f5;padding:0 .2em}
"""


def _fmt_table(df: pd.DataFrame, float_format: str = "{:.4g}") -> str:
    def fmt(v: Any) -> str:
        if isinstance(v, float | np.floating):
            return "" if not np.isfinite(v) else float_format.format(float(v))
        return str(v)

    return df.map(fmt).to_html(index=False, escape=True)


def render_html_report(
    title: str,
    sections: Sequence[tuple[str, Sequence[Any]]],
    provenance: Mapping[str, Any],
) -> str:
    """A self-contained HTML page.

    Parameters
    ----------
    title : str
    sections : sequence of ``(heading, blocks)``
        Each block is a ``str`` (a paragraph of plain text, escaped), a ``DataFrame`` (a
        table), ``bytes`` (a PNG image, embedded as base64) or a ``(caption, bytes)`` pair.
    provenance : mapping
        Printed at the end (version, parameter hash, command, ...).

    Examples
    --------
    >>> page = render_html_report("t", [("A", ["text", pd.DataFrame({"x": [1.0]})])], {"v": 1})
    >>> page.startswith("<!DOCTYPE html>") and "Not a diagnostic test" in page
    True
    """
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        f'<p class="note">{html.escape(DISCLAIMER)}</p>',
    ]
    for heading, blocks in sections:
        parts.append(f"<h2>{html.escape(heading)}</h2>")
        for b in blocks:
            if isinstance(b, pd.DataFrame):
                parts.append(_fmt_table(b))
            elif isinstance(b, bytes):
                parts.append(_img(b, ""))
            elif isinstance(b, tuple) and len(b) == 2 and isinstance(b[1], bytes):
                parts.append(_img(b[1], str(b[0])))
            else:
                parts.append(f"<p>{html.escape(str(b))}</p>")
    parts.append("<h2>Provenance</h2><table>")
    for k, v in provenance.items():
        parts.append(f"<tr><th>{html.escape(str(k))}</th><td>{html.escape(str(v))}</td></tr>")
    parts.append("</table></body></html>")
    return "\n".join(parts)


def _img(png: bytes, caption: str) -> str:
    b64 = base64.b64encode(png).decode("ascii")
    cap = f"<figcaption>{html.escape(caption)}</figcaption>" if caption else ""
    alt = html.escape(caption)
    return f'<figure><img alt="{alt}" src="data:image/png;base64,{b64}">{cap}</figure>'


def build_analysis_sections(
    result: AnalysisResult,
    figures: Mapping[str, bytes],
    input_info: Mapping[str, Any],
) -> list[tuple[str, list[Any]]]:
    """The sections of the ``brexsim analyze`` report (see :func:`render_html_report`)."""
    tab = result.table
    main_cols = [
        "analyte",
        "stimulus",
        "time_h",
        "n",
        "mean_change",
        "mean_change_ci_low",
        "mean_change_ci_high",
        "p_ttest",
        "p_wilcoxon",
        "q_fdr",
        "dz",
        "dz_ci_low",
        "dz_ci_high",
    ]
    corr_cols = [
        "analyte",
        "stimulus",
        "time_h",
        "n_corr",
        "r_pearson",
        "r_pearson_ci_low",
        "r_pearson_ci_high",
        "p_pearson",
        "r_spearman",
        "p_spearman",
    ]
    summ = result.get_summary()
    sections: list[tuple[str, list[Any]]] = [
        (
            "Data",
            [
                f"File: {input_info.get('file', '')} (sha256 {input_info.get('sha256', '')[:16]}). "
                f"{result.n_subjects} subjects; transform '{result.transform}'; later times "
                f"{', '.join(f'{t:g}' for t in result.post_h)} h versus baseline (0 h).",
            ],
        ),
        (
            "Change from baseline",
            [
                "Paired t-test and Wilcoxon signed-rank test on complete pairs; q_fdr is the "
                "Benjamini-Hochberg adjusted t-test p-value across all lines of the table; dz "
                "is the mean change divided by the SD of the changes, with an exact 95% CI.",
                tab[main_cols],
            ],
        ),
        (
            "Correlation with HAM-D-17 improvement",
            [
                "Change in each biomarker against the HAM-D-17 improvement (baseline minus "
                "later score) over the same interval. 95% CIs by Fisher's z.",
                tab[corr_cols],
            ],
        ),
    ]
    figs = []
    for name, cap in (
        ("forest", "Forest plot of effect sizes"),
        ("spaghetti", "Individual trajectories and mean (95% CI)"),
        ("correlation", "Biomarker change versus HAM-D-17 improvement"),
    ):
        if name in figures:
            figs.append((cap, figures[name]))
    sections.append(("Figures", figs))
    if result.mixed is not None:
        mm = result.mixed[
            [
                "analyte",
                "stimulus",
                "time_h",
                "estimate",
                "se",
                "p",
                "ci_low",
                "ci_high",
                "n_obs",
                "n_subjects",
                "converged",
            ]
        ]
        sections.append(
            (
                "Linear mixed models",
                [
                    "value ~ time (categorical, baseline as reference) + random intercept per "
                    "subject, REML, using every available observation (valid under missing at "
                    "random). Estimates are model-based mean changes from baseline.",
                    mm,
                ],
            )
        )
    miss = result.missing
    sections.append(
        (
            "Missing data",
            [
                summ["missing"]["handling"] + ".",
                f"Missing values: {summ['missing']['n_values_missing']}; absent rows: "
                f"{summ['missing']['n_rows_absent']}; stimulated values without a basal "
                f"partner: {summ['missing']['n_no_basal_partner']}.",
                miss[miss["n_observed"] < miss["n_subjects"]]
                if (miss["n_observed"] < miss["n_subjects"]).any()
                else "No missing values.",
            ],
        )
    )
    sections.append(("HAM-D-17", [result.hamd]))
    return sections
