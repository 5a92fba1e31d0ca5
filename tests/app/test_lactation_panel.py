"""The Lactation tab without a browser: its logic, figure, download table, the page layout, and
its reactive wiring in an in-memory Shiny session (``shiny.testserver``)."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from brexsim.app import lactation as lact
from brexsim.app.logic import PatientSettings, to_bytes
from brexsim.app.plots import figure_png
from brexsim.app.server_common import _guarded
from brexsim.dosing import get_preset
from brexsim.errors import BrexsimInputError
from brexsim.params import load_parameters
from brexsim.pk.lactation import LACTATION_DISCLAIMER, simulate_lactation


@pytest.fixture(scope="module")
def zulresso():
    return lact.run_lactation(get_preset("zulresso"), 70.0, 5.0)


def test_run_lactation_is_the_pk_module_result(zulresso) -> None:
    ref = simulate_lactation("zulresso", 70.0, threshold_ng_per_ml=5.0)
    np.testing.assert_allclose(zulresso.rid_pct, ref.rid_pct, equal_nan=True)
    assert zulresso.max_rid_pct == ref.max_rid_pct


@pytest.mark.parametrize("bad", [None, "5", 0, -2.0, float("nan"), True])
def test_bad_threshold_is_one_inline_message(bad) -> None:
    with pytest.raises(BrexsimInputError, match="milk threshold"):
        lact.run_lactation(get_preset("zulresso"), 70.0, bad)
    value, msg = _guarded(lact.run_lactation, get_preset("zulresso"), 70.0, bad)
    assert value is None and msg.startswith("invalid milk threshold")


def test_placebo_regimen_is_an_inline_message() -> None:
    value, msg = _guarded(lact.run_lactation, get_preset("placebo"), 70.0, 5.0)
    assert value is None and "not placebo" in msg


def test_table_shows_the_numbers(zulresso) -> None:
    tab = lact.get_lactation_table(zulresso)
    assert list(tab.columns) == ["metric", "value", "unit"]
    rows = dict(zip(tab["metric"], tab["value"], strict=True))
    assert rows["maximum RID (24-h windows inside dosing)"] == f"{zulresso.max_rid_pct:.3g}"
    below = [k for k in rows if k.startswith("milk below 5 ng/mL")]
    assert len(below) == 1 and rows[below[0]] == f"{zulresso.time_below_threshold_h:.1f}"
    assert any(k.startswith("infant absorbed dose, upper bound") for k in rows)
    oral = lact.get_lactation_table(lact.run_lactation(get_preset("zuranolone-50mg"), 70.0, 5.0))
    assert "steady-state RID" in set(oral["metric"])


def test_download_frame_keeps_provenance(zulresso) -> None:
    frame = lact.get_lactation_frame(zulresso)
    assert frame.attrs["provenance"]["parameter_hash"] == load_parameters().hash
    assert list(frame.columns)[:3] == ["regimen", "time_h", "plasma_ng_per_ml"]
    back = pd.read_csv(io.BytesIO(to_bytes(frame, "csv")))
    np.testing.assert_allclose(back["milk_ng_per_ml"], zulresso.milk)
    pq = pd.read_parquet(io.BytesIO(to_bytes(frame, "parquet")))
    assert pq.attrs["provenance"]["command"] == "brexsim app (Lactation tab)"


def test_figure_draws_the_label_band(zulresso) -> None:
    fig = lact.plot_lactation(zulresso, get_preset("zulresso"))
    assert isinstance(fig, Figure) and len(fig.axes) == 3
    rid_ax = fig.axes[2]
    labels = [t.get_text() for t in rid_ax.get_legend().get_texts()]
    assert any("1–2 %" in s for s in labels) and any("1.3 %" in s for s in labels)
    assert any(LACTATION_DISCLAIMER == t.get_text() for t in fig.texts)
    assert figure_png(fig)[:4] == b"\x89PNG"


def test_page_has_the_lactation_tab() -> None:
    from brexsim.app.ui import app_ui

    html = str(app_ui())
    for needle in ("Lactation", "lact_threshold", "lact_table", "lact_plot", "download_lactation"):
        assert needle in html, needle
    assert "not advice on breastfeeding" in html


def _wired_app(regimen_name: str | None):  # type: ignore[no-untyped-def]
    """A minimal app: the tab's layout and wiring with fixed regimen-A and patient calcs."""
    from shiny import App, reactive, ui

    def server(input, output, session):  # type: ignore[no-untyped-def]
        @reactive.calc
        def reg():  # type: ignore[no-untyped-def]
            if regimen_name is None:
                return None, "invalid rate_ug_per_kg_h='x' (row 1): a number"
            return get_preset(regimen_name), None

        @reactive.calc
        def settings():  # type: ignore[no-untyped-def]
            return PatientSettings(weight_kg=80.0), None

        lact.lactation_server(input, reg, settings, lambda: "csv")

    return App(ui.page_fluid(ui.navset_tab(lact.lactation_panel())), server)


def test_wiring_renders_the_table_and_reacts_to_the_threshold() -> None:
    from shiny.testserver import test_server

    with test_server(_wired_app("zulresso"), timeout_secs=60) as ts:
        ts.set_inputs(lact_threshold=5.0)
        table = ts.get_output("lact_table")
        assert table.status == "ok", table.error
        assert "maximum RID" in str(table.value)
        ref = simulate_lactation("zulresso", 80.0, threshold_ng_per_ml=2.0)
        ts.set_inputs(lact_threshold=2.0)
        assert f"{ref.time_below_threshold_h:.1f}" in str(ts.get_output("lact_table").value)
        ts.set_inputs(lact_threshold=None)
        assert "invalid milk threshold" in str(ts.get_output("lact_message").value)


def test_wiring_shows_the_regimen_error() -> None:
    from shiny.testserver import test_server

    with test_server(_wired_app(None), timeout_secs=60) as ts:
        ts.set_inputs(lact_threshold=5.0)
        assert "rate_ug_per_kg_h" in str(ts.get_output("lact_message").value)
        assert ts.get_output("lact_table").status == "silent"
