"""Screenshots of the web app for the documentation (needs Playwright and Debian's Chromium).

Usage::

    .venv/bin/python -m brexsim.app.screenshot --out docs/app_screenshot.png [--tab Patient]

Starts the app in this process on a free localhost port, waits for the model, opens the page in
headless Chromium (``/usr/bin/chromium``) and saves a PNG of the viewport.
"""

from __future__ import annotations

import argparse
import socket
import threading
import time
from pathlib import Path

__all__ = ["take_screenshot"]

CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--headless",
)
TABS = ("Patient", "Ex vivo assay", "Compare A vs B", "Population", "About")


def take_screenshot(
    out: Path,
    tab: str = "Patient",
    width: int = 1600,
    height: int = 1150,
    chromium: str = "/usr/bin/chromium",
    population_n: int = 40,
) -> Path:
    """Serve the app, open ``tab`` in Chromium and save a viewport PNG to ``out``."""
    import uvicorn
    from playwright.sync_api import sync_playwright

    from brexsim.app import create_app

    if tab not in TABS:
        raise ValueError(f"tab must be one of {TABS}")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    srv = uvicorn.Server(
        uvicorn.Config(create_app(), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    while not srv.started:
        time.sleep(0.05)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=list(CHROMIUM_ARGS))
            page = browser.new_page(viewport={"width": width, "height": height})
            page.set_default_timeout(240_000)
            page.goto(f"http://127.0.0.1:{port}/")
            page.wait_for_selector("#warmup-status.ready")
            page.wait_for_selector("#patient_plot img")
            if tab != "Patient":
                page.get_by_role("tab", name=tab).click()
            if tab == "Population":
                page.fill("#pop_n", str(population_n))
                page.click("#pop_run")
                page.wait_for_function(
                    "() => { const e = document.querySelector('#pop-progress');"
                    " return e && e.innerText.startsWith('Done'); }"
                )
                page.wait_for_selector("#pop_plot img")
            elif tab == "Compare A vs B":
                page.wait_for_selector("#compare_plot img")
            elif tab == "Ex vivo assay":
                page.wait_for_selector("#assay_plot img")
            page.wait_for_timeout(1500)
            out.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(out))
            browser.close()
    finally:
        srv.should_exit = True
        thread.join(15)
    return out


def main() -> None:
    """Command-line entry: ``python -m brexsim.app.screenshot --out PATH``."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("docs/app_screenshot.png"))
    ap.add_argument("--tab", default="Patient", choices=TABS)
    ap.add_argument("--width", type=int, default=1600)
    ap.add_argument("--height", type=int, default=1150)
    a = ap.parse_args()
    print(take_screenshot(a.out, a.tab, a.width, a.height))


if __name__ == "__main__":
    main()
