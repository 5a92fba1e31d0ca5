"""Do early biomarker changes predict later response or remission?

* **Features**: each biomarker's change from baseline (``time_h = 0``) to an early time
  (``early_h``, e.g. 24 h), on the analysis scale of a transform (default ``log``: log-ratio).
* **Outcome** at ``outcome_h`` from HAM-D-17: ``response`` = fall of at least 50 % from
  baseline; ``remission`` = total <= 7 points.
* **Models** (scikit-learn estimators): :class:`ResponsePredictor` with ``model="logistic"``
  (median imputation, standardisation, L2-penalised logistic regression) or
  ``model="forest"`` (median imputation, random forest: the nonlinear model).
* **Validation**: repeated stratified k-fold cross-validation; per repeat the out-of-fold
  ROC AUC; the pooled out-of-fold probability (mean over repeats) gives the AUC with a DeLong
  95 % CI, the Brier score, a calibration curve and the calibration intercept and slope.
  Missing feature values are imputed inside each training fold (never with test data).

A trained model is saved with :func:`save_model` (joblib; load only files you trust) and
applied to new patients with :func:`predict_patients`.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.calibration import calibration_curve
from sklearn.ensemble import RandomForestClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, roc_auc_score
from sklearn.model_selection import RepeatedStratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from brexsim.analysis.data import BASELINE_H, HAMD_ANALYTE
from brexsim.analysis.stats import get_change_matrix
from brexsim.errors import BrexsimInputError, input_error

__all__ = [
    "MODELS",
    "OUTCOMES",
    "CVResult",
    "ResponsePredictor",
    "TrainedModel",
    "build_features",
    "build_outcome",
    "cross_validate_predictor",
    "get_delong_auc_ci",
    "load_model",
    "predict_patients",
    "save_model",
    "train_response_model",
]

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


class ResponsePredictor(ClassifierMixin, BaseEstimator):
    """Probability of response from early biomarker changes (scikit-learn estimator).

    Parameters
    ----------
    model : ``"logistic"`` or ``"forest"``
        L2 logistic regression on standardised features, or a random forest.
    C : float
        Inverse regularisation strength of the logistic regression.
    n_estimators : int
        Trees in the forest.
    max_depth : int or None
        Maximum tree depth (small by default: cohorts are small).
    min_samples_leaf : int
        Minimum subjects per leaf.
    random_state : int
        Seed of the forest.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(40, 2)); y = (X[:, 0] + 0.3 * rng.normal(size=40) > 0).astype(int)
    >>> p = ResponsePredictor().fit(X, y).predict_proba(X)[:, 1]
    >>> bool(roc_auc_score(y, p) > 0.9)
    True
    """

    def __init__(
        self,
        model: str = "logistic",
        C: float = 1.0,
        n_estimators: int = 200,
        max_depth: int | None = 3,
        min_samples_leaf: int = 2,
        random_state: int = 0,
    ) -> None:
        self.model = model
        self.C = C
        self.n_estimators = n_estimators
        self.max_depth = max_depth
        self.min_samples_leaf = min_samples_leaf
        self.random_state = random_state

    def _make_pipeline(self) -> Pipeline:
        if self.model == "logistic":
            clf: Any = LogisticRegression(C=self.C, max_iter=1000)
            return Pipeline(
                [
                    ("impute", SimpleImputer(strategy="median", keep_empty_features=True)),
                    ("scale", StandardScaler()),
                    ("clf", clf),
                ]
            )
        if self.model == "forest":
            clf = RandomForestClassifier(
                n_estimators=self.n_estimators,
                max_depth=self.max_depth,
                min_samples_leaf=self.min_samples_leaf,
                random_state=self.random_state,
                n_jobs=1,
            )
            return Pipeline(
                [
                    ("impute", SimpleImputer(strategy="median", keep_empty_features=True)),
                    ("clf", clf),
                ]
            )
        raise input_error("model", self.model, f"one of {', '.join(MODELS)}")

    def fit(self, X: Any, y: Any) -> ResponsePredictor:
        """Learn from features ``X`` (subjects x features) and outcomes ``y`` (0/1)."""
        if isinstance(X, pd.DataFrame):
            self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        Xa = np.asarray(X, dtype=float)
        ya = np.asarray(y).astype(int)
        if Xa.ndim != 2 or Xa.shape[0] != ya.shape[0]:
            raise input_error("X", Xa.shape, f"a 2-D array with {ya.shape[0]} rows")
        classes = np.unique(ya)
        if classes.size != 2:
            raise input_error("y", classes.tolist(), "both outcome classes (0 and 1) present")
        self.pipeline_ = self._make_pipeline().fit(Xa, ya)
        self.classes_ = self.pipeline_.classes_
        self.n_features_in_ = Xa.shape[1]
        self.train_medians_ = self.pipeline_.named_steps["impute"].statistics_
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        """Probabilities ``[P(0), P(1)]`` per row."""
        Xa = self._check_X(X)
        return self.pipeline_.predict_proba(Xa)

    def predict(self, X: Any) -> np.ndarray:
        """Predicted class (probability >= 0.5)."""
        return (self.predict_proba(X)[:, 1] >= 0.5).astype(int)

    def _check_X(self, X: Any) -> np.ndarray:
        if not hasattr(self, "pipeline_"):
            raise BrexsimInputError("predictor", "unfitted", "call fit() first")
        if isinstance(X, pd.DataFrame) and hasattr(self, "feature_names_in_"):
            missing = [f for f in self.feature_names_in_ if f not in X.columns]
            if missing:
                raise input_error("features", missing, "the features the model was trained on")
            X = X[list(self.feature_names_in_)]
        Xa = np.asarray(X, dtype=float)
        if Xa.ndim != 2 or Xa.shape[1] != self.n_features_in_:
            raise input_error("X", Xa.shape, f"a 2-D array with {self.n_features_in_} columns")
        return Xa


def get_delong_auc_ci(
    y: np.ndarray, p: np.ndarray, level: float = 0.95
) -> tuple[float, float, float, float]:
    """ROC AUC with its DeLong standard error and CI (logit-free, clipped to [0, 1]).

    Structural components (DeLong, DeLong & Clarke-Pearson 1988): ``V10_i`` = mean over
    negatives of ``psi(p_i, p_j)`` for each positive i, ``V01_j`` likewise; ``var =
    var(V10)/m + var(V01)/n``; ``psi = 1`` if greater, ``0.5`` if tied.

    Returns
    -------
    auc, se, ci_low, ci_high

    Examples
    --------
    >>> auc, se, lo, hi = get_delong_auc_ci(np.array([0, 0, 1, 1]), np.array([.1, .4, .35, .8]))
    >>> auc
    0.75
    """
    y = np.asarray(y).astype(int)
    p = np.asarray(p, dtype=float)
    pos, neg = p[y == 1], p[y == 0]
    m, n = pos.size, neg.size
    if m < 1 or n < 1:
        raise input_error("y", "one class only", "both outcome classes for an AUC")
    # midranks give psi averages in O((m+n) log(m+n))
    allr = stats.rankdata(np.concatenate([pos, neg]))
    rpos = stats.rankdata(pos)
    rneg = stats.rankdata(neg)
    v10 = (allr[:m] - rpos) / n
    v01 = 1.0 - (allr[m:] - rneg) / m
    auc = float(v10.mean())
    s10 = v10.var(ddof=1) if m > 1 else 0.0
    s01 = v01.var(ddof=1) if n > 1 else 0.0
    se = float(np.sqrt(s10 / m + s01 / n))
    z = stats.norm.ppf(0.5 + level / 2.0)
    return auc, se, float(max(0.0, auc - z * se)), float(min(1.0, auc + z * se))


@dataclass(frozen=True)
class CVResult:
    """Cross-validated performance of one model.

    Attributes
    ----------
    model : str
    n_subjects, n_events : int
    n_splits, n_repeats : int
    auc_per_repeat : ndarray
        Out-of-fold ROC AUC of each repeat.
    oof_probability : Series
        Mean out-of-fold probability per subject (over repeats).
    auc, auc_se, auc_ci_low, auc_ci_high : float
        AUC of the pooled out-of-fold probabilities, DeLong SE and 95 % CI.
    brier : float
        Brier score of the pooled probabilities (lower is better); ``brier_null`` is that
        of always predicting the prevalence.
    calibration : DataFrame
        ``mean_predicted, observed_fraction`` per quantile bin.
    calibration_intercept, calibration_slope : float
        Logistic recalibration of the outcome on logit(p) (ideal 0 and 1); NaN if the fit
        is not defined (e.g. perfect separation).
    """

    model: str
    n_subjects: int
    n_events: int
    n_splits: int
    n_repeats: int
    auc_per_repeat: np.ndarray
    oof_probability: pd.Series
    auc: float
    auc_se: float
    auc_ci_low: float
    auc_ci_high: float
    brier: float
    brier_null: float
    calibration: pd.DataFrame
    calibration_intercept: float
    calibration_slope: float
    notes: tuple[str, ...] = field(default_factory=tuple)

    def get_summary(self) -> dict[str, Any]:
        """JSON-ready metrics (NaN written as None)."""

        def num(x: float) -> float | None:
            return float(x) if np.isfinite(x) else None

        return {
            "model": self.model,
            "n_subjects": self.n_subjects,
            "n_events": self.n_events,
            "cv": f"{self.n_repeats} x repeated stratified {self.n_splits}-fold",
            "auc": num(self.auc),
            "auc_se_delong": num(self.auc_se),
            "auc_ci95": [num(self.auc_ci_low), num(self.auc_ci_high)],
            "auc_per_repeat_mean": num(float(np.mean(self.auc_per_repeat))),
            "auc_per_repeat_2.5_97.5": [
                num(float(np.percentile(self.auc_per_repeat, 2.5))),
                num(float(np.percentile(self.auc_per_repeat, 97.5))),
            ],
            "brier": num(self.brier),
            "brier_null": num(self.brier_null),
            "calibration_intercept": num(self.calibration_intercept),
            "calibration_slope": num(self.calibration_slope),
            "calibration_curve": [
                {k: num(float(v)) for k, v in row.items()}
                for row in self.calibration.to_dict(orient="records")
            ],
            "notes": list(self.notes),
        }


def _calibration_fit(y: np.ndarray, p: np.ndarray) -> tuple[float, float]:
    import statsmodels.api as sm

    lp = np.log(np.clip(p, 1e-6, 1 - 1e-6) / (1 - np.clip(p, 1e-6, 1 - 1e-6)))
    if np.ptp(lp) == 0:
        return np.nan, np.nan
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fit = sm.GLM(y, sm.add_constant(lp), family=sm.families.Binomial()).fit()
        a, b = (float(v) for v in fit.params)
        if not (np.isfinite(a) and np.isfinite(b)) or abs(b) > 1e3:
            return np.nan, np.nan
        return a, b
    except (np.linalg.LinAlgError, ValueError, FloatingPointError):
        return np.nan, np.nan


def cross_validate_predictor(
    estimator: ResponsePredictor,
    X: pd.DataFrame,
    y: pd.Series,
    n_splits: int = 5,
    n_repeats: int = 20,
    seed: int = 0,
) -> CVResult:
    """Repeated stratified k-fold CV of ``estimator`` (a fresh clone is fitted per fold).

    ``n_splits`` is reduced to the size of the smaller class when that is smaller (at least
    2 subjects per class are required).

    Examples
    --------
    >>> from brexsim.analysis.data import make_example_dataset
    >>> d = make_example_dataset(0, n_subjects=40)
    >>> X, y = build_features(d, 24), build_outcome(d, 60)
    >>> cv = cross_validate_predictor(ResponsePredictor(), X, y, n_repeats=3)
    >>> cv.n_subjects, 0.0 <= cv.auc <= 1.0
    (40, True)
    """
    from sklearn.base import clone

    X, y = X.loc[X.index.intersection(y.index)], y.loc[y.index.intersection(X.index)]
    X, y = X.sort_index(), y.sort_index()
    ya = y.to_numpy().astype(int)
    counts = np.bincount(ya, minlength=2)
    if counts.min() < 2:
        raise input_error(
            "outcome",
            f"{int(counts[1])} events / {int(counts[0])} non-events",
            "at least 2 subjects in each outcome class for cross-validation",
        )
    notes = []
    k = int(min(n_splits, counts.min()))
    if k < n_splits:
        notes.append(f"folds reduced from {n_splits} to {k} (smaller class has {counts.min()})")
    if n_repeats < 1:
        raise input_error("n_repeats", n_repeats, "an integer >= 1")
    cv = RepeatedStratifiedKFold(n_splits=k, n_repeats=n_repeats, random_state=seed)
    Xa = X.to_numpy(dtype=float)
    n = ya.size
    oof = np.zeros((n_repeats, n))
    for i, (tr, te) in enumerate(cv.split(Xa, ya)):
        est = clone(estimator).fit(X.iloc[tr], ya[tr])
        oof[i // k, te] = est.predict_proba(X.iloc[te])[:, 1]
    aucs = np.array([roc_auc_score(ya, oof[r]) for r in range(n_repeats)])
    pbar = oof.mean(axis=0)
    auc, se, lo, hi = get_delong_auc_ci(ya, pbar)
    n_bins = int(max(2, min(5, n // 10)))
    frac, mean_pred = calibration_curve(ya, pbar, n_bins=n_bins, strategy="quantile")
    a, b = _calibration_fit(ya, pbar)
    prev = ya.mean()
    return CVResult(
        model=estimator.model,
        n_subjects=int(n),
        n_events=int(counts[1]),
        n_splits=k,
        n_repeats=n_repeats,
        auc_per_repeat=aucs,
        oof_probability=pd.Series(pbar, index=X.index, name="oof_probability"),
        auc=auc,
        auc_se=se,
        auc_ci_low=lo,
        auc_ci_high=hi,
        brier=float(brier_score_loss(ya, pbar)),
        brier_null=float(prev * (1 - prev)),
        calibration=pd.DataFrame({"mean_predicted": mean_pred, "observed_fraction": frac}),
        calibration_intercept=a,
        calibration_slope=b,
        notes=tuple(notes),
    )


@dataclass(frozen=True)
class TrainedModel:
    """A predictor fitted on all subjects, with what is needed to apply it.

    Attributes
    ----------
    predictor : ResponsePredictor
    features : tuple of str
        Feature names (``ANALYTE:STIMULUS``), in order.
    early_h, outcome_h : float
    outcome : str
    transform : str
    include_hamd : bool
    cv : dict of str -> CVResult
        Cross-validation of every model family compared (the chosen one included).
    n_train : int
    metadata : dict
        Provenance and free-form information saved with the model.
    """

    predictor: ResponsePredictor
    features: tuple[str, ...]
    early_h: float
    outcome_h: float
    outcome: str
    transform: str
    include_hamd: bool
    cv: dict[str, CVResult]
    n_train: int
    metadata: dict[str, Any] = field(default_factory=dict)

    def get_summary(self) -> dict[str, Any]:
        """JSON-ready description of the model and its CV metrics."""
        return {
            "model": self.predictor.model,
            "features": list(self.features),
            "early_h": self.early_h,
            "outcome_h": self.outcome_h,
            "outcome": self.outcome,
            "outcome_definition": OUTCOMES[self.outcome],
            "transform": self.transform,
            "include_hamd": self.include_hamd,
            "n_train": self.n_train,
            "cv": {k: v.get_summary() for k, v in self.cv.items()},
            "metadata": self.metadata,
        }


def train_response_model(
    data: pd.DataFrame,
    early_h: float,
    outcome_h: float,
    outcome: str = "response",
    transform: str = "log",
    model: str = "logistic",
    features: Sequence[str] | None = None,
    include_hamd: bool = False,
    n_splits: int = 5,
    n_repeats: int = 20,
    seed: int = 0,
    compare: Sequence[str] = MODELS,
    metadata: Mapping[str, Any] | None = None,
) -> TrainedModel:
    """Cross-validate the model families in ``compare`` and fit ``model`` on all subjects.

    Examples
    --------
    >>> from brexsim.analysis.data import make_example_dataset
    >>> tm = train_response_model(make_example_dataset(0, n_subjects=30), 24, 60,
    ...                           n_repeats=2, compare=("logistic",))
    >>> tm.n_train, tm.features[:2]
    (30, ('BDNF:basal', 'IL1b:basal'))
    """
    if model not in MODELS:
        raise input_error("model", model, f"one of {', '.join(MODELS)}")
    if float(outcome_h) <= float(early_h):
        raise input_error("outcome_h", outcome_h, f"a time later than early_h = {early_h} h")
    X = build_features(data, early_h, transform, features, include_hamd)
    y = build_outcome(data, outcome_h, outcome)
    common = X.index.intersection(y.index)
    X, y = X.loc[common], y.loc[common]
    all_missing = [c for c in X.columns if X[c].isna().all()]
    if all_missing:
        raise input_error("features", all_missing, "features with at least one early change")
    families = list(dict.fromkeys([model, *compare]))
    cv = {
        fam: cross_validate_predictor(
            ResponsePredictor(model=fam, random_state=seed), X, y, n_splits, n_repeats, seed
        )
        for fam in families
    }
    final = ResponsePredictor(model=model, random_state=seed).fit(X, y)
    return TrainedModel(
        predictor=final,
        features=tuple(X.columns),
        early_h=float(early_h),
        outcome_h=float(outcome_h),
        outcome=outcome,
        transform=transform,
        include_hamd=include_hamd,
        cv=cv,
        n_train=len(y),
        metadata=dict(metadata or {}),
    )


def save_model(path: str | Path, trained: TrainedModel) -> Path:
    """Save a :class:`TrainedModel` with joblib (a pickle: share only with people who trust
    you, load only files you trust).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from brexsim.analysis.data import make_example_dataset
    >>> tm = train_response_model(make_example_dataset(0, n_subjects=20), 24, 60, n_repeats=1,
    ...                           compare=("logistic",))
    >>> p = save_model(pathlib.Path(tempfile.mkdtemp()) / "m.joblib", tm)
    >>> load_model(p).features == tm.features
    True
    """
    import joblib
    import sklearn

    path = Path(path)
    payload = {
        "format": _FORMAT,
        "format_version": _FORMAT_VERSION,
        "sklearn_version": sklearn.__version__,
        "model": trained,
    }
    joblib.dump(payload, path)
    return path


def load_model(path: str | Path) -> TrainedModel:
    """Load a model written by :func:`save_model` (a model folder is accepted too: its
    ``model.joblib`` is read)."""
    import joblib

    path = Path(path)
    if path.is_dir():
        path = path / "model.joblib"
    if not path.is_file():
        raise input_error("model", str(path), "a model file written by `brexsim predict train`")
    try:
        payload = joblib.load(path)
    except Exception as exc:
        raise input_error("model", str(path), f"a readable brexsim model file ({exc})") from exc
    if not isinstance(payload, dict) or payload.get("format") != _FORMAT:
        raise input_error("model", str(path), "a model file written by `brexsim predict train`")
    if payload.get("format_version") != _FORMAT_VERSION:
        raise input_error(
            "model", str(path), f"model format version {_FORMAT_VERSION} (retrain the model)"
        )
    return payload["model"]


def predict_patients(
    trained: TrainedModel,
    data: pd.DataFrame | None = None,
    changes: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """Probability of the outcome for new patients.

    Give either ``data`` (canonical long frame with each patient's baseline and early-time
    values; the features are computed exactly as in training) or ``changes`` (one patient's
    feature values, ``{"TNFa:basal": -0.3, ...}``, on the training scale). Missing features
    are filled with the training medians and listed in ``imputed``.

    Returns
    -------
    DataFrame
        ``subject, probability, n_features_used, imputed``.

    Examples
    --------
    >>> from brexsim.analysis.data import make_example_dataset
    >>> d = make_example_dataset(0, n_subjects=30)
    >>> tm = train_response_model(d, 24, 60, n_repeats=1, compare=("logistic",))
    >>> out = predict_patients(tm, changes={"TNFa:basal": -0.5})
    >>> int(out.loc[0, "n_features_used"]), bool(0 < out.loc[0, "probability"] < 1)
    (1, True)
    """
    if (data is None) == (changes is None):
        raise input_error("input", "both or neither", "either data or changes")
    feats = list(trained.features)
    if changes is not None:
        unknown = [k for k in changes if k not in feats]
        if unknown:
            raise input_error("features", unknown, f"features of the model: {', '.join(feats)}")
        X = pd.DataFrame(
            [[float(changes.get(f, np.nan)) for f in feats]],
            columns=feats,
            index=pd.Index(["patient"], name="subject"),
        )
        bad = [k for k, v in changes.items() if not np.isfinite(float(v))]
        if bad:
            raise input_error("value", bad, "finite numbers")
    else:
        X0 = build_features(
            data, trained.early_h, trained.transform, include_hamd=trained.include_hamd
        )
        X = X0.reindex(columns=feats)
    n_used = X.notna().sum(axis=1)
    if (n_used == 0).any():
        who = list(X.index[n_used == 0])
        raise input_error(
            "values",
            who,
            f"at least one of the model's features at baseline and {trained.early_h:g} h "
            f"({', '.join(feats)})",
        )
    prob = trained.predictor.predict_proba(X)[:, 1]
    imputed = ["; ".join(c for c in feats if np.isnan(X.loc[s, c])) for s in X.index]
    return pd.DataFrame(
        {
            "subject": list(X.index),
            "probability": prob,
            "n_features_used": n_used.to_numpy(),
            "imputed": imputed,
        }
    )
