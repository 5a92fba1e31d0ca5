"""Biomarker statistics: the missing-data report, the HAM-D summary, the linear mixed models and
:func:`analyze_biomarkers` (split from ``stats``; see the package docstring).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from brexsim.analysis.data import BASELINE_H, HAMD_ANALYTE
from brexsim.analysis.stats._change_table import compute_change_table
from brexsim.analysis.stats._matrix import _Z975, get_change_matrix
from brexsim.errors import BrexsimInputError

# ------------------------------------------------------------------------------------------
# missing data


def get_missing_report(data: pd.DataFrame, transform: str = "raw") -> pd.DataFrame:
    """Missing data per analyte x stimulus x time (HAM-D-17 included).

    Columns: ``analyte, stimulus, time_h, n_subjects`` (in the file), ``n_observed``,
    ``n_missing_value`` (row present, value empty), ``n_no_row`` (no row for the subject),
    ``n_no_partner`` (``induced`` only: the stimulated value exists but its basal partner
    does not), ``fraction_missing``.

    Examples
    --------
    >>> from brexsim.analysis.data import make_example_dataset
    >>> rep = get_missing_report(make_example_dataset(0, missing_fraction=0.2))
    >>> int(rep["n_observed"].sum() + rep["n_missing_value"].sum()) == 11 * 4 * 11
    True
    """
    cm = get_change_matrix(data, transform)
    raw_cm = get_change_matrix(data, "raw") if transform == "induced" else cm
    rows = []
    S = cm.subjects.size
    for gi, (a, s) in enumerate(cm.groups):
        for ti, t in enumerate(cm.times_h):
            v = cm.values[gi, :, ti]
            pres = cm.present[gi, :, ti]
            obs = int((~np.isnan(v)).sum())
            raw_gi = raw_cm.groups.index((a, s))
            raw_v = raw_cm.values[raw_gi, :, ti]
            raw_obs = ~np.isnan(raw_v)
            no_partner = int((raw_obs & np.isnan(v)).sum()) if transform == "induced" else 0
            rows.append(
                {
                    "analyte": a,
                    "stimulus": s,
                    "time_h": float(t),
                    "n_subjects": S,
                    "n_observed": obs,
                    "n_missing_value": int((pres & ~raw_obs).sum()),
                    "n_no_row": int((~pres).sum()),
                    "n_no_partner": no_partner,
                }
            )
    for t in cm.times_h:
        h = data.loc[(data["analyte"] == HAMD_ANALYTE) & (data["time_h"] == t)]
        obs = int(h["value"].notna().sum())
        rows.append(
            {
                "analyte": HAMD_ANALYTE,
                "stimulus": "basal",
                "time_h": float(t),
                "n_subjects": S,
                "n_observed": obs,
                "n_missing_value": int(h["value"].isna().sum()),
                "n_no_row": S - len(h),
                "n_no_partner": 0,
            }
        )
    rep = pd.DataFrame(rows)
    rep["fraction_missing"] = 1.0 - rep["n_observed"] / max(S, 1)
    return rep


def get_hamd_summary(data: pd.DataFrame) -> pd.DataFrame:
    """HAM-D-17 by time: n, mean, SD, mean improvement from baseline, response (>= 50 % fall)
    and remission (<= 7 points) counts among subjects with both values.

    Examples
    --------
    >>> from brexsim.analysis.data import make_example_dataset
    >>> get_hamd_summary(make_example_dataset(0))["time_h"].tolist()
    [0.0, 24.0, 60.0, 168.0]
    """
    h = data.loc[data["analyte"] == HAMD_ANALYTE, ["subject", "time_h", "value"]]
    if h.empty:
        return pd.DataFrame(
            columns=[
                "time_h",
                "n",
                "mean",
                "sd",
                "n_pairs",
                "mean_improvement",
                "n_response",
                "n_remission",
            ]
        )
    wide = h.pivot(index="subject", columns="time_h", values="value")
    base = wide[BASELINE_H] if BASELINE_H in wide.columns else pd.Series(np.nan, wide.index)
    rows = []
    for t in wide.columns:
        v = wide[t]
        pair = v.notna() & base.notna()
        impr = (base - v)[pair]
        rows.append(
            {
                "time_h": float(t),
                "n": int(v.notna().sum()),
                "mean": float(v.mean()) if v.notna().any() else np.nan,
                "sd": float(v.std(ddof=1)) if v.notna().sum() > 1 else np.nan,
                "n_pairs": int(pair.sum()),
                "mean_improvement": float(impr.mean()) if pair.any() else np.nan,
                "n_response": int(((v <= 0.5 * base) & pair).sum()),
                "n_remission": int(((v <= 7) & v.notna()).sum()),
            }
        )
    return pd.DataFrame(rows)


# ------------------------------------------------------------------------------------------
# mixed models


def fit_mixed_models(data: pd.DataFrame, transform: str = "raw") -> pd.DataFrame:
    """Linear mixed model of each analyte x stimulus trajectory (statsmodels ``MixedLM``).

    ``value ~ 1 + C(time_h)`` (baseline as reference) with a random intercept per subject,
    fitted by REML on every available observation. One row per later time: the fixed effect
    (= model-based mean change from baseline), its SE, Wald z, p and 95 % CI, with
    ``n_obs``, ``n_subjects``, the random-intercept variance, the residual variance and
    ``converged``.

    Examples
    --------
    >>> from brexsim.analysis.data import make_example_dataset
    >>> mm = fit_mixed_models(make_example_dataset(0), transform="log")
    >>> list(mm.columns[:4]), len(mm) == 10 * 3
    (['analyte', 'stimulus', 'time_h', 'estimate'], True)
    """
    import statsmodels.api as sm
    from statsmodels.tools.sm_exceptions import ConvergenceWarning

    cm = get_change_matrix(data, transform)
    rows = []
    later = cm.times_h[1:]
    for gi, (a, s) in enumerate(cm.groups):
        v = cm.values[gi]  # S x T
        si, ti = np.nonzero(~np.isnan(v))
        n_obs = si.size
        n_sub = np.unique(si).size
        base_row = {"analyte": a, "stimulus": s, "n_obs": int(n_obs), "n_subjects": int(n_sub)}
        present_t = np.unique(ti)
        if n_sub < 2 or 0 not in present_t or present_t.size < 2:
            for t in later:
                rows.append(
                    {
                        **base_row,
                        "time_h": float(t),
                        "estimate": np.nan,
                        "se": np.nan,
                        "z": np.nan,
                        "p": np.nan,
                        "ci_low": np.nan,
                        "ci_high": np.nan,
                        "var_subject": np.nan,
                        "var_residual": np.nan,
                        "converged": False,
                        "note": "too few observations",
                    }
                )
            continue
        cols = [k for k in present_t if k != 0]
        exog = np.ones((n_obs, 1 + len(cols)))
        for j, k in enumerate(cols):
            exog[:, 1 + j] = ti == k
        note = ""
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                model = sm.MixedLM(v[si, ti], exog, groups=si)
                fit = model.fit(reml=True, method=["lbfgs", "powell"])
                converged = bool(fit.converged) and not any(
                    issubclass(w.category, ConvergenceWarning) for w in caught
                )
                fe, bse = np.asarray(fit.fe_params), np.asarray(fit.bse_fe)
                var_s = float(np.asarray(fit.cov_re).ravel()[0])
                var_r = float(fit.scale)
            except (np.linalg.LinAlgError, ValueError) as exc:
                converged, fe, bse = False, np.full(exog.shape[1], np.nan), None
                var_s = var_r = np.nan
                note = f"fit failed: {exc}"
        if not converged and not note:
            note = "did not converge (estimates shown, interpret with care)"
        for t_k, t in enumerate(later, start=1):
            if t_k in cols and bse is not None:
                j = 1 + cols.index(t_k)
                est, se = float(fe[j]), float(bse[j])
                z = est / se if se > 0 else np.nan
                p = float(2 * stats.norm.sf(abs(z))) if np.isfinite(z) else np.nan
                lo, hi = est - _Z975 * se, est + _Z975 * se
                row_note = note
            else:
                est = se = z = p = lo = hi = np.nan
                row_note = note or "no observations at this time"
            rows.append(
                {
                    **base_row,
                    "time_h": float(t),
                    "estimate": est,
                    "se": se,
                    "z": z,
                    "p": p,
                    "ci_low": lo,
                    "ci_high": hi,
                    "var_subject": var_s,
                    "var_residual": var_r,
                    "converged": converged,
                    "note": row_note,
                }
            )
    cols_out = [
        "analyte",
        "stimulus",
        "time_h",
        "estimate",
        "se",
        "z",
        "p",
        "ci_low",
        "ci_high",
        "n_obs",
        "n_subjects",
        "var_subject",
        "var_residual",
        "converged",
        "note",
    ]
    out = pd.DataFrame(rows, columns=cols_out)
    out["transform"] = transform
    return out


# ------------------------------------------------------------------------------------------
# everything together


@dataclass(frozen=True)
class AnalysisResult:
    """The outputs of :func:`analyze_biomarkers`.

    Attributes
    ----------
    table : DataFrame
        :func:`compute_change_table`.
    missing : DataFrame
        :func:`get_missing_report`.
    hamd : DataFrame
        :func:`get_hamd_summary`.
    mixed : DataFrame or None
        :func:`fit_mixed_models` (None when not requested).
    transform : str
    post_h : tuple of float
        The later times in the table.
    n_subjects : int
    """

    table: pd.DataFrame
    missing: pd.DataFrame
    hamd: pd.DataFrame
    mixed: pd.DataFrame | None
    transform: str
    post_h: tuple[float, ...]
    n_subjects: int

    def get_summary(self, alpha: float = 0.05) -> dict[str, Any]:
        """A JSON-ready summary: settings, counts and the lines with q < alpha."""
        tab = self.table
        sig = tab.loc[
            tab["q_fdr"] < alpha,
            ["analyte", "stimulus", "time_h", "mean_change", "p_ttest", "q_fdr", "dz"],
        ]
        corr = tab.loc[
            tab["p_pearson"] < alpha, ["analyte", "stimulus", "time_h", "r_pearson", "p_pearson"]
        ]
        miss = self.missing
        return {
            "transform": self.transform,
            "post_h": list(self.post_h),
            "n_subjects": self.n_subjects,
            "n_lines": len(tab),
            "n_significant_fdr": len(sig),
            "significant_fdr": sig.to_dict(orient="records"),
            "correlated_with_hamd_p_lt_alpha": corr.to_dict(orient="records"),
            "missing": {
                "n_values_missing": int(miss["n_missing_value"].sum()),
                "n_rows_absent": int(miss["n_no_row"].sum()),
                "n_no_basal_partner": int(miss["n_no_partner"].sum()),
                "lines_with_exclusions": int((tab["n_excluded"] > 0).sum()),
                "handling": "paired tests and correlations use complete pairs only (excluded "
                "subjects counted in n_excluded); mixed models use every observation "
                "(valid under missing at random); nothing is imputed",
            },
            "mixed_models_fitted": self.mixed is not None,
            "mixed_models_not_converged": (
                int((~self.mixed["converged"]).sum()) if self.mixed is not None else 0
            ),
        }


def analyze_biomarkers(
    data: pd.DataFrame,
    post_h: Sequence[float] | float | None = None,
    transform: str = "raw",
    mixed: bool = True,
) -> AnalysisResult:
    """Run the whole biomarker analysis: change table, missing-data report, HAM-D summary and
    (optionally) mixed models.

    Parameters
    ----------
    data : DataFrame
        Canonical long frame (from :func:`~brexsim.analysis.data.read_biomarkers`,
        :func:`~brexsim.analysis.data.validate_biomarkers`, or a simulated cohort).
    post_h : float, sequence or None
        Later time(s), h; None = all.
    transform : ``"raw"``, ``"induced"`` or ``"log"``
    mixed : bool
        Fit the mixed models as well.

    Examples
    --------
    >>> from brexsim.analysis.data import make_example_dataset
    >>> res = analyze_biomarkers(make_example_dataset(0), post_h=60, mixed=False)
    >>> res.get_summary()["n_lines"]
    10
    """
    if not isinstance(data, pd.DataFrame):
        raise BrexsimInputError("data", type(data).__name__, "a pandas DataFrame")
    table = compute_change_table(data, post_h=post_h, transform=transform)
    return AnalysisResult(
        table=table,
        missing=get_missing_report(data, transform),
        hamd=get_hamd_summary(data),
        mixed=fit_mixed_models(data, transform) if mixed else None,
        transform=transform,
        post_h=tuple(float(t) for t in sorted(table["time_h"].unique())),
        n_subjects=int(data["subject"].nunique()),
    )
