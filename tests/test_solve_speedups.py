"""The batched solve's speed-ups: the uniform-grid interpolation equals jnp.interp bit for bit,
threads give identical results, and the opt-in regimen jump times stay within a stated
tolerance of the reference numerics."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from brexsim.dosing import get_preset
from brexsim.errors import BrexsimInputError
from brexsim.model import simulate
from brexsim.population import sample_population
from brexsim.solve import _interp_uniform, _is_uniform

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
    res = simulate(reg, pop, times_h=T, chunk=4, solver={"workers": 2})
    for name in ref.outputs:
        np.testing.assert_array_equal(res.get(name), ref.get(name))


def test_regimen_jumps_within_tolerance(pair):
    """Stopping only at rate changes: TNF fold within 5e-4 abs, BDNF change 1e-4 SD, expected
    HAM-D 1e-3 points of the reference (measured 8e-5, 3e-6, 1e-5 on 24 patients)."""
    pop, reg, ref = pair
    res = simulate(reg, pop, times_h=T, chunk=4, solver={"jumps": "regimen"})
    for name, tol in (("tnf_fold", 5e-4), ("bdnf_change_sd", 1e-4), ("hamd_expected", 1e-3)):
        assert np.abs(res.get(name) - ref.get(name)).max() < tol, name
    np.testing.assert_array_equal(res.get("tone_index"), ref.get("tone_index"))


def test_bad_solver_options():
    with pytest.raises(BrexsimInputError, match="solver"):
        simulate(get_preset("zulresso"), typical=True, times_h=T, solver={"jumpz": "grid"})
    with pytest.raises(BrexsimInputError, match=r"solver\.workers"):
        simulate(get_preset("zulresso"), typical=True, times_h=T, solver={"workers": 0})


def test_batched_brexanolone_pk_is_simulate_pk_bit_for_bit():
    from brexsim.dosing import interrupt
    from brexsim.model import _simulate_brexanolone_pk_groups
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
            assert pk["endogenous_free"] == ref.endogenous_biophase_free_nM[0]
            seen += 1
    assert seen == 12
