"""Multi-panel figure of every layer for one patient of a ``SimulationResult``."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

__all__ = ["plot_layers"]


def plot_layers(res, path: str | Path, patient: int = 0, placebo=None, title: str = "") -> Path:  # type: ignore[no-untyped-def]
    """Panels: exposure, GABAergic tone, cytokines, BDNF, HAM-D (when simulated).

    The HAM-D panel draws the expected score (``hamd_expected``, labelled "expected") when the
    result has it, else the observed score with its rating noise (labelled so).

    ``placebo`` is an optional second result drawn as the reference in the HAM-D panel.
    """
    t_d = res.time_h / 24.0
    has_hamd = "hamd" in res.outputs or "hamd_expected" in res.outputs
    panels = ["exposure", "tone", "cytokines", "bdnf"] + (["hamd"] if has_hamd else [])
    fig, axes = plt.subplots(
        len(panels), 1, figsize=(8, 2.1 * len(panels)), sharex=True, constrained_layout=True
    )
    for ax, kind in zip(axes, panels, strict=True):
        if kind == "exposure":
            ax.plot(t_d, res.get("plasma_drug")[patient], label="plasma drug (ng/mL)")
            ax2 = ax.twinx()
            ax2.plot(
                t_d,
                res.get("biophase_free_drug")[patient],
                color="C3",
                lw=1,
                label="free biophase (nM)",
            )
            ax2.set_ylabel("free nM", color="C3", fontsize=8)
            ax.set_ylabel("ng/mL", fontsize=8)
            ax.legend(loc="upper right", fontsize=7)
        elif kind == "tone":
            ax.plot(t_d, res.get("tone_index")[patient], color="C2")
            ax.set_ylabel("GABAergic tone\n(0 PPD, 1 healthy)", fontsize=8)
        elif kind == "cytokines":
            ax.plot(t_d, res.get("tnf_fold")[patient], label="TNF-α")
            ax.plot(t_d, res.get("il6_fold")[patient], label="IL-6")
            ax.axhline(1.0, color="0.6", lw=0.8)
            ax.set_ylabel("plasma fold\nchange", fontsize=8)
            ax.legend(loc="lower right", fontsize=7)
        elif kind == "bdnf":
            ax.plot(t_d, res.get("bdnf_change_sd")[patient], color="C4")
            ax.axhline(0.0, color="0.6", lw=0.8)
            ax.set_ylabel("serum BDNF\nchange (SD)", fontsize=8)
        else:  # the expected score when simulated, else the observed (noisy) one
            name = "hamd_expected" if "hamd_expected" in res.outputs else "hamd"
            ax.plot(t_d, res.get(name)[patient], label="drug", color="C0")
            if placebo is not None and name in placebo.outputs:
                ax.plot(t_d, placebo.get(name)[patient], "--", color="0.4", label="placebo")
            which = "expected" if name == "hamd_expected" else "observed, with rating noise"
            ax.set_ylabel(f"HAM-D-17\n({which})", fontsize=8)
            ax.legend(loc="upper right", fontsize=7)
        ax.tick_params(labelsize=8)
    axes[-1].set_xlabel("days from the first dose")
    axes[-1].set_xlim(0, float(np.max(t_d)))
    fig.suptitle(title or "brexsim — all layers, one patient", fontsize=10)
    fig.text(0.99, 0.002, "research output, not dosing advice", ha="right", fontsize=7, color="0.4")
    path = Path(path)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
