"""The batched diffrax solves: one jitted, vmapped solve per engine, run over patients in
fixed-size, padded chunks (:func:`solve_in_vivo_batch`, :func:`solve_in_vivo_exact_batch`)."""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np

from brexsim.mechanism import bdnf, tlr
from brexsim.model.solve.inputs import _EXACT_SHARED, BrexanoloneInputs
from brexsim.model.solve.rhs import (
    _SHARED,
    IN_VIVO_STATES,
    _exact_rhs,
    _rhs_search,
    _rhs_uniform,
    exact_inputs,
)


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
    ``solver=SolverOptions(inputs="grid")``) is interpolated by index arithmetic instead of a binary
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
