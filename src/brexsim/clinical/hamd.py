"""HAM-D-17 over time: placebo course by care setting, fast GABAergic and slow immune/BDNF drug
effects on a remission (disease) state, severity scaling, inter-individual and residual variability.

Expected score of patient ``i`` (equations and sources: ``docs/clinical_hamd.md``)::

    S_i(t) = B_i (1 - P_i(t)) (1 - Emax_i R_i(t)) ** s(B_i)             clipped to [0, 52]

    P_i(t) = Pmax_i (1 - exp(-(t / TD_setting) ** beta))                  placebo fraction
    logit Pmax_i = logit Pmax_setting + eta_placebo_i                     (logit-normal)

    dR/dt = r(t) (1 - R) - k_rel R,   R(0) = 0                             remission state
    r(t)  = k_fast T(t)+ + w_I (1 - I(t))+ + w_B b(t)+                     drive, 1/h
    logit Emax_i = logit Emax + eta_drug_i                                (logit-normal)

    s(B) = (B_ref / B) max(B - B_0, 0) / (B_ref - B_0)                   (Fournier 2010)

``B`` is the (observed, integer) baseline, ``T`` the GABAergic tone index (0 = untreated PPD,
1 = healthy postpartum; :func:`brexsim.mechanism.gabaa.get_tone_index`), ``I`` the plasma TNF-a
fold change from baseline (:mod:`brexsim.mechanism.tlr`), ``b`` the serum BDNF change in healthy-SD
units (:mod:`brexsim.mechanism.bdnf`); ``x+ = max(x, 0)``. ``R`` is an indirect-response
(disease-state) variable: the fraction of the drug-responsive part of the symptoms that has
resolved. The GABAergic tone drives it quickly while the drug is there (fast part); the fall of
TNF-a and the rise of BDNF keep driving it for weeks (slow part); it decays only at the slow
relapse rate ``k_rel`` (the benefit outlasts the drug). ``R <= 1`` and ``Emax < 1`` bound the drug
effect: 60 h of brexanolone and 14 days of zuranolone give similar drug-placebo differences
(Study 1, ROBIN) and BRX60 is not below BRX90, which a non-saturable effect cannot reproduce.
In the small-effect limit the drug-placebo difference in points is proportional to ``B - B_0``,
the linear severity interaction of Fournier 2010.

Zuranolone enters the tone index through :func:`scale_biophase_for_tone` (one calibrated
exposure/potency factor, ``hamd.zuranolone_exposure_scale``).

Every model function is pure ``jax.numpy`` (float64) over a leading patient axis; the lead can
put :func:`rhs_from_inputs` into a batched diffrax system and evaluate
:func:`compute_placebo_fraction` / :func:`compute_expected_score` algebraically. The standalone
solve :func:`solve_remission_state` is an exact exponential integrator (``jax.lax.scan``) with the
inputs averaged over each output interval (trapezoid).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from scipy.special import ndtr, ndtri

from brexsim.errors import input_error
from brexsim.params import ParameterSet, load_parameters

jax.config.update("jax_enable_x64", True)

__all__ = [
    "SETTINGS",
    "HamdParams",
    "compute_drug_drive",
    "compute_expected_score",
    "compute_hamd",
    "compute_hamd_components",
    "compute_placebo_fraction",
    "compute_severity_exponent",
    "get_baseline_distribution",
    "get_change_from_baseline",
    "get_hamd_params",
    "is_remission",
    "is_response",
    "rhs_from_inputs",
    "sample_baseline_hamd",
    "sample_hamd_random_effects",
    "sample_observed_hamd",
    "scale_biophase_for_tone",
    "solve_remission_state",
]

#: Care settings (the placebo course depends on them).
SETTINGS: tuple[str, ...] = ("inpatient", "outpatient")


class HamdParams(NamedTuple):
    """Numbers of the HAM-D layer (a JAX pytree of floats; rates per hour)."""

    placebo_max_inpatient: float
    placebo_max_outpatient: float
    placebo_td_inpatient_h: float
    placebo_td_outpatient_h: float
    placebo_shape: float
    max_drug_effect: float
    fast_rate_per_h: float
    relapse_rate_per_h: float
    immune_weight: float
    bdnf_weight: float
    severity_threshold_hamd: float
    severity_reference_hamd: float
    residual_sd: float
    max_score: float
    #: loading of the drug sensitivity on the innate-immune phenotype (0 = independent; issue 15)
    phenotype_loading_drug: float = 0.0
    omega_placebo: float = 1.0
    omega_drug: float = 1.0


def get_hamd_params(params: ParameterSet | None = None) -> HamdParams:
    """The ``hamd`` table as a :class:`HamdParams` (relapse half-life converted to a rate).

    >>> p = get_hamd_params()
    >>> p.max_score
    52.0
    """
    ps = params if params is not None else load_parameters()
    h = ps.get_layer("hamd")
    return HamdParams(
        placebo_max_inpatient=h["placebo_max_inpatient"],
        placebo_max_outpatient=h["placebo_max_outpatient"],
        placebo_td_inpatient_h=h["placebo_td_inpatient_h"],
        placebo_td_outpatient_h=h["placebo_td_outpatient_h"],
        placebo_shape=h["placebo_shape"],
        max_drug_effect=h["max_drug_effect"],
        fast_rate_per_h=h["fast_rate_per_h"],
        relapse_rate_per_h=math.log(2.0) / h["relapse_halflife_h"],
        immune_weight=h["immune_weight"],
        bdnf_weight=h["bdnf_weight"],
        severity_threshold_hamd=h["severity_threshold_hamd"],
        severity_reference_hamd=h["severity_reference_hamd"],
        residual_sd=h["residual_sd"],
        max_score=h["max_score"],
        phenotype_loading_drug=h.get("phenotype_loading_drug", 0.0),
        omega_placebo=h["omega_placebo"],
        omega_drug=h["omega_drug"],
    )


# ------------------------------------------------------------------ pure jax.numpy model pieces


def _logit(x):  # type: ignore[no-untyped-def]
    return jnp.log(x) - jnp.log1p(-x)


def compute_placebo_fraction(time_h, inpatient, p: HamdParams, eta_placebo=0.0) -> jax.Array:
    """Placebo fraction of baseline ``P(t)`` (0-1), shape ``[N, T]`` (or broadcast).

    ``time_h`` [T] (h), ``inpatient`` [N] (bool), ``eta_placebo`` [N] (logit scale).

    >>> p = get_hamd_params()
    >>> f = compute_placebo_fraction(jnp.array([0.0, 60.0]), jnp.array([True]), p)
    >>> float(f[0, 0]), bool(0.4 < f[0, 1] < 0.6)
    (0.0, True)
    """
    t = jnp.maximum(jnp.asarray(time_h, dtype=jnp.float64), 0.0)
    inp = jnp.asarray(inpatient)[..., None]
    eta = jnp.asarray(eta_placebo, dtype=jnp.float64)[..., None]
    pmax_typ = jnp.where(inp, p.placebo_max_inpatient, p.placebo_max_outpatient)
    td = jnp.where(inp, p.placebo_td_inpatient_h, p.placebo_td_outpatient_h)
    pmax = jax.nn.sigmoid(_logit(pmax_typ) + eta)
    return pmax * (1.0 - jnp.exp(-jnp.power(t / td, p.placebo_shape)))


def compute_drug_drive(tone_index, immune, bdnf_sd, p: HamdParams) -> jax.Array:
    """Drive of the remission state (1/h): ``k_fast T+ + w_I (1 - I)+ + w_B b+``.

    ``tone_index``: GABAergic tone index; ``immune``: plasma TNF-a fold change from baseline
    (1 = baseline); ``bdnf_sd``: serum BDNF change in healthy-SD units. Inputs broadcast.

    >>> p = get_hamd_params()
    >>> float(compute_drug_drive(0.0, 1.0, 0.0, p))
    0.0
    """
    return (
        p.fast_rate_per_h * jnp.maximum(tone_index, 0.0)
        + p.immune_weight * jnp.maximum(1.0 - immune, 0.0)
        + p.bdnf_weight * jnp.maximum(bdnf_sd, 0.0)
    )


def rhs_from_inputs(t, y, tone_index, immune, bdnf_sd, p: HamdParams):  # type: ignore[no-untyped-def]
    """Right-hand side (per hour) of the remission state ``R`` for given inputs at time ``t``:
    ``dR/dt = r (1 - R) - k_rel R``. ``y`` = ``R`` of any shape; inputs broadcast. Pure
    ``jax.numpy``; the state needs no patient random effect (``eta_drug`` acts on ``Emax``).

    >>> p = get_hamd_params()
    >>> float(rhs_from_inputs(0.0, 0.0, 0.0, 1.0, 0.0, p))
    0.0
    """
    r = compute_drug_drive(tone_index, immune, bdnf_sd, p)
    return r * (1.0 - y) - p.relapse_rate_per_h * y


def compute_severity_exponent(baseline, p: HamdParams) -> jax.Array:
    """Severity exponent ``s(B)`` on the drug factor (1 at the reference baseline, 0 below the
    Fournier threshold).

    >>> p = get_hamd_params()
    >>> round(float(compute_severity_exponent(p.severity_reference_hamd, p)), 12)
    1.0
    """
    b = jnp.asarray(baseline, dtype=jnp.float64)
    b0, bref = p.severity_threshold_hamd, p.severity_reference_hamd
    return (bref / jnp.maximum(b, 1e-9)) * jnp.maximum(b - b0, 0.0) / (bref - b0)


def compute_expected_score(
    placebo_fraction, remission_state, baseline, p: HamdParams, eta_drug=0.0
) -> jax.Array:
    """Expected HAM-D ``B (1 - P) (1 - Emax_i R)**s(B)``, clipped to [0, 52]. ``baseline`` and
    ``eta_drug`` [N] broadcast over the time axis of ``placebo_fraction`` / ``remission_state``
    [N, T].

    >>> p = get_hamd_params()
    >>> s = compute_expected_score(jnp.zeros((1, 1)), jnp.zeros((1, 1)), jnp.array([30.0]), p)
    >>> float(s[0, 0])
    30.0
    """
    b = jnp.asarray(baseline, dtype=jnp.float64)[..., None]
    eta = jnp.asarray(eta_drug, dtype=jnp.float64)[..., None]
    emax = jax.nn.sigmoid(_logit(p.max_drug_effect) + eta)
    s = compute_severity_exponent(b, p)
    drug = jnp.exp(s * jnp.log1p(-emax * jnp.clip(remission_state, 0.0, 1.0)))
    return jnp.clip(b * (1.0 - placebo_fraction) * drug, 0.0, p.max_score)


@jax.jit
def _solve_scan(time_h, tone, immune, bdnf_sd, p: HamdParams):  # type: ignore[no-untyped-def]
    # inputs [N, T]; drive averaged over each interval (trapezoid), exact exponential step
    r = compute_drug_drive(tone, immune, bdnf_sd, p)
    a_bar = 0.5 * (r[:, 1:] + r[:, :-1])
    b_bar = a_bar + p.relapse_rate_per_h
    dt = jnp.diff(time_h)

    def step(x, xs):  # type: ignore[no-untyped-def]
        ab, bb, h = xs
        decay = jnp.exp(-bb * h)
        x_new = x * decay + (ab / bb) * (1.0 - decay)
        return x_new, x_new

    x0 = jnp.zeros(tone.shape[0], dtype=jnp.float64)
    _, xs = jax.lax.scan(step, x0, (a_bar.T, b_bar.T, dt))
    return jnp.concatenate([x0[:, None], xs.T], axis=1)


def solve_remission_state(time_h, tone_index, immune, bdnf_sd, p: HamdParams) -> jax.Array:
    """Remission state ``R`` [N, T] on ``time_h`` [T] from ``R(time_h[0]) = 0``.

    Inputs [N, T] (tone index, TNF-a fold change, BDNF change in SD). Exact for a drive
    constant over each interval (it is averaged, trapezoid); second-order overall. Needs
    ``relapse_rate_per_h > 0``.

    >>> p = get_hamd_params()
    >>> t = jnp.arange(0.0, 3.0)
    >>> r = solve_remission_state(t, jnp.full((1, 3), 0.3), jnp.ones((1, 3)), jnp.zeros((1, 3)), p)
    >>> bool(r[0, 0] == 0.0 and 0.0 < r[0, 1] < r[0, 2] < 1.0)
    True
    """
    return _solve_scan(
        jnp.asarray(time_h, dtype=jnp.float64),
        jnp.asarray(tone_index, dtype=jnp.float64),
        jnp.asarray(immune, dtype=jnp.float64),
        jnp.asarray(bdnf_sd, dtype=jnp.float64),
        HamdParams(*(float(v) for v in p)),
    )


# ------------------------------------------------------------------ numpy front end


def _as_patients(x, name: str, n: int | None, t_len: int | None = None) -> np.ndarray:
    a = np.asarray(x, dtype=float)
    if not np.all(np.isfinite(a)):
        raise input_error(name, "array", "finite numbers")
    if t_len is None:
        return a
    if a.ndim == 0:
        a = np.full(t_len, float(a))
    if a.ndim == 1:
        if a.shape[0] != t_len:
            raise input_error(name, a.shape, f"shape ({t_len},) or (n_patients, {t_len})")
        a = np.broadcast_to(a, (n or 1, t_len))
    if a.ndim != 2 or a.shape[1] != t_len or (n is not None and a.shape[0] not in (1, n)):
        raise input_error(name, a.shape, f"shape ({t_len},) or ({n}, {t_len})")
    return np.broadcast_to(a, (n or a.shape[0], t_len))


def _settings_to_inpatient(setting, n: int) -> np.ndarray:
    vals = [setting] if isinstance(setting, str) else list(np.asarray(setting, dtype=object))
    for v in vals:
        if v not in SETTINGS:
            raise input_error("setting", v, f"one of {list(SETTINGS)}")
    inp = np.array([v == "inpatient" for v in vals], dtype=bool)
    if inp.size == 1:
        return np.full(n, bool(inp[0]))
    if inp.size != n:
        raise input_error("setting", f"{inp.size} values", f"one value or {n} (one per patient)")
    return inp


def compute_hamd_components(
    time_h,
    baseline,
    setting: str | Sequence[str],
    tone_index,
    immune,
    bdnf_sd,
    params: ParameterSet | HamdParams | None = None,
    eta: Mapping[str, np.ndarray] | None = None,
) -> dict[str, np.ndarray]:
    """Expected HAM-D and its parts for a batch: ``{"expected", "placebo_fraction",
    "remission_state"}``, each ``[N, T]`` (numpy). Arguments as :func:`compute_hamd`."""
    t = np.asarray(time_h, dtype=float)
    if t.ndim != 1 or t.size < 1 or not np.all(np.isfinite(t)) or np.any(np.diff(t) <= 0):
        raise input_error("time_h", "array", "a strictly increasing, finite 1-D array of hours")
    if t[0] != 0.0:
        raise input_error("time_h[0]", float(t[0]), "0 (start of treatment, D = 1)")
    p = params if isinstance(params, HamdParams) else get_hamd_params(params)
    b = np.atleast_1d(_as_patients(baseline, "baseline", None))
    if b.ndim != 1 or np.any(b < 0) or np.any(b > p.max_score):
        raise input_error(
            "baseline", "array", f"HAM-D-17 scores in [0, {p.max_score:g}], one per patient"
        )
    n = b.size
    eta = {} if eta is None else eta
    unknown = set(eta) - {"eta_placebo", "eta_drug"}
    if unknown:
        raise input_error("eta", sorted(unknown), "keys 'eta_placebo' and 'eta_drug'")
    etas = {}
    for key in ("eta_placebo", "eta_drug"):
        v = np.asarray(eta.get(key, 0.0), dtype=float)
        if v.ndim > 1 or v.size not in (1, n):
            raise input_error(key, v.shape, f"a scalar or an array of {n} (one per patient)")
        if not np.all(np.isfinite(v)) or np.any(np.abs(v) > 20):
            raise input_error(key, "array", "finite random effects within +-20")
        etas[key] = np.ascontiguousarray(np.broadcast_to(v.reshape(-1), (n,)))
    if p.phenotype_loading_drug != 0.0:  # neuroimmune: drug sensitivity shares the phenotype
        from brexsim.hypotheses.phenotype import mix_drug_sensitivity

        etas["eta_drug"] = mix_drug_sensitivity(etas["eta_placebo"], etas["eta_drug"], p)
    tone = _as_patients(tone_index, "tone_index", n, t.size)
    imm = _as_patients(immune, "immune", n, t.size)
    bd = _as_patients(bdnf_sd, "bdnf_sd", n, t.size)
    if np.any(tone < -0.5) or np.any(tone > 10):
        raise input_error("tone_index", "array", "GABAergic tone indices in [-0.5, 10]")
    if np.any(imm < 0) or np.any(imm > 100):
        raise input_error("immune", "array", "TNF-a fold changes in [0, 100]")
    if np.any(np.abs(bd) > 20):
        raise input_error("bdnf_sd", "array", "BDNF changes within +-20 SD")
    inp = _settings_to_inpatient(setting, n)
    pf = compute_placebo_fraction(t, inp, p, etas["eta_placebo"])
    r = solve_remission_state(t, tone, imm, bd, p)
    s = compute_expected_score(pf, r, b, p, etas["eta_drug"])
    out = {
        "expected": np.asarray(s),
        "placebo_fraction": np.asarray(pf),
        "remission_state": np.asarray(r),
    }
    for k, v in out.items():
        if not np.all(np.isfinite(v)):
            raise RuntimeError(f"HAM-D model produced non-finite {k}")
    return out


def compute_hamd(
    time_h,
    baseline,
    setting: str | Sequence[str],
    tone_index,
    immune,
    bdnf_sd,
    params: ParameterSet | HamdParams | None = None,
    eta: Mapping[str, np.ndarray] | None = None,
) -> np.ndarray:
    """Expected (noise-free) HAM-D-17 scores ``[N, T]``.

    Parameters
    ----------
    time_h : array [T], h
        Strictly increasing, starting at 0 (start of treatment; R = 0 there).
    baseline : array [N] or scalar, points
        Observed baseline HAM-D-17 of each patient.
    setting : "inpatient" / "outpatient", or one per patient
        Care setting (``Regimen.setting``); sets the placebo course.
    tone_index : array [T] or [N, T], 1
        GABAergic tone index (0 untreated PPD, 1 healthy postpartum) from
        :func:`brexsim.mechanism.gabaa.get_tone_index`; for zuranolone pass the concentration
        through :func:`scale_biophase_for_tone` first.
    immune : array [T] or [N, T], 1
        Plasma TNF-a fold change from the patient's baseline (1 = baseline).
    bdnf_sd : array [T] or [N, T], SD
        Serum BDNF change from baseline in healthy-SD units.
    params : ParameterSet or HamdParams, optional
    eta : dict, optional
        ``{"eta_placebo": [N], "eta_drug": [N]}`` from :func:`sample_hamd_random_effects`
        (default 0: typical patient).

    >>> t = np.arange(0.0, 73.0)
    >>> zero, one = np.zeros_like(t), np.ones_like(t)
    >>> pbo = compute_hamd(t, 29.0, "inpatient", zero, one, zero)
    >>> drug = compute_hamd(t, 29.0, "inpatient", np.full_like(t, 0.3), one, zero)
    >>> pbo.shape, bool(drug[0, 60] < pbo[0, 60] < 29.0)
    ((1, 73), True)
    """
    return compute_hamd_components(
        time_h, baseline, setting, tone_index, immune, bdnf_sd, params, eta
    )["expected"]


def scale_biophase_for_tone(
    drug_free_nM, drug: str, params: ParameterSet | None = None
) -> np.ndarray:
    """Free biophase drug concentration (nM) to pass to the tone index: zuranolone's is multiplied
    by the calibrated ``hamd.zuranolone_exposure_scale``; brexanolone's is unchanged.

    >>> float(scale_biophase_for_tone(np.array([2.0]), "brexanolone")[0])
    2.0
    """
    if drug not in ("brexanolone", "zuranolone"):
        raise input_error("drug", drug, "'brexanolone' or 'zuranolone'")
    c = np.asarray(drug_free_nM, dtype=float)
    if drug == "brexanolone":
        return c
    ps = params if params is not None else load_parameters()
    return c * ps.value("hamd.zuranolone_exposure_scale")


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
