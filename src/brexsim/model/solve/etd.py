"""Fixed-grid exponential integrator for the coupled in vivo system: ETDRK4 (Cox & Matthews 2002)
with the linear decay of every state treated exactly, patients as the vectorised dimension.

The in vivo system (TLR/cytokines + BDNF, 18 states; :mod:`brexsim.model.solve`) is written as
``dy/dt = L y + N(t, y)`` with ``L`` the diagonal of its first-order losses (innate recovery,
production lags, plasma cytokine elimination, BDNF drive, megakaryocyte, platelet and exchange
turnover; shared by all patients) and ``N = f - L y`` evaluated with the same right-hand-side
functions as the diffrax engines (:func:`brexsim.mechanism.tlr.rhs_from_concentration`,
:func:`brexsim.mechanism.bdnf.rhs_from_inputs`), so the model is the same one. The stiff fast
decays (plasma TNF-α 2.08/h, the TNF production lag 1.87/h) are integrated exactly and no longer
bound the step; what is left to approximate is the smooth forcing ``N``.

Drug inputs:

* brexanolone (:func:`solve_in_vivo_etd_batch`): the two-compartment + effect-site PK in modal
  form, ``dm_i/dt = -λ_i m_i + R(t)`` with ``λ = (λ1, λ2, ke0)`` (``BrexanoloneInputs.lam_e``);
  plasma = ``Σ coef_i m_i``, effect site = ``Σ coef_e_i m_i``. ``R`` is constant on every step
  (each patient's rate changes are step points), so each ``m_i`` is advanced exactly
  (``e^{-λτ} m + R (1 - e^{-λτ})/λ``): no PK state is approximated and the effect-site mode
  (2.77/h) is gone from the stepped system.
* inputs on a uniform grid (:func:`solve_in_vivo_etd_grid_batch`, zuranolone): linearly
  interpolated exactly as :func:`brexsim.model.solve.solve_in_vivo_batch` does, steps on grid
  points.

Steps are fixed in advance per patient (:func:`make_step_grid`): every output time and rate
change is a step point, steps of at most ``h_fast`` until ``tail_h`` after the last rate change
and at most ``h_slow`` after it. The grid depends on the patient's own regimen and output times
only, so results do not depend on the chunk, the patients sharing it or the number of workers.
Accuracy against tight reference solves: ``docs/model/numerics.md``.
"""

from __future__ import annotations

import functools
import itertools
import math
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from brexsim.mechanism import bdnf, tlr

jax.config.update("jax_enable_x64", True)

__all__ = [
    "ETD_DEFAULTS",
    "get_linear_rates",
    "make_step_grid",
    "solve_in_vivo_etd_batch",
    "solve_in_vivo_etd_grid_batch",
]

N_TLR = len(tlr.IN_VIVO_STATES)
#: Step of the grid-input solve (h): each input-grid interval is split into equal steps of at
#: most this (docs/model/numerics.md).
GRID_STEP_H = 0.125
#: Default step bounds (h): ``h_fast`` until ``tail_h`` after the last rate change, then
#: ``h_slow``; chosen from the accuracy study in docs/model/numerics.md.
ETD_DEFAULTS: dict[str, float] = {
    "h_jump": 0.125,
    "window_h": 4.0,
    "h_fast": 0.5,
    "tail_h": 24.0,
    "h_slow": 1.0,
}


def get_linear_rates(a_t: dict[str, Any], a_b: dict[str, Any]) -> np.ndarray:
    """The 18 first-order loss rates (1/h, >= 0) of the in vivo states, in
    :data:`brexsim.model.solve.IN_VIVO_STATES` order, from the TLR and BDNF argument trees.

    >>> a_t = tlr.make_in_vivo_args()
    >>> a_b = bdnf.make_bdnf_args(np.array([0.0, 1.0]), np.zeros(2), np.ones(2))
    >>> r = get_linear_rates(a_t, a_b)
    >>> r.shape, round(float(r[4]), 3)  # plasma TNF-a elimination
    ((18,), 2.082)
    """
    b = {k: float(np.asarray(a_b[k])) for k in ("k_drive_per_h", "k_megakaryocyte_per_h")}
    k_plt, k_x = float(np.asarray(a_b["k_platelet_per_h"])), float(a_b["k_exchange_per_h"])
    return np.concatenate(
        [
            [float(np.asarray(a_t["k_recover_per_h"]))],
            np.asarray(a_t["klag_per_h"], dtype=float),
            np.asarray(a_t["kout_per_h"], dtype=float),
            [b["k_drive_per_h"]],
            np.full(bdnf.N_MEGAKARYOCYTE, b["k_megakaryocyte_per_h"]),
            np.full(bdnf.N_PLATELET, k_plt),
            [k_x],
        ]
    )


