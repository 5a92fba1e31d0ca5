"""The column order of ``patients.parquet`` is fixed and the same in every process (issue 16).

The PK η columns used to come out in a different order in each process: ``concat_populations``
rebuilt the random effects from a ``set`` of their names, whose order follows the string hashes
(``PYTHONHASHSEED``, random per process).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from brexsim.population import sample_population
from brexsim.population.trial_population import concat_populations, sample_patients
from brexsim.trial.chunk import PK_ETA_COLUMNS, ChunkResult, get_patient_columns

#: What one fresh interpreter reports: the random-effects order of sample_patients (ids with a
#: gap, so several parts are concatenated) and of sample_population.
_CHILD = """
import json
from brexsim.population import sample_population
from brexsim.population.trial_population import sample_patients
pop = sample_patients([5, 3, 9, 10, 11], 7, pk_variability=True)
ref = sample_population(2, 7, pk_variability=True)
print(json.dumps({"patients": list(pop.random_effects), "population": list(ref.random_effects)}))
"""


def _child_order(hash_seed: str) -> dict[str, list[str]]:
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    out = subprocess.run(
        [sys.executable, "-c", _CHILD], env=env, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_random_effect_order_is_the_same_in_every_process() -> None:
    """Two interpreters with different string hashes give the documented order: the order in
    which sample_population draws the random effects (the PK η last, PK_ETA_COLUMNS' order)."""
    runs = [_child_order(h) for h in ("0", "1")]
    for run in runs:
        assert run["patients"] == run["population"]
        assert tuple(k for k in run["patients"] if k.startswith("eta_pk_")) == PK_ETA_COLUMNS
    assert runs[0] == runs[1]


def test_concat_populations_keeps_the_first_parts_order() -> None:
    a = sample_population(2, 1, pk_variability=True)
    b = sample_population(3, 1, first_id=10, pk_variability=True)
    both = concat_populations([a, b])
    assert list(both.random_effects) == list(a.random_effects)
    np.testing.assert_array_equal(
        both.random_effects["eta_pk_cl"],
        np.concatenate([a.random_effects["eta_pk_cl"], b.random_effects["eta_pk_cl"]]),
    )


@pytest.mark.parametrize("permute", ["reversed", "shuffled"])
def test_patient_columns_do_not_follow_the_input_order(permute: str) -> None:
    """A population whose dicts are in another order gives the same columns, same values."""
    pop = sample_patients([4, 2, 8], 3, pk_variability=True, covariate_shares=None)
    keys = list(pop.random_effects)
    cov_keys = list(pop.covariates)
    if permute == "reversed":
        keys, cov_keys = keys[::-1], cov_keys[::-1]
    else:
        rng = np.random.default_rng(0)
        keys = [keys[i] for i in rng.permutation(len(keys))]
        cov_keys = [cov_keys[i] for i in rng.permutation(len(cov_keys))]
    other = type(pop)(
        pop.ids,
        pop.weight_kg,
        pop.hamd_baseline,
        pop.antidepressant,
        {k: pop.random_effects[k] for k in keys},
        pop.seed,
        {k: pop.covariates[k] for k in cov_keys},
    )
    ref, got = get_patient_columns(pop), get_patient_columns(other)
    assert list(got) == list(ref)
    assert list(got)[: len(cov_keys)] == ["cyp3a4", "hepatic", "renal", "alcohol"]
    assert tuple(list(got)[len(cov_keys) :]) == PK_ETA_COLUMNS
    for k in ref:
        np.testing.assert_array_equal(got[k], ref[k])


def test_patient_frame_columns() -> None:
    """The frame written to patients.parquet: fixed columns, covariates, PK η, outcomes."""
    pop = sample_patients([1, 2], 5, pk_variability=True)
    res = ChunkResult(
        replicate=0,
        arm="A",
        ids=pop.ids,
        weight_kg=pop.weight_kg,
        hamd_baseline=np.asarray(pop.hamd_baseline, dtype=float),
        antidepressant=np.asarray(pop.antidepressant, dtype=bool),
        dropout_h=np.full(2, np.inf),
        time_h=np.array([0.0]),
        outputs={},
        outcomes={"response": np.array([True, False])},
        covariates=get_patient_columns(pop),
    )
    cols = list(res.to_patient_frame().columns)
    fixed = ["subject", "arm", "replicate", "weight_kg", "hamd_baseline", "antidepressant"]
    assert cols[:7] == [*fixed, "dropout_h"]
    assert cols[7:11] == ["cyp3a4", "hepatic", "renal", "alcohol"]
    assert tuple(cols[11:18]) == PK_ETA_COLUMNS
    assert cols[18:] == ["response"]
