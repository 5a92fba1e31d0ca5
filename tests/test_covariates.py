"""Population description (θ/Ω/Σ), special-population covariates and PK scales."""

import numpy as np
import pytest

from brexsim.covariates import check_covariates, get_pk_scales, sample_pk_etas
from brexsim.dosing import get_preset
from brexsim.errors import BrexsimInputError
from brexsim.params.popmodel import check_omega, get_omega, get_population_model
from brexsim.pk import simulate_pk
from brexsim.population import sample_population


def test_omega_block_not_positive_definite_is_named():
    with pytest.raises(BrexsimInputError, match="positive semi-definite"):
        check_omega(np.array([[0.04, 0.1], [0.1, 0.04]]))


def test_unknown_covariate_and_impossible_hepatic_class():
    with pytest.raises(BrexsimInputError, match="covariates"):
        check_covariates({"smoking": np.array(["yes"])}, 1)
    with pytest.raises(BrexsimInputError, match="class_d"):
        check_covariates({"hepatic": np.array(["class_d"])}, 1)


def test_pk_eta_variance_matches_omega():
    e = sample_pk_etas(np.arange(20000), 7)
    om = get_omega(get_population_model("brexanolone_pk"))
    assert np.var(e["eta_pk_cl"]) == pytest.approx(om[0, 0], rel=0.05)


def test_typical_population_draws_are_unchanged_by_pk_variability():
    a = sample_population(5, 3)
    b = sample_population(5, 3, pk_variability=True)
    assert a.weight_kg.tolist() == b.weight_kg.tolist()
    assert a.random_effects["eta_drug"].tolist() == b.random_effects["eta_drug"].tolist()
    assert "eta_pk_cl" in b.random_effects and "eta_pk_cl" not in a.random_effects


def test_zuranolone_strong_inhibitor_auc_and_label_dose():
    reg50, reg30 = get_preset("zuranolone-50mg"), get_preset("zuranolone-30mg")
    t = np.arange(0.0, 24 * 40, 0.5)

    def auc(reg, level):
        s = get_pk_scales("zuranolone", 1, covariates={"cyp3a4": np.array([level])})
        c = simulate_pk(reg, 70.0, t, scale={k: v[0] for k, v in s.items()}).plasma_drug_ng_per_ml
        return np.trapezoid(c, t)

    ratio = auc(reg50, "strong_inhibitor") / auc(reg50, "none")
    assert ratio == pytest.approx(1.62, rel=0.01)  # the DDI study's AUC ratio
    back = auc(reg30, "strong_inhibitor") / auc(reg50, "none")
    assert 0.8 <= back <= 1.25  # the label's 30 mg brings exposure back near the reference
