"""The reduced in vivo form of the TLR layer (hours, pure ``jax.numpy``, float64).

The intracellular species sit at quasi-steady state, tabulated once from the cell model
(:func:`get_qss_table`, :mod:`brexsim.mechanism.tlr.cells`); the states (:data:`IN_VIVO_STATES`,
table in the :mod:`brexsim.mechanism.tlr` docstring) are the slow innate-immune state and the
three plasma cytokines with their own turnover. :func:`simulate_cells_in_vivo` embeds the full
cell model in plasma instead (the reference the reduced form is tested against).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np
from scipy.integrate import solve_ivp

from brexsim.errors import input_error
from brexsim.mechanism._interp import interp_from_index
from brexsim.mechanism.tlr.cells import (
    _N_CELL,
    CellInputs,
    _cell_rates,
    _freeze,
    _inputs_to_drive,
    _secretion_flux,
    _steady_state,
    _steady_state_cached,
)
from brexsim.mechanism.tlr.parameters import (
    CYTOKINES,
    convert_ng_per_ml_to_uM,
    get_drug_inhibition,
    get_tlr_parameters,
)
from brexsim.params import ParameterSet

__all__ = [
    "IN_VIVO_STATES",
    "InflammationResult",
    "get_in_vivo_baseline",
    "get_qss_table",
    "make_in_vivo_args",
    "rhs",
    "rhs_from_concentration",
    "simulate_cells_in_vivo",
    "simulate_inflammation",
]

#: States of the reduced in vivo form (see the :mod:`brexsim.mechanism.tlr` docstring).
IN_VIVO_STATES: tuple[str, ...] = (
    "innate_state",
    "tnf_production",
    "il1b_production",
    "il6_production",
    "tnf_pg_per_ml",
    "il1b_pg_per_ml",
    "il6_pg_per_ml",
)


#: Grid of relative coupling capacity r = innate_state * (1 - I(C)) for the QSS table.
_QSS_GRID = np.concatenate([np.linspace(0.0, 0.2, 11), np.linspace(0.25, 1.0, 16)])


@functools.lru_cache(maxsize=16)
def _qss_table_cached(frozen: tuple, basal_tone_scale: float) -> np.ndarray:
    p = dict(frozen)
    out = np.zeros((_QSS_GRID.size, 3))
    y_prev = None
    # continuation from r = 1 downward
    for i in range(_QSS_GRID.size - 1, -1, -1):
        r = float(_QSS_GRID[i])
        inp = CellInputs(innate_state=r, basal_tone_scale=basal_tone_scale)
        y = _steady_state(inp, p, y_start=y_prev)
        out[i] = _secretion_flux(y, p)
        y_prev = y
    return out


def get_qss_table(
    params: ParameterSet | Mapping[str, float] | None = None, basal_tone_scale: float = 1.0
) -> tuple[np.ndarray, np.ndarray]:
    """Quasi-steady-state secretion of each cytokine vs relative coupling capacity.

    Returns ``(r_grid, phi)`` with ``phi[:, j]`` the steady secretion of cytokine ``j`` from
    unstimulated cells with MyD88 coupling capacity ``r`` (= innate_state x (1 - I(C))),
    divided by its value at ``r = 1``. Computed from the cell model (the link between the two
    forms).

    >>> r, phi = get_qss_table()
    >>> float(phi[-1, 0]), bool(phi[0, 0] < phi[-1, 0])
    (1.0, True)
    """
    p = params if isinstance(params, dict) else get_tlr_parameters(params)  # type: ignore[arg-type]
    flux = _qss_table_cached(_freeze(p), float(basal_tone_scale))
    return _QSS_GRID.copy(), flux / flux[-1]


def _get_residence_min(p: Mapping[str, float]) -> np.ndarray:
    """Mean intracellular residence time of each cytokine's production chain, min (derived)."""
    out = []
    for c in CYTOKINES:
        tau = 1.0 / p[f"{c}_mrna_deg_per_min"] + 1.0 / (
            p[f"{c}_secretion_per_min"] + p[f"{c}_intracellular_deg_per_min"]
        )
        if c == "il6":
            tau += 1.0 / p["il6_secondary_k_per_min"]
        out.append(tau)
    return np.array(out)


