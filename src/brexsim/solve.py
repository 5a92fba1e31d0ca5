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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from brexsim.mechanism import bdnf, tlr
from brexsim.mechanism._interp import interp_from_index

jax.config.update("jax_enable_x64", True)

__all__ = [
    "IN_VIVO_STATES",
    "BrexanoloneInputs",
    "coupled_rhs",
    "solve_in_vivo_batch",
    "solve_in_vivo_exact_batch",
]

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


@dataclass(frozen=True)
class BrexanoloneInputs:
    """What the exact-input in vivo solve needs per patient (numpy arrays over ``n`` patients).

    Attributes
    ----------
    segments : (n, S, 3) infusion segments ``start_h, end_h, rate_ug_per_h`` (rate = µg/kg/h x
        body weight), padded with zero-rate rows to a multiple of 16
    k10_per_h, k12_per_h, k21_per_h, v1_L, ke0_per_h : (n,) micro-constants (1/h), central
        volume (L) and biophase equilibration rate (1/h) of the PK states in the solve
    lam, coef : (n, 2) plasma disposition exponents (1/h) and unit-bolus coefficients (1/L)
    lam_e, coef_e : (n, 3) the effect-site (biophase) response: exponents incl. ``ke0`` (1/h)
        (closed form; used for the PK state at the first output time)
    jump_ts_h : (n, J) the patient's rate-change times (solver jump times), padded by repeating
        the last one to a multiple of 32
    mw_g_per_mol : shared constant (TLR drug molar mass)
    free_nM_per_ng_per_ml, endogenous_free_nM : (n,) effect-site ng/mL -> free biophase nM and
        the endogenous free allopregnanolone, nM (per patient: the unbound fraction can differ,
        e.g. in hepatic impairment)
    gabaa : :class:`brexsim.mechanism.gabaa.GabaaParams` of the receptor state

    Examples
    --------
    >>> from brexsim.dosing import get_preset
    >>> inp = BrexanoloneInputs.from_regimens([get_preset("zulresso")], np.array([70.0]))
    >>> inp.segments.shape, inp.jump_ts_h.shape
    ((1, 16, 3), (1, 32))
    """

    segments: np.ndarray
    k10_per_h: np.ndarray
    k12_per_h: np.ndarray
    k21_per_h: np.ndarray
    v1_L: np.ndarray
    ke0_per_h: np.ndarray
    lam: np.ndarray
    coef: np.ndarray
    lam_e: np.ndarray
    coef_e: np.ndarray
    jump_ts_h: np.ndarray
    mw_g_per_mol: float
    free_nM_per_ng_per_ml: np.ndarray
    endogenous_free_nM: np.ndarray
    gabaa: Any

    @classmethod
    def from_regimens(
        cls,
        regimens: Sequence[Any],
        weight_kg: np.ndarray,
        params=None,  # type: ignore[no-untyped-def]
        sensitivity: str = "control",
        scale: Mapping[str, np.ndarray] | None = None,
    ) -> BrexanoloneInputs:
        """Build the inputs for patients with ``regimens`` (brexanolone) and weights (kg);
        ``scale``: per-patient PK multipliers ``cl, v1, q, v2, fu``
        (:func:`brexsim.population.covariates.get_pk_scales`; default typical)."""
        from brexsim.errors import input_error
        from brexsim.mechanism.gabaa import get_gabaa_params
        from brexsim.params import load_parameters
        from brexsim.pk.brexanolone import get_brexanolone_pk

        ps = params or load_parameters()
        w = np.atleast_1d(np.asarray(weight_kg, dtype=float))
        n = len(regimens)
        if n == 0 or w.shape != (n,):
            raise input_error("weight_kg", w.shape, f"one body weight per regimen ({n}), n >= 1")
        drugs = sorted({r.drug for r in regimens})
        if drugs != ["brexanolone"]:
            raise input_error("regimens", drugs, "brexanolone (IV) regimens only")
        n_seg = max(1, max(len(r.segments) for r in regimens))
        n_jump = max(1, max(len(r.jump_times_h) for r in regimens))
        seg = np.zeros((n, -(-n_seg // 16) * 16, 3))
        jumps = np.empty((n, -(-n_jump // 32) * 32))
        lam, coef = np.empty((n, 2)), np.empty((n, 2))
        lam_e, coef_e = np.empty((n, 3)), np.empty((n, 3))
        micro = np.empty((n, 5))
        cache: dict[tuple[float, ...], tuple[np.ndarray, ...]] = {}
        keys = ("cl", "v1", "q", "v2")
        sc = {k: np.asarray(scale[k], dtype=float) for k in keys if scale and k in scale}
        for k, v in sc.items():
            if v.shape != (n,):
                raise input_error(f"scale.{k}", v.shape, f"one multiplier per regimen ({n},)")
        for i, (r, wi) in enumerate(zip(regimens, w, strict=True)):
            row = {k: float(v[i]) for k, v in sc.items()}
            ck = (float(wi), *(row.get(k, 1.0) for k in keys))
            if ck not in cache:
                pk = get_brexanolone_pk(float(wi), ps, row)
                la, a = pk.macro
                c0 = a[0] * pk.ke0_per_h / (pk.ke0_per_h - la[0])
                c1 = a[1] * pk.ke0_per_h / (pk.ke0_per_h - la[1])
                cache[ck] = (
                    la,
                    a,
                    np.array([la[0], la[1], pk.ke0_per_h]),
                    np.array([c0, c1, -(c0 + c1)]),
                    np.array(pk.weight_kg),
                    np.array(
                        [
                            pk.cl_L_per_h / pk.v1_L,
                            pk.q_L_per_h / pk.v1_L,
                            pk.q_L_per_h / pk.v2_L,
                            pk.v1_L,
                            pk.ke0_per_h,
                        ]
                    ),
                )
            lam[i], coef[i], lam_e[i], coef_e[i], wk, micro[i] = cache[ck]
            for j, sg in enumerate(r.segments):
                seg[i, j] = (sg.start_h, sg.end_h, sg.rate_ug_per_kg_h * wk)
            jt = np.asarray(r.jump_times_h, dtype=float)
            if jt.size == 0:
                jt = np.zeros(1)
            jumps[i, : jt.size] = jt
            jumps[i, jt.size :] = jt[-1]
        brx = ps.get_layer("brexanolone_pk")
        nm = 1e3 / brx["mw_g_per_mol"]
        fu = np.ones(n) if not scale or "fu" not in scale else np.asarray(scale["fu"], float)
        if fu.shape != (n,) or not (np.isfinite(fu).all() and (fu > 0).all()):
            raise input_error("scale.fu", fu.shape, f"({n},) finite multipliers > 0")
        return cls(
            segments=seg,
            k10_per_h=micro[:, 0],
            k12_per_h=micro[:, 1],
            k21_per_h=micro[:, 2],
            v1_L=micro[:, 3],
            ke0_per_h=micro[:, 4],
            lam=lam,
            coef=coef,
            lam_e=lam_e,
            coef_e=coef_e,
            jump_ts_h=jumps,
            mw_g_per_mol=float(tlr.get_tlr_parameters(ps)["mw_brexanolone"]),
            free_nM_per_ng_per_ml=(brx["fu_plasma"] * fu) * brx["kp_uu_brain"] * nm,
            endogenous_free_nM=brx["endogenous_ng_per_ml"]
            * (brx["fu_plasma"] * fu)
            * brx["kp_uu_brain"]
            * nm,
            gabaa=get_gabaa_params(ps, sensitivity),
        )

    def get_pk_state(self, t_h: float) -> np.ndarray:
        """``(n, 3)`` PK states at ``t_h`` (central and peripheral µg, effect site ng/mL) from
        the closed form (the initial state of the solve)."""
        tree = self.take(np.arange(self.segments.shape[0]))
        axes = {k: (None if k in _EXACT_SHARED else 0) for k in tree}

        def one(a):  # type: ignore[no-untyped-def]
            lam, k12 = a["lam"], a["k12_per_h"]
            coef_a2 = jnp.stack([-k12, k12]) / (lam[0] - lam[1])  # unit bolus -> peripheral
            return jnp.stack(
                [
                    _superpose(t_h, a["segments"], lam, a["coef"] * a["v1_L"]),
                    _superpose(t_h, a["segments"], lam, coef_a2),
                    _superpose(t_h, a["segments"], a["lam_e"], a["coef_e"]),
                ]
            )

        return np.asarray(jax.vmap(one, in_axes=(axes,))(tree))

    def take(self, idx: np.ndarray) -> dict[str, Any]:
        """The JAX argument tree of the patients ``idx`` (shared constants unbatched)."""
        return {
            "segments": jnp.asarray(self.segments[idx]),
            "k10_per_h": jnp.asarray(self.k10_per_h[idx]),
            "k12_per_h": jnp.asarray(self.k12_per_h[idx]),
            "k21_per_h": jnp.asarray(self.k21_per_h[idx]),
            "v1_L": jnp.asarray(self.v1_L[idx]),
            "ke0_per_h": jnp.asarray(self.ke0_per_h[idx]),
            "lam": jnp.asarray(self.lam[idx]),
            "coef": jnp.asarray(self.coef[idx]),
            "lam_e": jnp.asarray(self.lam_e[idx]),
            "coef_e": jnp.asarray(self.coef_e[idx]),
            "jump_ts_h": jnp.asarray(self.jump_ts_h[idx]),
            "mw_g_per_mol": jnp.asarray(self.mw_g_per_mol),
            "free_nM_per_ng_per_ml": jnp.asarray(self.free_nM_per_ng_per_ml[idx]),
            "endogenous_free_nM": jnp.asarray(self.endogenous_free_nM[idx]),
            "gabaa": jax.tree_util.tree_map(jnp.asarray, self.gabaa),
        }


_EXACT_SHARED = ("gabaa", "mw_g_per_mol")


def _compiled_exact(rtol: float, atol: float):  # type: ignore[no-untyped-def]
    return _batched_solver("exact", rtol, atol)


def _compiled(rtol: float, atol: float, uniform: bool = False, jumps: str = "grid"):  # type: ignore[no-untyped-def]
    engine = ("grid_uniform" if uniform else "grid_search") + ("" if jumps == "grid" else "_given")
    return _batched_solver(engine, rtol, atol)


@functools.lru_cache(maxsize=16)
def _batched_solver(engine: str, rtol: float, atol: float):  # type: ignore[no-untyped-def]
    """One jitted, vmapped diffrax solve per engine: ``exact`` (:func:`_exact_rhs`, each
    patient's rate changes as jump times) or ``grid_uniform`` / ``grid_search`` (inputs on a
    grid; every grid point a jump time, or with ``_given`` the given jump times)."""
    from brexsim._ode import solve_on_grid

    if engine == "exact":
        rhs, shared = _exact_rhs, {"pk": _EXACT_SHARED}

        def jumps_of(args):  # type: ignore[no-untyped-def]
            return args["pk"]["jump_ts_h"]
    else:
        rhs = _rhs_uniform if engine.startswith("grid_uniform") else _rhs_search
        shared = {"tlr": _SHARED, "bdnf": _SHARED}
        key = "jump_ts_h" if engine.endswith("_given") else "t_grid_h"

        def jumps_of(args):  # type: ignore[no-untyped-def]
            return args["tlr"][key]

    def one(y0, args, ts):  # type: ignore[no-untyped-def]
        return solve_on_grid(
            rhs,
            y0,
            args,
            ts,
            jumps_of(args),
            dt0=0.01,
            max_steps=400_000,
            rtol=rtol,
            atol=atol,
            throw=False,
        )

    def axes(tree):  # type: ignore[no-untyped-def]
        return {
            layer: {k: (None if k in shared.get(layer, ()) else 0) for k in sub}
            for layer, sub in tree.items()
        }

    @jax.jit
    def batch(y0, args, ts):  # type: ignore[no-untyped-def]
        return jax.vmap(one, in_axes=(0, axes(args), None))(y0, args, ts)

    return batch


def _is_uniform(grid: np.ndarray) -> bool:
    """True when ``grid[k] == grid[0] + k * (grid[1] - grid[0])`` exactly (e.g. 0.25-h steps)."""
    g = np.asarray(grid, dtype=float)
    if g.size < 3:
        return False
    dx = g[1] - g[0]
    return bool(dx > 0 and np.array_equal(g, g[0] + dx * np.arange(g.size)))


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
    jump_times_h: np.ndarray | None = None,
    workers: int = 1,
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
    jump_times_h : optional times where the solver must stop (e.g. the regimens' rate
        changes). Default ``None``: every point of ``grid_h`` (the inputs are linear between
        grid points), what :func:`brexsim.model.simulate` uses with grid inputs. Passing only the
        rate changes lets the step-size controller step over grid points: about 5x fewer
        steps; results differ from the default by up to ~1e-3 relative (the input grid's own
        interpolation error is of that order), so not identical.
    workers : chunks solved at a time on separate threads (XLA runs one chunk on one core);
        results are identical for any number. Memory: ``workers`` chunks in flight.

    Returns
    -------
    ys : (n, m, len(IN_VIVO_STATES)) states, ok : (n,) bool solver success

    Notes
    -----
    A uniform ``grid_h`` (such as the 0.25-h grid of :func:`brexsim.model.simulate` with
    ``solver={"inputs": "grid"}``) is interpolated by index arithmetic instead of a binary
    search (identical values); chunks are dispatched one ahead of collecting the previous one.
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
    uniform = _is_uniform(grid_h)
    jumps = "grid" if jump_times_h is None else "given"
    solver = _compiled(rtol, atol, uniform, jumps)
    shared = {
        "grid_inv_dx": jnp.asarray(1.0 / (grid_h[1] - grid_h[0]) if uniform else 1.0),
        "jump_ts_h": jnp.asarray(
            np.unique(np.append(np.asarray(jump_times_h, dtype=float), ts[0]))
            if jump_times_h is not None
            else np.asarray(grid_h[:1], dtype=float)
        ),
    }
    ts_j = jnp.asarray(ts)

    def dispatch(idx: np.ndarray, pad: np.ndarray):  # type: ignore[no-untyped-def]
        a_t = {
            k: (v if k in _SHARED else jnp.broadcast_to(v, (chunk, *v.shape)))
            for k, v in base_t.items()
        }
        a_t.update(shared)
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
        return solver(y0b, {"tlr": a_t, "bdnf": a_b}, ts_j)  # asynchronous dispatch

    return _run_chunks(n, len(ts), chunk, workers, dispatch)


def _run_chunks(n: int, m: int, chunk: int, workers: int, dispatch):  # type: ignore[no-untyped-def]
    """Solve ``n`` patients in blocks of ``chunk`` (the last padded by repeating its last
    patient); ``dispatch(idx, pad)`` starts one block's solve and returns ``(ys, ok)``."""
    ys_all = np.empty((n, m, len(IN_VIVO_STATES)))
    ok_all = np.empty(n, dtype=bool)

    def start(lo: int):  # type: ignore[no-untyped-def]
        idx = np.arange(lo, min(lo + chunk, n))
        pad = np.concatenate([idx, np.full(chunk - len(idx), idx[-1])])
        return idx, *dispatch(idx, pad)

    def collect(job) -> None:  # type: ignore[no-untyped-def]
        idx, ys, ok = job
        ys_all[idx] = np.asarray(ys)[: len(idx)]
        ok_all[idx] = np.asarray(ok)[: len(idx)]

    starts = range(0, n, chunk)
    if workers > 1 and len(starts) > 1:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=workers) as pool:  # XLA releases the GIL
            list(pool.map(lambda lo: collect(start(lo)), starts))
        return ys_all, ok_all
    pending = None
    for lo in starts:
        job = start(lo)
        if pending is not None:
            collect(pending)  # the previous chunk, while this one runs
        pending = job
    if pending is not None:
        collect(pending)
    return ys_all, ok_all


def solve_in_vivo_exact_batch(
    ts: np.ndarray,
    inputs: BrexanoloneInputs,
    chunk: int = 64,
    rtol: float = 1e-6,
    atol: float = 1e-9,
    params=None,  # type: ignore[no-untyped-def]
    ic50_scale: np.ndarray | None = None,
    reprogram_scale: np.ndarray | None = None,
    workers: int = 1,
) -> tuple[np.ndarray, np.ndarray]:
    """Solve the coupled in vivo system for ``n`` brexanolone patients with the exact PK and
    GABAergic tone index evaluated inside the right-hand side (no input grid).

    The drug input is the two-compartment + effect-site closed form (:func:`exact_inputs`),
    so the solver only has to stop at each patient's own rate changes (``inputs.jump_ts_h``);
    between them the inputs are smooth and the step-size controller steps freely. This is the
    default engine of :func:`brexsim.model.simulate` for brexanolone;
    :func:`solve_in_vivo_batch` (inputs on a grid, linearly interpolated) is kept for
    zuranolone and as a cross-check (they agree to the grid's interpolation error).

    Parameters
    ----------
    ts : (m,) output times, h
    inputs : the patients' :class:`BrexanoloneInputs`
    chunk, rtol, atol, ic50_scale, reprogram_scale, workers : as :func:`solve_in_vivo_batch`

    Returns
    -------
    ys : (n, m, len(IN_VIVO_STATES)) states, ok : (n,) bool solver success

    Examples
    --------
    >>> from brexsim.dosing import get_preset
    >>> inp = BrexanoloneInputs.from_regimens([get_preset("zulresso")], np.array([70.0]))
    >>> ys, ok = solve_in_vivo_exact_batch(np.array([0.0, 60.0]), inp, chunk=1)
    >>> bool(ok[0]), bool(ys[0, 1, 4] < ys[0, 0, 4])  # plasma TNF-a falls by 60 h
    (True, True)
    """
    n = inputs.segments.shape[0]
    a_t0 = tlr.make_in_vivo_args(params, None, None, "brexanolone")
    a_t0 = {k: v for k, v in a_t0.items() if k not in ("t_grid_h", "c_grid_uM")}
    y0_t = np.asarray(tlr.get_in_vivo_baseline(params))
    two = np.array([0.0, 1.0])
    b_args0 = bdnf.make_bdnf_args(two, np.zeros(2), np.ones(2), params)
    b_args0 = {k: v for k, v in b_args0.items() if k not in ("t_grid_h", "gaba_grid", "infl_grid")}
    y0 = np.concatenate([y0_t, np.asarray(bdnf.get_bdnf_baseline_state())])
    s_ic50 = np.ones(n) if ic50_scale is None else np.asarray(ic50_scale, dtype=float)
    s_rep = np.ones(n) if reprogram_scale is None else np.asarray(reprogram_scale, dtype=float)
    pk0 = inputs.get_pk_state(float(ts[0]))
    tone0 = _tone_of(pk0, inputs)  # the BDNF drive is relative to it
    n_vivo = len(IN_VIVO_STATES)
    solver = _compiled_exact(rtol, atol)
    ts_j = jnp.asarray(ts)

    def batched(v, pad):  # type: ignore[no-untyped-def]
        return jnp.broadcast_to(jnp.asarray(v), (len(pad), *np.shape(v)))

    def dispatch(idx: np.ndarray, pad: np.ndarray):  # type: ignore[no-untyped-def]
        a_t = {k: batched(v, pad) for k, v in a_t0.items()}
        a_t["ic50_uM"] = a_t0["ic50_uM"] * jnp.asarray(s_ic50[pad])
        a_t["k_reprogram_per_h"] = a_t0["k_reprogram_per_h"] * jnp.asarray(s_rep[pad])
        a_b = {k: batched(v, pad) for k, v in b_args0.items()}
        a_b["gaba_baseline"] = jnp.asarray(tone0[pad])
        y0b = jnp.concatenate([batched(y0, pad), jnp.asarray(pk0[pad])], axis=1)
        ys, ok = solver(y0b, {"tlr": a_t, "bdnf": a_b, "pk": inputs.take(pad)}, ts_j)
        return ys[..., :n_vivo], ok

    return _run_chunks(n, len(ts), chunk, workers, dispatch)


def _tone_of(pk_state: np.ndarray, inputs: BrexanoloneInputs) -> np.ndarray:
    """The tone index of every patient for PK states ``(n, 3)``, from :func:`exact_inputs`."""
    tree = inputs.take(np.arange(inputs.segments.shape[0]))
    axes = {k: (None if k in _EXACT_SHARED else 0) for k in tree}
    f = jax.vmap(lambda y, a: exact_inputs(y, a)[1], in_axes=(0, axes))
    return np.asarray(f(jnp.asarray(pk_state), tree))
