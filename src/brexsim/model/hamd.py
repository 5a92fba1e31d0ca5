"""HAM-D-17 scores and outcomes inside :func:`brexsim.model.simulate`."""

from __future__ import annotations

import numpy as np

from brexsim.dosing.regimen import Regimen
from brexsim.params import ParameterSet
from brexsim.population.virtual import Population

__all__: list[str] = []


def _get_hamd(
    results: dict[str, tuple[np.ndarray, str]],
    outcomes: dict[str, np.ndarray],
    t: np.ndarray,
    keep: np.ndarray,
    pop: Population,
    regs: tuple[Regimen, ...],
    seed: int,
    ps: ParameterSet,
) -> dict[str, tuple[np.ndarray, str]]:
    """Expected and observed HAM-D-17 at the output times ``t[keep]`` (the expected score is
    integrated over the full times ``t``); response and remission go into ``outcomes``."""
    from brexsim.clinical import hamd

    if t[0] != 0.0:
        return {}  # the HAM-D model starts at the start of treatment
    re = pop.random_effects
    eta = {"eta_placebo": re["eta_placebo"], "eta_drug": re["eta_drug"]}
    expected = hamd.compute_hamd(
        t,
        pop.hamd_baseline,
        [r.setting for r in regs],
        results["tone_index"][0],
        results["tnf_fold"][0],
        results["bdnf_change_sd"][0],
        ps,
        eta,
    )[:, keep]
    observed = np.empty_like(expected)
    observed[:, 0] = pop.hamd_baseline
    for i, pid in enumerate(pop.ids):
        rng = np.random.default_rng([int(seed), int(pid), 17])
        observed[i, 1:] = hamd.sample_observed_hamd(expected[i : i + 1, 1:], rng, ps)[0]
    outcomes["response"] = hamd.is_response(observed[:, -1], pop.hamd_baseline, ps)
    outcomes["remission"] = hamd.is_remission(observed[:, -1], ps)
    return {
        "hamd_expected": (expected, "points"),
        "hamd": (observed, "points"),
        "hamd_change": (observed - observed[:, :1], "points"),
    }
