"""The batched solve's engines and speed-ups: exact inputs (PK states and tone index inside the
right-hand side, the brexanolone default) against the closed-form PK and against the grid-input
engine; padding invariance; the uniform-grid interpolation equals jnp.interp bit for bit;
threads give identical results; the opt-in regimen jump times of the grid engine stay within a
stated tolerance."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from brexsim.dosing import get_preset
from brexsim.errors import BrexsimInputError
from brexsim.model import SolverOptions, simulate
from brexsim.model.solve import _interp_uniform, _is_uniform
from brexsim.population import sample_population

T = np.arange(0.0, 24.0 * 30 + 61.0, 4.0)


def test_uniform_interp_is_jnp_interp_bit_for_bit():
    rng = np.random.default_rng(0)
    assert _is_uniform(np.arange(0.0, 780.25, 0.25))
    # the model's 0.25-h grid, and a 0.1-h grid whose knots are only nearly uniform
    for xp in (np.arange(0.0, 780.25, 0.25), np.arange(3.0, 50.0, 0.1)[:-1]):
        fp = rng.normal(size=xp.size)
        x = np.concatenate(
            [xp, xp[:-1] + np.diff(xp) * rng.random(xp.size - 1), [xp[0] - 1.0, xp[-1] + 1.0]]
        )
        x = np.concatenate([x, np.nextafter(xp, -np.inf), np.nextafter(xp, np.inf)])
        inv = 1.0 / (xp[1] - xp[0])
        # compiled, as inside the solver (XLA may contract a*b+c differently op by op)
        ours = jax.jit(lambda x, xp, fp, inv=inv: _interp_uniform(x, xp, fp, inv))
        theirs = jax.jit(jnp.interp)
        got = np.asarray(ours(jnp.asarray(x), jnp.asarray(xp), jnp.asarray(fp)))
        want = np.asarray(theirs(jnp.asarray(x), jnp.asarray(xp), jnp.asarray(fp)))
        np.testing.assert_array_equal(got, want)
    assert not _is_uniform(np.array([0.0, 0.25, 0.6, 1.0]))


@pytest.fixture(scope="module")
def pair():
    pop = sample_population(6, seed=4)
    reg = get_preset("zulresso")
    ref = simulate(reg, pop, times_h=T, chunk=4)
    return pop, reg, ref


def test_two_workers_identical(pair):
    pop, reg, ref = pair
    res = simulate(reg, pop, times_h=T, chunk=4, solver=SolverOptions(workers=2))
    for name in ref.outputs:
        np.testing.assert_array_equal(res.get(name), ref.get(name))


@pytest.fixture(scope="module")
def grid_ref(pair):
    pop, reg, _ = pair
    return simulate(reg, pop, times_h=T, chunk=4, solver=SolverOptions(inputs="grid"))


def test_grid_inputs_agree_with_exact(pair, grid_ref):
    """Inputs on the 0.25-h grid, linearly interpolated, against the exact inputs: the
    difference is the grid's interpolation error of the fast distribution phase (measured
    max 2.3e-3 TNF fold, 1.4e-5 SD BDNF, 1.3e-3 HAM-D points on 64 patients, hourly)."""
    _, _, ref = pair
    for name, tol in (("tnf_fold", 5e-3), ("bdnf_change_sd", 1e-4), ("hamd_expected", 5e-3)):
        assert np.abs(grid_ref.get(name) - ref.get(name)).max() < tol, name
    np.testing.assert_array_equal(grid_ref.get("tone_index"), ref.get("tone_index"))
    np.testing.assert_array_equal(grid_ref.get("plasma_drug"), ref.get("plasma_drug"))


def test_regimen_jumps_within_tolerance(pair, grid_ref):
    """Grid inputs, stopping only at rate changes: TNF fold within 5e-4 abs, BDNF change 1e-4
    SD, expected HAM-D 1e-3 points of the grid engine's default (measured 8e-5, 3e-6, 1e-5 on
    24 patients)."""
    pop, reg, _ = pair
    res = simulate(
        reg, pop, times_h=T, chunk=4, solver=SolverOptions(inputs="grid", jumps="regimen")
    )
    for name, tol in (("tnf_fold", 5e-4), ("bdnf_change_sd", 1e-4), ("hamd_expected", 1e-3)):
        assert np.abs(res.get(name) - grid_ref.get(name)).max() < tol, name
    np.testing.assert_array_equal(res.get("tone_index"), grid_ref.get("tone_index"))


def test_pk_states_match_closed_form():
    """The PK states the exact engine integrates (central/peripheral amounts, effect site)
    against the closed form at every hour of an interrupted regimen, to 1e-6 relative of the
    peak (the solver's rtol is 1e-6)."""
    from brexsim._ode import solve_on_grid
    from brexsim.dosing import interrupt
    from brexsim.model.solve import _EXACT_SHARED, BrexanoloneInputs, _pk_rhs

    reg = interrupt(get_preset("zulresso"), 30.0, 31.5, 60.0, False)
    inp = BrexanoloneInputs.from_regimens([reg], np.array([83.0]))
    tree = inp.take(np.arange(1))
    one = {k: (v if k in _EXACT_SHARED else v[0]) for k, v in tree.items()}
    ts = jnp.arange(0.0, 121.0)
    ys, ok = solve_on_grid(
        lambda t, y, a: _pk_rhs(t, y, a),
        jnp.zeros(3),
        one,
        ts,
        one["jump_ts_h"],
        dt0=0.01,
        max_steps=100_000,
        rtol=1e-9,
        atol=1e-12,
    )
    assert bool(ok)
    want = np.stack([inp.get_pk_state(float(t))[0] for t in np.asarray(ts)])
    err = np.abs(np.asarray(ys) - want).max(0) / np.abs(want).max(0)
    assert np.all(err < 1e-6), err


def test_exact_engine_padding_invariant():
    """A patient's trajectories do not depend on the padding of the segment and jump tables,
    which grows with the longest regimen of the batch (bit for bit)."""
    from brexsim.dosing import interrupt

    z = get_preset("zulresso")
    many = z
    for k in range(9):  # 9 pauses: 23 segments, so the segment table pads to 32 rows
        many = interrupt(many, 5.0 + 5.0 * k, 5.5 + 5.0 * k, None, False)
    pop = sample_population(2, seed=8)
    alone = simulate(z, pop.take(np.arange(1)), times_h=T, chunk=2, monitoring=False)
    both = simulate([z, many], pop, times_h=T, chunk=2, monitoring=False)
    for name in ("tnf_fold", "il6", "bdnf", "innate_state"):
        np.testing.assert_array_equal(both.get(name)[0], alone.get(name)[0])


def test_bad_solver_options():
    with pytest.raises(BrexsimInputError, match="solver"):
        with pytest.warns(DeprecationWarning, match="SolverOptions"):
            simulate(get_preset("zulresso"), typical=True, times_h=T, solver={"jumpz": "grid"})
    with pytest.raises(BrexsimInputError, match=r"solver\.workers"):
        simulate(get_preset("zulresso"), typical=True, times_h=T, solver=SolverOptions(workers=0))
    with pytest.raises(BrexsimInputError, match=r"solver\.inputs"):
        simulate(
            get_preset("zulresso"), typical=True, times_h=T, solver=SolverOptions(inputs="spline")
        )
    with pytest.raises(BrexsimInputError, match=r"solver\.jumps"):
        simulate(
            get_preset("zulresso"), typical=True, times_h=T, solver=SolverOptions(jumps="regimen")
        )
    with pytest.raises(BrexsimInputError, match=r"solver\.inputs"):
        simulate(get_preset("zuranolone-30mg"), typical=True, solver=SolverOptions(inputs="exact"))


def test_batched_brexanolone_pk_is_simulate_pk_bit_for_bit():
    from brexsim.dosing import interrupt
    from brexsim.model.pk_batch import _simulate_brexanolone_pk_groups
    from brexsim.params import load_parameters
    from brexsim.pk import simulate_pk

    ps = load_parameters()
    grid = np.arange(0.0, 300.25, 0.25)
    z = get_preset("zulresso")
    kinds = (z, get_preset("study1-brx60"), interrupt(z, 10.0, 11.5, 30.0, False))
    regs = tuple(kinds[i % 3] for i in range(12))
    w = np.random.default_rng(1).uniform(40.0, 160.0, 12)
    seen = 0
    for rows, pk in _simulate_brexanolone_pk_groups(regs, w, grid, ps):
        for j, i in enumerate(rows):
            ref = simulate_pk(regs[i], float(w[i]), grid, ps)
            np.testing.assert_array_equal(pk["plasma_drug"][j], ref.plasma_drug_ng_per_ml)
            np.testing.assert_array_equal(pk["plasma_total"][j], ref.plasma_total_ng_per_ml)
            np.testing.assert_array_equal(pk["effect_site_drug"][j], ref.effect_site_drug_ng_per_ml)
            np.testing.assert_array_equal(pk["biophase_free_drug"][j], ref.drug_biophase_free_nM)
            assert pk["endogenous_free"][j, 0] == ref.endogenous_biophase_free_nM[0]
            seen += 1
    assert seen == 12


def test_exact_inputs_reject_bad_input():
    from brexsim.model.solve import BrexanoloneInputs

    z = get_preset("zulresso")
    with pytest.raises(BrexsimInputError, match="weight_kg"):
        BrexanoloneInputs.from_regimens([z, z], np.array([70.0]))
    with pytest.raises(BrexsimInputError, match="regimens"):
        BrexanoloneInputs.from_regimens([get_preset("zuranolone-30mg")], np.array([70.0]))
    with pytest.raises(BrexsimInputError, match="weight_kg"):
        BrexanoloneInputs.from_regimens([z], np.array([np.nan]))
