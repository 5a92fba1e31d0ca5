"""Simulated observations: residual error from each patient's own stream, LLOQ flags, PRED,
the spec's [observations] and population options."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from brexsim.errors import BrexsimInputError
from brexsim.params import load_parameters
from brexsim.trial.observe import (
    OBSERVATION_COLUMNS,
    add_residual_error,
    get_residual_model,
    simulate_observations,
)
from brexsim.trial.run import plan_trial, simulate_chunk
from brexsim.trial.spec import parse_trial_spec


def _spec(**extra):
    d = {
        "trial": {"name": "t", "seed": 5},
        "population": {"pk_variability": True, "covariates": {"hepatic": {"severe": 0.5}}},
        "arms": [
            {"name": "BRX90", "regimen": "zulresso", "n": 6},
            {"name": "placebo", "regimen": "placebo", "n": 2},
        ],
        "visits": {"times_h": [24, 60, 168]},
        "observations": {"pk_times_h": [12, 60, 66, 96]},
    }
    d.update(extra)
    return parse_trial_spec(d)


def test_residual_error_is_per_patient_and_has_the_stated_variance():
    ipred = np.full((400, 3), 50.0)
    ids = np.arange(400)
    dv = add_residual_error(ipred, ids, 3, "conc", 0.04, 0.0)
    sub = add_residual_error(ipred[[5, 2]], ids[[5, 2]], 3, "conc", 0.04, 0.0)
    np.testing.assert_array_equal(sub, dv[[5, 2]])  # no dependence on the other patients
    cv = (dv / 50.0 - 1.0).std(ddof=1)
    assert abs(cv - 0.2) < 4 * 0.2 / np.sqrt(2 * 1200)
    add = add_residual_error(np.zeros((400, 3)), ids, 3, "conc", 0.0, 0.09)
    assert abs(add.std(ddof=1) - 0.3) < 4 * 0.3 / np.sqrt(2 * 1200)
    # another quantity draws other epsilons from the same stream
    assert not np.array_equal(add_residual_error(ipred, ids, 3, "tnf", 0.04, 0.0), dv)


def test_residual_models_come_from_the_population_description():
    ps = load_parameters()
    brx = get_residual_model("conc", "brexanolone", ps)
    assert brx["prop_var"] == ps.value("brexanolone_pk.sigma_prop")
    assert brx["lloq"] == ps.value("brexanolone_pk.lloq_ng_per_ml")
    assert get_residual_model("conc", "zuranolone", ps)["lloq"] == ps.value(
        "zuranolone_pk.lloq_ng_per_ml"
    )
    assert get_residual_model("hamd", "brexanolone", ps)["add_var"] == 0.0
    with pytest.raises(BrexsimInputError, match="dvid"):
        get_residual_model("cortisol", "brexanolone", ps)


def test_chunk_observations_flags_blq_and_does_not_depend_on_chunking():
    spec = _spec()
    tasks = plan_trial(spec, chunk=3, block=8)
    parts = [simulate_chunk(t) for t in tasks]
    obs = np.concatenate([p.observations.to_numpy() for p in parts])
    whole = [simulate_chunk(t) for t in plan_trial(spec, chunk=100, block=8)]
    obs2 = np.concatenate([p.observations.to_numpy() for p in whole])
    assert obs.shape == obs2.shape
    frame = parts[0].observations
    assert list(frame.columns) == list(OBSERVATION_COLUMNS)
    import pandas as pd

    a = pd.concat([p.observations for p in parts]).sort_values(["subject", "dvid", "time_h"])
    b = pd.concat([p.observations for p in whole]).sort_values(["subject", "dvid", "time_h"])
    np.testing.assert_allclose(a["ipred"], b["ipred"], rtol=1e-10)
    np.testing.assert_array_equal(a["blq"], b["blq"])
    conc = a[a["dvid"] == "conc"]
    # dv is NaN exactly where the sample is below the LLOQ
    assert (conc["dv"].isna() == conc["blq"]).all()
    placebo = conc[conc["arm"] == "placebo"]
    assert placebo["blq"].all() and (placebo["ipred"] == 0).all()
    active = conc[(conc["arm"] == "BRX90") & (conc["time_h"] == 60.0)]
    assert not active["blq"].any() and active["ipred"].std() > 0  # PK IIV on
    # PRED is the typical patient's value: one number per time
    assert active["pred"].nunique() == 1 and abs(active["pred"].iloc[0] - 32.007) < 0.01
    # visits of the other quantities, and no conc at the visits that are not PK times
    assert set(a[a["dvid"] == "hamd"]["time_h"]) == {0.0, 24.0, 60.0, 168.0}
    assert set(conc["time_h"]) == {12.0, 60.0, 66.0, 96.0}
    # covariates and PK etas reach patients.parquet
    pf = parts[0].to_patient_frame()
    assert {"hepatic", "eta_pk_cl"} <= set(pf.columns)


def test_simulate_observations_replicates_and_seed():
    spec = _spec(
        arms=[
            {"name": "BRX90", "regimen": "zulresso", "n": 2},
            {"name": "placebo", "regimen": "placebo", "n": 2},
        ]
    )
    o = simulate_observations(spec, replicates=2, seed=9)
    assert sorted(o["replicate"].unique()) == [0, 1]
    assert o["subject"].nunique() == 8
    o2 = simulate_observations(spec, replicates=1, seed=9)
    a = o[o["replicate"] == 0].reset_index(drop=True)
    np.testing.assert_allclose(a["ipred"], o2["ipred"])
    with pytest.raises(BrexsimInputError, match="replicates"):
        simulate_observations(spec, replicates=0)
    # without [observations]: every quantity but conc, at the visits
    o3 = simulate_observations(dataclasses.replace(spec, observations=None), replicates=1)
    assert "conc" not in set(o3["dvid"]) and {"hamd", "tnf", "il6", "bdnf"} <= set(o3["dvid"])


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"observations": {"pk_times_h": [-1.0]}}, "observations.pk_times_h.0"),
        ({"observations": {"pk_times_h": [12.0, 6.0]}}, "observations.pk_times_h"),
        ({"observations": {"pk_times_h": [500.0]}}, "observations.pk_times_h"),
        ({"observations": {"dvids": ["conc"]}}, "observations.dvids"),
        ({"observations": {"pk_times_h": [1.0], "dvids": ["cortisol"]}}, "observations.dvids.0"),
        ({"observations": {"pk_time": [1.0]}}, "observations.pk_time"),
        ({"population": {"covariates": {"kidney": {"esrd": 0.1}}}}, "population.covariates"),
        ({"population": {"covariates": {"hepatic": {"class_d": 0.1}}}}, "population.covariates"),
        ({"population": {"covariates": {"hepatic": {"severe": 1.5}}}}, "hepatic.severe"),
        ({"population": {"covariates": {"renal": {"esrd": -0.1}}}}, "renal.esrd"),
        ({"population": {"covariates": {"hepatic": {"severe": 0.6, "moderate": 0.6}}}}, "hepatic"),
    ],
)
def test_bad_observation_and_covariate_specs_name_the_field(change, field):
    with pytest.raises(BrexsimInputError) as e:
        _spec(**change)
    assert field in str(e.value)
