"""Trial outputs: streamed Parquet, ``endpoints.csv``, plots, the HTML report and ``summary.json``.

Files written by :func:`run_trial_to_dir` into the output folder (all or nothing):

* ``visits.parquet`` — long format ``subject, arm, replicate, time_h, variable, value, unit``:
  every model output at every visit (visits after a patient's dropout are left out), written
  chunk by chunk (bounded memory);
* ``patients.parquet`` — one row per patient: covariates, dropout time, sedation and monitoring
  outcomes;
* ``endpoints.csv`` — :mod:`brexsim.trial.stats` (columns ``arm, time_h, endpoint, estimate,
  ci_low, ci_high, n`` [``, replicate``]``, p_value``);
* ``hamd.png``, ``exposure.png``, ``biomarkers.png``, ``sedation.png`` and ``report.html``
  (self-contained, the plots embedded);
* ``summary.json`` — provenance (version, parameter hash, seed, command), the spec, sizes,
  backend and timings, the primary-visit results and, for Study 1-like arms, the published
  Study 1 values beside the model's.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from brexsim.trial.run import SOLVER_BLOCK, ChunkResult, TrialRun, run_trial
from brexsim.trial.spec import TrialSpec

__all__ = ["ParquetSink", "get_study1_comparison", "plot_trial", "run_trial_to_dir"]

#: Study 1 arm ids of the regimen presets (``hamd.target_study1_<id>_h60`` rows).
_STUDY1_IDS = {"zulresso": "brx90", "study1-brx60": "brx60", "placebo": "placebo"}


class ParquetSink:
    """Appends each chunk's long frame and patient rows to two Parquet files."""

    def __init__(self, visits_path: Path, patients_path: Path) -> None:
        self.paths = (Path(visits_path), Path(patients_path))
        self._writers: list[Any] = [None, None]
        self.rows = 0

    def __call__(self, res: ChunkResult) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        for k, frame in enumerate((res.to_long_frame(), res.to_patient_frame())):
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


def _pooled(endpoints: pd.DataFrame) -> pd.DataFrame:
    if "replicate" in endpoints.columns:
        return endpoints[endpoints["replicate"] == "all"]
    return endpoints


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
    e = _pooled(endpoints)
    e = e[e["time_h"] == 60.0]
    ref = spec.get_arm(spec.reference)
    out = []
    for a in spec.arms:
        sid = _STUDY1_IDS.get(a.regimen_name)
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
        ref_id = _STUDY1_IDS.get(ref.regimen_name)
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


def _mean_ci(v: np.ndarray) -> tuple[float, float, float]:
    v = v[np.isfinite(v)]
    if len(v) < 2:
        return (float(v.mean()) if len(v) else np.nan, np.nan, np.nan)
    m = float(v.mean())
    h = 1.96 * float(v.std(ddof=1)) / math.sqrt(len(v))
    return m, m - h, m + h


