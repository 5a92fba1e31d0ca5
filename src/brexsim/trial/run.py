"""Running a virtual trial: per-arm populations, chunked simulation at the visit times, backends.

The trial is cut into *tasks*: one replicate, one arm, up to ``chunk`` patient ids. A task samples
its patients (:func:`brexsim.population.trial_population.sample_patients`: each patient from its
own stream), runs :func:`brexsim.model.simulate` with ``times_h`` = the visits only (the solver
still integrates the whole horizon, but only visit values are kept, so memory is bounded by the
chunk) and the fixed compiled block :data:`SOLVER_BLOCK` (padded; the same compiled shape for
every task, whatever the chunk size), and returns compact per-patient arrays. Because a patient's
values depend only on the seed and its id and every task uses the same compiled block, results
are identical for any chunk size, patient order and backend (tested to 1e-12 relative; bitwise
in practice on one machine).

Backends:

* in-process (default): tasks run one after another in this process;
* ``workers=N``: a local Dask cluster of N single-threaded worker processes (uses N CPU cores;
  each worker compiles the model once);
* ``scheduler="tcp://host:port"`` (or a ``distributed.Client``): tasks are mapped onto an
  existing Dask cluster. At most ``2 x workers + 2`` tasks are in flight and results are consumed
  in task order, so the client's memory stays bounded too.

Patient ids: :func:`brexsim.population.trial_population.get_patient_id` —
``(replicate * 100 + arm_index) * 10**7 + k``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from brexsim.trial.chunk import (
    SOLVER_BLOCK,
    SUMMARY_VARIABLES,
    ChunkResult,
    ChunkTask,
    plan_trial,
    simulate_chunk,
)
from brexsim.trial.spec import TrialSpec

__all__ = [
    "SOLVER_BLOCK",
    "SUMMARY_VARIABLES",
    "ChunkResult",
    "ChunkTask",
    "TrialRun",
    "iter_chunk_results",
    "plan_trial",
    "run_trial",
    "simulate_chunk",
]


def _get_client(scheduler: Any, workers: int | None):  # type: ignore[no-untyped-def]
    """``(client, cluster_or_None, owned)``; a LocalCluster when ``workers`` is given."""
    from distributed import Client, LocalCluster

    if scheduler is not None:
        if isinstance(scheduler, Client):
            return scheduler, None, False
        return Client(scheduler), None, True
    cluster = LocalCluster(
        n_workers=int(workers or 1),
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
    )
    return Client(cluster), cluster, True


def iter_chunk_results(
    tasks: Sequence[ChunkTask],
    scheduler: Any = None,
    workers: int | None = None,
    params=None,  # type: ignore[no-untyped-def]
) -> Iterator[ChunkResult]:
    """Run ``tasks`` and yield their results in task order.

    In-process when ``scheduler`` and ``workers`` are both ``None``; otherwise on Dask
    (``scheduler`` = an address or a ``distributed.Client``; ``workers`` = a LocalCluster of
    that many processes), with at most ``2 x workers + 2`` tasks in flight.
    """
    if scheduler is None and workers is None:
        for t in tasks:
            yield simulate_chunk(t, params)
        return
    from distributed import as_completed

    client, cluster, own = _get_client(scheduler, workers)
    try:
        n_workers = max(1, len(client.scheduler_info().get("workers", {})) or int(workers or 1))
        window = 2 * n_workers + 2
        pending: dict[int, Any] = {}
        done: dict[int, ChunkResult] = {}
        nxt_submit = 0
        nxt_yield = 0
        ac = as_completed()
        index_of: dict[str, int] = {}

        def submit(i: int) -> None:
            fut = client.submit(simulate_chunk, tasks[i], params, pure=False)
            pending[i] = fut
            index_of[fut.key] = i
            ac.add(fut)

        while nxt_submit < len(tasks) and nxt_submit < window:
            submit(nxt_submit)
            nxt_submit += 1
        while nxt_yield < len(tasks):
            fut = next(ac)
            i = index_of.pop(fut.key)
            done[i] = fut.result()
            del pending[i]
            fut.release()
            while nxt_yield in done:
                yield done.pop(nxt_yield)
                nxt_yield += 1
            while nxt_submit < len(tasks) and len(pending) + len(done) < window:
                submit(nxt_submit)
                nxt_submit += 1
    finally:
        if own:
            client.close()
        if cluster is not None:
            cluster.close()


@dataclass
class TrialRun:
    """A finished trial: per-patient arrays in canonical (id) order, and timings.

    ``values``: ``{variable: (N, m)}`` for :data:`SUMMARY_VARIABLES` (visits after dropout are
    ``nan`` for ``hamd`` only); ``outcomes``: ``{name: (N,)}``.
    """

    spec: TrialSpec
    subject: np.ndarray
    replicate: np.ndarray
    arm: np.ndarray
    visits_h: np.ndarray
    hamd_baseline: np.ndarray
    dropout_h: np.ndarray
    values: dict[str, np.ndarray]
    units: dict[str, str]
    outcomes: dict[str, np.ndarray]
    seconds: float = 0.0
    task_seconds: float = 0.0
    n_tasks: int = 0
    endpoints: Any = None
    extra: dict[str, Any] = field(default_factory=dict)

    def get_outcomes(self):  # type: ignore[no-untyped-def]
        """The :class:`brexsim.trial.stats.TrialOutcomes` of this run."""
        from brexsim.trial.stats import TrialOutcomes

        return TrialOutcomes(
            subject=self.subject,
            replicate=self.replicate,
            arm=self.arm,
            visits_h=self.visits_h,
            hamd=self.values["hamd"],
            hamd_baseline=self.hamd_baseline,
            outcomes=self.outcomes,
        )


def _iter_with_checkpoint(  # type: ignore[no-untyped-def]
    tasks: Sequence[ChunkTask], scheduler: Any, workers: int | None, ps, checkpoint, resumed
) -> Iterator[ChunkResult]:
    """Task results in task order: loaded from ``checkpoint`` where saved, else simulated
    (and saved)."""
    if checkpoint is None:
        yield from iter_chunk_results(tasks, scheduler, workers, ps)
        return
    saved = {i: checkpoint.load(i) for i in sorted(checkpoint.done()) if i < len(tasks)}
    saved = {i: r for i, r in saved.items() if r is not None}
    todo = [i for i in range(len(tasks)) if i not in saved]
    fresh = iter_chunk_results([tasks[i] for i in todo], scheduler, workers, ps)
    for i in range(len(tasks)):
        if i in saved:
            resumed.append(i)
            yield saved.pop(i)
        else:
            res = next(fresh)
            checkpoint.save(i, res)
            yield res


def run_trial(
    spec: TrialSpec,
    chunk: int = 128,
    scheduler: Any = None,
    workers: int | None = None,
    params=None,  # type: ignore[no-untyped-def]
    on_chunk: Callable[[ChunkResult], None] | None = None,
    order_seed: int | None = None,
    endpoints: bool = True,
    block: int = SOLVER_BLOCK,
    checkpoint: Any = None,
) -> TrialRun:
    """Run a trial spec and compute its endpoint table.

    Parameters
    ----------
    spec : a validated :class:`brexsim.trial.spec.TrialSpec`
    chunk : patients per task (bounds memory; does not change any result)
    scheduler : Dask scheduler address or ``distributed.Client`` (default: in-process)
    workers : run on a local Dask cluster of this many worker processes
    on_chunk : called with each :class:`ChunkResult` in task order (writers, progress bars)
    order_seed : shuffle patients within arms before chunking (tests)
    block : patients per compiled solver block (:data:`SOLVER_BLOCK`)
    endpoints : compute the endpoint table (``TrialRun.endpoints``)
    checkpoint : a :class:`brexsim.trial.checkpoint.ChunkCheckpoint`: finished tasks found
        there are loaded, not simulated; every new task is saved there when it finishes
        (``TrialRun.extra["resumed_tasks"]`` counts the loaded ones)

    Examples
    --------
    >>> from brexsim.trial.spec import parse_trial_spec
    >>> spec = parse_trial_spec({"trial": {"name": "t", "seed": 3},
    ...     "arms": [{"name": "BRX90", "regimen": "zulresso", "n": 3},
    ...              {"name": "placebo", "regimen": "placebo", "n": 3}],
    ...     "visits": {"times_h": [0, 24, 60, 168]}})
    >>> run = run_trial(spec, block=8)
    >>> run.values["hamd"].shape, sorted(set(run.endpoints["endpoint"]))[:2]
    ((6, 4), ['hamd', 'hamd_change'])
    """
    from brexsim.params import load_parameters

    ps = params or load_parameters()
    tasks = plan_trial(spec, chunk=chunk, order_seed=order_seed, block=block)
    t0 = time.perf_counter()
    parts: dict[str, list[np.ndarray]] = {
        k: [] for k in ("subject", "replicate", "arm", "base", "drop")
    }
    vals: dict[str, list[np.ndarray]] = {k: [] for k in SUMMARY_VARIABLES}
    outs: dict[str, list[np.ndarray]] = {}
    units: dict[str, str] = {}
    task_s = 0.0
    visits = np.asarray(spec.visits_h)
    resumed: list[int] = []
    for res in _iter_with_checkpoint(tasks, scheduler, workers, ps, checkpoint, resumed):
        if on_chunk is not None:
            on_chunk(res)
        task_s += res.seconds
        parts["subject"].append(res.ids)
        parts["replicate"].append(np.full(res.n, res.replicate))
        parts["arm"].append(np.full(res.n, res.arm, dtype=object))
        parts["base"].append(res.hamd_baseline)
        parts["drop"].append(res.dropout_h)
        for k in SUMMARY_VARIABLES:
            v, u = res.outputs[k]
            v = np.asarray(v, dtype=float)
            if k == "hamd":
                v = np.where(visits[None, :] <= res.dropout_h[:, None], v, np.nan)
            vals[k].append(v)
            units[k] = u
        for k, v in res.outcomes.items():
            outs.setdefault(k, []).append(np.asarray(v))
    subject = np.concatenate(parts["subject"])
    order = np.argsort(subject, kind="stable")
    run = TrialRun(
        spec=spec,
        subject=subject[order],
        replicate=np.concatenate(parts["replicate"])[order],
        arm=np.concatenate(parts["arm"])[order].astype(str),
        visits_h=visits,
        hamd_baseline=np.concatenate(parts["base"])[order],
        dropout_h=np.concatenate(parts["drop"])[order],
        values={k: np.concatenate(v)[order] for k, v in vals.items()},
        units=units,
        outcomes={k: np.concatenate(v)[order] for k, v in outs.items()},
        seconds=time.perf_counter() - t0,
        task_seconds=task_s,
        n_tasks=len(tasks),
    )
    run.extra["resumed_tasks"] = len(resumed)
    if endpoints:
        from brexsim.trial.stats import compute_endpoints

        run.endpoints = compute_endpoints(
            run.get_outcomes(),
            [a.name for a in spec.arms],
            spec.reference,
            {a.name: a.regimen.end_of_treatment_h for a in spec.arms},
            ps,
        )
    return run
