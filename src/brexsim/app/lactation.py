"""The Lactation tab: milk concentration, infant dose and relative infant dose (RID) of regimen A.

:func:`run_lactation`, :func:`get_lactation_table`, :func:`get_lactation_frame` and
:func:`plot_lactation` are plain functions of plain inputs (tested without a browser,
``tests/app/test_lactation_panel.py``); ``brexsim lactation`` uses the same figure.
:func:`lactation_panel` is the tab's layout and :func:`lactation_server` its reactive wiring,
called from :mod:`brexsim.app.ui` and :mod:`brexsim.app.server`.

The computation is :func:`brexsim.pk.lactation.simulate_lactation` for the typical mother of the
sidebar's weight under regimen A *as scheduled* (the monitoring rules' stops are not applied: the
closed-form PK is cheap, so the tab does not wait for the model to compile).
"""

from __future__ import annotations

import math
from typing import Any

import matplotlib

matplotlib.use("Agg")
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from brexsim.app.common import get_app_parameters
from brexsim.dosing import Regimen
from brexsim.errors import input_error
from brexsim.params import ParameterSet
from brexsim.pk.lactation import (
    LACTATION_DISCLAIMER,
    LactationResult,
    get_label_rid_references,
    simulate_lactation,
)

__all__ = [
    "get_lactation_frame",
    "get_lactation_table",
    "lactation_panel",
    "lactation_server",
    "plot_lactation",
    "run_lactation",
]


def run_lactation(
    regimen: Regimen, weight_kg: float, threshold_ng_per_ml: Any, params: ParameterSet | None = None
) -> LactationResult:
    """Lactation outputs of the typical mother; a blank or non-numeric threshold is an error.

    >>> from brexsim.dosing import get_preset
    >>> run_lactation(get_preset("zulresso"), 70.0, 5.0).dosing_end_h
    60.0
    """
    if not isinstance(regimen, Regimen):
        raise input_error("regimen", type(regimen).__name__, "a Regimen")
    ok = isinstance(threshold_ng_per_ml, int | float) and not isinstance(threshold_ng_per_ml, bool)
    if not ok or not math.isfinite(threshold_ng_per_ml) or threshold_ng_per_ml <= 0:
        raise input_error("milk threshold", threshold_ng_per_ml, "a concentration > 0 ng/mL")
    return simulate_lactation(
        regimen, weight_kg, params=params, threshold_ng_per_ml=float(threshold_ng_per_ml)
    )


def _fmt(v: float | None, spec: str, none: str) -> str:
    return none if v is None else format(v, spec)


def get_lactation_table(res: LactationResult) -> pd.DataFrame:
    """The numbers the tab shows: ``metric, value, unit`` (values formatted as text).

    >>> from brexsim.dosing import get_preset
    >>> list(get_lactation_table(run_lactation(get_preset("zulresso"), 70.0, 5.0)).columns)
    ['metric', 'value', 'unit']
    """
    s = res.get_summary()
    after = f"after the end of dosing ({res.dosing_end_h:g} h)"
    rows = [
        ("milk:plasma ratio (applied to the time course)", f"{res.milk_plasma_ratio:.3g}", "1"),
        ("maximum milk concentration", f"{res.max_milk_ng_per_ml:.3g}", "ng/mL"),
        (
            "maximum infant daily dose (24-h window)",
            f"{s['max_infant_daily_dose_ug_per_kg']:.3g}",
            "µg/kg/day",
        ),
        ("maximum RID (24-h windows inside dosing)", _fmt(res.max_rid_pct, ".3g", "—"), "%"),
    ]
    if res.max_rid_instantaneous_pct is not None:
        rows.append(
            (
                "maximum instantaneous RID while infusing",
                f"{res.max_rid_instantaneous_pct:.3g}",
                "%",
            )
        )
    if res.steady_state_infant_daily_dose_ug_per_kg is not None:
        rows += [
            (
                "steady-state infant daily dose (last interval)",
                f"{res.steady_state_infant_daily_dose_ug_per_kg:.3g}",
                "µg/kg/day",
            ),
            ("steady-state RID", _fmt(res.steady_state_rid_pct, ".3g", "—"), "%"),
        ]
    rows += [
        (
            f"milk below {res.threshold_ng_per_ml:g} ng/mL {after}",
            _fmt(res.time_below_threshold_h, ".1f", "not within the horizon"),
            "h",
        ),
        (
            "cumulative infant dose (whole horizon)",
            f"{res.cumulative_infant_dose_ug_per_kg:.3g}",
            "µg/kg",
        ),
    ]
    if "infant_absorbed_dose_upper_bound_ug_per_kg_day" in s:
        rows.append(
            (
                "infant absorbed dose, upper bound (oral F < 5 %)",
                f"{s['infant_absorbed_dose_upper_bound_ug_per_kg_day']:.3g}",
                "µg/kg/day",
            )
        )
    return pd.DataFrame(rows, columns=["metric", "value", "unit"])


