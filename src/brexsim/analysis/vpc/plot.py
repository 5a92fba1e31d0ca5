"""The VPC figure of one observed quantity (matplotlib :class:`~matplotlib.figure.Figure`, no
pyplot state, no display).

One panel per stratum: the observed records (grey dots; BLQ records as open marks on the LLOQ
line), the observed percentiles (median solid, the others dashed) and, shaded, the simulated
interval of each percentile (median red, the others blue), the bins connected at their mean
observed time (a bin standing alone is drawn as a box over its edges), the LLOQ (dotted; not in
a pcVPC, where it has no single value) and the bin edges (ticks along the top). A percentile or
interval end below the LLOQ is not drawn; an interval whose lower end is below the LLOQ is
shaded from the LLOQ (from the panel's lowest value in a pcVPC). With an LLOQ, a second row
shows the fraction of BLQ records: observed (black) against its simulated interval.

Examples
--------
>>> import pandas as pd
>>> from brexsim.analysis.vpc import compute_vpc
>>> obs = pd.DataFrame({"time_h": [1.0, 2.0], "dvid": "hamd", "dv": [10.0, 8.0], "blq": False})
>>> sim = pd.concat([obs.assign(replicate=r) for r in range(40)])
>>> len(plot_vpc(compute_vpc(obs, sim, "hamd")).axes)
1
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from brexsim.analysis.vpc.core import VPCResult

__all__ = ["DVID_LABELS", "plot_vpc"]

#: Axis label of each observed quantity.
DVID_LABELS = {
    "conc": "plasma concentration",
    "hamd": "HAM-D-17 total score",
    "tnf": "TNF-α",
    "il6": "IL-6",
    "bdnf": "serum BDNF",
}
_OUTER, _MEDIAN = "#3388cc", "#d62728"


def _runs(ok: np.ndarray) -> list[np.ndarray]:
    idx = np.flatnonzero(ok)
    if idx.size == 0:
        return []
    return np.split(idx, np.flatnonzero(np.diff(idx) > 1) + 1)


def _band(ax, x, lo, hi, xl, xh, span, **kw) -> bool:  # type: ignore[no-untyped-def]
    """Shade [lo, hi] over x; runs of >= 2 bins joined, a lone bin as a box over its edges."""
    drawn = False
    for r in _runs(np.isfinite(lo) & np.isfinite(hi)):
        if len(r) >= 2:
            ax.fill_between(x[r], lo[r], hi[r], lw=0, **kw)
        else:
            i = r[0]
            w = xh[i] - xl[i] if xh[i] > xl[i] else 0.02 * span
            left = xl[i] if xh[i] > xl[i] else x[i] - w / 2
            ax.fill_between([left, left + w], [lo[i]] * 2, [hi[i]] * 2, lw=0, **kw)
        kw.pop("label", None)
        drawn = True
    return drawn


def _floor(res: VPCResult, tab: pd.DataFrame, pts: pd.DataFrame) -> float:
    """Where an interval whose lower end is below the LLOQ starts."""
    if res.lloq is not None and not res.pred_corrected:
        return float(res.lloq)
    vals = np.concatenate(
        [tab[c].to_numpy(dtype=float) for c in ("observed", "sim_low", "sim_high")]
        + [pts["value"].to_numpy(dtype=float)]
    )
    vals = vals[np.isfinite(vals)]
    return float(vals.min()) if vals.size else math.nan


def _draw_main(ax, res: VPCResult, tab: pd.DataFrame, pts: pd.DataFrame, log_y: bool) -> None:  # type: ignore[no-untyped-def]
    e = np.asarray(res.edges)
    span = float(e[-1] - e[0]) or 1.0
    ax.scatter(
        pts.loc[~pts["blq"], "time_h"],
        pts.loc[~pts["blq"], "value"],
        s=6,
        color="0.55",
        alpha=0.5,
        lw=0,
        label="observed",
        zorder=2,
    )
    show_lloq = res.lloq is not None and not res.pred_corrected
    if show_lloq and pts["blq"].any():
        ax.scatter(
            pts.loc[pts["blq"], "time_h"],
            np.full(int(pts["blq"].sum()), res.lloq),
            s=14,
            marker="o",
            facecolors="none",
            edgecolors="0.4",
            lw=0.6,
            label="BLQ records (drawn at the LLOQ)",
            zorder=2,
        )
    floor = _floor(res, tab, pts)
    for lv in res.pi:
        r = tab[tab["level"] == lv].sort_values("bin")
        x = r["time_h"].to_numpy(dtype=float)
        lo = r["sim_low"].to_numpy(dtype=float)
        clip = r["sim_low_below_lloq"].to_numpy() & ~r["sim_high_below_lloq"].to_numpy()
        lo = np.where(clip, floor, lo)
        hi = r["sim_high"].to_numpy(dtype=float)
        med = lv == 0.5
        color = _MEDIAN if med else _OUTER
        _band(
            ax,
            x,
            lo,
            hi,
            r["bin_low_h"].to_numpy(float),
            r["bin_high_h"].to_numpy(float),
            span,
            color=color,
            alpha=0.25,
            label=f"simulated {res.ci * 100:g} % CI, p{lv * 100:g}",
            zorder=1,
        )
        ax.plot(
            x,
            r["observed"].to_numpy(dtype=float),
            "-" if med else "--",
            color="k" if med else "0.2",
            lw=1.6 if med else 1.1,
            marker="o",
            ms=2.5,
            label=f"observed p{lv * 100:g}",
            zorder=3,
        )
    if show_lloq:
        ax.axhline(res.lloq, color="0.3", ls=":", lw=1.0, label=f"LLOQ {res.lloq:g}")
    ax.plot(e, np.ones_like(e), "|", color="0.3", ms=6, transform=ax.get_xaxis_transform())
    positive = np.concatenate(
        [pts["value"].to_numpy(dtype=float), tab["sim_high"].to_numpy(dtype=float)]
    )
    if log_y and np.any(np.isfinite(positive) & (positive > 0)):
        ax.set_yscale("log", nonpositive="mask")
    ax.grid(alpha=0.25)


def _draw_blq(ax, res: VPCResult, tab: pd.DataFrame) -> None:  # type: ignore[no-untyped-def]
    r = tab[tab["statistic"] == "blq_fraction"].sort_values("bin")
    x = r["time_h"].to_numpy(dtype=float)
    span = float(res.edges[-1] - res.edges[0]) or 1.0
    _band(
        ax,
        x,
        r["sim_low"].to_numpy(dtype=float),
        r["sim_high"].to_numpy(dtype=float),
        r["bin_low_h"].to_numpy(float),
        r["bin_high_h"].to_numpy(float),
        span,
        color=_OUTER,
        alpha=0.25,
        label=f"simulated {res.ci * 100:g} % CI",
    )
    ax.plot(x, r["sim_median"].to_numpy(dtype=float), ":", color=_OUTER, label="simulated median")
    ax.plot(x, r["observed"].to_numpy(dtype=float), "-o", color="k", ms=3, label="observed")
    ax.set_ylim(-0.03, 1.03)
    ax.set_ylabel("fraction BLQ")
    ax.grid(alpha=0.25)


def plot_vpc(result: VPCResult, log_y: bool | None = None, ncol: int = 3) -> Figure:
    """The VPC figure of ``result``: a panel per stratum, a BLQ-fraction row if it has one.

    Parameters
    ----------
    result : VPCResult
    log_y : bool, optional
        Logarithmic y axis (default: for concentrations); records <= 0 are then not shown.
    ncol : int
        Panels per row.
    """
    tab = result.to_frame()
    pts = result.get_points()
    strata = list(result.strata)
    has_blq = bool((tab["statistic"] == "blq_fraction").any())
    log_y = result.dvid == "conc" if log_y is None else bool(log_y)
    ncol = max(1, min(int(ncol), len(strata)))
    groups = math.ceil(len(strata) / ncol)
    rows = groups * (2 if has_blq else 1)
    ratios = ([3, 1] if has_blq else [1]) * groups
    height = sum(ratios) * (1.1 if has_blq else 3.6)
    legend_h = 0.8
    fig = Figure(figsize=(max(4.6 * ncol + 0.6, 8.0), height + legend_h + 0.6))
    grid = fig.add_gridspec(rows, ncol, height_ratios=ratios)
    unit = f" ({result.unit})" if result.unit else ""
    label = DVID_LABELS.get(result.dvid, result.dvid)
    ylab = ("prediction-corrected " if result.pred_corrected else "") + label + unit
    first = None
    handles: dict[str, object] = {}
    for k, s in enumerate(strata):
        g, c = divmod(k, ncol)
        row = g * (2 if has_blq else 1)
        ax = fig.add_subplot(grid[row, c], sharex=first)
        first = first or ax
        t = tab[tab["stratum"] == s]
        _draw_main(ax, result, t[t["statistic"] != "blq_fraction"], pts[pts["stratum"] == s], log_y)
        ax.set_title(s if result.stratify_by else result.dvid, fontsize=10)
        if c == 0:
            ax.set_ylabel(ylab)
        axes = [ax]
        if has_blq:
            bx = fig.add_subplot(grid[row + 1, c], sharex=first)
            _draw_blq(bx, result, t)
            bx.set_xlabel("time (h)")
            axes.append(bx)
        else:
            ax.set_xlabel("time (h)")
        for a, prefix in zip(axes, ("", "BLQ fraction: "), strict=False):
            for h, lab in zip(*a.get_legend_handles_labels(), strict=True):
                handles.setdefault(prefix + lab, h)
    fig.legend(
        list(handles.values()),
        list(handles),
        loc="lower center",
        ncol=4,
        fontsize=7,
        frameon=False,
    )
    kind = "pcVPC" if result.pred_corrected else "VPC"
    fig.suptitle(
        f"{kind} of {result.dvid}: observed p{'/'.join(f'{p * 100:g}' for p in result.pi)} "
        f"against simulated {result.ci * 100:g} % intervals ({result.n_replicates} replicates)",
        fontsize=10,
    )
    total = fig.get_figheight()
    fig.tight_layout(rect=(0.0, legend_h / total, 1.0, 1.0 - 0.3 / total))
    return fig
