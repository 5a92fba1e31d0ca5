"""HAM-D-17 layer, the numpy front end: patients, settings, components and the expected
scores (split from ``hamd``; see the package docstring).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from brexsim.clinical.hamd._core import (
    SETTINGS,
    HamdParams,
    compute_expected_score,
    compute_placebo_fraction,
    get_hamd_params,
    solve_remission_state,
)
from brexsim.errors import input_error
from brexsim.params import ParameterSet, load_parameters

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
