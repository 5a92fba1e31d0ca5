"""Server module of the regimen editor (one per regimen, ids ``a-*`` and ``b-*``): preset
loading, the editable infusion / oral / interruption tables, adding and removing rows, and the
parsed regimen with its inline message.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from shiny import Inputs, Outputs, Session, module, reactive, render, ui

from brexsim.app.common import format_error
from brexsim.app.regimen_tables import (
    add_table_row,
    build_regimen,
    get_preset_tables,
    remove_table_row,
)
from brexsim.app.server_common import _clean_cell, _error_box, _guarded
from brexsim.dosing import get_preset_names
from brexsim.errors import BrexsimInputError, input_error

__all__ = ["regimen_editor_server"]


def _grid(frame: pd.DataFrame) -> render.DataGrid:
    return render.DataGrid(frame, editable=True, summary=False, width="100%")


@module.server
def regimen_editor_server(
    input: Inputs, output: Outputs, session: Session, default_preset: str
) -> Any:
    """Editor tables and preset loading; returns a calc giving ``(Regimen | None, message)``."""
    names = tuple(get_preset_names())
    first = get_preset_tables(default_preset)
    drug = reactive.value(first.drug)
    seg_v = reactive.value(first.segments)
    oral_v = reactive.value(first.oral)
    int_v = reactive.value(first.interruptions)
    row_message = reactive.value("")

    @reactive.effect
    @reactive.event(input.preset, ignore_init=True)
    def _load_preset() -> None:
        name = input.preset()
        if name not in names:
            row_message.set(format_error(input_error("preset", name, f"one of {list(names)}")))
            return
        tb = get_preset_tables(name)
        drug.set(tb.drug)
        seg_v.set(tb.segments)
        oral_v.set(tb.oral)
        int_v.set(tb.interruptions)
        row_message.set("")
        ui.update_numeric("start_clock_h", value=tb.start_clock_h)

    @render.data_frame
    def segments() -> render.DataGrid:
        return _grid(seg_v())

    @render.data_frame
    def oral() -> render.DataGrid:
        return _grid(oral_v())

    @render.data_frame
    def interruptions() -> render.DataGrid:
        return _grid(int_v())

    for grid in (segments, oral, interruptions):
        grid.set_patch_fn(lambda *, patch: _clean_cell(patch["value"]))

    def view(grid: Any, fallback: pd.DataFrame) -> pd.DataFrame:
        try:
            v = grid.data_view()
        except Exception:  # not rendered yet (hidden table): the stored frame is current
            return fallback
        return v if isinstance(v, pd.DataFrame) else fallback

    def edit_rows(grid: Any, value: Any, kind: str, add: bool) -> None:
        with reactive.isolate():
            current = view(grid, value())
        try:
            new = add_table_row(current, kind) if add else remove_table_row(current)
        except BrexsimInputError as exc:
            row_message.set(format_error(exc))
            return
        row_message.set("")
        value.set(new.reset_index(drop=True))

    @reactive.effect
    @reactive.event(input.add_segment)
    def _add_segment() -> None:
        edit_rows(segments, seg_v, "segments", True)

    @reactive.effect
    @reactive.event(input.remove_segment)
    def _remove_segment() -> None:
        edit_rows(segments, seg_v, "segments", False)

    @reactive.effect
    @reactive.event(input.add_dose)
    def _add_dose() -> None:
        edit_rows(oral, oral_v, "oral", True)

    @reactive.effect
    @reactive.event(input.remove_dose)
    def _remove_dose() -> None:
        edit_rows(oral, oral_v, "oral", False)

    @reactive.effect
    @reactive.event(input.add_interruption)
    def _add_interruption() -> None:
        edit_rows(interruptions, int_v, "interruptions", True)

    @reactive.effect
    @reactive.event(input.remove_interruption)
    def _remove_interruption() -> None:
        edit_rows(interruptions, int_v, "interruptions", False)

    @reactive.calc
    def regimen() -> tuple[Any, str | None]:
        d = drug()
        iv = d == "brexanolone"
        seg = view(segments, seg_v()) if iv else seg_v()
        ints = view(interruptions, int_v()) if iv else int_v().iloc[0:0]
        ora = oral_v() if iv else view(oral, oral_v())
        return _guarded(
            build_regimen, d, seg, ora, ints, input.start_clock_h(), name=input.preset()
        )

    @render.ui
    def message() -> Any:
        msg = row_message() or regimen()[1]
        return _error_box(msg)

    return regimen
