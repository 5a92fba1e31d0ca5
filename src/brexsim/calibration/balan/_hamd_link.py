"""Balan 2023 HAM-D link: each subject's random effects -> her in vivo TNF-a / BDNF -> her HAM-D,
and the immune-HAM-D correlations (split from ``balan``; see the package docstring).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from brexsim.calibration.balan._study import (
    _check_sizes,
    _draw,
    _measured,
    _simulate_cohort,
    _simulate_one_study,
    _with_phenotype,
)
from brexsim.calibration.balan._tables import (
    _WEIGHT_GRID_KG,
    PUBLISHED,
    REGIMEN,
    SAMPLE_H,
    _hamd_draws,
    _long_frame,
    _row_pre_post,
)
from brexsim.errors import input_error
from brexsim.mechanism.tlr import (
    RANDOM_EFFECTS,
    get_tlr_parameters,
)
from brexsim.params import ParameterSet, load_parameters

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
    from brexsim.model.solve import coupled_rhs

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
    :func:`brexsim.model.simulate`; ``brexsim.model.solve.coupled_rhs``).

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
