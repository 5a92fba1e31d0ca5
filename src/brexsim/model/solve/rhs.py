"""Right-hand sides of the coupled in vivo system (TLR/cytokines + BDNF): inputs on a grid
(:func:`coupled_rhs`; :func:`_interp_uniform` for a uniform grid) or the exact brexanolone PK and
GABAergic tone index inside the right-hand side (:func:`_exact_rhs`, :func:`exact_inputs`)."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from brexsim.mechanism import bdnf, tlr
from brexsim.mechanism._interp import interp_from_index

jax.config.update("jax_enable_x64", True)

IN_VIVO_STATES: tuple[str, ...] = (*tlr.IN_VIVO_STATES, *bdnf.BDNF_STATES)
N_TLR = len(tlr.IN_VIVO_STATES)
_SHARED = ("t_grid_h", "grid_inv_dx", "jump_ts_h")


def _interp_uniform(x, xp, fp, inv_dx):  # type: ignore[no-untyped-def]
    """``jnp.interp(x, xp, fp)`` for a uniform grid ``xp``, bit for bit, without a search.

    The interval index (``searchsorted(xp, x, side="right")``) is estimated from
    ``(x - xp[0]) * inv_dx`` and corrected by one comparison each way (the estimate of an exactly
    uniform grid is off by at most one ulp-induced step); the rest is ``jnp.interp``'s own
    formula, so values are identical. Replaces a 12-step binary search (a ``while`` loop inside
    every right-hand-side evaluation) with a few vector operations.
    """
    n = xp.shape[-1]
    k = jnp.clip(jnp.floor((x - xp[0]) * inv_dx), -1.0, n - 1.0).astype(jnp.int32)
    i = k + 1  # candidate count of knots <= x
    i = jnp.where((i < n) & (xp[jnp.minimum(i, n - 1)] <= x), i + 1, i)
    i = jnp.where((i > 0) & (xp[jnp.maximum(i - 1, 0)] > x), i - 1, i)
    return interp_from_index(x, xp, fp, jnp.clip(i, 1, n - 1))


def _make_rhs(interp):  # type: ignore[no-untyped-def]
    def rhs(t, y, args):  # type: ignore[no-untyped-def]
        a_t, a_b = args["tlr"], args["bdnf"]
        conc = interp(t, a_t["t_grid_h"], a_t["c_grid_uM"], a_t)
        dy_t = tlr.rhs_from_concentration(t, y[:N_TLR], conc, a_t)
        tnf_fold = y[4] / a_t["baseline_pg_per_ml"][0]
        g = interp(t, a_b["t_grid_h"], a_b["gaba_grid"], a_t)
        dy_b = bdnf.rhs_from_inputs(t, y[N_TLR:], g, tnf_fold, a_b)
        return jnp.concatenate([dy_t, dy_b])

    return rhs


_rhs_search = _make_rhs(lambda t, xp, fp, a: jnp.interp(t, xp, fp))
_rhs_uniform = _make_rhs(lambda t, xp, fp, a: _interp_uniform(t, xp, fp, a["grid_inv_dx"]))


def coupled_rhs(t, y, args):  # type: ignore[no-untyped-def]
    """Right-hand side of the coupled in vivo system (per hour); pure ``jax.numpy``."""
    return _rhs_search(t, y, args)


# ------------------------------------------------------------ exact brexanolone inputs in the RHS


def _superpose(t, seg, lam, coef):  # type: ignore[no-untyped-def]
    """Closed-form response at time ``t`` (scalar) of ``Σ_k coef_k exp(-lam_k τ)`` to the
    piecewise-constant inputs ``seg`` = rows ``(start_h, end_h, rate)``, rate per hour.

    Per segment: ``c/λ (1 − e^{−λ τ₁}) e^{−λ τ₂}`` with ``τ₁ = clip(t − start, 0, end − start)``
    and ``τ₂ = max(t − end, 0)``: the cancellation-free form of
    :func:`brexsim.pk.brexanolone._segment_response` (zero before the segment, the during- and
    after-segment branches in one expression). Padding rows have rate 0.
    """
    start, end, rate = seg[:, 0], seg[:, 1], seg[:, 2]
    tau1 = jnp.clip(t - start, 0.0, end - start)[:, None]
    tau2 = jnp.maximum(t - end, 0.0)[:, None]
    resp = (coef / lam)[None, :] * -jnp.expm1(-lam[None, :] * tau1) * jnp.exp(-lam[None, :] * tau2)
    per_seg = jnp.sum(rate[:, None] * resp, axis=1)
    acc = per_seg[0]
    for i in range(1, seg.shape[0]):  # in order: padding rows (exact zeros) change no bit
        acc = acc + per_seg[i]
    return acc


def _pk_rhs(t, y_pk, a_p):  # type: ignore[no-untyped-def]
    """Two-compartment brexanolone PK with an effect site, per hour: ``y_pk`` = central and
    peripheral amounts (µg) and the effect-site concentration (ng/mL); the infusion rate is
    the sum of the segments ``start <= t < end`` (the solver stops at every rate change)."""
    seg = a_p["segments"]
    rate = jnp.sum(jnp.where((t >= seg[:, 0]) & (t < seg[:, 1]), seg[:, 2], 0.0))
    a1, a2, ce = y_pk[0], y_pk[1], y_pk[2]
    k10, k12, k21 = a_p["k10_per_h"], a_p["k12_per_h"], a_p["k21_per_h"]
    cp = a1 / a_p["v1_L"]
    return jnp.stack(
        [rate - (k10 + k12) * a1 + k21 * a2, k12 * a1 - k21 * a2, a_p["ke0_per_h"] * (cp - ce)]
    )


def exact_inputs(y_pk, a_p):  # type: ignore[no-untyped-def]
    """Plasma brexanolone (uM, the TLR layer's drug input) and the GABAergic tone index from
    the PK states ``y_pk`` (see :func:`_pk_rhs`) of one patient (``a_p``: one patient's
    :class:`BrexanoloneInputs` arrays). Pure ``jax.numpy``."""
    from brexsim.mechanism.gabaa import compute_tone_index

    cp = jnp.maximum(y_pk[0] / a_p["v1_L"], 0.0)
    ce = jnp.maximum(y_pk[2], 0.0)
    free_nM = ce * a_p["free_nM_per_ng_per_ml"]
    tone = compute_tone_index(free_nM + a_p["endogenous_free_nM"], 0.0, a_p["gabaa"])
    return cp / a_p["mw_g_per_mol"], jnp.clip(tone, 0.0, 1.0)


def _exact_rhs(t, y, args):  # type: ignore[no-untyped-def]
    a_t, a_b, a_p = args["tlr"], args["bdnf"], args["pk"]
    n_vivo = len(IN_VIVO_STATES)
    conc, g = exact_inputs(y[n_vivo:], a_p)
    dy_t = tlr.rhs_from_concentration(t, y[:N_TLR], conc, a_t)
    tnf_fold = y[4] / a_t["baseline_pg_per_ml"][0]
    dy_b = bdnf.rhs_from_inputs(t, y[N_TLR:n_vivo], g, tnf_fold, a_b)
    return jnp.concatenate([dy_t, dy_b, _pk_rhs(t, y[n_vivo:], a_p)])
