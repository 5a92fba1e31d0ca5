"""Response prediction, the trained model: training, saving, loading and predicting new
patients (split from ``predict``; see the package docstring).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from brexsim.analysis.predict._features import (
    _FORMAT,
    _FORMAT_VERSION,
    MODELS,
    OUTCOMES,
    build_features,
    build_outcome,
)
from brexsim.analysis.predict._validation import (
    CVResult,
    ResponsePredictor,
    cross_validate_predictor,
)
from brexsim.errors import input_error


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