def get_lactation_frame(res: LactationResult, params: ParameterSet | None = None) -> pd.DataFrame:
    """The time course as a table (units in the column names), provenance in ``attrs``."""
    from brexsim.provenance import make_provenance

    frame = pd.DataFrame(res.get_columns())
    frame.insert(0, "regimen", res.regimen_name)
    frame.attrs["provenance"] = make_provenance(
        params or get_app_parameters(), seed=None, command="brexsim app (Lactation tab)"
    )
    return frame


def _shade_dosing(ax: Any, regimen: Regimen | None) -> None:
    if regimen is None:
        return
    for s in regimen.segments:
        if s.rate_ug_per_kg_h > 0:
            ax.axvspan(s.start_h, s.end_h, color="C0", alpha=0.03 + s.rate_ug_per_kg_h / 3000, lw=0)
    for d in regimen.oral_doses:
        ax.axvline(d.time_h, color="0.85", lw=0.5, zorder=0)


def plot_lactation(res: LactationResult, regimen: Regimen | None = None) -> Figure:
    """Three panels: plasma and milk (threshold line), infant dose (instantaneous and 24-h),
    rolling RID with the published values (band or line); dosing shaded when ``regimen`` is given.
    """
    fig = Figure(figsize=(9, 8.2), layout="tight")
    ax1, ax2, ax3 = fig.subplots(3, 1, sharex=True)
    t = res.times
    ax1.plot(t, res.plasma, color="tab:blue", lw=1.4, label="plasma (mother, drug)")
    ax1.plot(
        t, res.milk, color="tab:purple", lw=1.6, label=f"milk (M/P {res.milk_plasma_ratio:.3g})"
    )
    ax1.axhline(
        res.threshold_ng_per_ml,
        color="0.4",
        lw=0.8,
        ls="--",
        label=f"threshold {res.threshold_ng_per_ml:g} ng/mL",
    )
    if res.time_below_threshold_h is not None:
        ax1.axvline(res.dosing_end_h + res.time_below_threshold_h, color="0.4", lw=0.8, ls=":")
    ax1.set_ylabel("ng/mL", fontsize=8)
    ax1.set_title(f"{res.drug} in plasma and milk", fontsize=9, loc="left")
    ax2.plot(t, res.infant_dose_rate, color="tab:orange", lw=1.0, label="instantaneous rate")
    ax2.plot(t, res.infant_daily_dose, color="tab:red", lw=1.6, label="ingested over last 24 h")
    ax2.set_ylabel("µg/kg/day", fontsize=8)
    ax2.set_title("Infant dose via milk (150 mL/kg/day)", fontsize=9, loc="left")
    ax3.plot(t, res.rid_pct, color="k", lw=1.6, label="model, 24-h windows inside dosing")
    refs = get_label_rid_references(res.drug)
    for k, ref in enumerate(refs):
        colour = ("tab:green", "tab:olive")[k % 2]
        if ref["high"] > ref["low"]:
            ax3.axhspan(ref["low"], ref["high"], color=colour, alpha=0.18, label=ref["label"])
        else:
            ax3.axhline(ref["low"], color=colour, lw=1.0, ls="--", label=ref["label"])
    ax3.set_ylabel("RID (%)", fontsize=8)
    ax3.set_xlabel("time from the first dose (h)", fontsize=8)
    ax3.set_title("Relative infant dose", fontsize=9, loc="left")
    finite = res.rid_pct[np.isfinite(res.rid_pct)]
    top = max([r["high"] for r in refs] + [float(finite.max()) if finite.size else 0.0])
    ax3.set_ylim(0, 1.25 * top)
    for ax in (ax1, ax2, ax3):
        _shade_dosing(ax, regimen)
        ax.legend(loc="upper right", fontsize=7)
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.25, lw=0.5)
    ax3.set_xlim(0, min(float(t[-1]), res.dosing_end_h + 144.0))
    fig.suptitle(f"{res.regimen_name}: lactation, typical {res.weight_kg:g}-kg mother", fontsize=11)
    fig.text(0.995, 0.003, LACTATION_DISCLAIMER, ha="right", va="bottom", fontsize=7, color="0.4")
    return fig


