"""The assembled model: one simulate() across layers, batches, reproducibility."""

import numpy as np
import pytest

from brexsim.dosing import get_preset
from brexsim.errors import BrexsimInputError
from brexsim.model import simulate
from brexsim.model.solve import IN_VIVO_STATES
from brexsim.population import sample_population

T = np.arange(0.0, 24.0 * 30 + 1.0, 2.0)


@pytest.fixture(scope="module")
def typical():
    return simulate(get_preset("zulresso"), typical=True, times_h=T)


def test_typical_patient_all_layers_labelled(typical):
    for name in ("plasma_drug", "biophase_free_drug", "tone_index", "tnf_fold", "bdnf"):
        v = typical.get(name)
        assert v.shape == (1, len(T)) and np.all(np.isfinite(v))
        assert typical.outputs[name][1]
    i60 = int(np.searchsorted(T, 60.0))
    assert 0.0 < typical.get("tone_index")[0, i60 - 4] < 1.0
    assert typical.get("tnf_fold")[0, i60] < 0.5
    assert typical.get("bdnf_change_sd")[0, -1] > 0.0  # BDNF still raised at day 30
    df = typical.to_long_frame("BRX90")
    assert list(df.columns) == ["subject", "arm", "time_h", "variable", "value", "unit"]


def test_coupled_solve_matches_the_standalone_tlr_layer(typical):
    from brexsim.mechanism import tlr
    from brexsim.pk import simulate_pk

    # the standalone layer takes the drug on a grid (linear interpolation); on a 0.02-h grid its
    # interpolation error (~h^2 c''/8) is below 1e-4 of the fold change
    on = T <= 120.0
    fine = np.arange(0.0, 120.0 + 0.01, 0.02)
    c = simulate_pk(get_preset("zulresso"), 70.0, fine).plasma_drug_ng_per_ml
    ref = tlr.simulate_inflammation(fine, c).get_fold_change("tnf")[np.searchsorted(fine, T[on])]
    np.testing.assert_allclose(typical.get("tnf_fold")[0][on], ref, rtol=1e-4)
    from brexsim.mechanism import bdnf

    assert len(IN_VIVO_STATES) == len(tlr.IN_VIVO_STATES) + len(bdnf.BDNF_STATES)


def test_placebo_leaves_every_layer_at_baseline():
    res = simulate(get_preset("placebo"), typical=True, times_h=T)
    # exactly at baseline up to the solver's error control (rtol 1e-6: the steps grow to
    # Tsit5's stability limit when nothing moves, leaving a few rtol; measured 6.6e-6)
    assert np.max(np.abs(res.get("tnf_fold") - 1.0)) < 2e-5
    assert np.max(np.abs(res.get("bdnf_change_sd"))) < 1e-6
    assert np.max(res.get("plasma_drug")) == 0.0


