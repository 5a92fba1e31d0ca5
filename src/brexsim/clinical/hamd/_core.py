"""HAM-D-17 layer, the parameters and the pure ``jax.numpy`` model pieces: placebo fraction,
drug drive, remission-state equation and its solver, severity exponent and expected score
(split from ``hamd``; see the package docstring).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import jax
import jax.numpy as jnp

from brexsim.params import ParameterSet, load_parameters

jax.config.update("jax_enable_x64", True)


#: Care settings (the placebo course depends on them).
SETTINGS: tuple[str, ...] = ("inpatient", "outpatient")


class HamdParams(NamedTuple):
    """Numbers of the HAM-D layer (a JAX pytree of floats; rates per hour)."""

    placebo_max_inpatient: float
    placebo_max_outpatient: float
    placebo_td_inpatient_h: float
    placebo_td_outpatient_h: float
    placebo_shape: float
    max_drug_effect: float
    fast_rate_per_h: float
    relapse_rate_per_h: float
    immune_weight: float
    bdnf_weight: float
    severity_threshold_hamd: float
    severity_reference_hamd: float
    residual_sd: float
    max_score: float
    #: loading of the drug sensitivity on the innate-immune phenotype (0 = independent; issue 15)
    phenotype_loading_drug: float = 0.0
    omega_placebo: float = 1.0
    omega_drug: float = 1.0


def get_hamd_params(params: ParameterSet | None = None) -> HamdParams:
    """The ``hamd`` table as a :class:`HamdParams` (relapse half-life converted to a rate).

    >>> p = get_hamd_params()
    >>> p.max_score
    52.0
    """
    ps = params if params is not None else load_parameters()
    h = ps.get_layer("hamd")
    return HamdParams(
        placebo_max_inpatient=h["placebo_max_inpatient"],
        placebo_max_outpatient=h["placebo_max_outpatient"],
        placebo_td_inpatient_h=h["placebo_td_inpatient_h"],
        placebo_td_outpatient_h=h["placebo_td_outpatient_h"],
        placebo_shape=h["placebo_shape"],
        max_drug_effect=h["max_drug_effect"],
        fast_rate_per_h=h["fast_rate_per_h"],
        relapse_rate_per_h=math.log(2.0) / h["relapse_halflife_h"],
        immune_weight=h["immune_weight"],
        bdnf_weight=h["bdnf_weight"],
        severity_threshold_hamd=h["severity_threshold_hamd"],
        severity_reference_hamd=h["severity_reference_hamd"],
        residual_sd=h["residual_sd"],
        max_score=h["max_score"],
        phenotype_loading_drug=h.get("phenotype_loading_drug", 0.0),
        omega_placebo=h["omega_placebo"],
        omega_drug=h["omega_drug"],
    )


# ------------------------------------------------------------------ pure jax.numpy model pieces


def _logit(x):  # type: ignore[no-untyped-def]
    return jnp.log(x) - jnp.log1p(-x)


def compute_placebo_fraction(time_h, inpatient, p: HamdParams, eta_placebo=0.0) -> jax.Array:
    """Placebo fraction of baseline ``P(t)`` (0-1), shape ``[N, T]`` (or broadcast).

    ``time_h`` [T] (h), ``inpatient`` [N] (bool), ``eta_placebo`` [N] (logit scale).

    >>> p = get_hamd_params()
    >>> f = compute_placebo_fraction(jnp.array([0.0, 60.0]), jnp.array([True]), p)
    >>> float(f[0, 0]), bool(0.4 < f[0, 1] < 0.6)
    (0.0, True)
    """
    t = jnp.maximum(jnp.asarray(time_h, dtype=jnp.float64), 0.0)
    inp = jnp.asarray(inpatient)[..., None]
    eta = jnp.asarray(eta_placebo, dtype=jnp.float64)[..., None]
    pmax_typ = jnp.where(inp, p.placebo_max_inpatient, p.placebo_max_outpatient)
    td = jnp.where(inp, p.placebo_td_inpatient_h, p.placebo_td_outpatient_h)
    pmax = jax.nn.sigmoid(_logit(pmax_typ) + eta)
    return pmax * (1.0 - jnp.exp(-jnp.power(t / td, p.placebo_shape)))


def compute_drug_drive(tone_index, immune, bdnf_sd, p: HamdParams) -> jax.Array:
    """Drive of the remission state (1/h): ``k_fast T+ + w_I (1 - I)+ + w_B b+``.

    ``tone_index``: GABAergic tone index; ``immune``: plasma TNF-a fold change from baseline
    (1 = baseline); ``bdnf_sd``: serum BDNF change in healthy-SD units. Inputs broadcast.

    >>> p = get_hamd_params()
    >>> float(compute_drug_drive(0.0, 1.0, 0.0, p))
    0.0
    """
    return (
        p.fast_rate_per_h * jnp.maximum(tone_index, 0.0)
        + p.immune_weight * jnp.maximum(1.0 - immune, 0.0)
        + p.bdnf_weight * jnp.maximum(bdnf_sd, 0.0)
    )


def rhs_from_inputs(t, y, tone_index, immune, bdnf_sd, p: HamdParams):  # type: ignore[no-untyped-def]
    """Right-hand side (per hour) of the remission state ``R`` for given inputs at time ``t``:
    ``dR/dt = r (1 - R) - k_rel R``. ``y`` = ``R`` of any shape; inputs broadcast. Pure
    ``jax.numpy``; the state needs no patient random effect (``eta_drug`` acts on ``Emax``).

    >>> p = get_hamd_params()
    >>> float(rhs_from_inputs(0.0, 0.0, 0.0, 1.0, 0.0, p))
    0.0
    """
    r = compute_drug_drive(tone_index, immune, bdnf_sd, p)
    return r * (1.0 - y) - p.relapse_rate_per_h * y


def compute_severity_exponent(baseline, p: HamdParams) -> jax.Array:
    """Severity exponent ``s(B)`` on the drug factor (1 at the reference baseline, 0 below the
    Fournier threshold).

    >>> p = get_hamd_params()
    >>> round(float(compute_severity_exponent(p.severity_reference_hamd, p)), 12)
    1.0
    """
    b = jnp.asarray(baseline, dtype=jnp.float64)
    b0, bref = p.severity_threshold_hamd, p.severity_reference_hamd
    return (bref / jnp.maximum(b, 1e-9)) * jnp.maximum(b - b0, 0.0) / (bref - b0)


def compute_expected_score(
    placebo_fraction, remission_state, baseline, p: HamdParams, eta_drug=0.0
) -> jax.Array:
    """Expected HAM-D ``B (1 - P) (1 - Emax_i R)**s(B)``, clipped to [0, 52]. ``baseline`` and
    ``eta_drug`` [N] broadcast over the time axis of ``placebo_fraction`` / ``remission_state``
    [N, T].

    >>> p = get_hamd_params()
    >>> s = compute_expected_score(jnp.zeros((1, 1)), jnp.zeros((1, 1)), jnp.array([30.0]), p)
    >>> float(s[0, 0])
    30.0
    """
    b = jnp.asarray(baseline, dtype=jnp.float64)[..., None]
    eta = jnp.asarray(eta_drug, dtype=jnp.float64)[..., None]
    emax = jax.nn.sigmoid(_logit(p.max_drug_effect) + eta)
    s = compute_severity_exponent(b, p)
    drug = jnp.exp(s * jnp.log1p(-emax * jnp.clip(remission_state, 0.0, 1.0)))
    return jnp.clip(b * (1.0 - placebo_fraction) * drug, 0.0, p.max_score)


@jax.jit
def _solve_scan(time_h, tone, immune, bdnf_sd, p: HamdParams):  # type: ignore[no-untyped-def]
    # inputs [N, T]; drive averaged over each interval (trapezoid), exact exponential step
    r = compute_drug_drive(tone, immune, bdnf_sd, p)
    a_bar = 0.5 * (r[:, 1:] + r[:, :-1])
    b_bar = a_bar + p.relapse_rate_per_h
    dt = jnp.diff(time_h)

    def step(x, xs):  # type: ignore[no-untyped-def]
        ab, bb, h = xs
        decay = jnp.exp(-bb * h)
        x_new = x * decay + (ab / bb) * (1.0 - decay)
        return x_new, x_new

    x0 = jnp.zeros(tone.shape[0], dtype=jnp.float64)
    _, xs = jax.lax.scan(step, x0, (a_bar.T, b_bar.T, dt))
    return jnp.concatenate([x0[:, None], xs.T], axis=1)


def solve_remission_state(time_h, tone_index, immune, bdnf_sd, p: HamdParams) -> jax.Array:
    """Remission state ``R`` [N, T] on ``time_h`` [T] from ``R(time_h[0]) = 0``.

    Inputs [N, T] (tone index, TNF-a fold change, BDNF change in SD). Exact for a drive
    constant over each interval (it is averaged, trapezoid); second-order overall. Needs
    ``relapse_rate_per_h > 0``.

    >>> p = get_hamd_params()
    >>> t = jnp.arange(0.0, 3.0)
    >>> r = solve_remission_state(t, jnp.full((1, 3), 0.3), jnp.ones((1, 3)), jnp.zeros((1, 3)), p)
    >>> bool(r[0, 0] == 0.0 and 0.0 < r[0, 1] < r[0, 2] < 1.0)
    True
    """
    return _solve_scan(
        jnp.asarray(time_h, dtype=jnp.float64),
        jnp.asarray(tone_index, dtype=jnp.float64),
        jnp.asarray(immune, dtype=jnp.float64),
        jnp.asarray(bdnf_sd, dtype=jnp.float64),
        HamdParams(*(float(v) for v in p)),
    )
