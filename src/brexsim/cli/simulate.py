"""``brexsim simulate``: one patient's exposure under a regimen.

The body weight is ``--weight-kg`` when given, else the ``WT`` of a NONMEM regimen file, else
:data:`DEFAULT_WEIGHT_KG`; an explicit ``--weight-kg`` that differs from the file's ``WT`` wins
and a warning line says so. Weights must lie in
:data:`brexsim.dosing.weights.WEIGHT_RANGE_KG`. Summary metrics that cannot be computed (a
horizon that ends mid-dosing has no terminal phase: no t½, no AUCinf) are ``null`` in
``summary.json`` and ``not_available`` says why. The data (``timeseries.parquet``,
``layers.parquet``, ``summary.json``) are written before the figures; a failing figure exits 3
with the data in place.

``--params FILE``: a parameter overlay file (:mod:`brexsim.params.overlay`, e.g. the
``fitted_parameters.toml`` of ``brexsim fit``) applied after the ``--hypothesis`` overlay
(packaged tables, then the hypothesis, then the file). The provenance then carries the new
parameter hash (hypothesis ``"custom"``) and ``parameter_file`` (path, SHA-256, its ``[meta]``),
also recorded as ``summary.json["parameter_file"]``.
"""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from brexsim.cli._app import app, console
from brexsim.cli._options import HYPOTHESIS_OPTION, PARAMS_FILE_OPTION
from brexsim.cli._outputs import fail_figure, run_with_figures
from brexsim.errors import input_error

#: Body weight when neither --weight-kg nor a NONMEM WT is given, kg: the typical patient of
#: the model (brexsim.population.get_typical_population, the 70-kg reference of the calibrations).
DEFAULT_WEIGHT_KG = 70.0
#: Most output points of one simulation (horizon / dt-h + 1): bounds memory (the long
#: timeseries table has 7 rows per point, about 50 bytes each: ~0.7 GB at this bound).
MAX_OUTPUT_POINTS = 2_000_000
#: timeseries.parquet variable names as in layers.parquet / visits.parquet (the model's names).
_CANONICAL_NAMES = {
    "drug_biophase_free": "biophase_free_drug",
    "endogenous_biophase_free": "biophase_free_endogenous",
    "drug_free_plasma": "plasma_free_drug",
}


def get_regimen_and_weight(
    regimen: str, weight_kg: float | None
) -> tuple[Any, float, str, str | None]:
    """``(regimen, weight kg, where the weight came from, warning or None)``.

    >>> r, w, src, warn = get_regimen_and_weight("zulresso", None)
    >>> w, src, warn
    (70.0, 'default', None)
    """
    from brexsim.dosing import get_preset_names, load_regimen
    from brexsim.dosing.nonmem import read_nonmem
    from brexsim.dosing.weights import check_weight_kg

    p = Path(regimen)
    file_wt = None
    nonmem = p.suffix.lower() in {".csv", ".txt", ".dat"} and p.is_file()
    if nonmem and regimen not in get_preset_names():
        ds = read_nonmem(p)
        if len(ds.regimens) != 1:
            raise input_error(
                "ID", sorted(ds.regimens), "exactly one ID in a file used as one regimen"
            )
        sid, reg = next(iter(ds.regimens.items()))
        file_wt = ds.weights_kg.get(sid)
    else:
        reg = load_regimen(regimen)
    if weight_kg is None:
        if file_wt is not None:
            return reg, file_wt, f"WT of {p.name}", None
        return reg, DEFAULT_WEIGHT_KG, "default", None
    w = check_weight_kg(weight_kg, "--weight-kg")
    warning = None
    if file_wt is not None and w != file_wt:
        warning = f"--weight-kg {w:g} overrides WT {file_wt:g} kg of {p.name}" + (
            " (its infusion rates, mg/h at that WT, are simulated as the same µg/kg/h)"
            if reg.segments
            else ""
        )
    return reg, w, "--weight-kg", warning


def check_output_points(horizon_h: float, dt_h: float) -> None:
    """Refuse a grid of more than :data:`MAX_OUTPUT_POINTS` points (``--dt-h`` too small).

    >>> check_output_points(300.0, 1e-9)
    Traceback (most recent call last):
    ...
    brexsim.errors.BrexsimInputError: invalid --dt-h=1e-09: a step >= 0.00015 h for a 300-h \
horizon (at most 2,000,000 output points)
    """
    if not (isinstance(dt_h, int | float) and math.isfinite(dt_h) and dt_h > 0):
        raise input_error("--dt-h", dt_h, "a positive, finite step in h")
    if math.isfinite(horizon_h) and horizon_h > 0 and horizon_h / dt_h + 1 > MAX_OUTPUT_POINTS:
        smallest = horizon_h / (MAX_OUTPUT_POINTS - 1)
        raise input_error(
            "--dt-h",
            dt_h,
            f"a step >= {smallest:.2g} h for a {horizon_h:g}-h horizon "
            f"(at most {MAX_OUTPUT_POINTS:,} output points)",
        )


