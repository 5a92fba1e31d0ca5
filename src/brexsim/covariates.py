"""Patient covariates: body weight and co-medication of a Study 1-like population, special
populations from the labels, and individual PK parameters (η, Ω).

This module draws from the parameter tables only (it imports nothing above :mod:`brexsim.params`),
so that every layer may use it: the PK label checks, the sedation layer's virtual cohorts and
:func:`brexsim.population.sample_population`, which adds each layer's random effects on top.

Covariates (each patient one level; arrays over patients, missing = the reference level):

==============  ==============================================================  ==============
covariate       levels (reference first)                                        acts on
==============  ==============================================================  ==============
``cyp3a4``      none, moderate_inhibitor, strong_inhibitor, strong_inducer      zuranolone CL/F
``hepatic``     normal, mild, moderate, severe (Child-Pugh A / B / C)           both drugs
``renal``       normal, mild, moderate, severe, esrd (eGFR ≥90 / 60-89 /        zuranolone CL/F
                30-59 / 15-29 / <15)                                            (brexanolone:
                                                                                excipient only)
``alcohol``     False, True                                                     sedation gain
==============  ==============================================================  ==============

The effect sizes, Ω and the covariate relations are those of :mod:`brexsim.params.popmodel`
(values in the tables). A patient's covariates are drawn from her own stream
``[seed, id, 6004]`` and her PK η from ``[seed, id, 6003]``, so adding them leaves every
other draw (weights, HAM-D, sedation, inflammation) unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from brexsim.errors import input_error
from brexsim.params import ParameterSet, load_parameters
from brexsim.params.popmodel import get_omega, get_population_model

__all__ = [
    "COVARIATE_LEVELS",
    "PK_ETAS",
    "check_covariate_shares",
    "check_covariates",
    "get_label_advice",
    "get_pk_scales",
    "sample_covariates",
    "sample_pk_etas",
    "sample_special_covariates",
]

#: Levels of each special-population covariate, the reference level first.
COVARIATE_LEVELS: dict[str, tuple[str, ...]] = {
    "cyp3a4": ("none", "moderate_inhibitor", "strong_inhibitor", "strong_inducer"),
    "hepatic": ("normal", "mild", "moderate", "severe"),
    "renal": ("normal", "mild", "moderate", "severe", "esrd"),
    "alcohol": ("false", "true"),
}
#: PK random effects per drug (the η of the layer's population description).
PK_ETAS: dict[str, tuple[str, ...]] = {
    "brexanolone": tuple(e.name for e in get_population_model("brexanolone_pk").etas),
    "zuranolone": tuple(e.name for e in get_population_model("zuranolone_pk").etas),
}
_PK_STREAM = 6003
_COV_STREAM = 6004


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


def check_covariate_shares(shares: Mapping[str, Mapping[str, float]]) -> dict:
    """Validate ``{covariate: {level: share}}`` (shares in [0, 1], summing to <= 1; the rest
    is the reference level) and return it as plain dicts.

    >>> check_covariate_shares({"hepatic": {"severe": 0.1}})
    {'hepatic': {'severe': 0.1}}
    >>> check_covariate_shares({"hepatic": {"class_d": 0.1}})
    Traceback (most recent call last):
    ...
    brexsim.errors.BrexsimInputError: invalid population.covariates.hepatic='class_d': one of ...
    """
    out: dict[str, dict[str, float]] = {}
    for cov, levels in dict(shares).items():
        if cov not in COVARIATE_LEVELS:
            raise input_error("population.covariates", cov, f"one of {sorted(COVARIATE_LEVELS)}")
        if not isinstance(levels, Mapping):
            raise input_error(f"population.covariates.{cov}", levels, "a table {level = share}")
        allowed = COVARIATE_LEVELS[cov][1:]
        total = 0.0
        for lv, sh in levels.items():
            if lv not in allowed:
                raise input_error(f"population.covariates.{cov}", lv, f"one of {list(allowed)}")
            ok = isinstance(sh, int | float) and not isinstance(sh, bool)
            if not ok or not np.isfinite(sh) or not 0.0 <= sh <= 1.0:
                raise input_error(f"population.covariates.{cov}.{lv}", sh, "a share in [0, 1]")
            total += float(sh)
        if total > 1.0 + 1e-12:
            raise input_error(f"population.covariates.{cov}", total, "shares summing to <= 1")
        out[cov] = {str(k): float(v) for k, v in levels.items()}
    return out


def check_covariates(covariates: Mapping[str, np.ndarray], n: int) -> dict[str, np.ndarray]:
    """Validate per-patient covariate arrays (names, levels, length ``n``); fill the missing
    ones with the reference level.

    >>> check_covariates({"renal": np.array(["esrd"])}, 1)["hepatic"].tolist()
    ['normal']
    """
    out: dict[str, np.ndarray] = {}
    for cov, v in dict(covariates).items():
        if cov not in COVARIATE_LEVELS:
            raise input_error("covariates", cov, f"one of {sorted(COVARIATE_LEVELS)}")
        arr = np.asarray(v).astype(str)
        if arr.shape != (n,):
            raise input_error(f"covariates.{cov}", arr.shape, f"one value per patient ({n},)")
        arr = np.char.lower(arr)
        bad = ~np.isin(arr, COVARIATE_LEVELS[cov])
        if bad.any():
            raise input_error(f"covariates.{cov}", arr[bad][0], f"one of {COVARIATE_LEVELS[cov]}")
        out[cov] = arr
    for cov, levels in COVARIATE_LEVELS.items():
        out.setdefault(cov, np.full(n, levels[0]))
    return out


def sample_special_covariates(
    ids: np.ndarray, seed: int, shares: Mapping[str, Mapping[str, float]] | None
) -> dict[str, np.ndarray]:
    """Each patient's special-population levels, drawn from ``[seed, id, 6004]`` (one uniform
    per covariate, in the order of :data:`COVARIATE_LEVELS`).

    >>> c = sample_special_covariates(np.arange(2000), 1, {"cyp3a4": {"strong_inhibitor": 0.25}})
    >>> bool(0.22 < (c["cyp3a4"] == "strong_inhibitor").mean() < 0.28)
    True
    """
    sh = check_covariate_shares(shares or {})
    ids = np.asarray(ids, dtype=np.int64)
    out = {cov: np.full(len(ids), lv[0], dtype="<U20") for cov, lv in COVARIATE_LEVELS.items()}
    if not any(any(v > 0 for v in d.values()) for d in sh.values()):
        return out
    u = np.empty((len(ids), len(COVARIATE_LEVELS)))
    for i, pid in enumerate(ids):
        u[i] = np.random.default_rng([int(seed), int(pid), _COV_STREAM]).random(u.shape[1])
    for j, (cov, levels) in enumerate(COVARIATE_LEVELS.items()):
        edges = np.cumsum([sh.get(cov, {}).get(lv, 0.0) for lv in levels[1:]])
        k = np.searchsorted(edges, u[:, j], side="right")  # k = len(edges): reference
        out[cov] = np.where(k < len(edges), np.asarray((*levels[1:], ""))[k], levels[0])
    return out


def sample_pk_etas(
    ids: np.ndarray, seed: int, params: ParameterSet | None = None
) -> dict[str, np.ndarray]:
    """PK η of both drugs, ``η ~ N(0, Ω)`` per layer, from each patient's ``[seed, id, 6003]``.

    >>> e = sample_pk_etas(np.arange(4000), 3)
    >>> round(float(np.var(e["eta_pk_cl"])), 2)
    0.04
    """
    ps = params or load_parameters()
    blocks = []
    for layer in ("brexanolone_pk", "zuranolone_pk"):
        pm = get_population_model(layer)
        w, v = np.linalg.eigh(get_omega(pm, ps))
        blocks.append(([e.name for e in pm.etas], v * np.sqrt(np.clip(w, 0.0, None))))
    k = sum(len(b[0]) for b in blocks)
    ids = np.asarray(ids, dtype=np.int64)
    z = np.empty((len(ids), k))
    for i, pid in enumerate(ids):
        z[i] = np.random.default_rng([int(seed), int(pid), _PK_STREAM]).standard_normal(k)
    out: dict[str, np.ndarray] = {}
    lo = 0
    for names, factor in blocks:
        eta = z[:, lo : lo + len(names)] @ factor.T
        lo += len(names)
        out.update({nm: eta[:, j].copy() for j, nm in enumerate(names)})
    return out


def get_pk_scales(
    drug: str,
    n: int,
    random_effects: Mapping[str, np.ndarray] | None = None,
    covariates: Mapping[str, np.ndarray] | None = None,
    params: ParameterSet | None = None,
) -> dict[str, np.ndarray]:
    """Multipliers of the typical PK parameters per patient, ``exp(η) × covariate effects``.

    Brexanolone keys ``cl, v1, q, v2, fu``; zuranolone ``cl, v2, v3, q, ktr`` (apparent, /F).
    Missing η are 0 (the typical patient), missing covariates the reference level.

    >>> s = get_pk_scales("zuranolone", 2, covariates={"cyp3a4": np.array(["none",
    ...     "strong_inhibitor"])})
    >>> [round(float(x), 4) for x in s["cl"]]
    [1.0, 0.6173]
    """
    ps = params or load_parameters()
    re = random_effects or {}
    cov = check_covariates(covariates or {}, n)
    if drug not in PK_ETAS:
        raise input_error("drug", drug, f"one of {sorted(PK_ETAS)}")

    def eta(name: str) -> np.ndarray:
        v = re.get(name)
        return np.zeros(n) if v is None else np.asarray(v, dtype=float)

    def factor(covariate: str, levels: tuple[str, ...], value: float) -> np.ndarray:
        return np.where(np.isin(cov[covariate], levels), value, 1.0)

    if drug == "brexanolone":
        hep = ("moderate", "severe")
        p = ps.get_layer("brexanolone_pk")
        return {
            "cl": np.exp(eta("eta_pk_cl")) * factor("hepatic", hep, p["hepatic_cl_factor"]),
            "v1": np.exp(eta("eta_pk_v1")),
            "q": np.exp(eta("eta_pk_q")),
            "v2": np.exp(eta("eta_pk_v2")),
            "fu": factor("hepatic", hep, p["hepatic_fu_factor"]),
        }
    p = ps.get_layer("zuranolone_pk")
    cl = np.exp(eta("eta_pk_cl_f"))
    cl = cl / factor("cyp3a4", ("strong_inhibitor",), p["cyp3a4_strong_inhibitor_auc_ratio"])
    cl = cl / factor("cyp3a4", ("strong_inducer",), p["cyp3a4_strong_inducer_auc_ratio"])
    cl = cl / factor("hepatic", ("severe",), p["hepatic_severe_auc_ratio"])
    cl = cl / factor("renal", ("moderate", "severe", "esrd"), p["renal_impaired_auc_ratio"])
    v = np.exp(eta("eta_pk_v_f"))
    # the volumes and Q scale together (an allometric-like block), so the disposition
    # half-lives follow CL/F and V/F
    return {"cl": cl, "v2": v, "v3": v, "q": v, "ktr": np.exp(eta("eta_pk_ktr"))}


#: The labels' advice per drug and covariate level (label section in brackets).
_ADVICE: dict[tuple[str, str, str], str] = {
    ("zuranolone", "cyp3a4", "strong_inhibitor"): "reduce to 30 mg (Zurzuvae PI 2.4)",
    ("zuranolone", "cyp3a4", "strong_inducer"): "avoid: CYP3A4 inducers (Zurzuvae PI 2.4, 7)",
    ("zuranolone", "hepatic", "severe"): "reduce to 30 mg: Child-Pugh C (Zurzuvae PI 2.5)",
    ("zuranolone", "renal", "moderate"): "reduce to 30 mg: eGFR < 60 (Zurzuvae PI 2.6)",
    ("zuranolone", "renal", "severe"): "reduce to 30 mg: eGFR < 60 (Zurzuvae PI 2.6)",
    ("zuranolone", "renal", "esrd"): "reduce to 30 mg: eGFR < 60 (Zurzuvae PI 2.6; ESRD "
    "not studied)",
    ("zuranolone", "alcohol", "true"): "CNS depressant: consider 40 mg (Zurzuvae PI 2.3, 5.2)",
    ("brexanolone", "hepatic", "moderate"): "no dose change (Zulresso PI 8.6)",
    ("brexanolone", "hepatic", "severe"): "no dose change (Zulresso PI 8.6)",
    ("brexanolone", "renal", "esrd"): "avoid: SBECD excipient accumulates (Zulresso PI 8.7)",
    ("brexanolone", "alcohol", "true"): "alcohol raises sedation risk (Zulresso PI 5.1)",
}


def get_label_advice(drug: str, covariates: Mapping[str, np.ndarray], n: int) -> list[str]:
    """The labels' dose advice that applies to each patient ("" where none).

    >>> get_label_advice("brexanolone", {"renal": np.array(["esrd", "normal"])}, 2)[0]
    'avoid: SBECD excipient accumulates (Zulresso PI 8.7)'
    """
    cov = check_covariates(covariates, n)
    out = []
    for i in range(n):
        msgs = [msg for (d, c, lv), msg in _ADVICE.items() if d == drug and cov[c][i] == lv]
        out.append("; ".join(msgs))
    return out
