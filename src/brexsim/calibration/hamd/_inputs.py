"""HAM-D calibration, the inputs: study constants, the typical patient's mechanism inputs, the
baseline distribution and the population evaluation of the arms (split from ``hamd``; see the
package docstring).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq, least_squares
from scipy.special import ndtr

from brexsim.params import ParameterSet, load_parameters

DEFAULT_SEED = 20240605
DEFAULT_N = 20_000
HORIZON_H = 720.0
WEIGHT_KG = 70.0
SD_WEIGHT_POINTS = 0.5

#: arm id -> (preset, visit: "h60" or a visit key of hamd.toml, stem of the target/SE keys)
ARMS: dict[str, tuple[str, str, str]] = {
    "study1.brx90": ("zulresso", "h60", "study1_brx90_h60"),
    "study1.brx60": ("study1-brx60", "h60", "study1_brx60_h60"),
    "study1.placebo": ("placebo", "h60", "study1_placebo_h60"),
    "robin.zrn30": ("zuranolone-30mg", "visit_robin_d15_h", "robin_zrn30_d15"),
    "robin.placebo": ("placebo-oral", "visit_robin_d15_h", "robin_placebo_d15"),
}

#: Study 1 sizes (design.md section 7) for the SD of change implied by the SE.
STUDY1_N = {"study1.brx90": 41, "study1.brx60": 38, "study1.placebo": 43}
#: Published differences vs placebo at hour 60 and their 95 % CIs (design.md section 7).
STUDY1_DIFF_CI = {"study1.brx90": (-3.7, -6.9, -0.5), "study1.brx60": (-5.5, -8.8, -2.2)}
ROBIN_TOL = 2.5
#: Minimum drug-placebo separation (points) that counts as "separation by hour 24".
SEPARATION_H24_POINTS = 1.0


@dataclass(frozen=True)
class HamdInputs:
    """Mechanistic inputs of one arm for a typical patient, on ``time_h`` (hourly from 0)."""

    preset: str
    setting: str
    drug: str
    time_h: np.ndarray
    tone_index: np.ndarray
    immune: np.ndarray
    bdnf_sd: np.ndarray


_INPUT_CACHE: dict[tuple, HamdInputs] = {}


def _mechanism_key(ps: ParameterSet) -> tuple:
    """Every parameter outside the HAM-D table (what the mechanistic inputs depend on)."""
    return tuple((k, ps[k].value) for k in sorted(ps) if not k.startswith("hamd."))


def get_typical_inputs(
    preset: str, params: ParameterSet | None = None, zuranolone_scale: float | None = None
) -> HamdInputs:
    """Tone index, TNF-a fold change and BDNF change (SD) of a typical 70-kg patient, hourly
    over 0-720 h. ``zuranolone_scale`` overrides ``hamd.zuranolone_exposure_scale``. Cached on the
    preset, the scale and the non-HAM-D parameters.
    """
    ps = params or load_parameters()
    scale = (
        ps.value("hamd.zuranolone_exposure_scale") if zuranolone_scale is None else zuranolone_scale
    )
    key = (preset, float(scale), _mechanism_key(ps))
    if key not in _INPUT_CACHE:
        if len(_INPUT_CACHE) > 64:
            _INPUT_CACHE.clear()
        _INPUT_CACHE[key] = _simulate_inputs(preset, ps, float(scale))
    return _INPUT_CACHE[key]


def _simulate_inputs(preset: str, ps: ParameterSet, scale: float) -> HamdInputs:
    from brexsim.dosing import get_preset

    return get_regimen_inputs(get_preset(preset), ps, scale, name=preset)


def get_regimen_inputs(
    regimen,  # type: ignore[no-untyped-def]
    params: ParameterSet | None = None,
    zuranolone_scale: float | None = None,
    horizon_h: float = HORIZON_H,
    name: str = "",
) -> HamdInputs:
    """Tone index, TNF-a fold change and BDNF change (SD) of a typical 70-kg patient on any
    ``regimen`` (a :class:`brexsim.dosing.Regimen`), hourly over 0..``horizon_h`` (h): the
    layer chain HAM-D was calibrated on (typical PK, the GABAergic tone index of the free
    biophase concentration, times ``hamd.zuranolone_exposure_scale`` for zuranolone, the TNF-a
    fold change of :func:`brexsim.mechanism.tlr.simulate_inflammation` and the BDNF change of
    :func:`brexsim.mechanism.bdnf.simulate_bdnf`). Not cached (:func:`get_typical_inputs` is).

    >>> from brexsim.dosing import get_preset
    >>> x = get_regimen_inputs(get_preset("zuranolone-30mg"), horizon_h=96.0)
    >>> x.setting, x.time_h.size, bool(x.tone_index.max() > 0.0)
    ('outpatient', 97, True)
    """
    from brexsim.mechanism.bdnf import simulate_bdnf
    from brexsim.mechanism.gabaa import get_tone_index
    from brexsim.mechanism.tlr import simulate_inflammation
    from brexsim.pk import simulate_pk

    ps = params or load_parameters()
    scale = (
        ps.value("hamd.zuranolone_exposure_scale") if zuranolone_scale is None else zuranolone_scale
    )
    reg = regimen
    t = np.arange(0.0, horizon_h + 0.5, 1.0)
    pk = simulate_pk(reg, WEIGHT_KG, t, ps)
    conc = pk.drug_biophase_free_nM * (scale if reg.drug == "zuranolone" else 1.0)
    tone = np.clip(
        get_tone_index(conc, pk.endogenous_biophase_free_nM, drug=reg.drug, params=ps), 0.0, 1.0
    )
    if reg.is_placebo:
        tnf, bdnf = np.ones_like(t), np.zeros_like(t)
    else:
        tnf = simulate_inflammation(t, pk.plasma_drug_ng_per_ml, ps, reg.drug).get_fold_change(
            "tnf"
        )
        bdnf = simulate_bdnf(t, gaba_tone=tone, inflammation_index=tnf, params=ps).get_change_sd()
    return HamdInputs(name, reg.setting, reg.drug, t, tone, tnf, bdnf)


def _discrete_moments(mu: float, sd: float, lo: int = 26, hi: int = 52) -> tuple[float, float]:
    k = np.arange(lo, hi + 1)
    w = np.diff(ndtr((np.append(k - 0.5, hi + 0.5) - mu) / sd))
    w = w / w.sum()
    m = float((k * w).sum())
    return m, float(math.sqrt(((k - m) ** 2 * w).sum()))


def calibrate_baseline(params: ParameterSet | None = None) -> tuple[float, float]:
    """Latent normal (mean, SD) whose truncated-and-rounded version on 26-52 has the Study 1
    baseline mean and SD (``target_baseline_mean``, ``target_baseline_sd``)."""
    ps = params or load_parameters()
    m_t, s_t = ps.value("hamd.target_baseline_mean"), ps.value("hamd.target_baseline_sd")
    lo = int(ps.value("hamd.baseline_min"))

    def res(x: np.ndarray) -> np.ndarray:
        m, s = _discrete_moments(x[0], math.exp(x[1]), lo)
        return np.array([m - m_t, s - s_t])

    sol = least_squares(res, np.array([lo + 1.0, math.log(3.0)]), xtol=1e-12, ftol=1e-12)
    return float(sol.x[0]), float(math.exp(sol.x[1]))


# ------------------------------------------------------------------ population evaluation


@dataclass(frozen=True)
class _Population:
    baseline: np.ndarray
    z_placebo: np.ndarray
    z_drug: np.ndarray


def _make_population(n: int, seed: int, params: ParameterSet) -> _Population:
    from brexsim.clinical.hamd import sample_baseline_hamd

    rng = np.random.default_rng(seed)
    b = sample_baseline_hamd(n, rng, params=params).astype(float)
    z = rng.standard_normal((2, n))
    return _Population(b, z[0], z[1])


def _arm_change(
    inp: HamdInputs, pop: _Population, ps: ParameterSet, upto_h: float
) -> tuple[np.ndarray, np.ndarray]:
    """Expected change from baseline [N, T'] on the grid 0..upto_h, and that grid."""
    from brexsim.clinical.hamd import compute_hamd

    k = int(np.searchsorted(inp.time_h, upto_h)) + 1
    eta = {
        "eta_placebo": pop.z_placebo * ps.value("hamd.omega_placebo"),
        "eta_drug": pop.z_drug * ps.value("hamd.omega_drug"),
    }
    s = compute_hamd(
        inp.time_h[:k],
        pop.baseline,
        inp.setting,
        inp.tone_index[:k],
        inp.immune[:k],
        inp.bdnf_sd[:k],
        ps,
        eta,
    )
    return s - pop.baseline[:, None], inp.time_h[:k]


def _target(ps: ParameterSet, arm: str, kind: str = "target") -> float:
    return ps.value(f"hamd.{kind}_{ARMS[arm][2]}")


def _visit_h(key: str, ps: ParameterSet) -> float:
    return 60.0 if key == "h60" else ps.value(f"hamd.{key}")


def compute_slow_weights(
    fast_rate_per_h: float, params: ParameterSet | None = None
) -> tuple[float, float]:
    """``(immune_weight, bdnf_weight)`` that meet ``immune_share`` and ``slow_share`` under the
    zulresso regimen (typical patient at the reference baseline, eta = 0), given the fast rate."""
    from brexsim.clinical.hamd import get_hamd_params, solve_remission_state

    ps = params or load_parameters()
    inp = get_typical_inputs("zulresso", ps)
    t = inp.time_h
    a_imm = float(np.trapezoid(1.0 - inp.immune, t))
    a_bdnf = float(np.trapezoid(np.maximum(inp.bdnf_sd, 0.0), t))
    rho = ps.value("hamd.immune_share")
    sigma = ps.value("hamd.slow_share")
    ratio = a_imm * (1.0 - rho) / (rho * a_bdnf)  # bdnf_weight / immune_weight
    p0 = get_hamd_params(ps)._replace(fast_rate_per_h=fast_rate_per_h)
    row = (1, t.size)

    def area(p) -> float:  # type: ignore[no-untyped-def]
        r = solve_remission_state(
            t,
            inp.tone_index.reshape(row),
            inp.immune.reshape(row),
            inp.bdnf_sd.reshape(row),
            p,
        )
        return float(np.trapezoid(np.asarray(r)[0], t))

    a_fast = area(p0._replace(immune_weight=0.0, bdnf_weight=0.0))

    def excess(w: float) -> float:
        a_slow = area(p0._replace(fast_rate_per_h=0.0, immune_weight=w, bdnf_weight=w * ratio))
        return a_slow / (a_slow + a_fast) - sigma

    w = brentq(excess, 1e-8, 50.0, xtol=1e-10)
    return float(w), float(w * ratio)
