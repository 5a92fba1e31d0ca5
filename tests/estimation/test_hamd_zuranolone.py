"""The HAM-D NLME model on oral zuranolone records (outpatient setting): brexsim's own
equations on the calibrated zuranolone inputs, the setting's θ, one drug per file, the CLI's
fitted rows, and (slow) recovery from one simulated study."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from brexsim.calibration.hamd import get_typical_inputs
from brexsim.clinical.hamd import (
    compute_hamd,
    sample_baseline_hamd,
    sample_hamd_random_effects,
    sample_observed_hamd,
)
from brexsim.errors import BrexsimInputError
from brexsim.estimation.data import frame_to_data
from brexsim.estimation.model import get_parameter_names
from brexsim.estimation.models import load_model
from brexsim.estimation.models.hamd import get_data_drug, make_hamd_model
from brexsim.estimation.simulate import make_hamd_design

#: ROBIN-like visits (h from the first evening dose): days 3, 8, 15 (324 h, the calibrated
#: visit), 21 and 29.
VISITS_H = (72.0, 192.0, 324.0, 504.0, 696.0)
ARMS = ("placebo-oral", "zuranolone-30mg")


def _design(n: int, seed: int) -> tuple[pd.DataFrame, dict]:
    """Subjects alternate oral placebo (no dose records) / zuranolone 30 mg once daily for 14
    days (AMT mg, RATE 0); BASE from the packaged baseline distribution; no WT column."""
    rng = np.random.default_rng(seed)
    base = sample_baseline_hamd(n, rng)
    rows, arm = [], {}
    for i in range(1, n + 1):
        arm[i] = ARMS[i % 2]
        if arm[i] == "zuranolone-30mg":
            rows += [(i, 24.0 * d, 30.0, 0.0, 1, 0.0, 4, float(base[i - 1])) for d in range(14)]
        rows += [(i, t, 0.0, 0.0, 0, 0.0, 4, float(base[i - 1])) for t in VISITS_H]
    df = pd.DataFrame(rows, columns=["ID", "TIME", "AMT", "RATE", "EVID", "DV", "DVID", "BASE"])
    df = df.sort_values(["ID", "TIME", "EVID"], ascending=[True, True, False], kind="stable")
    return df.reset_index(drop=True), arm


def _simulate(df: pd.DataFrame, arm: dict, seed: int) -> pd.DataFrame:
    """Scores by brexsim's population description (not the estimation model): η sampled,
    expected score by compute_hamd (outpatient) on the calibrated inputs, observed rounding."""
    rng = np.random.default_rng(seed)
    ids = sorted(arm)
    base = df.groupby("ID")["BASE"].first().reindex(ids).to_numpy(float)
    eta = sample_hamd_random_effects(len(ids), rng)
    out = df.copy()
    for name in ARMS:
        rows = np.array([arm[i] == name for i in ids])
        x = get_typical_inputs(name)
        e = {k: v[rows] for k, v in eta.items()}
        s = compute_hamd(x.time_h, base[rows], "outpatient", x.tone_index, x.immune, x.bdnf_sd,
                         eta=e)  # fmt: skip
        for k, i in enumerate(np.array(ids)[rows]):
            obs = (out.ID == i) & (out.EVID == 0)
            j = np.searchsorted(x.time_h, out.loc[obs, "TIME"].to_numpy(float))
            out.loc[obs, "DV"] = sample_observed_hamd(s[k : k + 1, j], rng)[0].astype(float)
    return out


@pytest.fixture(scope="module")
def design():
    df, arm = _design(6, seed=3)
    return df, arm, frame_to_data(df, "design")


def test_oral_records_give_the_outpatient_model(design):
    _, _, data = design
    m = load_model("hamd", data)
    assert get_data_drug(data) == "zuranolone"
    assert get_parameter_names(m)[:3] == ["PLACEBO_MAX_OUT", "PLACEBO_TD_OUT", "DRUG_MAX"]
    assert m.covariates == ("BASE",)  # zuranolone's PK is not per kg: no WT needed
    assert "zuranolone (outpatient)" in m.description


def test_prediction_is_brexsims_outpatient_hamd_layer(design, predict):
    """At the table values and given η, F equals compute_hamd (outpatient) on the zuranolone
    inputs that calibrate-hamd uses (its exposure scale included): an independent path."""
    df, arm, data = design
    m = load_model("hamd", data)
    eta = np.random.default_rng(0).normal(0.0, 1.0, (data.n_subjects, 2))
    f = predict(m, data, eta)
    base = df.groupby("ID")["BASE"].first().to_numpy(float)
    for i, sid in enumerate(data.ids):
        x = get_typical_inputs(arm[int(sid)])
        ref = compute_hamd(x.time_h, base[i], "outpatient", x.tone_index, x.immune, x.bdnf_sd,
                           eta={"eta_placebo": eta[i, :1], "eta_drug": eta[i, 1:]})[0]  # fmt: skip
        j = np.searchsorted(x.time_h, data.obs_time[i][data.obs_mask[i]])
        assert np.allclose(f[i][data.obs_mask[i]], ref[j], rtol=1e-10, atol=1e-10)
    zrn = np.array([arm[int(s)] == "zuranolone-30mg" for s in data.ids])
    f0 = predict(m, data, np.zeros((data.n_subjects, 2)))[:, 2] / base  # day 15, typical η
    assert f0[zrn].max() < f0[~zrn].min()  # the drug arm improves more


def test_an_untabulated_oral_dose_predicts_nan(design, predict):
    df, _, data = design
    m = load_model("hamd", data)
    other = df.copy()
    other.loc[other.EVID == 1, "AMT"] = 50.0  # 50 mg: not a pattern of this file
    f = predict(m, frame_to_data(other), np.zeros((data.n_subjects, 2)))
    assert np.isnan(f[0]).all() and np.isfinite(f[1]).all()  # ID 1 dosed, ID 2 placebo


def test_iv_and_oral_records_in_one_file_are_one_clear_error(design):
    df, _, _ = design
    iv, _ = make_hamd_design(2, seed=1)
    iv = iv.assign(ID=iv.ID + 100).drop(columns="WT")
    mixed = pd.concat([df, iv], ignore_index=True)
    with pytest.raises(BrexsimInputError) as e:
        make_hamd_model(frame_to_data(mixed))
    assert e.value.field == "RATE" and "one drug per file" in str(e.value)


def test_fit_command_writes_the_outpatient_rows(tmp_path):
    from brexsim.cli.fit import run_fit_command
    from brexsim.params.overlay import read_parameter_file

    df, arm = _design(16, seed=4)
    path = tmp_path / "zrn_hamd.csv"
    _simulate(df, arm, seed=5).to_csv(path, index=False)
    est = run_fit_command(path, "hamd", "focei", tmp_path / "out", n_starts=1, vpc_samples=0)
    assert set(est["parameters"]) == {"PLACEBO_MAX_OUT", "PLACEBO_TD_OUT", "DRUG_MAX",
                                      "OMEGA11", "OMEGA22", "SIGMA_HAMD"}  # fmt: skip
    rows = {p.name: p for p in read_parameter_file(tmp_path / "out" / "fitted_parameters.toml")}
    names = {n.split(".")[-1] for n in rows}
    assert {"placebo_max_outpatient", "placebo_td_outpatient_h"} <= names
    assert not names & {"placebo_max_inpatient", "placebo_td_inpatient_h"}


@pytest.mark.slow
def test_recovery_from_one_simulated_zuranolone_study():
    """200 subjects (100 per arm) x 5 visits simulated by the population description (seed
    11), FOCE-I from the truth: the placebo θ and DRUG_MAX within 3 sandwich SEs of the truth
    (a miss has probability ~0.3 % per parameter for an unbiased estimator with right SEs)."""
    from brexsim.estimation.covariance import compute_covariance
    from brexsim.estimation.fitting import fit_model

    df, arm = _design(200, seed=0)
    data = frame_to_data(_simulate(df, arm, seed=11))
    m = load_model("hamd", data)
    truth = np.array([t.init for t in m.thetas])
    fit = fit_model(m, data, "focei")
    se = compute_covariance(fit, "sandwich").se
    assert fit.converged and se is not None
    est = fit.estimates[:3]
    assert np.all(np.abs(est - truth) < 3.0 * se[:3]), (est, truth, se[:3])
