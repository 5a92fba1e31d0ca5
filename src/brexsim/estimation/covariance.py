"""The covariance step: R, S and sandwich (R⁻¹SR⁻¹) standard errors, named as NONMEM names them.

With OFV = -2 log L = Σ_i OFV_i:

* ``R``: the Hessian of the OFV, here by central differences of the exact (autodiff) gradient
  on the unconstrained scale (NONMEM also differences numerically). Covariance ``2·R⁻¹``
  (NONMEM ``MATRIX=R``).
* ``S``: Σ_i g_i g_iᵀ, g_i the gradient of OFV_i. Covariance ``4·S⁻¹`` (``MATRIX=S``).
* ``sandwich``: ``R⁻¹ S R⁻¹`` (NONMEM's default covariance step).

Each is computed on the unconstrained scale x and mapped to the natural parameters p
(θ, Ω elements, σ) by the delta method, Cov_p = J Cov_x Jᵀ with J = ∂p/∂x from autodiff; at
the minimum this is exact for the Hessian (the gradient term vanishes). A singular or
non-positive-definite R gives the named warning ``CovarianceSingular`` and no SEs, never a
silent number.

Examples
--------
>>> import numpy as np
>>> get_rse_pct(np.array([2.0, -4.0]), np.array([0.2, 1.0]))
[10.0, 25.0]
"""

from __future__ import annotations

from dataclasses import dataclass

import jax
import numpy as np

from brexsim.estimation.model import to_natural

__all__ = ["CovarianceResult", "compute_covariance", "get_rse_pct"]

_KINDS = ("sandwich", "r", "s")


@dataclass(frozen=True)
class CovarianceResult:
    """Covariance of the natural parameters by ``kind`` and the warnings of the step."""

    kind: str
    cov: np.ndarray | None
    se: np.ndarray | None
    covariances: dict[str, np.ndarray | None]
    condition_number: float | None
    warnings: tuple[str, ...]

    def get_correlation(self) -> np.ndarray | None:
        """Correlation matrix of the estimates (None without a covariance)."""
        if self.cov is None:
            return None
        d = np.sqrt(np.diag(self.cov))
        return self.cov / np.outer(d, d)


def get_rse_pct(estimate: np.ndarray, se: np.ndarray) -> list[float]:
    """Relative standard errors in % (|SE / estimate|·100)."""
    return [
        float(abs(s / e) * 100.0) if e != 0 else float("nan")
        for e, s in zip(estimate, se, strict=True)
    ]


def _hessian_fd(fit, step: float) -> np.ndarray:  # type: ignore[no-untyped-def]
    x, ev, n = fit.x, fit.evaluator, fit.x.size
    h = np.zeros((n, n))
    for k in range(n):
        e = np.zeros(n)
        e[k] = step * max(1.0, abs(x[k]))
        gp = ev.evaluate(x + e, fit.etas)[1]
        gm = ev.evaluate(x - e, fit.etas)[1]
        h[:, k] = (gp - gm) / (2.0 * e[k])
    return 0.5 * (h + h.T)


def _inv_pd(a: np.ndarray) -> np.ndarray | None:
    if not np.isfinite(a).all():
        return None
    w = np.linalg.eigvalsh(a)
    if w.min() <= 1e-12 * max(1.0, w.max()):
        return None
    return np.linalg.inv(a)


def compute_covariance(fit, kind: str = "sandwich", step: float = 1e-4) -> CovarianceResult:  # type: ignore[no-untyped-def]
    """Covariance step of a :class:`~brexsim.estimation.fitting.FitResult`.

    Parameters
    ----------
    fit : FitResult
        A FOCE-I or Laplace fit.
    kind : str
        Which covariance the SEs come from: "sandwich" (default, as NONMEM), "r" or "s".
    step : float
        Relative finite-difference step of the Hessian on the unconstrained scale.
    """
    from brexsim.errors import input_error

    if kind not in _KINDS:
        raise input_error("covariance", kind, f"one of {list(_KINDS)}")
    r = _hessian_fd(fit, step)
    g = fit.subject_gradients
    s = g.T @ g
    jac = np.asarray(jax.jacfwd(lambda x: to_natural(fit.model, x))(fit.x))
    r_inv, s_inv = _inv_pd(r), _inv_pd(s)
    cx = {
        "r": None if r_inv is None else 2.0 * r_inv,
        "s": None if s_inv is None else 4.0 * s_inv,
        "sandwich": None if r_inv is None else r_inv @ s @ r_inv,
    }
    cp = {k: None if v is None else jac @ v @ jac.T for k, v in cx.items()}
    warnings: list[str] = []
    if r_inv is None:
        warnings.append(
            "CovarianceSingular: R (Hessian of the OFV) is singular or not positive definite"
        )
    if s_inv is None:
        warnings.append("CovarianceSingular: S (cross-product of subject gradients) is singular")
    cov = cp[kind]
    cond = None
    if r_inv is not None:
        w = np.linalg.eigvalsh(r)
        cond = float(w.max() / w.min())
    se = None if cov is None else np.sqrt(np.clip(np.diag(cov), 0.0, None))
    return CovarianceResult(kind, cov, se, cp, cond, tuple(warnings))
