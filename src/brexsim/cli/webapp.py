"""``brexsim app``: the regimen explorer in the browser (Shiny for Python).

The module is not named ``app.py``: a submodule of that name would replace the Typer object
``brexsim.cli.app`` (the console script and the tests import it).
"""

from __future__ import annotations

from pathlib import Path

import typer

from brexsim.cli._app import app, console, run_guarded
from brexsim.cli._options import PARAMS_FILE_OPTION


@app.command("app")
def app_command(
    port: int = typer.Option(8050, "--port", help="TCP port to listen on"),
    host: str = typer.Option(
        "127.0.0.1", "--host", help="Address to listen on (default: this machine only)"
    ),
    params_file: Path | None = PARAMS_FILE_OPTION,
) -> None:
    """Serve the web app (regimen explorer) until Ctrl+C; localhost only by default."""
    from brexsim.app.app import check_address, is_local_host, serve

    run_guarded(check_address, host, port)
    if params_file is not None:  # a bad file fails here, before the server starts
        from brexsim.app.common import set_parameter_file

        run_guarded(set_parameter_file, params_file)
        console.print(f"parameters: packaged tables + {params_file}")
    if not is_local_host(host):
        console.print(
            f"[yellow]warning:[/] serving on {host}: the app has no authentication; anyone who "
            "can reach this address can use it."
        )
    shown = f"[{host}]" if ":" in host else host
    console.print(f"brexsim app on http://{shown}:{port}/ (Ctrl+C to stop)")
    console.print("[dim]Research output, not dosing advice.[/]")
    run_guarded(serve, host, port, params_file=params_file)
