"""``brexsim app``: the server answers within seconds of start (the model compiles afterwards),
listens on localhost by default, and rejects bad addresses with one error line."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from typer.testing import CliRunner

from brexsim.cli import app

BREXSIM = Path(sys.executable).with_name("brexsim")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.skipif(not BREXSIM.exists(), reason="the brexsim console script is not installed")
def test_app_command_serves_the_page_quickly() -> None:
    port = _free_port()
    proc = subprocess.Popen(
        [str(BREXSIM), "app", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    t0 = time.monotonic()
    html = ""
    try:
        # the process imports numpy/JAX/Shiny first; the page must not wait for the model
        while time.monotonic() - t0 < 30.0:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as r:
                    html = r.read().decode("utf-8")
                break
            except OSError:
                time.sleep(0.1)
        elapsed = time.monotonic() - t0
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            out = proc.communicate(timeout=20)[0].decode("utf-8", "replace")
        except subprocess.TimeoutExpired:
            proc.kill()
            out = proc.communicate()[0].decode("utf-8", "replace")
    assert "<title>brexsim</title>" in html, out
    assert elapsed < 30.0
    assert f"http://127.0.0.1:{port}/" in out


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["--port", "0"], "--port"),
        (["--port", "70000"], "--port"),
        (["--host", "bad host; rm -rf /"], "--host"),
        (["--host", ""], "--host"),
    ],
)
def test_bad_address_is_one_error_line(args: list[str], field: str) -> None:
    res = CliRunner().invoke(app, ["app", *args])
    assert res.exit_code == 2
    assert f"invalid {field}=" in res.output


def test_local_host_detection() -> None:
    from brexsim.app.app import is_local_host

    assert is_local_host("localhost") and is_local_host("::1") and is_local_host("127.0.0.5")
    assert not is_local_host("0.0.0.0") and not is_local_host("example.org")
