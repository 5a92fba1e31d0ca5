"""Virtual postpartum women with PPD: reproducible, one random stream per patient.

Every patient ``i`` draws from ``numpy.random.default_rng([seed, i])``, so a patient's values do
not depend on the population size, its order or how it is chunked.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

from brexsim.clinical.hamd import sample_baseline_hamd, sample_hamd_random_effects
from brexsim.clinical.sedation import sample_sedation_random_effects
from brexsim.covariates import sample_covariates, sample_pk_etas, sample_special_covariates
from brexsim.errors import input_error
from brexsim.mechanism.tlr import sample_inflammation_random_effects
from brexsim.params import ParameterSet, load_parameters

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
        (:func:`brexsim.covariates.sample_pk_etas`)
    seed : the seed used
    covariates : ``{name: str array}`` special populations
        (:data:`brexsim.covariates.COVARIATE_LEVELS`; missing = reference level)
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


#: Each layer's random-effects sampler ``f(n, rng) -> {name: (n,) array}``, in the order they
#: draw from a patient's stream (after her covariates and baseline HAM-D). The order is part of
#: the reproducibility contract: changing it changes every patient's random effects.
_LAYER_SAMPLERS: tuple[Callable[..., Mapping[str, np.ndarray]], ...] = (
    sample_hamd_random_effects,
    sample_sedation_random_effects,
    sample_inflammation_random_effects,
)


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
        Special populations (:func:`brexsim.covariates.sample_special_covariates`);
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
        hb[k] = float(np.asarray(sample_baseline_hamd(1, rng, hamd_min, hamd_max)).ravel()[0])
        for sampler in _LAYER_SAMPLERS:
            for name, v in sampler(1, rng).items():
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


def get_typical_population(seed: int = 0) -> Population:
    """One typical patient: 70 kg, baseline HAM-D 28.6, no concomitant medication, every random
    effect at its typical value (normal etas 0, multipliers 1, no other-AE pause).

    Parameters
    ----------
    seed : int, recorded on the population (nothing is drawn)

    Examples
    --------
    >>> pop = get_typical_population()
    >>> pop.n, float(pop.weight_kg[0]), float(pop.hamd_baseline[0])
    (1, 70.0, 28.6)
    """
    one, zero = np.ones(1), np.zeros(1)
    effects = {
        "sedation_background": zero,
        "sedation_sensitivity": one,
        "other_ae_interruption": np.zeros(1, dtype=bool),
        "other_ae_time_fraction": zero,
        "eta_placebo": zero,
        "eta_drug": zero,
        "cns_depressant": np.zeros(1, dtype=bool),
        "infl_ic50_scale": one,
        "infl_reprogram_scale": one,
    }
    return Population(
        np.array([0]), np.array([70.0]), np.array([28.6]), np.array([False]), effects, seed
    )
