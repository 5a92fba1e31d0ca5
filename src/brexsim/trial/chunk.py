"""One task of a virtual trial: up to ``chunk`` patients of one arm in one replicate.

:func:`plan_trial` cuts a trial into :class:`ChunkTask` s; :func:`simulate_chunk` (what Dask
workers run) samples the task's patients from their own streams, solves them in fixed compiled
blocks at the visits and the PK sampling times, and returns a :class:`ChunkResult` with the
visit values, outcomes and, when the spec asks, the simulated observations
(:mod:`brexsim.trial.observe`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from brexsim.covariates import COVARIATE_LEVELS, PK_ETAS
from brexsim.dosing.regimen import Regimen
from brexsim.errors import input_error
from brexsim.population import Population
from brexsim.population.trial_population import (
    InclusionCriteria,
    get_patient_id,
    sample_dropout_times,
    sample_patients,
    select_patient_ids,
)
from brexsim.trial.spec import TrialSpec

__all__ = [
    "PK_ETA_COLUMNS",
    "SOLVER_BLOCK",
    "SUMMARY_VARIABLES",
    "ChunkResult",
    "ChunkTask",
    "get_patient_columns",
    "plan_trial",
    "simulate_chunk",
]

#: Patients per compiled block of the batched in vivo solve (fixed for every task).
SOLVER_BLOCK = 64
#: Per-patient visit values kept in memory for the report (everything goes to Parquet).
SUMMARY_VARIABLES: tuple[str, ...] = (
    "plasma_drug",
    "tone_index",
    "tnf_fold",
    "il6_fold",
    "bdnf_change_sd",
    "hamd",
)
#: The PK η columns of ``patients.parquet``, in this order: brexanolone's then zuranolone's, each
#: in the order of its population model (:mod:`brexsim.params.popmodel`).
PK_ETA_COLUMNS: tuple[str, ...] = (*PK_ETAS["brexanolone"], *PK_ETAS["zuranolone"])


@dataclass(frozen=True)
class ChunkTask:
    """One unit of work: up to ``chunk`` patients of one arm in one replicate."""

    replicate: int
    arm_index: int
    arm: str
    regimen: Regimen
    ids: tuple[int, ...]
    seed: int
    visits_h: tuple[float, ...]
    criteria: InclusionCriteria
    iiv: tuple[tuple[str, ...], tuple[tuple[float, ...], ...]] | None = None
    dropout: float = 0.0
    sensitivity: str = "control"
    block: int = SOLVER_BLOCK
    pk_variability: bool = False
    covariates: dict[str, dict[str, float]] | None = None
    pk_times_h: tuple[float, ...] = ()
    dvids: tuple[str, ...] = ()

    @property
    def times_h(self) -> tuple[float, ...]:
        """Every time the patients are solved at: the visits and the PK sampling times."""
        return tuple(sorted(set(self.visits_h) | set(self.pk_times_h)))


@dataclass(frozen=True)
class ChunkResult:
    """Per-patient results of one task (visit times only).

    ``outputs``: ``{name: ((n, m) array, unit)}`` from :func:`brexsim.model.simulate`;
    ``outcomes``: ``{name: (n,) array}``; ``dropout_h``: (n,) (``inf`` = completer).
    """

    replicate: int
    arm: str
    ids: np.ndarray
    weight_kg: np.ndarray
    hamd_baseline: np.ndarray
    antidepressant: np.ndarray
    dropout_h: np.ndarray
    time_h: np.ndarray
    outputs: dict[str, tuple[np.ndarray, str]]
    outcomes: dict[str, np.ndarray]
    seconds: float = 0.0
    #: simulated observations (:mod:`brexsim.trial.observe`), or None when none were asked
    observations: Any = None
    #: per-patient columns of ``patients.parquet`` beyond the fixed ones: the special-population
    #: covariates and the PK etas, ``{name: (n,) array}`` in :func:`get_patient_columns`' order
    covariates: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def n(self) -> int:
        """Patients in the chunk."""
        return len(self.ids)

    def to_long_frame(self):  # type: ignore[no-untyped-def]
        """Long format ``subject, arm, replicate, time_h, variable, value, unit``; visits after
        a patient's dropout are left out."""
        import pandas as pd

        n, m = self.n, len(self.time_h)
        seen = self.time_h[None, :] <= self.dropout_h[:, None]
        keep = seen.ravel()
        frames = []
        for name, (v, unit) in self.outputs.items():
            frames.append(
                pd.DataFrame(
                    {
                        "subject": np.repeat(self.ids, m)[keep],
                        "arm": self.arm,
                        "replicate": np.int64(self.replicate),
                        "time_h": np.tile(self.time_h, n)[keep],
                        "variable": name,
                        "value": np.asarray(v, dtype=float).ravel()[keep],
                        "unit": unit,
                    }
                )
            )
        return pd.concat(frames, ignore_index=True)

    def to_patient_frame(self):  # type: ignore[no-untyped-def]
        """One row per patient: covariates, dropout time and outcomes."""
        import pandas as pd

        d: dict[str, Any] = {
            "subject": self.ids,
            "arm": self.arm,
            "replicate": np.int64(self.replicate),
            "weight_kg": self.weight_kg,
            "hamd_baseline": self.hamd_baseline,
            "antidepressant": self.antidepressant,
            "dropout_h": np.where(np.isfinite(self.dropout_h), self.dropout_h, np.nan),
        }
        for k, v in self.covariates.items():
            d[k] = np.asarray(v)
        for k, v in self.outcomes.items():
            d[k] = np.asarray(v)
        return pd.DataFrame(d)


