"""Shared test configuration: the one Hypothesis profile of every property-based test.

The profile ``brexsim`` is loaded for the whole suite: 60 examples per property (the four
property files took 38 s together on a shared 2-core machine), no deadline (a first call
compiles JAX functions or imports statsmodels and may take seconds), the examples fixed
(``derandomize=True``, no example database) so that CI runs the same examples every time, and
the ``too_slow`` / ``filter_too_much`` health checks off (some strategies build whole files or
reject designs with ``assume``). A test that needs fewer examples says so with
``@settings(max_examples=...)``, which inherits the rest of this profile.

``BREXSIM_HYPOTHESIS_PROFILE=brexsim-thorough`` runs 1,000 examples per property (for a search
for new bugs, not for CI).

``BREXSIM_CACHE_DIR`` is set to ``off`` unless the caller set it: the tests that start the
``brexsim`` console script as a subprocess (tests/app/test_cli_app.py) go through
:func:`brexsim.cli.main`, which would otherwise fill the user's ``~/.cache/brexsim/jax``; the
``CliRunner`` tests call the Typer app directly and configure no cache either way. ``off``
rather than a temporary folder: a fresh folder per session would only be filled, never reused,
and the subprocess runs stay as they were before the cache existed. Set
``BREXSIM_CACHE_DIR=/some/folder`` to run the suite's subprocesses with a cache.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

os.environ.setdefault("BREXSIM_CACHE_DIR", "off")

_COMMON = {
    "deadline": None,
    "derandomize": True,
    "database": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.filter_too_much],
}
settings.register_profile("brexsim", max_examples=60, **_COMMON)
settings.register_profile("brexsim-thorough", max_examples=1000, **_COMMON)
settings.load_profile(os.environ.get("BREXSIM_HYPOTHESIS_PROFILE", "brexsim"))
