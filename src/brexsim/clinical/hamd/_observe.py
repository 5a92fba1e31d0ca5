"""HAM-D-17 layer, variability and observations: random effects, baseline scores, observed
scores, change from baseline, response and remission (split from ``hamd``; see the package
docstring).
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtr, ndtri

from brexsim.errors import input_error
from brexsim.params import ParameterSet, load_parameters

# ------------------------------------------------------------------ variability and observations


def sample_hamd_random_effects(
    n: int, rng: np.random.Generator, params: ParameterSet | None = None
) -> dict[str, np.ndarray]:
    """Draw ``{"eta_placebo", "eta_drug"}`` (each [n]) from N(0, omega^2) (``hamd.omega_*``).

    ``eta_placebo`` shifts the logit of the maximal placebo fraction, ``eta_drug`` the logit of
    the maximal drug effect.

    >>> e = sample_hamd_random_effects(3, np.random.default_rng(0))
    >>> sorted(e), e["eta_drug"].shape
    (['eta_drug', 'eta_placebo'], (3,))
    """
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 0:
        raise input_error("n", n, "an integer >= 0")
    ps = params if params is not None else load_parameters()
    z = rng.standard_normal((2, int(n)))
    return {
        "eta_placebo": z[0] * ps.value("hamd.omega_placebo"),
        "eta_drug": z[1] * ps.value("hamd.omega_drug"),
    }


def get_baseline_distribution(
    min: int = 26, max: int = 52, params: ParameterSet | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Scores ``min..max`` and their probabilities under the baseline model: a normal
    (``baseline_latent_mean``, ``baseline_latent_sd``) truncated to ``[min - 0.5, max + 0.5]``
    and rounded to the nearest integer.

    >>> k, pmf = get_baseline_distribution()
    >>> int(k[0]), round(float(pmf.sum()), 12)
    (26, 1.0)
    """
    lo, hi = _check_bounds(min, max)
    ps = params if params is not None else load_parameters()
    mu, sd = ps.value("hamd.baseline_latent_mean"), ps.value("hamd.baseline_latent_sd")
    k = np.arange(lo, hi + 1)
    cdf = ndtr((np.append(k - 0.5, hi + 0.5) - mu) / sd)
    w = np.diff(cdf)
    if not w.sum() > 0:
        raise input_error("min/max", (min, max), "a range with non-zero probability")
    return k, w / w.sum()


def _check_bounds(lo, hi) -> tuple[int, int]:
    for name, v in (("min", lo), ("max", hi)):
        if isinstance(v, bool) or not float(v).is_integer() or not (0 <= v <= 52):
            raise input_error(name, v, "an integer HAM-D-17 score in [0, 52]")
    if lo > hi:
        raise input_error("min", lo, f"<= max ({hi})")
    return int(lo), int(hi)


def sample_baseline_hamd(
    n: int,
    rng: np.random.Generator,
    min: int = 26,
    max: int = 52,
    params: ParameterSet | None = None,
) -> np.ndarray:
    """Draw ``n`` integer baseline HAM-D-17 scores within the inclusion range ``[min, max]``.

    Latent normal (calibrated to the Study 1 baseline mean 28.66, SD 2.5) truncated to
    ``[min - 0.5, max + 0.5]`` by inverse-CDF sampling, then rounded: every draw is valid, none
    is rejected.

    >>> b = sample_baseline_hamd(5, np.random.default_rng(1))
    >>> b.dtype.kind, bool(b.min() >= 26)
    ('i', True)
    """
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 0:
        raise input_error("n", n, "an integer >= 0")
    lo, hi = _check_bounds(min, max)
    ps = params if params is not None else load_parameters()
    mu, sd = ps.value("hamd.baseline_latent_mean"), ps.value("hamd.baseline_latent_sd")
    fa, fb = ndtr((lo - 0.5 - mu) / sd), ndtr((hi + 0.5 - mu) / sd)
    if not fb > fa:
        raise input_error("min/max", (min, max), "a range with non-zero probability")
    u = rng.uniform(size=int(n))
    x = mu + sd * ndtri(np.clip(fa + u * (fb - fa), 1e-300, 1.0 - 1e-16))
    return np.clip(np.rint(x), lo, hi).astype(np.int64)


def sample_observed_hamd(
    expected, rng: np.random.Generator, params: ParameterSet | None = None
) -> np.ndarray:
    """Observed scores: ``expected + N(0, residual_sd^2)``, rounded and bounded to 0-52 (int).

    Do not pass the baseline column: the baseline is already an observed score.

    >>> y = sample_observed_hamd(np.array([[0.0, 30.0, 52.0]]), np.random.default_rng(2))
    >>> y.dtype.kind, bool(y.min() >= 0 and y.max() <= 52)
    ('i', True)
    """
    e = np.asarray(expected, dtype=float)
    if not np.all(np.isfinite(e)):
        raise input_error("expected", "array", "finite expected scores")
    ps = params if params is not None else load_parameters()
    sd = ps.value("hamd.residual_sd")
    top = ps.value("hamd.max_score")
    y = e + sd * rng.standard_normal(e.shape)
    return np.clip(np.rint(y), 0.0, top).astype(np.int64)


def get_change_from_baseline(scores, baseline) -> np.ndarray:
    """Change from baseline (negative = improvement); ``baseline`` [N] broadcasts over [N, T].

    >>> get_change_from_baseline(np.array([[14, 10]]), np.array([28])).tolist()
    [[-14, -18]]
    """
    s = np.asarray(scores)
    b = np.asarray(baseline)
    return s - (b[..., None] if s.ndim == b.ndim + 1 else b)


def is_response(scores, baseline, params: ParameterSet | None = None) -> np.ndarray:
    """Response: a fall of at least 50 % from baseline (``hamd.response_fraction``).

    >>> is_response(np.array([[14, 15]]), np.array([28])).tolist()
    [[True, False]]
    """
    ps = params if params is not None else load_parameters()
    frac = ps.value("hamd.response_fraction")
    b = np.asarray(baseline, dtype=float)
    fall = -get_change_from_baseline(np.asarray(scores, dtype=float), b)
    bb = b[..., None] if np.ndim(scores) == b.ndim + 1 else b
    return fall >= frac * bb - 1e-9


def is_remission(scores, params: ParameterSet | None = None) -> np.ndarray:
    """Remission: HAM-D-17 <= 7 (``hamd.remission_max_score``).

    >>> is_remission(np.array([7, 8])).tolist()
    [True, False]
    """
    ps = params if params is not None else load_parameters()
    return np.asarray(scores) <= ps.value("hamd.remission_max_score")