def plan_trial(
    spec: TrialSpec, chunk: int = 128, order_seed: int | None = None, block: int = SOLVER_BLOCK
) -> list[ChunkTask]:
    """The tasks of a trial: replicates x arms x chunks of ``chunk`` patient ids.

    ``order_seed`` shuffles the patients of each arm before chunking (for tests: results must
    not depend on the order). ``block``: patients per compiled solver block (every
    ``simulate()`` call is padded to it); results are identical for any ``chunk`` and order at
    a given ``block``, and agree to solver rounding (not bitwise) across blocks.

    >>> from brexsim.trial.spec import load_trial_spec
    >>> tasks = plan_trial(load_trial_spec("study1"), chunk=20)
    >>> len(tasks), tasks[0].ids[:2]
    (8, (0, 1))
    """
    if isinstance(chunk, bool) or not isinstance(chunk, int | np.integer) or chunk < 1:
        raise input_error("chunk", chunk, "a positive integer (patients per task)")
    if isinstance(block, bool) or not isinstance(block, int | np.integer) or block < 1:
        raise input_error("block", block, "a positive integer (patients per solver block)")
    p = spec.population
    crit = InclusionCriteria(
        p.hamd_baseline_min,
        p.hamd_baseline_max,
        p.weight_min_kg,
        p.weight_max_kg,
        p.antidepressant,
    )
    iiv = (p.iiv.effects, p.iiv.omega) if p.iiv is not None else None
    obs = spec.observations
    tasks = []
    for r in range(spec.replicates):
        for j, arm in enumerate(spec.arms):
            ids = select_patient_ids(arm.n, spec.seed, int(get_patient_id(r, j, 0)), crit)
            if order_seed is not None:
                ids = np.random.default_rng([int(order_seed), r, j]).permutation(ids)
            for lo in range(0, len(ids), int(chunk)):
                tasks.append(
                    ChunkTask(
                        replicate=r,
                        arm_index=j,
                        arm=arm.name,
                        regimen=arm.regimen,
                        ids=tuple(int(x) for x in ids[lo : lo + int(chunk)]),
                        seed=spec.seed,
                        visits_h=spec.visits_h,
                        criteria=crit,
                        iiv=iiv,
                        dropout=arm.dropout,
                        block=int(block),
                        pk_variability=p.pk_variability,
                        covariates=p.get_covariate_shares(),
                        pk_times_h=obs.pk_times_h if obs is not None else (),
                        dvids=obs.dvids if obs is not None else (),
                    )
                )
    return tasks


