"""GABA-A layer, the parameters and the pure ``jax.numpy`` core (potentiation, direct gating,
tonic conductance, phasic charge, tone index) (split from ``gabaa``; see the package
docstring).
"""

from __future__ import annotations

from typing import NamedTuple

import jax
import jax.numpy as jnp

from brexsim.errors import input_error
from brexsim.params import ParameterSet, load_parameters

jax.config.update("jax_enable_x64", True)


#: Delta-expression states (Maguire & Mody 2008) plus the PPD hypothesis.
DELTA_STATES = ("virgin", "pregnant", "postpartum", "ppd")
#: Receptor-composition states of the dentate granule cell.
SENSITIVITIES = ("control", "epileptic")
#: Drugs with their own potencies.
DRUGS = ("brexanolone", "zuranolone")


class Potency(NamedTuple):
    """Potency of one steroid at the three receptor subtypes (free nM; fractions)."""

    ec50_a1g2_nM: float
    ec50_a4g2_nM: float
    ec50_delta_nM: float
    emax_gamma2: float
    emax_delta: float
    direct_ec50_nM: float


class GabaaParams(NamedTuple):
    """All numbers of the receptor layer for one receptor-composition state (a JAX pytree).

    ``a4_share`` is the alpha4 share of gamma2 receptors; ``tonic_g2_share`` the share of the
    tonic conductance carried by alpha4beta-gamma2 instead of delta receptors (0 in control).
    """

    allo: Potency
    zur: Potency
    hill: float
    direct_hill: float
    direct_max_gamma2: float
    direct_max_delta: float
    tonic_gaba_fraction: float
    a4_share: float
    tonic_g2_share: float
    tonic_g_per_od_nS: float
    tonic_delta_offset_od: float
    recording_df_mV: float
    sipsc_decay_ms: float
    tone_reference_free_nM: float
    delta_level_ppd: float
    delta_level_postpartum: float


