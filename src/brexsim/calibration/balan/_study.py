"""Balan 2023 virtual single-arm studies: cohorts, random draws, the measured lysate values and
the replicate p-values (split from ``balan``; see the package docstring).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from brexsim.calibration.balan._tables import (
    _STIMULI,
    PUBLISHED,
    SAMPLE_H,
    _get_tables,
    _hamd_draws,
    _inhibition,
    _innate_state_at_end,
    _interp_basal,
    _interp_stim,
    _long_frame,
    _row_pre_post,
    _subject_concentrations,
)
from brexsim.errors import input_error
from brexsim.mechanism.tlr import (
    RANDOM_EFFECTS,
    get_random_effects_from_normals,
    get_tlr_parameters,
)
from brexsim.params import ParameterSet, load_parameters


@dataclass(frozen=True)
class _Cohort:
    """True (noise-free) lysate values and the subjects' states; arrays over subjects."""

    weight_kg: np.ndarray
    effects: dict[str, np.ndarray]
    innate_state_60: np.ndarray
    drug_60_ng_per_ml: np.ndarray
    values: dict[tuple[str, float], np.ndarray]  # (stimulus, time) -> (n, 3) pg/mL blood


def _simulate_cohort(z: np.ndarray, zw: np.ndarray, p: Mapping[str, float]) -> _Cohort:
    """Noise-free lysates for subjects with standard normals ``z`` (n, 4) and ``zw`` (n,)."""
    tab = _get_tables(p)
    eff = get_random_effects_from_normals(z, p)
    # body weight from the population table (log-normal with its mean and SD); per-kg dosing
    # makes concentrations weight independent in the PK model, so this only sets the mg dose
    pop = load_parameters().get_layer("population")
    s2 = math.log1p((pop["weight_sd_kg"] / pop["weight_mean_kg"]) ** 2)
    weight = np.clip(
        np.exp(math.log(pop["weight_mean_kg"]) - s2 / 2 + math.sqrt(s2) * zw),
        pop["weight_min_kg"],
        pop["weight_max_kg"],
    )
    t, c = _subject_concentrations(weight)
    ic50 = p["drug_ic50_uM"] * eff["infl_ic50_scale"]
    k_rep = p["innate_reprogram_per_h"] * eff["infl_reprogram_scale"]
    s60 = _innate_state_at_end(t, c, ic50, k_rep, p)
    c60 = c[:, -1]
    c60_uM = c60 / p["mw_brexanolone"]
    tone = eff["infl_basal_tone_scale"]
    fb = tab.fb
    r_v = s60 * (1.0 - _inhibition(c60_uM, ic50, p))
    r_t = s60 * (1.0 - _inhibition(fb * c60_uM, ic50, p))
    ones = np.ones_like(tone)
    donor = eff["infl_donor_output_scale"][:, None]
    values = {
        ("basal", 0.0): _interp_basal(tab, tone, ones),
        ("basal", 60.0): _interp_basal(tab, tone * r_v, r_t / np.maximum(r_v, 1e-300)),
        ("LPS", 0.0): donor * _interp_stim(tab, "LPS", ones),
        ("LPS", 60.0): donor * _interp_stim(tab, "LPS", r_t),
        ("IMQ", 0.0): donor * _interp_stim(tab, "IMQ", ones),
        ("IMQ", 60.0): donor * _interp_stim(tab, "IMQ", r_t),
    }
    return _Cohort(weight, eff, s60, c60, values)


def get_assay_log_sd(p: Mapping[str, float]) -> float:
    """Log-SD of one measured value: biological replicate and technical CVs combined
    (``p``: :func:`brexsim.mechanism.tlr.get_tlr_parameters`)."""
    return math.sqrt(
        math.log(1.0 + p["assay_cv_biological"] ** 2) + math.log(1.0 + p["assay_cv_technical"] ** 2)
    )


@dataclass(frozen=True)
class _Draws:
    z: np.ndarray  # (R, n, 4)
    zw: np.ndarray  # (R, n)
    noise: np.ndarray  # (R, n, 2 times, 3 stimuli, 3 cytokines)


