"""Concentration-time figure for one patient."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from brexsim.dosing.regimen import Regimen
from brexsim.pk.simulate import PKResult

__all__ = ["plot_pk"]


def plot_pk(res: PKResult, regimen: Regimen, path: str | Path, title: str = "") -> Path:
    """Two panels: plasma (total, drug) and free biophase concentration; dosing shaded.

    Returns the PNG path.
    """
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(8, 6.5), sharex=True, constrained_layout=True)
    t = res.time_h
    ax1.plot(t, res.plasma_total_ng_per_ml, label="plasma total", lw=2)
    ax1.plot(t, res.plasma_drug_ng_per_ml, "--", label="plasma, drug-attributable")
    ax1.plot(t, res.effect_site_drug_ng_per_ml, ":", label="effect site (total-equivalent)")
    ax1.set_ylabel(f"{res.drug} (ng/mL)")
    ax1.legend(loc="upper right", fontsize=8)
    ax2.plot(
        t,
        res.drug_biophase_free_nM + res.endogenous_biophase_free_nM,
        color="C3",
        label="free at receptors (drug + endogenous)",
    )
    ax2.plot(t, res.endogenous_biophase_free_nM, color="0.5", lw=1, label="endogenous free")
    ax2.set_ylabel("free biophase (nM)")
    ax2.set_xlabel("time from first dose (h)")
    ax2.legend(loc="upper right", fontsize=8)
    for s in regimen.segments:
        if s.rate_ug_per_kg_h > 0:
            for ax in (ax1, ax2):
                ax.axvspan(s.start_h, s.end_h, color="C0", alpha=0.04 + s.rate_ug_per_kg_h / 3000)
    for d in regimen.oral_doses:
        ax1.axvline(d.time_h, color="0.8", lw=0.5, zorder=0)
    fig.suptitle(title or f"{regimen.name} ({res.drug}, {res.weight_kg:g} kg)")
    fig.text(
        0.99,
        0.005,
        "brexsim — research output, not dosing advice",
        ha="right",
        fontsize=7,
        color="0.4",
    )
    path = Path(path)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
