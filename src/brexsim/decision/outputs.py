"""Headline outputs of a regimen on a fixed virtual population (common random numbers).

One population is drawn once per run (:func:`get_population`) and every regimen or parameter
set is simulated on the same patients, so differences are not sampling noise. Parameters that
the population draws depend on (the spread of the random effects) are applied to that same
population by rescaling the patients' standard-normal draws (:func:`rescale_population`).

Outputs (:data:`OUTPUTS`): the mean observed HAM-D-17 change from baseline at hour 60, day 15
(336 h) and day 30 (720 h, Study 1's last visit) from the start of treatment; response (fall
>= 50 %) and remission (HAM-D <= 7) rates at the same times; the rates of excessive sedation,
loss of consciousness, somnolence and interruption; the scheduled infusion hours (0 for oral).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from brexsim.dosing.regimen import Regimen
from brexsim.errors import input_error
from brexsim.params import ParameterSet, load_parameters
from brexsim.population.virtual import Population

__all__ = [
    "OUTPUTS",
    "OutputSpec",
    "check_outputs",
    "compute_patient_outputs",
    "get_infusion_hours",
    "get_intervals",
    "get_population",
    "rescale_population",
    "summarise_outputs",
]

#: Output times, h from the start of treatment: baseline, hour 60, day 15, day 30.
TIMES_H = np.array([0.0, 60.0, 336.0, 720.0])
_AT = {"h60": 1, "d15": 2, "d30": 3}


@dataclass(frozen=True)
class OutputSpec:
    """A headline output: ``kind`` "mean" (points) or "rate" (fraction of patients);
    ``better`` "lower" or "higher"."""

    name: str
    kind: str
    unit: str
    better: str
    description: str


def _specs() -> dict[str, OutputSpec]:
    out: dict[str, OutputSpec] = {}
    when = {"h60": "hour 60", "d15": "day 15 (336 h)", "d30": "day 30 (720 h)"}
    for tag, txt in when.items():
        out[f"hamd_change_{tag}"] = OutputSpec(
            f"hamd_change_{tag}", "mean", "points", "lower", f"mean HAM-D-17 change at {txt}"
        )
        for what, rule in (("response", "fall >= 50 %"), ("remission", "HAM-D <= 7")):
            out[f"{what}_{tag}"] = OutputSpec(
                f"{what}_{tag}", "rate", "1", "higher", f"{what} rate ({rule}) at {txt}"
            )
    for name, key in (
        ("excessive_sedation_rate", "excessive sedation (infusion stopped for it)"),
        ("loc_rate", "loss of consciousness"),
        ("somnolence_rate", "somnolence"),
        ("interruption_rate", "at least one interruption"),
    ):
        out[name] = OutputSpec(name, "rate", "1", "lower", f"rate of {key}")
    out["infusion_hours"] = OutputSpec(
        "infusion_hours", "mean", "h", "lower", "scheduled infusion hours (0 for oral)"
    )
    return out


OUTPUTS: dict[str, OutputSpec] = _specs()
_OUTCOME = {
    "excessive_sedation_rate": "excessive_sedation",
    "loc_rate": "loss_of_consciousness",
    "somnolence_rate": "somnolence",
    "interruption_rate": "interruption",
}


def check_outputs(names: Sequence[str], field: str = "--outputs") -> tuple[str, ...]:
    """The output names, checked (an unknown or repeated one is an error).

    >>> check_outputs(["hamd_change_h60", "excessive_sedation_rate"])
    ('hamd_change_h60', 'excessive_sedation_rate')
    """
    names = tuple(str(n).strip() for n in names)
    if not names:
        raise input_error(field, "", f"at least one of {sorted(OUTPUTS)}")
    for n in names:
        if n not in OUTPUTS:
            raise input_error(field, n, f"one of {sorted(OUTPUTS)}")
    if len(set(names)) != len(names):
        raise input_error(field, ",".join(names), "each output once")
    return names


def get_population(n: int, seed: int, chunk: int = 64) -> Population:
    """The run's fixed population: ``n`` patients (a multiple of ``chunk``) with PK IIV.

    >>> get_population(64, 1).n
    64
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < chunk or n % chunk:
        raise input_error("--patients", n, f"a positive multiple of {chunk} (compiled block)")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise input_error("--seed", seed, "an integer >= 0")
    from brexsim.population.virtual import sample_population

    return sample_population(n, seed, pk_variability=True)


