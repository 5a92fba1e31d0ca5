"""Zuranolone PK against the Zurzuvae label, and dosing edge cases."""

import numpy as np
import pytest

from brexsim.dosing import OralDose, Regimen, get_preset, read_nonmem
from brexsim.pk import get_exposure_summary, get_zuranolone_pk, simulate_pk
from brexsim.pk.zuranolone import get_system_matrix, simulate_exact

PK = get_zuranolone_pk()


def _single(mg=30.0, fed=True, t=0.0):
    return Regimen("zuranolone", oral_doses=(OralDose(t, mg, fed),))


def _auc_inf(reg):
    t = np.arange(0.0, 2000.0, 0.05)
    c, _ = simulate_exact(reg, PK, t)
    return float(np.trapezoid(c, t)), float(c.max()), float(t[np.argmax(c)])


def test_label_tmax_half_life_accumulation_and_steady_state():
    reg = get_preset("zuranolone-50mg")
    s = get_exposure_summary(simulate_pk(reg), reg)
    assert 5.0 <= s["tmax_first_dose_h"] <= 6.0  # PI: tmax 5-6 h with food
    assert 19.7 <= s["t_half_h"] <= 24.6  # PI: t1/2 19.7-24.6 h
    assert 1.3 <= s["accumulation_ratio"] <= 1.7  # PI: ~1.5-fold
    t = np.arange(0.0, 14 * 24.0 + 0.1, 0.25)
    c, _ = simulate_exact(reg, PK, t)
    trough = lambda day: c[np.searchsorted(t, 24.0 * day) - 1]  # noqa: E731
    assert trough(5) / trough(14) >= 0.95  # steady state within 3-5 days
    assert trough(2) / trough(14) < 0.9  # ... and not before


def test_food_effect_inside_label_ranges():
    auc_fed, cmax_fed, _ = _auc_inf(_single(30.0, True))
    auc_fast, cmax_fast, tmax_fast = _auc_inf(_single(30.0, False))
    assert 3.5 <= cmax_fed / cmax_fast <= 4.3  # PI: Cmax x3.5-4.3
    assert 1.8 <= auc_fed / auc_fast <= 2.0  # PI: AUC x1.8-2.0
    # Known conflict, recorded in the calibration docs: the model's fasted tmax is later.
    assert tmax_fast > 6.0


def test_bioavailability_scaling_is_exact():
    auc_fed, _, _ = _auc_inf(_single(30.0, True))
    auc_fast, _, _ = _auc_inf(_single(30.0, False))
    assert auc_fed == pytest.approx(30.0 * 1000.0 / PK.cl_L_per_h, rel=1e-4)
    assert auc_fast / auc_fed == pytest.approx(PK.f_rel_fasted, rel=1e-4)


def test_dose_proportional_and_superposition():
    t = np.linspace(0, 200, 801)
    c30, _ = simulate_exact(_single(30.0), PK, t)
    c60, _ = simulate_exact(_single(60.0), PK, t)
    np.testing.assert_allclose(c60, 2 * c30, rtol=1e-12, atol=1e-14)
    two = Regimen("zuranolone", oral_doses=(OralDose(0, 30), OralDose(24, 30)))
    c2, _ = simulate_exact(two, PK, t)
    shifted, _ = simulate_exact(_single(30.0, t=24.0), PK, t)
    np.testing.assert_allclose(c2, c30 + shifted, rtol=1e-9, atol=1e-12)


def test_dose_at_horizon_and_time_zero():
    reg = Regimen("zuranolone", oral_doses=(OralDose(0.0, 30.0), OralDose(48.0, 30.0)))
    c, _ = simulate_exact(reg, PK, np.array([0.0, 48.0]))
    alone, _ = simulate_exact(_single(30.0), PK, np.array([48.0]))
    assert c[0] == 0.0
    assert c[1] == pytest.approx(alone[0], rel=1e-12)  # a dose at the horizon adds nothing yet


def test_addl_file_gives_the_same_concentrations(tmp_path):
    p = tmp_path / "a.csv"
    p.write_text("ID,TIME,AMT,EVID,CMT,ADDL,II\n1,0,30,1,1,13,24\n")
    t = np.arange(0.0, 400.0, 1.0)
    a = simulate_exact(read_nonmem(p).regimens[1], PK, t)[0]
    b = simulate_exact(get_preset("zuranolone-30mg"), PK, t)[0]
    np.testing.assert_array_equal(a, b)


def test_exact_solution_agrees_with_diffrax():
    import diffrax
    import jax.numpy as jnp

    K = jnp.asarray(get_system_matrix(PK))
    y0 = jnp.zeros(K.shape[0]).at[0].set(30.0)
    t = np.linspace(0.0, 120.0, 49)
    sol = diffrax.diffeqsolve(
        diffrax.ODETerm(lambda t, y, a: K @ y),
        diffrax.Kvaerno5(),
        0.0,
        120.0,
        0.01,
        y0,
        saveat=diffrax.SaveAt(ts=jnp.asarray(t)),
        stepsize_controller=diffrax.PIDController(rtol=1e-12, atol=1e-12),
        max_steps=100000,
    )
    ode = np.asarray(sol.ys)[:, PK.n_transit] / PK.v2_L * 1000.0
    exact, _ = simulate_exact(_single(30.0), PK, t)
    m = exact > 1e-6 * exact.max()
    assert np.max(np.abs(ode[m] - exact[m]) / exact[m]) < 1e-8
