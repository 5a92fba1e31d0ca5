"""The HAM-D NLME model (``--model hamd``): brexsim's own equations, its drug input, its errors,
the hypothesis overlay, the CLI hand-off, and (slow) recovery from one simulated study."""

from __future__ import annotations

import numpy as np
import pytest

from brexsim.calibration.hamd import get_typical_inputs
from brexsim.clinical.hamd import compute_hamd
from brexsim.errors import BrexsimInputError
from brexsim.estimation.data import frame_to_data
from brexsim.estimation.model import get_parameter_names
from brexsim.estimation.models import SHIPPED, load_model
from brexsim.estimation.models.hamd import make_hamd_model
from brexsim.estimation.simulate import make_hamd_design, simulate_hamd_frame
from brexsim.hypotheses import apply_hypothesis
from brexsim.params import load_parameters


@pytest.fixture(scope="module")
def design():
    df, arm = make_hamd_design(6, seed=3)
    return df, arm, frame_to_data(df, "design")


def test_prediction_is_brexsims_hamd_layer(design, predict):
    """At the table values and given η, F equals clinical.hamd.compute_hamd on the typical
    drug inputs that calibrate-hamd uses (an independent path to the same numbers)."""
    df, arm, data = design
    m = load_model("hamd", data)
    assert "hamd" in SHIPPED and get_parameter_names(m)[-1] == "SIGMA_HAMD"
    eta = np.random.default_rng(0).normal(0.0, 1.0, (data.n_subjects, 2))
    f = predict(m, data, eta)
    base = df.groupby("ID")["BASE"].first().to_numpy(float)
    for i, sid in enumerate(data.ids):
        x = get_typical_inputs(arm[int(sid)])
        ref = compute_hamd(x.time_h, base[i], "inpatient", x.tone_index, x.immune, x.bdnf_sd,
                           eta={"eta_placebo": eta[i, :1], "eta_drug": eta[i, 1:]})[0]  # fmt: skip
        j = np.searchsorted(x.time_h, data.obs_time[i][data.obs_mask[i]])
        assert np.allclose(f[i][data.obs_mask[i]], ref[j], rtol=1e-10, atol=1e-10)
    drug = np.array([arm[int(s)] == "zulresso" for s in data.ids])
    assert f[drug, 3].mean() < f[~drug, 3].mean()  # the drug arm improves more at 60 h


def test_preset_model_matches_a_data_model_and_rejects_unknown_doses(design, predict):
    df, _, data = design
    preset = load_model("hamd")  # placebo, zulresso, study1-brx60 patterns
    eta = np.zeros((data.n_subjects, 2))
    assert np.allclose(predict(preset, data, eta), predict(load_model("hamd", data), data, eta))
    other = df.copy()
    other.loc[other.EVID == 1, "RATE"] *= 1.5  # 45-135 µg/kg/h: no tabulated pattern
    other.loc[other.EVID == 1, "AMT"] *= 1.5
    f = predict(preset, frame_to_data(other), eta)
    assert np.isnan(f[1]).all() and np.isfinite(f[0]).all()  # ID 2 dosed, ID 1 placebo


def test_bad_dose_records_are_one_clear_error(design):
    df, _, _ = design
    bolus = df.copy()  # RATE 0 is an oral (zuranolone) dose: mixed with infusions, refused
    bolus.loc[bolus.index[bolus.EVID == 1][0], "RATE"] = 0.0
    with pytest.raises(BrexsimInputError) as e:
        make_hamd_model(frame_to_data(bolus))
    assert e.value.field == "RATE"
    with pytest.raises(BrexsimInputError) as e:
        make_hamd_model(frame_to_data(df.drop(columns="WT")))
    assert "WT" in str(e.value)


