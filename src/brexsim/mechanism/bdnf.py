"""Serum BDNF: a neurotrophic drive loaded into platelets, lower in PPD, raised by GABAergic tone
and by lower inflammation, sustained to day 30.

About 99 % of blood BDNF is stored in platelets, and serum BDNF (what clinical studies measure)
is the platelet content released on clotting. Platelet BDNF is made in megakaryocytes
(Chacon-Fernandez 2016: absent from serum in mice, whose megakaryocytes do not express it), and
circulating platelets also take up some BDNF from plasma. So a change in BDNF supply reaches
serum along two routes:

* **megakaryocyte route** (share ``1 - f_x``): content loaded during megakaryocyte maturation
  (~5 d, 3 transit compartments) travels with each platelet for its whole life (9.5 d, 6 age
  compartments); serum reflects the mean over circulating platelets, so the rise is delayed and
  ramped, and it persists for about one platelet lifespan after the supply falls;
* **exchange route** (share ``f_x``, assumption): the part of platelet BDNF that exchanges with
  plasma in circulating platelets, equilibrating within about a day: the early (hour-60) rise.

States (hours; see :data:`BDNF_STATES`; contents are relative, 1 = the subject's baseline)::

    dN/dt   = k_N (D(t) - N)                               neurotrophic drive (0 = baseline)
    u       = max(1 + N, 0)                                relative BDNF supply (never < 0)
    dM1/dt  = k_M (u - M1),  dMi/dt = k_M (M(i-1) - Mi)      megakaryocyte loading, k_M = 3/T_mk
    dP1/dt  = k_P (M3 - P1), dPi/dt = k_P (P(i-1) - Pi)      platelet ages, k_P = 6/T_plt
    dU/dt   = k_U (u - U)                                  exchangeable content
    B       = B0 ((1 - f_x) mean(P1..P6) + f_x U)          serum BDNF, ng/mL
    D(t)    = w_G (G(t) - G0) + w_I (1 - I(t))

``G`` is the GABAergic tone index (0-1; from the GABA-A layer when wired, otherwise the
GABA-A layer's index through :func:`get_default_gaba_tone`), ``G0`` its drug-free value, ``I`` the
inflammatory index (plasma TNF-a fold change; 1 = baseline). ``B0`` is the PPD baseline
(32.69 - 0.61 x 8.33 ng/mL). The weights are calibrated (``brexsim calibrate-tlr``) so that
zulresso raises serum BDNF at day 30 by the Brunoni 2008 prior, +0.62 SD.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np

from brexsim.errors import input_error
from brexsim.params import ParameterSet, load_parameters

jax.config.update("jax_enable_x64", True)

__all__ = [
    "BDNF_STATES",
    "N_MEGAKARYOCYTE",
    "N_PLATELET",
    "BdnfResult",
    "get_bdnf_baseline_state",
    "get_bdnf_parameters",
    "get_default_gaba_tone",
    "get_serum_bdnf",
    "make_bdnf_args",
    "rhs",
    "rhs_from_inputs",
    "sample_bdnf_random_effects",
    "simulate_bdnf",
]

#: Transit compartments of megakaryocyte maturation and of platelet age (structural choice: an
#: Erlang delay of 3 and a near-fixed lifespan of 6 stages; documented in the docs).
N_MEGAKARYOCYTE = 3
N_PLATELET = 6

#: State vector of the BDNF layer.
BDNF_STATES: tuple[str, ...] = (
    "bdnf_drive",
    *(f"megakaryocyte_content_{i + 1}" for i in range(N_MEGAKARYOCYTE)),
    *(f"platelet_content_{i + 1}" for i in range(N_PLATELET)),
    "exchangeable_content",
)
_I_MK = slice(1, 1 + N_MEGAKARYOCYTE)
_I_PLT = slice(1 + N_MEGAKARYOCYTE, 1 + N_MEGAKARYOCYTE + N_PLATELET)
_I_EXCH = len(BDNF_STATES) - 1


def get_bdnf_parameters(params: ParameterSet | None = None) -> dict[str, float]:
    """The ``bdnf`` table plus the PK constants used by the default GABAergic tone index.

    >>> round(get_bdnf_parameters()["ppd_baseline_ng_per_ml"], 1)
    27.6
    """
    ps = params if params is not None else load_parameters()
    p = dict(ps.get_layer("bdnf"))
    for drug in ("brexanolone", "zuranolone"):
        p[f"fu_{drug}"] = ps.value(f"{drug}_pk.fu_plasma")
        p[f"kpuu_{drug}"] = ps.value(f"{drug}_pk.kp_uu_brain")
        p[f"mw_{drug}"] = ps.value(f"{drug}_pk.mw_g_per_mol")
    return p


def get_default_gaba_tone(
    plasma_total_ng_per_ml: np.ndarray,
    drug: str = "brexanolone",
    params: ParameterSet | Mapping[str, float] | None = None,
) -> np.ndarray:
    """GABAergic tone index (0-1) from a plasma drug profile, for standalone use of this layer.

    The free brain concentration at equilibrium (total plasma x fu x Kp,uu, nM) goes through the
    GABA-A layer's tone index (:func:`brexsim.mechanism.gabaa.get_tone_index`, ppd delta state,
    control receptors), clipped to [0, 1]. The assembled model (:func:`brexsim.model.simulate`)
    uses the effect-site concentration instead; at BDNF's time scales the two agree closely.
    Zuranolone's tone here carries no efficacy scaling (see ``hamd.zuranolone_exposure_scale``).

    >>> round(float(get_default_gaba_tone(np.array([85.0]))[0]), 2)
    0.41
    """
    from brexsim.mechanism.gabaa import get_tone_index

    ps = params if isinstance(params, ParameterSet) else None
    p = params if isinstance(params, Mapping) and not isinstance(params, ParameterSet) else None
    p = p or get_bdnf_parameters(ps)
    if drug not in ("brexanolone", "zuranolone"):
        raise input_error("drug", drug, "'brexanolone' or 'zuranolone'")
    c = np.maximum(np.asarray(plasma_total_ng_per_ml, dtype=float), 0.0)
    free_nM = c * p[f"fu_{drug}"] * p[f"kpuu_{drug}"] * 1000.0 / p[f"mw_{drug}"]
    return np.clip(get_tone_index(free_nM, drug=drug, params=ps), 0.0, 1.0)


def make_bdnf_args(
    time_h: np.ndarray,
    gaba_tone: np.ndarray,
    inflammation_index: np.ndarray,
    params: ParameterSet | None = None,
    gaba_tone_baseline: float | None = None,
    baseline_scale: float = 1.0,
) -> dict[str, jax.Array]:
    """Arguments for :func:`rhs`: rates (per hour), weights and the interpolated inputs.

    >>> a = make_bdnf_args(np.array([0.0, 1.0]), np.zeros(2), np.ones(2))
    >>> round(float(a["k_platelet_per_h"]) * 24.0 * 9.5, 6)  # 6 stages over 9.5 days
    6.0
    """
    p = get_bdnf_parameters(params)
    t = np.asarray(time_h, dtype=float)
    g = np.asarray(gaba_tone, dtype=float)
    i = np.asarray(inflammation_index, dtype=float)
    for name, v in (("gaba_tone", g), ("inflammation_index", i)):
        if v.shape != t.shape:
            raise input_error(name, v.shape, f"an array of shape {t.shape}")
        if not np.all(np.isfinite(v)) or np.any(v < 0):
            raise input_error(name, "array", "finite values >= 0")
    if np.any(g > 1):
        raise input_error("gaba_tone", float(g.max()), "an index in [0, 1]")
    g0 = float(g[0]) if gaba_tone_baseline is None else float(gaba_tone_baseline)
    args = _make_rate_args(p)
    args.update(
        {
            "t_grid_h": t,
            "gaba_grid": g,
            "infl_grid": i,
            "gaba_baseline": g0,
            "b0_ng_per_ml": p["ppd_baseline_ng_per_ml"] * baseline_scale,
        }
    )
    return {k: jnp.asarray(v, dtype=jnp.float64) for k, v in args.items()}


def _make_rate_args(p: Mapping[str, float]) -> dict[str, float]:
    ln2 = math.log(2.0)
    return {
        "k_drive_per_h": ln2 / p["drive_halflife_h"],
        "k_megakaryocyte_per_h": N_MEGAKARYOCYTE / p["megakaryocyte_maturation_h"],
        "k_platelet_per_h": N_PLATELET / p["platelet_lifespan_h"],
        "k_exchange_per_h": ln2 / p["exchange_halflife_h"],
        "exchange_fraction": p["exchange_fraction"],
        "w_gaba": p["gaba_weight"],
        "w_infl": p["inflammation_weight"],
    }


def rhs_from_inputs(t, y, gaba_tone, inflammation_index, args):  # type: ignore[no-untyped-def]
    """BDNF right-hand side (per hour) for given inputs; pure ``jax.numpy``.

    ``gaba_tone``: GABAergic tone index (0-1); ``inflammation_index``: plasma TNF-a fold change
    (1 = baseline). ``y`` follows :data:`BDNF_STATES`; works on a leading batch axis through
    ``jax.vmap``.
    """
    drive = args["w_gaba"] * (gaba_tone - args["gaba_baseline"]) + args["w_infl"] * (
        1.0 - inflammation_index
    )
    dn = args["k_drive_per_h"] * (drive - y[0])
    # relative supply, floored at zero so that no input drives a content negative
    supply = jnp.maximum(1.0 + y[0], 0.0)
    mk = y[_I_MK]
    plt = y[_I_PLT]
    upstream_mk = jnp.concatenate([supply[None], mk[:-1]])
    dmk = args["k_megakaryocyte_per_h"] * (upstream_mk - mk)
    upstream_plt = jnp.concatenate([mk[-1:], plt[:-1]])
    dplt = args["k_platelet_per_h"] * (upstream_plt - plt)
    dexch = args["k_exchange_per_h"] * (supply - y[_I_EXCH])
    return jnp.concatenate([dn[None], dmk, dplt, dexch[None]])


def rhs(t, y, args):  # type: ignore[no-untyped-def]
    """BDNF right-hand side (per hour) with inputs interpolated from ``args``.

    >>> a = make_bdnf_args(np.array([0.0, 1.0]), np.zeros(2), np.ones(2))
    >>> float(jnp.max(jnp.abs(rhs(0.0, get_bdnf_baseline_state(), a))))
    0.0
    """
    g = jnp.interp(t, args["t_grid_h"], args["gaba_grid"])
    i = jnp.interp(t, args["t_grid_h"], args["infl_grid"])
    return rhs_from_inputs(t, y, g, i, args)


def get_bdnf_baseline_state() -> jax.Array:
    """Drug-free steady state: drive 0, every relative content 1.

    >>> get_bdnf_baseline_state().shape == (len(BDNF_STATES),)
    True
    """
    y = np.ones(len(BDNF_STATES))
    y[0] = 0.0
    return jnp.asarray(y, dtype=jnp.float64)


def get_serum_bdnf(y, b0_ng_per_ml, exchange_fraction):  # type: ignore[no-untyped-def]
    """Serum BDNF (ng/mL) from states ``y`` (last axis = :data:`BDNF_STATES`).

    ``B = B0 ((1 - f_x) mean(platelet contents) + f_x exchangeable content)``. Works on numpy
    and jax arrays with any leading axes.

    >>> float(get_serum_bdnf(get_bdnf_baseline_state(), 27.6, 0.3))
    27.6
    """
    xp = jnp if isinstance(y, jax.Array) else np
    y = xp.asarray(y)
    plt = xp.mean(y[..., _I_PLT], axis=-1)
    return b0_ng_per_ml * ((1.0 - exchange_fraction) * plt + exchange_fraction * y[..., _I_EXCH])


def sample_bdnf_random_effects(n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Between-subject variability of the BDNF layer: ``bdnf_baseline_scale`` (log-normal,
    log-SD ``bsv_baseline_logsd``, median 1), to pass as ``baseline_scale``.

    >>> re = sample_bdnf_random_effects(4, np.random.default_rng(0))
    >>> sorted(re), re["bdnf_baseline_scale"].shape
    (['bdnf_baseline_scale'], (4,))
    """
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 0:
        raise input_error("n", n, "an integer >= 0")
    sd = get_bdnf_parameters()["bsv_baseline_logsd"]
    return {"bdnf_baseline_scale": np.exp(sd * rng.standard_normal(int(n)))}


