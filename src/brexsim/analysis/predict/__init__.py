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

from brexsim.analysis.predict._features import MODELS, OUTCOMES, build_features, build_outcome
from brexsim.analysis.predict._trained import (
    TrainedModel,
    load_model,
    predict_patients,
    save_model,
    train_response_model,
)
from brexsim.analysis.predict._validation import (
    CVResult,
    ResponsePredictor,
    cross_validate_predictor,
    get_delong_auc_ci,
)

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
