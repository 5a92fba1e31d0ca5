"""Biomarker statistics (brexsim.analysis.stats) against direct scipy/statsmodels calls."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from scipy import stats
from statsmodels.stats.multitest import multipletests

from brexsim.analysis.data import make_example_dataset, read_biomarkers
from brexsim.analysis.stats import (
    TABLE_COLUMNS,
    analyze_biomarkers,
    compute_change_table,
    fit_mixed_models,
    get_correlation_ci,
    get_dz_ci,
    get_missing_report,
    transform_values,
)
from brexsim.errors import BrexsimInputError

DATA = Path(__file__).parent / "data"
TOL = 1e-10


@pytest.fixture(scope="module")
def handmade() -> pd.DataFrame:
    return read_biomarkers(DATA / "handmade_long.csv")


def _direct(df: pd.DataFrame, analyte: str, stimulus: str, t: float, transform: str) -> dict:
    """The statistics of one table line, straight from pandas + scipy."""
    raw = pd.read_csv(DATA / "handmade_long.csv")
    v = raw[(raw.analyte == analyte) & (raw.stimulus == stimulus)].pivot(
        index="subject", columns="time_h", values="value"
    )
    if transform == "induced" and stimulus != "basal":
        b = raw[(raw.analyte == analyte) & (raw.stimulus == "basal")].pivot(
            index="subject", columns="time_h", values="value"
        )
        v = v - b.reindex(index=v.index, columns=v.columns)
    if transform == "log":
        v = np.log(v)
    h = raw[raw.analyte == "HAMD17"].pivot(index="subject", columns="time_h", values="value")
    pre, post = v[0], v[t]
    ok = pre.notna() & post.notna()
    d = (post - pre)[ok]
    impr = (h[0] - h[t]).reindex(d.index)
    okc = impr.notna()
    tt = stats.ttest_rel(post[ok], pre[ok])
    w = stats.wilcoxon(post[ok] - pre[ok])
    pr = stats.pearsonr(d[okc], impr[okc])
    sp = stats.spearmanr(d[okc], impr[okc])
    return {
        "n": int(ok.sum()),
        "n_corr": int(okc.sum()),
        "mean_change": d.mean(),
        "sd_change": d.std(ddof=1),
        "t": tt.statistic,
        "p_ttest": tt.pvalue,
        "w_statistic": w.statistic,
        "p_wilcoxon": w.pvalue,
        "r_pearson": pr.statistic,
        "p_pearson": pr.pvalue,
        "r_spearman": sp.statistic,
        "p_spearman": sp.pvalue,
        "mean_change_ci_low": tt.confidence_interval().low,
        "mean_change_ci_high": tt.confidence_interval().high,
    }


@pytest.mark.parametrize("transform", ["raw", "log", "induced"])
def test_table_equals_direct_scipy_calls(handmade: pd.DataFrame, transform: str) -> None:
    tab = compute_change_table(handmade, transform=transform)
    assert list(tab.columns) == list(TABLE_COLUMNS)
    assert len(tab) == 3 * 2  # TNFa basal, TNFa LPS, IL6 basal x 24 h, 60 h
    for row in tab.itertuples(index=False):
        exp = _direct(handmade, row.analyte, row.stimulus, row.time_h, transform)
        for key, val in exp.items():
            got = getattr(row, key)
            assert got == pytest.approx(val, abs=TOL, rel=TOL), (row.analyte, row.time_h, key)
    # Benjamini-Hochberg across the whole table
    assert np.allclose(
        tab["q_fdr"], multipletests(tab["p_ttest"], method="fdr_bh")[1], atol=TOL, rtol=0
    )
    assert np.allclose(
        tab["q_fdr_wilcoxon"],
        multipletests(tab["p_wilcoxon"], method="fdr_bh")[1],
        atol=TOL,
        rtol=0,
    )


def test_handmade_edge_cases_are_exercised(handmade: pd.DataFrame) -> None:
    """The hand-made file has a missing value, an absent row, a zero change and a missing
    HAM-D: the counts say so."""
    tab = compute_change_table(handmade, post_h=[24, 60]).set_index(
        ["analyte", "stimulus", "time_h"]
    )
    assert tab.loc[("TNFa", "basal", 24.0), "n"] == 7  # P04 value empty
    assert tab.loc[("TNFa", "LPS", 24.0), "n"] == 7  # P08 row absent
    assert tab.loc[("TNFa", "basal", 60.0), "n_corr"] == 7  # P08 HAM-D at 60 h empty
    assert tab.loc[("TNFa", "basal", 24.0), "n_excluded"] == 1
    assert "1 subject(s) without a complete pair" in tab.loc[("TNFa", "basal", 24.0), "note"]
    # IL6 at 60 h has one zero change (P02): Wilcoxon drops it as scipy does (checked above)
    rep = get_missing_report(handmade).set_index(["analyte", "stimulus", "time_h"])
    assert rep.loc[("TNFa", "basal", 24.0), "n_missing_value"] == 1
    assert rep.loc[("TNFa", "LPS", 24.0), "n_no_row"] == 1
    assert rep.loc[("HAMD17", "basal", 60.0), "n_missing_value"] == 1


def test_wide_file_gives_the_same_table(handmade: pd.DataFrame) -> None:
    a = compute_change_table(handmade)
    b = compute_change_table(read_biomarkers(DATA / "handmade_wide.csv"))
    num = [
        c for c in TABLE_COLUMNS if c not in ("analyte", "stimulus", "unit", "transform", "note")
    ]
    np.testing.assert_allclose(a[num].to_numpy(float), b[num].to_numpy(float), rtol=0, atol=TOL)


def test_dz_ci_solves_the_noncentral_t_equations() -> None:
    t = np.array([-4.2, 0.3, 2.5, 12.0])
    n = np.array([8, 11, 30, 200])
    lo, hi = get_dz_ci(t, n)
    df = n - 1
    np.testing.assert_allclose(stats.nct.cdf(t, df, lo * np.sqrt(n)), 0.975, atol=1e-9)
    np.testing.assert_allclose(stats.nct.cdf(t, df, hi * np.sqrt(n)), 0.025, atol=1e-9)
    assert np.all(lo < t / np.sqrt(n)) and np.all(t / np.sqrt(n) < hi)


def test_correlation_ci_is_fisher_z() -> None:
    r, n = np.array([0.6, -0.3]), np.array([11, 40])
    lo, hi = get_correlation_ci(r, n)
    z = stats.norm.ppf(0.975)
    np.testing.assert_allclose(lo, np.tanh(np.arctanh(r) - z / np.sqrt(n - 3)), atol=1e-14)
    np.testing.assert_allclose(hi, np.tanh(np.arctanh(r) + z / np.sqrt(n - 3)), atol=1e-14)
    lo_s, hi_s = get_correlation_ci(r, n, "spearman")
    assert np.all(lo_s < lo) and np.all(hi_s > hi)  # wider: variance 1.06 / (n - 3)


def test_known_effect_is_recovered() -> None:
    """Simulated cohort, log scale: mean change g(t)*delta, dz g*delta/sqrt(g^2 gamma^2 +
    2 sd^2), correlation with the responsiveness z negative; estimates within 4 SE."""
    n, tau, sd = 400, 20.0, 0.15
    delta, gamma = -0.35, -0.20
    df = make_example_dataset(
        seed=11,
        n_subjects=n,
        times_h=(0.0, 60.0),
        effects={("TNFa", "basal"): (delta, gamma), ("IL6", "basal"): (0.0, 0.0)},
        tau_h=tau,
        sd_noise=sd,
    )
    tab = compute_change_table(df, post_h=60, transform="log").set_index("analyte")
    g = 1 - np.exp(-60 / tau)
    sd_change = np.sqrt(g**2 * gamma**2 + 2 * sd**2)
    tnf = tab.loc["TNFa"]
    assert abs(tnf["mean_change"] - g * delta) < 4 * sd_change / np.sqrt(n)
    assert tnf["dz_ci_low"] < g * delta / sd_change < tnf["dz_ci_high"]
    assert tnf["p_ttest"] < 1e-10 and tnf["q_fdr"] < 1e-10
    # bigger drops in subjects who improve more: negative correlation, clearly significant
    assert tnf["r_pearson"] < -0.3 and tnf["p_pearson"] < 1e-6
    assert tnf["r_spearman"] < -0.3
    # the null analyte is not significant after FDR, and its CI covers 0
    il6 = tab.loc["IL6"]
    assert il6["mean_change_ci_low"] < 0 < il6["mean_change_ci_high"]
    assert il6["q_fdr"] > 0.05


def test_induced_transform_subtracts_basal_at_same_time() -> None:
    df = pd.DataFrame(
        {
            "subject": ["a"] * 4,
            "time_h": [0.0, 0.0, 60.0, 60.0],
            "analyte": "IL6",
            "stimulus": ["basal", "IMQ", "basal", "IMQ"],
            "value": [3.0, 103.0, 2.0, 52.0],
            "unit": "pg/mL",
        }
    )
    tv = transform_values(df, "induced").set_index(["stimulus", "time_h"])["value"]
    assert tv[("IMQ", 0.0)] == 100.0 and tv[("IMQ", 60.0)] == 50.0
    assert tv[("basal", 60.0)] == 2.0


def test_log_transform_rejects_non_positive_values(handmade: pd.DataFrame) -> None:
    bad = handmade.copy()
    bad.loc[(bad["analyte"] == "IL6") & (bad["time_h"] == 60.0), "value"] = 0.0
    with pytest.raises(BrexsimInputError, match=r"values > 0 for --transform log"):
        compute_change_table(bad, transform="log")


def test_bad_arguments(handmade: pd.DataFrame) -> None:
    with pytest.raises(BrexsimInputError, match="transform"):
        compute_change_table(handmade, transform="sqrt")
    with pytest.raises(BrexsimInputError, match=r"later sampling time in the data \(24, 60 h\)"):
        compute_change_table(handmade, post_h=48)


def test_too_few_pairs_gives_nan_with_a_note() -> None:
    df = pd.DataFrame(
        {
            "subject": ["a", "a", "b", "b", "c"],
            "time_h": [0.0, 60.0, 0.0, 60.0, 0.0],
            "analyte": "TNFa",
            "stimulus": "basal",
            "value": [5.0, 4.0, 6.0, 4.5, 7.0],
        }
    )
    tab = compute_change_table(df)
    assert tab.loc[0, "n"] == 2 and np.isnan(tab.loc[0, "p_ttest"])
    assert "only 2 complete pair(s)" in tab.loc[0, "note"]
    assert "no HAMD17" in tab.loc[0, "note"]


def test_mixed_model_equals_direct_statsmodels(handmade: pd.DataFrame) -> None:
    mm = fit_mixed_models(handmade).set_index(["analyte", "stimulus", "time_h"])
    raw = handmade[(handmade.analyte == "IL6") & handmade.value.notna()].copy()
    fit = smf.mixedlm("value ~ C(time_h)", raw, groups=raw["subject"]).fit(
        reml=True, method=["lbfgs", "powell"]
    )
    for t in (24.0, 60.0):
        name = f"C(time_h)[T.{t}]"
        assert mm.loc[("IL6", "basal", t), "estimate"] == pytest.approx(
            fit.fe_params[name], abs=1e-6
        )
        assert mm.loc[("IL6", "basal", t), "se"] == pytest.approx(fit.bse_fe[name], rel=1e-4)
    assert mm.loc[("IL6", "basal", 24.0), "n_obs"] == len(raw)
    assert mm["converged"].all()


def test_mixed_model_recovers_change_with_missing_data() -> None:
    df = make_example_dataset(
        seed=3,
        n_subjects=150,
        times_h=(0.0, 24.0, 60.0),
        effects={("TNFa", "basal"): (-0.35, -0.2)},
        missing_fraction=0.2,
    )
    mm = fit_mixed_models(df, "log").set_index("time_h")
    truth = -0.35 * (1 - np.exp(-60 / 20))
    assert mm.loc[60.0, "ci_low"] < truth < mm.loc[60.0, "ci_high"]


def test_analyze_biomarkers_summary(handmade: pd.DataFrame) -> None:
    res = analyze_biomarkers(handmade, post_h=24, mixed=True)
    s = res.get_summary()
    assert s["n_subjects"] == 8 and s["n_lines"] == 3 and res.post_h == (24.0,)
    assert s["missing"]["n_values_missing"] == 2
    # at 24 h: TNFa basal (P04 empty) and TNFa LPS (P08 absent) lose a subject
    assert s["missing"]["lines_with_exclusions"] == 2
    assert res.hamd.set_index("time_h").loc[60.0, "n_pairs"] == 7
    assert res.mixed is not None and len(res.mixed) == 3 * 2
