"""FOCE with interaction: per-subject EBEs (vmapped optimistix BFGS) and NONMEM's objective.

The individual objective of subject i (NONMEM's convention: -2 log-likelihood without the
``n·log 2π`` constant) is

    l_i(η) = Σ_j [ (y_j - f_j(η))² / V_j(η) + log V_j(η) ] + ηᵀ Ω⁻¹ η,

V_j the residual variance (:func:`brexsim.estimation.model.residual_variance`, with interaction:
evaluated at the individual prediction). The EBE η̂_i minimises l_i. The FOCE-I contribution is

    OFV_i = l_i(η̂_i) + log|Ω| + log|Ω⁻¹ + Gᵀ V⁻¹ G + ½ Σ_j ∂V_j ∂V_jᵀ / V_j²|,

G = ∂f/∂η and ∂V = ∂V/∂η at η̂_i (the expected-information Hessian of l_i / 2, the first-order
approximation with interaction; Wang 2007, J Pharmacokinet Pharmacodyn 34:575). On pheno at
NONMEM's final estimates it gives NONMEM's OFV to 1e-8 (tests/estimation/test_focei.py).
BLQ observations are excluded from FOCE-I (a named warning in the fit; M3: use ``laplace``).
The gradient of OFV = Σ OFV_i with respect to the parameters goes through the EBEs by the
implicit function theorem (optimistix's implicit adjoint).

Examples
--------
>>> from brexsim.estimation.models.pheno import model
>>> from brexsim.estimation.data import read_estimation_data
>>> import pathlib
>>> d = read_estimation_data(pathlib.Path("tests/estimation/data/pheno/pheno.dta"))
>>> ev = make_evaluator(model, d, "focei")
>>> x = get_initial_vector(model)
>>> round(float(ev.evaluate(x)[0]), 2)   # NONMEM iteration 0: 587.36644134661617
587.37
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import NamedTuple

import jax

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402
import jax.scipy.stats as jstats  # noqa: E402
import numpy as np  # noqa: E402
import optimistix as optx  # noqa: E402

from brexsim.estimation.data import EstimationData  # noqa: E402
from brexsim.estimation.model import (  # noqa: E402
    NLMEModel,
    check_observation_types,
    get_initial_vector,
    residual_variance,
    split_natural,
)

__all__ = [
    "Evaluator",
    "Obs",
    "get_initial_vector",
    "make_evaluator",
    "rebind_data",
    "solve_ebes",
]

_INNER = optx.BFGS(rtol=1e-10, atol=1e-10)
_MAX_INNER = 500


class Obs(NamedTuple):
    """One subject's observed values (J,): DV, used mask, BLQ flag (M3) and LLOQ."""

    dv: object
    mask: object
    blq: object
    lloq: object


def _moments(m: NLMEModel, x, eta, s):  # type: ignore[no-untyped-def]
    theta, omega, sigma = split_natural(m, x)
    f = m.predict(theta, eta, s)
    return f, residual_variance(m, f, sigma, s.dvid), omega


def individual_objective(m: NLMEModel, x, eta, s, o: Obs):  # type: ignore[no-untyped-def]
    """l_i(η) (see the module docstring); BLQ records add -2·log Φ((LLOQ - f)/√V) (M3)."""
    f, v, omega = _moments(m, x, eta, s)
    quant = o.mask & ~o.blq
    v = jnp.where(o.mask, v, 1.0)
    r = jnp.where(quant, o.dv - f, 0.0)
    ll = jnp.where(quant, r * r / v + jnp.log(v), 0.0).sum()
    z = jnp.where(o.mask & o.blq, (o.lloq - f) / jnp.sqrt(v), 0.0)
    ll = ll - 2.0 * jnp.where(o.mask & o.blq, jstats.norm.logcdf(z), 0.0).sum()
    return ll + eta @ jnp.linalg.solve(omega, eta)


def solve_ebes(m: NLMEModel, x, s, o: Obs, eta0):  # type: ignore[no-untyped-def]
    """The EBE of one subject (optimistix BFGS from ``eta0``) and whether it converged."""
    sol = optx.minimise(
        lambda e, _: individual_objective(m, x, e, s, o),
        _INNER,
        jax.lax.stop_gradient(eta0),
        max_steps=_MAX_INNER,
        throw=False,
    )
    return sol.value, sol.result == optx.RESULTS.successful