@dataclass(frozen=True)
class BdnfResult:
    """Serum BDNF time course.

    Attributes
    ----------
    time_h : h
    bdnf_ng_per_ml : serum BDNF, ng/mL
    drive : neurotrophic drive state (0 = baseline)
    gaba_tone, inflammation_index : the inputs used
    baseline_ng_per_ml : the subject's baseline
    sd_ng_per_ml : healthy between-subject SD (to express changes in SD units)
    states : all states (times x :data:`BDNF_STATES`)
    """

    time_h: np.ndarray
    bdnf_ng_per_ml: np.ndarray
    drive: np.ndarray
    gaba_tone: np.ndarray
    inflammation_index: np.ndarray
    baseline_ng_per_ml: float
    sd_ng_per_ml: float
    states: np.ndarray | None = None

    def get_change_sd(self) -> np.ndarray:
        """Change from baseline in units of the healthy SD (8.33 ng/mL)."""
        return (self.bdnf_ng_per_ml - self.baseline_ng_per_ml) / self.sd_ng_per_ml


@functools.lru_cache(maxsize=2)
def _compiled_solver():  # type: ignore[no-untyped-def]
    from brexsim._ode import solve_on_grid

    @jax.jit
    def solve(y0, args, ts):  # type: ignore[no-untyped-def]
        ys, _ = solve_on_grid(rhs, y0, args, ts, args["t_grid_h"], dt0=0.1, max_steps=100_000)
        return ys

    return solve


