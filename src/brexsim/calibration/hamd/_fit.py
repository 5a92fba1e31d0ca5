"""HAM-D calibration, the fit of the drug and placebo rows to the published arms and the
validation records (split from ``hamd``; see the package docstring).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import least_squares

from brexsim.calibration.hamd._inputs import (
    ARMS,
    DEFAULT_N,
    DEFAULT_SEED,
    HORIZON_H,
    ROBIN_TOL,
    SD_WEIGHT_POINTS,
    SEPARATION_H24_POINTS,
    STUDY1_DIFF_CI,
    STUDY1_N,
    _arm_change,
    _make_population,
    _Population,
    _target,
    _visit_h,
    calibrate_baseline,
    compute_slow_weights,
    get_typical_inputs,
)
from brexsim.calibration.tables import write_parameter_values
from brexsim.params import ParameterSet, load_parameters, override_parameters

# ------------------------------------------------------------------ the fit


@dataclass(frozen=True)
class HamdCalibration:
    """Result of :func:`calibrate_hamd`: fitted values and the check records."""

    values: dict[str, float]
    checks: list[dict] = field(default_factory=list)
    cost: float = 0.0


_FIT_KEYS = (
    "placebo_max_inpatient",
    "placebo_max_outpatient",
    "max_drug_effect",
    "zuranolone_exposure_scale",
    "omega_placebo",
    "omega_drug",
)


def _x_to_values(x: np.ndarray) -> dict[str, float]:
    sig = 1.0 / (1.0 + np.exp(-x[:3]))
    return {
        "hamd.placebo_max_inpatient": float(sig[0]),
        "hamd.placebo_max_outpatient": float(sig[1]),
        "hamd.max_drug_effect": float(sig[2]),
        "hamd.zuranolone_exposure_scale": float(math.exp(x[3])),
        "hamd.omega_placebo": float(math.exp(x[4])),
        "hamd.omega_drug": float(math.exp(x[5])),
    }


def _with_slow(ps: ParameterSet, values: dict[str, float]) -> tuple[ParameterSet, dict[str, float]]:
    ps1 = override_parameters(ps, values)
    w_i, w_b = compute_slow_weights(ps1.value("hamd.fast_rate_per_h"), ps1)
    full = {**values, "hamd.immune_weight": w_i, "hamd.bdnf_weight": w_b}
    return override_parameters(ps, full), full


def _arm_stats(ps: ParameterSet, pop: _Population, arms: tuple[str, ...]) -> dict[str, dict]:
    out = {}
    for arm in arms:
        preset, visit, *_ = ARMS[arm]
        inp = get_typical_inputs(preset, ps)
        h = _visit_h(visit, ps)
        ch, t = _arm_change(inp, pop, ps, h)
        j = int(np.searchsorted(t, h))
        out[arm] = {"mean": float(ch[:, j].mean()), "sd_expected": float(ch[:, j].std())}
    return out


def _residuals(x: np.ndarray, ps: ParameterSet, pop: _Population) -> np.ndarray:
    ps1, _ = _with_slow(ps, _x_to_values(x))
    st = _arm_stats(ps1, pop, tuple(ARMS))
    res = []
    # the two brexanolone arms enter through their mean: their published order (BRX60 below
    # BRX90) is within noise and is not forced (it would push the fast part to saturation)
    drug = ("study1.brx90", "study1.brx60")
    m_model = np.mean([st[a]["mean"] for a in drug])
    m_target = np.mean([_target(ps, a) for a in drug])
    res.append((m_model - m_target) / np.mean([_target(ps, a, "se") for a in drug]))
    for arm in ("study1.placebo", "robin.zrn30", "robin.placebo"):
        scale = _target(ps, arm, "se") if arm in STUDY1_N else ROBIN_TOL / 2.0
        res.append((st[arm]["mean"] - _target(ps, arm)) / scale)
    sig = ps.value("hamd.residual_sd")
    sd = {a: math.hypot(st[a]["sd_expected"], sig) for a in STUDY1_N}
    target_sd = {a: _target(ps, a, "se") * math.sqrt(n) for a, n in STUDY1_N.items()}
    res.append((sd["study1.placebo"] - target_sd["study1.placebo"]) / SD_WEIGHT_POINTS)
    res.append(
        (np.mean([sd[a] for a in drug]) - np.mean([target_sd[a] for a in drug])) / SD_WEIGHT_POINTS
    )
    # log-normal prior on the zuranolone exposure/potency scale (MAP): ROBIN alone cannot separate
    # it from the slow immune/BDNF part, which already drives 14 days of zuranolone far
    c = ps1.value("hamd.zuranolone_exposure_scale")
    med = ps.value("hamd.zuranolone_scale_prior_median")
    res.append(math.log(c / med) / ps.value("hamd.zuranolone_scale_prior_logsd"))
    return np.array(res)


def calibrate_hamd(
    write: bool = True, n: int = DEFAULT_N, seed: int = DEFAULT_SEED
) -> HamdCalibration:
    """Fit the C rows of ``hamd.toml`` (baseline first, then the trial targets); write them unless
    ``write`` is False. Returns the values and the check records (:func:`get_hamd_checks`)."""
    ps = load_parameters()
    mu, sd = calibrate_baseline(ps)
    base = {"hamd.baseline_latent_mean": mu, "hamd.baseline_latent_sd": sd}
    ps = override_parameters(ps, base)
    pop = _make_population(n, seed, ps)
    cur = {k: ps.value(f"hamd.{k}") for k in _FIT_KEYS}

    def logit(v: float) -> float:
        return math.log(v / (1.0 - v))

    x0 = np.array(
        [logit(cur[k]) for k in _FIT_KEYS[:3]] + [math.log(cur[k]) for k in _FIT_KEYS[3:]]
    )
    lo = [-5.0, -5.0, -5.0, math.log(0.1), math.log(0.05), math.log(0.02)]
    hi = [5.0, 5.0, 5.0, math.log(1000.0), math.log(3.0), math.log(3.0)]
    sol = least_squares(
        _residuals,
        np.clip(x0, np.array(lo) + 1e-6, np.array(hi) - 1e-6),
        args=(ps, pop),
        bounds=(lo, hi),
        diff_step=1e-4,
        xtol=1e-8,
        ftol=1e-10,
    )
    ps_fit, values = _with_slow(ps, _x_to_values(sol.x))
    values = {**base, **values}
    if write:
        write_parameter_values(values)
    checks = get_hamd_checks(ps_fit, n=n, seed=seed)
    return HamdCalibration(values=values, checks=checks, cost=float(sol.cost))


# ------------------------------------------------------------------ checks (validation records)


def get_hamd_checks(
    params: ParameterSet | None = None, n: int = DEFAULT_N, seed: int = DEFAULT_SEED
) -> list[dict]:
    """Calibration checks as records ``{id, description, source, target, tolerance, model,
    passed}`` (expected values of a virtual population of ``n`` per arm, fixed ``seed``)."""
    ps = params or load_parameters()
    pop = _make_population(n, seed, ps)
    d30 = ps.value("hamd.visit_day30_h")
    means: dict[str, dict[float, float]] = {}
    sds: dict[str, float] = {}
    for arm, (preset, visit, _) in ARMS.items():
        inp = get_typical_inputs(preset, ps)
        ch, t = _arm_change(inp, pop, ps, HORIZON_H)
        hv = _visit_h(visit, ps)
        hours = {24.0, hv, d30}
        means[arm] = {h: float(ch[:, int(np.searchsorted(t, h))].mean()) for h in hours}
        sds[arm] = math.hypot(
            float(ch[:, int(np.searchsorted(t, hv))].std()), ps.value("hamd.residual_sd")
        )
    src_s1 = "Meltzer-Brody 2018 Lancet 392:1058 (Study 1; design.md section 7)"
    src_rb = "Deligiannidis 2021 JAMA Psychiatry 78:951 (ROBIN; design.md section 7)"
    recs: list[dict] = []
    names = {"study1.brx90": "brx90", "study1.brx60": "brx60", "study1.placebo": "placebo"}
    for arm, short in names.items():
        tgt = _target(ps, arm)
        tol = 2.0 * _target(ps, arm, "se")
        m = means[arm][60.0]
        recs.append(
            _rec(f"hamd.study1.{short}.h60", f"Study 1 {short} mean change at hour 60 (2 SE)",
                 src_s1, tgt, tol, m, abs(m - tgt) <= tol)
        )  # fmt: skip
    for arm, (tgt, lo, hi) in STUDY1_DIFF_CI.items():
        d = means[arm][60.0] - means["study1.placebo"][60.0]
        recs.append(
            _rec(f"hamd.study1.{names[arm]}.diff.h60",
                 f"Study 1 {names[arm]} - placebo at hour 60 inside the published 95% CI",
                 src_s1, tgt, [lo, hi], d, lo <= d <= hi)
        )  # fmt: skip
        d24 = means[arm][24.0] - means["study1.placebo"][24.0]
        recs.append(
            _rec(f"hamd.study1.{names[arm]}.separation.h24",
                 f"Study 1 {names[arm]} below placebo by >= {SEPARATION_H24_POINTS:g} point at "
                 "hour 24 (separation by hour 24)",
                 src_s1, -SEPARATION_H24_POINTS, None, d24, d24 <= -SEPARATION_H24_POINTS)
        )  # fmt: skip
        dd = means[arm][d30] - means["study1.placebo"][d30]
        recs.append(
            _rec(f"hamd.study1.{names[arm]}.day30",
                 "Study 1 drug arm mean below placebo at day 30 (benefit kept)",
                 src_s1, 0.0, None, dd, dd < 0.0)
        )  # fmt: skip
    for arm, short in (("robin.zrn30", "zrn30"), ("robin.placebo", "placebo")):
        tgt = _target(ps, arm)
        hv = ps.value("hamd.visit_robin_d15_h")
        m = means[arm][hv]
        recs.append(
            _rec(f"hamd.robin.{short}.d15", f"ROBIN {short} mean change at day 15 (2.5 points)",
                 src_rb, tgt, ROBIN_TOL, m, abs(m - tgt) <= ROBIN_TOL)
        )  # fmt: skip
    for arm, n_arm in STUDY1_N.items():
        tgt = _target(ps, arm, "se") * math.sqrt(n_arm)
        recs.append(
            _rec(f"hamd.study1.{names[arm]}.sd.h60",
                 "SD of the change at hour 60 (information: SE x sqrt(n); tolerance 1.5 points)",
                 src_s1, tgt, 1.5, sds[arm], abs(sds[arm] - tgt) <= 1.5)
        )  # fmt: skip
    for r in recs:
        r["layer"] = "hamd"
        r["n_per_arm"] = n
        r["seed"] = seed
    return recs


def _rec(id_, desc, src, target, tol, model, passed) -> dict:  # type: ignore[no-untyped-def]
    return {
        "id": id_,
        "description": desc,
        "source": src,
        "target": float(target),
        "tolerance": tol,
        "model": float(model),
        "passed": bool(passed),
    }
