"""Closed-form linear PK in JAX for estimation: 1- and 2-compartment IV, oral transit chain.

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

import math

import jax

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402

__all__ = [
    "check_oral_doses",
    "one_compartment",
    "superpose",
    "transit_two_compartment",
    "two_compartment",
]


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


#: Terms of the power series of the Erlang convolution used where |(k - λ)·t| < 1.
_SERIES_TERMS = 20


def _erlang_convolution(t, k, lam, n: int):  # type: ignore[no-untyped-def]
    """∫₀ᵗ kⁿ sⁿ⁻¹/(n-1)! e^(-k s) e^(-λ(t-s)) ds for t >= 0: the response e^(-λt) convolved
    with the output rate of an n-compartment transit chain (rate k each) after a unit dose.

    With x = (k - λ)t it is (k/(k-λ))ⁿ [e^(-λt) - e^(-kt) Σ_{m<n} xᵐ/m!], exact for any
    k ≠ λ; for |x| < 1 (k close to λ, where that form cancels) the power series
    (kt)ⁿ e^(-λt) Σ_m (-x)ᵐ / (m! (n-1)! (n+m)) is used (both branches finite, so gradients are).
    """
    x = (k - lam) * t
    small = jnp.abs(x) < 1.0
    xs = jnp.where(small, x, 0.0)
    series = jnp.zeros_like(xs)
    fact_n1 = math.factorial(n - 1)
    for m in range(_SERIES_TERMS - 1, -1, -1):  # Horner in -x
        series = series * (-xs) + 1.0 / (math.factorial(m) * fact_n1 * (n + m))
    # the unselected branch must stay finite too (else its gradient, 0·inf, is NaN)
    kt, lt = jnp.where(small, k * t, 0.0), jnp.where(small, lam * t, 0.0)
    near = kt**n * jnp.exp(-lt) * series
    d = jnp.where(small, k, k - lam)
    xl = jnp.where(small, 1.0, x)
    poly = jnp.zeros_like(xl)
    for m in range(n - 1, -1, -1):
        poly = poly * xl + 1.0 / math.factorial(m)
    far = (k / d) ** n * (jnp.exp(-lam * t) - jnp.exp(-k * t) * poly)
    return jnp.where(small, near, far)


def transit_two_compartment(  # type: ignore[no-untyped-def]
    subject, cl, v2, q, v3, ktr, n_transit: int = 4, scale: float = 1.0
):
    """Oral doses through a transit chain into a 2-compartment disposition, in closed form.

    Each dose record (``rate`` 0: a bolus) enters the first of ``n_transit`` transit
    compartments (rate constant ``ktr``, 1/h, each; the last empties into the central
    compartment), as in :mod:`brexsim.pk.zuranolone`; central volume ``v2``, peripheral
    ``v3``, clearance ``cl`` and inter-compartmental clearance ``q`` (volume/h). The central
    amount of a unit dose is A·(Erlang ⊛ e^(-αt)) + B·(Erlang ⊛ e^(-βt)), A = (α - k21)/(α - β),
    B = (k21 - β)/(α - β) (see :func:`two_compartment`), superposed over the doses; returns
    ``scale`` · amount / ``v2`` at ``subject.obs_time``. A dose with ``rate > 0`` (not an oral
    record) makes every prediction of the subject NaN (:func:`check_oral_doses` says why).

    >>> import jax.numpy as jnp
    >>> from brexsim.estimation.data import Subject
    >>> s = Subject(obs_time=jnp.array([5.0, 1e4]), dose_time=jnp.array([0.0]),
    ...             amt=jnp.array([50.0]), rate=jnp.array([0.0]),
    ...             dose_before=jnp.array([[True], [True]]), cov={})
    >>> c = transit_two_compartment(s, 20.0, 97.7, 20.9, 299.7, 0.858, 4, scale=1000.0)
    >>> round(float(c[0]), 2), float(c[1]) < 1e-12   # ng/mL after 50 mg
    (169.93, True)
    """
    k10, k12, k21 = cl / v2, q / v2, q / v3
    s = k10 + k12 + k21
    root = jnp.sqrt(s * s - 4.0 * k10 * k21)
    alpha = 0.5 * (s + root)
    beta = k10 * k21 / alpha  # αβ = k10·k21: no cancellation when β << α
    a = (alpha - k21) / root
    b = (k21 - beta) / root
    tau = subject.obs_time[:, None] - subject.dose_time[None, :]  # (J, K)
    tau = jnp.where(subject.dose_before, jnp.maximum(tau, 0.0), 0.0)
    unit = a * _erlang_convolution(tau, ktr, alpha, n_transit) + b * _erlang_convolution(
        tau, ktr, beta, n_transit
    )
    each = jnp.where(subject.dose_before, subject.amt[None, :] * unit, 0.0)
    conc = scale * each.sum(-1) / v2
    not_oral = jnp.any((subject.amt > 0) & (subject.rate > 0))
    return jnp.where(not_oral, jnp.nan, conc)


def check_oral_doses(data, model: str = "zuranolone_pk") -> None:  # type: ignore[no-untyped-def]
    """Raise one clear error unless every dose record of ``data`` (an
    :class:`~brexsim.estimation.data.EstimationData`) is an oral dose (``RATE`` 0 or absent).

    >>> import pandas as pd
    >>> from brexsim.estimation.data import frame_to_data
    >>> df = pd.DataFrame({"ID": [1, 1], "TIME": [0, 2], "AMT": [50, 0], "RATE": [10, 0],
    ...                    "DV": [0, 3.0]})
    >>> check_oral_doses(frame_to_data(df))
    Traceback (most recent call last):
    ...
    brexsim.errors.BrexsimInputError: invalid RATE=10.0 (ID 1, dose at TIME 0 h): 0 or absent ...
    """
    import numpy as np

    from brexsim.errors import input_error

    bad = (np.asarray(data.amt) > 0) & (np.asarray(data.rate) > 0)
    if bad.any():
        i, k = (int(v[0]) for v in np.nonzero(bad))
        raise input_error(
            "RATE",
            float(data.rate[i, k]),
            f"0 or absent on every dose record (--model {model}: oral doses, AMT mg into the "
            "first transit compartment; zero-order or IV input is not part of the model)",
            f"ID {data.ids[i]:g}, dose at TIME {data.dose_time[i, k]:g} h",
        )
