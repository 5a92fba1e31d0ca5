"""Figures of the web app (matplotlib, object-oriented API: thread-safe, no pyplot state).

Each function returns a :class:`matplotlib.figure.Figure`; the app renders it in the page and
:func:`figure_png` turns it into the PNG the user downloads.
"""

from __future__ import annotations

import io
from typing import Any

import matplotlib

matplotlib.use("Agg")
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

__all__ = [
    "figure_png",
    "plot_assay",
    "plot_compare",
    "plot_patient",
    "plot_population",
]

_NOTE = "brexsim — research output, not dosing advice"
_EVENT_COLOURS = {
    "resume": "tab:green",
    "excessive_sedation_stop": "tab:orange",
    "loc_stop": "tab:red",
    "hypoxia_stop": "darkred",
    "other_ae_stop": "tab:purple",
    "stop_interruption_limit": "black",
}


def figure_png(fig: Figure, dpi: int = 110) -> bytes:
    """PNG bytes of a figure.

    >>> figure_png(Figure(figsize=(1, 1)))[:4]
    b'\\x89PNG'
    """
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


def _days(t_h: np.ndarray) -> np.ndarray:
    return np.asarray(t_h) / 24.0


def _exposure_window_d(*runs: Any) -> float:
    end = max(r.delivered.end_of_treatment_h for r in runs)
    return min((end + 96.0) / 24.0, float(runs[0].fine_time_h[-1]) / 24.0)


def _finish(fig: Figure, title: str) -> Figure:
    fig.suptitle(title, fontsize=11)
    fig.text(0.995, 0.003, _NOTE, ha="right", va="bottom", fontsize=7, color="0.45")
    return fig


def _style(ax: Any, ylabel: str, title: str) -> None:
    ax.set_title(title, fontsize=9, loc="left")
    ax.set_ylabel(ylabel, fontsize=8)
    ax.tick_params(labelsize=7)
    ax.grid(alpha=0.25, lw=0.5)


def _end_line(ax: Any, run: Any, colour: str = "0.5") -> None:
    ax.axvline(run.delivered.end_of_treatment_h / 24.0, color=colour, lw=0.7, ls=":")


def _sedation_panel(ax: Any, runs: list[tuple[Any, str, str]], events: bool = True) -> None:
    first = runs[0][0]
    td = _days(first.fine_time_h)
    asleep = first.asleep
    if asleep.any():
        ax.fill_between(
            td, 0, 1, where=asleep, transform=ax.get_xaxis_transform(), color="0.92", lw=0
        )
    for run, label, colour in runs:
        ax.plot(
            _days(run.fine_time_h), run.fine["sedation_score"][0], color=colour, lw=1.2, label=label
        )
        if events:
            for e in run.events:
                c = _EVENT_COLOURS.get(str(e["type"]), "0.3")
                ax.axvline(float(e["time_h"]) / 24.0, color=c, lw=0.9, ls="--")
    # labels alternate right / left: the stop and LOC thresholds lie close together
    for k, ((name, y), ls) in enumerate(
        zip(first.thresholds.items(), ("-", "--", ":"), strict=False)
    ):
        ax.axhline(y, color="tab:red", lw=0.7, ls=ls, alpha=0.7)
        right = k % 2 == 0
        ax.text(
            0.995 if right else 0.005,
            y,
            f" {name} ",
            transform=ax.get_yaxis_transform(),
            fontsize=6,
            color="tab:red",
            ha="right" if right else "left",
            va="bottom" if right else "top",
        )
    _style(ax, "latent score", "Sedation (grey: asleep; dashed: monitoring events)")


