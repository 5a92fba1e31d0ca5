"""GABA-A receptor populations of dentate granule cells and their modulation by neurosteroids.

Two receptor populations:

* **synaptic gamma2-containing** receptors (phasic inhibition), with an alpha1 or an alpha4
  partner (the alpha4 share is what changes in epileptic DGCs);
* **extrasynaptic delta-containing** receptors (tonic inhibition), whose expression follows the
  delta-expression states ``virgin``, ``pregnant``, ``postpartum`` and the PPD hypothesis ``ppd``.

Each subtype ``j`` has an allosteric potentiation curve in the FREE drug concentration at the
receptor (nM). Several steroids acting at the same site combine by additive occupancy
(``u_k = c_k / EC50_jk``, ``U = sum u_k``)::

    E_j = U**(n-1) / (1 + U**n) * sum_k Emax_jk * u_k          (fractional potentiation)

plus direct gating at micromolar concentrations ``D_j = d_j * V**m / (1 + V**m)`` with
``V = sum c_k / EC50dir_k`` (fraction of the maximal GABA current). The current of a subtype at a
sub-maximal GABA concentration that activates a fraction ``f`` of its maximum is
``I / I(0) = 1 + E_j + D_j / f``.

All model functions are pure ``jax.numpy`` functions of arrays and a :class:`GabaaParams`
NamedTuple (a pytree), so the clinical layer can ``vmap``/``jit`` them inside a batched solve;
``get_*`` helpers read the parameter tables and return numpy-friendly results. Equations and
sources: ``docs/mechanism_gabaa.md``.
"""

from __future__ import annotations

from brexsim.mechanism.gabaa._core import (
    DELTA_STATES,
    DRUGS,
    SENSITIVITIES,
    GabaaParams,
    Potency,
    _subtype_e,  # noqa: F401  (used by mtchedlishvili)
    compute_delta_potentiation,
    compute_direct_gating,
    compute_gamma2_potentiation,
    compute_phasic_charge_fC,
    compute_potentiation,
    compute_tone_index,
    compute_tonic_conductance_nS,
    get_delta_level,
    get_gabaa_params,
    get_sipsc_amplitude_pA,
)
from brexsim.mechanism.gabaa._numpy import (
    get_phasic_charge_fC,
    get_tone_index,
    get_tonic_conductance_nS,
    get_tonic_current_pA,
)

__all__ = [
    "DELTA_STATES",
    "DRUGS",
    "SENSITIVITIES",
    "GabaaParams",
    "Potency",
    "compute_delta_potentiation",
    "compute_direct_gating",
    "compute_gamma2_potentiation",
    "compute_phasic_charge_fC",
    "compute_potentiation",
    "compute_tone_index",
    "compute_tonic_conductance_nS",
    "get_delta_level",
    "get_gabaa_params",
    "get_phasic_charge_fC",
    "get_sipsc_amplitude_pA",
    "get_tone_index",
    "get_tonic_conductance_nS",
    "get_tonic_current_pA",
]