# ------------------------------------------------------------------------------ Shiny wiring
def lactation_panel() -> Any:
    """The tab (a ``nav_panel``): threshold input, numbers, figure, downloads."""
    from shiny import ui

    default = get_app_parameters().value("lactation.brexanolone_milk_loq_ng_per_ml")
    return ui.nav_panel(
        "Lactation",
        ui.layout_columns(
            ui.input_numeric("lact_threshold", "Milk threshold (ng/mL)", default, min=0, step=0.5),
            ui.div(
                "Regimen A as scheduled, typical mother of the sidebar's weight. Milk = "
                "milk:plasma ratio × plasma; infant dose at 150 mL/kg/day; RID = infant dose ÷ "
                "maternal dose (both per kg) over 24-h windows inside the dosing period. "
                "Default threshold: the 5 ng/mL brexanolone milk assay limit.",
                class_="brexsim-note",
            ),
            col_widths=(3, 9),
        ),
        ui.output_ui("lact_message"),
        ui.output_data_frame("lact_table"),
        ui.output_plot("lact_plot", height="720px"),
        ui.div(
            ui.download_button("download_lactation", "Lactation (table)", class_="btn-sm me-2"),
            ui.download_button("download_lactation_png", "Figure (PNG)", class_="btn-sm me-2"),
            class_="my-2",
        ),
        ui.div(LACTATION_DISCLAIMER, class_="brexsim-note", id="lactation-note"),
    )


def lactation_server(input: Any, reg_calc: Any, settings_calc: Any, fmt: Any) -> None:
    """Register the tab's outputs in the running session (call from the server function).

    ``reg_calc`` and ``settings_calc`` are the server's ``(value, message)`` calcs for regimen A
    and the patient; ``fmt()`` the chosen download format.
    """
    from shiny import reactive, render, req

    from brexsim.app.logic import to_bytes
    from brexsim.app.plots import figure_png
    from brexsim.app.server_common import _error_box, _guarded

    @reactive.calc
    def lactation() -> tuple[Any, str | None]:
        reg, err = reg_calc()
        s, err2 = settings_calc()
        if err or err2:
            return None, err or err2
        return _guarded(
            run_lactation, reg, s.weight_kg, input.lact_threshold(), get_app_parameters()
        )

    def need() -> tuple[LactationResult, Regimen]:
        res, _ = lactation()
        req(res is not None)
        return res, reg_calc()[0]

    @render.ui
    def lact_message() -> Any:
        return _error_box(lactation()[1])

    @render.data_frame
    def lact_table() -> Any:
        return render.DataGrid(get_lactation_table(need()[0]), summary=False, width="100%")

    @render.plot(alt="Plasma and milk, infant dose, relative infant dose over time")
    def lact_plot() -> Any:
        return plot_lactation(*need())

    @render.download_button(filename=lambda: f"brexsim_lactation.{fmt()}")
    def download_lactation() -> Any:
        yield to_bytes(get_lactation_frame(need()[0]), fmt())

    @render.download_button(filename="brexsim_lactation.png")
    def download_lactation_png() -> Any:
        yield figure_png(plot_lactation(*need()))