def plot_patient(run: Any, assay_time_h: float | None = None, label: str = "regimen A") -> Figure:
    """Six panels of one patient: exposure, receptor, cytokines, BDNF, HAM-D, sedation."""
    fig = Figure(figsize=(12, 9.2), layout="tight")
    axs = fig.subplots(3, 2)
    res, pbo = run.result, run.placebo
    td_f = _days(run.fine_time_h)
    td = _days(res.time_h)
    win = _exposure_window_d(run)

    ax = axs[0, 0]
    ax.plot(td_f, run.fine["plasma_drug"][0], color="tab:blue", label="plasma drug, total")
    _style(ax, "ng/mL", "Exposure: plasma (total) and brain (free)")
    ax2 = ax.twinx()
    ax2.plot(
        td_f, run.fine["biophase_free_drug"][0], color="tab:red", lw=1, label="free brain drug"
    )
    ax2.set_ylabel("free nM", fontsize=8, color="tab:red")
    ax2.tick_params(labelsize=7)
    h1, l1 = ax.get_legend_handles_labels()
    h2, l2 = ax2.get_legend_handles_labels()
    ax.legend(h1 + h2, l1 + l2, fontsize=7, loc="upper right")
    ax.set_xlim(0, win)
    _end_line(ax, run)

    ax = axs[0, 1]
    ax.plot(
        td_f,
        run.fine["delta_potentiation"][0],
        color="tab:purple",
        label="δ (extrasynaptic) potentiation",
    )
    ax.plot(
        td_f,
        run.fine["gamma2_potentiation"][0],
        color="tab:olive",
        label="γ2 (synaptic) potentiation",
    )
    _style(
        ax,
        "% of GABA current",
        f"Receptors ({run.settings.sensitivity}; δ state {run.settings.delta_state})",
    )
    ax2 = ax.twinx()
    ax2.plot(td_f, run.fine["tonic_current"][0], color="k", lw=1, ls="--", label="tonic current")
    ax2.set_ylabel("tonic current, pA", fontsize=8)
    ax2.tick_params(labelsize=7)
    h1, l1 = ax.get_legend_handles_labels()
    h2, l2 = ax2.get_legend_handles_labels()
    ax.legend(h1 + h2, l1 + l2, fontsize=7, loc="upper right")
    ax.set_xlim(0, win)

    ax = axs[1, 0]
    il1b = res.get("il1b")[0]
    for y, name, c in (
        (res.get("tnf_fold")[0], "TNF-α", "tab:blue"),
        (il1b / il1b[0], "IL-1β", "tab:orange"),
        (res.get("il6_fold")[0], "IL-6", "tab:green"),
    ):
        ax.plot(td, y, color=c, label=name)
    ax.axhline(1.0, color="0.6", lw=0.7)
    if assay_time_h is not None:
        ax.axvline(assay_time_h / 24.0, color="tab:red", lw=1, ls="--", label="ex vivo sample")
    _style(ax, "fold of baseline", "Plasma cytokines in vivo")
    ax.legend(fontsize=7, loc="lower right")

    ax = axs[1, 1]
    ax.plot(td, res.get("bdnf_change_sd")[0], color="tab:brown", label="drug")
    ax.plot(td, pbo.get("bdnf_change_sd")[0], color="0.5", ls="--", label="placebo reference")
    ax.axhline(0.0, color="0.6", lw=0.7)
    _style(ax, "change, healthy SD", "Serum BDNF")
    ax.legend(fontsize=7, loc="upper right")

    ax = axs[2, 0]
    ax.plot(td, res.get("hamd_expected")[0], color="tab:blue", label="drug")
    ax.plot(td, pbo.get("hamd_expected")[0], color="0.45", ls="--", label="placebo reference")
    _style(ax, "HAM-D-17 (expected)", "Depression score beside the placebo reference")
    ax.legend(fontsize=7, loc="upper right")
    _end_line(ax, run)

    ax = axs[2, 1]
    _sedation_panel(ax, [(run, label, "tab:blue")])
    ax.set_xlim(0, min(win, run.delivered.end_of_treatment_h / 24.0 + 1.5))
    for a in axs[2]:
        a.set_xlabel("days from the first dose", fontsize=8)
    for a in (axs[1, 0], axs[1, 1], axs[2, 0]):
        a.set_xlim(0, td[-1])
    return _finish(
        fig, f"{label}: {run.regimen.drug}, {run.settings.weight_kg:g} kg, typical patient"
    )