def get_unavailable(summary: dict[str, Any], reg, horizon_h: float) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Set the metrics that cannot be computed to ``None`` in ``summary``; ``{key: reason}``."""
    end = reg.end_of_treatment_h
    out: dict[str, str] = {}
    lz = summary.get("lambda_z_per_h")
    if summary.get("t_half_h") is None or lz is None or not math.isfinite(lz):
        why = (
            f"the horizon ({horizon_h:g} h) ends before the end of dosing ({end:g} h): no "
            "terminal phase to fit"
            if horizon_h <= end
            else "fewer than 3 positive concentrations after the end of dosing: no terminal "
            "phase to fit"
        )
        for k in ("lambda_z_per_h", "t_half_h", "auc_inf_ng_h_per_ml"):
            out[k] = why
    lo, hi = summary.get("cavg_window_h", (0.0, 0.0))
    if hi > horizon_h + 1e-9:
        out["cavg_ng_per_ml"] = (
            f"the Cavg window {lo:g}-{hi:g} h extends past the horizon ({horizon_h:g} h)"
        )
        if "accumulation_ratio" in summary:
            out["accumulation_ratio"] = out["cavg_ng_per_ml"]
    for k, v in summary.items():
        if isinstance(v, float) and not math.isfinite(v) and k not in out:
            out[k] = "not computable from this profile"
    for k in out:
        if k in summary:
            summary[k] = None
    return out


def run_simulate(
    regimen: str,
    drug: str | None,
    weight_kg: float | None,
    horizon_h: float | None,
    dt_h: float,
    out: Path,
    layers: bool = True,
    hypothesis: str = "gaba",
    params_file: Path | None = None,
) -> dict:
    """Simulate, write ``summary.json``, ``timeseries.parquet`` and ``concentration.png``; with
    ``layers`` also every layer for a typical patient of this weight to day 30 after treatment
    (``layers.parquet``, ``layers.png``, ``summary.json["layers"]``) beside a placebo reference.
    Data first, then the figures (:func:`brexsim.io.outputs.draw_figures`). ``hypothesis``:
    the mechanism hypothesis of the layers (:mod:`brexsim.hypotheses`; recorded in provenance);
    ``params_file``: a parameter overlay file applied after it (see the module docstring)."""
    import pandas as pd

    from brexsim.hypotheses import apply_hypothesis
    from brexsim.hypotheses.registry import DEFAULT_HYPOTHESIS
    from brexsim.io.outputs import (
        atomic_output_dir,
        check_output_dir,
        draw_figures,
        to_long_frame,
        write_json,
    )
    from brexsim.params import apply_parameter_file, load_parameters
    from brexsim.params.overlay import get_parameter_file_record
    from brexsim.pk import get_default_times, get_exposure_summary, simulate_pk
    from brexsim.pk.brexanolone import get_brexanolone_pk
    from brexsim.provenance import make_provenance
    from brexsim.report.pk_plot import plot_pk

    out = check_output_dir(out)
    reg, weight_kg, weight_source, warning = get_regimen_and_weight(regimen, weight_kg)
    if drug is not None:
        if drug not in ("brexanolone", "zuranolone"):
            raise input_error("--drug", drug, "brexanolone or zuranolone")
        if drug != reg.drug:
            reg = replace(reg, drug=drug)  # re-validated: IV/oral must fit the drug
    h = reg.end_of_treatment_h + 240.0 if horizon_h is None else float(horizon_h)
    check_output_points(h, dt_h)
    if warning:
        console.print(f"[yellow]warning:[/] {warning}", highlight=False)
    ps = apply_hypothesis(load_parameters(), hypothesis)
    file_record = None
    if params_file is not None:  # after the hypothesis: packaged tables, overlay, file
        ps = apply_parameter_file(ps, params_file)
        file_record = {**get_parameter_file_record(params_file), "hypothesis": hypothesis}
    t = get_default_times(reg, horizon_h, dt_h)
    res = simulate_pk(reg, weight_kg, t, ps)
    summary = get_exposure_summary(res, reg)
    if reg.drug == "brexanolone":
        summary["vss_L_per_kg"] = get_brexanolone_pk(weight_kg, ps).vss_L / weight_kg
    summary.update(
        {
            "weight_source": weight_source,
            "regimen": reg.name,
            "hypothesis": hypothesis,
            "setting": reg.setting,
            "start_clock_h": reg.start_clock_h,
            "end_of_treatment_h": reg.end_of_treatment_h,
            "horizon_h": float(t[-1]),
            "note": "concentrations are drug-attributable (endogenous excluded) unless named total",
        }
    )
    summary["not_available"] = get_unavailable(summary, reg, float(t[-1]))
    if warning:
        summary["warnings"] = [warning]
    if file_record is not None:
        summary["parameter_file"] = file_record
    # the overlay is in ps already; naming the hypothesis again would re-apply it over the file
    layer_hypothesis = hypothesis if file_record is None else DEFAULT_HYPOTHESIS
    sims = _simulate_layers(reg, weight_kg, ps, layer_hypothesis) if layers else None
    if sims is not None:
        summary["layers"] = _layer_summary(reg, *sims)
    summary.update(
        {
            "status": "complete",
            "figures": "pending",
            "provenance": make_provenance(
                ps, seed=None, hypothesis=hypothesis if file_record is None else None
            ),
        }
    )
    if file_record is not None:
        summary["provenance"]["parameter_file"] = file_record
    series = {_CANONICAL_NAMES.get(k, k): v for k, v in res.get_series().items()}
    with atomic_output_dir(out) as tmp:
        to_long_frame(t, series, subject=0, arm=reg.name).to_parquet(
            tmp / "timeseries.parquet", index=False
        )
        if sims is not None:
            drug_res, pbo_res = sims
            pd.concat(
                [drug_res.to_long_frame(reg.name), pbo_res.to_long_frame("placebo reference")],
                ignore_index=True,
            ).to_parquet(tmp / "layers.parquet", index=False)
        write_json(tmp / "summary.json", summary)
    steps = [("concentration.png", lambda d: plot_pk(res, reg, d / "concentration.png"))]
    if sims is not None:
        from brexsim.report.layers_plot import plot_layers

        title = f"{reg.name}: every layer, typical {weight_kg:g}-kg patient"
        steps.append(
            (
                "layers.png",
                lambda d: plot_layers(sims[0], d / "layers.png", placebo=sims[1], title=title),
            )
        )
    return draw_figures(out, steps, summary)


def _simulate_layers(reg, weight_kg: float, ps, hypothesis: str = "gaba"):  # type: ignore[no-untyped-def]
    """The assembled model for a typical patient of this weight, and its placebo reference
    (``ps`` already carries the hypothesis overlay; applying it again changes nothing)."""
    from dataclasses import replace as _replace

    import numpy as np

    from brexsim.dosing import get_preset
    from brexsim.model import simulate
    from brexsim.population import get_typical_population

    pop = get_typical_population(0)
    pop = _replace(pop, weight_kg=np.array([float(weight_kg)]))
    t = np.arange(0.0, reg.end_of_treatment_h + 720.0 + 0.5, 1.0)
    drug = simulate(reg, pop, times_h=t, params=ps, hypothesis=hypothesis)
    pbo = simulate(
        get_preset("placebo" if reg.is_iv else "placebo-oral"),
        pop,
        times_h=t,
        params=ps,
        hypothesis=hypothesis,
    )
    return drug, pbo


def _layer_summary(reg, drug, pbo) -> dict:  # type: ignore[no-untyped-def]
    import numpy as np

    t = drug.time_h
    end = reg.end_of_treatment_h

    def at(res, name, h):  # type: ignore[no-untyped-def]
        return float(res.get(name)[0, int(np.searchsorted(t, h))])

    d30 = min(end + 720.0, float(t[-1]))
    return {
        "patient": "typical (random effects at typical values)",
        "tone_index_max": float(drug.get("tone_index").max()),
        "tnf_fold_end_of_treatment": at(drug, "tnf_fold", end),
        "tnf_fold_day7": at(drug, "tnf_fold", 168.0),
        "il6_fold_end_of_treatment": at(drug, "il6_fold", end),
        "bdnf_change_sd_end_of_treatment": at(drug, "bdnf_change_sd", end),
        "bdnf_change_sd_day30": at(drug, "bdnf_change_sd", 720.0),
        "hamd_baseline": float(drug.get("hamd_expected")[0, 0]),
        "hamd_expected_change_end_of_treatment": at(drug, "hamd_expected", end)
        - float(drug.get("hamd_expected")[0, 0]),
        "hamd_expected_change_end_of_treatment_placebo": at(pbo, "hamd_expected", end)
        - float(pbo.get("hamd_expected")[0, 0]),
        "hamd_expected_change_day30": at(drug, "hamd_expected", 720.0)
        - float(drug.get("hamd_expected")[0, 0]),
        "hamd_expected_change_day30_placebo": at(pbo, "hamd_expected", 720.0)
        - float(pbo.get("hamd_expected")[0, 0]),
        "monitoring_events": list(drug.events[0]),
        "horizon_h": float(d30),
    }


@app.command("simulate")
def simulate_command(
    regimen: str = typer.Option(..., "--regimen", help="Preset name, regimen .toml or NONMEM .csv"),
    drug: str = typer.Option(None, "--drug", help="brexanolone or zuranolone (default: regimen's)"),
    weight_kg: float = typer.Option(
        None,
        "--weight-kg",
        help=f"Body weight, kg (default: WT of a NONMEM regimen file, else {DEFAULT_WEIGHT_KG:g})",
    ),
    horizon_h: float = typer.Option(None, "--horizon-h", help="Horizon, h (default end + 240)"),
    dt_h: float = typer.Option(0.25, "--dt-h", help="Output step, h"),
    out: Path = typer.Option(Path("results/simulate"), "--out", help="Output folder"),
    layers: bool = typer.Option(
        True, "--layers/--pk-only", help="Also simulate every layer (tone, cytokines, BDNF, HAM-D)"
    ),
    hypothesis: str = HYPOTHESIS_OPTION,
    params_file: Path = PARAMS_FILE_OPTION,
) -> None:
    """Simulate one patient: prints a summary; writes summary.json, Parquet and a PNG (exit 3:
    data written, a figure failed)."""
    s, figure_error = run_with_figures(
        run_simulate, regimen, drug, weight_kg, horizon_h, dt_h, out, layers, hypothesis,
        params_file,
    )  # fmt: skip
    table = Table(title=f"brexsim simulate — {s['regimen']} ({s['drug']}, {s['weight_kg']:g} kg)")
    table.add_column("metric")
    table.add_column("value", justify="right")
    rows = [
        ("Cmax (drug), ng/mL", s["cmax_ng_per_ml"]),
        ("tmax, h", s["tmax_h"]),
        ("AUCinf, ng·h/mL", s["auc_inf_ng_h_per_ml"]),
        ("Cavg, ng/mL", s["cavg_ng_per_ml"]),
        ("terminal t½, h", s["t_half_h"]),
        ("max free biophase (drug), nM", s["max_biophase_free_nM"]),
    ]
    if "vss_L_per_kg" in s:
        rows.append(("Vss, L/kg", s["vss_L_per_kg"]))
    if "accumulation_ratio" in s:
        rows += [
            ("accumulation ratio", s["accumulation_ratio"]),
            ("tmax first dose, h", s["tmax_first_dose_h"]),
        ]
    for k, v in rows:
        table.add_row(k, "—" if v is None else f"{v:.4g}")
    console.print(table)
    if "layers" in s:
        ly = s["layers"]
        lt = Table(title="every layer (typical patient; expected values)")
        lt.add_column("layer output")
        lt.add_column("value", justify="right")
        for k, v in (
            ("GABAergic tone index, max (0 PPD, 1 healthy)", ly["tone_index_max"]),
            ("plasma TNF-α fold, end of treatment", ly["tnf_fold_end_of_treatment"]),
            ("plasma TNF-α fold, day 7", ly["tnf_fold_day7"]),
            ("serum BDNF change (SD), day 30", ly["bdnf_change_sd_day30"]),
            ("HAM-D change, end of treatment", ly["hamd_expected_change_end_of_treatment"]),
            ("   placebo reference", ly["hamd_expected_change_end_of_treatment_placebo"]),
            ("HAM-D change, day 30", ly["hamd_expected_change_day30"]),
            ("   placebo reference", ly["hamd_expected_change_day30_placebo"]),
        ):
            lt.add_row(k, f"{v:.3g}")
        console.print(lt)
    files = "summary.json, timeseries.parquet, concentration.png"
    if "layers" in s:
        files += ", layers.parquet, layers.png"
    for k, why in s.get("not_available", {}).items():
        console.print(f"[dim]{k} not available: {why}[/]", highlight=False)
    if "parameter_file" in s:
        pf = s["parameter_file"]
        console.print(f"parameters: {pf['file']} (sha256 {pf['sha256'][:16]}…, parameter hash "
                      f"{s['provenance']['parameter_hash']})", highlight=False)  # fmt: skip
    console.print(f"results written to {out}/ ({files})")
    console.print("[dim]Research output, not dosing advice.[/]")
    if figure_error is not None:
        fail_figure(figure_error)
