"""compare-hypotheses: cohorts, divergent predictions, power curves and the CLI (issue 15)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from brexsim.comparison.compare import get_divergent_predictions, simulate_hypothesis_cohort
from brexsim.comparison.power import (
    CHI2_1DF_95,
    get_correlation_power,
    get_discrimination_power,
    make_joint_models,
    make_replicate_frame,
)
from brexsim.comparison.report import get_record_table, plot_power_curves
from brexsim.errors import BrexsimInputError


def _synthetic(rho: float, n: int = 120, seed: int = 0) -> pd.DataFrame:
    """A drug arm whose log TNF-a fold and day-30 change correlate with rho (true values)."""
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((n, 2))
    a, b = z[:, 0], rho * z[:, 0] + np.sqrt(1 - rho**2) * z[:, 1]
    return pd.DataFrame({
        "hypothesis": "x", "arm": "zulresso", "solver_ok": True,
        "infl_basal_tone_scale": np.exp(rng.normal(0, 0.3, n)),
        "tnf_fold_24": np.exp(-0.3 + 0.4 * a), "tnf_fold_60": np.exp(-0.4 + 0.4 * a),
        "hamd_change_d7": -14 + 6 * b + rng.normal(0, 3, n),
        "hamd_change_d30": -16 + 7 * b,
    })  # fmt: skip


@pytest.fixture(scope="module")
def cohorts():
    return pd.concat(
        [simulate_hypothesis_cohort(h, n_per_arm=36, seed=3) for h in ("gaba", "neuroimmune")],
        ignore_index=True,
    )


def test_cohorts_share_draws_and_differ_by_hypothesis(cohorts):
    g = cohorts[cohorts["hypothesis"] == "gaba"].reset_index(drop=True)
    n = cohorts[cohorts["hypothesis"] == "neuroimmune"].reset_index(drop=True)
    assert list(g["patient"]) == list(n["patient"]) and len(g) == 72
    assert set(g["arm"]) == {"zulresso", "placebo"}
    num = g.select_dtypes("number").to_numpy(float)
    assert np.isfinite(num).all() and g["solver_ok"].all()
    # same patients, different coupling: the phenotype moves the immune multipliers
    assert not np.allclose(g["infl_basal_tone_scale"], n["infl_basal_tone_scale"])
    pbo = g[g["arm"] == "placebo"]
    drug = g[g["arm"] == "zulresso"]
    assert drug["tnf_fold_60"].median() < pbo["tnf_fold_60"].median()  # the drug lowers TNF-a


def test_divergent_predictions_show_the_coupling(cohorts):
    p = get_divergent_predictions(cohorts).set_index("hypothesis")
    assert p.loc["neuroimmune", "r_tnf24_hamd30"] > 0.5  # a shared cause: strong
    assert abs(p.loc["gaba", "r_tnf24_hamd30"]) < 0.4  # nearly independent
    for h in p.index:
        assert p.loc[h, "drug_minus_placebo_high_lo"] <= p.loc[h, "drug_minus_placebo_high"]
        assert p.loc[h, "drug_minus_placebo_high"] <= p.loc[h, "drug_minus_placebo_high_hi"]


def test_divergent_predictions_survive_an_empty_stratum():
    c = _synthetic(0.5, n=6).assign(infl_basal_tone_scale=1.0)  # every patient at the median
    c = pd.concat([c, c.assign(arm="placebo")], ignore_index=True)
    p = get_divergent_predictions(c)
    assert np.isnan(p["drug_minus_placebo_high"].iloc[0])  # nobody above the median
    assert np.isfinite(p["drug_minus_placebo_low"].iloc[0])


def test_correlation_power_tracks_the_true_correlation():
    kw = {"sizes": (11, 30), "replicates": 40, "seed": 1}
    exact = get_correlation_power(_synthetic(0.9), assay_log_sd=0.0, **kw)
    noisy = get_correlation_power(_synthetic(0.9), **kw)  # the Balan assay noise
    null = get_correlation_power(_synthetic(0.0), **kw)
    assert (exact["power"] > 0.9).all() and (null["power"] < 0.2).all()
    assert noisy["power"].iloc[0] < exact["power"].iloc[0]  # noise costs power at n = 11
    assert noisy["power"].iloc[1] >= noisy["power"].iloc[0]  # and more patients win it back
    assert (noisy["power_lo"] <= noisy["power"]).all() and (noisy["power_hi"] <= 1).all()


def test_power_refuses_a_pool_that_replicates_would_share():
    with pytest.raises(BrexsimInputError) as e:
        get_correlation_power(_synthetic(0.5, n=60), sizes=(30,), replicates=5)
    assert e.value.field == "cohort"


def test_joint_models_are_nested_and_the_fit_prefers_the_true_one():
    """Model comparison by the estimation engine: the block-Omega (neuroimmune) fit is never
    worse than the diagonal (gaba) fit (nested, same data), and the likelihood-ratio rule
    picks the coupling when there is one and not when there is none."""
    coupled = get_discrimination_power(_synthetic(0.8, n=90), sizes=(30,), replicates=3, seed=2)
    indep = get_discrimination_power(_synthetic(0.0, n=90), sizes=(30,), replicates=3, seed=2)
    assert coupled["prefer_neuroimmune"].iloc[0] == 1.0
    assert coupled["median_dofv"].iloc[0] > CHI2_1DF_95
    assert indep["median_dofv"].iloc[0] < CHI2_1DF_95
    assert (coupled["n_not_converged"] == 0).all()


def test_replicate_frame_is_estimation_data():
    from brexsim.estimation.data import frame_to_data

    d = pd.DataFrame({
        "log_tnf_24": [-0.2, -0.4], "log_tnf_60": [-0.3, -0.5],
        "hamd_change_d7": [-10.0, -12.0], "hamd_change_d30": [-15.0, -20.0],
    })  # fmt: skip
    data = frame_to_data(make_replicate_frame(d))
    assert data.n_subjects == 2 and sorted(set(data.dvid[data.obs_mask])) == [1, 2]
    g, ni = make_joint_models()
    assert not g.omega_block and ni.omega_block and g.sigma_dvids == (1, 2)


def test_record_table_and_power_plot_survive_edges():
    t = get_record_table({
        "gaba": [{"id": "a", "target": 1.0, "tolerance": "", "unit": "", "model": 2.0,
                  "passed": False, "status": "known discrepancy"}],
        "neuroimmune": [{"id": "b", "target": 0.0, "tolerance": "", "unit": "", "model": None,
                         "passed": True, "status": ""}],
    })  # fmt: skip
    assert t.set_index("id").loc["a", "status_neuroimmune"] == "not run"
    assert t.set_index("id").loc["b", "status_neuroimmune"] == "passed"
    edge = pd.DataFrame({"n": [11, 30], "power": [0.0, 1.0], "power_lo": [0.0, 0.83],
                         "power_hi": [0.16, 1.0], "hypothesis": "gaba"})  # fmt: skip
    disc = edge.rename(columns={"power": "prefer_neuroimmune", "power_lo": "lo", "power_hi": "hi"})
    fig = plot_power_curves(edge, disc)
    assert len(fig.axes) == 2


def test_cli_writes_every_output(tmp_path, cohorts, monkeypatch):
    from brexsim.cli import app
    from brexsim.cli import compare_hypotheses as mod

    val = tmp_path / "val"
    for h in ("gaba", "neuroimmune"):
        (val / h).mkdir(parents=True)
        recs = [{"id": "x.y", "target": 1.0, "tolerance": "5 %", "unit": "", "model": 1.0,
                 "passed": h == "neuroimmune",
                 "status": "passed" if h == "neuroimmune" else "known discrepancy"}]  # fmt: skip
        (val / h / "validation.json").write_text(
            json.dumps({"records": recs, "provenance": {"hypothesis": h}})
        )
    from brexsim.comparison import compare

    monkeypatch.setattr(  # reuse the module's cohorts (the CLI's own simulation is tested above)
        compare, "simulate_hypothesis_cohort",
        lambda h, n, seed: cohorts[cohorts["hypothesis"] == h].reset_index(drop=True),
    )  # fmt: skip
    out = tmp_path / "out"
    args = ["compare-hypotheses", "--out", str(out), "--validation-dir", str(val),
            "--hypotheses", "gaba,neuroimmune", "--n-per-arm", "36", "--sizes", "4,12",
            "--replicates", "20", "--fit-replicates", "2"]  # fmt: skip
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    names = {p.name for p in out.iterdir()}
    assert {"records.csv", "predictions.csv", "power_correlation.csv", "power_discrimination.csv",
            "cohorts.parquet", "summary.json", "power.png", "report.html"} <= names  # fmt: skip
    s = json.loads((out / "summary.json").read_text())
    assert s["figures"] == "complete" and s["provenance"]["hypothesis"] == "gaba,neuroimmune"
    assert "known discrepancy" in (out / "report.html").read_text()
    assert mod._DEFAULT_HYPOTHESES.startswith("gaba")


def test_cli_rejects_bad_options(tmp_path):
    from brexsim.cli import app

    r = CliRunner().invoke(app, ["compare-hypotheses", "--out", str(tmp_path / "o"),
                                 "--sizes", "2,x"])  # fmt: skip
    assert r.exit_code == 2 and "--sizes" in r.output
    r = CliRunner().invoke(app, ["compare-hypotheses", "--out", str(tmp_path / "o"),
                                 "--n-per-arm", "50"])  # fmt: skip
    assert r.exit_code == 2 and "--n-per-arm" in r.output and not (tmp_path / "o").exists()


@pytest.mark.slow
def test_one_2026_like_study_of_the_recommended_size_picks_its_generating_hypothesis():
    """Issue 15, must show: both variants fitted to one simulated subject-level study of n = 30
    (the size the curve recommends) prefer the hypothesis that generated it."""
    picks = {}
    for h in ("gaba", "neuroimmune"):
        c = simulate_hypothesis_cohort(h, n_per_arm=90, seed=11)
        d = get_discrimination_power(c, sizes=(30,), replicates=1, seed=0)
        picks[h] = "neuroimmune" if d["prefer_neuroimmune"].iloc[0] == 1.0 else "gaba"
        assert d["n_not_converged"].iloc[0] == 0
    assert picks == {"gaba": "gaba", "neuroimmune": "neuroimmune"}
