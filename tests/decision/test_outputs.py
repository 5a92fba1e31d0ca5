"""Headline outputs on a fixed population (runs the model: one compiled block of 64)."""

import numpy as np
import pytest

from brexsim.decision.outputs import (
    OUTPUTS,
    check_outputs,
    compute_patient_outputs,
    get_intervals,
    get_population,
    rescale_population,
)
from brexsim.dosing import get_preset
from brexsim.errors import BrexsimInputError
from brexsim.params import load_parameters, override_parameters


@pytest.fixture(scope="module")
def pop():
    return get_population(64, 3)


def test_drug_beats_placebo_and_sedates_more_on_the_same_patients(pop):
    names = ["hamd_change_h60", "excessive_sedation_rate", "infusion_hours", "remission_d30"]
    drug = compute_patient_outputs(get_preset("zulresso"), pop, names=names)
    pbo = compute_patient_outputs(get_preset("placebo"), pop, names=names)
    assert drug["hamd_change_h60"].mean() < pbo["hamd_change_h60"].mean()
    assert drug["excessive_sedation_rate"].sum() >= pbo["excessive_sedation_rate"].sum()
    assert np.all(drug["infusion_hours"] == 60.0)
    again = compute_patient_outputs(get_preset("zulresso"), pop, names=names)
    for k in names:  # common random numbers: the same patients give the same values
        assert np.array_equal(drug[k], again[k])


def test_rescale_population_keeps_draws_and_scales_spread(pop):
    base = load_parameters()
    ps = override_parameters(
        base,
        {"hamd.omega_drug": 2 * base.value("hamd.omega_drug"), "sedation.sensitivity_iiv_sd": 0.3},
    )
    new = rescale_population(pop, ps, base)
    assert np.allclose(new.random_effects["eta_drug"], 2 * pop.random_effects["eta_drug"])
    ratio = np.log(new.random_effects["sedation_sensitivity"]) / np.log(
        pop.random_effects["sedation_sensitivity"]
    )
    assert np.allclose(ratio, 0.3 / base.value("sedation.sensitivity_iiv_sd"))
    assert rescale_population(pop, base, base).random_effects["eta_drug"] is not None


def test_intervals_contain_estimates():
    iv = get_intervals(
        {"hamd_change_h60": np.array([-10.0, -12.0, -14.0]), "loc_rate": np.zeros(10)}
    )
    e, lo, hi = iv["hamd_change_h60"]
    assert lo < e == -12.0 < hi
    assert iv["loc_rate"] == (0.0, 0.0, pytest.approx(0.2775, abs=1e-3))


def test_bad_names_and_sizes():
    assert set(check_outputs(list(OUTPUTS))) == set(OUTPUTS)
    with pytest.raises(BrexsimInputError, match="--outputs"):
        check_outputs(["hamd_change_h61"])
    with pytest.raises(BrexsimInputError, match="--patients"):
        get_population(100, 1)
