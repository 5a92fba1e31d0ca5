"""Closed-form linear PK in JAX for estimation: 1- and 2-compartment, IV bolus and infusion.

Concentrations are sums over the subject's dose records (superposition), so a prediction is a
smooth function of the parameters that :func:`jax.grad`, :func:`jax.hessian` and
:func:`jax.vmap` go through. A dose with ``rate > 0`` is a zero-order infusion lasting
``amt / rate``; ``rate == 0`` is a bolus into the central compartment. A dose contributes to an
observation only if its record comes before the observation's record (``subject.dose_before``,
NONMEM's record order; a dose and an observation at the same time: the file order decides).

Units: times h, amounts in the dataset's AMT unit, volumes and clearances per the caller;
``scale`` converts amount/volume to the DV unit (1000 for mg and L to ng/mL).

Examples
--------
>>> import jax.numpy as jnp
>>> from brexsim.estimation.data import Subject
>>> s = Subject(obs_time=jnp.array([1.0]), dose_time=jnp.array([0.0]), amt=jnp.array([10.0]),
...             rate=jnp.array([0.0]), dose_before=jnp.array([[True]]), cov={})
>>> round(float(one_compartment(s, cl=1.0, v=10.0)[0]), 4)  # 10/10 * exp(-0.1)
0.9048
"""

from __future__ import annotations

import jax

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402

__all__ = ["one_compartment", "superpose", "two_compartment"]


def superpose(subject, coefs: jnp.ndarray, lambdas: jnp.ndarray, scale: float = 1.0):  # type: ignore[no-untyped-def]
    """Concentrations at ``subject.obs_time`` for a unit-dose response Σ coefs·exp(-lambdas·t).

    Parameters
    ----------
    subject : Subject
        One subject's arrays (see :class:`brexsim.estimation.data.Subject`).
    coefs : array (m,)
        Macro coefficients of the bolus response per unit dose (1/volume).
    lambdas : array (m,)
        Disposition rate constants (1/h), all > 0.
    scale : float
        Unit conversion of amount/volume to the DV unit.
    """
    tau = subject.obs_time[:, None] - subject.dose_time[None, :]  # (J, K)
    tau = jnp.where(subject.dose_before, jnp.maximum(tau, 0.0), 0.0)
    is_inf = subject.rate > 0
    dur = jnp.where(is_inf, subject.amt / jnp.where(is_inf, subject.rate, 1.0), 0.0)  # (K,)
    lam = lambdas[None, None, :]
    t = tau[..., None]
    # bolus: amt * c * exp(-l t); infusion: rate * c/l * (1 - exp(-l min(t, D))) exp(-l (t-D)+)
    bolus = subject.amt[None, :, None] * coefs * jnp.exp(-lam * t)
    t_in = jnp.minimum(t, dur[None, :, None])
    t_after = jnp.maximum(t - dur[None, :, None], 0.0)
    infusion = (
        subject.rate[None, :, None]
        * coefs
        / lam
        * (-jnp.expm1(-lam * t_in))
        * jnp.exp(-lam * t_after)
    )
    each = jnp.where(is_inf[None, :, None], infusion, bolus).sum(-1)  # (J, K)
    return scale * jnp.where(subject.dose_before, each, 0.0).sum(-1)


def one_compartment(subject, cl, v, scale: float = 1.0):  # type: ignore[no-untyped-def]
    """1-compartment IV model (NONMEM ADVAN1 TRANS2): C = Σ amt/V·exp(-CL/V·t) for boluses.

    ``cl`` volume/h, ``v`` volume; see :func:`superpose` for the dose rules.
    """
    return superpose(subject, jnp.reshape(1.0 / v, (1,)), jnp.reshape(cl / v, (1,)), scale)


def two_compartment(subject, cl, v1, q, v2, scale: float = 1.0):  # type: ignore[no-untyped-def]
    """2-compartment IV model (NONMEM ADVAN3 TRANS4) in macro constants α > β.

    ``cl``, ``q`` volume/h; ``v1``, ``v2`` volume. Bolus response per unit dose:
    A·e^(-αt) + B·e^(-βt), A = (α - k21)/(V1(α - β)), B = (k21 - β)/(V1(α - β)).

    >>> import jax.numpy as jnp
    >>> from brexsim.estimation.data import Subject
    >>> s = Subject(obs_time=jnp.array([0.0]), dose_time=jnp.array([0.0]), amt=jnp.array([5.0]),
    ...             rate=jnp.array([0.0]), dose_before=jnp.array([[True]]), cov={})
    >>> round(float(two_compartment(s, 1.0, 10.0, 2.0, 20.0)[0]), 6)  # C(0) = dose / V1
    0.5
    """
    k10, k12, k21 = cl / v1, q / v1, q / v2
    s = k10 + k12 + k21
    root = jnp.sqrt(s * s - 4.0 * k10 * k21)
    alpha, beta = 0.5 * (s + root), 0.5 * (s - root)
    a = (alpha - k21) / (v1 * (alpha - beta))
    b = (k21 - beta) / (v1 * (alpha - beta))
    return superpose(subject, jnp.stack([a, b]), jnp.stack([alpha, beta]), scale)
