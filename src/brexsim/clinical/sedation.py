"""Sedation: a graded latent score driven by effect-site exposure, with label-calibrated thresholds.

Model (parameters in ``sedation.toml``; equations in docs/clinical_sedation.md)::

    S_i(t) = b_i + m_i · f_AD · f_CNS · Ce_i(t) / ce_unit

* ``b_i ~ N(0, 1)``: background (non-drug) sedation propensity, constant over a course; it gives
  the placebo somnolence rate (6 %, label) and fixes the unit of the score.
* ``m_i``: individual sensitivity, log-normal with median 1 (``sensitivity_iiv_sd``).
* ``f_AD``, ``f_CNS``: multipliers with a concomitant antidepressant / other CNS depressant
  (label: sedation more frequent with antidepressants; the size is an assumption).
* ``Ce``: drug effect-site concentration (``PKResult.effect_site_drug_ng_per_ml``); ``ce_unit``
  is drug-specific (brexanolone and zuranolone are calibrated separately).

Outcomes: somnolence of any severity (``S`` above ``somnolence_threshold`` while awake),
excessive sedation leading to a stop (found at a 2-hourly check), loss of consciousness, and
hypoxia, run through the label's monitoring rules (:mod:`brexsim.clinical.monitoring`) for the
brexanolone infusion. Zuranolone (oral, at home) has no monitoring: its outcomes are read from
the awake-time maximum of the score.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import jax
import jax.numpy as jnp
import numpy as np
from scipy.special import ndtr

from brexsim.clinical.monitoring import (
    MonitoringResult,
    apply_monitoring_rules,
    get_check_schedule,
    get_monitoring_rules,
)
from brexsim.covariates import sample_covariates
from brexsim.dosing import Regimen, get_total_dose
from brexsim.errors import input_error
from brexsim.params import ParameterSet, load_parameters
from brexsim.pk import simulate_pk

jax.config.update("jax_enable_x64", True)

__all__ = [
    "SedationTrialResult",
    "compute_sedation_score",
    "get_awake_ce_max",
    "get_awake_effect_site",
    "get_expected_somnolence_rate",
    "get_other_ae_times_h",
    "get_sedation_gain",
    "sample_sedation_covariates",
    "sample_sedation_random_effects",
    "simulate_sedation_trial",
]


def compute_sedation_score(
    effect_site_ng_per_ml: jax.Array, background: jax.Array, gain_per_ng_per_ml: jax.Array
) -> jax.Array:
    """Latent sedation score ``background + gain · Ce`` (pure, broadcasting, jax.numpy).

    Shapes: ``Ce`` ``(n, k)`` or ``(k,)``; ``background`` and ``gain`` ``(n, 1)`` or scalars.

    >>> float(compute_sedation_score(jnp.array(60.0), 0.5, 1 / 60.0))
    1.5
    """
    return jnp.asarray(background) + jnp.asarray(gain_per_ng_per_ml) * jnp.asarray(
        effect_site_ng_per_ml
    )


def sample_sedation_random_effects(
    n: int, rng: np.random.Generator, params: ParameterSet | None = None
) -> dict[str, np.ndarray]:
    """Inter-individual variability of the sedation layer for ``n`` patients.

    Returns ``sedation_background`` (score units, N(0, background_sd)),
    ``sedation_sensitivity`` (log-normal multiplier, median 1), ``other_ae_interruption``
    (bool: a non-sedation AE pauses the infusion) and ``other_ae_time_fraction`` (when, as a
    fraction of the course, U(0, 1)).

    >>> re = sample_sedation_random_effects(3, np.random.default_rng(0))
    >>> len(re), re["sedation_sensitivity"].shape
    (4, (3,))
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise input_error("n", n, "a positive integer")
    p = (params or load_parameters()).get_layer("sedation")
    return {
        "sedation_background": rng.normal(0.0, p["background_sd"], n),
        "sedation_sensitivity": np.exp(rng.normal(0.0, p["sensitivity_iiv_sd"], n)),
        "other_ae_interruption": rng.random(n) < p["other_ae_interruption_prob"],
        "other_ae_time_fraction": rng.random(n),
    }


