"""Trial outputs: streamed Parquet, ``endpoints.csv``, plots, the HTML report and ``summary.json``.

Files written by :func:`run_trial_to_dir` into the output folder (all or nothing):

* ``visits.parquet`` — long format ``subject, arm, replicate, time_h, variable, value, unit``:
  every model output at every visit (visits after a patient's dropout are left out), written
  chunk by chunk (bounded memory);
* ``patients.parquet`` — one row per patient: covariates, dropout time, sedation and monitoring
  outcomes; the columns in a fixed order (``subject, arm, replicate, weight_kg, hamd_baseline,
  antidepressant, dropout_h``, the special-population covariates, the PK η in the order of
  :data:`brexsim.trial.chunk.PK_ETA_COLUMNS`, then the outcomes;
  :func:`brexsim.trial.chunk.get_patient_columns`), the same in every process;
* ``observations.parquet`` (when the spec has ``[observations]``) — simulated observed data,
  :mod:`brexsim.trial.observe` (``replicate, arm, subject, time_h, dvid, dv, ipred, pred, blq,
  lloq, unit``);
* ``endpoints.csv`` — :mod:`brexsim.trial.stats` (columns ``arm, time_h, endpoint, estimate,
  ci_low, ci_high, n`` [``, replicate``]``, p_value``);
* ``summary.json`` — provenance (version, parameter hash, seed, command), the spec, sizes,
  backend and timings, the primary-visit results and, for Study 1-like arms, the published
  Study 1 values beside the model's; ``"status": "complete"`` and ``"figures"``;
* ``hamd.png``, ``exposure.png``, ``biomarkers.png``, ``sedation.png``
  (:mod:`brexsim.trial.figures`) and ``report.html`` (self-contained, the plots embedded).

Results before decoration: the data outputs (the two Parquet files, ``endpoints.csv`` and
``summary.json`` with ``"figures": "pending"``) are moved into the folder together as soon as
the endpoints are computed; the figures and the report are drawn afterwards
(:func:`brexsim.io.outputs.draw_figures`). If one of them fails, the data stay, ``summary.json``
says ``"figures": "failed: NAME: reason"`` and :class:`~brexsim.io.outputs.FigureError` is
raised (``brexsim trial`` prints the results table, one error line, and exits 3).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from brexsim.trial.figures import FIGURES, STUDY1_IDS, get_pooled, plot_figure, plot_trial
from brexsim.trial.run import SOLVER_BLOCK, ChunkResult, TrialRun, run_trial
from brexsim.trial.spec import TrialSpec

__all__ = ["ParquetSink", "get_study1_comparison", "plot_trial", "run_trial_to_dir"]

#: The data outputs, written (all together) before any figure.
DATA_FILES = ("visits.parquet", "patients.parquet", "endpoints.csv", "summary.json")


class ParquetSink:
    """Appends each chunk's long frame, patient rows and (when simulated) observations to
    Parquet files (the third only when ``observations_path`` is given)."""

    def __init__(
        self, visits_path: Path, patients_path: Path, observations_path: Path | None = None
    ) -> None:
        self.paths = (Path(visits_path), Path(patients_path), observations_path)
        self._writers: list[Any] = [None, None, None]
        self.rows = 0
        self.observation_rows = 0

    def __call__(self, res: ChunkResult) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        frames = [res.to_long_frame(), res.to_patient_frame()]
        if self.paths[2] is not None and res.observations is not None:
            frames.append(res.observations)
            self.observation_rows += len(res.observations)
        for k, frame in enumerate(frames):
            table = pa.Table.from_pandas(frame, preserve_index=False)
            if self._writers[k] is None:
                self._writers[k] = pq.ParquetWriter(self.paths[k], table.schema)
            self._writers[k].write_table(table.cast(self._writers[k].schema))
            if k == 0:
                self.rows += len(frame)

    def close(self) -> None:
        """Close both files."""
        for w in self._writers:
            if w is not None:
                w.close()


def get_study1_comparison(
    spec: TrialSpec, endpoints: pd.DataFrame, params=None
) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    """Model vs published Study 1 at hour 60 for arms whose regimen is a Study 1 preset
    (targets ``hamd.target_study1_*_h60``, SEs ``hamd.se_study1_*_h60``; the published
    difference vs placebo is the difference of the published LS means)."""
    from brexsim.params import load_parameters

    ps = params or load_parameters()
    if 60.0 not in spec.visits_h:
        return []
    e = get_pooled(endpoints)
    e = e[e["time_h"] == 60.0]
    ref = spec.get_arm(spec.reference)
    out = []
    for a in spec.arms:
        sid = STUDY1_IDS.get(a.regimen_name)
        if sid is None:
            continue
        target = ps.value(f"hamd.target_study1_{sid}_h60")
        se = ps.value(f"hamd.se_study1_{sid}_h60")
        row = e[(e["arm"] == a.name) & (e["endpoint"] == "hamd_change")]
        if row.empty:
            continue
        est = float(row["estimate"].iloc[0])
        rec: dict[str, Any] = {
            "arm": a.name,
            "regimen": a.regimen_name,
            "published_ls_mean_h60": target,
            "published_se": se,
            "model_ls_mean_h60": est,
            "model_ci": [float(row["ci_low"].iloc[0]), float(row["ci_high"].iloc[0])],
            "within_2_published_se": bool(abs(est - target) <= 2 * se),
        }
        ref_id = STUDY1_IDS.get(ref.regimen_name)
        if a.name != spec.reference and ref_id == "placebo":
            d = e[(e["arm"] == a.name) & (e["endpoint"] == "hamd_change_vs_placebo")]
            pub = target - ps.value("hamd.target_study1_placebo_h60")
            rec["published_difference_h60"] = round(pub, 6)
            rec["model_difference_h60"] = float(d["estimate"].iloc[0])
            rec["model_difference_ci"] = [float(d["ci_low"].iloc[0]), float(d["ci_high"].iloc[0])]
            rec["published_difference_inside_model_ci"] = bool(
                d["ci_low"].iloc[0] <= pub <= d["ci_high"].iloc[0]
            )
        out.append(rec)
    return out


def _primary_table(run: TrialRun, t: float) -> pd.DataFrame:
    e = get_pooled(run.endpoints)
    keep = e["endpoint"].isin(
        ["hamd_change", "hamd_change_vs_placebo", "response_rate", "remission_rate", "power"]
    )
    return e[keep & (e["time_h"] == t)].reset_index(drop=True)


def run_trial_to_dir(
    spec: TrialSpec,
    out: str | Path,
    chunk: int = 128,
    scheduler: Any = None,
    workers: int | None = None,
    progress: Callable[[ChunkResult], None] | None = None,
    command: str | None = None,
    block: int | None = None,
    resume: bool = True,
) -> dict[str, Any]:
    """Run ``spec`` and write every output into ``out``; returns the summary.

    Every finished task is checkpointed next to ``out``
    (:class:`brexsim.trial.checkpoint.ChunkCheckpoint`); with ``resume`` (default) a rerun of
    the same trial into the same folder after a crash or a kill loads the finished tasks
    (``summary["resumed_tasks"]``). The checkpoint is removed once the data outputs are written.

    The data outputs (:data:`DATA_FILES`) are written first, all or nothing; then the figures
    and ``report.html``. A failure while drawing raises
    :class:`~brexsim.io.outputs.FigureError` with the data outputs in place (see the module
    docstring). ``out`` is checked before anything is simulated.
    """
    from brexsim.io.outputs import atomic_output_dir, check_output_dir, draw_figures, write_json
    from brexsim.params import load_parameters
    from brexsim.provenance import make_provenance
    from brexsim.trial.checkpoint import ChunkCheckpoint, get_checkpoint_key

    out = check_output_dir(out)
    ps = load_parameters()
    cp = ChunkCheckpoint(out, get_checkpoint_key(spec, ps.hash, chunk, block or SOLVER_BLOCK))
    if not resume:
        cp.clear()
    t0 = time.perf_counter()
    with atomic_output_dir(out) as tmp:
        obs_path = tmp / "observations.parquet" if spec.observations is not None else None
        sink = ParquetSink(tmp / "visits.parquet", tmp / "patients.parquet", obs_path)

        def on_chunk(res: ChunkResult) -> None:
            sink(res)
            if progress is not None:
                progress(res)

        try:
            run = run_trial(
                spec,
                chunk=chunk,
                scheduler=scheduler,
                workers=workers,
                params=ps,
                on_chunk=on_chunk,
                block=block or SOLVER_BLOCK,
                checkpoint=cp,
            )
        finally:
            sink.close()
        t_sim = time.perf_counter() - t0
        run.endpoints.to_csv(tmp / "endpoints.csv", index=False, float_format="%.10g")
        backend = (
            f"dask scheduler {scheduler}"
            if scheduler is not None
            else f"dask LocalCluster, {workers} worker processes"
            if workers
            else "in-process"
        )
        prov = make_provenance(ps, seed=spec.seed, command=command)
        summary = _finite(
            _build_summary(
                run,
                chunk,
                block or SOLVER_BLOCK,
                backend,
                t_sim,
                sink.rows,
                ps,
                prov,
                sink.observation_rows,
            )
        )
        write_json(tmp / "summary.json", summary)
    cp.clear()
    steps = [(f, _figure_step(name, run)) for name, f in FIGURES.items()]
    steps.append(("report.html", lambda d: _write_report(d, run, summary, prov)))
    return draw_figures(out, steps, summary)


def _figure_step(name: str, run: TrialRun) -> Callable[[Path], Path]:
    return lambda folder: plot_figure(name, run, folder)


def _build_summary(  # type: ignore[no-untyped-def]
    run: TrialRun,
    chunk: int,
    block: int,
    backend: str,
    t_sim: float,
    rows: int,
    ps,
    prov: dict[str, Any],
    observation_rows: int = 0,
) -> dict[str, Any]:
    """``summary.json`` of a finished run (data complete, figures pending)."""
    spec = run.spec
    primary = 60.0 if 60.0 in spec.visits_h else spec.horizon_h
    return {
        "trial": spec.name,
        "description": spec.description,
        "spec_file": spec.source,
        "status": "complete",
        "figures": "pending",
        "outputs": {
            "data": list(DATA_FILES)
            + (["observations.parquet"] if spec.observations is not None else []),
            "figures": [*FIGURES.values(), "report.html"],
        },
        "reference": spec.reference,
        "replicates": spec.replicates,
        "arms": [
            {
                "name": a.name,
                "regimen": a.regimen_name,
                "n": a.n,
                "dropout": a.dropout,
                "drug": a.regimen.drug,
                "setting": a.regimen.setting,
                "end_of_treatment_h": a.regimen.end_of_treatment_h,
            }
            for a in spec.arms
        ],
        "visits_h": list(spec.visits_h),
        "observations": None
        if spec.observations is None
        else {
            "pk_times_h": list(spec.observations.pk_times_h),
            "dvids": list(spec.observations.dvids),
            "rows": observation_rows,
            "residual_error": "brexsim params --population (SIGMA rows)",
        },
        "population": {
            "hamd_baseline_min": spec.population.hamd_baseline_min,
            "hamd_baseline_max": spec.population.hamd_baseline_max,
            "weight_min_kg": spec.population.weight_min_kg,
            "weight_max_kg": spec.population.weight_max_kg,
            "antidepressant": spec.population.antidepressant,
            "pk_variability": spec.population.pk_variability,
            "covariates": spec.population.get_covariate_shares(),
            "iiv": None
            if spec.population.iiv is None
            else {
                "effects": list(spec.population.iiv.effects),
                "omega": [list(r) for r in spec.population.iiv.omega],
            },
        },
        "n_patients": len(run.subject),
        "n_dropouts": int(np.isfinite(run.dropout_h).sum()),
        "backend": backend,
        "chunk": chunk,
        "solver_block": block,
        "n_tasks": run.n_tasks,
        "resumed_tasks": run.extra.get("resumed_tasks", 0),
        "simulation_seconds": round(t_sim, 3),
        "patients_per_second": round(len(run.subject) / max(t_sim, 1e-9), 3),
        "visit_rows": rows,
        "primary_visit_h": primary,
        "primary": _primary_table(run, primary).to_dict(orient="records"),
        "study1_comparison": get_study1_comparison(spec, run.endpoints, ps),
        "note": "research output: not dosing advice for any patient",
        "provenance": prov,
    }


def _write_report(folder: Path, run: TrialRun, summary: dict[str, Any], prov: dict) -> Path:
    """``report.html`` in ``folder``, embedding the figures drawn there before it."""
    from brexsim.io.html import render_html_report

    spec = run.spec
    primary = summary["primary_visit_h"]
    png = {name: (folder / f).read_bytes() for name, f in FIGURES.items()}
    sections: list[tuple[str, list[Any]]] = [
        (
            "Trial",
            [
                f"{spec.name}: {spec.description}".rstrip(": "),
                f"{len(run.subject)} virtual patients, {spec.replicates} replicate(s), "
                f"reference arm {spec.reference}; visits {list(spec.visits_h)} h; "
                f"baseline HAM-D-17 {spec.population.hamd_baseline_min}-"
                f"{spec.population.hamd_baseline_max}. Simulated in "
                f"{summary['simulation_seconds']:.1f} s ({summary['backend']}).",
                pd.DataFrame(summary["arms"]),
            ],
        ),
        (
            f"Primary visit ({primary:g} h)",
            [
                "LS means from ANCOVA on baseline (observed cases), differences vs the "
                "reference arm with 95 % CI and p; response (>= 50 % fall) and remission "
                "(HAM-D <= 7) with Wilson 95 % CIs.",
                _primary_table(run, primary),
            ],
        ),
    ]
    study1 = summary["study1_comparison"]
    if study1:
        sections.append(
            (
                "Beside the published Study 1 (Meltzer-Brody 2018, hour 60)",
                [
                    "One virtual trial of Study 1's size varies from run to run like a real "
                    "one: compare the published values with the model's CIs, or run "
                    "replicates.",
                    pd.DataFrame(study1).drop(columns=["model_ci"], errors="ignore"),
                ],
            )
        )
    sections += [
        ("HAM-D-17 by arm", [("LS mean change from baseline, 95 % CI", png["hamd"])]),
        ("Exposure", [("plasma drug concentration", png["exposure"])]),
        ("Biomarkers", [("tone, cytokines, BDNF", png["biomarkers"])]),
        ("Sedation events", [("cumulative over the course", png["sedation"])]),
        ("All endpoints", [run.endpoints]),
    ]
    path = folder / "report.html"
    title = f"brexsim virtual trial: {spec.name}"
    path.write_text(render_html_report(title, sections, prov), encoding="utf-8")
    return path


def _finite(x: Any) -> Any:
    """NaN/inf -> None (JSON has no NaN; write_json refuses them)."""
    if isinstance(x, dict):
        return {k: _finite(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_finite(v) for v in x]
    if isinstance(x, float | np.floating) and not math.isfinite(float(x)):
        return None
    return x
