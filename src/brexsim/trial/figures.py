"""The four trial report figures (PNG), each interval checked before it is drawn.

:data:`FIGURES` names them in report order (``hamd.png``, ``exposure.png``,
``biomarkers.png``, ``sedation.png``); :func:`plot_trial` draws them all, :func:`plot_figure`
one. Every band and error bar goes through :mod:`brexsim.report.intervals`: an interval that
does not contain its estimate raises :class:`~brexsim.report.intervals.IntervalError` naming
the quantity, and error-bar lengths are ``max(0, ...)`` only after that check.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from brexsim.report.intervals import check_interval, get_error_bars
from brexsim.trial.run import TrialRun

__all__ = ["FIGURES", "get_pooled", "plot_figure", "plot_trial"]

#: Figure name -> file name, in report order.
FIGURES: dict[str, str] = {
    "hamd": "hamd.png",
    "exposure": "exposure.png",
    "biomarkers": "biomarkers.png",
    "sedation": "sedation.png",
}
#: Study 1 arm ids of the regimen presets (``hamd.target_study1_<id>_h60`` rows).
STUDY1_IDS = {"zulresso": "brx90", "study1-brx60": "brx60", "placebo": "placebo"}


def get_pooled(endpoints: pd.DataFrame) -> pd.DataFrame:
    """The pooled rows (``replicate == "all"``) of a replicated endpoint table, else all rows."""
    if "replicate" in endpoints.columns:
        return endpoints[endpoints["replicate"] == "all"]
    return endpoints


def _mean_ci(v: np.ndarray) -> tuple[float, float, float]:
    """Mean and normal-approximation 95 % CI of the finite values (``nan`` CI below 2 values)."""
    v = v[np.isfinite(v)]
    if len(v) < 2:
        return (float(v.mean()) if len(v) else np.nan, np.nan, np.nan)
    m = float(v.mean())
    h = 1.96 * float(v.std(ddof=1)) / math.sqrt(len(v))
    return m, m - h, m + h


def _colors(run: TrialRun) -> dict[str, tuple[float, ...]]:
    import matplotlib.pyplot as plt

    return dict(zip([a.name for a in run.spec.arms], plt.cm.tab10.colors, strict=False))


def _plot_hamd(run: TrialRun, path: Path) -> Path:
    """HAM-D change by arm (LS means, 95 % CI band)."""
    import matplotlib.pyplot as plt

    spec, e, colors = run.spec, get_pooled(run.endpoints), _colors(run)
    fig, ax = plt.subplots(figsize=(7, 4.2))
    for a in spec.arms:
        g = e[(e["arm"] == a.name) & (e["endpoint"] == "hamd_change")].sort_values("time_h")
        check_interval(
            f"hamd_change, arm {a.name}", g["estimate"], g["ci_low"], g["ci_high"],
            labels=[f"{t:g} h" for t in g["time_h"]],
        )  # fmt: skip
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
    return _save_figure(fig, path)


def _plot_exposure(run: TrialRun, path: Path) -> Path:
    """Typical-patient curve (scheduled regimen) and trial visit medians (5-95 %)."""
    import matplotlib.pyplot as plt

    from brexsim.pk import simulate_pk

    spec, colors = run.spec, _colors(run)
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
        q = np.full((3, int(keep.sum())), np.nan)  # 5, 50, 95 % over the finite values
        for j, col in enumerate(v[:, keep].T):
            if np.isfinite(col).any():
                q[:, j] = np.percentile(col[np.isfinite(col)], [5, 50, 95])
        yerr = get_error_bars(f"plasma_drug median (5-95 %), arm {a.name}", q[1], q[0], q[2])
        ax.errorbar(
            run.visits_h[keep],
            q[1],
            yerr=yerr,
            fmt="s",
            color=colors[a.name],
            capsize=3,
            label=f"{a.name} trial median (5-95 %)",
        )
    ax.set_xlabel("time (h)")
    ax.set_ylabel("plasma drug, total (ng/mL)")
    ax.set_title("Exposure (typical patient: scheduled regimen; points: trial visits)")
    ax.legend(fontsize=7)
    return _save_figure(fig, path)


def _plot_biomarkers(run: TrialRun, path: Path) -> Path:
    """Tone, cytokines and BDNF by arm: mean (95 % CI) at the visits."""
    import matplotlib.pyplot as plt

    spec, colors = run.spec, _colors(run)
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
            stats = np.array([_mean_ci(v[:, j]) for j in range(v.shape[1])]).reshape(-1, 3)
            yerr = get_error_bars(f"{var} mean, arm {a.name}", *stats.T)
            axb.errorbar(
                run.visits_h,
                stats[:, 0],
                yerr=yerr,
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
    return _save_figure(fig, path)


def _plot_sedation(run: TrialRun, path: Path) -> Path:
    """Sedation, interruption and loss-of-consciousness rates by arm (Wilson 95 % CI)."""
    import matplotlib.pyplot as plt

    spec, e, colors = run.spec, get_pooled(run.endpoints), _colors(run)
    fig, ax = plt.subplots(figsize=(7, 3.8))
    kinds = ["sedation_rate", "interruption_rate", "loc_rate"]
    w = 0.8 / max(len(spec.arms), 1)
    for i, a in enumerate(spec.arms):
        g = e[(e["arm"] == a.name) & e["endpoint"].isin(kinds)].set_index("endpoint")
        g = g.reindex(kinds)  # an endpoint without a row is drawn as no bar
        x = np.arange(len(kinds)) + i * w
        est = g["estimate"].to_numpy(dtype=float)
        ax.bar(x, 100 * est, w, color=colors[a.name], label=a.name)
        for k, kind in enumerate(kinds):
            check_interval(
                f"{kind}, arm {a.name}", est[k], g["ci_low"].iloc[k], g["ci_high"].iloc[k]
            )
        yerr = get_error_bars(f"rates, arm {a.name}", est, g["ci_low"], g["ci_high"], 100.0)
        ax.errorbar(x, 100 * est, yerr=yerr, fmt="none", color="k", capsize=2)
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
    return _save_figure(fig, path)


def _label_rates(regimen_name: str) -> list[float | None]:
    """Label rates (sedation/somnolence, interruption, LOC) of a Study 1 preset arm, from
    :data:`brexsim.clinical.sedation_label.LABEL_COUNTS`; ``None`` where the label gives none."""
    from brexsim.clinical.sedation_label import LABEL_COUNTS

    if regimen_name not in STUDY1_IDS:
        return [None, None, None]
    pooled = "placebo" if regimen_name == "placebo" else "brexanolone"
    out: list[float | None] = []
    for key in (f"somnolence.{regimen_name}", f"interruption.{pooled}", f"loc.{regimen_name}"):
        k = LABEL_COUNTS.get(key)
        out.append(None if k is None else k[0] / k[1])
    return out


def _save_figure(fig, path: Path) -> Path:  # type: ignore[no-untyped-def]
    """Lay out, write (PNG, 110 dpi) and close one report figure; returns ``path``."""
    import matplotlib.pyplot as plt

    try:
        fig.tight_layout()
        fig.savefig(path, dpi=110)
    finally:
        plt.close(fig)
    return path


def plot_figure(name: str, run: TrialRun, out_dir: Path) -> Path:
    """Draw one figure of :data:`FIGURES` (by name) into ``out_dir``; returns its path.

    The drawing function is looked up when called (``_plot_<name>`` in this module).
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fn = globals()[f"_plot_{name}"]
    try:
        return fn(run, Path(out_dir) / FIGURES[name])
    finally:
        plt.close("all")


def plot_trial(run: TrialRun, out_dir: Path) -> dict[str, Path]:
    """The four report figures (PNG) in ``out_dir``: ``{name: path}``."""
    return {name: plot_figure(name, run, out_dir) for name in FIGURES}
