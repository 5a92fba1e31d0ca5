"""The Shiny application object and a server runner (``brexsim app``)."""

from __future__ import annotations

import ipaddress
import re
import threading
import time
from pathlib import Path

from shiny import App

from brexsim.errors import input_error

__all__ = ["create_app", "serve"]

_HOSTNAME = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$")


def create_app(params_file: str | Path | None = None) -> App:
    """The brexsim regimen explorer as a Shiny (ASGI) app.

    ``params_file``: a parameter overlay file (e.g. ``brexsim fit``'s ``fitted_parameters.toml``)
    that every tab of this process uses after the packaged tables and the chosen hypothesis
    (:func:`brexsim.app.common.set_parameter_file`); checked now, before anything is served.

    The model compiles in a background thread when the first browser session starts (or right
    after :func:`serve` starts listening), so the page answers at once with a "warming up"
    state.

    >>> type(create_app()).__name__
    'App'
    """
    from brexsim.app.common import set_parameter_file
    from brexsim.app.server import server
    from brexsim.app.ui import app_ui

    set_parameter_file(params_file)
    return App(app_ui(), server)


def check_address(host: str, port: int) -> tuple[str, int]:
    """Validate the listening address (a host name or IP literal, a port 1-65535).

    >>> check_address("127.0.0.1", 8050)
    ('127.0.0.1', 8050)
    """
    host = _check_host(host)
    if isinstance(port, bool) or not isinstance(port, int) or not (1 <= port <= 65535):
        raise input_error("--port", port, "an integer in [1, 65535]")
    return host, port


def _check_host(host: str) -> str:
    if not isinstance(host, str) or not host:
        raise input_error("--host", host, "a host name or IP address")
    try:
        ipaddress.ip_address(host)
        return host
    except ValueError:
        pass
    if not _HOSTNAME.match(host):
        raise input_error("--host", host, "a host name or IP address")
    return host


def is_local_host(host: str) -> bool:
    """True for loopback addresses and ``localhost``.

    >>> is_local_host("127.0.0.1"), is_local_host("0.0.0.0")
    (True, False)
    """
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serve(  # type: ignore[no-untyped-def]
    host: str = "127.0.0.1",
    port: int = 8050,
    warm: bool = True,
    log_level: str = "warning",
    params_file: str | Path | None = None,
):
    """Serve the app with uvicorn until interrupted; compile the model once listening.
    ``params_file``: see :func:`create_app`."""
    import uvicorn

    from brexsim.app.warmup import WARMUP

    host, port = check_address(host, port)
    config = uvicorn.Config(
        create_app(params_file),
        host=host,
        port=port,
        log_level=log_level,
        ws_max_size=4 * 1024 * 1024,
    )
    server = uvicorn.Server(config)

    def warm_when_listening() -> None:
        for _ in range(600):
            if server.started:
                WARMUP.start()
                return
            if server.should_exit:
                return
            time.sleep(0.1)

    if warm:
        threading.Thread(
            target=warm_when_listening, name="brexsim-warm-trigger", daemon=True
        ).start()
    server.run()
    return server