def sample_sedation_covariates(
    n: int, rng: np.random.Generator, params: ParameterSet | None = None
) -> dict[str, np.ndarray]:
    """Covariates of a Study 1-like population (:func:`brexsim.covariates.sample_covariates`):
    ``weight_kg``, ``antidepressant`` and ``cns_depressant`` (bool).

    >>> c = sample_sedation_covariates(1000, np.random.default_rng(0))
    >>> bool(60 < c["weight_kg"].mean() < 95), bool(0.15 < c["antidepressant"].mean() < 0.35)
    (True, True)
    """
    return sample_covariates(n, rng, params)


def get_sedation_gain(
    sensitivity: np.ndarray,
    drug: str,
    antidepressant: np.ndarray | bool = False,
    cns_depressant: np.ndarray | bool = False,
    params: ParameterSet | None = None,
) -> np.ndarray:
    """Drug term of the score per ng/mL of effect-site concentration (1/(ng/mL)).

    >>> float(get_sedation_gain(np.array([1.0]), "brexanolone")[0]) > 0
    True
    """
    p = (params or load_parameters()).get_layer("sedation")
    key = {
        "brexanolone": "brexanolone_ce_unit_ng_per_ml",
        "zuranolone": "zuranolone_ce_unit_ng_per_ml",
    }
    if drug not in key:
        raise input_error("drug", drug, f"one of {sorted(key)}")
    m = np.asarray(sensitivity, dtype=float)
    f_ad = np.where(np.asarray(antidepressant, dtype=bool), p["antidepressant_factor"], 1.0)
    f_cns = np.where(np.asarray(cns_depressant, dtype=bool), p["cns_depressant_factor"], 1.0)
    return m * f_ad * f_cns / p[key[drug]]


