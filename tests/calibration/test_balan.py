"""Balan 2023 virtual studies: published p-values inside the replicate distributions, the
vectorised path equals the analysis module, the assay tables equal simulate_assay, negative
control, HAM-D hook.

Replicates: the full 200 (the vectorised path takes well under a second after the assay tables
are built once, ~5 s)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from brexsim.calibration import balan
from brexsim.errors import BrexsimInputError
from brexsim.mechanism.tlr import get_tlr_parameters

SEED = 2023  # the calibration seed


@pytest.fixture(scope="module")
def table200():
    return balan.get_balan_replicate_pvalues(replicates=200, seed=SEED)


def test_published_p_inside_central_95_percent(table200):
    """Issue 5 record criterion, with the written bsv_* values (the calibration target)."""
    bad = table200.loc[~table200["inside"]]
    assert bad.empty, bad.to_string()
    assert list(table200["published_p"]) == [r[3] for r in balan.PUBLISHED]


def test_published_p_inside_with_an_independent_seed():
    """Not an artefact of the calibration's random numbers: another seed also passes."""
    tab = balan.get_balan_replicate_pvalues(replicates=200, seed=11)
    assert tab["inside"].all(), tab.to_string()


def test_negative_control_without_drug_effect():
    """With the drug effect removed (Imax 0) the p-values are uniform: about 5 % below 0.05
    (binomial 99.9 % range for 400 replicates: 1.5-9.5 %)."""
    p = dict(get_tlr_parameters(), drug_imax=0.0)
    tab = balan.get_balan_replicate_pvalues(replicates=400, seed=5, params=p)
    assert tab["frac_p_lt_0.05"].between(0.015, 0.095).all(), tab.to_string()


def test_vectorised_pvalues_equal_compute_change_table():
    from brexsim.analysis.stats import compute_change_table

    rep = 3
    df = balan.simulate_balan_study(seed=SEED, replicate=rep)
    draws = balan._draw(SEED, rep + 1, 11)
    pv = balan._replicate_pvalues(draws, get_tlr_parameters(), 10)[rep]
    raw = compute_change_table(df, post_h=60.0, transform="raw")
    ind = compute_change_table(df, post_h=60.0, transform="induced")
    for k, (analyte, stimulus, test, _) in enumerate(balan.PUBLISHED):
        tab = raw if test == "basal" else ind
        line = tab.loc[(tab["analyte"] == analyte) & (tab["stimulus"] == stimulus)].iloc[0]
        assert line["n"] == (11 if test == "basal" else 10)
        assert line["p_ttest"] == pytest.approx(pv[k], rel=1e-9)


def test_study_frame_format():
    df = balan.simulate_balan_study(n_basal=11, n_stim=10, seed=1)
    assert list(df.columns) == ["subject", "time_h", "analyte", "stimulus", "value", "unit"]
    assert set(df["time_h"]) == {0.0, 60.0}
    assert df.groupby("stimulus")["subject"].nunique().to_dict() == {
        "IMQ": 10,
        "LPS": 10,
        "basal": 11,
    }
    assert np.all(np.isfinite(df["value"])) and np.all(df["value"] > 0)
    pd.testing.assert_frame_equal(df, balan.simulate_balan_study(seed=1))  # reproducible


def test_tables_match_simulate_assay():
    """The interpolated assay tables reproduce simulate_assay (lysate read-out) for subjects
    with random effects, at 0 h and 60 h, within 3 %."""
    from brexsim.mechanism.assay import BloodSample, simulate_assay
    from brexsim.params import load_parameters, override_parameters

    p = get_tlr_parameters()
    rng = np.random.default_rng(42)
    z = rng.standard_normal((3, 4))
    z[:, 0] = [-1.0, 0.3, 1.2]
    z[:, 1] = [0.0, 0.0, 0.8]  # typical IC50 for two subjects (shares simulate_assay's caches)
    zw = rng.standard_normal(3)
    cohort = balan._simulate_cohort(z, zw, p)
    ps = load_parameters()
    for i in range(3):
        eff = {k: float(v[i]) for k, v in cohort.effects.items()}
        ic50 = p["drug_ic50_uM"] * eff["infl_ic50_scale"]
        q = (
            ps
            if eff["infl_ic50_scale"] == 1.0
            else override_parameters(ps, {"tlr.drug_ic50_uM": ic50})
        )
        tone = eff["infl_basal_tone_scale"]
        s0 = BloodSample(0.0, basal_tone_scale=tone)
        s60 = BloodSample(
            60.0,
            drug_total_ng_per_ml=float(cohort.drug_60_ng_per_ml[i]),
            innate_state=float(cohort.innate_state_60[i]),
            basal_tone_scale=tone,
        )
        for stim in ("basal", "LPS", "IMQ"):
            scale = 1.0 if stim == "basal" else eff["infl_donor_output_scale"]
            for h, sample in ((0.0, s0), (60.0, s60)):
                ref = simulate_assay(sample, stim, params=q).cell_pg_per_ml_blood
                got = cohort.values[(stim, h)][i]
                for j, c in enumerate(("tnf", "il1b", "il6")):
                    assert got[j] == pytest.approx(scale * ref[c], rel=0.03), (i, stim, h, c)


