"""The numerical engine: one coupled in vivo system (TLR/cytokines + BDNF) solved with diffrax,
batched over patients with ``vmap`` in fixed-size, padded chunks.

State per patient: :data:`IN_VIVO_STATES` = the TLR states of :mod:`brexsim.mechanism.tlr`
followed by the BDNF states of :mod:`brexsim.mechanism.bdnf`.
Inputs per patient, on a shared time grid: total plasma drug (drives TLR-MyD88 inhibition,
:mod:`brexsim.mechanism.tlr`) and the GABAergic tone index (drives BDNF,
:mod:`brexsim.mechanism.bdnf`); BDNF's inflammation input is the plasma TNF-α fold change taken
from the TLR states inside the same right-hand side. PK enters as exact (closed-form) values on
the grid, linearly interpolated; grid points are the solver's jump times.
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np

from brexsim.mechanism import bdnf, tlr

jax.config.update("jax_enable_x64", True)

__all__ = ["IN_VIVO_STATES", "coupled_rhs", "solve_in_vivo_batch"]

IN_VIVO_STATES: tuple[str, ...] = (*tlr.IN_VIVO_STATES, *bdnf.BDNF_STATES)
N_TLR = len(tlr.IN_VIVO_STATES)
_SHARED = ("t_grid_h",)


def coupled_rhs(t, y, args):  # type: ignore[no-untyped-def]
    """Right-hand side of the coupled in vivo system (per hour); pure ``jax.numpy``."""
    a_t, a_b = args["tlr"], args["bdnf"]
    dy_t = tlr.rhs(t, y[:N_TLR], a_t)
    tnf_fold = y[4] / a_t["baseline_pg_per_ml"][0]
    g = jnp.interp(t, a_b["t_grid_h"], a_b["gaba_grid"])
    dy_b = bdnf.rhs_from_inputs(t, y[N_TLR:], g, tnf_fold, a_b)
    return jnp.concatenate([dy_t, dy_b])


@functools.lru_cache(maxsize=8)
def _compiled(rtol: float, atol: float):  # type: ignore[no-untyped-def]
    from brexsim._ode import solve_on_grid

    def one(y0, args, ts):  # type: ignore[no-untyped-def]
        return solve_on_grid(
            coupled_rhs,
            y0,
            args,
            ts,
            args["tlr"]["t_grid_h"],
            dt0=0.01,
            max_steps=400_000,
            rtol=rtol,
            atol=atol,
            throw=False,
        )

    def axes(tree):  # type: ignore[no-untyped-def]
        return {
            layer: {k: (None if k in _SHARED else 0) for k in sub} for layer, sub in tree.items()
        }

    @functools.partial(jax.jit, static_argnums=())
    def batch(y0, args, ts):  # type: ignore[no-untyped-def]
        return jax.vmap(one, in_axes=(0, axes(args), None))(y0, args, ts)

    return batch


def solve_in_vivo_batch(
    ts: np.ndarray,
    grid_h: np.ndarray,
    plasma_total_ng_per_ml: np.ndarray,
    gaba_tone: np.ndarray,
    drug: str = "brexanolone",
    chunk: int = 64,
    rtol: float = 1e-6,
    atol: float = 1e-9,
    params=None,  # type: ignore[no-untyped-def]
    ic50_scale: np.ndarray | None = None,
    reprogram_scale: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Solve the coupled in vivo system for ``n`` patients.

    Parameters
    ----------
    ts : (m,) output times, h
    grid_h : (g,) input grid, h (shared by all patients)
    plasma_total_ng_per_ml : (n, g) total plasma drug on the grid
    gaba_tone : (n, g) GABAergic tone index on the grid
    chunk : patients per compiled block; the last block is padded so one shape is compiled
    ic50_scale, reprogram_scale : (n,) subject multipliers on the TLR drug IC50 and the
        innate reprogramming rate (``infl_ic50_scale``, ``infl_reprogram_scale``; default 1)

    Returns
    -------
    ys : (n, m, len(IN_VIVO_STATES)) states, ok : (n,) bool solver success
    """
    c = np.asarray(plasma_total_ng_per_ml, dtype=float)
    g = np.asarray(gaba_tone, dtype=float)
    n = c.shape[0]
    base_t = tlr.make_in_vivo_args(params, grid_h, np.zeros_like(grid_h), drug)
    y0_t = np.asarray(tlr.get_in_vivo_baseline(params))
    b_args0 = bdnf.make_bdnf_args(grid_h, np.zeros_like(grid_h), np.ones_like(grid_h), params)
    y0 = np.concatenate([y0_t, np.asarray(bdnf.get_bdnf_baseline_state())])
    uM = np.asarray(tlr.convert_ng_per_ml_to_uM(c, drug))
    s_ic50 = np.ones(n) if ic50_scale is None else np.asarray(ic50_scale, dtype=float)
    s_rep = np.ones(n) if reprogram_scale is None else np.asarray(reprogram_scale, dtype=float)
    solver = _compiled(rtol, atol)
    ys_all = np.empty((n, len(ts), len(IN_VIVO_STATES)))
    ok_all = np.empty(n, dtype=bool)
    for lo in range(0, n, chunk):
        idx = np.arange(lo, min(lo + chunk, n))
        pad = np.concatenate([idx, np.full(chunk - len(idx), idx[-1])])
        a_t = {
            k: (v if k in _SHARED else jnp.broadcast_to(v, (chunk, *v.shape)))
            for k, v in base_t.items()
        }
        a_t["c_grid_uM"] = jnp.asarray(uM[pad])
        a_t["ic50_uM"] = base_t["ic50_uM"] * jnp.asarray(s_ic50[pad])
        a_t["k_reprogram_per_h"] = base_t["k_reprogram_per_h"] * jnp.asarray(s_rep[pad])
        a_b = {
            k: (v if k in _SHARED else jnp.broadcast_to(v, (chunk, *v.shape)))
            for k, v in b_args0.items()
        }
        a_b["gaba_grid"] = jnp.asarray(g[pad])
        a_b["infl_grid"] = jnp.ones((chunk, len(grid_h)))
        a_b["gaba_baseline"] = jnp.asarray(g[pad, 0])
        y0b = jnp.broadcast_to(jnp.asarray(y0), (chunk, len(y0)))
        ys, ok = solver(y0b, {"tlr": a_t, "bdnf": a_b}, jnp.asarray(ts))
        ys_all[idx] = np.asarray(ys)[: len(idx)]
        ok_all[idx] = np.asarray(ok)[: len(idx)]
    return ys_all, ok_all
