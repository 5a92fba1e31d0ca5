"""The Laplace approximation with the exact Hessian of the individual objective.

    OFV_i = l_i(η̂_i) + log|Ω| + log|½ ∇²_η l_i(η̂_i)|

(NONMEM's ``METHOD=COND LAPLACIAN`` convention, without ``n·log 2π``; l_i as in
:mod:`brexsim.estimation.focei`). Where FOCE-I replaces the Hessian by its expected-information
approximation, this takes :func:`jax.hessian` of l_i, so BLQ records (M3 terms) and
non-Gaussian shapes enter exactly. NONMEM uses a finite-difference Hessian here; pharmpy-core
ships no Laplace reference for pheno, so the tests compare Laplace with FOCE-I.

Examples
--------
>>> from brexsim.estimation.models.pheno import model
>>> from brexsim.estimation.data import read_estimation_data
>>> from brexsim.estimation.focei import make_evaluator, get_initial_vector
>>> d = read_estimation_data("tests/estimation/data/pheno/pheno.dta")
>>> ofv = make_evaluator(model, d, "laplace").evaluate(get_initial_vector(model))[0]
>>> 580 < ofv < 595
True
"""

from __future__ import annotations

import jax

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402

from brexsim.estimation.model import NLMEModel, split_natural  # noqa: E402

__all__ = ["laplace_term"]


def laplace_term(m: NLMEModel, x, eta, s, o):  # type: ignore[no-untyped-def]
    """OFV_i of the Laplace approximation at the EBE ``eta``."""
    from brexsim.estimation.focei import individual_objective

    _, omega, _ = split_natural(m, x)
    h = 0.5 * jax.hessian(lambda e: individual_objective(m, x, e, s, o))(eta)
    return (
        individual_objective(m, x, eta, s, o)
        + jnp.linalg.slogdet(omega)[1]
        + jnp.linalg.slogdet(h)[1]
    )
