"""Extreme-patient sweep: the corner design of ``benchmarks/extreme_sweep.py`` through every layer.

160 patients per regimen (320 simulated in all, about 40 s on two CPU cores): every
combination of the special populations once (CYP3A4 x hepatic x renal x alcohol = 160), crossed
with the 64 fold-over Hadamard rows that put each of 21 factors -- weight 40 / 160 kg, baseline
HAM-D 26 / 52 (0 for every tenth patient), antidepressant and CNS-depressant use, the
non-sedation adverse event and its time, every random effect at -4 / +4 SD of its Ω (PK IIV
on) -- at each end, and every pair of factors at all four corners. Both ``zulresso`` and
``zuranolone-50mg`` go through :func:`brexsim.model.simulate` with monitoring on.

Must hold: no solver failure, 0 NaN and 0 inf in every output, PK mass balance (delivered = in
the body + eliminated) within 1e-9 of the dose, and the model's plasma concentration equal to the
exact individual PK system within 1e-9 of its peak. The full 10,240-patient cross is
``benchmarks/extreme_sweep.py``.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from brexsim.dosing import get_preset
from brexsim.errors import SolverError
from brexsim.model import simulate
from brexsim.population.covariates import COVARIATE_LEVELS

_PATH = Path(__file__).resolve().parents[2] / "benchmarks" / "extreme_sweep.py"
_spec = importlib.util.spec_from_file_location("extreme_sweep", _PATH)
sweep = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(sweep)  # type: ignore[union-attr]

#: Patients per regimen: each special-population combination once.
N_PATIENTS = 160
REGIMENS = ("zulresso", "zuranolone-50mg")


@pytest.fixture(scope="module")
def population():  # type: ignore[no-untyped-def]
    return sweep.build_corner_population(N_PATIENTS)


@pytest.fixture(scope="module")
def results(population):  # type: ignore[no-untyped-def]
    """``{regimen: SimulationResult or SolverError}``."""
    out = {}
    for name in REGIMENS:
        try:
            out[name] = simulate(get_preset(name), population)
        except SolverError as exc:  # reported by the tests below, not raised here
            out[name] = exc
    return out


def test_the_design_reaches_every_edge(population):
    levels = sweep.get_factor_levels()
    assert population.n == N_PATIENTS
    assert sorted(set(population.weight_kg)) == [40.0, 160.0]
    assert sorted(set(population.hamd_baseline)) == [0.0, 26.0, 52.0]
    assert set(population.antidepressant) == {False, True}
    re = population.random_effects
    for name, (lo, hi) in levels.items():
        if name in re:
            assert set(np.asarray(re[name]).tolist()) == {lo, hi}, name
    # every random effect the sampler draws is set to an edge (none left at a random value)
    from brexsim.population import sample_population

    drawn = set(sample_population(2, 1, pk_variability=True).random_effects)
    assert drawn <= set(re), drawn - set(re)
    # the PK η at ±4 SD of Ω, the log-normal multipliers at exp(±4 SD)
    from brexsim.params.popmodel import get_omega, get_population_model

    sd_cl = float(np.sqrt(get_omega(get_population_model("brexanolone_pk"))[0, 0]))
    assert levels["eta_pk_cl"] == pytest.approx((-4 * sd_cl, 4 * sd_cl))
    combos = {tuple(population.covariates[c][i] for c in COVARIATE_LEVELS)
              for i in range(population.n)}  # fmt: skip
    assert len(combos) == int(np.prod([len(v) for v in COVARIATE_LEVELS.values()]))
    # each pair of two-level factors meets at all four corners
    keys = [k for k in levels if k in re]
    hi = {k: np.asarray(re[k]) == levels[k][1] for k in keys}
    for a in keys:
        for b in keys:
            if a < b:
                pairs = {(bool(x), bool(y)) for x, y in zip(hi[a], hi[b], strict=True)}
                assert len(pairs) == 4, (a, b)


@pytest.mark.parametrize("regimen", REGIMENS)
def test_no_solver_failure_and_no_nan_or_inf_in_any_output(results, regimen):
    sim = results[regimen]
    assert not isinstance(sim, SolverError), f"solver failed: {sim}"
    assert bool(np.all(sim.solver_ok))
    counts = {name: int((~np.isfinite(np.asarray(v, dtype=float))).sum())
              for name, (v, _) in sim.outputs.items()}  # fmt: skip
    assert sum(counts.values()) == 0, {k: v for k, v in counts.items() if v}
    assert sweep.count_nonfinite(sim) == {"nan": 0, "inf": 0}
    assert set(sim.outputs) >= {"plasma_drug", "tone_index", "tnf_fold", "il6_fold", "bdnf",
                                "hamd"}  # fmt: skip
    for name, v in sim.outcomes.items():
        assert np.asarray(v).shape == (N_PATIENTS,), name


@pytest.mark.parametrize("regimen", REGIMENS)
def test_pk_mass_balance_and_plasma_within_1e_9(results, regimen):
    sim = results[regimen]
    assert not isinstance(sim, SolverError), f"solver failed: {sim}"
    bal = sweep.get_pk_balance(sim)
    worst = int(np.argmax(bal["mass_balance_rel"]))
    assert bal["mass_balance_rel"].max() <= sweep.MASS_BALANCE_RTOL, (
        worst, bal["mass_balance_rel"][worst])  # fmt: skip
    worst = int(np.argmax(bal["plasma_rel"]))
    assert bal["plasma_rel"].max() <= sweep.MASS_BALANCE_RTOL, (worst, bal["plasma_rel"][worst])


def test_the_mass_balance_check_sees_a_wrong_dose(results):
    """The check can fail: the same patients against a regimen they did not get."""
    sim = results["zuranolone-50mg"]
    assert not isinstance(sim, SolverError)
    from dataclasses import replace

    wrong = replace(sim, regimens=(get_preset("zuranolone-30mg"),) * N_PATIENTS)
    assert (sweep.get_pk_balance(wrong)["plasma_rel"] > 0.1).all()


# fixed (was a strict xfail): mechanism.tlr.get_random_effects_from_normals: a ParameterSet (an
# accepted type) is a Mapping, so it was read as the layer's dict and 'bsv_basal_tone_logsd' was
# not found
def test_inflammation_effects_from_normals_accept_a_parameter_set():
    from brexsim.mechanism import tlr
    from brexsim.params import load_parameters

    z = np.zeros((1, len(tlr.RANDOM_EFFECTS)))
    eff = tlr.get_random_effects_from_normals(z, load_parameters())
    assert all(float(v[0]) == 1.0 for v in eff.values())
    # at z = 1 each multiplier is exp(log-SD) of the set's tlr layer, as with the layer's dict
    ps, one = load_parameters(), np.ones((1, len(tlr.RANDOM_EFFECTS)))
    layer = tlr.get_tlr_parameters(ps)
    eff = tlr.get_random_effects_from_normals(one, ps)
    for name, row in tlr.RANDOM_EFFECTS.items():
        assert float(eff[name][0]) == float(np.exp(layer[row])) != 1.0, name
