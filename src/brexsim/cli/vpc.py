"""``brexsim vpc``: visual predictive check of observed data against a trial spec's simulations."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Any

import typer

from brexsim.cli._app import app, console
from brexsim.cli._outputs import fail_figure, run_with_figures
from brexsim.errors import input_error

#: Data outputs, written together before any figure (``observed.csv`` only for a self-check).
VPC_DATA = ("vpc.csv", "summary.json")
#: Most replicate studies one command simulates (the trial spec's own limit).
MAX_REPLICATES = 10_000
_BINS_ALLOWED = "auto, nominal, jenks[:N], quantile[:N] or bin edges in h such as 0,12,24,60"


def parse_bins(text: str) -> tuple[str | tuple[float, ...], int]:
    """``--bins`` as ``(rule or edges, n_bins)``.

    >>> parse_bins("jenks:5"), parse_bins("0,12,60")
    (('jenks', 5), ((0.0, 12.0, 60.0), 8))
    """
    t = text.strip().lower()
    rule, _, k = t.partition(":")
    if rule in ("auto", "nominal", "jenks", "quantile"):
        if not k:
            return rule, 8
        if rule in ("jenks", "quantile") and k.isdigit() and int(k) >= 1:
            return rule, int(k)
        raise input_error("--bins", text, _BINS_ALLOWED)
    try:
        edges = tuple(float(x) for x in t.split(","))
    except ValueError:
        raise input_error("--bins", text, _BINS_ALLOWED) from None
    return edges, 8


def _parse_list(text: str, field: str, allowed: str) -> list[str]:
    items = [x.strip() for x in text.split(",")]
    if not text.strip() or any(not x for x in items):
        raise input_error(field, text, allowed)
    return items


def _check_options(
    replicates: int, ci: float, pi: str, stratify: str | None
) -> tuple[tuple[float, ...], float]:
    from brexsim.analysis.vpc import get_min_replicates

    try:
        levels = tuple(float(x) for x in _parse_list(pi, "--pi", "levels such as 0.05,0.5,0.95"))
    except ValueError:
        raise input_error("--pi", pi, "percentile levels in (0, 1) such as 0.05,0.5,0.95") from None
    if not levels or any(not 0 < p < 1 for p in levels) or list(levels) != sorted(set(levels)):
        raise input_error("--pi", pi, "increasing, unique percentile levels in (0, 1)")
    if not (math.isfinite(ci) and 0 < ci < 1):
        raise input_error("--ci", ci, "an interval width in (0, 1), e.g. 0.95")
    need = get_min_replicates(ci)
    if not need <= replicates <= MAX_REPLICATES:
        raise input_error(
            "--replicates",
            replicates,
            f"{need}-{MAX_REPLICATES} replicates (a {ci:g} interval needs >= {need})",
        )
    if stratify not in (None, "arm"):
        raise input_error("--stratify", stratify, "arm (or leave it out)")
    return levels, ci


def _get_observed(
    observed: Path | None,
    sim_obs_seed: int | None,
    spec: Any,
    dvids: list[str] | None,
    need_arm: str,
    params: Any,
) -> tuple[Any, dict[str, Any]]:
    """The observed frame (with spec arm names) and what was read."""
    from brexsim.analysis.vpc.data import match_arms, read_observed
    from brexsim.trial.observe import simulate_observations

    if observed is not None:
        data = read_observed(observed, dvids[0] if dvids and len(dvids) == 1 else None)
        frame = match_arms(data.frame, [a.name for a in spec.arms], need_arm)
        return frame, dict(data.info)
    frame = simulate_observations(spec, replicates=1, seed=sim_obs_seed, params=params)
    info = {
        "source": f"simulated observed study: spec {spec.name}, seed {sim_obs_seed}",
        "format": "brexsim.trial.observe.simulate_observations",
        "n_observations": len(frame),
    }
    return frame, info


def run_vpc_command(
    observed: Path | None,
    spec_path: str,
    out: Path,
    dvid: str | None = None,
    replicates: int = 200,
    seed: int | None = None,
    bins: str = "auto",
    pred_corrected: bool = False,
    stratify: str | None = None,
    simulated_observed: int | None = None,
    ci: float = 0.95,
    pi: str = "0.05,0.5,0.95",
    log_y: bool | None = None,
) -> dict[str, Any]:
    """Check every input, simulate, compute, write the data outputs, then the figures."""
    import pandas as pd

    from brexsim.analysis.report import figure_to_png
    from brexsim.analysis.vpc import compute_vpc, get_bin_edges
    from brexsim.analysis.vpc.data import add_typical_prediction
    from brexsim.analysis.vpc.plot import plot_vpc
    from brexsim.analysis.vpc.report import build_vpc_html, get_vpc_summary
    from brexsim.io.outputs import atomic_output_dir, check_output_dir, draw_figures, write_json
    from brexsim.params import load_parameters
    from brexsim.provenance import make_provenance
    from brexsim.trial._spec_parts import OBSERVATION_DVIDS
    from brexsim.trial.observe import simulate_observations
    from brexsim.trial.spec import load_trial_spec

    levels, ci = _check_options(replicates, ci, pi, stratify)
    rule, n_bins = parse_bins(bins)
    if (observed is None) == (simulated_observed is None):
        raise input_error(
            "OBSERVED", observed, "an observed data file or --simulated-observed SEED (one)"
        )
    wanted = None
    if dvid is not None:
        wanted = _parse_list(dvid, "--dvid", f"names from {list(OBSERVATION_DVIDS)}")
        for d in wanted:
            if d not in OBSERVATION_DVIDS:
                raise input_error("--dvid", d, f"one of {list(OBSERVATION_DVIDS)}")
    spec = load_trial_spec(spec_path)
    seed = spec.seed if seed is None else seed
    for name, s in (("--seed", seed), ("--simulated-observed", simulated_observed)):
        if s is not None and not 0 <= s < 2**63:
            raise input_error(name, s, "an integer in [0, 2**63)")
    if simulated_observed is not None and simulated_observed == seed:
        raise input_error(
            "--simulated-observed",
            simulated_observed,
            f"a seed other than the simulations' ({seed}): replicate 0 would be the same study",
        )
    design = spec.observations.dvids if spec.observations is not None else OBSERVATION_DVIDS[1:]
    for d in wanted or ():
        if d not in design:
            raise input_error("--dvid", d, f"a quantity the spec observes: {list(design)}")
    check_output_dir(out)
    ps = load_parameters()
    need_arm = "--pred-corrected uses each arm's PRED" if pred_corrected else ""
    need_arm = "--stratify arm" if stratify else need_arm
    obs, info = _get_observed(observed, simulated_observed, spec, wanted, need_arm, ps)
    present = [d for d in OBSERVATION_DVIDS if d in set(obs["dvid"])]
    for d in wanted or ():
        if d not in present:
            raise input_error("--dvid", d, f"a quantity with observed records: {present}")
    dvids = wanted or [d for d in present if d in design]
    if not dvids:
        raise input_error("OBSERVED", info["source"], f"records of {list(design)} (the spec's)")
    for d in dvids:  # bad edges fail here, before the simulations
        get_bin_edges(obs.loc[obs["dvid"] == d, "time_h"].to_numpy(dtype=float), rule, n_bins)
    if observed is not None and pred_corrected:
        obs = add_typical_prediction(obs, spec, ps)
    for d in dvids if pred_corrected else ():
        if not (obs.loc[obs["dvid"] == d, "pred"] > 0).any():
            raise input_error(
                "--pred-corrected", d, "records with PRED > 0 (placebo concentrations have none)"
            )
    console.print(
        f"simulating {replicates} replicate studies of {spec.name} "
        f"({sum(a.n for a in spec.arms)} patients each, seed {seed}) ...",
        highlight=False,
    )
    sim = simulate_observations(spec, replicates=replicates, seed=seed, params=ps)
    arms = set(obs["arm"])
    if "" not in arms:
        sim = sim[sim["arm"].isin(arms)]
    results = [
        compute_vpc(
            obs, sim, d, rule, n_bins, levels, ci, pred_corrected, "arm" if stratify else None
        )
        for d in dvids
    ]
    prov = make_provenance(ps, seed=seed)
    input_info = {
        **{k: v for k, v in info.items() if k != "dvids"},
        "spec": spec.source or spec_path,
        "trial": spec.name,
        "simulated_replicates": replicates,
        "simulation_seed": seed,
        "observed_seed": simulated_observed,
        "observed_arms": sorted(a for a in arms if a) or "not given (pooled)",
        "simulated_arms": sorted(pd.unique(sim["arm"])),
    }
    figures = [f"vpc_{r.dvid}.png" for r in results]
    summary: dict[str, Any] = {
        "command": "vpc",
        "status": "complete",
        "figures": "pending",
        "outputs": {
            "data": list(VPC_DATA) + (["observed.csv"] if observed is None else []),
            "figures": [*figures, "report.html"],
        },
        "input": input_info,
        "settings": {
            "bins": bins,
            "pi": list(levels),
            "ci": ci,
            "pred_corrected": pred_corrected,
            "stratify": stratify,
        },
        "vpc": [get_vpc_summary(r) for r in results],
        "note": "research output: not dosing advice for any patient",
        "provenance": prov,
    }
    with atomic_output_dir(out) as tmp:
        table = pd.concat([r.to_frame() for r in results], ignore_index=True)
        table.to_csv(tmp / "vpc.csv", index=False, float_format="%.10g")
        if observed is None:
            obs.to_csv(tmp / "observed.csv", index=False, float_format="%.10g")
        write_json(tmp / "summary.json", summary)

    def figure_step(res: Any) -> Any:
        def step(folder: Path) -> None:
            fig = plot_vpc(res, log_y=log_y)
            (folder / f"vpc_{res.dvid}.png").write_bytes(figure_to_png(fig))

        return step

    def report_step(folder: Path) -> None:
        pngs = {r.dvid: (folder / f"vpc_{r.dvid}.png").read_bytes() for r in results}
        page = build_vpc_html(results, pngs, prov, input_info)
        (folder / "report.html").write_text(page, encoding="utf-8")

    steps = [(f, figure_step(r)) for f, r in zip(figures, results, strict=True)]
    steps.append(("report.html", report_step))
    return draw_figures(out, steps, summary)


def _print_summary(summary: dict[str, Any], out: Path) -> None:
    from rich.table import Table

    t = Table(title="visual predictive check (bins with the observed value inside the interval)")
    for c in ("dvid", "stratum", "records", "BLQ", "bins", "p-low", "median", "p-high"):
        t.add_column(c, justify="left" if c in ("dvid", "stratum") else "right")
    for v in summary["vpc"]:
        stats = [f"p{p * 100:g}" for p in v["pi"]]
        pick = [stats[0], "p50" if "p50" in stats else stats[len(stats) // 2], stats[-1]]
        for s in v["strata"]:
            cov = {c["statistic"]: c for c in v["coverage"] if c["stratum"] == s}
            cells = [f"{cov[k]['n_inside']}/{cov[k]['n_bins']}" if k in cov else "—" for k in pick]
            t.add_row(
                v["dvid"],
                s,
                str(v["observed_by_stratum"][s]["n"]),
                str(v["observed_by_stratum"][s]["n_blq"]),
                str(len(v["bin_edges_h"]) - 1),
                *cells,
            )
    console.print(t)
    if summary["vpc"]:
        v = summary["vpc"][0]
        console.print(
            f"if the model is right, about {v['expected_outside_fraction'] * 100:.1f} % of the "
            f"observed percentiles fall outside ({v['n_replicates']} replicates, "
            f"{v['ci'] * 100:g} % intervals; fewer with ties such as BLQ records or integer "
            "scores); misses come in runs, the bins share patients",
            highlight=False,
        )
    console.print(f"results written to {out}/ (vpc.csv, summary.json, vpc_<dvid>.png, report.html)")
    console.print("[dim]Research output, not dosing advice.[/]")


@app.command("vpc")
def vpc_command(
    spec: Annotated[
        str, typer.Option("--spec", help="Trial spec (file or shipped name) that simulates it.")
    ],
    out: Annotated[Path, typer.Option("--out", help="Output folder (data first, all or nothing).")],
    observed: Annotated[
        Path | None,
        typer.Argument(
            help="Observed data: NONMEM-style CSV (ID, TIME, DV, DVID [, ARM, EVID, MDV, "
            "BLQ|CENS, LLOQ]), long CSV (subject, time_h, dvid, dv [, arm, blq, lloq]) or "
            "Parquet (a trial's observations.parquet, one replicate). See docs/vpc.md."
        ),
    ] = None,
    dvid: Annotated[
        str | None, typer.Option("--dvid", help="Quantities, e.g. conc,hamd (default: all).")
    ] = None,
    replicates: Annotated[
        int, typer.Option("--replicates", help="Simulated replicate studies.")
    ] = 200,
    seed: Annotated[
        int | None, typer.Option("--seed", help="Seed of the simulations (default: the spec's).")
    ] = None,
    bins: Annotated[str, typer.Option("--bins", help=_BINS_ALLOWED + ".")] = "auto",
    pred_corrected: Annotated[
        bool, typer.Option("--pred-corrected", help="Prediction-corrected VPC (Bergstrand 2011).")
    ] = False,
    stratify: Annotated[
        str | None, typer.Option("--stratify", help="arm: one panel per arm.")
    ] = None,
    simulated_observed: Annotated[
        int | None,
        typer.Option(
            "--simulated-observed",
            help="Instead of OBSERVED: draw the observed study from the spec with this seed "
            "(a self-check of the VPC).",
        ),
    ] = None,
    ci: Annotated[float, typer.Option("--ci", help="Width of the simulated intervals.")] = 0.95,
    pi: Annotated[str, typer.Option("--pi", help="Percentile levels.")] = "0.05,0.5,0.95",
    log_y: Annotated[
        bool | None,
        typer.Option("--log-y/--linear-y", help="y axis (default: log for concentrations)."),
    ] = None,
) -> None:
    """Visual predictive check: observed percentiles over binned time against the spec's
    simulated intervals (vpc.csv, vpc_<dvid>.png, report.html, summary.json).

    Exit status 2: bad input (nothing written); 3: the data outputs are written but a figure or
    the report failed.
    """
    summary, figure_error = run_with_figures(
        run_vpc_command,
        observed,
        spec,
        out,
        dvid,
        replicates,
        seed,
        bins,
        pred_corrected,
        stratify,
        simulated_observed,
        ci,
        pi,
        log_y,
    )
    _print_summary(summary, out)
    if figure_error is not None:
        fail_figure(figure_error)