def get_awake_effect_site(
    regimen: Regimen,
    params: ParameterSet | None = None,
    scale: Mapping[str, float] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Scheduled (uninterrupted) effect-site concentration of a typical patient (or of one
    patient with PK multipliers ``scale``) on the engine grid: ``(time_h, ce_ng_per_ml,
    awake)``; the grid runs to the end of treatment.

    >>> from brexsim.dosing import get_preset
    >>> t, ce, awake = get_awake_effect_site(get_preset("zulresso"))
    >>> round(float(ce[awake].max()), 1)
    82.1
    """
    ps = params or load_parameters()
    rules = get_monitoring_rules(ps)
    if regimen.drug == "brexanolone":
        grid = get_check_schedule(regimen, rules)
        t = grid["time_h"]
    else:
        end = regimen.end_of_treatment_h
        t = np.arange(round(end * rules.steps_per_h) + 1) / rules.steps_per_h
    ce = simulate_pk(regimen, 70.0, t, ps, scale).effect_site_drug_ng_per_ml
    awake = ~rules.is_asleep(regimen.start_clock_h + t)
    return t, ce, awake


def get_awake_ce_max(
    regimen: Regimen,
    params: ParameterSet | None = None,
    scales: Mapping[str, np.ndarray] | None = None,
) -> np.ndarray:
    """Awake maximum of the scheduled effect-site course, ng/mL (0 when never awake): of the
    typical patient (shape ``(1,)``; ``scales`` None or empty) or of each patient with PK
    multipliers ``scales``
    (``{key: (n,) array}``, :func:`brexsim.covariates.get_pk_scales`).

    >>> from brexsim.dosing import get_preset
    >>> round(float(get_awake_ce_max(get_preset("zulresso"))[0]), 1)
    82.1
    """
    ps = params or load_parameters()
    rows = (
        [None]
        if not scales
        else [
            {k: float(np.asarray(v)[i]) for k, v in scales.items()}
            for i in range(len(next(iter(scales.values()))))
        ]
    )
    out = np.empty(len(rows))
    for i, row in enumerate(rows):
        _, ce, awake = get_awake_effect_site(regimen, ps, row)
        out[i] = float(ce[awake].max()) if awake.any() else 0.0
    return out


def get_expected_somnolence_rate(
    ce_max_ng_per_ml: float,
    gain_per_ng_per_ml: np.ndarray,
    params: ParameterSet | None = None,
) -> float:
    """Expected somnolence rate, integrated analytically over the background score:
    mean of ``P(b + gain·Ce_max > threshold)`` (uninterrupted course; Ce_max while awake).

    >>> round(get_expected_somnolence_rate(0.0, np.ones(4)), 3)  # placebo: the background
    0.06
    """
    p = (params or load_parameters()).get_layer("sedation")
    z = (np.asarray(gain_per_ng_per_ml) * ce_max_ng_per_ml - p["somnolence_threshold"]) / p[
        "background_sd"
    ]
    return float(np.mean(ndtr(z)))


@dataclass(frozen=True)
class SedationTrialResult:
    """Per-patient sedation outcomes of one arm (arrays over patients).

    Attributes
    ----------
    regimen : the scheduled regimen
    somnolence : somnolence of any severity (while awake)
    excessive_sedation : a stop for excessive sedation, LOC or hypoxia (brexanolone); for
        zuranolone, the score exceeded the excessive-sedation threshold while awake (the label
        would reduce the dose to 40 mg; not applied)
    interruption : any interruption or reduction for an AE (sedation or other; brexanolone)
    loss_of_consciousness, hypoxia_stop : bool
    n_interruptions : int
    delivered_dose_ug_per_kg : IV dose actually delivered (NaN for oral)
    delivered_dose_mg : dose actually delivered, mg
    weight_kg, antidepressant, cns_depressant : covariates
    random_effects : :func:`sample_sedation_random_effects` output
    monitoring : the rule engine's result (brexanolone) or None
    """

    regimen: Regimen
    somnolence: np.ndarray
    excessive_sedation: np.ndarray
    interruption: np.ndarray
    loss_of_consciousness: np.ndarray
    hypoxia_stop: np.ndarray
    n_interruptions: np.ndarray
    delivered_dose_ug_per_kg: np.ndarray
    delivered_dose_mg: np.ndarray
    weight_kg: np.ndarray
    antidepressant: np.ndarray
    cns_depressant: np.ndarray
    random_effects: dict[str, np.ndarray] = field(repr=False)
    monitoring: MonitoringResult | None = field(default=None, repr=False)

    @property
    def n(self) -> int:
        """Number of patients."""
        return int(self.somnolence.shape[0])

    def get_rates(self) -> dict[str, float]:
        """Arm-level rates (fractions of patients) and mean interruptions / dose."""
        return {
            "somnolence": float(self.somnolence.mean()),
            "excessive_sedation": float(self.excessive_sedation.mean()),
            "interruption": float(self.interruption.mean()),
            "loss_of_consciousness": float(self.loss_of_consciousness.mean()),
            "hypoxia_stop": float(self.hypoxia_stop.mean()),
            "mean_interruptions": float(self.n_interruptions.mean()),
            "mean_delivered_dose_mg": float(self.delivered_dose_mg.mean()),
        }

    def get_regimens(self) -> list[Regimen]:
        """Each patient's regimen with the interruptions applied."""
        if self.monitoring is None:
            return [self.regimen] * self.n
        return self.monitoring.get_regimens()


def get_other_ae_times_h(
    random_effects: dict[str, np.ndarray], regimen: Regimen, steps_per_h: int = 12
) -> np.ndarray:
    """Times (h, on the engine grid) of the non-sedation AE pauses; NaN where none.

    >>> from brexsim.dosing import get_preset
    >>> re = {"other_ae_interruption": np.array([True, False]),
    ...       "other_ae_time_fraction": np.array([0.5, 0.5])}
    >>> get_other_ae_times_h(re, get_preset("zulresso")).tolist()
    [30.0, nan]
    """
    frac = random_effects["other_ae_time_fraction"]
    t = np.floor(frac * regimen.end_of_treatment_h * steps_per_h) / steps_per_h
    return np.where(random_effects["other_ae_interruption"], t, np.nan)


def _as_bool(name: str, x: np.ndarray | bool | None, n: int, default: np.ndarray) -> np.ndarray:
    if x is None:
        return default
    a = np.broadcast_to(np.asarray(x), (n,))
    if a.dtype != bool:
        raise input_error(name, a.dtype, "booleans (one per patient, or one for all)")
    return a.copy()


def simulate_sedation_trial(
    regimen: Regimen,
    n: int,
    seed: int,
    weight_kg: np.ndarray | float | None = None,
    antidepressant: np.ndarray | bool | None = None,
    cns_depressant: np.ndarray | bool | None = None,
    params: ParameterSet | None = None,
    record_events: bool = True,
) -> SedationTrialResult:
    """Simulate the sedation outcomes of ``n`` virtual patients on one regimen.

    Random effects and covariates come from ``numpy.random.default_rng(seed)`` (random
    effects first, then covariates; covariates given here replace the drawn ones). Brexanolone
    runs through the monitoring rules (interruptions change exposure); zuranolone is scored
    on the awake-time maximum.

    Parameters
    ----------
    regimen : Regimen
    n : int
    seed : int
    weight_kg : float or (n,) array, kg, optional
    antidepressant, cns_depressant : bool or (n,) bool array, optional
    params : ParameterSet, optional
    record_events : bool
        Keep the event tables (needed for per-patient events and modified regimens).

    Examples
    --------
    >>> from brexsim.dosing import get_preset
    >>> res = simulate_sedation_trial(get_preset("placebo"), 2000, seed=1)
    >>> bool(0.03 < res.get_rates()["somnolence"] < 0.09)
    True
    """
    ps = params or load_parameters()
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise input_error("seed", seed, "an integer")
    rng = np.random.default_rng(int(seed))
    re = sample_sedation_random_effects(n, rng, ps)
    cov = sample_sedation_covariates(n, rng, ps)
    if weight_kg is not None:
        w = np.broadcast_to(np.asarray(weight_kg, dtype=float), (n,)).copy()
        if not (np.isfinite(w).all() and (w >= 20).all() and (w <= 250).all()):
            raise input_error("weight_kg", "array", "body weights in [20, 250] kg")
        cov["weight_kg"] = w
    ad = _as_bool("antidepressant", antidepressant, n, cov["antidepressant"])
    cns = _as_bool("cns_depressant", cns_depressant, n, cov["cns_depressant"])
    gain = get_sedation_gain(re["sedation_sensitivity"], regimen.drug, ad, cns, ps)
    b = re["sedation_background"]
    w = cov["weight_kg"]
    rules = get_monitoring_rules(ps)
    if regimen.drug == "brexanolone":
        other_t = get_other_ae_times_h(re, regimen, rules.steps_per_h)
        mon = apply_monitoring_rules(
            regimen, b, gain, other_t, params=ps, record_events=record_events
        )
        return SedationTrialResult(
            regimen=regimen,
            somnolence=mon.somnolence,
            excessive_sedation=mon.sedation_stop,
            interruption=mon.interrupted,
            loss_of_consciousness=mon.loss_of_consciousness,
            hypoxia_stop=mon.hypoxia_stop,
            n_interruptions=mon.n_interruptions,
            delivered_dose_ug_per_kg=mon.delivered_ug_per_kg,
            delivered_dose_mg=mon.delivered_ug_per_kg * w / 1000.0,
            weight_kg=w,
            antidepressant=ad,
            cns_depressant=cns,
            random_effects=re,
            monitoring=mon,
        )
    s_max = b + gain * float(get_awake_ce_max(regimen, ps)[0])
    zeros = np.zeros(n, dtype=bool)
    return SedationTrialResult(
        regimen=regimen,
        somnolence=s_max > rules.somnolence_threshold,
        excessive_sedation=s_max > rules.excessive_threshold,
        interruption=zeros,
        loss_of_consciousness=s_max > rules.loc_threshold,
        hypoxia_stop=zeros,
        n_interruptions=np.zeros(n, dtype=int),
        delivered_dose_ug_per_kg=np.full(n, np.nan),
        delivered_dose_mg=np.full(n, get_total_dose(regimen)),
        weight_kg=w,
        antidepressant=ad,
        cns_depressant=cns,
        random_effects=re,
        monitoring=None,
    )
