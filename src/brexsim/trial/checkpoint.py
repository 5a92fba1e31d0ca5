"""Per-chunk checkpoints of a trial run: a crash or a kill at 90 % costs 10 %.

Each finished task (:class:`~brexsim.trial.chunk.ChunkResult`) is written at once, atomically
(a temporary file, then a rename), to ``<out parent>/.<out name>.checkpoint/<key>/task-NNNNNN.pkl``.
``key`` is a hash of everything a result depends on: the spec (arms, regimens, sizes, visits,
population, observations, seed, replicates), the parameter-set hash, the chunk and block sizes
and the brexsim version. A later run of the same trial into the same folder loads the finished
tasks instead of simulating them again (their values are identical, since every patient depends
only on the seed and her id); a run with another key never sees them. A completed run removes its
checkpoint folder.

The files are Python pickles written by this program for this program: do not load checkpoints
from a source you do not trust.

Examples
--------
>>> import tempfile, pathlib
>>> cp = ChunkCheckpoint(pathlib.Path(tempfile.mkdtemp()) / "out", "k")
>>> cp.done()
set()
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import shutil
import tempfile
from pathlib import Path
from typing import Any

__all__ = ["ChunkCheckpoint", "get_checkpoint_key"]


def get_checkpoint_key(spec: Any, params_hash: str, chunk: int, block: int) -> str:
    """A 16-hex-digit key of a trial run's inputs (see the module docstring).

    >>> from brexsim.trial.spec import load_trial_spec
    >>> a = get_checkpoint_key(load_trial_spec("study1"), "h", 128, 64)
    >>> a == get_checkpoint_key(load_trial_spec("study1"), "h", 64, 64), len(a)
    (False, 16)
    """
    from brexsim._version import __version__

    parts = (
        __version__,
        params_hash,
        int(chunk),
        int(block),
        spec.name,
        spec.seed,
        spec.replicates,
        spec.reference,
        repr(spec.population),
        repr(spec.arms),
        repr(spec.visits_h),
        repr(spec.observations),
    )
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]


class ChunkCheckpoint:
    """The checkpoint folder of one trial run (``out``) with inputs ``key``."""

    def __init__(self, out: str | Path, key: str) -> None:
        out = Path(out)
        self.root = out.parent / f".{out.name}.checkpoint"
        self.folder = self.root / key

    def _path(self, index: int) -> Path:
        return self.folder / f"task-{int(index):06d}.pkl"

    def done(self) -> set[int]:
        """Indices of the tasks already saved."""
        if not self.folder.is_dir():
            return set()
        out = set()
        for p in self.folder.glob("task-*.pkl"):
            with contextlib.suppress(ValueError):
                out.add(int(p.stem.split("-", 1)[1]))
        return out

    def save(self, index: int, result: Any) -> None:
        """Write one task's result atomically."""
        self.folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".task.", dir=self.folder)
        try:
            with os.fdopen(fd, "wb") as f:
                pickle.dump(result, f, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, self._path(index))
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise

    def load(self, index: int) -> Any:
        """Read one task's result (``None`` when the file is unreadable: it is then redone)."""
        try:
            with open(self._path(index), "rb") as f:
                return pickle.load(f)
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError):
            return None

    def clear(self) -> None:
        """Remove the whole checkpoint folder of this output (every key)."""
        shutil.rmtree(self.root, ignore_errors=True)
