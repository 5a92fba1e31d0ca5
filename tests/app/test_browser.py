"""End-to-end tests of the web app in a real browser: Playwright driving Debian's Chromium.

The server runs in a thread of this process on a free localhost port (so it shares the compiled
model with the other app tests). The tests load the page, see the warming-up state, change a
regimen cell and see the numbers and the figure follow what ``brexsim.pk`` computes, enter bad
values and see the inline message, download a table, run a small population with its progress
indicator, and compare two regimens.

Needs ``/usr/bin/chromium`` (``apt-get install -y chromium``; .ci/run installs it).
"""

from __future__ import annotations

import io
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from brexsim.app.screenshot import CHROMIUM_ARGS

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="Debian's Chromium is not installed (apt-get install -y chromium): the browser "
    "tests drive /usr/bin/chromium with Playwright",
)
playwright_api = pytest.importorskip("playwright.sync_api")

ARGS = list(CHROMIUM_ARGS)  # the flags the screenshot tool launches Chromium with


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _expected_cmax(regimen) -> float:  # type: ignore[no-untyped-def]
    """Cmax of a typical patient computed directly with brexsim.pk (not through the app)."""
    from brexsim.app.logic import FINE_DT_H, HORIZON_H
    from brexsim.pk import get_default_times, get_exposure_summary, simulate_pk

    res = simulate_pk(regimen, 70.0, get_default_times(regimen, HORIZON_H, FINE_DT_H))
    return get_exposure_summary(res, regimen)["cmax_ng_per_ml"]


