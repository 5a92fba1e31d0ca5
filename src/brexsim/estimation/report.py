"""The HTML report of a fit (``report.html`` of ``brexsim fit``): results, figures, provenance.

Sections, in order: the fit (method, convergence and its message, OFV, AIC, BIC, counts,
covariance step), warnings, the parameter table (estimate, SE, RSE %; NUTS: posterior median
and SD, with the posterior summary, R-hat and ESS), η-shrinkage, the starts, the
goodness-of-fit figure, one VPC section per observation type (figure, coverage, per-bin table;
built from the same helpers as ``brexsim vpc``'s report) and the provenance block (brexsim
version, parameter hash, seed, hypothesis, command, input file and its SHA-256). The page is
self-contained (figures embedded as base64 PNG) and rendered by
:func:`brexsim.analysis.report.render_html_report`.

Examples
--------
>>> est = {"method": "focei", "converged": True, "message": "converged", "ofv": 1.0,
...        "parameters": {"CL": {"estimate": 2.0, "se": 0.2, "rse_pct": 10.0}}, "warnings": []}
>>> page = build_fit_report(est, {"seed": 0})
>>> "RSE (%)" in page and "converged" in page and "<img" not in page
True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

__all__ = ["METHOD_TEXT", "build_fit_report", "get_parameter_frame"]

#: One paragraph per method, printed at the head of the report (details: docs/estimation.md).
METHOD_TEXT = {
    "focei": (
        "FOCE with interaction: OFV = -2 log L (NONMEM convention, without n log 2 pi), the "
        "individual likelihoods linearised around each subject's EBE with the residual "
        "variance at the individual prediction; BLQ records excluded with a named warning."
    ),
    "laplace": (
        "Laplace: OFV = -2 log L with the exact (autodiff) Hessian of each subject's "
        "objective at the EBE; BLQ records enter by the M3 likelihood."
    ),
    "nuts": (
        "Full Bayesian (NumPyro NUTS), started at the FOCE-I estimates: estimates are "
        "posterior medians, SE the posterior SD; priors normal on the unconstrained scale "
        "centred on the model's initial values (prior SD per parameter in the table); BLQ "
        "records by M3. Convergence: no divergent transition and every R-hat < 1.01."
    ),
}


def _fmt(v: Any) -> str:
    if v is None:
        return "—"
    if isinstance(v, float):
        return f"{v:.6g}"
    return str(v)


def get_parameter_frame(est: Mapping[str, Any]) -> pd.DataFrame:
    """The parameter table of an ``estimates.json`` record: parameter, estimate, SE, RSE (%).

    >>> t = get_parameter_frame({"parameters": {"V": {"estimate": 1.0, "se": None,
    ...                                               "rse_pct": None}}})
    >>> list(t.columns), t["SE"].isna().tolist()
    (['parameter', 'estimate', 'SE', 'RSE (%)'], [True])
    """
    rows = [
        {
            "parameter": k,
            "estimate": p["estimate"],
            "SE": float("nan") if p.get("se") is None else p["se"],
            "RSE (%)": float("nan") if p.get("rse_pct") is None else p["rse_pct"],
        }
        for k, p in est["parameters"].items()
    ]
    return pd.DataFrame(rows, columns=["parameter", "estimate", "SE", "RSE (%)"])


def _fit_items(est: Mapping[str, Any]) -> pd.DataFrame:
    keys = [
        ("method", "method"),
        ("converged", "converged"),
        ("message", "convergence"),
        ("ofv", "OFV"),
        ("ofv_convention", "OFV convention"),
        ("aic", "AIC (OFV + 2k)"),
        ("bic", "BIC (OFV + k ln n_obs)"),
        ("n_subjects", "subjects"),
        ("n_obs", "observations"),
        ("n_estimated", "estimated parameters k"),
        ("covariance", "covariance step"),
        ("estimate_is", "estimate is"),
        ("divergences", "divergent transitions"),
        ("max_r_hat", "max R-hat"),
        ("chains", "chains"),
        ("samples_per_chain", "draws per chain"),
        ("seconds", "seconds"),
    ]
    items = [(label, _fmt(est[k])) for k, label in keys if k in est]
    return pd.DataFrame(items, columns=["item", "value"])


def _vpc_blocks(res: Any, png: bytes | None) -> list[Any]:
    from brexsim.analysis.vpc.report import _bin_table, _coverage_table
    from brexsim.analysis.vpc.stats import get_expected_miss_rate

    blocks: list[Any] = [(f"VPC of {res.dvid}", png)] if png is not None else []
    miss = get_expected_miss_rate(res.n_replicates, res.ci) * 100
    lloq = "none" if res.lloq is None else f"{res.lloq:g}"
    blocks.append(
        f"{res.n_replicates} replicate studies of the data's own design simulated from the "
        f"fitted model; bins: {res.binning}; {res.ci * 100:g} % intervals of the replicate "
        f"percentiles; LLOQ {lloq}. When the model is right an observed percentile falls "
        f"outside its interval with a chance of about {miss:.1f} %; bins share subjects, so "
        "misses come in runs."
    )
    blocks.append(_coverage_table(res))
    blocks.append(_bin_table(res))
    return blocks


def build_fit_report(
    est: Mapping[str, Any],
    provenance: Mapping[str, Any],
    figures: Mapping[str, bytes] | None = None,
    vpc_results: Sequence[Any] = (),
    posterior: pd.DataFrame | None = None,
    title: str = "Population model fit",
) -> str:
    """The self-contained HTML report of a fit (see the module docstring).

    Parameters
    ----------
    est : mapping
        The ``estimates.json`` record.
    provenance : mapping
        Printed as the provenance block (version, parameter hash, seed, command, input SHA-256).
    figures : mapping, optional
        PNG bytes by file name: ``gof.png`` and the VPC figures (``vpc.png`` or
        ``vpc_<DVID>.png``); a missing figure is left out.
    vpc_results : sequence of VPCResult
        The fitted model's VPCs (:func:`brexsim.estimation.outputs.compute_fit_vpc`).
    posterior : DataFrame, optional
        NUTS posterior summary (``posterior.csv``).
    """
    from brexsim.analysis.report import render_html_report

    figures = dict(figures or {})
    method = str(est.get("method", ""))
    head: list[Any] = [METHOD_TEXT.get(method, f"method {method}"), _fit_items(est)]
    if not est.get("converged", False):
        head.insert(0, f"NOT CONVERGED: {est.get('message', '')}")
    warnings = list(est.get("warnings", []))
    sections: list[tuple[str, list[Any]]] = [
        ("Fit", head),
        ("Warnings", [pd.DataFrame({"warning": warnings})] if warnings else ["none"]),
        ("Parameters", [get_parameter_frame(est)]),
    ]
    if posterior is not None:
        sections.append(("Posterior summary", [posterior]))
    shrink = est.get("shrinkage_pct")
    if shrink:
        sections.append(
            (
                "η-shrinkage",
                [
                    "100 (1 - SD(EBE) / omega^0.5) per eta.",
                    pd.DataFrame({"eta": list(shrink), "shrinkage (%)": list(shrink.values())}),
                ],
            )
        )
    if est.get("starts"):
        sections.append(("Starts (lowest converged OFV wins)", [pd.DataFrame(est["starts"])]))
    if "gof.png" in figures:
        sections.append(
            (
                "Goodness of fit",
                [("DV vs PRED, DV vs IPRED, CWRES vs TIME, CWRES vs PRED", figures["gof.png"])],
            )
        )
    one = len(vpc_results) == 1
    for res in vpc_results:
        png = figures.get("vpc.png" if one else f"vpc_{res.dvid}.png")
        sections.append((f"VPC: {res.dvid}", _vpc_blocks(res, png)))
    return render_html_report(title, sections, provenance)