def simulate_chunk(task: ChunkTask, params=None) -> ChunkResult:  # type: ignore[no-untyped-def]
    """Sample and simulate the patients of one task (the function that workers run)."""
    from brexsim.model import simulate

    t0 = time.perf_counter()
    iiv = None if task.iiv is None else (task.iiv[0], np.asarray(task.iiv[1], dtype=float))
    pop = sample_patients(
        np.asarray(task.ids),
        task.seed,
        task.criteria,
        iiv,
        params,
        task.covariates,
        task.pk_variability,
    )
    visits = np.asarray(task.visits_h, dtype=float)
    times = np.asarray(task.times_h, dtype=float)
    at_visit = np.searchsorted(times, visits)
    outputs: dict[str, list[np.ndarray]] = {}
    units: dict[str, str] = {}
    outcomes: dict[str, list[np.ndarray]] = {}
    # every simulate() call sees exactly SOLVER_BLOCK patients (the last block padded with
    # copies of its last patient, dropped afterwards): one compiled shape for the whole trial
    block = int(task.block)
    for lo in range(0, pop.n, block):
        idx = np.arange(lo, min(lo + block, pop.n))
        pad = np.concatenate([idx, np.full(block - len(idx), idx[-1])])
        res = simulate(
            task.regimen,
            pop.take(pad),
            times_h=times,
            seed=task.seed,
            params=params,
            sensitivity=task.sensitivity,
            chunk=block,
        )
        for k, (v, u) in res.outputs.items():
            outputs.setdefault(k, []).append(np.asarray(v)[: len(idx)])
            units[k] = u
        for k, v in res.outcomes.items():
            outcomes.setdefault(k, []).append(np.asarray(v)[: len(idx)])
    full = {k: (np.concatenate(v), units[k]) for k, v in outputs.items()}
    drop = sample_dropout_times(pop.ids, task.seed, task.dropout, float(visits[-1]))
    observations = None
    if task.dvids:
        from brexsim.params import load_parameters
        from brexsim.trial.observe import get_observation_frame, get_typical_prediction

        ps = params or load_parameters()
        observations = get_observation_frame(
            replicate=task.replicate,
            arm=task.arm,
            regimen=task.regimen,
            ids=pop.ids,
            seed=task.seed,
            time_h=times,
            outputs=full,
            pred=get_typical_prediction(task.regimen, times, ps, task.sensitivity, block),
            pk_times_h=task.pk_times_h,
            visits_h=task.visits_h,
            dvids=task.dvids,
            dropout_h=drop,
            params=ps,
        )
    return ChunkResult(
        replicate=task.replicate,
        arm=task.arm,
        ids=pop.ids.copy(),
        weight_kg=pop.weight_kg.copy(),
        hamd_baseline=np.asarray(pop.hamd_baseline, dtype=float),
        antidepressant=np.asarray(pop.antidepressant, dtype=bool),
        dropout_h=drop,
        time_h=visits,
        outputs={k: (v[:, at_visit], u) for k, (v, u) in full.items()},
        outcomes={k: np.concatenate(v) for k, v in outcomes.items()},
        seconds=time.perf_counter() - t0,
        observations=observations,
        covariates=get_patient_columns(pop),
    )


def get_patient_columns(pop: Population) -> dict[str, np.ndarray]:
    """The per-patient columns of ``patients.parquet`` beyond the fixed ones, in a fixed order.

    First the special-population covariates (as strings) in the order of
    :data:`brexsim.covariates.COVARIATE_LEVELS`, then the PK η present in the population
    (float) in the order of :data:`PK_ETA_COLUMNS`; any other ``eta_pk_*`` follows, sorted by
    name. The order never depends on the order of ``pop``'s dicts (a dict built from a set
    changes order with ``PYTHONHASHSEED``, i.e. from process to process).

    >>> from brexsim.population import sample_population
    >>> list(get_patient_columns(sample_population(2, 1, pk_variability=True)))[-7:]
    ['eta_pk_cl', 'eta_pk_v1', 'eta_pk_q', 'eta_pk_v2', 'eta_pk_cl_f', 'eta_pk_v_f', 'eta_pk_ktr']
    """
    cov = pop.covariates
    names = [k for k in COVARIATE_LEVELS if k in cov]
    names += sorted(k for k in cov if k not in COVARIATE_LEVELS)
    re = pop.random_effects
    etas = [k for k in PK_ETA_COLUMNS if k in re]
    etas += sorted(k for k in re if k.startswith("eta_pk_") and k not in PK_ETA_COLUMNS)
    return {
        **{k: np.asarray(cov[k]).astype(str) for k in names},
        **{k: np.asarray(re[k], dtype=float) for k in etas},
    }
