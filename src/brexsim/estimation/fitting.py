"""The outer (population) problem of FOCE-I and Laplace: minimise OFV over θ, Ω, Σ.

Strategy
--------
The OFV and its exact gradient (autodiff through the EBEs, :mod:`brexsim.estimation.focei`)
are minimised on the unconstrained scale (:mod:`brexsim.estimation.model`) by
:func:`scipy.optimize.minimize` (BFGS). scipy rather than optimistix for this outer loop: each
evaluation warm-starts the inner EBE solves from the previous evaluation's EBEs, a state kept
between calls outside JAX, and a non-finite OFV at a trial point must make the line search step
back (it is returned as a large value). Against local minima, ``n_starts`` starts are run: the
model's initial values and ``n_starts - 1`` starts drawn around them (normal, SD
``start_sd`` on the unconstrained scale, seeded); the lowest OFV wins, all are reported.

A BFGS run that stops above the gradient tolerance with iterations left (scipy's "precision
loss" in the line search) is restarted from its end point with a fresh inverse Hessian, at most
twice (:data:`_RESTARTS`). Convergence (stated): the largest |gradient| on the unconstrained
scale below ``gtol`` and every subject's EBE solve converged. A fit that fails it says so
(``converged`` False and ``message``), never silently.

Examples
--------
>>> from brexsim.estimation.models.pheno import model
>>> from brexsim.estimation.data import read_estimation_data
>>> d = read_estimation_data("tests/estimation/data/pheno/pheno.dta")
>>> fit = fit_model(model, d, "focei")   # doctest: +SKIP
>>> round(fit.ofv, 2)                    # doctest: +SKIP
586.28
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import scipy.optimize

from brexsim.errors import input_error
from brexsim.estimation.data import EstimationData
from brexsim.estimation.focei import Evaluator, make_evaluator
from brexsim.estimation.model import (
    NLMEModel,
    get_initial_vector,
    get_parameter_names,
    to_natural,
)

__all__ = ["FitResult", "fit_model"]

#: BFGS restarts (fresh inverse-Hessian from the end point) when a run stops above ``gtol``
#: with iterations left (a line search that lost precision), before a fit is declared
#: not converged.
_RESTARTS = 2


@dataclass(frozen=True)
class FitResult:
    """A population fit: estimates (natural scale, NONMEM order), OFV, EBEs and diagnostics."""

    model: NLMEModel
    method: str
    x: np.ndarray
    names: list[str]
    estimates: np.ndarray
    ofv: float
    converged: bool
    message: str
    etas: np.ndarray
    ofv_subjects: np.ndarray
    subject_gradients: np.ndarray
    starts: list[dict]
    warnings: tuple[str, ...]
    evaluator: Evaluator = field(repr=False)
    seconds: float = 0.0

    def get_estimates(self) -> dict[str, float]:
        """Parameter name → estimate."""
        return dict(zip(self.names, map(float, self.estimates), strict=True))


def _one_start(ev: Evaluator, x0: np.ndarray, gtol: float, maxiter: int) -> dict:
    state = {"eta": None, "n": 0}

    def fun(x):  # type: ignore[no-untyped-def]
        ofv, g, _, eta, _, _ = ev.evaluate(x, state["eta"])
        state["n"] += 1
        if not (np.isfinite(ofv) and np.isfinite(g).all()):
            return 1e20, np.zeros_like(x)
        state["eta"] = eta
        return ofv, g

    res = scipy.optimize.minimize(
        fun, x0, jac=True, method="BFGS", options={"gtol": gtol, "maxiter": maxiter}
    )
    ofv, g, gi, eta, ofv_i, ok = ev.evaluate(res.x, state["eta"])
    gmax = float(np.abs(g).max())
    for _ in range(_RESTARTS):  # BFGS stopped short of gtol: restart with a fresh Hessian
        if gmax < gtol or not np.isfinite(ofv) or res.nit >= maxiter:
            break
        res = scipy.optimize.minimize(
            fun, res.x, jac=True, method="BFGS", options={"gtol": gtol, "maxiter": maxiter}
        )
        ofv, g, gi, eta, ofv_i, ok = ev.evaluate(res.x, state["eta"])
        gmax = float(np.abs(g).max())
    conv = bool(np.isfinite(ofv) and gmax < gtol and ok.all())
    why = [] if conv else [f"max |gradient| {gmax:.3g} (need < {gtol:g})" * (gmax >= gtol)]
    if not ok.all():
        why.append(f"EBE solve failed for {int((~ok).sum())} subject(s)")
    return {
        "x": res.x, "ofv": ofv, "g": g, "gi": gi, "eta": eta, "ofv_i": ofv_i,
        "converged": conv, "message": "converged" if conv else "; ".join(w for w in why if w),
        "evaluations": state["n"], "scipy": str(res.message),
    }  # fmt: skip


def fit_model(
    model: NLMEModel,
    data: EstimationData,
    method: str = "focei",
    n_starts: int = 1,
    seed: int = 0,
    start_sd: float = 0.3,
    gtol: float = 1e-3,
    maxiter: int = 500,
    evaluator: Evaluator | None = None,
) -> FitResult:
    """Fit ``model`` to ``data`` by FOCE-I (``method="focei"``) or Laplace (``"laplace"``).

    Parameters
    ----------
    model : NLMEModel
        The model; its initial values are the first start.
    data : EstimationData
        Subject-level data (:func:`brexsim.estimation.data.read_estimation_data`).
    method : str
        "focei" or "laplace".
    n_starts : int
        Number of starts (>= 1), see the module docstring.
    seed : int
        Seed of the random starts.
    start_sd, gtol, maxiter : float, float, int
        Start spread (unconstrained scale), gradient tolerance (OFV units) and BFGS iterations.
    evaluator : Evaluator, optional
        A compiled objective of ``model`` and ``method`` to reuse (see
        :func:`brexsim.estimation.focei.rebind_data`); its data replace ``data``.

    Returns
    -------
    FitResult
    """
    if n_starts < 1:
        raise input_error("n_starts", n_starts, "an integer >= 1")
    t0 = time.perf_counter()
    if evaluator is not None and (evaluator.model != model or evaluator.method != method):
        raise input_error("evaluator", evaluator.method, f"an evaluator of this model and {method}")
    ev = evaluator if evaluator is not None else make_evaluator(model, data, method)
    x0 = get_initial_vector(model)
    rng = np.random.default_rng(seed)
    inits = [x0] + [x0 + rng.normal(0.0, start_sd, x0.size) for _ in range(n_starts - 1)]
    runs = [_one_start(ev, xi, gtol, maxiter) for xi in inits]
    finite = [r for r in runs if np.isfinite(r["ofv"])]
    if not finite:
        raise input_error("fit", "no finite OFV", "data and initial values the model can fit")
    best = min(finite, key=lambda r: (not r["converged"], r["ofv"]))
    starts = [
        {"start": k, "ofv": float(r["ofv"]), "converged": r["converged"],
         "evaluations": r["evaluations"], "message": r["message"]}
        for k, r in enumerate(runs)
    ]  # fmt: skip
    return FitResult(
        model=model,
        method=method,
        x=np.asarray(best["x"]),
        names=get_parameter_names(model),
        estimates=np.asarray(to_natural(model, best["x"])),
        ofv=float(best["ofv"]),
        converged=bool(best["converged"]),
        message=best["message"],
        etas=best["eta"],
        ofv_subjects=best["ofv_i"],
        subject_gradients=best["gi"],
        starts=starts,
        warnings=ev.warnings,
        evaluator=ev,
        seconds=time.perf_counter() - t0,
    )
