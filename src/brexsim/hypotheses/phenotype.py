"""The innate-immune phenotype of the ``neuroimmune`` hypothesis: one per-patient shared cause of
her cytokine response and of her HAM-D improvement.

Each patient's phenotype is her standardised non-specific responsiveness,
``eta_phenotype = eta_placebo / omega_placebo`` (a standard normal: the HAM-D layer's placebo-like
random effect is read, under this hypothesis, as her innate-immune state). The other random
effects load on it, each keeping its marginal distribution (so every one-variable summary, the
paired pre/post tests and the arm means and SDs the layers were calibrated to move only through
the new correlations)::

    z_used   = l_k eta_phenotype + sqrt(1 - l_k^2) z_k              (immune standard normals)
    eta_drug = l_d omega_drug eta_phenotype + sqrt(1 - l_d^2) eta_drug   (HAM-D drug sensitivity)

with the loadings ``hamd.phenotype_loading_*`` (``basal_tone``, ``ic50`` (with a minus sign: a
higher phenotype lowers the IC50, a larger drug effect on the cytokines), ``reprogram``,
``donor_output``, ``drug``). All loadings are 0 in the packaged tables (today's model, the
``gaba`` hypothesis): every function here then returns its input unchanged (the same objects), so
results are bit-for-bit those of the model without this module.

The phenotype variance is fixed at 1 (only the loadings are identified: a larger phenotype
variance with smaller loadings gives the same joint distribution).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import numpy as np

from brexsim.errors import input_error
from brexsim.params import ParameterSet

__all__ = [
    "IMMUNE_LOADINGS",
    "apply_phenotype_to_population",
    "get_immune_loadings",
    "has_phenotype",
    "mix_drug_sensitivity",
    "mix_immune_normals",
]

#: Immune random effect (``brexsim.mechanism.tlr.RANDOM_EFFECTS`` key) -> (loading row, sign).
IMMUNE_LOADINGS: dict[str, tuple[str, float]] = {
    "infl_basal_tone_scale": ("hamd.phenotype_loading_basal_tone", 1.0),
    "infl_ic50_scale": ("hamd.phenotype_loading_ic50", -1.0),
    "infl_reprogram_scale": ("hamd.phenotype_loading_reprogram", 1.0),
    "infl_donor_output_scale": ("hamd.phenotype_loading_donor_output", 1.0),
}
_DRUG_ROW = "hamd.phenotype_loading_drug"
#: The immune multipliers with an in vivo role (loaded by apply_phenotype_to_population).
_IN_VIVO = ("infl_basal_tone_scale", "infl_ic50_scale", "infl_reprogram_scale")


def _loading(ps: ParameterSet, row: str) -> float:
    v = ps.value(row) if row in ps else 0.0
    if not -1.0 <= v <= 1.0:
        raise input_error(row, v, "a loading in [-1, 1]")
    return float(v)


def get_immune_loadings(ps: ParameterSet) -> dict[str, float]:
    """Signed loading of each immune random effect on the phenotype (0 under ``gaba``).

    >>> from brexsim.params import load_parameters
    >>> set(get_immune_loadings(load_parameters()).values())
    {0.0}
    """
    return {k: sign * _loading(ps, row) for k, (row, sign) in IMMUNE_LOADINGS.items()}


def has_phenotype(ps: ParameterSet) -> bool:
    """True when any loading is non-zero (the phenotype changes something).

    >>> from brexsim.params import load_parameters
    >>> has_phenotype(load_parameters())
    False
    """
    return _loading(ps, _DRUG_ROW) != 0.0 or any(get_immune_loadings(ps).values())


def _mix(z: np.ndarray, eta: np.ndarray, loading: float) -> np.ndarray:
    return loading * eta + math.sqrt(1.0 - loading * loading) * z


def mix_drug_sensitivity(eta_placebo: np.ndarray, eta_drug: np.ndarray, p: Any) -> np.ndarray:
    """``eta_drug`` (logit) with its loading on the phenotype ``eta_placebo / omega_placebo``.

    ``p`` is a :class:`brexsim.clinical.hamd.HamdParams` (``phenotype_loading_drug``,
    ``omega_placebo``, ``omega_drug``). The marginal SD stays ``omega_drug``.

    >>> from brexsim.clinical.hamd import get_hamd_params
    >>> p = get_hamd_params()._replace(phenotype_loading_drug=1.0)
    >>> e = mix_drug_sensitivity(np.array([p.omega_placebo]), np.array([0.3]), p)
    >>> bool(abs(e[0] - p.omega_drug) < 1e-12)
    True
    """
    ld = float(p.phenotype_loading_drug)
    if ld == 0.0:
        return eta_drug
    if not -1.0 <= ld <= 1.0:
        raise input_error("hamd.phenotype_loading_drug", ld, "a loading in [-1, 1]")
    eta = np.asarray(eta_placebo, dtype=float) / float(p.omega_placebo)
    return ld * float(p.omega_drug) * eta + math.sqrt(1.0 - ld * ld) * np.asarray(eta_drug, float)


def mix_immune_normals(
    z: np.ndarray, eta_phenotype: np.ndarray, ps: ParameterSet, names: tuple[str, ...]
) -> np.ndarray:
    """Immune standard normals ``z`` (..., n, k; columns ``names``) loaded on the phenotype
    (..., n). Returns ``z`` itself when every loading is 0.

    >>> from brexsim.params import load_parameters
    >>> z = np.zeros((2, 4))
    >>> mix_immune_normals(z, np.ones(2), load_parameters(), tuple(IMMUNE_LOADINGS)) is z
    True
    """
    lo = get_immune_loadings(ps)
    if not any(lo.get(k, 0.0) for k in names):
        return z
    out = np.array(z, dtype=float, copy=True)
    eta = np.asarray(eta_phenotype, dtype=float)
    for k, name in enumerate(names):
        if lo.get(name, 0.0):
            out[..., k] = _mix(out[..., k], eta, lo[name])
    return out


def apply_phenotype_to_population(pop: Any, ps: ParameterSet) -> Any:
    """A :class:`~brexsim.population.virtual.Population` whose in vivo immune multipliers (basal
    TLR tone, IC50, reprogramming) load on each patient's phenotype ``eta_placebo /
    omega_placebo``, as the Balan cohorts' do (the ex vivo donor output has no in vivo role; the
    drug sensitivity is loaded inside the HAM-D layer). Returns ``pop`` itself when nothing
    loads.

    >>> from brexsim.params import load_parameters
    >>> from brexsim.population.virtual import sample_population
    >>> pop = sample_population(2, seed=0)
    >>> apply_phenotype_to_population(pop, load_parameters()) is pop
    True
    """
    from brexsim.mechanism.tlr import RANDOM_EFFECTS

    re: Mapping[str, np.ndarray] = pop.random_effects
    lo = get_immune_loadings(ps)
    names = tuple(k for k in _IN_VIVO if k in re and lo[k])
    if not names or "eta_placebo" not in re:
        return pop
    eta = np.asarray(re["eta_placebo"], dtype=float) / ps.value("hamd.omega_placebo")
    new = dict(re)
    for name in names:
        sd = ps.value(f"tlr.{RANDOM_EFFECTS[name]}")
        if sd <= 0.0:
            continue
        z = np.log(np.asarray(re[name], dtype=float)) / sd
        new[name] = np.exp(sd * _mix(z, eta, lo[name]))
    return replace(pop, random_effects=new)
