"""Balan 2023 virtual studies: published rows, constants, the assay tables built once from the cell
model, each subject's PK and innate state, and the data-layout helpers shared by the studies
and the HAM-D link (split from ``balan``; see the package docstring).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from brexsim.mechanism.tlr import (
    CYTOKINES,
    RANDOM_EFFECTS,
    CellInputs,
    _freeze,
    _steady_state,
    _steady_state_cached,
    simulate_cells,
)
from brexsim.params import ParameterSet, load_parameters

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
