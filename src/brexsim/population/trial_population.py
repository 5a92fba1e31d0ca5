"""Trial populations: patient ids, inclusion filters, correlated IIV and dropout.

Built on :func:`brexsim.population.sample_population` (one random stream per patient,
``default_rng([seed, id])``); everything added here draws from further per-patient streams, so a
patient's values depend only on the seed and its id — never on the arm size, the chunk, the order
or the backend:

===========================  ===========================================================
stream                       used for
===========================  ===========================================================
``[seed, id]``               covariates, baseline HAM-D, every layer's random effects
                             (:mod:`brexsim.population.virtual`)
``[seed, id, 17]``           observed HAM-D residuals (:mod:`brexsim.model`)
``[seed, id, 6001]``         correlated IIV (:func:`apply_correlated_iiv`)
``[seed, id, 6002]``         dropout time (:func:`sample_dropout_times`)
===========================  ===========================================================

Patient ids (:func:`get_patient_id`): ``(replicate * 100 + arm_index) * 10**7 + k`` where ``k``
counts the arm's *candidates*; a candidate excluded by the inclusion filters leaves a gap, so ids
are unique across arms and replicates and stable when the arm grows.

Inclusion filters: baseline HAM-D range (the baseline sampler draws inside it, no rejection),
body weight range and concomitant antidepressant use (``allowed`` / ``excluded`` / ``only``),
applied by rejecting candidates on their own covariates (drawn from the same stream as in
:func:`sample_population`, so the accepted patient is the same patient).

Correlated log-normal IIV (an omega matrix) — what is wired and what is not:

* wired (``simulate()`` uses them per patient): ``sedation_sensitivity``,
  ``infl_ic50_scale``, ``infl_reprogram_scale`` (log-normal multipliers, ``exp(eta)``) and
  ``eta_placebo``, ``eta_drug``, ``sedation_background`` (normal, used as they are), and the PK
  η ``eta_pk_cl``, ``eta_pk_v1``, ``eta_pk_q``, ``eta_pk_v2`` (brexanolone) and
  ``eta_pk_cl_f``, ``eta_pk_v_f``, ``eta_pk_ktr`` (zuranolone; normal η, the PK applies
  ``exp(eta)``; their table rows are variances, NONMEM's OMEGA). With an
  omega matrix these effects are redrawn jointly, ``eta ~ N(0, omega)``, replacing the layers'
  independent draws; :func:`get_default_omega` gives the calibrated variances (diagonal), so a
  spec that only adds correlations keeps every calibrated marginal.
* not wired (no per-patient hook in ``simulate()`` yet): the basal TLR tone
  (``infl_basal_tone_scale`` is drawn but the assembled model uses the typical tone), the serum
  BDNF baseline, the GABA-A potency. Naming them is an error.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from brexsim.errors import input_error
from brexsim.params import ParameterSet, load_parameters
from brexsim.population.virtual import (
    Population,
    get_patient_rng,
    sample_covariates,
    sample_population,
)

__all__ = [
    "ARM_SLOTS",
    "ID_BLOCK",
    "IIV_EFFECTS",
    "InclusionCriteria",
    "apply_correlated_iiv",
    "concat_populations",
    "get_default_omega",
    "get_patient_id",
    "sample_dropout_times",
    "sample_patients",
    "select_patient_ids",
]

#: Candidate ids per arm and replicate.
ID_BLOCK = 10_000_000
#: Arm slots per replicate.
ARM_SLOTS = 100
#: Random effects that simulate() uses per patient: name -> (scale, parameter holding its SD).
IIV_EFFECTS: dict[str, tuple[str, str]] = {
    "sedation_sensitivity": ("lognormal", "sedation.sensitivity_iiv_sd"),
    "infl_ic50_scale": ("lognormal", "tlr.bsv_ic50_logsd"),
    "infl_reprogram_scale": ("lognormal", "tlr.bsv_reprogram_logsd"),
    "eta_placebo": ("normal", "hamd.omega_placebo"),
    "eta_drug": ("normal", "hamd.omega_drug"),
    "sedation_background": ("normal", "sedation.background_sd"),
    # PK eta (normal; the PK applies exp(eta)); the tables hold their variances (omega_*)
    "eta_pk_cl": ("normal", "brexanolone_pk.omega_cl"),
    "eta_pk_v1": ("normal", "brexanolone_pk.omega_v1"),
    "eta_pk_q": ("normal", "brexanolone_pk.omega_q"),
    "eta_pk_v2": ("normal", "brexanolone_pk.omega_v2"),
    "eta_pk_cl_f": ("normal", "zuranolone_pk.omega_cl_f"),
    "eta_pk_v_f": ("normal", "zuranolone_pk.omega_v_f"),
    "eta_pk_ktr": ("normal", "zuranolone_pk.omega_ktr"),
}
#: Rows of IIV_EFFECTS that hold variances (the others hold SDs).
_VARIANCE_ROWS = {v[1] for k, v in IIV_EFFECTS.items() if k.startswith("eta_pk_")}
_IIV_STREAM = 6001
_DROPOUT_STREAM = 6002


def get_patient_id(replicate: int, arm_index: int, k: int | np.ndarray) -> int | np.ndarray:
    """Id of candidate ``k`` of arm ``arm_index`` in replicate ``replicate``.

    >>> get_patient_id(1, 2, 5)
    1020000005
    """
    if not (0 <= arm_index < ARM_SLOTS) or replicate < 0:
        raise input_error("arm_index", arm_index, f"an arm index in [0, {ARM_SLOTS})")
    return (int(replicate) * ARM_SLOTS + int(arm_index)) * ID_BLOCK + k


@dataclass(frozen=True)
class InclusionCriteria:
    """Inclusion criteria: baseline HAM-D-17 range (points), body weight range (kg, ``None`` =
    no limit) and concomitant antidepressant use (``allowed``, ``excluded`` or ``only``)."""

    hamd_min: int = 26
    hamd_max: int = 52
    weight_min_kg: float | None = None
    weight_max_kg: float | None = None
    antidepressant: str = "allowed"

    def __post_init__(self) -> None:
        if self.antidepressant not in ("allowed", "excluded", "only"):
            raise input_error("antidepressant", self.antidepressant, "allowed, excluded or only")

    @property
    def filters_covariates(self) -> bool:
        """True when candidates can be rejected on their covariates."""
        return (
            self.weight_min_kg is not None
            or self.weight_max_kg is not None
            or self.antidepressant != "allowed"
        )

    def accepts(self, weight_kg: np.ndarray, antidepressant: np.ndarray) -> np.ndarray:
        """Which patients meet the weight and antidepressant criteria."""
        w = np.asarray(weight_kg, dtype=float)
        ok = np.ones(w.shape, dtype=bool)
        if self.weight_min_kg is not None:
            ok &= w >= self.weight_min_kg
        if self.weight_max_kg is not None:
            ok &= w <= self.weight_max_kg
        ad = np.asarray(antidepressant, dtype=bool)
        if self.antidepressant == "excluded":
            ok &= ~ad
        elif self.antidepressant == "only":
            ok &= ad
        return ok


def select_patient_ids(
    n: int,
    seed: int,
    first_id: int,
    criteria: InclusionCriteria | None = None,
    params: ParameterSet | None = None,
    max_candidates: int | None = None,
) -> np.ndarray:
    """Ids of the first ``n`` candidates from ``first_id`` that meet ``criteria``.

    Each candidate's covariates come from its own stream (as in :func:`sample_population`), so
    the result depends only on the seed, ``first_id`` and the criteria.

    >>> select_patient_ids(3, 1, 100).tolist()
    [100, 101, 102]
    >>> ids = select_patient_ids(5, 1, 0, InclusionCriteria(antidepressant="only"))
    >>> bool(sample_patients(ids, 1).antidepressant.all())
    True
    """
    crit = criteria or InclusionCriteria()
    if not crit.filters_covariates:
        return first_id + np.arange(n, dtype=np.int64)
    ps = params or load_parameters()
    limit = max_candidates if max_candidates is not None else 50 * n + 1000
    limit = min(limit, ID_BLOCK)
    out: list[int] = []
    k = 0
    while len(out) < n:
        if k >= limit:
            raise input_error(
                "population",
                f"{len(out)} of {n} accepted after {k} candidates",
                "inclusion criteria that a usable share of candidates meets",
            )
        pid = first_id + k
        cov = sample_covariates(1, get_patient_rng(seed, pid), ps)
        if crit.accepts(cov["weight_kg"], cov["antidepressant"])[0]:
            out.append(pid)
        k += 1
    return np.asarray(out, dtype=np.int64)


def concat_populations(parts: Sequence[Population]) -> Population:
    """One population from several (same seed).

    The random effects keep the first part's key order (a list, never a set: a set's order
    follows the string hashes, which change with ``PYTHONHASHSEED`` from process to process).

    >>> a, b = sample_population(2, 1, first_id=0), sample_population(2, 1, first_id=2)
    >>> list(concat_populations([a, b]).random_effects) == list(a.random_effects)
    True
    """
    if not parts:
        raise input_error("parts", 0, "at least one population")
    keys = list(parts[0].random_effects)
    return Population(
        ids=np.concatenate([p.ids for p in parts]),
        weight_kg=np.concatenate([p.weight_kg for p in parts]),
        hamd_baseline=np.concatenate([p.hamd_baseline for p in parts]),
        antidepressant=np.concatenate([p.antidepressant for p in parts]),
        random_effects={
            k: np.concatenate([np.asarray(p.random_effects[k]) for p in parts]) for k in keys
        },
        seed=parts[0].seed,
        covariates={
            k: np.concatenate([np.asarray(p.covariates[k]) for p in parts])
            for k in parts[0].covariates
        },
    )


def get_default_omega(effects: Sequence[str], params: ParameterSet | None = None) -> np.ndarray:
    """The calibrated (independent) omega of ``effects``: ``diag(sd**2)`` from the tables.

    >>> get_default_omega(["sedation_sensitivity"]).round(2).tolist()
    [[0.36]]
    """
    ps = params or load_parameters()
    for e in effects:
        if e not in IIV_EFFECTS:
            raise input_error("effects", e, f"one of {sorted(IIV_EFFECTS)}")
    return np.diag(
        [
            ps.value(IIV_EFFECTS[e][1]) ** (1 if IIV_EFFECTS[e][1] in _VARIANCE_ROWS else 2)
            for e in effects
        ]
    )


def apply_correlated_iiv(
    pop: Population, effects: Sequence[str], omega: np.ndarray | Sequence[Sequence[float]]
) -> Population:
    """Redraw ``effects`` jointly, ``eta ~ N(0, omega)``, from each patient's stream
    ``[seed, id, 6001]``; log-normal effects become ``exp(eta)``, normal ones ``eta``.

    >>> pop = sample_population(4, 3)
    >>> om = [[0.25, 0.2], [0.2, 0.25]]
    >>> new = apply_correlated_iiv(pop, ["infl_ic50_scale", "sedation_sensitivity"], om)
    >>> bool(np.all(new.random_effects["infl_ic50_scale"] > 0))
    True
    >>> bool(new.weight_kg[0] == pop.weight_kg[0])
    True
    """
    om = np.asarray(omega, dtype=float)
    k = len(effects)
    if om.shape != (k, k):
        raise input_error("omega", om.shape, f"a {k} x {k} matrix")
    for e in effects:
        if e not in IIV_EFFECTS:
            raise input_error("effects", e, f"one of {sorted(IIV_EFFECTS)}")
    w, v = np.linalg.eigh(om)
    if w.min() < -1e-12:
        raise input_error("omega", om.tolist(), "a positive semi-definite matrix")
    # factor via the eigen-decomposition (works for singular omega, e.g. perfect correlation)
    factor = v * np.sqrt(np.clip(w, 0.0, None))
    eta = np.empty((pop.n, k))
    for i, pid in enumerate(pop.ids):
        z = np.random.default_rng([int(pop.seed), int(pid), _IIV_STREAM]).standard_normal(k)
        eta[i] = factor @ z
    re = dict(pop.random_effects)
    for j, e in enumerate(effects):
        re[e] = np.exp(eta[:, j]) if IIV_EFFECTS[e][0] == "lognormal" else eta[:, j].copy()
    return Population(
        pop.ids, pop.weight_kg, pop.hamd_baseline, pop.antidepressant, re, pop.seed, pop.covariates
    )


def sample_patients(
    ids: np.ndarray | Sequence[int],
    seed: int,
    criteria: InclusionCriteria | None = None,
    iiv: tuple[Sequence[str], np.ndarray] | None = None,
    params: ParameterSet | None = None,
    covariate_shares: dict | None = None,
    pk_variability: bool = False,
) -> Population:
    """The patients with these ids (any order, gaps allowed), identical to the same ids drawn by
    :func:`sample_population` (with the same ``covariate_shares`` and ``pk_variability``); then
    the optional correlated IIV ``(effects, omega)``.

    >>> a = sample_patients([7, 3, 4], 2)
    >>> b = sample_population(5, 2, first_id=3)
    >>> a.weight_kg[1:].tolist() == b.weight_kg[:2].tolist(), a.ids.tolist()
    (True, [7, 3, 4])
    """
    crit = criteria or InclusionCriteria()
    ids_arr = np.asarray(ids, dtype=np.int64)
    if ids_arr.ndim != 1 or len(ids_arr) == 0:
        raise input_error("ids", ids, "a non-empty 1-d array of patient ids")
    ps = params or load_parameters()
    order = np.argsort(ids_arr, kind="stable")
    srt = ids_arr[order]
    if np.any(np.diff(srt) == 0):
        raise input_error("ids", "duplicates", "unique patient ids")
    breaks = np.flatnonzero(np.diff(srt) != 1) + 1
    parts = [
        sample_population(
            len(run),
            seed,
            crit.hamd_min,
            crit.hamd_max,
            params=ps,
            first_id=int(run[0]),
            covariate_shares=covariate_shares,
            pk_variability=pk_variability,
        )
        for run in np.split(srt, breaks)
    ]
    pop = concat_populations(parts).take(np.argsort(order, kind="stable"))
    if iiv is not None:
        pop = apply_correlated_iiv(pop, iiv[0], iiv[1])
    if crit.filters_covariates and not crit.accepts(pop.weight_kg, pop.antidepressant).all():
        raise input_error("ids", "some", "ids selected by select_patient_ids for these criteria")
    return pop


def sample_dropout_times(
    ids: np.ndarray | Sequence[int], seed: int, fraction: float, horizon_h: float
) -> np.ndarray:
    """Dropout time of each patient, h (``inf`` = completes the trial).

    Constant hazard such that a share ``fraction`` drops out before ``horizon_h`` (the last
    visit): ``T = horizon · ln(1 - u) / ln(1 - fraction)`` with ``u`` from the patient's stream
    ``[seed, id, 6002]``; visits after ``T`` are missing.

    >>> t = sample_dropout_times(np.arange(2000), 1, 0.2, 720.0)
    >>> bool(0.17 < np.isfinite(t).mean() < 0.23), bool(np.all(t[np.isfinite(t)] > 0))
    (True, True)
    """
    if not (0.0 <= fraction < 1.0):
        raise input_error("dropout", fraction, "a fraction in [0, 1)")
    if not horizon_h > 0:
        raise input_error("horizon_h", horizon_h, "> 0 h")
    ids_arr = np.asarray(ids, dtype=np.int64)
    out = np.full(len(ids_arr), np.inf)
    if fraction == 0.0:
        return out
    for i, pid in enumerate(ids_arr):
        u = np.random.default_rng([int(seed), int(pid), _DROPOUT_STREAM]).random()
        t = horizon_h * np.log1p(-u) / np.log1p(-fraction)
        if t < horizon_h:
            out[i] = max(t, 1e-9)
    return out
