"""Brian2 granule cell: Luebke 1998 properties, monotonic excitability, chloride reversal."""

import numpy as np
import pytest

from brexsim.errors import BrexsimInputError
from brexsim.mechanism.neuron import (
    get_baseline_gaba_nS,
    get_e_gaba_mV,
    get_passive_properties,
    simulate_excitability,
    simulate_f_i,
)
from brexsim.params import load_parameters


@pytest.fixture(scope="module")
def grid_run():
    c = np.array([0.0, 1.0, 3.0, 10.0, 30.0, 100.0, 300.0, 1000.0])
    return simulate_excitability(c, delta_state="virgin", sensitivity="control")


def test_brian2_numpy_target_is_used(grid_run):
    import brian2

    assert brian2.prefs.codegen.target == "numpy"


def test_model_cell_inside_luebke_1998_spread(grid_run):
    # Luebke, Frotscher & Spruston 1998 (neuroelectro): mean +/- SEM, n = 16. The model cell is
    # checked against the SEM band (the stricter one; SD = SEM * 4).
    r = grid_run  # virgin, control, no drug = the calibration cell
    assert abs(r.v_rest_mV[0] - (-75.0)) <= 2.0
    assert abs(r.rin_MOhm[0] - 292.0) <= 34.0
    assert abs(r.tau_m_ms[0] - 31.0) <= 2.0


def test_simulated_passive_properties_match_analytic(grid_run):
    d = get_passive_properties()
    r = grid_run
    assert r.v_rest_mV[0] == pytest.approx(d["rmp_mV"], abs=0.01)
    assert r.rin_MOhm[0] == pytest.approx(d["rin_MOhm"], rel=0.005)
    assert r.tau_m_ms[0] == pytest.approx(d["tau_m_ms"], rel=0.01)


def test_max_rate_inside_reported_spread():
    ps = load_parameters()
    rate = simulate_f_i([ps.value("neuron.max_rate_step_pA")]).rate_Hz[0, 0]
    assert abs(rate - 72.0) <= 8.0


def test_rate_falls_and_rheobase_rises_monotonically(grid_run):
    r = grid_run
    assert np.all(np.diff(r.rate_Hz) < 0), r.rate_Hz
    assert np.all(np.diff(r.rheobase_pA) > 0), r.rheobase_pA
    assert np.all(np.diff(r.rin_MOhm) < 0)
    assert np.all(np.diff(r.g_tonic_nS) > 0)


def test_default_chloride_gives_shunting_with_small_depolarisation(grid_run):
    r = grid_run
    assert -75.0 < r.e_gaba_mV < -70.0  # E_Cl -70 to -75 mV, slightly above RMP
    assert np.all(r.delta_v_mV[1:] > 0) and np.all(r.delta_v_mV < 2.0)


def test_raising_intracellular_chloride_makes_gaba_depolarising():
    ps = load_parameters()
    rmp = ps.value("neuron.rmp_target_mV")
    low = simulate_excitability([0.0, 100.0], cl_in_mM=5.0)
    high = simulate_excitability([0.0, 100.0], cl_in_mM=20.0)
    assert low.e_gaba_mV < rmp < high.e_gaba_mV
    assert low.delta_v_mV[1] < 0  # V > E_Cl: the drug hyperpolarises
    assert low.effect[1] == "hyperpolarising"
    assert high.delta_v_mV[1] > 1.0  # E_Cl above RMP: the drug depolarises
    assert high.effect[1] == "shunting-depolarising"
    assert high.cl_influx_amol_per_s[1] < 0 < low.cl_influx_amol_per_s[1]  # efflux vs influx


def test_nernst_and_ghk():
    assert get_e_gaba_mV(cl_in_mM=7.8) == pytest.approx(-75.2, abs=0.1)
    assert get_e_gaba_mV(cl_in_mM=130.0) == pytest.approx(0.0, abs=1e-9)
    assert get_e_gaba_mV(use_hco3=True) > get_e_gaba_mV()
    with pytest.raises(BrexsimInputError):
        get_e_gaba_mV(cl_in_mM=0.0)


def test_chloride_current_and_flux_consistent(grid_run):
    r = grid_run
    g = r.g_tonic_nS + r.g_phasic_nS
    np.testing.assert_allclose(r.i_cl_pA, g * (r.v_rest_mV - r.e_gaba_mV), rtol=1e-9)
    np.testing.assert_allclose(r.cl_influx_amol_per_s, r.i_cl_pA / 96485.33212 * 1e6, rtol=1e-9)


def test_baseline_gaba_conductance_is_the_virgin_tonic_plus_phasic():
    assert 0.55 < get_baseline_gaba_nS() < 0.65


def test_bad_target_rejected():
    with pytest.raises(BrexsimInputError, match="target"):
        simulate_excitability([0.0], target="cuda")
