"""PK variability inside the sedation layer: moments of log exposure, the PD split.

The sedation layer was calibrated (``brexsim calibrate-sedation``) on a population in which
every patient has the typical PK: the label's somnolence, LOC and interruption rates set the
distribution of ``log(m · Ce)``, ``m`` the individual sensitivity (log-SD
``sensitivity_iiv_sd``), ``Ce`` the typical effect-site course. With PK IIV switched on
(``sample_population(..., pk_variability=True)``, trial specs by default) part of that spread
is explained by the patient's own PK, and PK IIV would otherwise be counted twice.

The split keeps the first two moments of ``log(m · Ce_max)`` (``Ce_max`` the awake maximum of
the scheduled course, what the label rates are most sensitive to):

``log m_pd = r · log m − μ_pk``, ``r = sqrt(1 − v_pk / sd²)``,

with ``μ_pk`` and ``v_pk`` the mean and variance of ``log(Ce_max,i / Ce_max,typical)`` over
PK-IIV patients (:func:`get_pk_exposure_moments`, written into ``sedation.toml`` by
``brexsim calibrate-sedation``). For brexanolone μ is ~0 and v ~ ω²_CL (steady state); for
zuranolone μ is positive: the typical patient's evening-dose peak falls in the sleep window
(23:00-07:00), and patients with slower absorption (η_KTR < 0) peak while awake.

Examples
--------
>>> round(get_pd_split("brexanolone")[0], 3)
0.951
"""

from __future__ import annotations

import numpy as np

from brexsim.errors import input_error
from brexsim.params import ParameterSet, load_parameters

__all__ = [
    "MOMENT_PRESETS",
    "get_pd_split",
    "get_pk_exposure_moments",
    "get_somnolence_rates_with_pk_iiv",
    "split_sensitivity",
]

#: The regimen each drug's moments are computed on (the calibration regimens).
MOMENT_PRESETS = {"brexanolone": "zulresso", "zuranolone": "zuranolone-50mg"}
#: Patients and seed of the moment computation (the calibration seed, Zulresso approval date).
MOMENT_N = 1000
MOMENT_SEED = 20190319


def get_pk_exposure_moments(
    drug: str, n: int = MOMENT_N, seed: int = MOMENT_SEED, params: ParameterSet | None = None
) -> tuple[float, float]:
    """``(mean, variance)`` of ``log(Ce_max,i / Ce_max,typical)`` over ``n`` PK-IIV patients
    (η from :func:`brexsim.covariates.sample_pk_etas`, ids ``0..n-1``), ``Ce_max``
    the awake maximum of the scheduled course of :data:`MOMENT_PRESETS` ``[drug]``.

    >>> m, v = get_pk_exposure_moments("brexanolone", n=50)
    >>> bool(abs(m) < 0.05), bool(0.01 < v < 0.08)
    (True, True)
    """
    from brexsim.clinical.sedation import get_awake_ce_max
    from brexsim.covariates import get_pk_scales, sample_pk_etas
    from brexsim.dosing import get_preset

    if drug not in MOMENT_PRESETS:
        raise input_error("drug", drug, f"one of {sorted(MOMENT_PRESETS)}")
    ps = params or load_parameters()
    reg = get_preset(MOMENT_PRESETS[drug])
    scales = get_pk_scales(drug, n, sample_pk_etas(np.arange(n), seed, ps), None, ps)
    lr = np.log(get_awake_ce_max(reg, ps, scales) / get_awake_ce_max(reg, ps)[0])
    return float(lr.mean()), float(lr.var(ddof=1))


