"""Page layout of the web app (Shiny for Python): sidebar with regimen A and the patient, tabs
for the patient's layers, the ex vivo assay, the A-vs-B comparison, a population and notes."""

from __future__ import annotations

from shiny import module, ui

from brexsim.app.decision_ui import decision_panels
from brexsim.app.lactation import lactation_panel
from brexsim.app.logic import ASSAY_STIMULI, DELTA_STATE_LABELS, HORIZON_H, LIMITS
from brexsim.dosing import get_preset, get_preset_names
from brexsim.hypotheses import get_hypothesis_names

__all__ = ["app_ui", "regimen_editor_ui"]

_CSS = """
.brexsim-error { color: #842029; background: #f8d7da; border: 1px solid #f5c2c7;
  border-radius: .3rem; padding: .35rem .55rem; font-size: .85rem; margin: .3rem 0; }
.brexsim-note { color: #555; font-size: .8rem; }
.brexsim-status { font-size: .9rem; padding: .25rem .6rem; border-radius: .3rem;
  display: inline-block; }
.brexsim-status.warming { background: #fff3cd; color: #664d03; }
.brexsim-status.ready { background: #d1e7dd; color: #0f5132; }
.brexsim-status.failed { background: #f8d7da; color: #842029; }
.brexsim-table-buttons .btn { padding: .1rem .45rem; font-size: .8rem; margin-right: .25rem; }
.brexsim-stats { display: flex; flex-wrap: wrap; gap: .5rem; margin-bottom: .5rem; }
.brexsim-stat { flex: 1 1 130px; border: 1px solid #dee2e6; border-radius: .4rem;
  padding: .35rem .6rem; background: #f8f9fa; }
.brexsim-stat-title { font-size: .75rem; color: #555; }
.brexsim-stat-value { font-size: 1.3rem; font-weight: 600; }
"""


def _preset_choices() -> dict[str, str]:
    return {n: f"{n} ({get_preset(n).drug})" for n in get_preset_names()}


def _iv_presets() -> list[str]:
    return [n for n in get_preset_names() if get_preset(n).drug == "brexanolone"]


def _table_buttons(add_id: str, remove_id: str, what: str) -> ui.Tag:
    return ui.div(
        ui.input_action_button(add_id, f"+ {what}", class_="btn-outline-secondary"),
        ui.input_action_button(remove_id, "− last row", class_="btn-outline-secondary"),
        class_="brexsim-table-buttons",
    )


@module.ui
def regimen_editor_ui(default_preset: str) -> ui.TagList:
    """Preset picker, clock time, and editable tables (IV segments + interruptions, or oral
    doses); the inline message under the tables names any bad cell."""
    iv = ", ".join(f"'{n}'" for n in _iv_presets())
    is_iv = f"[{iv}].includes(input.preset)"  # module-local id: Shiny adds the namespace
    return ui.TagList(
        ui.input_select(
            "preset", "Preset (then edit the table)", _preset_choices(), selected=default_preset
        ),
        ui.input_numeric(
            "start_clock_h",
            "Clock time of the first dose (h after midnight)",
            value=get_preset(default_preset).start_clock_h,
            min=0,
            max=23.99,
            step=0.5,
        ),
        ui.panel_conditional(
            is_iv,
            ui.tags.b("Infusion segments (brexanolone, µg/kg/h)"),
            ui.output_data_frame("segments"),
            _table_buttons("add_segment", "remove_segment", "segment"),
            ui.tags.b("Interruptions"),
            ui.div(
                "Pause from start_h to end_h (blank: stopped for good); resume_rate in µg/kg/h "
                "(blank: as scheduled); reduce_later yes: cap later segments too.",
                class_="brexsim-note",
            ),
            ui.output_data_frame("interruptions"),
            _table_buttons("add_interruption", "remove_interruption", "interruption"),
        ),
        ui.panel_conditional(
            f"!({is_iv})",
            ui.tags.b("Oral doses (zuranolone, mg; with_food yes/no)"),
            ui.output_data_frame("oral"),
            _table_buttons("add_dose", "remove_dose", "dose"),
        ),
        ui.div(
            "Double-click a cell to edit it; Enter to confirm. Times in h from the first dose "
            f"(schedules end by day {LIMITS['max_schedule_h'] / 24:g}). A new infusion length "
            "compiles the monitoring rules once (a few seconds).",
            class_="brexsim-note",
        ),
        ui.output_ui("message"),
    )


def _patient_panel() -> ui.TagList:
    return ui.TagList(
        ui.input_numeric(
            "weight_kg",
            "Body weight (kg)",
            70,
            min=LIMITS["weight_min_kg"],
            max=LIMITS["weight_max_kg"],
            step=1,
        ),
        ui.input_numeric("hamd_baseline", "Baseline HAM-D-17", 28.6, min=0, max=52, step=1),
        ui.input_select(
            "delta_state", "δ-subunit expression state", DELTA_STATE_LABELS, selected="ppd"
        ),
        ui.input_radio_buttons(
            "sensitivity",
            "Receptor sensitivity (granule cells)",
            {"control": "control (EC50 12.9 nM)", "epileptic": "epileptic (EC50 92.7 nM)"},
            selected="control",
            inline=True,
        ),
        ui.input_checkbox("antidepressant", "Concomitant antidepressant", False),
        ui.input_checkbox("cns_depressant", "Other CNS depressant", False),
        ui.input_numeric(
            "sedation_sensitivity",
            "Sedation sensitivity (multiplier, typical 1)",
            1.0,
            min=LIMITS["sedation_sensitivity_min"],
            max=LIMITS["sedation_sensitivity_max"],
            step=0.5,
        ),
        ui.output_ui("baseline_cytokines_note"),
        ui.output_ui("patient_message"),
    )


