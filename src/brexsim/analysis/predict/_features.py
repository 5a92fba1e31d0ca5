"""Response prediction, the inputs: outcomes, the per-patient feature table and the outcome
vector (split from ``predict``; see the package docstring).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from brexsim.analysis.data import BASELINE_H, HAMD_ANALYTE
from brexsim.analysis.stats import get_change_matrix
from brexsim.errors import input_error

#: Outcome definitions.
OUTCOMES: dict[str, str] = {
    "response": "HAM-D-17 fall of at least 50 % from baseline",
    "remission": "HAM-D-17 total <= 7 points",
}
#: Model families of :class:`ResponsePredictor`.
MODELS: tuple[str, ...] = ("logistic", "forest")
_FORMAT = "brexsim-response-model"
_FORMAT_VERSION = 1


def _feature_name(analyte: str, stimulus: str) -> str:
    return f"{analyte}:{stimulus}"


def _time_index(times: np.ndarray, t: float, name: str) -> int:
    hit = np.flatnonzero(np.isclose(times, float(t), rtol=0, atol=1e-9))
    if hit.size == 0 or float(t) == BASELINE_H:
        avail = ", ".join(f"{x:g}" for x in times[1:])
        raise input_error(name, t, f"a later sampling time in the data ({avail} h)")
    return int(hit[0])


def build_features(
    data: pd.DataFrame,
    early_h: float,
    transform: str = "log",
    features: Sequence[str] | None = None,
    include_hamd: bool = False,
) -> pd.DataFrame:
    """Early changes from baseline, one row per subject and one column per biomarker.

    Parameters
    ----------
    data : DataFrame
        Canonical long frame (:func:`~brexsim.analysis.data.validate_biomarkers`).
    early_h : float
        The early time, h.
    transform : ``"log"`` (default), ``"raw"`` or ``"induced"``
    features : sequence of str, optional
        Columns to keep, named ``ANALYTE:STIMULUS`` (e.g. ``TNFa:LPS``); default all.
    include_hamd : bool
        Also use the early HAM-D-17 change (``HAMD17:basal``, points) as a feature.

    Returns
    -------
    DataFrame
        Index ``subject``; NaN where the baseline or early value is missing.

    Examples
    --------
    >>> from brexsim.analysis.data import make_example_dataset
    >>> X = build_features(make_example_dataset(0), early_h=24)
    >>> X.shape, X.columns[0]
    ((11, 10), 'BDNF:basal')
    """
    cm = get_change_matrix(data, transform)
    k = _time_index(cm.times_h, early_h, "early_h")
    change = cm.values[:, :, k] - cm.values[:, :, 0]
    X = pd.DataFrame(
        change.T,
        index=pd.Index(cm.subjects, name="subject"),
        columns=[_feature_name(a, s) for a, s in cm.groups],
    )
    if include_hamd:
        X[_feature_name(HAMD_ANALYTE, "basal")] = cm.hamd[:, k] - cm.hamd[:, 0]
    if features is not None:
        unknown = [f for f in features if f not in X.columns]
        if unknown:
            raise input_error(
                "features", unknown, f"names among {', '.join(X.columns)} (ANALYTE:STIMULUS)"
            )
        X = X[list(features)]
    return X


def build_outcome(data: pd.DataFrame, outcome_h: float, outcome: str = "response") -> pd.Series:
    """Binary outcome per subject from HAM-D-17 (1 = response or remission).

    Subjects without HAM-D-17 at baseline or at ``outcome_h`` are left out.

    Examples
    --------
    >>> from brexsim.analysis.data import make_example_dataset
    >>> y = build_outcome(make_example_dataset(0), outcome_h=60)
    >>> int(y.sum()), len(y)
    (5, 11)
    """
    if outcome not in OUTCOMES:
        raise input_error("outcome", outcome, f"one of {', '.join(OUTCOMES)}")
    h = data.loc[data["analyte"] == HAMD_ANALYTE]
    if h.empty:
        raise input_error("analyte", HAMD_ANALYTE, "HAMD17 rows are needed to define the outcome")
    wide = h.pivot(index="subject", columns="time_h", values="value")
    times = np.array(sorted(wide.columns), dtype=float)
    if BASELINE_H not in wide.columns:
        raise input_error("time_h", "no HAMD17 at 0 h", "HAMD17 at baseline for the outcome")
    t_out = float(times[_time_index(times, outcome_h, "outcome_h")])
    base, later = wide[BASELINE_H], wide[t_out]
    ok = base.notna() & later.notna()
    if outcome == "response":
        y = later[ok] <= 0.5 * base[ok]
    else:
        y = later[ok] <= 7.0
    y = y.astype(int)
    y.index = y.index.astype(str)
    y.index.name = "subject"
    y.name = outcome
    return y.sort_index()
