"""Simulated observed data: DV = IPRED with the layers' residual error, LLOQ flags, PRED.

A trial spec with an ``[observations]`` table gets ``observations.parquet``: for each patient
the observed quantities (``dvid``) at their sampling times — plasma concentration (``conc``)
at ``pk_times_h``, and HAM-D-17, TNF-α, IL-6 and serum BDNF at the visits — each with

* ``ipred``: the patient's model value (her own η, covariates and monitoring interruptions);
* ``dv``: ``ipred · (1 + ε₁) + ε₂``, ``ε₁ ~ N(0, σ²_prop)``, ``ε₂ ~ N(0, σ²_add)`` from the
  layer's population description (:mod:`brexsim.params.popmodel`; ``brexsim params
  --population``). HAM-D is already an observed score (expected + residual, rounded to an
  integer in 0-52, :mod:`brexsim.clinical.hamd`): its ``ipred`` is the expected score;
* ``blq``: ``dv < lloq`` where the quantity has an LLOQ (concentrations); ``dv`` is then NaN
  (the flag says why), as a laboratory reports "< LLOQ". A sample without drug (``ipred = 0``:
  placebo, before the first dose) is always BLQ (no additive error creates a false positive);
* ``pred``: the typical patient's value (η = 0, 70 kg, baseline HAM-D 28.6) on the same
  regimen, for prediction-corrected VPCs.

``conc`` is the model's ``plasma_drug`` output: exogenous drug, the endogenous
allopregnanolone level (about 0.5 ng/mL) subtracted, as in a baseline-corrected PK analysis.

The ε of patient ``id`` come from her own stream ``[seed, id, 6005]`` (a fixed
``(5, times, 2)`` draw), so her observations do not depend on the chunking, the order or the
other patients, like every other per-patient draw.

Examples
--------
>>> OBSERVED_OUTPUTS["conc"]
('plasma_drug', 'plasma_drug')
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from brexsim.dosing.regimen import Regimen
from brexsim.params import ParameterSet, load_parameters
from brexsim.params.popmodel import get_population_model, get_sigma
from brexsim.trial._spec_parts import OBSERVATION_DVIDS

__all__ = [
    "OBSERVATION_COLUMNS",
    "OBSERVED_OUTPUTS",
    "add_residual_error",
    "get_observation_frame",
    "get_residual_model",
    "simulate_observations",
]

#: dvid -> (model output holding the observed value, output holding IPRED).
OBSERVED_OUTPUTS: dict[str, tuple[str, str]] = {
    "conc": ("plasma_drug", "plasma_drug"),
    "hamd": ("hamd", "hamd_expected"),
    "tnf": ("tnf", "tnf"),
    "il6": ("il6", "il6"),
    "bdnf": ("bdnf", "bdnf"),
}
#: Column dtypes of ``observations.parquet`` (the order is the column order).
_DTYPES: dict[str, str | type] = {
    "replicate": "int64",
    "arm": str,
    "subject": "int64",
    "time_h": float,
    "dvid": str,
    "dv": float,
    "ipred": float,
    "pred": float,
    "blq": bool,
    "lloq": float,
    "unit": str,
}
#: Columns of ``observations.parquet`` and of :func:`simulate_observations`.
OBSERVATION_COLUMNS = tuple(_DTYPES)
_RESIDUAL_STREAM = 6005
_LAYER = {"tnf": "tlr", "il6": "tlr", "bdnf": "bdnf", "hamd": "hamd"}


def get_residual_model(dvid: str, drug: str, params: ParameterSet | None = None) -> dict:
    """``{"prop_var", "add_var", "lloq"}`` of the observed quantity ``dvid`` for ``drug``.

    HAM-D has no further error here (its simulated score already carries it): both variances 0.

    >>> get_residual_model("conc", "brexanolone")["lloq"]
    0.78
    """
    if dvid not in OBSERVED_OUTPUTS:
        from brexsim.errors import input_error

        raise input_error("dvid", dvid, f"one of {list(OBSERVED_OUTPUTS)}")
    if dvid == "hamd":
        return {"prop_var": 0.0, "add_var": 0.0, "lloq": None}
    layer = f"{drug}_pk" if dvid == "conc" else _LAYER[dvid]
    return get_sigma(get_population_model(layer), "plasma_conc" if dvid == "conc" else dvid, params)


def add_residual_error(
    ipred: np.ndarray,
    ids: Sequence[int] | np.ndarray,
    seed: int,
    dvid: str,
    prop_var: float,
    add_var: float,
) -> np.ndarray:
    """``ipred (n, m) · (1 + ε₁) + ε₂`` with each patient's ε from ``[seed, id, 6005]``.

    >>> y = add_residual_error(np.full((2, 3), 10.0), [0, 1], 7, "conc", 0.01, 0.0)
    >>> y.shape, bool(np.all(np.abs(y / 10 - 1) < 0.6))
    ((2, 3), True)
    """
    ipred = np.asarray(ipred, dtype=float)
    n, m = ipred.shape
    k = OBSERVATION_DVIDS.index(dvid)
    eps = np.empty((n, m, 2))
    for i, pid in enumerate(np.asarray(ids, dtype=np.int64)):
        eps[i] = np.random.default_rng([int(seed), int(pid), _RESIDUAL_STREAM]).standard_normal(
            (len(OBSERVATION_DVIDS), m, 2)
        )[k]
    return ipred * (1.0 + np.sqrt(prop_var) * eps[..., 0]) + np.sqrt(add_var) * eps[..., 1]


def get_observation_frame(
    *,
    replicate: int,
    arm: str,
    regimen: Regimen,
    ids: np.ndarray,
    seed: int,
    time_h: np.ndarray,
    outputs: Mapping[str, tuple[np.ndarray, str]],
    pred: Mapping[str, np.ndarray],
    pk_times_h: Sequence[float],
    visits_h: Sequence[float],
    dvids: Sequence[str],
    dropout_h: np.ndarray,
    params: ParameterSet | None = None,
) -> pd.DataFrame:
    """The observations of one chunk (columns :data:`OBSERVATION_COLUMNS`).

    ``outputs`` are :func:`brexsim.model.simulate` outputs at ``time_h`` (every simulated
    time); ``pred`` the typical patient's output arrays at ``time_h``. Samples after a
    patient's dropout are left out.
    """
    ps = params or load_parameters()
    ids = np.asarray(ids, dtype=np.int64)
    frames = []
    for dvid in dvids:
        times = np.asarray(pk_times_h if dvid == "conc" else visits_h, dtype=float)
        if len(times) == 0:
            continue
        col = np.searchsorted(time_h, times)
        obs_name, ipred_name = OBSERVED_OUTPUTS[dvid]
        ipred = np.asarray(outputs[ipred_name][0], dtype=float)[:, col]
        unit = outputs[obs_name][1]
        res = get_residual_model(dvid, regimen.drug, ps)
        if dvid == "hamd":
            dv = np.asarray(outputs[obs_name][0], dtype=float)[:, col]
        else:
            dv = add_residual_error(ipred, ids, seed, dvid, res["prop_var"], res["add_var"])
        lloq = res["lloq"]
        if lloq is not None:  # no drug in the sample (placebo, before the dose): below the LLOQ
            dv = np.where(ipred > 0.0, dv, 0.0)
        blq = dv < lloq if lloq is not None else np.zeros(dv.shape, dtype=bool)
        dv = np.where(blq, np.nan, dv)
        n, m = dv.shape
        keep = (times[None, :] <= dropout_h[:, None]).ravel()
        frames.append(
            pd.DataFrame(
                {
                    "replicate": np.int64(replicate),
                    "arm": arm,
                    "subject": np.repeat(ids, m)[keep],
                    "time_h": np.tile(times, n)[keep],
                    "dvid": dvid,
                    "dv": dv.ravel()[keep],
                    "ipred": ipred.ravel()[keep],
                    "pred": np.tile(np.asarray(pred[ipred_name], dtype=float)[col], n)[keep],
                    "blq": blq.ravel()[keep],
                    "lloq": np.nan if lloq is None else float(lloq),
                    "unit": unit,
                }
            )
        )
    if not frames:
        return _empty_frame()
    return pd.concat(frames, ignore_index=True)[list(OBSERVATION_COLUMNS)]


def _empty_frame() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in _DTYPES.items()})


_PRED_CACHE: dict[tuple, dict[str, np.ndarray]] = {}


def get_typical_prediction(
    regimen: Regimen,
    time_h: np.ndarray,
    params: ParameterSet,
    sensitivity: str = "control",
    block: int = 64,
) -> dict[str, np.ndarray]:
    """The typical patient's outputs at ``time_h`` (PRED), cached per process."""
    from brexsim.model import simulate

    key = (repr(regimen), tuple(np.asarray(time_h, dtype=float)), params.hash, sensitivity, block)
    if key not in _PRED_CACHE:
        res = simulate(
            regimen,
            typical=True,
            times_h=np.asarray(time_h, dtype=float),
            params=params,
            sensitivity=sensitivity,
            chunk=block,
        )
        _PRED_CACHE[key] = {k: np.asarray(v)[0] for k, (v, _) in res.outputs.items()}
        if len(_PRED_CACHE) > 64:
            _PRED_CACHE.pop(next(iter(_PRED_CACHE)))
    return _PRED_CACHE[key]


