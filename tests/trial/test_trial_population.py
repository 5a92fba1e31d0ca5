"""Trial populations: ids, inclusion filters, correlated IIV, dropout (per-patient streams)."""

from __future__ import annotations

import numpy as np
import pytest

from brexsim.errors import BrexsimInputError
from brexsim.params import load_parameters
from brexsim.population import Population, sample_population
from brexsim.population.trial_population import (
    ID_BLOCK,
    IIV_EFFECTS,
    InclusionCriteria,
    apply_correlated_iiv,
    get_default_omega,
    get_patient_id,
    sample_dropout_times,
    sample_patients,
    select_patient_ids,
)


def _same(a: Population, b: Population) -> None:
    np.testing.assert_array_equal(a.ids, b.ids)
    np.testing.assert_array_equal(a.weight_kg, b.weight_kg)
    np.testing.assert_array_equal(a.hamd_baseline, b.hamd_baseline)
    np.testing.assert_array_equal(a.antidepressant, b.antidepressant)
    assert set(a.random_effects) == set(b.random_effects)
    for k in a.random_effects:
        np.testing.assert_array_equal(a.random_effects[k], b.random_effects[k])


def test_ids_are_unique_across_arms_and_replicates() -> None:
    ids = {int(get_patient_id(r, j, k)) for r in range(3) for j in range(4) for k in (0, 9999)}
    assert len(ids) == 24
    assert get_patient_id(0, 1, 0) == ID_BLOCK
    with pytest.raises(BrexsimInputError):
        get_patient_id(0, 100, 0)


def test_sample_patients_matches_sample_population_in_any_order() -> None:
    ref = sample_population(12, 7, 26, 40, first_id=100)
    perm = np.random.default_rng(1).permutation(12)
    got = sample_patients(ref.ids[perm], 7, InclusionCriteria(26, 40))
    _same(got, ref.take(perm))
    # gaps: the same patients as contiguous draws
    _same(
        sample_patients(ref.ids[::3], 7, InclusionCriteria(26, 40)), ref.take(np.arange(0, 12, 3))
    )
    assert np.all((got.hamd_baseline >= 26) & (got.hamd_baseline <= 40))


def test_inclusion_filters_reject_candidates_on_their_own_covariates() -> None:
    crit = InclusionCriteria(weight_min_kg=60.0, weight_max_kg=90.0, antidepressant="excluded")
    ids = select_patient_ids(30, 5, 1000, crit)
    assert len(ids) == 30 and np.all(np.diff(ids) > 0) and ids[0] >= 1000
    pop = sample_patients(ids, 5, crit)
    assert np.all((pop.weight_kg >= 60) & (pop.weight_kg <= 90)) and not pop.antidepressant.any()
    # skipped candidates fail the criteria; accepted ones are the unfiltered draws of that id
    cand = sample_population(int(ids[-1] - 1000 + 1), 5, first_id=1000)
    ok = crit.accepts(cand.weight_kg, cand.antidepressant)
    np.testing.assert_array_equal(cand.ids[ok], ids)
    _same(pop, cand.take(np.flatnonzero(ok)))
    # selection is a pure function of seed, first id and criteria
    np.testing.assert_array_equal(select_patient_ids(30, 5, 1000, crit), ids)
    with pytest.raises(BrexsimInputError, match="accepted after"):
        select_patient_ids(5, 5, 0, InclusionCriteria(weight_min_kg=500.0), max_candidates=50)
    with pytest.raises(BrexsimInputError, match="select_patient_ids"):
        sample_patients(np.arange(40), 5, crit)


def _synthetic(n: int, seed: int = 11) -> Population:
    z = np.zeros(n)
    return Population(np.arange(n), z + 70, z + 28, z.astype(bool), {"eta_drug": z}, seed)


def test_correlated_iiv_has_the_requested_covariance() -> None:
    n = 6000
    effects = ["infl_ic50_scale", "sedation_sensitivity", "eta_drug"]
    omega = np.array([[0.30, 0.15, -0.2], [0.15, 0.36, 0.0], [-0.2, 0.0, 1.0]])
    pop = apply_correlated_iiv(_synthetic(n), effects, omega)
    re = pop.random_effects
    eta = np.column_stack(
        [np.log(re["infl_ic50_scale"]), np.log(re["sedation_sensitivity"]), re["eta_drug"]]
    )
    cov = np.cov(eta.T)
    # SE of a covariance estimate <= sqrt((s_i^2 s_j^2 + c_ij^2) / n) <= 0.019 here; 4 SE
    np.testing.assert_allclose(cov, omega, atol=0.076)
    # per-patient streams: a patient's draw does not depend on who else is sampled
    sub = apply_correlated_iiv(_synthetic(n).take(np.arange(17, 40)), effects, omega)
    np.testing.assert_array_equal(sub.random_effects["eta_drug"], re["eta_drug"][17:40])


def test_default_omega_keeps_the_calibrated_marginals() -> None:
    ps = load_parameters()
    effects = sorted(IIV_EFFECTS)
    om = get_default_omega(effects, ps)
    # PK etas are stated as variances (omega_cl ...), the older effects as SDs
    expected = [
        ps.value(IIV_EFFECTS[e][1]) ** (1 if e.startswith("eta_pk_") else 2) for e in effects
    ]
    np.testing.assert_allclose(np.diag(om), expected)
    pop = apply_correlated_iiv(
        _synthetic(4000), ["sedation_sensitivity"], get_default_omega(["sedation_sensitivity"], ps)
    )
    sd = np.log(pop.random_effects["sedation_sensitivity"]).std(ddof=1)
    target = ps.value("sedation.sensitivity_iiv_sd")
    assert abs(sd - target) < 4 * target / np.sqrt(2 * 4000)


def test_singular_omega_gives_perfect_correlation() -> None:
    pop = apply_correlated_iiv(
        _synthetic(200), ["eta_drug", "eta_placebo"], [[1.0, 1.0], [1.0, 1.0]]
    )
    a, b = pop.random_effects["eta_drug"], pop.random_effects["eta_placebo"]
    np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
    assert a.std() > 0.5
    with pytest.raises(BrexsimInputError):
        apply_correlated_iiv(_synthetic(3), ["pk_clearance"], [[0.1]])


def test_dropout_rate_and_per_patient_times() -> None:
    ids = np.arange(5000)
    t = sample_dropout_times(ids, 3, 0.25, 720.0)
    k = np.isfinite(t).sum()
    assert abs(k / 5000 - 0.25) < 4 * np.sqrt(0.25 * 0.75 / 5000)
    assert np.all((t[np.isfinite(t)] > 0) & (t[np.isfinite(t)] < 720.0))
    np.testing.assert_array_equal(sample_dropout_times(ids[::-7], 3, 0.25, 720.0), t[::-7])
    # constant hazard: half of the dropouts come before the time that gives half the rate
    t_half = 720.0 * np.log1p(-0.125) / np.log1p(-0.25)
    early = np.sum(t < t_half)
    assert abs(early / 5000 - 0.125) < 4 * np.sqrt(0.125 * 0.875 / 5000)
    assert np.all(np.isinf(sample_dropout_times(ids[:10], 3, 0.0, 720.0)))
    with pytest.raises(BrexsimInputError):
        sample_dropout_times(ids, 3, 1.0, 720.0)