def make_in_vivo_args(
    params: ParameterSet | None = None,
    time_h: np.ndarray | None = None,
    plasma_total_ng_per_ml: np.ndarray | None = None,
    drug: str = "brexanolone",
    basal_tone_scale: float = 1.0,
    ic50_scale: float = 1.0,
    reprogram_scale: float = 1.0,
) -> dict[str, jax.Array]:
    """Arguments for :func:`rhs`: rate constants (per hour), the QSS table and the input.

    ``ic50_scale`` and ``reprogram_scale`` are subject multipliers on ``drug_ic50_uM`` and
    ``innate_reprogram_per_h`` (see :func:`sample_inflammation_random_effects`).

    ``time_h`` / ``plasma_total_ng_per_ml`` define the TOTAL plasma drug concentration, linearly
    interpolated (held constant outside the grid). Without them the drug is zero.

    >>> a = make_in_vivo_args()
    >>> "phi" in a and a["klag_per_h"].shape == (3,)
    True
    """
    p = get_tlr_parameters(params)
    r, phi = get_qss_table(p, basal_tone_scale)
    if time_h is None:
        time_h = np.array([0.0, 1.0])
        plasma_total_ng_per_ml = np.zeros(2)
    t = np.asarray(time_h, dtype=float)
    c = np.asarray(plasma_total_ng_per_ml, dtype=float)
    if t.shape != c.shape or t.ndim != 1 or t.size < 1:
        raise input_error("plasma_total_ng_per_ml", c.shape, f"an array of shape {t.shape}")
    if not np.all(np.isfinite(c)) or np.any(c < 0):
        raise input_error("plasma_total_ng_per_ml", "array", "finite concentrations >= 0 ng/mL")
    if t.size == 1:
        t, c = np.array([t[0], t[0] + 1.0]), np.array([c[0], c[0]])
    ln2 = math.log(2.0)
    args = {
        "t_grid_h": t,
        "c_grid_uM": np.asarray(convert_ng_per_ml_to_uM(c, drug, p)),
        "imax": p["drug_imax"],
        "ic50_uM": p["drug_ic50_uM"] * ic50_scale,
        "hill": p["drug_hill"],
        "k_recover_per_h": ln2 / p["innate_recovery_halflife_h"],
        "k_reprogram_per_h": p["innate_reprogram_per_h"] * reprogram_scale,
        "r_grid": r,
        "phi": phi,
        "kout_per_h": np.array([ln2 / p[f"{c}_plasma_halflife_h"] for c in CYTOKINES]),
        "klag_per_h": 60.0 / _get_residence_min(p),
        "baseline_pg_per_ml": np.array([p[f"{c}_baseline_pg_per_ml"] for c in CYTOKINES]),
        "tlr_fraction": np.array([p[f"{c}_tlr_fraction"] for c in CYTOKINES]),
    }
    return {k: jnp.asarray(v, dtype=jnp.float64) for k, v in args.items()}


def _interp_columns(x, xp, fp):  # type: ignore[no-untyped-def]
    """``jnp.stack([jnp.interp(x, xp, fp[:, j]) for j in ...])`` for a scalar ``x`` and a small
    table, value for value: one interval index (a comparison with every knot instead of a
    binary-search loop, the same ``searchsorted(side="right")`` count) shared by the columns,
    then ``jnp.interp``'s own formula."""
    return interp_from_index(x, xp, fp, jnp.clip(jnp.sum(xp <= x), 1, xp.shape[0] - 1))


def rhs_from_concentration(t, y, conc_total_uM, args):  # type: ignore[no-untyped-def]
    """In vivo right-hand side (per hour) given the total plasma drug concentration (uM).

    Pure ``jax.numpy``; this is the function to assemble into a larger diffrax system with the
    concentration taken from the PK states. ``y`` follows :data:`IN_VIVO_STATES`.
    """
    c = jnp.maximum(conc_total_uM, 0.0)
    cn = c ** args["hill"]
    inhib = args["imax"] * cn / (args["ic50_uM"] ** args["hill"] + cn)
    s = jnp.clip(y[0], 0.0, 1.0)
    ds = args["k_recover_per_h"] * (1.0 - y[0]) - args["k_reprogram_per_h"] * inhib * s
    r = s * (1.0 - inhib)
    phi = _interp_columns(r, args["r_grid"], args["phi"])
    dlag = args["klag_per_h"] * (phi - y[1:4])
    prod = (
        args["kout_per_h"]
        * args["baseline_pg_per_ml"]
        * (args["tlr_fraction"] * jnp.maximum(y[1:4], 0.0) + 1.0 - args["tlr_fraction"])
    )
    dc = prod - args["kout_per_h"] * y[4:7]
    return jnp.concatenate([ds[None], dlag, dc])


