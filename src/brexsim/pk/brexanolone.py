"""Brexanolone: two-compartment linear PK with an effect (biophase) compartment.

Model (per kg of body weight; Wald 2022: 2-compartment, linear, body weight the only covariate)::

    dA1/dt = R(t)·W − (CL + Q)/V1·A1 + Q/V2·A2          (µg; R in µg/kg/h, W kg)
    dA2/dt = Q/V1·A1 − Q/V2·A2
    Cp     = A1 / V1                                      (µg/L = ng/mL; V1 = v1·W)
    dCe/dt = ke0·(Cp − Ce)                                (effect-site, ng/mL total-equivalent)

The closed form superposes unit-infusion responses of the segments (as rxode2/mrgsolve do); the
same system as a JAX right-hand side (:func:`rhs`) serves coupling to later layers and the
cross-check. Plasma and effect-site concentrations are drug-attributable (endogenous excluded).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np

from brexsim.dosing.regimen import Regimen
from brexsim.errors import input_error
from brexsim.params import ParameterSet, load_parameters

jax.config.update("jax_enable_x64", True)

__all__ = [
    "BrexanolonePK",
    "get_brexanolone_pk",
    "rhs",
    "simulate_closed_form",
    "solve_ode",
]


@dataclass(frozen=True)
class BrexanolonePK:
    """Individual brexanolone PK parameters for one body weight.

    Attributes: ``cl_L_per_h``, ``v1_L``, ``q_L_per_h``, ``v2_L``, ``ke0_per_h``, ``weight_kg``.

    >>> pk = get_brexanolone_pk(70.0)
    >>> round(pk.vss_L / 70.0, 2) == round(pk.v1_L / 70 + pk.v2_L / 70, 2)
    True
    """

    cl_L_per_h: float
    v1_L: float
    q_L_per_h: float
    v2_L: float
    ke0_per_h: float
    weight_kg: float

    @property
    def vss_L(self) -> float:
        """Steady-state volume V1 + V2, L."""
        return self.v1_L + self.v2_L

    @property
    def macro(self) -> tuple[np.ndarray, np.ndarray]:
        """``(lambdas, A)``: disposition rate constants (1/h, fast first) and coefficients
        (1/L) of the unit-bolus plasma response ``Σ A_i exp(-λ_i t)``."""
        k10 = self.cl_L_per_h / self.v1_L
        k12 = self.q_L_per_h / self.v1_L
        k21 = self.q_L_per_h / self.v2_L
        s = k10 + k12 + k21
        d = np.sqrt(s * s - 4.0 * k10 * k21)
        lam = np.array([(s + d) / 2.0, (s - d) / 2.0])
        a = (
            np.array([(k21 - lam[0]) / (lam[1] - lam[0]), (k21 - lam[1]) / (lam[0] - lam[1])])
            / self.v1_L
        )
        return lam, a

    @property
    def half_lives_h(self) -> tuple[float, float]:
        """Distribution (alpha) and terminal (beta) half-lives, h."""
        lam, _ = self.macro
        return float(np.log(2) / lam[0]), float(np.log(2) / lam[1])


def get_brexanolone_pk(
    weight_kg: float,
    params: ParameterSet | None = None,
    scale: Mapping[str, float] | None = None,
) -> BrexanolonePK:
    """Scale the per-kg table values to one body weight (kg); ``scale`` multiplies the
    individual ``cl``, ``v1``, ``q``, ``v2`` (``exp(eta)`` x covariate effects, from
    :func:`brexsim.population.covariates.get_pk_scales`; other keys are ignored here).

    >>> get_brexanolone_pk(70.0).weight_kg
    70.0
    >>> get_brexanolone_pk(70.0, scale={"cl": 2.0}).cl_L_per_h / get_brexanolone_pk(70.0).cl_L_per_h
    2.0
    """
    w = float(weight_kg)
    if not np.isfinite(w) or not (20.0 <= w <= 250.0):
        raise input_error("weight_kg", weight_kg, "a body weight in [20, 250] kg")
    p = (params or load_parameters()).get_layer("brexanolone_pk")
    f = _check_scale(scale, ("cl", "v1", "q", "v2"))
    return BrexanolonePK(
        cl_L_per_h=p["cl_L_per_h_per_kg"] * w * f["cl"],
        v1_L=p["v1_L_per_kg"] * w * f["v1"],
        q_L_per_h=p["q_L_per_h_per_kg"] * w * f["q"],
        v2_L=p["v2_L_per_kg"] * w * f["v2"],
        ke0_per_h=p["ke0_per_h"],
        weight_kg=w,
    )


def _check_scale(scale: Mapping[str, float] | None, keys: tuple[str, ...]) -> dict[str, float]:
    """The multipliers of ``keys`` (1 where absent), each finite and > 0."""
    out = {k: 1.0 for k in keys}
    for k, v in (scale or {}).items():
        if k in out:
            x = float(v)
            if not np.isfinite(x) or x <= 0:
                raise input_error(f"pk scale.{k}", v, "a finite multiplier > 0")
            out[k] = x
    return out


def _segment_response(
    lam: np.ndarray, coef: np.ndarray, t: np.ndarray, start: float, end: float
) -> np.ndarray:
    """Response at ``t`` to a unit-rate input on [start, end) of ``Σ coef_i exp(-lam_i τ)``.

    Written in the cancellation-free form: during the segment ``Σ c/λ (1 − e^{−λ(t−s)})``,
    after it ``Σ c/λ (1 − e^{−λ d}) e^{−λ(t−e)}``.
    """
    out = np.zeros_like(t)
    during = (t > start) & (t <= end)
    after = t > end
    for lam_i, c_i in zip(lam, coef, strict=True):
        g = c_i / lam_i
        out[during] += g * -np.expm1(-lam_i * (t[during] - start))
        out[after] += g * -np.expm1(-lam_i * (end - start)) * np.exp(-lam_i * (t[after] - end))
    return out


def simulate_closed_form(
    regimen: Regimen, pk: BrexanolonePK, times_h: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Drug-attributable plasma and effect-site concentrations (ng/mL) at ``times_h``.

    Exact superposition of the segments' responses.

    Examples
    --------
    A long constant infusion approaches Css = rate·W / CL:

    >>> from brexsim.dosing import Regimen
    >>> pk = get_brexanolone_pk(70.0)
    >>> r = Regimen("brexanolone", segments=((0.0, 2000.0, 60.0),))
    >>> cp, ce = simulate_closed_form(r, pk, np.array([1999.0]))
    >>> bool(abs(cp[0] - 60.0 * 70.0 / pk.cl_L_per_h) < 1e-6)
    True
    """
    t = np.asarray(times_h, dtype=float)
    lam, a = pk.macro
    ke0 = pk.ke0_per_h
    # effect site: convolution of each exponential with ke0·exp(-ke0 τ):
    #   e^{-λτ} → ke0/(ke0−λ)·(e^{-λτ} − e^{-ke0 τ}); as exponentials with rates [λ1, λ2, ke0]
    lam_e = np.array([lam[0], lam[1], ke0])
    coef_e = np.array(
        [
            a[0] * ke0 / (ke0 - lam[0]),
            a[1] * ke0 / (ke0 - lam[1]),
            -(a[0] * ke0 / (ke0 - lam[0]) + a[1] * ke0 / (ke0 - lam[1])),
        ]
    )
    cp = np.zeros_like(t)
    ce = np.zeros_like(t)
    for s in regimen.segments:
        if s.rate_ug_per_kg_h == 0.0:
            continue
        rate = s.rate_ug_per_kg_h * pk.weight_kg  # µg/h
        cp += rate * _segment_response(lam, a, t, s.start_h, s.end_h)
        ce += rate * _segment_response(lam_e, coef_e, t, s.start_h, s.end_h)
    return cp, ce


