"""``brexsim app``: the regimen explorer in the browser (Shiny for Python).

The module is not named ``app.py``: a submodule of that name would replace the Typer object
``brexsim.cli.app`` (the console script and the tests import it).
"""

from __future__ import annotations

import typer

from brexsim.cli._app import app, console, run_guarded


@app.command("app")
def app_command(
    port: int = typer.Option(8050, "--port", help="TCP port to listen on"),
    host: str = typer.Option(
        "127.0.0.1", "--host", help="Address to listen on (default: this machine only)"
    ),
) -> None:
    """Serve the web app (regimen explorer) until Ctrl+C; localhost only by default."""
    from brexsim.app.app import check_address, is_local_host, serve

    run_guarded(check_address, host, port)
    if not is_local_host(host):
        console.print(
            f"[yellow]warning:[/] serving on {host}: the app has no authentication; anyone who "
            "can reach this address can use it."
        )
    shown = f"[{host}]" if ":" in host else host
    console.print(f"brexsim app on http://{shown}:{port}/ (Ctrl+C to stop)")
    console.print("[dim]Research output, not dosing advice.[/]")
    run_guarded(serve, host, port)
