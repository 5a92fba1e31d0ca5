"""Virtual postpartum women with PPD: reproducible, one random stream per patient.

Every patient ``i`` draws from ``numpy.random.default_rng([seed, i])``, so a patient's values do
not depend on the population size, its order or how it is chunked.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

from brexsim.errors import input_error
from brexsim.params import ParameterSet, load_parameters
from brexsim.population.covariates import sample_pk_etas, sample_special_covariates

__all__ = ["Population", "get_patient_rng", "sample_covariates", "sample_population"]


def get_patient_rng(seed: int, patient_id: int) -> np.random.Generator:
    """The random stream of one patient.

    >>> float(get_patient_rng(1, 5).random()) == float(get_patient_rng(1, 5).random())
    True
    """
    return np.random.default_rng([int(seed), int(patient_id)])


@dataclass(frozen=True)
class Population:
    """Covariates and random effects of ``n`` patients (arrays of length n).

    Attributes
    ----------
    ids : int array
    weight_kg : kg
    hamd_baseline : HAM-D-17 points at baseline (inclusion criteria applied)
    antidepressant : bool array, concomitant antidepressant use
    random_effects : ``{name: array}`` from each layer's sampler and the PK η
        (:func:`brexsim.population.covariates.sample_pk_etas`)
    seed : the seed used
    covariates : ``{name: str array}`` special populations
        (:data:`brexsim.population.covariates.COVARIATE_LEVELS`; missing = reference level)
    """

    ids: np.ndarray
    weight_kg: np.ndarray
    hamd_baseline: np.ndarray
    antidepressant: np.ndarray
    random_effects: Mapping[str, np.ndarray] = field(default_factory=dict)
    seed: int = 0
    covariates: Mapping[str, np.ndarray] = field(default_factory=dict)

    @property
    def n(self) -> int:
        """Number of patients."""
        return len(self.ids)

    def take(self, index: np.ndarray) -> Population:
        """The sub-population at ``index`` (a chunk, a shuffle)."""
        idx = np.asarray(index)
        return Population(
            self.ids[idx],
            self.weight_kg[idx],
            self.hamd_baseline[idx],
            self.antidepressant[idx],
            {k: v[idx] for k, v in self.random_effects.items()},
            self.seed,
            {k: np.asarray(v)[idx] for k, v in self.covariates.items()},
        )


def sample_covariates(
    n: int, rng: np.random.Generator, params: ParameterSet | None = None
) -> dict[str, np.ndarray]:
    """Covariates of a Study 1-like population: ``weight_kg`` (log-normal with the table's mean
    and SD, truncated to [weight_min_kg, weight_max_kg] by redrawing), ``antidepressant`` and
    ``cns_depressant`` (bool).

    >>> c = sample_covariates(1000, np.random.default_rng(0))
    >>> bool(60 < c["weight_kg"].mean() < 95), bool(0.15 < c["antidepressant"].mean() < 0.35)
    (True, True)
    """
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise input_error("n", n, "a positive integer")
    p = (params or load_parameters()).get_layer("population")
    mean, sd = p["weight_mean_kg"], p["weight_sd_kg"]
    lo, hi = p["weight_min_kg"], p["weight_max_kg"]
    s2 = np.log1p((sd / mean) ** 2)
    mu = np.log(mean) - s2 / 2
    w = np.exp(rng.normal(mu, np.sqrt(s2), n))
    for _ in range(100):
        bad = (w < lo) | (w > hi)
        if not bad.any():
            break
        w[bad] = np.exp(rng.normal(mu, np.sqrt(s2), int(bad.sum())))
    w = np.clip(w, lo, hi)
    return {
        "weight_kg": w,
        "antidepressant": rng.random(n) < p["antidepressant_fraction"],
        "cns_depressant": rng.random(n) < p["cns_depressant_fraction"],
    }


def _default_hamd_sampler(rng: np.random.Generator, lo: float, hi: float) -> float:
    # Study 1 baselines 28.4-29.0 with HAM-D >= 26: truncated normal mean 27.5, SD 2.5 (assumed)
    for _ in range(1000):
        x = float(np.round(rng.normal(27.5, 2.5)))
        if lo <= x <= hi:
            return x
    return float(np.clip(27.5, lo, hi))


def _layer_samplers() -> dict[str, Callable]:
    """Each layer's ``sample_*_random_effects(n, rng)``, where that layer provides one."""
    found: dict[str, Callable] = {}
    for mod, fn in (
        ("brexsim.clinical.hamd", "sample_hamd_random_effects"),
        ("brexsim.clinical.sedation", "sample_sedation_random_effects"),
        ("brexsim.mechanism.tlr", "sample_inflammation_random_effects"),
    ):
        try:
            module = __import__(mod, fromlist=[fn])
        except ImportError:
            continue
        if hasattr(module, fn):
            found[mod] = getattr(module, fn)
    return found