def _value_boxes() -> ui.Tag:
    def box(title: str, out: str) -> ui.Tag:
        return ui.div(
            ui.div(title, class_="brexsim-stat-title"),
            ui.div(ui.output_text(out, inline=True), class_="brexsim-stat-value"),
            class_="brexsim-stat",
        )

    return ui.div(
        box("Cmax, plasma (ng/mL)", "cmax"),
        box("Peak free brain drug (nM)", "free_brain"),
        box("Peak tonic current (pA)", "tonic"),
        box("TNF-α, end of treatment (fold)", "tnf"),
        box("BDNF, day 30 (SD)", "bdnf"),
        box("HAM-D vs placebo, end of treatment", "hamd"),
        box("Infusion interruptions", "sedation"),
        class_="brexsim-stats",
    )


def _download_row(*items: tuple[str, str]) -> ui.Tag:
    return ui.div(
        *[ui.download_button(i, label, class_="btn-sm me-2") for i, label in items], class_="my-2"
    )


def app_ui() -> ui.Tag:
    """The page."""
    sidebar = ui.sidebar(
        ui.output_ui("status"),
        ui.accordion(
            ui.accordion_panel("Regimen A", regimen_editor_ui("a", "zulresso")),
            ui.accordion_panel("Patient and disease state", _patient_panel()),
            id="sidebar_panels",
            open=True,
            multiple=True,
        ),
        ui.input_radio_buttons(
            "download_format",
            "Download tables as",
            {"csv": "CSV", "parquet": "Parquet"},
            selected="csv",
            inline=True,
        ),
        width=420,
    )
    patient_tab = ui.nav_panel(
        "Patient",
        _value_boxes(),
        ui.output_ui("patient_error"),
        ui.output_plot("patient_plot", height="880px"),
        _download_row(
            ("download_patient", "Results (table)"),
            ("download_patient_png", "Figure (PNG)"),
            ("download_summary", "Summary (table)"),
        ),
        ui.layout_columns(
            ui.card(
                ui.card_header("Numbers (typical patient, expected values)"),
                ui.output_data_frame("summary_table"),
            ),
            ui.card(
                ui.card_header("Monitoring events (label rules, checks every 2 h)"),
                ui.output_data_frame("events_table"),
                ui.output_ui("events_note"),
            ),
            col_widths=(7, 5),
        ),
    )
    assay_tab = ui.nav_panel(
        "Ex vivo assay",
        ui.layout_columns(
            ui.input_slider(
                "assay_time_h", "Blood drawn at (h from the first dose)", 0, HORIZON_H, 60, step=1
            ),
            ui.input_select("assay_stimulus", "Stimulus", ASSAY_STIMULI, selected="LPS"),
            col_widths=(8, 4),
        ),
        ui.output_ui("assay_error"),
        ui.output_plot("assay_plot", height="380px"),
        ui.output_data_frame("assay_table"),
        ui.output_ui("assay_note"),
        _download_row(("download_assay", "Assay (table)"), ("download_assay_png", "Figure (PNG)")),
    )
    compare_tab = ui.nav_panel(
        "Compare A vs B",
        ui.layout_columns(
            ui.card(ui.card_header("Regimen B"), regimen_editor_ui("b", "zuranolone-50mg")),
            ui.card(
                ui.card_header("Same patient, regimen A vs B"),
                ui.output_ui("compare_error"),
                ui.output_data_frame("compare_table"),
            ),
            col_widths=(4, 8),
        ),
        ui.output_plot("compare_plot", height="880px"),
        _download_row(
            ("download_compare", "Comparison (table)"), ("download_compare_png", "Figure (PNG)")
        ),
    )
    population_tab = ui.nav_panel(
        "Population",
        ui.layout_columns(
            ui.input_numeric(
                "pop_n",
                f"Patients per arm (1-{int(LIMITS['max_population'])})",
                50,
                min=1,
                max=LIMITS["max_population"],
                step=1,
            ),
            ui.input_numeric("pop_seed", "Seed", 1, min=0, max=LIMITS["max_seed"], step=1),
            ui.input_checkbox("pop_placebo", "With a placebo arm", True),
            ui.input_checkbox("pop_pk_iiv", "PK variability (population model)", True),
            ui.input_select(
                "pop_hypothesis",
                "Mechanism hypothesis",
                {n: n for n in get_hypothesis_names()},
                selected="gaba",
            ),
            ui.div(
                ui.input_action_button("pop_run", "Run population", class_="btn-primary"),
                ui.input_action_button("pop_cancel", "Cancel", class_="btn-outline-secondary"),
                class_="mt-4",
            ),
            col_widths=(3, 2, 3, 4),
        ),
        ui.div(
            "Regimen A for a Study 1-like population (weights, baseline HAM-D, "
            "concomitant antidepressants and every layer's variability sampled from the "
            "parameter tables); the patient panel's receptor sensitivity applies.",
            class_="brexsim-note",
        ),
        ui.output_ui("pop_message"),
        ui.output_ui("pop_progress"),
        ui.output_data_frame("pop_rates"),
        ui.output_plot("pop_plot", height="640px"),
        _download_row(
            ("download_pop_patients", "Patients (table)"),
            ("download_pop_percentiles", "Percentiles (table)"),
            ("download_pop_png", "Figure (PNG)"),
        ),
    )
    about_tab = ui.nav_panel("About", ui.output_ui("about"))
    return ui.page_sidebar(
        sidebar,
        ui.tags.head(ui.tags.style(_CSS)),
        ui.navset_card_underline(
            patient_tab,
            assay_tab,
            compare_tab,
            population_tab,
            lactation_panel(),
            *decision_panels(),
            about_tab,
            id="tabs",
        ),
        title="brexsim",
        window_title="brexsim",
        fillable=False,
    )