def test_innate_state_matches_in_vivo_form():
    from brexsim.mechanism.tlr import simulate_inflammation

    p = get_tlr_parameters()
    z = np.array([[0.0, 1.5, -1.0, 0.0], [0.0, -1.0, 1.5, 0.0]])
    cohort = balan._simulate_cohort(z, np.zeros(2), p)
    pk = pytest.importorskip("brexsim.pk")
    dosing = pytest.importorskip("brexsim.dosing")
    t = np.arange(0.0, 24.0 * 8 + 1.0, 1.0)  # the grid of tests/mechanism/test_assay.py
    for i in range(2):
        c = pk.simulate_pk(dosing.get_preset("zulresso"), float(cohort.weight_kg[i]), t)
        res = simulate_inflammation(
            t,
            c.plasma_drug_ng_per_ml,
            ic50_scale=float(cohort.effects["infl_ic50_scale"][i]),
            reprogram_scale=float(cohort.effects["infl_reprogram_scale"][i]),
        )
        assert cohort.innate_state_60[i] == pytest.approx(res.innate_state[60], abs=2e-3)


def test_random_effects_sampler_matches_table():
    re = balan.sample_inflammation_random_effects(20000, np.random.default_rng(0))
    p = get_tlr_parameters()
    from brexsim.mechanism.tlr import RANDOM_EFFECTS

    for name, row in RANDOM_EFFECTS.items():
        assert np.std(np.log(re[name])) == pytest.approx(p[row], rel=0.03)
        assert np.median(re[name]) == pytest.approx(1.0, abs=0.03)


