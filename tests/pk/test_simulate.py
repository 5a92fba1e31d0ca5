import numpy as np
import pytest

from brexsim.dosing import get_preset
from brexsim.errors import BrexsimInputError
from brexsim.params import load_parameters
from brexsim.pk import simulate_pk

PS = load_parameters()


def test_free_and_biophase_conversions():
    res = simulate_pk(get_preset("zulresso"), 70.0)
    b = PS.get_layer("brexanolone_pk")
    nm = 1000.0 / b["mw_g_per_mol"]
    np.testing.assert_allclose(
        res.drug_free_plasma_nM, res.plasma_drug_ng_per_ml * b["fu_plasma"] * nm
    )
    np.testing.assert_allclose(
        res.drug_biophase_free_nM,
        res.effect_site_drug_ng_per_ml * b["fu_plasma"] * b["kp_uu_brain"] * nm,
    )
    np.testing.assert_allclose(
        res.plasma_total_ng_per_ml, res.plasma_drug_ng_per_ml + b["endogenous_ng_per_ml"]
    )
    assert res.endogenous_biophase_free_nM[0] == pytest.approx(
        b["endogenous_ng_per_ml"] * b["fu_plasma"] * nm
    )
    # free drug at the receptors is in the low nM: Cmax 82 ng/mL x 0.01 x 3.14 nM per ng/mL
    assert 2.0 < res.drug_biophase_free_nM.max() < 3.5


def test_placebo_gives_only_endogenous():
    res = simulate_pk(get_preset("placebo"))
    assert res.plasma_drug_ng_per_ml.max() == 0.0
    assert np.all(res.plasma_total_ng_per_ml == PS.value("brexanolone_pk.endogenous_ng_per_ml"))


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"weight_kg": float("nan")}, "weight_kg"),
        ({"weight_kg": 5.0}, "weight_kg"),
        ({"times_h": np.array([2.0, 1.0])}, "times_h"),
        ({"times_h": np.array([-1.0, 1.0])}, "times_h"),
        ({"times_h": np.array([0.0, np.nan])}, "times_h"),
    ],
)
def test_bad_inputs(kwargs, field):
    with pytest.raises(BrexsimInputError) as e:
        simulate_pk(get_preset("zulresso"), **kwargs)
    assert e.value.field == field


def test_no_nan_or_negative_over_extreme_valid_inputs():
    for name in ("zulresso", "study1-brx60", "zuranolone-50mg", "placebo-oral"):
        for w in (20.0, 250.0):
            res = simulate_pk(get_preset(name), w)
            for v, _ in res.get_series().values():
                assert np.all(np.isfinite(v)) and np.all(v >= 0.0)