def rhs(t: jax.Array, y: jax.Array, args: tuple) -> jax.Array:
    """JAX right-hand side; ``y = [A1 µg, A2 µg, Ce ng/mL]``, ``args = (pk_vector, seg_table)``.

    ``pk_vector = [CL, V1, Q, V2, ke0, W]`` and ``seg_table`` an ``(m, 3)`` array of
    ``start_h, end_h, rate_ug_per_kg_h``. Segments are half-open [start, end).

    >>> import jax.numpy as jnp
    >>> p = jnp.array([70.0, 105.0, 9.0, 105.0, 2.77, 70.0])
    >>> segs = jnp.array([[0.0, 4.0, 30.0]])
    >>> float(rhs(0.0, jnp.zeros(3), (p, segs))[0])  # 30 µg/kg/h × 70 kg
    2100.0
    """
    p, segs = args
    cl, v1, q, v2, ke0, w = p[0], p[1], p[2], p[3], p[4], p[5]
    on = (t >= segs[:, 0]) & (t < segs[:, 1])
    rate = jnp.sum(jnp.where(on, segs[:, 2], 0.0)) * w
    a1, a2, ce = y[0], y[1], y[2]
    cp = a1 / v1
    return jnp.stack(
        [
            rate - (cl + q) / v1 * a1 + q / v2 * a2,
            q / v1 * a1 - q / v2 * a2,
            ke0 * (cp - ce),
        ]
    )


def solve_ode(
    regimen: Regimen,
    pk: BrexanolonePK,
    times_h: np.ndarray,
    rtol: float = 1e-12,
    atol: float = 1e-12,
) -> tuple[np.ndarray, np.ndarray]:
    """The same model solved with diffrax (Kvaerno5, infusion changes as jump times).

    Returns drug plasma and effect-site concentrations (ng/mL) at ``times_h``.
    """
    import diffrax

    t = np.asarray(times_h, dtype=float)
    segs = np.array(
        [(s.start_h, s.end_h, s.rate_ug_per_kg_h) for s in regimen.segments], dtype=float
    ).reshape(-1, 3)
    p = jnp.array([pk.cl_L_per_h, pk.v1_L, pk.q_L_per_h, pk.v2_L, pk.ke0_per_h, pk.weight_kg])
    jumps = jnp.array(sorted({float(x) for x in segs[:, :2].ravel()}))
    t0 = min(0.0, float(t[0]))
    sol = diffrax.diffeqsolve(
        diffrax.ODETerm(rhs),
        diffrax.Kvaerno5(),
        t0=t0,
        t1=float(t[-1]),
        dt0=0.01,
        y0=jnp.zeros(3),
        args=(p, jnp.asarray(segs)),
        saveat=diffrax.SaveAt(ts=jnp.asarray(t)),
        stepsize_controller=diffrax.PIDController(rtol=rtol, atol=atol, jump_ts=jumps),
        max_steps=200_000,
    )
    y = np.asarray(sol.ys)
    return y[:, 0] / pk.v1_L, y[:, 2]