def sample_population(
    n: int,
    seed: int,
    hamd_min: float = 26.0,
    hamd_max: float = 52.0,
    params: ParameterSet | None = None,
    first_id: int = 0,
    covariate_shares: Mapping[str, Mapping[str, float]] | None = None,
    pk_variability: bool = False,
) -> Population:
    """Sample ``n`` virtual patients (ids ``first_id .. first_id + n - 1``).

    Parameters
    ----------
    n : int
        Number of patients (1 to 1,000,000).
    seed : int
        Seed; patient ``i`` uses the stream ``default_rng([seed, i])``.
    hamd_min, hamd_max : float, points
        Inclusion criteria on baseline HAM-D-17 (Study 1: >= 26).
    covariate_shares : ``{covariate: {level: share}}``, optional
        Special populations (:func:`brexsim.population.covariates.sample_special_covariates`);
        default: everyone at the reference level.
    pk_variability : bool
        Draw the PK η (``eta_pk_*``, Ω of :mod:`brexsim.params.popmodel`). Off by default
        until the population-based calibration records are re-run with PK IIV.

    Examples
    --------
    >>> pop = sample_population(3, seed=1)
    >>> pop.n, bool(np.all(pop.hamd_baseline >= 26))
    (3, True)
    >>> sample_population(5, 1).take(np.arange(3)).weight_kg.tolist() == pop.weight_kg.tolist()
    True
    """
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or not (1 <= n <= 1_000_000):
        raise input_error("n", n, "an integer in [1, 1000000]")
    if not (0 <= hamd_min <= hamd_max <= 52):
        raise input_error("hamd_min/hamd_max", (hamd_min, hamd_max), "0 <= min <= max <= 52")
    ps = params or load_parameters()
    samplers = _layer_samplers()
    hamd_sampler = None
    try:
        from brexsim.clinical import hamd as _hamd

        hamd_sampler = getattr(_hamd, "sample_baseline_hamd", None)
    except ImportError:
        pass
    ids = np.arange(first_id, first_id + n)
    w = np.empty(n)
    hb = np.empty(n)
    ad = np.empty(n, dtype=bool)
    cns = np.empty(n, dtype=bool)
    effects: dict[str, list[np.ndarray]] = {}
    for k, pid in enumerate(ids):
        rng = get_patient_rng(seed, int(pid))
        cov = sample_covariates(1, rng, ps)
        w[k], ad[k], cns[k] = (
            cov["weight_kg"][0],
            cov["antidepressant"][0],
            cov["cns_depressant"][0],
        )
        if hamd_sampler is not None:
            hb[k] = float(np.asarray(hamd_sampler(1, rng, hamd_min, hamd_max)).ravel()[0])
        else:
            hb[k] = _default_hamd_sampler(rng, hamd_min, hamd_max)
        for mod in sorted(samplers):
            for name, v in samplers[mod](1, rng).items():
                effects.setdefault(name, []).append(np.asarray(v).ravel()[0])
    effects_arr = {k: np.asarray(v) for k, v in effects.items()}
    effects_arr["cns_depressant"] = cns
    # PK eta and special populations from their own streams: every draw above is unchanged
    if pk_variability:
        effects_arr.update(sample_pk_etas(ids, seed, ps))
    return Population(
        ids=ids,
        weight_kg=w,
        hamd_baseline=hb,
        antidepressant=ad,
        random_effects=effects_arr,
        seed=int(seed),
        covariates=sample_special_covariates(ids, seed, covariate_shares),
    )
