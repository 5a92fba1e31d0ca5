"""Trial statistics: ANCOVA against a direct statsmodels fit, rates, the endpoint table, pooling."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

from brexsim.trial.stats import (
    ENDPOINT_COLUMNS,
    TrialOutcomes,
    compute_endpoints,
    fit_ancova,
    get_rate_ci,
    pool_replicates,
)


def _data(seed: int = 0, n: int = 40, missing: bool = False) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    arm = np.repeat(["placebo", "BRX90", "BRX60"], n)
    base = rng.integers(26, 36, 3 * n).astype(float)
    eff = {"placebo": 0.0, "BRX90": -3.7, "BRX60": -5.5}
    chg = -14 + np.array([eff[a] for a in arm]) - 0.4 * (base - 29) + rng.normal(0, 7, 3 * n)
    chg = np.round(chg)
    if missing:
        chg[rng.random(3 * n) < 0.15] = np.nan
    return pd.DataFrame({"arm": arm, "baseline": base, "change": chg})


@pytest.mark.parametrize("missing", [False, True])
def test_ancova_matches_statsmodels_formula(missing: bool) -> None:
    df = _data(1, missing=missing)
    r = fit_ancova(
        df["change"].to_numpy(),
        df["baseline"].to_numpy(),
        df["arm"].to_numpy(),
        "placebo",
        ["placebo", "BRX90", "BRX60"],
    )
    obs = df.dropna()
    fit = smf.ols("change ~ C(arm, Treatment('placebo')) + baseline", data=obs).fit()
    assert r.df_resid == fit.df_resid
    for i, a in enumerate(r.arms[1:], start=1):
        term = f"C(arm, Treatment('placebo'))[T.{a}]"
        assert r.diff[i] == pytest.approx(fit.params[term], rel=1e-10, abs=1e-10)
        assert r.diff_se[i] == pytest.approx(fit.bse[term], rel=1e-10, abs=1e-10)
        assert r.diff_p[i] == pytest.approx(fit.pvalues[term], rel=1e-10, abs=1e-12)
        ci = fit.conf_int().loc[term].to_numpy()
        np.testing.assert_allclose(r.diff_ci[i], ci, rtol=1e-10, atol=1e-10)
    # LS means: the model's prediction for each arm at the mean baseline of the fitted patients
    bm = obs["baseline"].mean()
    assert r.baseline_mean == pytest.approx(bm, rel=1e-12)
    pred = fit.get_prediction(pd.DataFrame({"arm": list(r.arms), "baseline": bm})).summary_frame()
    np.testing.assert_allclose(r.ls_mean, pred["mean"], rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(r.ls_se, pred["mean_se"], rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(r.ls_ci[:, 0], pred["mean_ci_lower"], rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(r.ls_ci[:, 1], pred["mean_ci_upper"], rtol=1e-10, atol=1e-10)
    assert r.n.tolist() == [int((obs["arm"] == a).sum()) for a in r.arms]


def test_ancova_recovers_a_known_effect() -> None:
    df = _data(2, n=4000)
    r = fit_ancova(
        df["change"].to_numpy(), df["baseline"].to_numpy(), df["arm"].to_numpy(), "placebo"
    )
    assert r.arms == ("placebo", "BRX90", "BRX60")
    # SE of a difference ~ 7 * sqrt(2 / 4000) = 0.16; 4 SE
    assert abs(r.diff[1] + 3.7) < 0.64 and abs(r.diff[2] + 5.5) < 0.64
    assert abs(r.ls_mean[0] - (-14 - 0.4 * (r.baseline_mean - 29))) < 0.45


def test_ancova_without_enough_data_gives_nan() -> None:
    r = fit_ancova(
        np.array([1.0, np.nan]),
        np.array([28.0, 29.0]),
        np.array(["placebo", "A"]),
        "placebo",
        ["placebo", "A"],
    )
    assert np.isnan(r.diff[1]) and r.n.tolist() == [1, 0]


def test_wilson_interval_formula() -> None:
    k, n, z = 7, 41, 1.959963984540054
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    est, lo, hi = get_rate_ci(k, n)
    assert est == p
    assert lo == pytest.approx(centre - half, rel=1e-9)
    assert hi == pytest.approx(centre + half, rel=1e-9)
    assert np.isnan(get_rate_ci(0, 0)[0])
    lo_cp, hi_cp = get_rate_ci(0, 43, method="beta")[1:]
    assert lo_cp == 0.0 and hi_cp == pytest.approx(1 - 0.025 ** (1 / 43), rel=1e-9)


def _outcomes(reps: int = 1, n: int = 20) -> TrialOutcomes:
    rng = np.random.default_rng(3)
    arms = np.tile(np.repeat(["BRX90", "placebo"], n), reps)
    rep = np.repeat(np.arange(reps), 2 * n)
    base = rng.integers(26, 34, len(arms)).astype(float)
    t = np.array([0.0, 24.0, 60.0])
    drop = (arms == "BRX90") * 3.0
    hamd = np.column_stack(
        [
            base,
            base - 10 - drop + rng.normal(0, 5, len(arms)),
            base - 15 - drop + rng.normal(0, 5, len(arms)),
        ]
    ).round()
    hamd = np.clip(hamd, 0, 52)
    hamd[5, 2] = np.nan  # a dropout
    return TrialOutcomes(
        subject=np.arange(len(arms)),
        replicate=rep,
        arm=arms,
        visits_h=t,
        hamd=hamd,
        hamd_baseline=base,
        outcomes={
            "somnolence": rng.random(len(arms)) < 0.2,
            "interruption": rng.random(len(arms)) < 0.1,
            "loss_of_consciousness": np.zeros(len(arms), dtype=bool),
        },
    )


def test_endpoint_table_single_replicate() -> None:
    d = _outcomes()
    e = compute_endpoints(d, ["BRX90", "placebo"], "placebo", {"BRX90": 60.0, "placebo": 60.0})
    assert tuple(e.columns) == ENDPOINT_COLUMNS
    assert list(e.columns[:7]) == [
        "arm",
        "time_h",
        "endpoint",
        "estimate",
        "ci_low",
        "ci_high",
        "n",
    ]
    for endpoint in ("hamd_change", "response_rate", "remission_rate"):
        for arm in ("BRX90", "placebo"):
            got = e[(e.endpoint == endpoint) & (e.arm == arm)]["time_h"].tolist()
            assert got == [24.0, 60.0], (endpoint, arm)
    vs = e[e.endpoint == "hamd_change_vs_placebo"]
    assert vs["arm"].tolist() == ["BRX90", "BRX90"] and vs["p_value"].notna().all()
    for endpoint in ("sedation_rate", "interruption_rate", "loc_rate"):
        rows = e[e.endpoint == endpoint]
        assert sorted(rows["arm"]) == ["BRX90", "placebo"] and (rows["time_h"] == 60.0).all()
    # rates are the plain shares; the dropout is missing from hour 60 only
    r60 = e[(e.endpoint == "response_rate") & (e.arm == "BRX90") & (e.time_h == 60.0)].iloc[0]
    obs = d.hamd[:20, 2]
    keep = np.isfinite(obs)
    fall = d.hamd_baseline[:20][keep] - obs[keep]
    assert r60["n"] == 19
    assert r60["estimate"] == pytest.approx(np.mean(fall >= 0.5 * d.hamd_baseline[:20][keep]))
    sed = e[(e.endpoint == "sedation_rate") & (e.arm == "placebo")].iloc[0]
    assert sed["estimate"] == pytest.approx(d.outcomes["somnolence"][20:].mean())
    # the difference row is the ANCOVA of the same data
    r = fit_ancova(d.hamd[:, 1] - d.hamd_baseline, d.hamd_baseline, d.arm, "placebo")
    row = vs[vs.time_h == 24.0].iloc[0]
    assert row["estimate"] == pytest.approx(r.diff[1], rel=1e-12)


def test_replicates_and_pooling() -> None:
    d = _outcomes(reps=5)
    e = compute_endpoints(d, ["BRX90", "placebo"], "placebo", {"BRX90": 60.0, "placebo": 60.0})
    assert list(e.columns) == [*ENDPOINT_COLUMNS[:7], "replicate", "p_value"]
    assert sorted(set(e["replicate"])) == ["0", "1", "2", "3", "4", "all"]
    per = e[e.replicate != "all"]
    pooled = e[e.replicate == "all"].set_index(["arm", "time_h", "endpoint"])
    key = ("BRX90", 60.0, "hamd_change_vs_placebo")
    est = per.set_index(["arm", "time_h", "endpoint"]).loc[key]
    assert pooled.loc[key, "estimate"] == pytest.approx(est["estimate"].mean(), rel=1e-12)
    assert pooled.loc[key, "ci_low"] == pytest.approx(np.percentile(est["estimate"], 2.5))
    assert pooled.loc[key, "ci_high"] == pytest.approx(np.percentile(est["estimate"], 97.5))
    assert pooled.loc[key, "n"] == 5
    pw = pooled.loc[("BRX90", 60.0, "power")]
    assert pw["estimate"] == pytest.approx(np.mean(est["p_value"] < 0.05))
    assert ("placebo", 60.0, "power") not in pooled.index
    # every per-replicate block is the single-replicate table of that replicate
    sel = d.replicate == 2
    one = TrialOutcomes(
        d.subject[sel],
        d.replicate[sel],
        d.arm[sel],
        d.visits_h,
        d.hamd[sel],
        d.hamd_baseline[sel],
        {k: v[sel] for k, v in d.outcomes.items()},
    )
    e2 = compute_endpoints(one, ["BRX90", "placebo"], "placebo", {"BRX90": 60.0, "placebo": 60.0})
    blk = per[per.replicate == "2"].drop(columns="replicate").reset_index(drop=True)
    pd.testing.assert_frame_equal(blk, e2)


def test_pool_replicates_power_counts_significant_replicates() -> None:
    t = pd.DataFrame(
        {
            "arm": "A",
            "time_h": 60.0,
            "endpoint": "hamd_change_vs_placebo",
            "estimate": [-1.0, -2.0, -3.0, -4.0, -5.0],
            "ci_low": 0.0,
            "ci_high": 0.0,
            "n": 80,
            "replicate": list("01234"),
            "p_value": [0.5, 0.049, 0.051, 0.001, 0.2],
        }
    )
    p = pool_replicates(t).set_index("endpoint")
    assert p.loc["power", "estimate"] == pytest.approx(0.4)
    assert p.loc["power", "n"] == 5
    assert p.loc["hamd_change_vs_placebo", "estimate"] == pytest.approx(-3.0)