def _phis(z: float) -> tuple[float, float, float, float]:
    """``e^z, φ1(z), φ2(z), φ3(z)`` for ``z <= 0`` (series for small ``|z|``; pure Python, so
    each value is the same whatever else is computed with it)."""
    if abs(z) < 0.5:
        p3 = 0.0
        for j in range(18, -1, -1):  # φ3 = Σ z^j / (j + 3)!
            p3 = p3 * z + 1.0 / math.factorial(j + 3)
        p2 = 0.5 + z * p3
        p1 = 1.0 + z * p2
        return 1.0 + z * p1, p1, p2, p3
    p1 = math.expm1(z) / z
    p2 = (p1 - 1.0) / z
    return math.exp(z), p1, p2, (p2 - 0.5) / z


@functools.lru_cache(maxsize=4096)
def _coefficients(h: float, rates: tuple[float, ...]) -> np.ndarray:
    """``(6, S)`` ETDRK4 coefficients of a step ``h`` for loss rates ``rates``: ``e^{Lh/2}``,
    ``h/2 φ1(Lh/2)``, ``e^{Lh}``, ``h(φ1 - 3φ2 + 4φ3)``, ``h(φ2 - 2φ3)``, ``h(4φ3 - φ2)``."""
    out = np.empty((6, len(rates)))
    for s, r in enumerate(rates):
        e2, p12, _, _ = _phis(-r * h / 2.0)
        e, p1, p2, p3 = _phis(-r * h)
        f1, f2, f3 = p1 - 3 * p2 + 4 * p3, p2 - 2 * p3, 4 * p3 - p2
        out[:, s] = (e2, h / 2.0 * p12, e, h * f1, h * f2, h * f3)
    return out


def make_step_grid(
    ts: np.ndarray,
    jumps: np.ndarray,
    h_jump: float = ETD_DEFAULTS["h_jump"],
    window_h: float = ETD_DEFAULTS["window_h"],
    h_fast: float = ETD_DEFAULTS["h_fast"],
    tail_h: float = ETD_DEFAULTS["tail_h"],
    h_slow: float = ETD_DEFAULTS["h_slow"],
) -> np.ndarray:
    """Step points of one patient: the output times ``ts`` (h) and the rate changes ``jumps``
    inside them, each interval split evenly into steps of at most ``h_jump`` within
    ``window_h`` after a rate change (or the start), ``h_fast`` until ``tail_h`` after the last
    rate change and ``h_slow`` after that.

    >>> make_step_grid(np.array([0.0, 4.0, 40.0]), np.array([0.0, 1.0]), 0.5, 1.0, 1.0, 2.0, 4.0)
    array([ 0. ,  0.5,  1. ,  1.5,  2. ,  3. ,  4. ,  8. , 12. , 16. , 20. , 24. , 28. , 32. ,
           36. , 40. ])
    """
    ts = np.asarray(ts, dtype=float)
    jall = np.asarray(jumps, dtype=float)
    j = jall[(jall > ts[0]) & (jall < ts[-1])]
    starts = np.union1d(j, ts[:1])
    ends = np.minimum(starts + window_h, ts[-1])
    knots = np.union1d(np.union1d(ts, j), ends)
    fast_end = float(np.max(jall, initial=ts[0])) + tail_h
    pts = [knots[:1]]
    for a, b in itertools.pairwise(knots):
        in_win = bool(np.any((a >= starts) & (a < ends)))
        hmax = h_jump if in_win else (h_fast if a < fast_end else h_slow)
        k = max(1, math.ceil((b - a) / hmax - 1e-9))
        seg = a + (b - a) * np.arange(1, k + 1) / k
        seg[-1] = b
        pts.append(seg)
    return np.concatenate(pts)


