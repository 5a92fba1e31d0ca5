"""Balan 2023 (eBioMedicine 89:104473) as virtual single-arm studies; calibration of the
inflammation layer's between-subject variability to the published p-values.

The published study: women with PPD given brexanolone by the label's 60-h protocol; blood before
the infusion and after it (modelled at 0 h and 60 h); whole-blood **cell lysates** measured
unstimulated (n = 11) and after ex vivo LPS (TLR4) or imiquimod (TLR7) stimulation (n = 9-11;
here 10). Abstract-level p-values only (full text not reached; reference notes 1a).

How a virtual study is made (one replicate):

* ``n_basal`` subjects; the first ``n_stim`` of them also give stimulated values.
* Each subject: body weight (log-normal, ``population.weight_*``) -> zulresso PK at that weight
  (:func:`brexsim.pk.simulate_pk`; profiles are interpolated between 6 weights) -> the slow
  innate state ``S`` over 0-60 h with the subject's IC50 and reprogramming multipliers (the
  in vivo form's ``S`` equation, integrated exactly on 0.1-h steps) -> the blood sample at 0 h
  and 60 h (:class:`~brexsim.mechanism.assay.BloodSample`: total drug, ``S``, basal tone).
* Each sample goes through :func:`brexsim.mechanism.assay.simulate_assay` (tube diluted 1:1 so
  the drug is halved, 4 h, default doses), read out as the cell-associated (lysate) amount, pg
  per mL of blood: "basal" = the unstimulated tube, "LPS" / "IMQ" = the stimulated tubes x the
  subject's donor-output multiplier. For speed the assay is read from tables built once from
  the same cell model (basal: 2-D in ``x = tone x pool`` before and after dilution; stimulated:
  1-D in the tube pool, since the stimulated output does not depend on the pre-tube state or
  the basal tone to better than 0.1 %); ``tests/calibration/test_balan.py`` checks the tables
  against ``simulate_assay``.
* Each measured value carries log-normal noise: biological-replicate CV 24.8 % and technical CV
  9.2 % (Jorda 2024; the ``assay_cv_*`` rows, not calibrated).

Tests (what the published tests most plausibly were; the full text was not reached): a paired
t-test pre vs post on the basal lysate values (TNF-a, IL-6), and a paired t-test pre vs post on
the **induced** response = stimulated minus unstimulated lysate of the same sample (the abstract
says infusion "prevented LPS and IMQ-induced elevation", i.e. the rise over the unstimulated
control; this is also :func:`brexsim.analysis.stats.compute_change_table` with
``transform="induced"``, which the test-suite runs on a simulated study).

Calibration (:func:`calibrate_balan`): the log-SDs of the basal tone, the IC50, the
reprogramming rate and the donor output (``tlr.bsv_*``) are fitted (scipy Nelder-Mead, fixed
seed, common random numbers) to minimise the squared distance between the median log10 p of
200 replicate studies and the published log10 p over the eight rows, plus a weak log-normal prior
around the ``bsv_*_prior`` rows (log-SD 1). Pass criterion (issue 5): each published p inside
the central 95 % of the model's replicate p-values.

HAM-D: the correlation part of the records needs the HAM-D layer. Hook: the per-subject immune
changes (:func:`get_balan_subject_changes`) and ``hamd_improvement`` in
:func:`get_balan_replicate_pvalues`.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats
from scipy.optimize import minimize

from brexsim.calibration.tables import write_parameter_values
from brexsim.errors import input_error
from brexsim.mechanism.tlr import (
    CYTOKINES,
    RANDOM_EFFECTS,
    CellInputs,
    _freeze,
    _steady_state,
    _steady_state_cached,
    get_random_effects_from_normals,
    get_tlr_parameters,
    sample_inflammation_random_effects,
    simulate_cells,
)
from brexsim.params import ParameterSet, load_parameters, override_parameters

__all__ = [
    "ANALYTES",
    "PUBLISHED",
    "PUBLISHED_CORRELATION_P",
    "BalanCalibration",
    "BalanCohort",
    "calibrate_balan",
    "get_balan_hamd_correlations",
    "get_balan_replicate_pvalues",
    "get_balan_subject_changes",
    "sample_inflammation_random_effects",
    "simulate_balan_cohort",
    "simulate_balan_study",
]

#: Analysis-module analyte names for the model's cytokines.
ANALYTES: dict[str, str] = {"tnf": "TNFa", "il1b": "IL1b", "il6": "IL6"}

#: Published rows: (analyte, stimulus, test, p). ``test`` is "basal" (paired t on the lysate
#: values) or "induced" (paired t on stimulated minus unstimulated).
PUBLISHED: tuple[tuple[str, str, str, float], ...] = (
    ("TNFa", "basal", "basal", 0.003),
    ("IL6", "basal", "basal", 0.04),
    ("TNFa", "LPS", "induced", 0.02),
    ("IL1b", "LPS", "induced", 0.006),
    ("IL6", "LPS", "induced", 0.009),
    ("TNFa", "IMQ", "induced", 0.01),
    ("IL1b", "IMQ", "induced", 0.02),
    ("IL6", "IMQ", "induced", 0.01),
)
#: Sampling times (h from the start of the infusion).
SAMPLE_H: tuple[float, float] = (0.0, 60.0)
REGIMEN = "zulresso"
CALIBRATED_ROWS: tuple[str, ...] = tuple(RANDOM_EFFECTS.values())

_WEIGHT_GRID_KG = np.array([40.0, 60.0, 80.0, 100.0, 120.0, 160.0])
_DT_H = 0.1
_X_GRID = np.geomspace(0.01, 12.0, 24)  # tone x pool for the basal table
_Q_POINTS = 4
_R_GRID = np.linspace(0.0, 1.0, 13)  # tube pool for the stimulated tables
_STIMULI = ("basal", "LPS", "IMQ")


# ---------------------------------------------------------------------------------------------
# assay tables (built once per parameter set from the cell model)


@dataclass(frozen=True)
class _Tables:
    fb: float
    log_x: np.ndarray  # (X,)
    q: np.ndarray  # (Q,)
    log_basal: np.ndarray  # (3, X, Q) log lysate, pg/mL blood
    r: np.ndarray  # (R,)
    stim: dict[str, np.ndarray]  # stimulus -> (3, R) lysate


def _lysate(out: dict) -> np.ndarray:
    return np.array([out[f"{c}_cell_pg_per_ml_blood"][-1] for c in CYTOKINES])


def _tube_inputs(p: Mapping[str, float], stimulus: str, pool: float, fb: float) -> CellInputs:
    return CellInputs(
        lps_ng_per_ml=p["assay_lps_ng_per_ml"] if stimulus == "LPS" else 0.0,
        imq_ug_per_ml=p["assay_imq_ug_per_ml"] if stimulus == "IMQ" else 0.0,
        innate_state=pool,
        blood_fraction=fb,
    )


_TABLE_CACHE: dict[tuple, _Tables] = {}
_TOL = {"rtol": 1e-6, "atol": 1e-10}  # tube solves for the tables (vs 1e-7/1e-12: < 1e-4 rel.)


def _build_tables(p: dict, y_one: np.ndarray) -> _Tables:
    fb = p["assay_blood_fraction"]
    t = np.array([0.0, 60.0 * p["assay_incubation_h"]])
    # in vivo steady states along the x grid by continuation from x = 1 (pool = x, tone 1:
    # unstimulated cells depend on tone x pool only, see the module docs)
    i1 = int(np.argmin(np.abs(np.log(_X_GRID))))
    ys: dict[int, np.ndarray] = {}
    ys[i1] = _steady_state(CellInputs(innate_state=float(_X_GRID[i1])), p, y_start=y_one)
    for order in (range(i1 + 1, _X_GRID.size), range(i1 - 1, -1, -1)):
        prev = ys[i1]
        for i in order:
            prev = _steady_state(CellInputs(innate_state=float(_X_GRID[i])), p, y_start=prev)
            ys[i] = prev
    q = np.linspace(1.0, 1.0 / fb, _Q_POINTS)
    log_basal = np.zeros((3, _X_GRID.size, q.size))
    for i, x in enumerate(_X_GRID):
        for j, qq in enumerate(q):
            inp = _tube_inputs(p, "basal", float(x * qq), fb)
            out = simulate_cells(t, inp, y0=ys[i], params=p, **_TOL)
            log_basal[:, i, j] = np.log(np.maximum(_lysate(out), 1e-300))
    stim = {}
    for s in ("LPS", "IMQ"):
        v = np.zeros((3, _R_GRID.size))
        for k, r in enumerate(_R_GRID):
            out = simulate_cells(t, _tube_inputs(p, s, float(r), fb), y0=y_one, params=p, **_TOL)
            v[:, k] = _lysate(out)
        stim[s] = v
    return _Tables(fb, np.log(_X_GRID), q, log_basal, _R_GRID.copy(), stim)


def _get_tables(p: Mapping[str, float]) -> _Tables:
    """Assay tables for the parameter set ``p`` (cached; the variability rows do not matter)."""
    # the tube tables depend on the cell model and the assay protocol only (the drug and the
    # slow state enter through the pool), so drug, in vivo and variability rows are left out
    skip = ("bsv_", "balan_", "drug_", "innate_")
    key = tuple(sorted((k, v) for k, v in p.items() if not k.startswith(skip)))
    if key not in _TABLE_CACHE:
        full = dict(p)
        y_one = _steady_state_cached(CellInputs(), _freeze(full))
        if len(_TABLE_CACHE) >= 4:
            _TABLE_CACHE.pop(next(iter(_TABLE_CACHE)))
        _TABLE_CACHE[key] = _build_tables(full, y_one)
    return _TABLE_CACHE[key]


def _interp_basal(tab: _Tables, x_v: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Bilinear interpolation of log lysate in (log x, q); returns (..., 3) pg/mL blood."""
    lx = np.clip(np.log(np.maximum(x_v, 1e-300)), tab.log_x[0], tab.log_x[-1])
    qq = np.clip(q, tab.q[0], tab.q[-1])
    i = np.clip(np.searchsorted(tab.log_x, lx) - 1, 0, tab.log_x.size - 2)
    j = np.clip(np.searchsorted(tab.q, qq) - 1, 0, tab.q.size - 2)
    wx = (lx - tab.log_x[i]) / (tab.log_x[i + 1] - tab.log_x[i])
    wq = (qq - tab.q[j]) / (tab.q[j + 1] - tab.q[j])
    f = tab.log_basal
    v = (
        f[:, i, j] * (1 - wx) * (1 - wq)
        + f[:, i + 1, j] * wx * (1 - wq)
        + f[:, i, j + 1] * (1 - wx) * wq
        + f[:, i + 1, j + 1] * wx * wq
    )
    return np.moveaxis(np.exp(v), 0, -1)


