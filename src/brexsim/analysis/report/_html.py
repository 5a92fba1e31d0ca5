"""Biomarker report, the self-contained HTML page and the sections of an analysis (split from
``report``; see the package docstring).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from brexsim.analysis.stats import AnalysisResult


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
