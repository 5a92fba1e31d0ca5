"""Trial statistics: ANCOVA LS means, differences vs the reference, rates, replicate pooling.

At each post-baseline visit, over the patients observed there (observed cases: a patient who
dropped out is missing from later visits; no imputation, no MMRM — statsmodels has none)::

    change_i = b0 + sum_a b_a [arm_i = a] + b_base baseline_i + e_i       (OLS, a != reference)

* ``hamd_change``: LS mean of each arm, ``b0 + b_a + b_base * mean(baseline)`` (the mean baseline
  of the patients in the fit), with its t-based 95 % CI (``L V L'``, ``df_resid``).
* ``hamd_change_vs_placebo``: ``b_a`` (the arm minus the reference, whatever the reference is
  called) with its 95 % CI and two-sided p (``p_value`` column). An arm with no patient at
  the visit has no estimate (the others are still compared); a baseline that adds nothing to
  the arms (the same for every patient) is dropped, and a fit without residual variance has
  SE 0 and no p (:mod:`brexsim.trial._ancova`; :attr:`AncovaResult.note` says which).
* ``response_rate`` (HAM-D fall >= 50 %) and ``remission_rate`` (HAM-D <= 7) at each visit with
  Wilson 95 % CIs (:func:`statsmodels.stats.proportion.proportion_confint`).
* ``sedation_rate`` (somnolence), ``interruption_rate``, ``loc_rate`` (loss of consciousness):
  cumulative over the course, reported at the arm's end of treatment (all treated patients),
  Wilson CIs.
* ``hamd``: mean observed score with a t-based 95 % CI, every visit including baseline.

With several replicate trials (:func:`pool_replicates`) each replicate has its own rows and the
pooled rows (``replicate = "all"``) give the mean estimate over replicates, the 2.5-97.5 %
interval of the replicate estimates (extended to the mean where a rare event puts the mean
outside it) and ``n`` = the number of replicate trials; ``power`` is the share of replicates
whose two-sided p for the difference vs the reference is < 0.05 (Wilson CI).

Every row's interval contains its estimate (:func:`brexsim.report.intervals.check_interval`
runs on each row as it is made).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats as sps
from statsmodels.stats.proportion import proportion_confint

from brexsim.errors import input_error
from brexsim.params import ParameterSet, load_parameters
from brexsim.report.intervals import check_interval
from brexsim.trial._ancova import AncovaResult, fit_ancova

__all__ = [
    "ENDPOINT_COLUMNS",
    "AncovaResult",
    "TrialOutcomes",
    "compute_endpoints",
    "fit_ancova",
    "get_rate_ci",
    "pool_replicates",
]

#: Columns of ``endpoints.csv`` (``replicate`` is inserted after ``n`` when replicates > 1).
ENDPOINT_COLUMNS: tuple[str, ...] = (
    "arm",
    "time_h",
    "endpoint",
    "estimate",
    "ci_low",
    "ci_high",
    "n",
    "p_value",
)
#: Cumulative safety endpoints: endpoint -> outcome name in ``SimulationResult.outcomes``.
SAFETY_ENDPOINTS: dict[str, str] = {
    "sedation_rate": "somnolence",
    "interruption_rate": "interruption",
    "loc_rate": "loss_of_consciousness",
}


def get_rate_ci(k: int, n: int, method: str = "wilson") -> tuple[float, float, float]:
    """Rate ``k / n`` and its 95 % CI (Wilson by default; ``beta`` = Clopper-Pearson).

    The interval always contains the rate: at ``k = 0`` the low bound is exactly 0 and at
    ``k = n`` the high bound exactly 1 (the closed-form Wilson bounds of statsmodels round to
    e.g. 2e-19 and 0.9999999999999999 there, which once put the rate outside its own interval
    and crashed the sedation figure of a 1,000-per-arm trial). ``n = 0`` gives ``nan``.

    >>> [round(x, 4) for x in get_rate_ci(5, 40)]
    [0.125, 0.0546, 0.2611]
    >>> get_rate_ci(0, 1000)[:2], get_rate_ci(7, 7)[::2]
    ((0.0, 0.0), (1.0, 1.0))
    """
    k, n = int(k), int(n)
    if n < 0 or not 0 <= k <= max(n, 0):
        raise input_error("k, n", (k, n), "event count k and patients n with 0 <= k <= n")
    if n == 0:
        return (np.nan, np.nan, np.nan)
    lo, hi = proportion_confint(k, n, alpha=0.05, method=method)
    rate = k / n
    lo = 0.0 if k == 0 else float(lo)
    hi = 1.0 if k == n else float(hi)
    check_interval(f"{method} interval of {k}/{n}", rate, lo, hi)
    return (rate, lo, hi)


@dataclass(frozen=True)
class TrialOutcomes:
    """Per-patient values the statistics need (arrays over N patients).

    Attributes
    ----------
    subject, replicate, arm : ids, replicate index, arm name
    visits_h : (m,) visit times, h (``visits_h[0] == 0``: baseline)
    hamd : (N, m) observed HAM-D-17 (``nan`` after dropout)
    hamd_baseline : (N,) baseline score
    outcomes : ``{name: (N,) bool}`` (somnolence, interruption, loss_of_consciousness, ...)
    """

    subject: np.ndarray
    replicate: np.ndarray
    arm: np.ndarray
    visits_h: np.ndarray
    hamd: np.ndarray
    hamd_baseline: np.ndarray
    outcomes: Mapping[str, np.ndarray]


def _row(arm, t, endpoint, est, lo, hi, n, p=np.nan) -> dict:  # type: ignore[no-untyped-def]
    """One endpoint row; its interval is checked (:func:`check_interval`) before it exists."""
    check_interval(f"{endpoint}, arm {arm}, {float(t):g} h", est, lo, hi)
    return {
        "arm": arm,
        "time_h": float(t),
        "endpoint": endpoint,
        "estimate": float(est),
        "ci_low": float(lo),
        "ci_high": float(hi),
        "n": int(n),
        "p_value": float(p),
    }


def _one_replicate(
    d: TrialOutcomes,
    sel: np.ndarray,
    arms: Sequence[str],
    reference: str,
    end_of_treatment_h: Mapping[str, float],
    ps: ParameterSet,
) -> list[dict]:
    from brexsim.clinical.hamd import is_remission, is_response

    rows: list[dict] = []
    arm = d.arm[sel]
    hamd = d.hamd[sel]
    base = d.hamd_baseline[sel]
    for j, t in enumerate(d.visits_h):
        y = hamd[:, j]
        for a in arms:
            v = y[(arm == a) & np.isfinite(y)]
            if len(v) >= 2:
                se = float(np.std(v, ddof=1) / np.sqrt(len(v)))
                q = sps.t.ppf(0.975, len(v) - 1)
                m = float(np.mean(v))
                rows.append(_row(a, t, "hamd", m, m - q * se, m + q * se, len(v)))
            else:
                rows.append(_row(a, t, "hamd", np.nan, np.nan, np.nan, len(v)))
        if j == 0:
            continue
        r = fit_ancova(y - base, base, arm, reference, arms)
        for i, a in enumerate(r.arms):
            rows.append(_row(a, t, "hamd_change", r.ls_mean[i], *r.ls_ci[i], r.n[i]))
        for i, a in enumerate(r.arms[1:], start=1):
            rows.append(
                _row(
                    a,
                    t,
                    "hamd_change_vs_placebo",
                    r.diff[i],
                    *r.diff_ci[i],
                    r.n[i] + r.n[0],
                    r.diff_p[i],
                )
            )
        obs = np.isfinite(y)
        resp = np.zeros(len(y), dtype=bool)
        rem = np.zeros(len(y), dtype=bool)
        resp[obs] = is_response(y[obs], base[obs], ps)
        rem[obs] = is_remission(y[obs], ps)
        for a in arms:
            m = (arm == a) & obs
            rows.append(
                _row(
                    a,
                    t,
                    "response_rate",
                    *get_rate_ci(int(resp[m].sum()), int(m.sum())),
                    int(m.sum()),
                )
            )
            rows.append(
                _row(
                    a,
                    t,
                    "remission_rate",
                    *get_rate_ci(int(rem[m].sum()), int(m.sum())),
                    int(m.sum()),
                )
            )
    for endpoint, name in SAFETY_ENDPOINTS.items():
        if name not in d.outcomes:
            continue
        x = np.asarray(d.outcomes[name])[sel].astype(bool)
        for a in arms:
            m = arm == a
            rows.append(
                _row(
                    a,
                    end_of_treatment_h[a],
                    endpoint,
                    *get_rate_ci(int(x[m].sum()), int(m.sum())),
                    int(m.sum()),
                )
            )
    return rows


def compute_endpoints(
    data: TrialOutcomes,
    arms: Sequence[str],
    reference: str,
    end_of_treatment_h: Mapping[str, float],
    params: ParameterSet | None = None,
) -> pd.DataFrame:
    """The endpoint table (``endpoints.csv``): one block per replicate; with more than one
    replicate a ``replicate`` column and the pooled rows of :func:`pool_replicates`."""
    ps = params or load_parameters()
    reps = np.unique(data.replicate)
    frames = []
    for r in reps:
        rows = _one_replicate(data, data.replicate == r, arms, reference, end_of_treatment_h, ps)
        f = pd.DataFrame(rows, columns=list(ENDPOINT_COLUMNS))
        f.insert(7, "replicate", str(int(r)))
        frames.append(f)
    table = pd.concat(frames, ignore_index=True)
    if len(reps) == 1:
        return table.drop(columns="replicate")
    return pd.concat([table, pool_replicates(table)], ignore_index=True)


def pool_replicates(table: pd.DataFrame, alpha: float = 0.05) -> pd.DataFrame:
    """Pooled rows (``replicate = "all"``) from per-replicate rows: mean estimate, 2.5-97.5 %
    interval of the replicate estimates, ``n`` = replicate trials; plus ``power`` (share of
    replicates with p < ``alpha`` for the difference vs the reference, Wilson CI).

    From 40 replicates on, a rare event (one replicate in 40 with a non-zero rate) can put the
    mean above the 97.5th percentile of the replicate estimates; the interval is then extended
    to the mean, so that it is the smallest interval holding both the central 95 % of the
    replicate estimates and their mean (an interval always contains its estimate).

    >>> t = pd.DataFrame({"arm": ["a"] * 4, "time_h": 60.0,
    ...     "endpoint": "hamd_change_vs_placebo", "estimate": [-4.0, -2.0, -6.0, -4.0],
    ...     "ci_low": 0.0, "ci_high": 0.0, "n": 80, "replicate": ["0", "1", "2", "3"],
    ...     "p_value": [0.01, 0.2, 0.001, 0.04]})
    >>> p = pool_replicates(t).set_index("endpoint")
    >>> float(p.loc["power", "estimate"]), float(p.loc["hamd_change_vs_placebo", "estimate"])
    (0.75, -4.0)
    """
    per = table[table["replicate"] != "all"]
    rows = []
    for (a, t, e), g in per.groupby(["arm", "time_h", "endpoint"], sort=False):
        est = g["estimate"].to_numpy(dtype=float)
        est = est[np.isfinite(est)]
        if len(est):
            m = float(est.mean())
            lo, hi = np.percentile(est, [2.5, 97.5])
            rows.append(_row(a, t, e, m, min(float(lo), m), max(float(hi), m), len(est)))
        else:
            rows.append(_row(a, t, e, np.nan, np.nan, np.nan, 0))
        if e == "hamd_change_vs_placebo":
            p = g["p_value"].to_numpy(dtype=float)
            p = p[np.isfinite(p)]
            k = int(np.sum(p < alpha))
            rows.append(_row(a, t, "power", *get_rate_ci(k, len(p)), len(p)))
    out = pd.DataFrame(rows, columns=list(ENDPOINT_COLUMNS))
    out.insert(7, "replicate", "all")
    return out
