"""The HTML report and the summary of a VPC run (:func:`build_vpc_html`, :func:`get_vpc_summary`).

Examples
--------
>>> import pandas as pd
>>> from brexsim.analysis.vpc import compute_vpc
>>> obs = pd.DataFrame({"time_h": [1.0, 2.0], "dvid": "hamd", "dv": [10.0, 8.0], "blq": False})
>>> res = compute_vpc(obs, pd.concat([obs.assign(replicate=r) for r in range(40)]), "hamd")
>>> get_vpc_summary(res)["n_observed"], "<img" in build_vpc_html([res], {}, {"v": 1}, {})
(2, False)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from brexsim.analysis.report import render_html_report
from brexsim.analysis.vpc.core import VPCResult
from brexsim.analysis.vpc.stats import get_expected_miss_rate

__all__ = ["METHOD_TEXT", "build_vpc_html", "get_vpc_summary"]

#: How the check is computed, as printed in the report (details: docs/vpc.md).
METHOD_TEXT = (
    "Percentiles are R's quantile type 7 (linear interpolation). In each time bin the observed "
    "percentiles are drawn as lines; for each percentile the same percentile is computed in "
    "every simulated replicate study of the spec, and the shaded band is the interval of "
    "those replicate percentiles ((1 - ci)/2 to (1 + ci)/2 quantiles).",
    "BLQ records rank below every quantified value (the vpc R package's rule): a percentile "
    "whose lower order statistic is BLQ is below the LLOQ and is not drawn; the lower panel "
    "shows the fraction of BLQ records, observed against its simulated interval.",
    "Prediction correction (Bergstrand et al. 2011): pcDV = lb + (DV - lb)(PRED_bin - lb)/"
    "(PRED - lb), PRED the typical patient's prediction (eta = 0, 70 kg) on the record's arm "
    "regimen, PRED_bin the median PRED of the observed records of the bin; records with "
    "PRED <= lb (placebo or pre-dose concentrations, PRED = 0) cannot be corrected and are "
    "left out of a pcVPC, observed and simulated alike.",
)


def get_vpc_summary(result: VPCResult) -> dict[str, Any]:
    """A JSON-ready summary of one VPC: settings, bins, record counts and coverage.

    ``coverage`` per stratum and statistic: the bins whose observed value lies inside the
    simulated interval (a reading aid, not a test).
    """
    t = result.to_frame()
    first = t.drop_duplicates(["stratum", "bin"])
    cov = result.get_coverage()
    return {
        "dvid": result.dvid,
        "unit": result.unit,
        "pred_corrected": result.pred_corrected,
        "stratify_by": result.stratify_by,
        "strata": list(result.strata),
        "pi": list(result.pi),
        "ci": result.ci,
        "n_replicates": result.n_replicates,
        "binning": result.binning,
        "bin_edges_h": list(result.edges),
        "lloq": result.lloq,
        "n_observed": int(first["n_obs"].sum()),
        "n_observed_blq": int(first["n_obs_blq"].sum()),
        "observed_by_stratum": {
            str(s): {"n": int(g["n_obs"].sum()), "n_blq": int(g["n_obs_blq"].sum())}
            for s, g in first.groupby("stratum", sort=False)
        },
        "excluded": dict(result.excluded),
        "expected_outside_fraction": get_expected_miss_rate(result.n_replicates, result.ci),
        "coverage": [
            {
                "stratum": r.stratum,
                "statistic": r.statistic,
                "n_bins": int(r.n_bins),
                "n_inside": int(r.n_inside),
            }
            for r in cov.itertuples(index=False)
        ],
    }


def _coverage_table(result: VPCResult) -> pd.DataFrame:
    cov = result.get_coverage()
    return pd.DataFrame(
        {
            "stratum": cov["stratum"],
            "statistic": cov["statistic"],
            "bins inside the interval": [
                f"{a} of {b}" for a, b in zip(cov["n_inside"], cov["n_bins"], strict=True)
            ],
        }
    )


def _bin_table(result: VPCResult) -> pd.DataFrame:
    t = result.to_frame()
    keep = [
        "stratum",
        "bin_low_h",
        "bin_high_h",
        "time_h",
        "n_obs",
        "n_obs_blq",
        "statistic",
        "observed",
        "sim_low",
        "sim_median",
        "sim_high",
    ]
    out = t[keep].copy()
    for c in ("observed", "sim_low", "sim_median", "sim_high"):
        out[c] = [
            "< LLOQ" if b else ("" if pd.isna(v) else f"{v:.4g}")
            for v, b in zip(t[c], t[f"{c}_below_lloq"], strict=True)
        ]
    return out


def build_vpc_html(
    results: Sequence[VPCResult],
    figures: Mapping[str, bytes],
    provenance: Mapping[str, Any],
    input_info: Mapping[str, Any],
    title: str = "Visual predictive check",
) -> str:
    """The self-contained report: method, input, then per quantity its figure (PNG bytes from
    ``figures[dvid]``, when given), the coverage and the per-bin table."""
    sections: list[tuple[str, list[Any]]] = [("Method", list(METHOD_TEXT))]
    if input_info:
        sections.append(
            (
                "Input",
                [
                    pd.DataFrame(
                        {"item": list(input_info), "value": [str(v) for v in input_info.values()]}
                    )
                ],
            )
        )
    for res in results:
        kind = "pcVPC" if res.pred_corrected else "VPC"
        blocks: list[Any] = []
        if res.dvid in figures:
            blocks.append((f"{kind} of {res.dvid}", figures[res.dvid]))
        excluded = ", ".join(f"{k}: {v}" for k, v in res.excluded.items() if v)
        blocks.append(
            f"Bins: {res.binning}. {res.n_replicates} simulated replicates, "
            f"{res.ci * 100:g} % intervals; LLOQ "
            f"{'none' if res.lloq is None else f'{res.lloq:g} {res.unit}'}. "
            f"Records left out: {excluded or 'none'}. When the model is right, an observed "
            f"percentile falls outside its interval with a chance of about "
            f"{get_expected_miss_rate(res.n_replicates, res.ci) * 100:.1f} % (continuous data, "
            f"{res.n_replicates} replicates); bins share patients, so misses come in runs."
        )
        blocks.append(_coverage_table(res))
        blocks.append(_bin_table(res))
        sections.append((f"{kind}: {res.dvid}" + (f" ({res.unit})" if res.unit else ""), blocks))
    return render_html_report(title, sections, provenance)