def get_pd_split(drug: str, params: ParameterSet | None = None) -> tuple[float, float]:
    """``(r, μ_pk)`` of the split for ``drug`` from the tables.

    Raises an input error when PK IIV alone exceeds the calibrated total variance (no PD part
    left: ``v_pk >= sensitivity_iiv_sd²``).
    """
    ps = params or load_parameters()
    if drug not in MOMENT_PRESETS:
        raise input_error("drug", drug, f"one of {sorted(MOMENT_PRESETS)}")
    sd = ps.value("sedation.sensitivity_iiv_sd")
    v = ps.value(f"sedation.pk_log_exposure_var_{drug}")
    if v >= sd**2:
        raise input_error(
            f"sedation.pk_log_exposure_var_{drug}", v, f"< sensitivity_iiv_sd² = {sd**2:g}"
        )
    return float(np.sqrt(1.0 - v / sd**2)), ps.value(f"sedation.pk_log_exposure_mean_{drug}")


def split_sensitivity(
    sensitivity: np.ndarray, has_pk_iiv: np.ndarray, drug: str, params: ParameterSet | None = None
) -> np.ndarray:
    """The PD part ``m_pd = exp(r · log m − μ_pk)`` for patients with PK IIV, ``m`` otherwise.

    >>> split_sensitivity(np.array([1.0, 2.0]), np.array([False, True]), "brexanolone").round(3)
    array([1.   , 1.925])
    """
    m = np.asarray(sensitivity, dtype=float)
    flag = np.asarray(has_pk_iiv, dtype=bool)
    if not flag.any():
        return m
    r, mu = get_pd_split(drug, params)
    return np.where(flag, np.exp(r * np.log(m) - mu), m)


def get_somnolence_rates_with_pk_iiv(
    preset: str,
    n_pd: int = 20_000,
    n_pk: int = 400,
    seed: int = MOMENT_SEED,
    params: ParameterSet | None = None,
) -> dict[str, float]:
    """Expected somnolence rate on ``preset`` with typical PK and with PK IIV (the split on).

    The rate is integrated analytically over the background score, as in the calibration:
    ``mean Φ((g_i · Ce_max,i − θ_som) / σ_b)`` over ``n_pd`` sensitivity/covariate draws
    (``default_rng(seed)``), each paired with one of ``n_pk`` PK-IIV patients' awake
    ``Ce_max,i`` (ids ``0..n_pk-1`` of ``seed + 1``, repeated: PK and PD are independent).

    >>> r = get_somnolence_rates_with_pk_iiv("zulresso", n_pd=2000, n_pk=40)
    >>> sorted(r)
    ['pk_iiv', 'pk_iiv_no_split', 'typical_pk']
    """
    from scipy.special import ndtr

    from brexsim.clinical.sedation import (
        get_awake_ce_max,
        get_sedation_gain,
        sample_sedation_covariates,
        sample_sedation_random_effects,
    )
    from brexsim.covariates import get_pk_scales, sample_pk_etas
    from brexsim.dosing import get_preset

    ps = params or load_parameters()
    reg = get_preset(preset)
    rng = np.random.default_rng(int(seed))
    re = sample_sedation_random_effects(n_pd, rng, ps)
    cov = sample_sedation_covariates(n_pd, rng, ps)
    scales = get_pk_scales(reg.drug, n_pk, sample_pk_etas(np.arange(n_pk), seed + 1, ps), None, ps)
    typical = float(get_awake_ce_max(reg, ps)[0])
    ce_i = np.resize(get_awake_ce_max(reg, ps, scales), n_pd)
    p = ps.get_layer("sedation")
    th, b_sd = p["somnolence_threshold"], p["background_sd"]
    m = re["sedation_sensitivity"]
    ad, cns = cov["antidepressant"], cov["cns_depressant"]

    def rate(sens: np.ndarray, c: np.ndarray | float) -> float:
        g = get_sedation_gain(sens, reg.drug, ad, cns, ps)
        return float(np.mean(ndtr((g * c - th) / b_sd)))

    split = split_sensitivity(m, np.ones(n_pd, dtype=bool), reg.drug, ps)
    return {
        "typical_pk": rate(m, typical),
        "pk_iiv": rate(split, ce_i),
        "pk_iiv_no_split": rate(m, ce_i),
    }