def test_hamd_hook_receives_subject_changes():
    ch = balan.get_balan_subject_changes(balan.simulate_balan_study(seed=2))
    assert ch.shape == (11, 1 + len(balan.PUBLISHED))
    assert ch["IL6_IMQ"].isna().sum() == 1 and ch["TNFa_basal"].notna().all()

    def improvement(changes: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
        # a stand-in HAM-D: improvement grows as basal TNF-a falls
        x = -changes["TNFa_basal"].to_numpy()
        return x / np.std(x) + 0.5 * rng.standard_normal(x.size)

    tab = balan.get_balan_replicate_pvalues(replicates=10, seed=1, hamd_improvement=improvement)
    assert tab.loc[0, "corr_frac_p_lt_0.05"] > 0.5  # TNFa basal drives the stand-in
    assert {"corr_median_p", "corr_frac_p_lt_0.05"} <= set(tab.columns)


def test_written_values_are_calibrated_rows():
    from brexsim.params import load_parameters

    ps = load_parameters()
    for row in balan.CALIBRATED_ROWS:
        entry = ps[f"tlr.{row}"]
        assert entry.confidence == "C" and "calibrate-balan" in entry.source
        assert math.isfinite(entry.value) and entry.value > 0


def test_bad_inputs():
    with pytest.raises(BrexsimInputError):
        balan.simulate_balan_study(n_basal=11, n_stim=12)
    with pytest.raises(BrexsimInputError):
        balan.simulate_balan_study(n_basal=2)
    with pytest.raises(BrexsimInputError):
        balan.get_balan_replicate_pvalues(replicates=1)
    with pytest.raises(BrexsimInputError):
        balan.get_balan_subject_changes(pd.DataFrame({"x": [1]}))


# ------------------------------------------------------------------ HAM-D link (issue 5)
# slow: the first one builds the in vivo QSS tables on the basal-tone grid and compiles the
# batched solve (~35 s); together ~60 s on 2 cores


@pytest.fixture(scope="module")
def corr200():
    return balan.get_balan_hamd_correlations(replicates=200, seed=SEED)


@pytest.mark.slow
def test_cohort_frame_is_the_study_frame():
    """The cohort's lysates are those of simulate_balan_study (same draws)."""
    c = balan.simulate_balan_cohort(seed=3, replicate=2)
    pd.testing.assert_frame_equal(c.data, balan.simulate_balan_study(seed=3, replicate=2))
    s = c.subjects
    assert list(s["subject"]) == sorted(c.data["subject"].unique())
    assert np.array_equal(s["hamd_improvement"], s["hamd_baseline"] - s["hamd_60"])
    assert (s["hamd_baseline"] >= 26).all() and s["hamd_60"].between(0, 52).all()


@pytest.mark.slow
def test_cohort_in_vivo_course_is_the_tlr_form_with_her_random_effects():
    """Her in vivo TNF-a fold at 60 h = brexsim.mechanism.tlr.simulate_inflammation with her
    basal tone, IC50 and reprogramming multipliers (QSS table log-interpolated in tone: 3 %)."""
    from brexsim.dosing import get_preset
    from brexsim.mechanism.tlr import simulate_inflammation
    from brexsim.pk import simulate_pk

    s = balan.simulate_balan_cohort(seed=4).subjects
    t = np.arange(0.0, 60.25, 0.25)
    for i in (0, 1):
        c = simulate_pk(get_preset("zulresso"), float(s["weight_kg"][i]), t).plasma_drug_ng_per_ml
        res = simulate_inflammation(
            t,
            c,
            basal_tone_scale=float(s["infl_basal_tone_scale"][i]),
            ic50_scale=float(s["infl_ic50_scale"][i]),
            reprogram_scale=float(s["infl_reprogram_scale"][i]),
        )
        assert s["tnf_fold_60"][i] == pytest.approx(res.get_fold_change("tnf")[-1], rel=0.03)


@pytest.mark.slow
def test_hamd_is_driven_by_her_own_immune_course():
    """With a HAM-D layer driven by the immune input alone (no tone or BDNF drive, no random
    effects, no residual), the drug factor orders the subjects as their TNF-a fall does."""
    from scipy.stats import spearmanr

    from brexsim.clinical.hamd import compute_severity_exponent, get_hamd_params
    from brexsim.params import load_parameters, override_parameters

    ps = override_parameters(
        load_parameters(),
        {
            "hamd.fast_rate_per_h": 0.0,
            "hamd.bdnf_weight": 0.0,
            "hamd.immune_weight": 0.05,
            "hamd.omega_placebo": 1e-9,
            "hamd.omega_drug": 1e-9,
            "hamd.residual_sd": 1e-9,
        },
    )
    s = balan.simulate_balan_cohort(n_basal=11, n_stim=10, seed=6, params=ps).subjects
    hp = get_hamd_params(ps)
    b = s["hamd_baseline"].to_numpy()
    pf = hp.placebo_max_inpatient * (1.0 - math.exp(-((60.0 / hp.placebo_td_inpatient_h) ** 1)))
    drug_factor = s["hamd_expected_60"].to_numpy() / (b * (1.0 - pf))
    x = np.log(drug_factor) / np.asarray(compute_severity_exponent(b, hp))
    rho = spearmanr(x, s["tnf_fold_60"]).statistic
    assert rho > 0.8, (rho, s[["tnf_fold_60", "hamd_expected_60"]])


@pytest.mark.slow
def test_correlation_table_equals_single_cohorts():
    """The vectorised correlations equal scipy.stats.pearsonr on simulate_balan_cohort +
    get_balan_subject_changes, replicate by replicate (median of 2 = mean)."""
    from scipy.stats import pearsonr

    tab = balan.get_balan_hamd_correlations(replicates=2, seed=9)
    rs = []
    for k in range(2):
        c = balan.simulate_balan_cohort(seed=9, replicate=k)
        ch = balan.get_balan_subject_changes(c.data)
        y = c.subjects["hamd_improvement"].to_numpy()
        row = []
        for a, s, _, _ in balan.PUBLISHED:
            x = ch[f"{a}_{s}"].to_numpy()
            ok = np.isfinite(x)
            row.append(pearsonr(x[ok], y[ok]).statistic)
        rs.append(row)
    assert np.allclose(tab["median_r"], np.mean(rs, axis=0), atol=1e-9)


@pytest.mark.slow
def test_correlation_table_summary(corr200):
    assert corr200.shape[0] == len(balan.PUBLISHED)
    assert corr200[["median_p", "p_low", "p_high"]].stack().between(0, 1).all()
    assert (corr200["p_low"] <= corr200["median_p"]).all()
    assert (corr200["frac_sig_published_direction"] <= corr200["frac_p_lt_0.05"]).all()


@pytest.mark.slow
@pytest.mark.xfail(
    strict=True,
    reason="known miss (issue 5): the model's correlations of cytokine change with HAM-D "
    "improvement are near zero (median r within +-0.1); the HAM-D variance at 60 h is dominated "
    "by placebo-like responsiveness calibrated to Study 1 (docs/mechanism_inflammation.md)",
)
def test_published_correlations_reach_p_below_005(corr200):
    """Target (Balan 2023): every correlation p < 0.05 (basal TNF-a 0.049, IL-6 0.02); rule: the
    median of 200 replicate p-values < 0.05 with r < 0 (a larger fall, a larger improvement)."""
    bad = corr200.loc[~((corr200["median_p"] < 0.05) & (corr200["median_r"] < 0))]
    assert bad.empty, bad.to_string()