def simulate_observations(
    spec: Any,
    replicates: int | None = None,
    seed: int | None = None,
    params: ParameterSet | None = None,
    chunk: int = 128,
) -> pd.DataFrame:
    """Simulate the observed data of a trial spec (its ``[observations]`` design; without
    one, every quantity but ``conc`` at the visits), ``replicates`` times (default: the spec's).

    Returns a frame with :data:`OBSERVATION_COLUMNS`; ``replicate`` numbers the replicate
    studies. ``seed`` replaces the spec's seed (another seed = another "observed" study).

    >>> from brexsim.trial.spec import load_trial_spec
    >>> simulate_observations(load_trial_spec("study1"), replicates=0)
    Traceback (most recent call last):
    ...
    brexsim.errors.BrexsimInputError: invalid replicates=0: a positive integer
    """
    import dataclasses

    from brexsim.errors import input_error
    from brexsim.trial.run import iter_chunk_results, plan_trial
    from brexsim.trial.spec import ObservationSpec

    changes: dict[str, Any] = {}
    if replicates is not None:
        if isinstance(replicates, bool) or not isinstance(replicates, int) or replicates < 1:
            raise input_error("replicates", replicates, "a positive integer")
        changes["replicates"] = int(replicates)
    if seed is not None:
        if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**63:
            raise input_error("seed", seed, "an integer in [0, 2**63)")
        changes["seed"] = int(seed)
    if spec.observations is None:
        changes["observations"] = ObservationSpec((), OBSERVATION_DVIDS[1:])
    run_spec = dataclasses.replace(spec, **changes) if changes else spec
    frames = [
        r.observations
        for r in iter_chunk_results(plan_trial(run_spec, chunk=chunk), params=params)
        if r.observations is not None
    ]
    return pd.concat(frames, ignore_index=True) if frames else _empty_frame()
