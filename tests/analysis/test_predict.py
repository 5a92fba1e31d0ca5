"""Response prediction (brexsim.analysis.predict)."""

from __future__ import annotations

from itertools import product
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.metrics import brier_score_loss, roc_auc_score

from brexsim.analysis.data import make_example_dataset, read_biomarkers
from brexsim.analysis.predict import (
    ResponsePredictor,
    build_features,
    build_outcome,
    cross_validate_predictor,
    get_delong_auc_ci,
    load_model,
    predict_patients,
    save_model,
    train_response_model,
)
from brexsim.errors import BrexsimInputError

DATA = Path(__file__).parent / "data"


def test_outcomes_from_handmade_hamd() -> None:
    d = read_biomarkers(DATA / "handmade_long.csv")
    # HAM-D 0 -> 60 h: P01 28->11, P02 27->16, P03 31->7, P04 26->21, P05 29->14,
    # P06 30->9, P07 26->20, P08 28->(missing)
    resp = build_outcome(d, 60, "response")
    assert resp.to_dict() == {"P01": 1, "P02": 0, "P03": 1, "P04": 0, "P05": 1, "P06": 1, "P07": 0}
    rem = build_outcome(d, 60, "remission")
    assert rem[rem == 1].index.tolist() == ["P03"]
    with pytest.raises(BrexsimInputError, match="outcome"):
        build_outcome(d, 60, "relapse")
    with pytest.raises(BrexsimInputError, match="outcome_h"):
        build_outcome(d, 48, "response")


def test_features_are_changes_on_the_log_scale() -> None:
    d = read_biomarkers(DATA / "handmade_long.csv")
    X = build_features(d, early_h=24)
    assert list(X.columns) == ["IL6:basal", "TNFa:basal", "TNFa:LPS"]
    assert X.loc["P01", "TNFa:LPS"] == pytest.approx(np.log(1320 / 1510), abs=1e-12)
    assert np.isnan(X.loc["P04", "TNFa:basal"]) and np.isnan(X.loc["P08", "TNFa:LPS"])
    Xr = build_features(d, early_h=24, transform="raw", features=["IL6:basal"], include_hamd=False)
    assert Xr.loc["P01", "IL6:basal"] == pytest.approx(3.9 - 4.2, abs=1e-12)
    Xh = build_features(d, early_h=24, include_hamd=True)
    assert Xh.loc["P01", "HAMD17:basal"] == 19 - 28
    with pytest.raises(BrexsimInputError, match="features"):
        build_features(d, 24, features=["CRP:basal"])


def _brute_delong(y: np.ndarray, p: np.ndarray) -> tuple[float, float]:
    pos, neg = p[y == 1], p[y == 0]

    def psi(a: float, b: float) -> float:
        return 1.0 if a > b else 0.5 if a == b else 0.0

    v10 = np.array([np.mean([psi(a, b) for b in neg]) for a in pos])
    v01 = np.array([np.mean([psi(a, b) for a in pos]) for b in neg])
    var = v10.var(ddof=1) / pos.size + v01.var(ddof=1) / neg.size
    return float(v10.mean()), float(np.sqrt(var))


def test_delong_matches_definition_and_sklearn() -> None:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 37)
    p = np.round(rng.random(37) + 0.4 * y, 1)  # rounding makes ties
    auc, se, lo, _ = get_delong_auc_ci(y, p)
    auc_b, se_b = _brute_delong(y, p)
    assert auc == pytest.approx(roc_auc_score(y, p), abs=1e-12)
    assert auc == pytest.approx(auc_b, abs=1e-12) and se == pytest.approx(se_b, abs=1e-12)
    assert lo == pytest.approx(auc - 1.959963984540054 * se, abs=1e-12)


def test_estimator_follows_sklearn_conventions() -> None:
    est = ResponsePredictor(model="forest", n_estimators=20, max_depth=2)
    assert est.get_params()["n_estimators"] == 20
    c = clone(est)
    assert c.get_params() == est.get_params() and not hasattr(c, "pipeline_")
    with pytest.raises(BrexsimInputError, match="model"):
        ResponsePredictor(model="svm").fit(np.zeros((4, 1)), [0, 1, 0, 1])
    with pytest.raises(BrexsimInputError, match="call fit"):
        ResponsePredictor().predict_proba(np.zeros((1, 1)))
    with pytest.raises(BrexsimInputError, match="both outcome classes"):
        ResponsePredictor().fit(np.zeros((4, 1)), [1, 1, 1, 1])