def plot_trial(run: TrialRun, out_dir: Path) -> dict[str, Path]:
    """The four report figures (PNG) in ``out_dir``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from brexsim.pk import simulate_pk

    spec = run.spec
    e = _pooled(run.endpoints)
    colors = dict(zip([a.name for a in spec.arms], plt.cm.tab10.colors, strict=False))
    paths: dict[str, Path] = {}

    # HAM-D change by arm (LS means, 95 % CI)
    fig, ax = plt.subplots(figsize=(7, 4.2))
    for a in spec.arms:
        g = e[(e["arm"] == a.name) & (e["endpoint"] == "hamd_change")].sort_values("time_h")
        t = np.concatenate([[0.0], g["time_h"].to_numpy()])
        y = np.concatenate([[0.0], g["estimate"].to_numpy()])
        lo = np.concatenate([[0.0], g["ci_low"].to_numpy()])
        hi = np.concatenate([[0.0], g["ci_high"].to_numpy()])
        ax.plot(t, y, "o-", color=colors[a.name], label=f"{a.name} (n={a.n})")
        ax.fill_between(t, lo, hi, color=colors[a.name], alpha=0.15)
    ax.set_xscale("symlog", linthresh=24)
    ax.set_xlabel("time (h, symlog)")
    ax.set_ylabel("HAM-D-17 change from baseline (LS mean, 95 % CI)")
    ax.axhline(0, color="0.7", lw=0.8)
    ax.legend(fontsize=8)
    ax.set_title(f"{spec.name}: HAM-D-17 by arm (ANCOVA on baseline)")
    paths["hamd"] = _save_figure(fig, out_dir / "hamd.png")

    # exposure: typical-patient curve (scheduled regimen) + trial visit medians (5-95 %)
    fig, ax = plt.subplots(figsize=(7, 4.2))
    eot = max(a.regimen.end_of_treatment_h for a in spec.arms)
    t_fine = np.linspace(0.0, min(spec.horizon_h, eot + 72.0), 600)
    for a in spec.arms:
        if a.regimen.is_placebo:
            continue
        pk = simulate_pk(a.regimen, 70.0, t_fine)
        ax.plot(t_fine, pk.plasma_drug_ng_per_ml, color=colors[a.name], label=f"{a.name} typical")
        v = run.values["plasma_drug"][run.arm == a.name]
        keep = run.visits_h <= t_fine[-1]
        q = np.percentile(v, [5, 50, 95], axis=0)
        ax.errorbar(
            run.visits_h[keep],
            q[1][keep],
            yerr=[q[1][keep] - q[0][keep], q[2][keep] - q[1][keep]],
            fmt="s",
            color=colors[a.name],
            capsize=3,
            label=f"{a.name} trial median (5-95 %)",
        )
    ax.set_xlabel("time (h)")
    ax.set_ylabel("plasma drug, total (ng/mL)")
    ax.set_title("Exposure (typical patient: scheduled regimen; points: trial visits)")
    ax.legend(fontsize=7)
    paths["exposure"] = _save_figure(fig, out_dir / "exposure.png")

    # biomarkers: mean (95 % CI) at the visits
    panels = [
        ("tone_index", "GABAergic tone index"),
        ("tnf_fold", "plasma TNF-a (fold of baseline)"),
        ("il6_fold", "plasma IL-6 (fold of baseline)"),
        ("bdnf_change_sd", "serum BDNF change (healthy SD)"),
    ]
    fig, axes = plt.subplots(2, 2, figsize=(9, 6), sharex=True)
    for axb, (var, label) in zip(axes.ravel(), panels, strict=True):
        for a in spec.arms:
            v = run.values[var][run.arm == a.name]
            stats = np.array([_mean_ci(v[:, j]) for j in range(v.shape[1])])
            axb.errorbar(
                run.visits_h,
                stats[:, 0],
                yerr=[stats[:, 0] - stats[:, 1], stats[:, 2] - stats[:, 0]],
                fmt="o-",
                color=colors[a.name],
                capsize=2,
                ms=3,
                label=a.name,
            )
        axb.set_xscale("symlog", linthresh=24)
        axb.set_title(label, fontsize=9)
    axes[0, 0].legend(fontsize=7)
    for axb in axes[1]:
        axb.set_xlabel("time (h, symlog)")
    fig.suptitle("Biomarkers by arm (mean, 95 % CI)")
    paths["biomarkers"] = _save_figure(fig, out_dir / "biomarkers.png")

    # sedation events
    fig, ax = plt.subplots(figsize=(7, 3.8))
    kinds = ["sedation_rate", "interruption_rate", "loc_rate"]
    w = 0.8 / max(len(spec.arms), 1)
    for i, a in enumerate(spec.arms):
        g = e[(e["arm"] == a.name) & e["endpoint"].isin(kinds)].set_index("endpoint").loc[kinds]
        x = np.arange(len(kinds)) + i * w
        est = g["estimate"].to_numpy()
        ax.bar(x, 100 * est, w, color=colors[a.name], label=a.name)
        ax.errorbar(
            x,
            100 * est,
            yerr=[100 * (est - g["ci_low"].to_numpy()), 100 * (g["ci_high"].to_numpy() - est)],
            fmt="none",
            color="k",
            capsize=2,
        )
    labelled = False
    for i, a in enumerate(spec.arms):  # the label's rates where the arm is a Study 1 preset
        for j, k in enumerate(_label_rates(a.regimen_name)):
            if k is not None:
                ax.plot(
                    j + i * w,
                    100 * k,
                    "kx",
                    ms=8,
                    mew=2,
                    label=None if labelled else "label rate (Zulresso PI)",
                )
                labelled = True
    ax.set_xticks(np.arange(len(kinds)) + w * (len(spec.arms) - 1) / 2)
    ax.set_xticklabels(["sedation/somnolence", "interruption", "loss of consciousness"])
    ax.set_ylabel("patients (%; 95 % Wilson CI)")
    ax.set_title("Sedation events over the course")
    ax.legend(fontsize=8)
    paths["sedation"] = _save_figure(fig, out_dir / "sedation.png")
    return paths


def _save_figure(fig, path: Path) -> Path:  # type: ignore[no-untyped-def]
    """Lay out, write (PNG, 110 dpi) and close one report figure; returns ``path``."""
    import matplotlib.pyplot as plt

    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _label_rates(regimen_name: str) -> list[float | None]:
    """Label rates (sedation/somnolence, interruption, LOC) of a Study 1 preset arm, from
    :data:`brexsim.calibration.sedation.TARGETS`; ``None`` where the label gives none."""
    from brexsim.calibration.sedation import TARGETS

    if regimen_name not in _STUDY1_IDS:
        return [None, None, None]
    pooled = "placebo" if regimen_name == "placebo" else "brexanolone"
    out: list[float | None] = []
    for key in (f"somnolence.{regimen_name}", f"interruption.{pooled}", f"loc.{regimen_name}"):
        k = TARGETS.get(key)
        out.append(None if k is None else k[0] / k[1])
    return out


def _primary_table(run: TrialRun, t: float) -> pd.DataFrame:
    e = _pooled(run.endpoints)
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
) -> dict[str, Any]:
    """Run ``spec`` and write every output into ``out`` (all or nothing); returns the summary."""
    from brexsim.analysis.report import figure_to_png, render_html_report  # noqa: F401
    from brexsim.io.outputs import atomic_output_dir, write_json
    from brexsim.params import load_parameters
    from brexsim.provenance import make_provenance

    ps = load_parameters()
    t0 = time.perf_counter()
    with atomic_output_dir(out) as tmp:
        sink = ParquetSink(tmp / "visits.parquet", tmp / "patients.parquet")

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
            )
        finally:
            sink.close()
        t_sim = time.perf_counter() - t0
        run.endpoints.to_csv(tmp / "endpoints.csv", index=False, float_format="%.10g")
        figs = plot_trial(run, tmp)
        primary = 60.0 if 60.0 in spec.visits_h else spec.horizon_h
        study1 = get_study1_comparison(spec, run.endpoints, ps)
        backend = (
            f"dask scheduler {scheduler}"
            if scheduler is not None
            else f"dask LocalCluster, {workers} worker processes"
            if workers
            else "in-process"
        )
        prov = make_provenance(ps, seed=spec.seed, command=command)
        summary: dict[str, Any] = {
            "trial": spec.name,
            "description": spec.description,
            "spec_file": spec.source,
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
            "population": {
                "hamd_baseline_min": spec.population.hamd_baseline_min,
                "hamd_baseline_max": spec.population.hamd_baseline_max,
                "weight_min_kg": spec.population.weight_min_kg,
                "weight_max_kg": spec.population.weight_max_kg,
                "antidepressant": spec.population.antidepressant,
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
            "solver_block": block or SOLVER_BLOCK,
            "n_tasks": run.n_tasks,
            "simulation_seconds": round(t_sim, 3),
            "patients_per_second": round(len(run.subject) / max(t_sim, 1e-9), 3),
            "visit_rows": sink.rows,
            "primary_visit_h": primary,
            "primary": _primary_table(run, primary).to_dict(orient="records"),
            "study1_comparison": study1,
            "note": "research output: not dosing advice for any patient",
            "provenance": prov,
        }
        sections: list[tuple[str, list[Any]]] = [
            (
                "Trial",
                [
                    f"{spec.name}: {spec.description}".rstrip(": "),
                    f"{len(run.subject)} virtual patients, {spec.replicates} replicate(s), "
                    f"reference arm {spec.reference}; visits {list(spec.visits_h)} h; "
                    f"baseline HAM-D-17 {spec.population.hamd_baseline_min}-"
                    f"{spec.population.hamd_baseline_max}. Simulated in {t_sim:.1f} s "
                    f"({backend}).",
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
            (
                "HAM-D-17 by arm",
                [("LS mean change from baseline, 95 % CI", figs["hamd"].read_bytes())],
            ),
            ("Exposure", [("plasma drug concentration", figs["exposure"].read_bytes())]),
            ("Biomarkers", [("tone, cytokines, BDNF", figs["biomarkers"].read_bytes())]),
            ("Sedation events", [("cumulative over the course", figs["sedation"].read_bytes())]),
            ("All endpoints", [run.endpoints]),
        ]
        (tmp / "report.html").write_text(
            render_html_report(f"brexsim virtual trial: {spec.name}", sections, prov),
            encoding="utf-8",
        )
        write_json(tmp / "summary.json", _finite(summary))
    return summary


def _finite(x: Any) -> Any:
    """NaN/inf -> None (JSON has no NaN; write_json refuses them)."""
    if isinstance(x, dict):
        return {k: _finite(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_finite(v) for v in x]
    if isinstance(x, float | np.floating) and not math.isfinite(float(x)):
        return None
    return x