def test_hypothesis_overlay_sets_initial_values_and_a_block_omega(design):
    ps = apply_hypothesis(load_parameters(), "neuroimmune")
    m = make_hamd_model(design[2], ps)
    wp, wd = ps.value("hamd.omega_placebo"), ps.value("hamd.omega_drug")
    assert m.omega_block and get_parameter_names(m)[3:6] == ["OMEGA11", "OMEGA21", "OMEGA22"]
    assert m.omega[1][1] == pytest.approx(wd**2) and m.omega[0][0] == pytest.approx(wp**2)
    load = min(ps.value("hamd.phenotype_loading_drug"), 0.95)  # start capped at 0.95
    assert m.omega[1][0] == pytest.approx(load * wp * wd)
    assert m.thetas[2].init == ps.value("hamd.max_drug_effect")
    assert not make_hamd_model(design[2]).omega_block  # gaba: diagonal


def test_fit_command_writes_hamd_rows(tmp_path):
    from brexsim.cli.fit import run_fit_command
    from brexsim.params.overlay import read_parameter_file

    df, arm = make_hamd_design(16, seed=4)
    path = tmp_path / "hamd.csv"
    simulate_hamd_frame(df, arm, seed=5).to_csv(path, index=False)
    est = run_fit_command(path, "hamd", "focei", tmp_path / "out", n_starts=1, vpc_samples=0)
    rows = {p.name: p for p in read_parameter_file(tmp_path / "out" / "fitted_parameters.toml")}
    assert set(est["parameters"]) == {"PLACEBO_MAX_IN", "PLACEBO_TD_IN", "DRUG_MAX", "OMEGA11",
                                      "OMEGA22", "SIGMA_HAMD"}  # fmt: skip
    sd = rows["hamd.omega_drug"].value if "hamd.omega_drug" in rows else rows["omega_drug"].value
    assert sd == pytest.approx(est["parameters"]["OMEGA22"]["estimate"] ** 0.5)


@pytest.fixture(scope="module")
def recovery():
    """One study of 100 subjects (50 placebo, 50 zulresso) x 6 visits simulated by the
    population description (seed 11), fitted by FOCE-I from the truth."""
    from brexsim.estimation.covariance import compute_covariance
    from brexsim.estimation.fitting import fit_model

    df, arm = make_hamd_design(100, seed=0)
    data = frame_to_data(simulate_hamd_frame(df, arm, seed=11))
    m = load_model("hamd", data)
    truth = np.array([t.init for t in m.thetas] + [m.omega[0][0], m.omega[1][1]])
    fit = fit_model(m, data, "focei")
    return fit, truth, compute_covariance(fit, "sandwich").se


@pytest.mark.slow
def test_recovery_from_one_simulated_study(recovery):
    """PLACEBO_MAX_IN, PLACEBO_TD_IN, DRUG_MAX and OMEGA11 within 3 sandwich SEs of the truth
    (a miss has probability ~0.3 % per parameter if the estimator is unbiased and its SEs are
    right); the placebo θ also within 10 % (their SEs are 3-6 % of the values). DRUG_MAX is
    held to 3 SE only: one study gives it an SE of about 30 %."""
    fit, truth, se = recovery
    assert fit.converged and se is not None
    est = fit.estimates[:4]
    assert np.all(np.abs(est - truth[:4]) < 3.0 * se[:4]), (est, truth[:4], se[:4])
    assert np.all(np.abs(est[:2] / truth[:2] - 1.0) < 0.10), est[:2]


@pytest.mark.slow
@pytest.mark.xfail(
    strict=True,
    reason="known discrepancy: FOCE-I underestimates OMEGA22 (the "
    "logit-scale drug-sensitivity variance) by about 37 % at this design; "
    "docs/estimation.md, benchmarks/estimation_recovery.py --model hamd",
)
def test_drug_sensitivity_variance_recovered(recovery):
    fit, truth, se = recovery
    assert abs(fit.estimates[4] - truth[4]) < 3.0 * se[4], (fit.estimates[4], truth[4], se[4])