def focei_term(m: NLMEModel, x, eta, s, o: Obs):  # type: ignore[no-untyped-def]
    """OFV_i of FOCE-I at the EBE ``eta`` (see the module docstring)."""
    theta, omega, sigma = split_natural(m, x)
    mk = o.mask

    def fv(e):  # type: ignore[no-untyped-def]
        f = m.predict(theta, e, s)
        return jnp.stack([f, residual_variance(m, f, sigma, s.dvid)])

    _, v = fv(eta)
    jac = jax.jacfwd(fv)(eta) * mk[None, :, None]
    g, dv = jac[0], jac[1]
    v = jnp.where(mk, v, 1.0)
    h = jnp.linalg.inv(omega) + g.T @ (g / v[:, None]) + 0.5 * dv.T @ (dv / (v * v)[:, None])
    return (
        individual_objective(m, x, eta, s, o)
        + jnp.linalg.slogdet(omega)[1]
        + jnp.linalg.slogdet(h)[1]
    )


def laplace_term(m: NLMEModel, x, eta, s, o: Obs):  # type: ignore[no-untyped-def]
    """OFV_i of the Laplace approximation: exact Hessian of l_i at ``eta`` (laplace.py)."""
    from brexsim.estimation.laplace import laplace_term as _lt

    return _lt(m, x, eta, s, o)


_TERMS = {"focei": focei_term, "laplace": laplace_term}


@dataclass(frozen=True)
class Evaluator:
    """Compiled objective of one model, data set and method.

    ``evaluate(x, eta0)`` → ``(ofv, gradient (p,), per-subject gradients (N, p), EBEs (N, q),
    per-subject OFV (N,), EBE converged (N,))``; ``eta0`` (N, q) warm-starts the EBEs.
    """

    model: NLMEModel
    data: EstimationData
    method: str
    subjects: object
    obs: Obs
    _fn: object = field(repr=False, default=None)
    warnings: tuple[str, ...] = ()

    def evaluate(self, x, eta0=None):  # type: ignore[no-untyped-def]
        """See the class docstring."""
        if eta0 is None:
            eta0 = np.zeros((self.data.n_subjects, len(self.model.etas)))
        out = self._fn(jnp.asarray(x), jnp.asarray(eta0), self.subjects, self.obs)
        ofv_i, g_i, eta, ok = out
        return (
            float(ofv_i.sum()),
            np.asarray(g_i.sum(0)),
            np.asarray(g_i),
            np.asarray(eta),
            np.asarray(ofv_i),
            np.asarray(ok),
        )


def make_evaluator(m: NLMEModel, data: EstimationData, method: str = "focei") -> Evaluator:
    """An :class:`Evaluator` for ``method`` "focei" or "laplace" (BLQ: see the module doc)."""
    from brexsim.errors import input_error

    if method not in _TERMS:
        raise input_error("method", method, f"one of {sorted(_TERMS)}")
    term = _TERMS[method]
    subjects = data.get_subjects(m.covariates)
    check_observation_types(m, data.dvid, data.obs_mask)
    blq = jnp.asarray(data.blq)
    mask = jnp.asarray(data.obs_mask)
    warnings: tuple[str, ...] = ()
    if method == "focei" and bool(data.blq.any()):
        mask = mask & ~blq
        warnings = (f"BLQExcluded: {int(data.blq.sum())} BLQ record(s) left out of FOCE-I",)
    obs = Obs(jnp.asarray(data.dv), mask, blq, jnp.asarray(np.nan_to_num(data.lloq)))

    def one(x, eta0, s, o):  # type: ignore[no-untyped-def]
        def ofv(xx):  # type: ignore[no-untyped-def]
            eta, ok = solve_ebes(m, xx, s, o, eta0)
            return term(m, xx, eta, s, o), (eta, ok)

        (val, (eta, ok)), g = jax.value_and_grad(ofv, has_aux=True)(x)
        return val, g, eta, ok

    fn = jax.jit(jax.vmap(one, in_axes=(None, 0, 0, 0)))
    return Evaluator(m, data, method, subjects, obs, fn, warnings)


def rebind_data(ev: Evaluator, data: EstimationData) -> Evaluator:
    """The compiled objective of ``ev`` on new observations ``data`` of the same design (same
    subjects, times, doses, DVIDs and padding; only DV may differ), with no recompilation:
    replicate fits of simulated studies (power and model-comparison curves) reuse one compile.
    """
    from brexsim.errors import input_error

    same = (
        data.dv.shape == ev.data.dv.shape
        and np.array_equal(data.obs_mask, ev.data.obs_mask)
        and np.array_equal(data.obs_time, ev.data.obs_time)
        and np.array_equal(data.dvid, ev.data.dvid)
        and np.array_equal(data.blq, ev.data.blq)
    )
    if not same:
        raise input_error("data", data.source, "the design of the evaluator's data (DV may differ)")
    return replace(ev, data=data, obs=ev.obs._replace(dv=jnp.asarray(data.dv)))