def _interp_stim(tab: _Tables, stimulus: str, r_t: np.ndarray) -> np.ndarray:
    r = np.clip(r_t, 0.0, 1.0)
    return np.stack([np.interp(r, tab.r, tab.stim[stimulus][c]) for c in range(3)], axis=-1)


# ---------------------------------------------------------------------------------------------
# virtual subjects


@functools.lru_cache(maxsize=4)
def _pk_profiles(frozen_pk: tuple) -> tuple[np.ndarray, np.ndarray]:
    from brexsim.dosing import get_preset
    from brexsim.pk import simulate_pk

    ps = load_parameters()
    t = np.arange(0.0, SAMPLE_H[1] + _DT_H / 2, _DT_H)
    reg = get_preset(REGIMEN)
    c = np.stack([simulate_pk(reg, float(w), t, ps).plasma_drug_ng_per_ml for w in _WEIGHT_GRID_KG])
    return t, c


def _subject_concentrations(weight_kg: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Total plasma drug (ng/mL) on the 0-60 h grid for each weight (interpolated in weight)."""
    ps = load_parameters()
    t, c = _pk_profiles((ps.hash,))
    w = np.clip(weight_kg, _WEIGHT_GRID_KG[0], _WEIGHT_GRID_KG[-1])
    k = np.clip(np.searchsorted(_WEIGHT_GRID_KG, w) - 1, 0, _WEIGHT_GRID_KG.size - 2)
    a = (w - _WEIGHT_GRID_KG[k]) / (_WEIGHT_GRID_KG[k + 1] - _WEIGHT_GRID_KG[k])
    return t, c[k] * (1 - a)[:, None] + c[k + 1] * a[:, None]


def _inhibition(c_uM: np.ndarray, ic50_uM: np.ndarray, p: Mapping[str, float]) -> np.ndarray:
    n = p["drug_hill"]
    cn = np.maximum(c_uM, 0.0) ** n
    return p["drug_imax"] * cn / (ic50_uM**n + cn)


def _innate_state_at_end(
    t: np.ndarray, c_ng: np.ndarray, ic50_uM: np.ndarray, k_rep: np.ndarray, p: Mapping
) -> np.ndarray:
    """``S`` at the last time of ``t`` for each subject (rows of ``c_ng``): the in vivo form's
    ``dS/dt = k_rec (1 - S) - k_rep I(C) S``, exact for piecewise-constant ``I`` on each step."""
    k_rec = math.log(2.0) / p["innate_recovery_halflife_h"]
    s = np.ones(c_ng.shape[0])
    mw = p["mw_brexanolone"]
    for i in range(t.size - 1):
        cm = 0.5 * (c_ng[:, i] + c_ng[:, i + 1]) / mw
        lam = k_rec + k_rep * _inhibition(cm, ic50_uM, p)
        s_eq = k_rec / lam
        s = s_eq + (s - s_eq) * np.exp(-lam * (t[i + 1] - t[i]))
    return s


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


# ---------------------------------------------------------------------------------------------
# HAM-D link: each subject's random effects -> her in vivo TNF-a / BDNF -> her HAM-D

#: Basal-tone grid of the in vivo QSS tables (log-interpolated per subject; 3-6 % at most
#: between grid points, at the smallest couplings where the secretion is tiny).
_TONE_GRID = np.geomspace(0.1, 10.0, 9)
_IN_VIVO_DT_H = 0.25  # input grid of the in vivo solve (the assembled model's grid)
_CHUNK = 256
#: Published direction of the correlations: a larger cytokine fall goes with a larger HAM-D
#: improvement, i.e. r(change post - pre, improvement) < 0.
PUBLISHED_CORRELATION_P: dict[tuple[str, str], float | None] = {
    ("TNFa", "basal"): 0.049,
    ("IL6", "basal"): 0.02,
    **{(a, s): None for a, s, t, _ in PUBLISHED if t == "induced"},  # reported as p < 0.05
}


@functools.lru_cache(maxsize=4)
def _pk_tone_profiles(frozen_pk: tuple) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Total plasma drug (ng/mL) and GABAergic tone index on the 0.25-h grid, per grid weight."""
    from brexsim.dosing import get_preset
    from brexsim.mechanism.gabaa import get_tone_index
    from brexsim.pk import simulate_pk

    ps = load_parameters()
    t = np.arange(0.0, SAMPLE_H[1] + _IN_VIVO_DT_H / 2, _IN_VIVO_DT_H)
    reg = get_preset(REGIMEN)
    c, g = [], []
    for w in _WEIGHT_GRID_KG:
        pk = simulate_pk(reg, float(w), t, ps)
        c.append(pk.plasma_drug_ng_per_ml)
        tone = get_tone_index(
            pk.drug_biophase_free_nM, pk.endogenous_biophase_free_nM, drug=reg.drug, params=ps
        )
        g.append(np.clip(tone, 0.0, 1.0))  # as in brexsim.model.simulate
    return t, np.stack(c), np.stack(g)


def _interp_weight(w_kg: np.ndarray, table: np.ndarray) -> np.ndarray:
    w = np.clip(w_kg, _WEIGHT_GRID_KG[0], _WEIGHT_GRID_KG[-1])
    k = np.clip(np.searchsorted(_WEIGHT_GRID_KG, w) - 1, 0, _WEIGHT_GRID_KG.size - 2)
    a = (w - _WEIGHT_GRID_KG[k]) / (_WEIGHT_GRID_KG[k + 1] - _WEIGHT_GRID_KG[k])
    return table[k] * (1 - a)[:, None] + table[k + 1] * a[:, None]


def _subject_phi(p: Mapping[str, float], tone: np.ndarray) -> np.ndarray:
    """Each subject's in vivo QSS secretion table (n, R, 3) at her basal tone
    (:func:`brexsim.mechanism.tlr.get_qss_table`, log-interpolated between grid tones)."""
    from brexsim.mechanism.tlr import get_qss_table

    logphi = np.log(
        np.maximum(np.stack([get_qss_table(dict(p), float(s))[1] for s in _TONE_GRID]), 1e-300)
    )
    lg = np.log(_TONE_GRID)
    x = np.clip(np.log(tone), lg[0], lg[-1])
    k = np.clip(np.searchsorted(lg, x) - 1, 0, lg.size - 2)
    a = ((x - lg[k]) / (lg[k + 1] - lg[k]))[:, None, None]
    return np.exp(logphi[k] * (1 - a) + logphi[k + 1] * a)


@functools.lru_cache(maxsize=2)
def _cohort_solver(batched: tuple[tuple[str, tuple[str, ...]], ...]):  # type: ignore[no-untyped-def]
    import jax

    from brexsim._ode import solve_on_grid
    from brexsim.solve import coupled_rhs

    axes = {layer: dict.fromkeys(keys, 0) for layer, keys in batched}

    def one(y0, args, ts):  # type: ignore[no-untyped-def]
        return solve_on_grid(
            coupled_rhs, y0, args, ts, args["tlr"]["t_grid_h"], dt0=0.01, max_steps=100_000,
            rtol=1e-6, atol=1e-9, throw=False,
        )  # fmt: skip

    def batch(y0, args, ts):  # type: ignore[no-untyped-def]
        in_axes = {layer: {k: axes[layer].get(k) for k in sub} for layer, sub in args.items()}
        return jax.vmap(one, in_axes=(0, in_axes, None))(y0, args, ts)

    return jax.jit(batch)


def _solve_in_vivo(
    weight_kg: np.ndarray, effects: Mapping[str, np.ndarray], ps: ParameterSet
) -> dict[str, np.ndarray]:
    """Each subject's coupled in vivo TLR/cytokine + BDNF course over 0-60 h (hourly), driven by
    her zulresso PK (at her weight) and her ``infl_ic50_scale``, ``infl_reprogram_scale`` and
    ``infl_basal_tone_scale``; the GABA-A tone index of her free biophase drug drives BDNF (as in
    :func:`brexsim.model.simulate`; ``brexsim.solve.coupled_rhs``).

    Returns hourly ``time_h`` and (n, 61) ``tone_index``, ``tnf_fold``, ``bdnf_change_sd``.
    """
    import jax.numpy as jnp

    from brexsim.mechanism import bdnf, tlr

    p = get_tlr_parameters(ps)
    grid, c_tab, g_tab = _pk_tone_profiles((ps.hash,))
    c = _interp_weight(weight_kg, c_tab)
    g = _interp_weight(weight_kg, g_tab)
    n = c.shape[0]
    phi = _subject_phi(p, effects["infl_basal_tone_scale"])
    base_t = tlr.make_in_vivo_args(ps, grid, np.zeros_like(grid), "brexanolone")
    base_b = bdnf.make_bdnf_args(grid, np.zeros_like(grid), np.ones_like(grid), ps)
    per = {
        "tlr": {
            "c_grid_uM": np.asarray(tlr.convert_ng_per_ml_to_uM(c, "brexanolone", p)),
            "ic50_uM": float(base_t["ic50_uM"]) * effects["infl_ic50_scale"],
            "k_reprogram_per_h": float(base_t["k_reprogram_per_h"])
            * effects["infl_reprogram_scale"],
            "phi": phi,
        },
        "bdnf": {"gaba_grid": g, "gaba_baseline": g[:, 0]},
    }
    batched = tuple((layer, tuple(sorted(d))) for layer, d in per.items())
    solver = _cohort_solver(batched)
    ts = np.arange(0.0, SAMPLE_H[1] + 0.5, 1.0)
    y0 = np.concatenate([np.asarray(tlr.get_in_vivo_baseline(ps)), bdnf.get_bdnf_baseline_state()])
    ys = np.empty((n, ts.size, y0.size))
    ok = np.empty(n, dtype=bool)
    for lo in range(0, n, _CHUNK):
        idx = np.arange(lo, min(lo + _CHUNK, n))
        pad = np.concatenate([idx, np.full(_CHUNK - idx.size, idx[-1])])
        args = {
            "tlr": {**base_t, **{k: jnp.asarray(v[pad]) for k, v in per["tlr"].items()}},
            "bdnf": {**base_b, **{k: jnp.asarray(v[pad]) for k, v in per["bdnf"].items()}},
        }
        y, good = solver(jnp.broadcast_to(jnp.asarray(y0), (_CHUNK, y0.size)), args, ts)
        ys[idx] = np.asarray(y)[: idx.size]
        ok[idx] = np.asarray(good)[: idx.size]
    if not ok.all() or not np.all(np.isfinite(ys)):
        raise RuntimeError(f"in vivo solve failed for {int((~ok).sum())} Balan subjects")
    nt = len(tlr.IN_VIVO_STATES)
    bp = bdnf.get_bdnf_parameters(ps)
    serum = np.asarray(
        bdnf.get_serum_bdnf(ys[..., nt:], bp["ppd_baseline_ng_per_ml"], bp["exchange_fraction"])
    )
    return {
        "time_h": ts,
        "tone_index": np.stack([np.interp(ts, grid, gi) for gi in g]),
        "tnf_fold": ys[..., 4] / ys[:, :1, 4],
        "bdnf_change_sd": (serum - serum[:, :1]) / ps.value("bdnf.healthy_sd_ng_per_ml"),
    }


def _hamd_draws(seed: int, replicates: int, n: int, ps: ParameterSet) -> dict[str, np.ndarray]:
    """Baseline HAM-D, HAM-D random effects and the residual-noise normal of each subject, from
    ``default_rng([seed, replicate, 1])`` (a stream apart from the immune draws)."""
    from brexsim.clinical.hamd import sample_baseline_hamd, sample_hamd_random_effects

    out: dict[str, list[np.ndarray]] = {
        k: [] for k in ("hamd_baseline", "eta_placebo", "eta_drug", "eps")
    }
    for r in range(replicates):
        rng = np.random.default_rng([int(seed), r, 1])
        out["hamd_baseline"].append(sample_baseline_hamd(n, rng, params=ps).astype(float))
        eta = sample_hamd_random_effects(n, rng, params=ps)
        out["eta_placebo"].append(eta["eta_placebo"])
        out["eta_drug"].append(eta["eta_drug"])
        out["eps"].append(rng.standard_normal(n))
    return {k: np.stack(v) for k, v in out.items()}


def _hamd_at_60(
    inv: Mapping[str, np.ndarray], hd: Mapping[str, np.ndarray], ps: ParameterSet
) -> tuple[np.ndarray, np.ndarray]:
    """Expected and observed HAM-D-17 at 60 h (inpatient setting; subject arrays flat)."""
    from brexsim.clinical.hamd import compute_hamd

    expected = compute_hamd(
        inv["time_h"],
        hd["hamd_baseline"],
        "inpatient",
        inv["tone_index"],
        inv["tnf_fold"],
        inv["bdnf_change_sd"],
        ps,
        {"eta_placebo": hd["eta_placebo"], "eta_drug": hd["eta_drug"]},
    )[:, -1]
    # observed: expected + residual, rounded and bounded (as sample_observed_hamd)
    y = expected + ps.value("hamd.residual_sd") * hd["eps"]
    return expected, np.clip(np.rint(y), 0.0, ps.value("hamd.max_score"))


@dataclass(frozen=True)
class BalanCohort:
    """One virtual Balan study with its subjects.

    ``data``: the long frame of :func:`simulate_balan_study`. ``subjects``: one line per subject
    with ``subject, weight_kg``, the immune random effects (``infl_*``), ``hamd_baseline,
    eta_placebo, eta_drug``, the in vivo ``tnf_fold_60`` and ``bdnf_change_sd_60``, the expected
    and observed HAM-D-17 at 60 h and ``hamd_improvement`` (baseline - observed at 60 h).
    """

    data: pd.DataFrame
    subjects: pd.DataFrame


def _long_frame(meas: np.ndarray, n_stim: int) -> pd.DataFrame:
    rows = []
    for i in range(meas.shape[0]):
        subject = f"S{i + 1:02d}"
        for it, h in enumerate(SAMPLE_H):
            for js, s in enumerate(_STIMULI):
                if s != "basal" and i >= n_stim:
                    continue
                for jc, c in enumerate(CYTOKINES):
                    rows.append((subject, h, ANALYTES[c], s, float(meas[i, it, js, jc]), "pg/mL"))
    return pd.DataFrame(rows, columns=["subject", "time_h", "analyte", "stimulus", "value", "unit"])


def simulate_balan_cohort(
    n_basal: int = 11,
    n_stim: int = 10,
    seed: int = 0,
    replicate: int = 0,
    params: ParameterSet | None = None,
) -> BalanCohort:
    """One virtual Balan 2023 study with each subject's random effects and HAM-D.

    The lysate values are those of :func:`simulate_balan_study` (same draws). Each subject's
    immune random effects also drive her own in vivo plasma TNF-a course and BDNF (coupled in
    vivo system, zulresso at her weight; GABA-A tone index of her free biophase drug), and these
    drive her HAM-D-17 (:func:`brexsim.clinical.hamd.compute_hamd`, inpatient, her own baseline,
    ``eta_placebo``, ``eta_drug`` and residual noise; drawn from
    ``default_rng([seed, replicate, 1])``).

    The first call builds the in vivo QSS tables on the basal-tone grid (~30 s).

    >>> c = simulate_balan_cohort(seed=1)  # doctest: +SKIP
    >>> s = c.subjects  # doctest: +SKIP
    >>> s.shape[0], bool(s["hamd_60"].between(0, 52).all())  # doctest: +SKIP
    (11, True)
    """
    _check_sizes(n_basal, n_stim)
    if isinstance(replicate, bool) or not isinstance(replicate, int | np.integer) or replicate < 0:
        raise input_error("replicate", replicate, "an integer >= 0")
    if params is not None and not isinstance(params, ParameterSet):
        raise input_error("params", type(params).__name__, "a ParameterSet or None")
    ps = params if params is not None else load_parameters()
    cohort, meas = _simulate_one_study(seed, replicate, n_basal, get_tlr_parameters(ps), ps)
    inv = _solve_in_vivo(cohort.weight_kg, cohort.effects, ps)
    hd = {k: v[-1] for k, v in _hamd_draws(seed, int(replicate) + 1, n_basal, ps).items()}
    expected, observed = _hamd_at_60(inv, hd, ps)
    subjects = pd.DataFrame(
        {
            "subject": [f"S{i + 1:02d}" for i in range(n_basal)],
            "weight_kg": cohort.weight_kg,
            **{k: cohort.effects[k] for k in RANDOM_EFFECTS},
            "hamd_baseline": hd["hamd_baseline"],
            "eta_placebo": hd["eta_placebo"],
            "eta_drug": hd["eta_drug"],
            "tnf_fold_60": inv["tnf_fold"][:, -1],
            "bdnf_change_sd_60": inv["bdnf_change_sd"][:, -1],
            "hamd_expected_60": expected,
            "hamd_60": observed,
            "hamd_improvement": hd["hamd_baseline"] - observed,
        }
    )
    return BalanCohort(_long_frame(meas, n_stim), subjects)


def _pearson(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pearson r and two-sided p along the last axis (= scipy.stats.pearsonr)."""
    n = x.shape[-1]
    xc = x - x.mean(axis=-1, keepdims=True)
    yc = y - y.mean(axis=-1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = (xc * yc).sum(-1) / np.sqrt((xc**2).sum(-1) * (yc**2).sum(-1))
        r = np.clip(r, -1.0, 1.0)
        t = r * np.sqrt((n - 2) / np.maximum(1.0 - r * r, 1e-300))
    return r, 2.0 * stats.t.sf(np.abs(t), n - 2)


def _row_pre_post(meas: np.ndarray, n_stim: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per published row, (pre, post) values (..., subjects): basal lysate or induced response."""
    js = {s: k for k, s in enumerate(_STIMULI)}
    jc = {ANALYTES[c]: k for k, c in enumerate(CYTOKINES)}
    out = []
    for analyte, stimulus, test, _ in PUBLISHED:
        a = jc[analyte]
        if test == "basal":
            v = meas[..., :, :, js["basal"], a]
        else:
            v = meas[..., :n_stim, :, js[stimulus], a] - meas[..., :n_stim, :, js["basal"], a]
        out.append((v[..., 0], v[..., 1]))
    return out


def get_balan_hamd_correlations(
    replicates: int = 200,
    seed: int = 2023,
    n_basal: int = 11,
    n_stim: int = 10,
    params: ParameterSet | None = None,
) -> pd.DataFrame:
    """Correlation of each subject's cytokine change with her HAM-D improvement (0 -> 60 h) in
    replicate virtual Balan studies (:func:`simulate_balan_cohort`, vectorised; replicate ``k``
    is the same study as ``simulate_balan_cohort(seed=seed, replicate=k)``).

    Pearson correlation (what Balan 2023 most plausibly used; the full text was not reached) of
    the change post - pre (basal lysate; LPS/IMQ induced response = stimulated - unstimulated)
    with the improvement = baseline - observed HAM-D-17 at 60 h. The published direction (a
    larger fall with a larger improvement) is ``r < 0``.

    Returns
    -------
    DataFrame
        One line per published row: ``analyte, stimulus, n, published_p`` (NaN where only
        "p < 0.05" is reported), ``median_r, median_p, p_low, p_high`` (2.5 / 97.5 percentiles),
        ``frac_p_lt_0.05`` (any sign), ``frac_sig_published_direction`` (p < 0.05 and r < 0),
        and the same for the percent change (``pct_median_r, pct_median_p,
        pct_frac_p_lt_0.05``), for information. ``eta_drug_median_r`` /
        ``eta_drug_frac_p_lt_0.05``: the same statistics for the subjects' HAM-D drug-sensitivity
        random effect itself (the ceiling for any drug-specific biomarker: what a cytokine change
        would reach if it measured that effect without error). ``placebo_median_p`` /
        ``placebo_frac_p_lt_0.05``: the same for the subject's placebo fraction at 60 h, and
        ``expected_median_p`` / ``expected_frac_p_lt_0.05`` for her expected (noise-free) HAM-D
        improvement: the ceilings of a biomarker that tracked the nonspecific improvement, or
        the whole expected improvement, without any error (the observed score's residual
        noise and rounding remain).

    >>> tab = get_balan_hamd_correlations(replicates=4, seed=0)  # doctest: +SKIP
    >>> tab.shape[0], bool(tab["median_p"].between(0, 1).all())  # doctest: +SKIP
    (8, True)
    """
    _check_sizes(n_basal, n_stim)
    if isinstance(replicates, bool) or not isinstance(replicates, int | np.integer):
        raise input_error("replicates", replicates, "an integer in [2, 100000]")
    if not (2 <= replicates <= 100_000):
        raise input_error("replicates", replicates, "an integer in [2, 100000]")
    if params is not None and not isinstance(params, ParameterSet):
        raise input_error("params", type(params).__name__, "a ParameterSet or None")
    ps = params if params is not None else load_parameters()
    p = get_tlr_parameters(ps)
    draws = _with_phenotype(_draw(seed, replicates, n_basal), seed, ps)
    rep, n = replicates, n_basal
    cohort = _simulate_cohort(draws.z.reshape(rep * n, -1), draws.zw.reshape(-1), p)
    meas = _measured(cohort, draws.noise.reshape(rep * n, 2, 3, 3), p).reshape(rep, n, 2, 3, 3)
    inv = _solve_in_vivo(cohort.weight_kg, cohort.effects, ps)
    hd = {k: v.reshape(-1) for k, v in _hamd_draws(seed, rep, n, ps).items()}
    expected, observed = _hamd_at_60(inv, hd, ps)
    improvement = (hd["hamd_baseline"] - observed).reshape(rep, n)
    cols: dict[str, list] = {k: [] for k in (
        "analyte", "stimulus", "n", "published_p", "median_r", "median_p", "p_low", "p_high",
        "frac_p_lt_0.05", "frac_sig_published_direction", "pct_median_r", "pct_median_p",
        "pct_frac_p_lt_0.05", "eta_drug_median_r", "eta_drug_frac_p_lt_0.05",
        "placebo_median_p", "placebo_frac_p_lt_0.05", "expected_median_p",
        "expected_frac_p_lt_0.05",
    )}  # fmt: skip
    eta_drug = hd["eta_drug"].reshape(rep, n)
    from brexsim.clinical.hamd import compute_placebo_fraction, get_hamd_params

    hp = get_hamd_params(ps)
    t60 = np.array([inv["time_h"][-1]])
    placebo = np.asarray(
        compute_placebo_fraction(t60, np.ones(rep * n, dtype=bool), hp, hd["eta_placebo"])
    )[:, -1].reshape(rep, n)
    expected_imp = (hd["hamd_baseline"] - expected).reshape(rep, n)
    for (analyte, stimulus, _test, _), (pre, post) in zip(
        PUBLISHED, _row_pre_post(meas, n_stim), strict=True
    ):
        m = pre.shape[-1]
        y = improvement[:, :m]
        r, pv = _pearson(post - pre, y)
        rp, pp = _pearson((post - pre) / pre, y)
        re_, pe = _pearson(eta_drug[:, :m], y)
        _, p_pl = _pearson(placebo[:, :m], y)
        _, p_ex = _pearson(expected_imp[:, :m], y)
        lo, hi = np.percentile(pv, [2.5, 97.5])
        pub = PUBLISHED_CORRELATION_P[(analyte, stimulus)]
        for k, v in (
            ("analyte", analyte), ("stimulus", stimulus), ("n", m),
            ("published_p", np.nan if pub is None else pub), ("median_r", np.median(r)),
            ("median_p", np.median(pv)), ("p_low", lo), ("p_high", hi),
            ("frac_p_lt_0.05", np.mean(pv < 0.05)),
            ("frac_sig_published_direction", np.mean((pv < 0.05) & (r < 0))),
            ("pct_median_r", np.median(rp)), ("pct_median_p", np.median(pp)),
            ("pct_frac_p_lt_0.05", np.mean(pp < 0.05)),
            ("eta_drug_median_r", np.median(re_)), ("eta_drug_frac_p_lt_0.05", np.mean(pe < 0.05)),
            ("placebo_median_p", np.median(p_pl)), ("placebo_frac_p_lt_0.05", np.mean(p_pl < 0.05)),
            ("expected_median_p", np.median(p_ex)),
            ("expected_frac_p_lt_0.05", np.mean(p_ex < 0.05)),
        ):  # fmt: skip
            cols[k].append(v)
    return pd.DataFrame(cols)


# ---------------------------------------------------------------------------------------------
# calibration

_PRIOR_LOG_SD = 1.0


@dataclass(frozen=True)
class BalanCalibration:
    """Result of :func:`calibrate_balan`."""

    values: dict[str, float]
    prior: dict[str, float]
    table: pd.DataFrame
    objective: float
    written: bool


def calibrate_balan(
    write: bool = True, replicates: int = 200, seed: int = 2023, n_basal: int = 11, n_stim: int = 10
) -> BalanCalibration:
    """Fit the ``tlr.bsv_*`` log-SDs to the Balan 2023 p-values; write them into ``tlr.toml``.

    Objective: sum over the eight rows of (median log10 p - published log10 p)^2 over
    ``replicates`` studies (common random numbers, ``seed``), plus
    ``sum((ln sd - ln sd_prior) / 1)^2`` (weak prior around the ``bsv_*_prior`` rows), started at
    the prior centres, so a re-run gives the same values.
    Nelder-Mead in ln(sd).
    """
    ps = load_parameters()
    base = get_tlr_parameters(ps)
    prior = {row: base[f"{row}_prior"] for row in CALIBRATED_ROWS}
    draws = _draw(seed, replicates, n_basal)
    target = np.log10([r[3] for r in PUBLISHED])
    x0 = np.log([prior[r] for r in CALIBRATED_ROWS])
    x_prior = x0.copy()

    def objective(x: np.ndarray) -> float:
        p = dict(base, **{r: float(math.exp(v)) for r, v in zip(CALIBRATED_ROWS, x, strict=True)})
        pv = _replicate_pvalues(draws, p, n_stim)
        med = np.median(np.log10(np.maximum(pv, 1e-300)), axis=0)
        return float(np.sum((med - target) ** 2) + np.sum(((x - x_prior) / _PRIOR_LOG_SD) ** 2))

    res = minimize(
        objective,
        x0,
        method="Nelder-Mead",
        options={"xatol": 1e-3, "fatol": 1e-4, "maxiter": 400},
    )
    fitted = {r: float(math.exp(v)) for r, v in zip(CALIBRATED_ROWS, res.x, strict=True)}
    p_fit = override_parameters(ps, {f"tlr.{k}": v for k, v in fitted.items()})
    table = get_balan_replicate_pvalues(replicates, seed, n_basal, n_stim, params=p_fit)
    if write:
        write_parameter_values({f"tlr.{k}": v for k, v in fitted.items()})
    return BalanCalibration(fitted, prior, table, float(res.fun), write)
