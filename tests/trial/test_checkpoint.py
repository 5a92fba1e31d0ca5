"""Per-chunk checkpoints: a run killed part-way resumes from its finished tasks and writes the
same outputs as an uninterrupted run; another trial never reuses them."""

from __future__ import annotations

import pandas as pd
import pytest

from brexsim.params import load_parameters
from brexsim.trial.checkpoint import ChunkCheckpoint, get_checkpoint_key
from brexsim.trial.output import run_trial_to_dir
from brexsim.trial.spec import parse_trial_spec


def _spec(seed: int = 4):
    return parse_trial_spec(
        {
            "trial": {"name": "cp", "seed": seed},
            "arms": [
                {"name": "BRX90", "regimen": "zulresso", "n": 6},
                {"name": "placebo", "regimen": "placebo", "n": 6},
            ],
            "visits": {"times_h": [24, 60]},
        }
    )


class _KilledError(RuntimeError):
    pass


def test_killed_run_resumes_and_matches_a_fresh_run(tmp_path):
    spec = _spec()
    out = tmp_path / "run"
    seen = []

    def die_on_third(res):
        seen.append(res.n)
        if len(seen) == 3:
            raise _KilledError("simulated kill")

    with pytest.raises(_KilledError):
        run_trial_to_dir(spec, out, chunk=2, block=8, progress=die_on_third)
    assert not out.exists()  # nothing half-written
    cp = ChunkCheckpoint(out, get_checkpoint_key(spec, load_parameters().hash, 2, 8))
    assert cp.done() == {0, 1, 2}
    summary = run_trial_to_dir(spec, out, chunk=2, block=8)
    assert summary["resumed_tasks"] == 3 and summary["n_tasks"] == 6
    assert not cp.root.exists()  # removed once the data are written
    fresh = run_trial_to_dir(spec, tmp_path / "fresh", chunk=2, block=8, resume=False)
    assert fresh["resumed_tasks"] == 0
    for name in ("visits.parquet", "patients.parquet"):
        a = pd.read_parquet(out / name)
        b = pd.read_parquet(tmp_path / "fresh" / name)
        pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_frame_equal(
        pd.read_csv(out / "endpoints.csv"), pd.read_csv(tmp_path / "fresh" / "endpoints.csv")
    )


def test_key_depends_on_the_inputs_and_corrupt_files_are_redone(tmp_path):
    h = load_parameters().hash
    assert get_checkpoint_key(_spec(4), h, 2, 8) != get_checkpoint_key(_spec(5), h, 2, 8)
    assert get_checkpoint_key(_spec(4), h, 2, 8) != get_checkpoint_key(_spec(4), "other", 2, 8)
    cp = ChunkCheckpoint(tmp_path / "o", "k")
    cp.save(0, {"a": 1})
    (cp.folder / "task-000001.pkl").write_bytes(b"not a pickle")
    assert cp.done() == {0, 1}
    assert cp.load(0) == {"a": 1} and cp.load(1) is None
    cp.clear()
    assert cp.done() == set()