def rhs(t, y, args):  # type: ignore[no-untyped-def]
    """In vivo right-hand side ``dy/dt`` (per hour), drug input interpolated from ``args``.

    >>> a = make_in_vivo_args()
    >>> y0 = get_in_vivo_baseline()
    >>> float(jnp.max(jnp.abs(rhs(0.0, y0, a)))) < 1e-9
    True
    """
    conc = jnp.interp(t, args["t_grid_h"], args["c_grid_uM"])
    return rhs_from_concentration(t, y, conc, args)


def get_in_vivo_baseline(params: ParameterSet | None = None) -> jax.Array:
    """Drug-free steady state of the in vivo form (innate_state 1, plasma cytokines at baseline).

    >>> [round(float(v), 2) for v in get_in_vivo_baseline()]
    [1.0, 1.0, 1.0, 1.0, 2.89, 1.17, 1.47]
    """
    p = get_tlr_parameters(params)
    base = [p[f"{c}_baseline_pg_per_ml"] for c in CYTOKINES]
    return jnp.array([1.0, 1.0, 1.0, 1.0, *base], dtype=jnp.float64)


@dataclass(frozen=True)
class InflammationResult:
    """In vivo inflammation time courses.

    Attributes
    ----------
    time_h : array, h
    plasma_total_ng_per_ml : array, ng/mL (total drug driving the effect)
    inhibition : array, 1 (fraction of MyD88 pool blocked by the drug)
    innate_state : array, 1 (slow state; 1 = baseline)
    tnf_pg_per_ml, il1b_pg_per_ml, il6_pg_per_ml : arrays, pg/mL (plasma)
    """

    time_h: np.ndarray
    plasma_total_ng_per_ml: np.ndarray
    inhibition: np.ndarray
    innate_state: np.ndarray
    tnf_pg_per_ml: np.ndarray
    il1b_pg_per_ml: np.ndarray
    il6_pg_per_ml: np.ndarray
    drug: str = "brexanolone"

    def get_fold_change(self, cytokine: str) -> np.ndarray:
        """Plasma cytokine divided by its value at the first time point."""
        v = getattr(self, f"{cytokine}_pg_per_ml")
        return v / v[0]


@functools.lru_cache(maxsize=4)
def _compiled_solver():  # type: ignore[no-untyped-def]
    from brexsim._ode import solve_on_grid

    @jax.jit
    def solve(y0, args, ts):  # type: ignore[no-untyped-def]
        ys, _ = solve_on_grid(rhs, y0, args, ts, args["t_grid_h"], dt0=0.01, max_steps=200_000)
        return ys

    return solve


def simulate_inflammation(
    time_h: np.ndarray,
    plasma_total_ng_per_ml: np.ndarray | Callable[[np.ndarray], np.ndarray],
    params: ParameterSet | None = None,
    drug: str = "brexanolone",
    basal_tone_scale: float = 1.0,
    y0: np.ndarray | None = None,
    ic50_scale: float = 1.0,
    reprogram_scale: float = 1.0,
) -> InflammationResult:
    """Simulate the in vivo form over ``time_h`` (diffrax, float64).

    Parameters
    ----------
    time_h : array, h
        Output times (increasing); the drug input is interpolated on this grid, so make it fine
        enough (e.g. hourly) to follow the concentration profile.
    plasma_total_ng_per_ml : array or callable
        TOTAL plasma drug concentration on ``time_h`` (or a function of time in h).
    params : ParameterSet, optional
    drug : "brexanolone" or "zuranolone"
    basal_tone_scale : float
        Subject multiplier on the basal TLR tone.
    y0 : array, optional
        Initial in vivo state (default: drug-free baseline).
    ic50_scale, reprogram_scale : float
        Subject multipliers on the drug IC50 and the reprogramming rate.

    >>> t = np.arange(0.0, 97.0)
    >>> res = simulate_inflammation(t, np.where(t < 60, 80.0, 0.0))
    >>> bool(res.tnf_pg_per_ml[60] < res.tnf_pg_per_ml[0])
    True
    """
    t = np.asarray(time_h, dtype=float)
    if t.ndim != 1 or t.size < 2 or np.any(np.diff(t) <= 0) or not np.all(np.isfinite(t)):
        raise input_error("time_h", "array", "a strictly increasing 1-D array of >= 2 times")
    c = plasma_total_ng_per_ml(t) if callable(plasma_total_ng_per_ml) else plasma_total_ng_per_ml
    c = np.asarray(c, dtype=float)
    if not (basal_tone_scale > 0 and math.isfinite(basal_tone_scale)):
        raise input_error("basal_tone_scale", basal_tone_scale, "a finite number > 0")
    for name, v in (("ic50_scale", ic50_scale), ("reprogram_scale", reprogram_scale)):
        if not (math.isfinite(v) and v > 0):
            raise input_error(name, v, "a finite number > 0")
    args = make_in_vivo_args(params, t, c, drug, basal_tone_scale, ic50_scale, reprogram_scale)
    y_init = get_in_vivo_baseline(params) if y0 is None else jnp.asarray(y0, dtype=jnp.float64)
    ys = np.asarray(_compiled_solver()(y_init, args, jnp.asarray(t)))
    if not np.all(np.isfinite(ys)):
        raise RuntimeError("in vivo inflammation solve produced non-finite values")
    ys = np.maximum(ys, 0.0)
    p_subject = dict(get_tlr_parameters(params), drug_ic50_uM=float(args["ic50_uM"]))
    inhib = np.asarray(get_drug_inhibition(np.asarray(args["c_grid_uM"]), p_subject))
    return InflammationResult(
        time_h=t,
        plasma_total_ng_per_ml=c,
        inhibition=inhib,
        innate_state=ys[:, 0],
        tnf_pg_per_ml=ys[:, 4],
        il1b_pg_per_ml=ys[:, 5],
        il6_pg_per_ml=ys[:, 6],
        drug=drug,
    )