def _check_choice(field: str, value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise input_error(field, value, f"one of {list(allowed)}")
    return value


def get_gabaa_params(
    params: ParameterSet | None = None, sensitivity: str = "control"
) -> GabaaParams:
    """Read the ``gabaa`` table into a :class:`GabaaParams` pytree.

    Parameters
    ----------
    params : ParameterSet, optional
        Defaults to :func:`brexsim.params.load_parameters`.
    sensitivity : {"control", "epileptic"}
        Receptor composition of the granule cell.

    Examples
    --------
    >>> p = get_gabaa_params()
    >>> p.allo.ec50_delta_nM, p.tonic_g2_share
    (12.9, 0.0)
    >>> get_gabaa_params(sensitivity="epileptic").a4_share > p.a4_share
    True
    """
    _check_choice("sensitivity", sensitivity, SENSITIVITIES)
    g = (params or load_parameters()).get_layer("gabaa")
    allo = Potency(
        g["allo_ec50_a1g2_nM"],
        g["allo_ec50_a4g2_nM"],
        g["allo_ec50_delta_nM"],
        g["allo_emax_gamma2"],
        g["allo_emax_delta"],
        g["allo_direct_ec50_nM"],
    )
    zur = Potency(
        g["zur_ec50_gamma2_nM"],
        g["zur_ec50_gamma2_nM"],
        g["zur_ec50_delta_nM"],
        g["zur_emax_gamma2"],
        g["zur_emax_delta"],
        g["zur_direct_ec50_nM"],
    )
    epi = sensitivity == "epileptic"
    return GabaaParams(
        allo=allo,
        zur=zur,
        hill=g["allo_hill"],
        direct_hill=g["allo_direct_hill"],
        direct_max_gamma2=g["direct_max_gamma2"],
        direct_max_delta=g["direct_max_delta"],
        tonic_gaba_fraction=g["tonic_gaba_fraction"],
        a4_share=g["a4_share_gamma2_epileptic"] if epi else g["a4_share_gamma2_control"],
        tonic_g2_share=(1.0 - g["delta_retained_epileptic"]) if epi else 0.0,
        tonic_g_per_od_nS=g["tonic_g_per_od_nS"],
        tonic_delta_offset_od=g["tonic_delta_offset_od"],
        recording_df_mV=g["tonic_recording_driving_force_mV"],
        sipsc_decay_ms=g["sipsc_decay_ms"],
        tone_reference_free_nM=g["tone_reference_free_nM"],
        delta_level_ppd=g["delta_level_ppd"],
        delta_level_postpartum=g["delta_level_postpartum"],
    )


def get_delta_level(state: str, params: ParameterSet | None = None) -> float:
    """Delta-subunit level (western-blot OD) of a delta-expression state.

    >>> get_delta_level("pregnant")
    0.28
    """
    _check_choice("delta_state", state, DELTA_STATES)
    return (params or load_parameters()).value(f"gabaa.delta_level_{state}")


def get_sipsc_amplitude_pA(state: str, params: ParameterSet | None = None) -> float:
    """sIPSC peak amplitude (pA) of a delta-expression state (Maguire & Mody 2008).

    >>> get_sipsc_amplitude_pA("virgin")
    76.4
    """
    _check_choice("delta_state", state, DELTA_STATES)
    return (params or load_parameters()).value(f"gabaa.sipsc_amp_{state}_pA")


# ----------------------------------------------------------------------------- pure jnp core


def compute_potentiation(
    allo_nM: jax.Array,
    zur_nM: jax.Array,
    ec50_allo_nM: float,
    ec50_zur_nM: float,
    emax_allo: float,
    emax_zur: float,
    hill: float,
) -> jax.Array:
    """Fractional allosteric potentiation of one subtype by two steroids at the same site.

    ``E = U**(n-1)/(1+U**n) * (Emax_a*u_a + Emax_z*u_z)``, ``u = c/EC50``, ``U = u_a + u_z``;
    for one drug this is the Hill curve ``Emax * c**n / (c**n + EC50**n)``.

    >>> float(compute_potentiation(10.0, 0.0, 10.0, 100.0, 2.0, 5.0, 1.0))
    1.0
    """
    u_a = jnp.asarray(allo_nM, dtype=jnp.float64) / ec50_allo_nM
    u_z = jnp.asarray(zur_nM, dtype=jnp.float64) / ec50_zur_nM
    u = u_a + u_z
    safe = jnp.where(u > 0, u, 1.0)
    occ = jnp.where(u > 0, safe ** (hill - 1.0) / (1.0 + safe**hill), 0.0)
    return occ * (emax_allo * u_a + emax_zur * u_z)


def compute_direct_gating(
    allo_nM: jax.Array, zur_nM: jax.Array, p: GabaaParams, d_max: float
) -> jax.Array:
    """Direct (GABA-independent) gating as a fraction of the subtype's maximal GABA current.

    >>> p = get_gabaa_params()
    >>> float(compute_direct_gating(p.allo.direct_ec50_nM, 0.0, p, 0.2))
    0.1
    """
    v = (
        jnp.asarray(allo_nM, dtype=jnp.float64) / p.allo.direct_ec50_nM
        + jnp.asarray(zur_nM, dtype=jnp.float64) / p.zur.direct_ec50_nM
    )
    vm = v**p.direct_hill
    return d_max * vm / (1.0 + vm)


def _subtype_e(allo_nM, zur_nM, p: GabaaParams, which: str) -> jax.Array:
    a, z = p.allo, p.zur
    if which == "a1g2":
        return compute_potentiation(
            allo_nM, zur_nM, a.ec50_a1g2_nM, z.ec50_a1g2_nM, a.emax_gamma2, z.emax_gamma2, p.hill
        )
    if which == "a4g2":
        return compute_potentiation(
            allo_nM, zur_nM, a.ec50_a4g2_nM, z.ec50_a4g2_nM, a.emax_gamma2, z.emax_gamma2, p.hill
        )
    return compute_potentiation(
        allo_nM, zur_nM, a.ec50_delta_nM, z.ec50_delta_nM, a.emax_delta, z.emax_delta, p.hill
    )


def compute_gamma2_potentiation(
    allo_nM: jax.Array, zur_nM: jax.Array, p: GabaaParams, a4_share: float | None = None
) -> jax.Array:
    """Fractional potentiation of the gamma2 population (alpha1/alpha4 mixture), no direct gating.

    >>> p = get_gabaa_params()
    >>> float(compute_gamma2_potentiation(0.0, 0.0, p))
    0.0
    """
    x = p.a4_share if a4_share is None else a4_share
    return (1.0 - x) * _subtype_e(allo_nM, zur_nM, p, "a1g2") + x * _subtype_e(
        allo_nM, zur_nM, p, "a4g2"
    )


def compute_delta_potentiation(allo_nM: jax.Array, zur_nM: jax.Array, p: GabaaParams) -> jax.Array:
    """Fractional potentiation of delta receptors, no direct gating.

    >>> p = get_gabaa_params()
    >>> e = float(compute_delta_potentiation(p.allo.ec50_delta_nM, 0.0, p))
    >>> round(e, 6) == p.allo.emax_delta / 2
    True
    """
    return _subtype_e(allo_nM, zur_nM, p, "delta")


def compute_tonic_conductance_nS(
    allo_nM: jax.Array, zur_nM: jax.Array, delta_level: float, p: GabaaParams
) -> jax.Array:
    """Tonic GABA-A conductance (nS) at free steroid concentrations (nM).

    ``g = g_od * max(delta - offset, 0) * [(1-r) (1 + E_d + D_d/f) + r (1 + E_a4g2 + D_g2/f)]``
    where ``r`` is the tonic share carried by alpha4beta-gamma2 receptors (epileptic state) and
    ``f`` the fraction of maximal current that ambient GABA activates.

    >>> p = get_gabaa_params()
    >>> g0 = float(compute_tonic_conductance_nS(0.0, 0.0, 0.42, p))
    >>> 0.5 < g0 < 0.65
    True
    """
    g0 = p.tonic_g_per_od_nS * jnp.maximum(delta_level - p.tonic_delta_offset_od, 0.0)
    f = p.tonic_gaba_fraction
    rel_delta = (
        1.0
        + compute_delta_potentiation(allo_nM, zur_nM, p)
        + compute_direct_gating(allo_nM, zur_nM, p, p.direct_max_delta) / f
    )
    rel_g2 = (
        1.0
        + _subtype_e(allo_nM, zur_nM, p, "a4g2")
        + compute_direct_gating(allo_nM, zur_nM, p, p.direct_max_gamma2) / f
    )
    r = p.tonic_g2_share
    return g0 * ((1.0 - r) * rel_delta + r * rel_g2)


def compute_phasic_charge_fC(
    allo_nM: jax.Array, zur_nM: jax.Array, sipsc_amp_pA: float, p: GabaaParams
) -> jax.Array:
    """Charge per sIPSC (fC = pA*ms): amplitude x decay x (1 + gamma2 potentiation).

    Steroids potentiate synaptic currents mainly by prolonging their decay, so the potentiation
    acts on the charge. The sign convention is the recording's (inward current, positive here).

    >>> p = get_gabaa_params()
    >>> round(float(compute_phasic_charge_fC(0.0, 0.0, 76.4, p)), 3)
    458.4
    """
    return sipsc_amp_pA * p.sipsc_decay_ms * (1.0 + compute_gamma2_potentiation(allo_nM, zur_nM, p))


def compute_tone_index(allo_nM: jax.Array, zur_nM: jax.Array, p: GabaaParams) -> jax.Array:
    """GABAergic tone index of a PPD patient: 0 = untreated PPD, 1 = healthy postpartum.

    ``(g(ppd, c) - g(ppd, c_ref)) / (g(postpartum, c_ref) - g(ppd, c_ref))`` on the tonic
    conductance, ``c_ref`` = endogenous free allopregnanolone (``tone_reference_free_nM``).
    ``allo_nM`` is the TOTAL free allopregnanolone at the receptor (drug + endogenous).

    >>> p = get_gabaa_params()
    >>> round(float(compute_tone_index(p.tone_reference_free_nM, 0.0, p)), 12)
    0.0
    """
    ref = p.tone_reference_free_nM
    g_ppd_ref = compute_tonic_conductance_nS(ref, 0.0, p.delta_level_ppd, p)
    g_pp_ref = compute_tonic_conductance_nS(ref, 0.0, p.delta_level_postpartum, p)
    g = compute_tonic_conductance_nS(allo_nM, zur_nM, p.delta_level_ppd, p)
    return (g - g_ppd_ref) / (g_pp_ref - g_ppd_ref)