def rescale_population(pop: Population, params: ParameterSet, base: ParameterSet) -> Population:
    """``pop`` (drawn under ``base``) with the random-effect spreads of ``params``.

    The draws stay the same: ``eta_drug`` / ``eta_placebo`` are scaled by the ratio of
    ``hamd.omega_*``, the sedation background by ``sedation.background_sd`` and the log
    sensitivity by ``sedation.sensitivity_iiv_sd``; PK η are redrawn from each patient's own
    stream with the new Ω (:func:`brexsim.population.covariates.sample_pk_etas`).
    """
    re = dict(pop.random_effects)

    def ratio(name: str) -> float:
        return params.value(name) / base.value(name)

    for key, name in (("eta_drug", "hamd.omega_drug"), ("eta_placebo", "hamd.omega_placebo")):
        if key in re and ratio(name) != 1.0:
            re[key] = np.asarray(re[key]) * ratio(name)
    if "sedation_background" in re and ratio("sedation.background_sd") != 1.0:
        re["sedation_background"] = re["sedation_background"] * ratio("sedation.background_sd")
    if "sedation_sensitivity" in re and ratio("sedation.sensitivity_iiv_sd") != 1.0:
        log_m = np.log(re["sedation_sensitivity"]) * ratio("sedation.sensitivity_iiv_sd")
        re["sedation_sensitivity"] = np.exp(log_m)
    omegas = [k for k in params if ".omega_" in k and k.split(".")[0].endswith("_pk")]
    if any(k.startswith("eta_pk_") for k in re) and any(ratio(k) != 1.0 for k in omegas):
        from brexsim.population.covariates import sample_pk_etas

        re.update(sample_pk_etas(pop.ids, pop.seed, params))
    return replace(pop, random_effects=re)


def get_infusion_hours(regimen: Regimen) -> float:
    """Scheduled infusion hours: end of the last IV segment (the inpatient stay's infusion
    frame), 0 for an oral regimen.

    >>> from brexsim.dosing import get_preset
    >>> get_infusion_hours(get_preset("zulresso"))
    60.0
    >>> get_infusion_hours(get_preset("zuranolone-50mg"))
    0.0
    """
    return float(regimen.end_of_treatment_h) if regimen.is_iv else 0.0


def compute_patient_outputs(
    regimen: Regimen,
    population: Population,
    params: ParameterSet | None = None,
    names: Sequence[str] | None = None,
    base: ParameterSet | None = None,
    chunk: int = 64,
) -> dict[str, np.ndarray]:
    """Per-patient values ``{output: (n,) array}`` of one regimen on ``population``.

    Parameters
    ----------
    regimen : the scheduled regimen (monitoring rules apply to IV regimens)
    population : the fixed population, drawn under ``base``
    params : parameters to simulate with (default: the tables); random-effect spreads in it
        are applied by :func:`rescale_population`
    names : outputs to return (default: all of :data:`OUTPUTS`)
    base : the parameters the population was drawn with (default: the tables)

    Examples
    --------
    >>> from brexsim.dosing import get_preset
    >>> v = compute_patient_outputs(get_preset("zulresso"), get_population(64, 1),
    ...                             names=["hamd_change_h60", "loc_rate"])
    >>> v["hamd_change_h60"].shape, bool(np.all(np.isin(v["loc_rate"], (0.0, 1.0))))
    ((64,), True)
    """
    from brexsim.model import simulate

    names = check_outputs(names or list(OUTPUTS), "outputs")
    ps = params or load_parameters()
    base_ps = base or load_parameters()
    pop = rescale_population(population, ps, base_ps) if ps != base_ps else population
    sim = simulate(regimen, pop, times_h=TIMES_H, params=ps, chunk=chunk)
    hamd = sim.get("hamd")
    base_score = pop.hamd_baseline
    from brexsim.clinical.hamd import is_remission, is_response

    out: dict[str, np.ndarray] = {}
    for name in names:
        if name == "infusion_hours":
            out[name] = np.full(pop.n, get_infusion_hours(regimen))
        elif name in _OUTCOME:
            out[name] = np.asarray(sim.outcomes[_OUTCOME[name]], dtype=float)
        else:
            what, tag = name.rsplit("_", 1)
            score = hamd[:, _AT[tag]]
            if what == "hamd_change":
                out[name] = score - hamd[:, 0]
            elif what == "response":
                out[name] = is_response(score, base_score, ps).astype(float)
            else:
                out[name] = is_remission(score, ps).astype(float)
    return out


def summarise_outputs(values: Mapping[str, np.ndarray]) -> dict[str, float]:
    """Population means (rates for 0/1 outputs).

    >>> summarise_outputs({"loc_rate": np.array([0.0, 1.0, 0.0, 0.0])})
    {'loc_rate': 0.25}
    """
    return {k: float(np.mean(v)) for k, v in values.items()}


def get_intervals(values: Mapping[str, np.ndarray]) -> dict[str, tuple[float, float, float]]:
    """``{output: (estimate, low, high)}`` 95 % intervals over the patients: Wilson for rates,
    mean ± t(0.975) × SE for means (a constant output gets a zero-width interval).

    >>> e, lo, hi = get_intervals({"loc_rate": np.r_[np.ones(5), np.zeros(35)]})["loc_rate"]
    >>> round(e, 3), round(lo, 4), round(hi, 4)
    (0.125, 0.0546, 0.2611)
    """
    from scipy import stats

    from brexsim.trial.stats import get_rate_ci

    out: dict[str, tuple[float, float, float]] = {}
    for name, v in values.items():
        x = np.asarray(v, dtype=float)
        spec = OUTPUTS.get(name)
        if spec is not None and spec.kind == "rate":
            out[name] = get_rate_ci(round(float(x.sum())), x.size)
        else:
            m = float(x.mean())
            se = float(x.std(ddof=1) / np.sqrt(x.size)) if x.size > 1 else 0.0
            h = float(stats.t.ppf(0.975, max(x.size - 1, 1))) * se
            out[name] = (m, m - h, m + h)
    return out