def plot_compare(a: Any, b: Any) -> Figure:
    """Regimens A and B overlaid (same patient): exposure, tone, TNF-α, BDNF, HAM-D, sedation."""
    fig = Figure(figsize=(12, 9.2), layout="tight")
    axs = fig.subplots(3, 2)
    runs = ((a, "A", "tab:blue"), (b, "B", "tab:orange"))
    win = _exposure_window_d(a, b)
    for run, lab, c in runs:
        td = _days(run.result.time_h)
        axs[0, 0].plot(
            _days(run.fine_time_h),
            run.fine["plasma_drug"][0],
            color=c,
            label=f"{lab}: {run.regimen.drug}",
        )
        axs[0, 1].plot(td, run.result.get("tone_index")[0], color=c, label=lab)
        axs[1, 0].plot(td, run.result.get("tnf_fold")[0], color=c, label=lab)
        axs[1, 1].plot(td, run.result.get("bdnf_change_sd")[0], color=c, label=lab)
        axs[2, 0].plot(td, run.result.get("hamd_expected")[0], color=c, label=lab)
    settings = {a.regimen.setting: a}
    settings.setdefault(b.regimen.setting, b)
    for setting, run in settings.items():
        axs[2, 0].plot(
            _days(run.placebo.time_h),
            run.placebo.get("hamd_expected")[0],
            color="0.45",
            ls="--",
            label=f"placebo ({setting})",
        )
    _style(axs[0, 0], "ng/mL", "Plasma drug (total)")
    axs[0, 0].set_xlim(0, win)
    _style(axs[0, 1], "0 PPD, 1 healthy", "GABAergic tone index (free brain drug)")
    axs[0, 1].set_xlim(0, win)
    _style(axs[1, 0], "fold of baseline", "Plasma TNF-α")
    _style(axs[1, 1], "change, healthy SD", "Serum BDNF")
    _style(axs[2, 0], "HAM-D-17 (expected)", "Depression score")
    _sedation_panel(axs[2, 1], [(a, "A", "tab:blue"), (b, "B", "tab:orange")])
    axs[2, 1].set_xlim(0, win)
    for ax in axs.flat:
        ax.legend(fontsize=7, loc="best")
    for ax in axs[2]:
        ax.set_xlabel("days from the first dose", fontsize=8)
    return _finish(fig, "Regimen A vs regimen B (same patient)")


def plot_population(run: Any) -> Figure:
    """Median and 5-95 % bands of the population, drug arm and placebo arm."""
    fig = Figure(figsize=(12, 6.6), layout="tight")
    axs = fig.subplots(2, 3)
    td = _days(run.time_h)
    panels = (
        ("plasma_drug", "ng/mL", "Plasma drug (total)"),
        ("biophase_free_drug", "nM", "Free brain drug"),
        ("tone_index", "0 PPD, 1 healthy", "GABAergic tone index"),
        ("tnf_fold", "fold of baseline", "Plasma TNF-α"),
        ("bdnf_change_sd", "change, healthy SD", "Serum BDNF"),
        ("hamd_expected", "HAM-D-17 (expected)", "Depression score"),
    )
    colours = {"drug": "tab:blue", "placebo": "0.45"}
    end_d = run.regimen.end_of_treatment_h / 24.0
    for ax, (var, unit, title) in zip(axs.flat, panels, strict=True):
        for arm, d in run.percentiles.items():
            if arm == "placebo" and var in ("plasma_drug", "biophase_free_drug", "tone_index"):
                continue
            c = colours.get(arm, "k")
            ax.fill_between(td, d[f"{var}:p5"], d[f"{var}:p95"], color=c, alpha=0.18, lw=0)
            ax.plot(td, d[f"{var}:p50"], color=c, label=f"{arm} median (5-95 %)")
        _style(ax, unit, title)
        if var in ("plasma_drug", "biophase_free_drug", "tone_index"):
            ax.set_xlim(0, min(end_d + 4.0, td[-1]))
        ax.legend(fontsize=7, loc="best")
    for ax in axs[1]:
        ax.set_xlabel("days from the first dose", fontsize=8)
    return _finish(fig, f"Virtual population: n = {run.n} per arm, seed {run.seed}")


def plot_assay(run: Any, table: pd.DataFrame) -> Figure:
    """In vivo cytokines with the sampling time, and the ex vivo fold changes."""
    fig = Figure(figsize=(12, 4.2), layout="tight")
    ax, bx = fig.subplots(1, 2)
    res = run.result
    td = _days(res.time_h)
    ax.plot(td, res.get("tnf_fold")[0], label="TNF-α")
    ax.plot(td, res.get("il6_fold")[0], label="IL-6")
    ax.plot(td, res.get("innate_state")[0], color="0.3", ls=":", label="innate state")
    t_h = float(table.attrs.get("time_h", 0.0))
    ax.axvline(t_h / 24.0, color="tab:red", ls="--", lw=1, label="blood sample")
    _style(ax, "fold of baseline / state", "In vivo (plasma) at the sampling time")
    ax.legend(fontsize=7)
    ax.set_xlabel("days from the first dose", fontsize=8)
    x = np.arange(len(table))
    bx.bar(x - 0.2, table["fold_secreted"], width=0.4, label="secreted")
    bx.bar(x + 0.2, table["fold_cell"], width=0.4, label="cell-associated")
    bx.axhline(1.0, color="0.5", lw=0.8)
    bx.set_xticks(x, table["cytokine"].tolist())
    stim = table.attrs.get("stimulus", "")
    _style(bx, "fold of the 0-h sample", f"Ex vivo {stim} assay, blood drawn at {t_h:g} h")
    bx.legend(fontsize=7)
    return _finish(fig, "Cytokines in vivo and ex vivo")