def test_same_seed_same_results_any_chunk_and_order():
    pop = sample_population(5, seed=11)
    reg = get_preset("zulresso")
    a = simulate(reg, pop, times_h=T, chunk=2)
    b = simulate(reg, pop, times_h=T, chunk=8)
    order = np.array([3, 1, 4, 0, 2])
    c = simulate(reg, pop.take(order), times_h=T, chunk=4)
    for name in a.outputs:
        np.testing.assert_allclose(a.get(name), b.get(name), rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(a.get(name)[order], c.get(name), rtol=1e-12, atol=1e-14)


def test_population_streams_are_per_patient():
    a = sample_population(6, seed=3)
    b = sample_population(3, seed=3, first_id=3)
    np.testing.assert_array_equal(a.weight_kg[3:], b.weight_kg)
    assert np.all((a.hamd_baseline >= 26) & (a.hamd_baseline <= 52))


def test_extreme_but_valid_covariates_no_nan_no_negative():
    pop = sample_population(4, seed=5)
    pop = type(pop)(
        pop.ids,
        np.array([40.0, 160.0, 40.0, 160.0]),
        pop.hamd_baseline,
        pop.antidepressant,
        pop.random_effects,
        pop.seed,
    )
    res = simulate(get_preset("zulresso"), pop, times_h=T)
    for name, (v, _) in res.outputs.items():
        assert np.all(np.isfinite(v)), name
        if name not in ("bdnf_change_sd", "hamd_change"):  # changes may be negative
            assert np.all(v >= -1e-12), name


def test_bad_inputs():
    with pytest.raises(BrexsimInputError, match="times_h"):
        simulate(get_preset("zulresso"), typical=True, times_h=np.array([5.0, 1.0]))
    with pytest.raises(BrexsimInputError, match="regimen"):
        simulate([get_preset("zulresso"), get_preset("zuranolone-30mg")], sample_population(2, 1))


def test_hamd_sedation_and_monitoring_are_wired():
    pop = sample_population(40, seed=2)
    drug = simulate(get_preset("zulresso"), pop, times_h=T)
    pbo = simulate(get_preset("placebo"), pop, times_h=T)
    i60 = int(np.searchsorted(T, 60.0))
    h = drug.get("hamd")
    assert h.dtype.kind == "f" and np.all(h == np.round(h)) and h.min() >= 0 and h.max() <= 52
    # same patients: the drug arm improves more on average at h60 (expected scores)
    d = drug.get("hamd_expected")[:, i60] - pbo.get("hamd_expected")[:, i60]
    assert d.mean() < 0
    # monitoring events change the regimen that PK and efficacy see
    stopped = np.flatnonzero(drug.outcomes["interruption"])
    for i in stopped:
        assert drug.regimens[i] != get_preset("zulresso")
        assert drug.events[i]
    for k in ("somnolence", "loss_of_consciousness", "response", "remission"):
        assert drug.outcomes[k].shape == (40,)
    assert not pbo.outcomes["loss_of_consciousness"].all()


def test_zuranolone_tone_uses_the_calibrated_exposure_scale():
    from brexsim.clinical.hamd import scale_biophase_for_tone
    from brexsim.mechanism.gabaa import get_tone_index

    reg = get_preset("zuranolone-30mg")
    res = simulate(reg, typical=True, times_h=T)
    i = int(np.searchsorted(T, 100.0))
    free = res.get("biophase_free_drug")[0, i]
    endo = simulate_pk_endogenous_free()
    expected = get_tone_index(
        scale_biophase_for_tone(np.array([free]), "zuranolone"),
        np.array([endo]),
        drug="zuranolone",
    )[0]
    assert res.get("tone_index")[0, i] == pytest.approx(min(max(expected, 0.0), 1.0), rel=1e-9)
    assert res.get("tone_index")[0, i] > 0.05


def simulate_pk_endogenous_free() -> float:
    from brexsim.pk import simulate_pk

    return float(
        simulate_pk(get_preset("placebo"), 70.0, np.array([0.0, 1.0])).endogenous_biophase_free_nM[
            0
        ]
    )


def test_visit_times_give_the_hourly_values():
    """Coarse output times (a trial's visits) give the values of an hourly run at those times:
    HAM-D's remission state integrates its drive over output intervals, so the layers are
    computed hourly inside simulate() (before this, hour 24 was off by up to 1.7 points)."""
    pop = sample_population(4, seed=5)
    visits = np.array([0.0, 24.0, 60.0, 72.0, 168.0, 720.0])
    for name in ("zulresso", "study1-brx60"):
        a = simulate(get_preset(name), pop, times_h=visits, monitoring=False)
        b = simulate(get_preset(name), pop, times_h=np.arange(0.0, 721.0), monitoring=False)
        np.testing.assert_array_equal(a.time_h, visits)
        idx = np.searchsorted(b.time_h, visits)
        for out in ("hamd_expected", "tnf_fold", "bdnf_change_sd", "tone_index"):
            np.testing.assert_allclose(a.get(out), b.get(out)[:, idx], rtol=1e-12, atol=1e-12)
        assert a.get("hamd").shape == (4, len(visits))
