"""Calibration of each hypothesis overlay on the same targets (re-runnable; writes the C rows of
``brexsim/hypotheses/data/<name>.toml``).

* ``null-immune``: with ``hamd.immune_weight = 0``, ``hamd.bdnf_weight`` so that the slow part
  still carries ``hamd.slow_share`` of the typical zulresso remission area (days 0-30), the
  split :func:`brexsim.calibration.hamd.compute_slow_weights` meets for ``gaba``.
* ``neuroimmune``: with the phenotype loadings of the overlay, the HAM-D rows by the
  calibrate-hamd objective (:func:`brexsim.calibration.hamd.calibrate_hamd`, run with the
  overlay in place); then the IC50 / reprogramming log-SDs: the first value of ``bsv_grid`` at
  which the eight Balan correlation records pass (median replicate p < 0.05, median r < 0) with
  the eight pre/post records inside their intervals (the largest value if none).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np
import tomlkit
from scipy.optimize import brentq

from brexsim.errors import input_error
from brexsim.hypotheses.context import use_hypothesis
from brexsim.hypotheses.registry import _data_dir, clear_cache
from brexsim.params import load_parameters, override_parameters

__all__ = ["calibrate_hypothesis", "write_overlay_values"]

BSV_ROWS = ("tlr.bsv_ic50_logsd", "tlr.bsv_reprogram_logsd")


def write_overlay_values(name: str, values: dict[str, float], sig: int = 6) -> Path:
    """Write ``{"layer.key": value}`` into the C rows of overlay ``name`` (atomically)."""
    path = _data_dir() / f"{name}.toml"
    doc = tomlkit.parse(path.read_text(encoding="utf-8"))
    for full, v in values.items():
        layer, _, key = full.partition(".")
        if layer not in doc or key not in doc[layer]:
            raise input_error("overlay parameter", full, f"a row of {path.name}")
        if doc[layer][key]["confidence"] != "C":
            raise input_error("overlay parameter", full, "a row with confidence C")
        doc[layer][key]["value"] = float(f"{float(v):.{sig}g}")
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(tomlkit.dumps(doc))
    os.replace(tmp, path)
    clear_cache()
    return path


def _calibrate_null_immune() -> dict[str, float]:
    from brexsim.calibration.hamd import get_typical_inputs
    from brexsim.clinical.hamd import get_hamd_params, solve_remission_state

    ps = load_parameters()
    inp = get_typical_inputs("zulresso", ps)
    t, row = inp.time_h, (1, inp.time_h.size)
    p0 = get_hamd_params(ps)

    def area(p) -> float:  # type: ignore[no-untyped-def]
        r = solve_remission_state(
            t, inp.tone_index.reshape(row), inp.immune.reshape(row), inp.bdnf_sd.reshape(row), p
        )
        return float(np.trapezoid(np.asarray(r)[0], t))

    a_fast = area(p0._replace(immune_weight=0.0, bdnf_weight=0.0))
    sigma = ps.value("hamd.slow_share")

    def excess(w: float) -> float:
        a_slow = area(p0._replace(fast_rate_per_h=0.0, immune_weight=0.0, bdnf_weight=w))
        return a_slow / (a_slow + a_fast) - sigma

    return {"hamd.bdnf_weight": float(brentq(excess, 1e-8, 50.0, xtol=1e-10))}


def _calibrate_neuroimmune(replicates: int, seed: int, bsv_grid: tuple[float, ...]) -> dict:
    from brexsim.calibration.balan import get_balan_hamd_correlations, get_balan_replicate_pvalues
    from brexsim.calibration.hamd import calibrate_hamd

    with use_hypothesis("neuroimmune") as ps:
        fit = calibrate_hamd(write=False)
    keys = [k for k in fit.values if not k.startswith("hamd.baseline_")]
    values = {k: fit.values[k] for k in keys if k not in ("hamd.immune_weight", "hamd.bdnf_weight")}
    ps = override_parameters(ps, values)
    for s in bsv_grid:
        trial = override_parameters(ps, dict.fromkeys(BSV_ROWS, s))
        pv = get_balan_replicate_pvalues(replicates=replicates, seed=seed, params=trial)
        c = get_balan_hamd_correlations(replicates=replicates, seed=seed, params=trial)
        ok = bool(pv["inside"].all() and ((c["median_p"] < 0.05) & (c["median_r"] < 0)).all())
        values.update(dict.fromkeys(BSV_ROWS, s))
        if ok:
            break
    return values


def calibrate_hypothesis(
    name: str,
    write: bool = True,
    replicates: int = 200,
    seed: int = 2023,
    bsv_grid: tuple[float, ...] = (1.0, 1.3, 1.6),
) -> dict[str, float]:
    """Calibrate overlay ``name`` (see the module docstring); write its C rows unless
    ``write`` is False. ``gaba`` has no overlay. Returns the values."""
    if name == "null-immune":
        with use_hypothesis(name):
            values = _calibrate_null_immune()
    elif name == "neuroimmune":
        values = _calibrate_neuroimmune(replicates, seed, bsv_grid)
    else:
        raise input_error("hypothesis", name, "'neuroimmune' or 'null-immune' (gaba: no overlay)")
    if write:
        write_overlay_values(name, values)
    return values