def _draw(seed: int, replicates: int, n: int) -> _Draws:
    """Standard normals of each replicate from ``default_rng([seed, replicate])``."""
    one = [_draw_one(seed, r, n) for r in range(replicates)]
    return _Draws(*(np.stack([d[k] for d in one]) for k in range(3)))


def _draw_one(seed: int, replicate: int, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One replicate's standard normals ``(z, zw, noise)`` from
    ``default_rng([seed, replicate])``, in that order."""
    rng = np.random.default_rng([int(seed), int(replicate)])
    z = rng.standard_normal((n, len(RANDOM_EFFECTS)))
    zw = rng.standard_normal(n)
    noise = rng.standard_normal((n, 2, 3, 3))
    return z, zw, noise


def _simulate_one_study(
    seed: int, replicate: int, n: int, p: Mapping[str, float], ps: ParameterSet | None = None
) -> tuple[_Cohort, np.ndarray]:
    """The cohort and its measured lysates of replicate ``replicate`` (``n`` subjects); with
    ``ps``, the immune normals load on the subjects' phenotype (:func:`_with_phenotype`)."""
    z, zw, noise = _draw_one(seed, replicate, n)
    if ps is not None:
        z = _with_phenotype(_Draws(z[None], zw[None], noise[None]), seed, ps, replicate).z[0]
    cohort = _simulate_cohort(z, zw, p)
    return cohort, _measured(cohort, noise, p)


def _with_phenotype(draws: _Draws, seed: int, ps: ParameterSet, first: int = 0) -> _Draws:
    """The draws with their immune normals loaded on each subject's innate-immune phenotype
    (:mod:`brexsim.hypotheses.phenotype`; her HAM-D ``eta_placebo`` stream); unchanged (the same
    object) when every loading is 0 (today's model)."""
    from brexsim.hypotheses.phenotype import get_immune_loadings, mix_immune_normals

    if not any(get_immune_loadings(ps).values()):
        return draws
    rep, n = draws.zw.shape
    eta = _hamd_draws(seed, first + rep, n, ps)["eta_placebo"][first:] / ps.value(
        "hamd.omega_placebo"
    )
    z = mix_immune_normals(draws.z, eta, ps, tuple(RANDOM_EFFECTS))
    return _Draws(z, draws.zw, draws.noise)


def _measured(cohort: _Cohort, noise: np.ndarray, p: Mapping[str, float]) -> np.ndarray:
    """Measured lysates, shape (n, 2 times, 3 stimuli, 3 cytokines)."""
    sd = get_assay_log_sd(p)
    true = np.stack(
        [np.stack([cohort.values[(s, h)] for s in _STIMULI], axis=1) for h in SAMPLE_H], axis=1
    )
    return true * np.exp(sd * noise - 0.5 * sd * sd)


def _check_sizes(n_basal: int, n_stim: int) -> None:
    if isinstance(n_basal, bool) or not isinstance(n_basal, int | np.integer) or n_basal < 3:
        raise input_error("n_basal", n_basal, "an integer >= 3")
    if isinstance(n_stim, bool) or not isinstance(n_stim, int | np.integer):
        raise input_error("n_stim", n_stim, f"an integer in [3, n_basal = {n_basal}]")
    if not (3 <= n_stim <= n_basal):
        raise input_error("n_stim", n_stim, f"an integer in [3, n_basal = {n_basal}]")


def _params(params: ParameterSet | Mapping[str, float] | None) -> dict[str, float]:
    if params is None or isinstance(params, ParameterSet):
        return get_tlr_parameters(params if params is not None else load_parameters())
    if isinstance(params, Mapping) and "drug_hill" in params:
        return dict(params)
    raise input_error("params", type(params).__name__, "a ParameterSet or get_tlr_parameters()")


# ---------------------------------------------------------------------------------------------
# public API


def simulate_balan_study(
    n_basal: int = 11,
    n_stim: int = 10,
    seed: int = 0,
    replicate: int = 0,
    params: ParameterSet | Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """One virtual Balan 2023 study as a canonical long frame.

    Parameters
    ----------
    n_basal, n_stim : int
        Subjects with unstimulated values; the first ``n_stim`` of them also have LPS and IMQ.
    seed, replicate : int
        The study draws from ``numpy.random.default_rng([seed, replicate])``; replicate ``k`` is
        the same study as replicate ``k`` of :func:`get_balan_replicate_pvalues`.

    Returns
    -------
    DataFrame
        ``subject, time_h, analyte, stimulus, value, unit`` (lysate, pg per mL of blood; times
        0 and 60 h), the format of :mod:`brexsim.analysis`, so
        :func:`brexsim.analysis.stats.compute_change_table` analyses it directly.

    >>> df = simulate_balan_study(seed=1)
    >>> sorted(df["stimulus"].unique()), len(df)
    (['IMQ', 'LPS', 'basal'], 186)
    """
    _check_sizes(n_basal, n_stim)
    if isinstance(replicate, bool) or not isinstance(replicate, int | np.integer) or replicate < 0:
        raise input_error("replicate", replicate, "an integer >= 0")
    ps = params if isinstance(params, ParameterSet) else None if params else load_parameters()
    _, meas = _simulate_one_study(seed, replicate, n_basal, _params(params), ps)
    return _long_frame(meas, n_stim)


def get_balan_subject_changes(data: pd.DataFrame) -> pd.DataFrame:
    """Per-subject immune changes (post minus pre) of one study: the HAM-D hook.

    Columns ``subject`` and one per published row, named ``<analyte>_<stimulus>`` (basal: change
    of the lysate value; LPS/IMQ: change of the induced response, stimulated minus basal). NaN
    where a subject has no stimulated values. A HAM-D layer correlates these with each
    subject's improvement (issue 5 records).

    >>> ch = get_balan_subject_changes(simulate_balan_study(seed=1))
    >>> ch.shape, bool(ch["TNFa_LPS"].isna().sum() == 1)
    ((11, 9), True)
    """
    need = {"subject", "time_h", "analyte", "stimulus", "value"}
    if not isinstance(data, pd.DataFrame) or not need <= set(data.columns):
        raise input_error("data", type(data).__name__, f"a long frame with columns {sorted(need)}")
    wide = data.pivot_table(
        index="subject", columns=["time_h", "stimulus", "analyte"], values="value", aggfunc="first"
    )
    out = pd.DataFrame(index=wide.index)
    pre, post = SAMPLE_H
    for analyte, stimulus, test, _ in PUBLISHED:

        def col(h: float, s: str, a: str = analyte) -> pd.Series:
            key = (h, s, a)
            return wide[key] if key in wide.columns else pd.Series(np.nan, index=wide.index)

        if test == "basal":
            out[f"{analyte}_{stimulus}"] = col(post, "basal") - col(pre, "basal")
        else:
            out[f"{analyte}_{stimulus}"] = (col(post, stimulus) - col(post, "basal")) - (
                col(pre, stimulus) - col(pre, "basal")
            )
    return out.reset_index()


def _paired_p(d: np.ndarray) -> np.ndarray:
    """Two-sided paired t-test p-values along axis -1 (= scipy.stats.ttest_rel on pre, post)."""
    n = d.shape[-1]
    m = d.mean(axis=-1)
    sd = d.std(axis=-1, ddof=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = m / (sd / math.sqrt(n))
    return 2.0 * stats.t.sf(np.abs(t), n - 1)


def _row_changes(meas: np.ndarray, n_stim: int) -> list[np.ndarray]:
    """Per published row, the changes post - pre (..., subjects); meas (..., n, 2, 3, 3)."""
    return [post - pre for pre, post in _row_pre_post(meas, n_stim)]


def _replicate_pvalues(draws: _Draws, p: Mapping[str, float], n_stim: int) -> np.ndarray:
    """p-values, shape (replicates, rows)."""
    rep, n = draws.zw.shape
    cohort = _simulate_cohort(draws.z.reshape(rep * n, -1), draws.zw.reshape(-1), p)
    meas = _measured(cohort, draws.noise.reshape(rep * n, 2, 3, 3), p).reshape(rep, n, 2, 3, 3)
    return np.stack([_paired_p(d) for d in _row_changes(meas, n_stim)], axis=1)


def get_balan_replicate_pvalues(
    replicates: int = 200,
    seed: int = 0,
    n_basal: int = 11,
    n_stim: int = 10,
    params: ParameterSet | Mapping[str, float] | None = None,
    hamd_improvement: Callable[[pd.DataFrame, np.random.Generator], np.ndarray] | None = None,
) -> pd.DataFrame:
    """Replicate virtual Balan studies and summarise each published row's p-values.

    Parameters
    ----------
    replicates : int
        Number of virtual studies (replicate ``k`` uses ``default_rng([seed, k])``).
    hamd_improvement : callable, optional
        HAM-D hook: ``f(changes, rng) -> improvement per subject`` with ``changes`` from
        :func:`get_balan_subject_changes`; when given, the Pearson correlation p of each row's
        change with the improvement is summarised too (``corr_*`` columns). Slower (one frame
        per replicate).

    Returns
    -------
    DataFrame
        One line per published row: ``analyte, stimulus, test, n, published_p, median_p,
        p_low, p_high`` (2.5 and 97.5 percentiles), ``frac_p_lt_0.05``, ``inside`` (published p
        within [p_low, p_high]); with the hook also ``corr_median_p, corr_frac_p_lt_0.05``.

    >>> tab = get_balan_replicate_pvalues(replicates=20, seed=0)
    >>> tab.shape[0], bool(tab["median_p"].between(0, 1).all())
    (8, True)
    """
    _check_sizes(n_basal, n_stim)
    if isinstance(replicates, bool) or not isinstance(replicates, int | np.integer):
        raise input_error("replicates", replicates, "an integer in [2, 100000]")
    if not (2 <= replicates <= 100_000):
        raise input_error("replicates", replicates, "an integer in [2, 100000]")
    p = _params(params)
    draws = _draw(seed, replicates, n_basal)
    if params is None or isinstance(params, ParameterSet):  # a tlr dict carries no phenotype
        draws = _with_phenotype(draws, seed, params if params is not None else load_parameters())
    pv = _replicate_pvalues(draws, p, n_stim)
    tab = _summarise(pv, n_basal, n_stim)
    if hamd_improvement is not None:
        cp = np.empty_like(pv)
        for r in range(replicates):
            ch = get_balan_subject_changes(
                simulate_balan_study(n_basal, n_stim, seed, r, params=params)
            )
            y = np.asarray(hamd_improvement(ch, np.random.default_rng([int(seed), r, 1])), float)
            for k, (a, s, _, _) in enumerate(PUBLISHED):
                x = ch[f"{a}_{s}"].to_numpy()
                ok = np.isfinite(x) & np.isfinite(y)
                cp[r, k] = stats.pearsonr(x[ok], y[ok]).pvalue
        tab["corr_median_p"] = np.median(cp, axis=0)
        tab["corr_frac_p_lt_0.05"] = np.mean(cp < 0.05, axis=0)
    return tab


def _summarise(pv: np.ndarray, n_basal: int, n_stim: int) -> pd.DataFrame:
    lo, hi = np.percentile(pv, [2.5, 97.5], axis=0)
    pub = np.array([r[3] for r in PUBLISHED])
    return pd.DataFrame(
        {
            "analyte": [r[0] for r in PUBLISHED],
            "stimulus": [r[1] for r in PUBLISHED],
            "test": [r[2] for r in PUBLISHED],
            "n": [n_basal if r[2] == "basal" else n_stim for r in PUBLISHED],
            "published_p": pub,
            "median_p": np.median(pv, axis=0),
            "p_low": lo,
            "p_high": hi,
            "frac_p_lt_0.05": np.mean(pv < 0.05, axis=0),
            "inside": (pub >= lo) & (pub <= hi),
        }
    )
