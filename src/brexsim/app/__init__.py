"""The brexsim web app: a regimen explorer in the browser (Shiny for Python).

Start it with ``brexsim app --port 8050`` (localhost by default). Layout:
:mod:`brexsim.app.logic` (server logic without Shiny: regimen tables, one patient, the ex vivo
assay, a capped population, downloads, warm-up), :mod:`brexsim.app.plots` (figures),
:mod:`brexsim.app.ui` (page), :mod:`brexsim.app.server` (reactive wiring),
:mod:`brexsim.app.app` (:func:`create_app`, :func:`serve`).
"""

from brexsim.app.app import create_app, serve

__all__ = ["create_app", "serve"]