def _columns(g: np.ndarray, ts: np.ndarray, seg: np.ndarray | None) -> tuple[np.ndarray, ...]:
    """One step grid's start times, lengths, the infusion segment active on each step (at its
    midpoint; -1 = none; ``seg``: ``(S, 2+)`` segment start and end times, or ``None``) and the
    step index of each output time (0 = the initial state)."""
    t0, h = g[:-1], np.diff(g)
    on = np.full(h.shape, -1, dtype=np.intp)
    if seg is not None:
        mid = t0 + h / 2.0
        hit = (mid[:, None] >= seg[None, :, 0]) & (mid[:, None] < seg[None, :, 1])
        on = np.where(hit.any(axis=1), hit.argmax(axis=1), -1)
    return t0, h, on, np.searchsorted(g, ts).astype(np.int32)


def _layout(cols: list[tuple[np.ndarray, ...]], rates: tuple[float, ...]):  # type: ignore[no-untyped-def]
    """Stack the patients' :func:`_columns` into ``(K, n)`` arrays (step start, length,
    coefficient-table index, rate), the ``(m, n)`` output step indices and the coefficient
    table; the step count is padded with zero-length steps (exact no-ops)."""
    k = max(len(c[1]) for c in cols)
    k = -(-k // 64) * 64
    n = len(cols)
    t0, h, rate = np.empty((k, n)), np.zeros((k, n)), np.zeros((k, n))
    out = np.empty((len(cols[0][3]), n), dtype=np.int32)
    for i, (a, b, r, o) in enumerate(cols):
        s = len(b)
        t0[:s, i], t0[s:, i] = a, a[-1] + b[-1]
        h[:s, i], rate[:s, i], out[:, i] = b, r, o
    uniq, idx = np.unique(h, return_inverse=True)
    table = np.stack([_coefficients(float(x), rates) for x in uniq])
    return t0, h, idx.reshape(h.shape).astype(np.int32), rate, out, table


def _etd_step(u, nu_fn, c, inp):  # type: ignore[no-untyped-def]
    """One ETDRK4 step of ``(n, S)`` states ``u``; ``c``: ``(n, 6, S)`` coefficients; ``inp``:
    the inputs at the step's start, midpoint and end; ``nu_fn(u, inputs)`` = ``N``."""
    e2, p12, e, f1, f2, f3 = (c[:, i] for i in range(6))
    nu = nu_fn(u, inp[0])
    a = e2 * u + p12 * nu
    na = nu_fn(a, inp[1])
    b = e2 * u + p12 * na
    nb = nu_fn(b, inp[1])
    cc = e2 * a + p12 * (2.0 * nb - nu)
    nc = nu_fn(cc, inp[2])
    return e * u + f1 * nu + 2.0 * f2 * (na + nb) + f3 * nc


def _make_n(rates: jax.Array, a_t, a_b, t_axes, b_axes):  # type: ignore[no-untyped-def]
    """``N(u, (conc_uM, tone)) = f(u) - L u`` over the patients (axis 0)."""

    def f_one(y, conc, g, at, ab):  # type: ignore[no-untyped-def]
        dy_t = tlr.rhs_from_concentration(0.0, y[:N_TLR], conc, at)
        tnf_fold = y[4] / at["baseline_pg_per_ml"][0]
        return jnp.concatenate([dy_t, bdnf.rhs_from_inputs(0.0, y[N_TLR:], g, tnf_fold, ab)])

    f = jax.vmap(f_one, in_axes=(0, 0, 0, t_axes, b_axes))

    def nu(u, inp):  # type: ignore[no-untyped-def]
        return f(u, inp[0], inp[1], a_t, a_b) + rates * u

    return nu


def _axes(tree: dict[str, Any], batched: tuple[str, ...]) -> dict[str, Any]:
    return {k: (0 if k in batched else None) for k in tree}


@functools.lru_cache(maxsize=8)
def _compiled(kind: str, m: int):  # type: ignore[no-untyped-def]
    """The jitted block solve: ``kind`` "pk" (modal brexanolone PK) or "grid" (grid inputs)."""
    from brexsim.model.solve import _EXACT_SHARED, _interp_uniform, exact_inputs

    tb = ("ic50_uM", "k_reprogram_per_h")
    bb = ("gaba_baseline",)

    @jax.jit
    def run(y0, m0, a_t, a_b, a_p, rates, table, xs):  # type: ignore[no-untyped-def]
        t, h, ix, rate, out = xs
        n = y0.shape[0]
        if kind == "pk":  # the modal PK recurrence, then every stage's inputs at once
            p_axes = {k: (None if k in _EXACT_SHARED else 0) for k in a_p}
            one = jax.vmap(lambda y, a: jnp.stack(exact_inputs(y, a)), in_axes=(0, p_axes))
            to_inp = jax.vmap(one, in_axes=(0, None))
            lam, co, ce, v1 = a_p["lam_e"], a_p["coef"], a_p["coef_e"], a_p["v1_L"]

            def pk_step(mm, x):  # type: ignore[no-untyped-def]
                hh, r = x
                tau = jnp.stack([hh / 2.0, hh])[:, :, None]  # (2, n, 1)
                e = jnp.exp(-lam[None] * tau)
                g = r[None, :, None] * (-jnp.expm1(-lam[None] * tau)) / lam[None]
                m2 = e * mm[None] + g
                return m2[1], jnp.stack([mm, m2[0]])

            m_end, m_sm = jax.lax.scan(pk_step, m0, (h, rate))  # (K, 2, n, 3)
            m_all = jnp.concatenate([m_sm[:, 0], m_end[None]], axis=0)  # (K + 1, n, 3)

            def inputs(mm):  # type: ignore[no-untyped-def]
                cp = co[None, :, 0] * mm[..., 0] + co[None, :, 1] * mm[..., 1]
                c_e = (
                    ce[None, :, 0] * mm[..., 0]
                    + ce[None, :, 1] * mm[..., 1]
                    + ce[None, :, 2] * mm[..., 2]
                )
                y_pk = jnp.stack([cp * v1[None], jnp.zeros_like(cp), c_e], axis=-1)
                return jnp.moveaxis(to_inp(y_pk, a_p), -1, 0)  # (2, T, n)

            node, mid = inputs(m_all), inputs(m_sm[:, 1])
            a_b = dict(a_b, gaba_baseline=node[1, 0])
        else:
            interp = jax.vmap(
                jax.vmap(_interp_uniform, in_axes=(0, None, 0, None)), in_axes=(0, None, None, None)
            )
            grid, inv = a_p["t_grid_h"], a_p["grid_inv_dx"]

            def at(tt):  # type: ignore[no-untyped-def]
                return jnp.stack(
                    [interp(tt, grid, a_p["c_grid_uM"], inv), interp(tt, grid, a_p["gaba"], inv)]
                )

            node = at(jnp.concatenate([t, t[-1:] + h[-1:]], axis=0))
            mid = at(t + h / 2.0)
        nu_fn = _make_n(rates, a_t, a_b, _axes(a_t, tb), _axes(a_b, bb))

        def step(u, x):  # type: ignore[no-untyped-def]
            k, i0, i1, i2 = x
            u_new = _etd_step(u, nu_fn, table[k], (i0, i1, i2))
            return u_new, u_new

        per_step = (ix, node[:, :-1].swapaxes(0, 1), mid.swapaxes(0, 1), node[:, 1:].swapaxes(0, 1))
        _, y_all = jax.lax.scan(step, y0, per_step)
        y_all = jnp.concatenate([y0[None], y_all], axis=0)  # (K + 1, n, S)
        ys = jnp.swapaxes(y_all[out, jnp.arange(n)[None, :]], 0, 1)  # (n, m, S)
        ok = jnp.all(jnp.isfinite(ys), axis=(1, 2))
        return ys, ok

    return run


def _modal_state(inputs, t0: float) -> np.ndarray:  # type: ignore[no-untyped-def]
    """``(n, 3)`` modal PK amounts at ``t0`` (µg h-weighted sums of the segments, closed form)."""
    seg, lam = inputs.segments, inputs.lam_e
    st, en, rate = seg[..., 0:1], seg[..., 1:2], seg[..., 2:3]
    tau1 = np.clip(t0 - st, 0.0, en - st)
    tau2 = np.maximum(t0 - en, 0.0)
    lm = lam[:, None, :]
    return np.sum(rate * -np.expm1(-lm * tau1) * np.exp(-lm * tau2) / lm, axis=1)


def solve_in_vivo_etd_batch(
    ts: np.ndarray,
    inputs,  # type: ignore[no-untyped-def]
    chunk: int = 256,
    params=None,  # type: ignore[no-untyped-def]
    ic50_scale: np.ndarray | None = None,
    reprogram_scale: np.ndarray | None = None,
    workers: int = 1,
    steps: dict[str, float] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The brexanolone in vivo solve of :func:`brexsim.model.solve.solve_in_vivo_exact_batch` by the
    fixed-grid exponential integrator (module docstring): same arguments and returns;
    ``steps``: step bounds (keys of :data:`ETD_DEFAULTS`).

    Examples
    --------
    >>> from brexsim.dosing import get_preset
    >>> from brexsim.model.solve import BrexanoloneInputs
    >>> inp = BrexanoloneInputs.from_regimens([get_preset("zulresso")], np.array([70.0]))
    >>> ys, ok = solve_in_vivo_etd_batch(np.array([0.0, 60.0]), inp, chunk=1)
    >>> bool(ok[0]), bool(ys[0, 1, 4] < ys[0, 0, 4])  # plasma TNF-a falls by 60 h
    (True, True)
    """
    from brexsim.model.solve import _run_chunks

    st = {**ETD_DEFAULTS, **(steps or {})}
    ts = np.asarray(ts, dtype=float)
    n = inputs.segments.shape[0]
    a_t0, a_b0, y0, rates = _base_args(params, "brexanolone")
    rates_t = tuple(float(r) for r in np.asarray(rates))
    s_ic50, s_rep = _scales(n, ic50_scale, reprogram_scale)
    m0 = _modal_state(inputs, float(ts[0]))
    cache: dict[bytes, tuple[np.ndarray, ...]] = {}
    cols = []
    for i in range(n):  # patients sharing a schedule share their step grid
        seg = inputs.segments[i]
        key = inputs.jump_ts_h[i].tobytes() + seg[:, :2].tobytes()
        if key not in cache:
            g = make_step_grid(ts, inputs.jump_ts_h[i], **st)
            cache[key] = _columns(g, ts, seg)
        t0, h, on, o = cache[key]
        cols.append((t0, h, np.where(on >= 0, seg[np.maximum(on, 0), 2], 0.0), o))
    run = _compiled("pk", len(ts))
    gabaa = jax.tree_util.tree_map(jnp.asarray, inputs.gabaa)
    mw = jnp.asarray(inputs.mw_g_per_mol)
    per = ("lam_e", "coef", "coef_e", "v1_L", "free_nM_per_ng_per_ml", "endogenous_free_nM")

    def dispatch(idx: np.ndarray, pad: np.ndarray):  # type: ignore[no-untyped-def]
        t0, h, ix, rate, out, table = _layout([cols[i] for i in pad], rates_t)
        a_t = dict(a_t0, ic50_uM=a_t0["ic50_uM"] * jnp.asarray(s_ic50[pad]))
        a_t["k_reprogram_per_h"] = a_t0["k_reprogram_per_h"] * jnp.asarray(s_rep[pad])
        a_b = dict(a_b0, gaba_baseline=jnp.zeros(len(pad)))  # set inside: the tone at ts[0]
        a_p = {k: jnp.asarray(getattr(inputs, k)[pad]) for k in per}
        a_p.update(gabaa=gabaa, mw_g_per_mol=mw)
        xs = tuple(jnp.asarray(v) for v in (t0, h, ix, rate, out))
        y0b = jnp.broadcast_to(jnp.asarray(y0), (len(pad), len(y0)))
        return run(y0b, jnp.asarray(m0[pad]), a_t, a_b, a_p, rates, table, xs)

    return _run_chunks(n, len(ts), chunk, workers, dispatch)


def solve_in_vivo_etd_grid_batch(
    ts: np.ndarray,
    grid_h: np.ndarray,
    plasma_total_ng_per_ml: np.ndarray,
    gaba_tone: np.ndarray,
    drug: str = "zuranolone",
    chunk: int = 256,
    params=None,  # type: ignore[no-untyped-def]
    ic50_scale: np.ndarray | None = None,
    reprogram_scale: np.ndarray | None = None,
    workers: int = 1,
    steps: dict[str, float] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The grid-input solve of :func:`brexsim.model.solve.solve_in_vivo_batch` (inputs on a uniform
    ``grid_h``, linearly interpolated) by the exponential integrator: every input-grid
    interval is split into equal steps of at most ``steps["h_grid"]`` (default
    :data:`GRID_STEP_H`).

    Examples
    --------
    >>> g = np.arange(0.0, 48.25, 0.25)
    >>> c = np.where(g < 24.0, 50.0, 0.0)
    >>> ys, ok = solve_in_vivo_etd_grid_batch(np.array([0.0, 48.0]), g, c[None], 0 * c[None])
    >>> bool(ok[0]) and ys.shape == (1, 2, 18)
    True
    """
    from brexsim.model.solve import _is_uniform, _run_chunks

    grid_h = np.asarray(grid_h, dtype=float)
    ts = np.asarray(ts, dtype=float)
    if not _is_uniform(grid_h):
        from brexsim.errors import input_error

        raise input_error("grid_h", "array", "a uniform grid (the ETD engine's grid inputs)")
    dx = float(grid_h[1] - grid_h[0])
    sub = max(1, math.ceil(dx / (steps or {}).get("h_grid", GRID_STEP_H) - 1e-9))
    c = np.asarray(plasma_total_ng_per_ml, dtype=float)
    g = np.asarray(gaba_tone, dtype=float)
    n = c.shape[0]
    a_t0, a_b0, y0, rates = _base_args(params, drug)
    rates_t = tuple(float(r) for r in np.asarray(rates))
    s_ic50, s_rep = _scales(n, ic50_scale, reprogram_scale)
    uM = np.asarray(tlr.convert_ng_per_ml_to_uM(c, drug))
    on = grid_h[(grid_h >= ts[0]) & (grid_h <= ts[-1])]
    knots = np.union1d(on, ts)
    frac = np.arange(sub) / sub
    grid = np.append(
        (knots[:-1, None] + np.diff(knots)[:, None] * frac[None, :]).ravel(), knots[-1]
    )
    t0g, hg, _, og = _columns(grid, ts, None)
    col = (t0g, hg, np.zeros_like(hg), og)
    run = _compiled("grid", len(ts))
    shared = {"t_grid_h": jnp.asarray(grid_h), "grid_inv_dx": jnp.asarray(1.0 / dx)}

    def dispatch(idx: np.ndarray, pad: np.ndarray):  # type: ignore[no-untyped-def]
        t0, h, ix, rate, out, table = _layout([col] * len(pad), rates_t)
        a_t = dict(a_t0, ic50_uM=a_t0["ic50_uM"] * jnp.asarray(s_ic50[pad]))
        a_t["k_reprogram_per_h"] = a_t0["k_reprogram_per_h"] * jnp.asarray(s_rep[pad])
        a_b = dict(a_b0, gaba_baseline=jnp.asarray(g[pad, 0]))
        a_p = dict(shared, c_grid_uM=jnp.asarray(uM[pad]), gaba=jnp.asarray(g[pad]))
        xs = tuple(jnp.asarray(v) for v in (t0, h, ix, rate, out))
        y0b = jnp.broadcast_to(jnp.asarray(y0), (len(pad), len(y0)))
        m0 = jnp.zeros((len(pad), 3))
        return run(y0b, m0, a_t, a_b, a_p, rates, table, xs)

    return _run_chunks(n, len(ts), chunk, workers, dispatch)


def _scales(n: int, ic50_scale, reprogram_scale):  # type: ignore[no-untyped-def]
    s1 = np.ones(n) if ic50_scale is None else np.asarray(ic50_scale, dtype=float)
    s2 = np.ones(n) if reprogram_scale is None else np.asarray(reprogram_scale, dtype=float)
    return s1, s2


def _base_args(params, drug: str):  # type: ignore[no-untyped-def]
    """Shared TLR / BDNF argument trees (no input grids), the baseline state and the loss rates."""
    a_t = tlr.make_in_vivo_args(params, None, None, drug)
    a_t = {k: v for k, v in a_t.items() if k not in ("t_grid_h", "c_grid_uM")}
    two = np.array([0.0, 1.0])
    a_b = bdnf.make_bdnf_args(two, np.zeros(2), np.ones(2), params)
    a_b = {k: v for k, v in a_b.items() if k not in ("t_grid_h", "gaba_grid", "infl_grid")}
    y0 = np.concatenate(
        [np.asarray(tlr.get_in_vivo_baseline(params)), np.asarray(bdnf.get_bdnf_baseline_state())]
    )
    return a_t, a_b, y0, jnp.asarray(get_linear_rates(a_t, a_b))