def simulate_cells_in_vivo(
    time_h: np.ndarray,
    plasma_total_ng_per_ml: Callable[[float], float],
    params: ParameterSet | None = None,
    drug: str = "brexanolone",
    basal_tone_scale: float = 1.0,
) -> dict[str, np.ndarray]:
    """The full minute-scale cell model embedded in plasma (reference for the reduced form).

    Same slow state and plasma cytokine equations as :func:`rhs`, but the secretion flux comes
    from the dynamic cell model instead of its quasi-steady state. Slow (BDF over minutes);
    used by tests to show the two forms agree.
    """
    p = get_tlr_parameters(params)
    base_in = CellInputs(basal_tone_scale=basal_tone_scale)
    y_cell0 = _steady_state_cached(base_in, _freeze(p))
    flux0 = _secretion_flux(y_cell0, p)
    ln2 = math.log(2.0)
    kout = np.array([ln2 / (60.0 * p[f"{c}_plasma_halflife_h"]) for c in CYTOKINES])
    c0 = np.array([p[f"{c}_baseline_pg_per_ml"] for c in CYTOKINES])
    ftlr = np.array([p[f"{c}_tlr_fraction"] for c in CYTOKINES])
    krec = ln2 / (60.0 * p["innate_recovery_halflife_h"])
    krep = p["innate_reprogram_per_h"] / 60.0
    _, drive = _inputs_to_drive(base_in, p)

    def f(t_min: float, x: np.ndarray) -> np.ndarray:
        cell, s, cp = x[:_N_CELL], x[_N_CELL], x[_N_CELL + 1 :]
        conc = float(convert_ng_per_ml_to_uM(plasma_total_ng_per_ml(t_min / 60.0), drug, p))
        inhib = float(get_drug_inhibition(conc, p))
        sc = min(max(s, 0.0), 1.0)
        pool = sc * (1.0 - inhib)
        d = _cell_rates(cell, pool, drive, p)
        ds = krec * (1.0 - s) - krep * inhib * sc
        flux = _secretion_flux(cell, p)
        dcp = kout * c0 * (ftlr * flux / flux0 + 1.0 - ftlr) - kout * cp
        return np.concatenate([d, [ds], dcp])

    x0 = np.concatenate([y_cell0, [1.0], c0])
    t = np.asarray(time_h, dtype=float)
    sol = solve_ivp(
        f, (60.0 * t[0], 60.0 * t[-1]), x0, method="BDF", t_eval=60.0 * t, rtol=1e-7, atol=1e-11
    )
    if not sol.success:
        raise RuntimeError(f"cell model (in vivo) failed: {sol.message}")
    return {
        "time_h": t,
        "innate_state": sol.y[_N_CELL],
        "tnf_pg_per_ml": sol.y[_N_CELL + 1],
        "il1b_pg_per_ml": sol.y[_N_CELL + 2],
        "il6_pg_per_ml": sol.y[_N_CELL + 3],
    }