def simulate_bdnf(
    time_h: np.ndarray,
    plasma_total_ng_per_ml: np.ndarray | None = None,
    gaba_tone: np.ndarray | None = None,
    inflammation_index: np.ndarray | None = None,
    drug: str = "brexanolone",
    params: ParameterSet | None = None,
    baseline_scale: float = 1.0,
) -> BdnfResult:
    """Simulate serum BDNF.

    Parameters
    ----------
    time_h : array, h
        Output times (strictly increasing); inputs are given on this grid.
    plasma_total_ng_per_ml : array, optional
        Total plasma drug; used for the default GABAergic tone and, when
        ``inflammation_index`` is not given, for the TLR layer's plasma TNF-a fold change.
    gaba_tone : array, optional
        GABAergic tone index (0-1), e.g. from the GABA-A layer; its first value is taken as the
        drug-free baseline. Default :func:`get_default_gaba_tone`.
    inflammation_index : array, optional
        Plasma TNF-a fold change from baseline. Default: from
        :func:`brexsim.mechanism.tlr.simulate_inflammation`.
    baseline_scale : float
        Subject multiplier on the PPD baseline.

    >>> t = np.arange(0.0, 24 * 30 + 1.0, 1.0)
    >>> res = simulate_bdnf(t, np.where(t < 60, 80.0, 0.0))
    >>> bool(res.bdnf_ng_per_ml[-1] > res.bdnf_ng_per_ml[0])
    True
    """
    t = np.asarray(time_h, dtype=float)
    if t.ndim != 1 or t.size < 2 or np.any(np.diff(t) <= 0) or not np.all(np.isfinite(t)):
        raise input_error("time_h", "array", "a strictly increasing 1-D array of >= 2 times")
    if not (math.isfinite(baseline_scale) and baseline_scale > 0):
        raise input_error("baseline_scale", baseline_scale, "a finite number > 0")
    p = get_bdnf_parameters(params)
    if gaba_tone is None or inflammation_index is None:
        if plasma_total_ng_per_ml is None:
            raise input_error(
                "plasma_total_ng_per_ml",
                None,
                "an array when gaba_tone or inflammation_index is not given",
            )
        c = np.asarray(plasma_total_ng_per_ml, dtype=float)
    if gaba_tone is None:
        gaba_tone = get_default_gaba_tone(c, drug, p)
        g0 = 0.0
    else:
        g0 = None
    if inflammation_index is None:
        from brexsim.mechanism.tlr import simulate_inflammation

        inflammation_index = simulate_inflammation(t, c, params, drug).get_fold_change("tnf")
    args = make_bdnf_args(t, gaba_tone, inflammation_index, params, g0, baseline_scale)
    ys = np.array(_compiled_solver()(get_bdnf_baseline_state(), args, jnp.asarray(t)))
    if not np.all(np.isfinite(ys)):
        raise RuntimeError("BDNF solve produced non-finite values")
    ys[:, 1:] = np.maximum(ys[:, 1:], 0.0)
    b = get_serum_bdnf(ys, float(args["b0_ng_per_ml"]), p["exchange_fraction"])
    return BdnfResult(
        time_h=t,
        bdnf_ng_per_ml=np.maximum(b, 0.0),
        drive=ys[:, 0],
        gaba_tone=np.asarray(gaba_tone, dtype=float),
        inflammation_index=np.asarray(inflammation_index, dtype=float),
        baseline_ng_per_ml=float(args["b0_ng_per_ml"]),
        sd_ng_per_ml=p["healthy_sd_ng_per_ml"],
        states=ys,
    )
