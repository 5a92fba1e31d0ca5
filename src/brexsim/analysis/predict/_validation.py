"""Response prediction, the estimator and its cross-validation: ResponsePredictor, DeLong AUC
CI, calibration fit and repeated stratified k-fold (split from ``predict``; see the package
docstring).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
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

from brexsim.analysis.predict._features import MODELS
from brexsim.errors import BrexsimInputError, input_error


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
    >>> from brexsim.analysis.predict import build_features, build_outcome
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