def test_cv_finds_signal_and_not_noise() -> None:
    d = make_example_dataset(seed=21, n_subjects=100, times_h=(0.0, 24.0, 60.0))
    X, y = build_features(d, 24), build_outcome(d, 60)
    cv = cross_validate_predictor(ResponsePredictor(), X, y, n_splits=5, n_repeats=3, seed=1)
    assert cv.auc_ci_low > 0.7  # the responsiveness z drives both changes and response
    assert cv.brier < cv.brier_null
    assert cv.auc_per_repeat.shape == (3,)
    pbar = cv.oof_probability.loc[y.index].to_numpy()
    assert cv.brier == pytest.approx(brier_score_loss(y, pbar), abs=1e-12)
    # permuted outcomes: no information, the CI covers 0.5
    y_perm = pd.Series(np.random.default_rng(2).permutation(y.to_numpy()), index=y.index)
    null = cross_validate_predictor(ResponsePredictor(), X, y_perm, n_repeats=3, seed=1)
    assert null.auc_ci_low < 0.5 < null.auc_ci_high
    forest = cross_validate_predictor(
        ResponsePredictor(model="forest", n_estimators=50), X, y, n_repeats=1, seed=1
    )
    assert forest.auc > 0.7


def test_cv_needs_two_per_class() -> None:
    X = pd.DataFrame({"a": np.arange(6.0)}, index=list("abcdef"))
    y = pd.Series([0, 0, 0, 0, 0, 1], index=list("abcdef"))
    with pytest.raises(BrexsimInputError, match="at least 2 subjects in each outcome class"):
        cross_validate_predictor(ResponsePredictor(), X, y)


def test_train_save_load_predict(tmp_path: Path) -> None:
    d = make_example_dataset(seed=4, n_subjects=40, times_h=(0.0, 24.0, 60.0))
    tm = train_response_model(d, 24, 60, n_repeats=2, compare=("logistic",))
    assert set(tm.cv) == {"logistic"} and tm.n_train == 40
    path = save_model(tmp_path / "model.joblib", tm)
    back = load_model(tmp_path)  # folder form
    with pytest.raises(BrexsimInputError):
        load_model(tmp_path / "none.joblib")
    assert back.features == tm.features
    new = make_example_dataset(seed=99, n_subjects=3, times_h=(0.0, 24.0))
    a = predict_patients(tm, data=new)
    b = predict_patients(load_model(path), data=new)
    np.testing.assert_array_equal(a["probability"], b["probability"])
    # the same patient given as ready-made changes gives the same probability
    X = build_features(new, 24)
    one = predict_patients(tm, changes=X.iloc[0].to_dict())
    assert one.loc[0, "probability"] == pytest.approx(a.loc[0, "probability"], abs=1e-12)
    # missing features are imputed and listed
    part = predict_patients(tm, changes={"TNFa:LPS": -0.4})
    assert part.loc[0, "n_features_used"] == 1 and "TNFa:basal" in part.loc[0, "imputed"]
    with pytest.raises(BrexsimInputError, match="features of the model"):
        predict_patients(tm, changes={"CRP:basal": 1.0})
    with pytest.raises(BrexsimInputError, match="outcome_h"):
        train_response_model(d, 60, 24)


@pytest.mark.parametrize(("outcome", "model"), list(product(["remission"], ["forest"])))
def test_other_outcome_and_model(outcome: str, model: str) -> None:
    d = make_example_dataset(seed=8, n_subjects=60, times_h=(0.0, 24.0, 168.0))
    tm = train_response_model(d, 24, 168, outcome=outcome, model=model, n_repeats=1, compare=())
    assert tm.predictor.model == "forest" and tm.outcome == "remission"
    assert 0.0 <= tm.cv["forest"].auc <= 1.0