@pytest.fixture(scope="module")
def server() -> Iterator[dict]:
    import uvicorn

    from brexsim.app import create_app, population_run, warmup

    gate = threading.Event()

    def gated_warmup() -> None:  # hold the warm-up so the test sees the warming-up state
        gate.wait(300)
        warmup._warm_single()

    old_warmup, old_chunk = warmup.WARMUP, population_run.POPULATION_CHUNK
    warmup.WARMUP = warmup.WarmUp(single=gated_warmup)
    population_run.POPULATION_CHUNK = 1  # small populations reuse the one-patient compiled model
    port = _free_port()
    srv = uvicorn.Server(
        uvicorn.Config(create_app(), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    t0 = time.monotonic()
    while not srv.started:
        assert time.monotonic() - t0 < 30, "server did not start"
        time.sleep(0.05)
    try:
        yield {"url": f"http://127.0.0.1:{port}/", "gate": gate}
    finally:
        srv.should_exit = True
        thread.join(15)
        warmup.WARMUP, population_run.POPULATION_CHUNK = old_warmup, old_chunk


@pytest.fixture(scope="module")
def page(server: dict) -> Iterator:
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        ctx = browser.new_context(viewport={"width": 1500, "height": 1100}, accept_downloads=True)
        pg = ctx.new_page()
        pg.set_default_timeout(120_000)
        yield pg
        browser.close()


def _text(pg, sel: str) -> str:  # type: ignore[no-untyped-def]
    return pg.inner_text(sel).strip()


def _wait_text(pg, sel: str, value: str, timeout: float = 60_000) -> None:  # type: ignore[no-untyped-def]
    pg.wait_for_function(
        "([s, v]) => { const e = document.querySelector(s);"
        " return e && e.innerText.trim() === v; }",
        arg=[sel, value],
        timeout=timeout,
    )


def _edit_cell(pg, table: str, row: int, col: int, value: str) -> None:  # type: ignore[no-untyped-def]
    cell = pg.locator(f"{table} tbody tr").nth(row).locator("td").nth(col)
    cell.dblclick()
    box = pg.locator(f"{table} textarea")
    box.fill(value)
    box.press("Enter")


def _plot_src(pg) -> str:  # type: ignore[no-untyped-def]
    return pg.get_attribute("#patient_plot img", "src") or ""


def test_page_answers_at_once_with_a_warming_up_state(page, server: dict) -> None:  # type: ignore[no-untyped-def]
    from brexsim.dosing import get_preset

    t0 = time.monotonic()
    page.goto(server["url"])
    page.wait_for_selector("#warmup-status.warming", timeout=10_000)
    assert time.monotonic() - t0 < 10.0
    assert "Warming up" in _text(page, "#warmup-status")
    assert page.title() == "brexsim"
    assert _text(page, "#cmax") == "…"
    server["gate"].set()
    page.wait_for_selector("#warmup-status.ready", timeout=300_000)
    _wait_text(page, "#cmax", f"{_expected_cmax(get_preset('zulresso')):.1f}")
    page.wait_for_selector("#patient_plot img")


def test_editing_a_rate_updates_numbers_and_figure(page) -> None:  # type: ignore[no-untyped-def]
    from brexsim.dosing import IVSegment, Regimen
    from brexsim.pk import get_default_times, get_exposure_summary, simulate_pk

    before = _plot_src(page)
    _edit_cell(page, "#a-segments", 2, 2, "60")  # 24-52 h: 90 -> 60 ug/kg/h
    edited = Regimen(
        "brexanolone",
        segments=(
            IVSegment(0, 4, 30),
            IVSegment(4, 24, 60),
            IVSegment(24, 52, 60),
            IVSegment(52, 56, 60),
            IVSegment(56, 60, 30),
        ),
    )
    cmax = _expected_cmax(edited)
    assert f"{cmax:.1f}" != "82.1"
    _wait_text(page, "#cmax", f"{cmax:.1f}")
    res = simulate_pk(edited, 70.0, get_default_times(edited, 1080.0, 0.25))
    free = get_exposure_summary(res, edited)["max_biophase_free_nM"]
    _wait_text(page, "#free_brain", f"{free:.2f}")
    page.wait_for_function(
        "(old) => { const i = document.querySelector('#patient_plot img');"
        " return i && i.getAttribute('src') !== old; }",
        arg=before,
    )


def test_invalid_values_show_an_inline_message(page) -> None:  # type: ignore[no-untyped-def]
    _edit_cell(page, "#a-segments", 1, 2, "abc")
    page.wait_for_selector("#a-message .brexsim-error")
    msg = _text(page, "#a-message")
    assert "rate_ug_per_kg_h='abc'" in msg and "infusion row 2" in msg
    _wait_text(page, "#cmax", "—")
    _edit_cell(page, "#a-segments", 1, 2, "500")  # above the studied maximum
    page.wait_for_function(
        "() => document.querySelector('#a-message').innerText.includes(\"'500'\")"
    )
    assert "[0, 270]" in _text(page, "#a-message")
    page.fill("#weight_kg", "5")
    page.wait_for_selector("#patient_message .brexsim-error")
    assert "weight_kg" in _text(page, "#patient_message")
    page.fill("#weight_kg", "70")
    _edit_cell(page, "#a-segments", 1, 2, "60")
    page.wait_for_function(
        "() => !document.querySelector('#a-message .brexsim-error')"
        " && !document.querySelector('#patient_message .brexsim-error')"
    )
    _wait_text(page, "#cmax", "55.1")  # the server survived and computes again
    assert "ready" in (page.get_attribute("#warmup-status", "class") or "")


def test_download_results_table(page) -> None:  # type: ignore[no-untyped-def]
    with page.expect_download() as info:
        page.click("#download_patient")
    dl = info.value
    assert dl.suggested_filename == "brexsim_patient.csv"
    frame = pd.read_csv(io.BytesIO(Path(dl.path()).read_bytes()))
    assert list(frame.columns) == ["subject", "arm", "time_h", "variable", "value", "unit"]
    fine = frame[
        (frame["arm"] == "regimen A: 0.25-h series") & (frame["variable"] == "plasma_drug")
    ]
    assert f"{fine['value'].max():.1f}" == _text(page, "#cmax")
    assert {"hamd_expected", "tnf_fold", "bdnf_change_sd"} <= set(frame["variable"])
    with page.expect_download() as info:
        page.click("#download_patient_png")
    assert Path(info.value.path()).read_bytes()[:4] == b"\x89PNG"


def test_population_runs_with_progress_and_caps(page) -> None:  # type: ignore[no-untyped-def]
    page.get_by_role("tab", name="Population").click()
    page.fill("#pop_n", "5000")
    page.click("#pop_run")
    page.wait_for_selector("#pop_message .brexsim-error")
    assert "[1, 1000]" in _text(page, "#pop_message")
    page.fill("#pop_n", "6")
    page.click("#pop_run")
    page.wait_for_selector("#pop-progress .progress-bar", timeout=30_000)
    page.wait_for_function(
        "() => { const e = document.querySelector('#pop-progress');"
        " return e && e.innerText.startsWith('Done'); }",
        timeout=120_000,
    )
    assert "6 patients per arm" in _text(page, "#pop-progress")
    page.wait_for_selector("#pop_rates table")
    rows = page.locator("#pop_rates tbody tr")
    assert rows.count() == 2  # drug and placebo arms
    page.wait_for_selector("#pop_plot img")


def test_compare_two_regimens(page) -> None:  # type: ignore[no-untyped-def]
    from brexsim.dosing import get_preset

    page.get_by_role("tab", name="Compare A vs B").click()
    page.wait_for_selector("#compare_table tbody tr")
    cmax_b = f"{_expected_cmax(get_preset('zuranolone-50mg')):.1f}"
    page.wait_for_function(
        "(v) => Array.from(document.querySelectorAll('#compare_table tbody tr')).some("
        "r => r.innerText.includes('Cmax') && r.innerText.includes(v))",
        arg=cmax_b,
    )
    page.wait_for_selector("#compare_plot img")
