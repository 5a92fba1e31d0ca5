"""Zuranolone: oral absorption and two-compartment disposition (apparent parameters, /F).

States (amounts in mg, effect site in ng/mL)::

    T1..Tn   fed transit chain, rate ktr each; Tn empties into the central compartment
    Ac       central,    dAc/dt = ktr·Tn + I_fasted(t) − (CL + Q)/V2·Ac + Q/V3·Ap
    Ap       peripheral, dAp/dt = Q/V2·Ac − Q/V3·Ap
    Ce       effect site, dCe/dt = ke0·(Ac/V2·1000 − Ce)

A fed dose goes into T1 (relative bioavailability 1: the apparent parameters are fed values);
a fasted dose enters the central compartment as a zero-order input of ``f_rel_fasted·dose`` over
``d_fasted_h``. The two-compartment disposition lets one model give both a 20-25 h terminal
half-life and only ~1.5-fold accumulation (one compartment would give ~1.9-fold).

The label says food does not change tmax while it raises Cmax 3.5-4.3x and AUC 1.8-2.0x; a
first-order fasted absorption slow enough to flatten Cmax would delay tmax, so the fasted input
is zero-order over about the fed tmax (see the calibration record). The phase 1 oral *solution*
(tmax ~1 h, Hoffmann 2020) is a different formulation and is not modelled.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from brexsim.dosing.regimen import Regimen
from brexsim.params import ParameterSet, load_parameters
from brexsim.pk.linear import Bolus, Infusion, solve_linear

__all__ = ["ZuranolonePK", "get_system_matrix", "get_zuranolone_pk", "simulate_exact"]


@dataclass(frozen=True)
class ZuranolonePK:
    """Apparent zuranolone PK parameters (fed, /F)."""

    cl_L_per_h: float
    v2_L: float
    q_L_per_h: float
    v3_L: float
    n_transit: int
    ktr_per_h: float
    d_fasted_h: float
    f_rel_fasted: float
    ke0_per_h: float

    @property
    def half_lives_h(self) -> tuple[float, float]:
        """Distribution and terminal half-lives of the disposition, h."""
        k10 = self.cl_L_per_h / self.v2_L
        k12 = self.q_L_per_h / self.v2_L
        k21 = self.q_L_per_h / self.v3_L
        s = k10 + k12 + k21
        d = np.sqrt(s * s - 4 * k10 * k21)
        return float(np.log(2) / ((s + d) / 2)), float(np.log(2) / ((s - d) / 2))


def get_zuranolone_pk(
    params: ParameterSet | None = None, scale: Mapping[str, float] | None = None
) -> ZuranolonePK:
    """Zuranolone parameters from the tables (no weight covariate is sourced); ``scale``
    multiplies the individual ``cl``, ``v2``, ``v3``, ``q``, ``ktr``
    (:func:`brexsim.population.covariates.get_pk_scales`).

    >>> get_zuranolone_pk().n_transit >= 1
    True
    >>> get_zuranolone_pk(scale={"cl": 0.5}).cl_L_per_h == get_zuranolone_pk().cl_L_per_h / 2
    True
    """
    from brexsim.pk.brexanolone import _check_scale

    p = (params or load_parameters()).get_layer("zuranolone_pk")
    f = _check_scale(scale, ("cl", "v2", "v3", "q", "ktr"))
    return ZuranolonePK(
        cl_L_per_h=p["cl_f_L_per_h"] * f["cl"],
        v2_L=p["v2_f_L"] * f["v2"],
        q_L_per_h=p["q_f_L_per_h"] * f["q"],
        v3_L=p["v3_f_L"] * f["v3"],
        n_transit=max(1, round(p["n_transit_fed"])),
        ktr_per_h=p["ktr_fed_per_h"] * f["ktr"],
        d_fasted_h=p["d_fasted_h"],
        f_rel_fasted=p["f_rel_fasted"],
        ke0_per_h=p["ke0_per_h"],
    )


def get_system_matrix(pk: ZuranolonePK) -> np.ndarray:
    """The matrix ``K`` of ``dx/dt = K x + u`` for states ``[T1..Tn, Ac, Ap, Ce]``.

    >>> get_system_matrix(get_zuranolone_pk()).shape[0] == get_zuranolone_pk().n_transit + 3
    True
    """
    n = pk.n_transit
    size = n + 3
    K = np.zeros((size, size))
    for i in range(n):
        K[i, i] = -pk.ktr_per_h
        K[i + 1, i] = pk.ktr_per_h  # Tn feeds the central compartment (index n)
    c, p_, e = n, n + 1, n + 2
    K[c, c] = -(pk.cl_L_per_h + pk.q_L_per_h) / pk.v2_L
    K[c, p_] = pk.q_L_per_h / pk.v3_L
    K[p_, c] = pk.q_L_per_h / pk.v2_L
    K[p_, p_] = -pk.q_L_per_h / pk.v3_L
    K[e, c] = pk.ke0_per_h * 1000.0 / pk.v2_L  # mg/L -> ng/mL
    K[e, e] = -pk.ke0_per_h
    return K


def simulate_exact(
    regimen: Regimen, pk: ZuranolonePK, times_h: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Plasma and effect-site zuranolone concentrations (ng/mL) at ``times_h``, exactly.

    Examples
    --------
    >>> from brexsim.dosing import get_preset
    >>> cp, ce = simulate_exact(get_preset("placebo-oral"), get_zuranolone_pk(), np.array([5.0]))
    >>> float(cp[0])
    0.0
    """
    n = pk.n_transit
    size = n + 3
    boluses: list[Bolus] = []
    infusions: list[Infusion] = []
    for d in regimen.oral_doses:
        if d.mg == 0.0:
            continue
        if d.with_food:
            amt = np.zeros(size)
            amt[0] = d.mg
            boluses.append(Bolus(d.time_h, tuple(amt)))
        else:
            rate = np.zeros(size)
            rate[n] = d.mg * pk.f_rel_fasted / pk.d_fasted_h
            infusions.append(Infusion(d.time_h, d.time_h + pk.d_fasted_h, tuple(rate)))
    x = solve_linear(get_system_matrix(pk), np.asarray(times_h, float), infusions, boluses)
    return x[:, n] / pk.v2_L * 1000.0, x[:, n + 2]
