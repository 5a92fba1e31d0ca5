"""How large a study tells the hypotheses apart: power of the correlation test and of model
comparison by the estimation engine, against the number of patients.

A replicate study draws ``n`` patients without replacement from a hypothesis's simulated drug
arm (:func:`brexsim.comparison.compare.simulate_hypothesis_cohort`) and measures each one as a
Balan-like study would: plasma TNF-α before and at 24 h and 60 h with the Balan assay noise
(log-SD ``s`` per measured value, :func:`get_assay_log_sd`, so a log fold carries the shared
baseline error), and the observed HAM-D-17 changes at day 7 and day 30.

* **Correlation** (:func:`get_correlation_power`): the share of replicates in which Pearson's
  test of the measured 24-h TNF-α fall against the day-30 improvement gives p < 0.05 with the
  published sign (a larger fall, a larger improvement).
* **Model comparison** (:func:`get_discrimination_power`): both hypotheses fitted by FOCE-I
  (:func:`brexsim.estimation.fitting.fit_model`) to the replicate's subject-level data as joint
  NLME models of the log TNF-α folds (DVID 1) and HAM-D changes (DVID 2) with a per-subject
  random effect on each. ``gaba`` states them independent (diagonal Ω: the immune random effects
  do not reach the symptoms); ``neuroimmune`` states one shared cause (block Ω: the two random
  effects correlate). The models are nested, so ΔOFV = OFV(gaba) − OFV(neuroimmune) ≥ 0 is a
  likelihood-ratio statistic with one degree of freedom: the data prefer ``neuroimmune`` when
  ΔOFV > 3.84 (χ²₁, α 0.05) and ``gaba`` otherwise. These are reduced-form statistical models of
  the hypotheses' structural difference, not the mechanistic ODE variants (fitting those is the
  joint model of the estimation issue). One compile per design size serves every replicate
  (:func:`brexsim.estimation.focei.rebind_data`).

Seeds: replicate ``k`` of size ``n`` draws from ``default_rng([seed, n, k])``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from brexsim.errors import input_error

__all__ = [
    "CHI2_1DF_95",
    "POOL_FACTOR",
    "get_assay_log_sd",
    "get_correlation_power",
    "get_discrimination_power",
    "make_joint_models",
    "make_replicate_frame",
]

#: The 95th percentile of χ² with one degree of freedom (ΔOFV threshold of the nested test).
CHI2_1DF_95 = float(stats.chi2.ppf(0.95, 1))
#: A replicate of size n draws from a pool of at least this many times n patients.
POOL_FACTOR = 3
_T_OBS = (24.0, 60.0, 168.0, 720.0)  # TNF-α at 24 and 60 h (DVID 1), HAM-D at days 7, 30 (DVID 2)


def get_assay_log_sd(params=None) -> float:  # type: ignore[no-untyped-def]
    """Log-SD of one measured cytokine value: the Balan assay's biological and technical CVs
    (``tlr.assay_cv_biological``, ``tlr.assay_cv_technical``), as the Balan cohorts use it
    (:func:`brexsim.calibration.balan.get_assay_log_sd`).

    >>> round(get_assay_log_sd(), 3) > 0
    True
    """
    from brexsim.calibration.balan import get_assay_log_sd as _balan_log_sd
    from brexsim.mechanism.tlr import get_tlr_parameters
    from brexsim.params import load_parameters

    return _balan_log_sd(get_tlr_parameters(params or load_parameters()))


def _draw(pool: pd.DataFrame, n: int, rng: np.random.Generator, s: float) -> pd.DataFrame:
    d = pool.iloc[rng.choice(len(pool), size=n, replace=False)]
    e0, e24, e60 = (rng.normal(0.0, s, n) for _ in range(3))
    return pd.DataFrame({
        "log_tnf_24": np.log(d["tnf_fold_24"].to_numpy(float)) + e24 - e0,
        "log_tnf_60": np.log(d["tnf_fold_60"].to_numpy(float)) + e60 - e0,
        "hamd_change_d7": d["hamd_change_d7"].to_numpy(float),
        "hamd_change_d30": d["hamd_change_d30"].to_numpy(float),
    })  # fmt: skip


def _pool(cohort: pd.DataFrame, n_max: int) -> pd.DataFrame:
    pool = cohort[(cohort["arm"] == "zulresso") & cohort["solver_ok"].astype(bool)]
    if len(pool) < POOL_FACTOR * n_max:
        raise input_error(
            "cohort", f"{len(pool)} solved drug-arm patients",
            f"at least {POOL_FACTOR} x the largest study size {n_max} (= {POOL_FACTOR * n_max}), "
            "so that replicate studies do not share most of their patients",
        )  # fmt: skip
    return pool.reset_index(drop=True)


def _check_sizes(sizes: Sequence[int], replicates: int) -> list[int]:
    out = [int(n) for n in sizes]
    if not out or min(out) < 4:
        raise input_error("sizes", list(sizes), "study sizes >= 4")
    if isinstance(replicates, bool) or int(replicates) < 1:
        raise input_error("replicates", replicates, "an integer >= 1")
    return out


def get_correlation_power(
    cohort: pd.DataFrame, sizes: Sequence[int] = (11, 30, 100, 300), replicates: int = 200,
    seed: int = 0, assay_log_sd: float | None = None,
) -> pd.DataFrame:  # fmt: skip
    """Power of the correlation test per study size (module doc), with its 95 % Wilson interval.

    Columns: ``n, replicates, power, power_lo, power_hi, median_r, median_p``.
    """
    sizes = _check_sizes(sizes, replicates)
    pool, s = (
        _pool(cohort, max(sizes)),
        assay_log_sd if assay_log_sd is not None else get_assay_log_sd(),
    )
    rows = []
    for n in sizes:
        r_, p_ = np.empty(replicates), np.empty(replicates)
        for k in range(replicates):
            d = _draw(pool, n, np.random.default_rng([seed, n, k]), s)
            r_[k], p_[k] = stats.pearsonr(-d["log_tnf_24"], -d["hamd_change_d30"])
        hit = int(((p_ < 0.05) & (r_ > 0)).sum())
        lo, hi = _wilson(hit, replicates)
        rows.append({"n": n, "replicates": replicates, "power": hit / replicates,
                     "power_lo": lo, "power_hi": hi, "median_r": float(np.median(r_)),
                     "median_p": float(np.median(p_))})  # fmt: skip
    return pd.DataFrame(rows)


def _wilson(k: int, n: int) -> tuple[float, float]:
    """95 % Wilson score interval of k/n (inside [0, 1] by construction)."""
    z, p = 1.959963984540054, k / n
    c = (p + z * z / (2 * n)) / (1 + z * z / n)
    h = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, round(c - h, 12)), min(1.0, round(c + h, 12))


def make_replicate_frame(d: pd.DataFrame) -> pd.DataFrame:
    """A NONMEM-style frame (ID, TIME, AMT, DV, MDV, EVID, DVID) of one replicate study."""
    n = len(d)
    cols = (d["log_tnf_24"], d["log_tnf_60"], d["hamd_change_d7"], d["hamd_change_d30"])
    rows = [
        (i + 1, t, 0.0, float(v.iloc[i]), 0, 0, 1 if j < 2 else 2)
        for i in range(n) for j, (t, v) in enumerate(zip(_T_OBS, cols, strict=True))
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=["ID", "TIME", "AMT", "DV", "MDV", "EVID", "DVID"])


def make_joint_models():  # type: ignore[no-untyped-def]
    """The ``gaba`` (diagonal Ω) and ``neuroimmune`` (block Ω) joint models (module doc).

    >>> g, ni = make_joint_models()
    >>> g.omega_block, ni.omega_block, g.sigma_dvids
    (False, True, (1, 2))
    """
    import jax.numpy as jnp

    from brexsim.estimation.model import NLMEModel, Parameter

    def predict(theta, eta, s):  # type: ignore[no-untyped-def]
        t = s.obs_time
        tnf = jnp.where(t < 40.0, theta["TNF24"], theta["TNF60"]) + eta[0]
        hamd = jnp.where(t < 400.0, theta["HAMD7"], theta["HAMD30"]) + eta[1]
        return jnp.where(s.dvid == 1, tnf, hamd)

    common = {
        "thetas": (
            Parameter("TNF24", -0.3, unit="log fold"),
            Parameter("TNF60", -0.4, unit="log fold"),
            Parameter("HAMD7", -14.0, unit="points"),
            Parameter("HAMD30", -16.0, unit="points"),
        ),
        "etas": ("ETA_TNF", "ETA_HAMD"),
        "sigmas": (Parameter("SIGMA_TNF", 0.1, 0.0), Parameter("SIGMA_HAMD", 9.0, 0.0)),
        "predict": predict, "error": "additive", "sigma_dvids": (1, 2),
    }  # fmt: skip
    gaba = NLMEModel(name="joint_gaba", omega=((0.1, 0.0), (0.0, 40.0)), **common)
    neuro = NLMEModel(name="joint_neuroimmune", omega=((0.1, 0.0), (0.0, 40.0)),
                      omega_block=True, **common)  # fmt: skip
    return gaba, neuro


def get_discrimination_power(
    cohort: pd.DataFrame, sizes: Sequence[int] = (11, 30, 100, 300), replicates: int = 20,
    seed: int = 0, assay_log_sd: float | None = None,
) -> pd.DataFrame:  # fmt: skip
    """Per study size: the share of replicates whose ΔOFV prefers ``neuroimmune`` (module doc).

    Columns: ``n, replicates, prefer_neuroimmune, lo, hi, median_dofv, n_not_converged``.
    A replicate whose fits did not both converge is counted in ``n_not_converged`` and kept
    (its ΔOFV is that of the best OFVs found).
    """
    from brexsim.estimation.data import frame_to_data
    from brexsim.estimation.fitting import fit_model
    from brexsim.estimation.focei import make_evaluator, rebind_data

    sizes = _check_sizes(sizes, replicates)
    pool, s = (
        _pool(cohort, max(sizes)),
        assay_log_sd if assay_log_sd is not None else get_assay_log_sd(),
    )
    models = make_joint_models()
    rows = []
    for n in sizes:
        evs, dofv, bad = None, np.empty(replicates), 0
        for k in range(replicates):
            d = _draw(pool, n, np.random.default_rng([seed, n, k]), s)
            data = frame_to_data(make_replicate_frame(d), where=f"replicate n={n} k={k}")
            if evs is None:
                evs = [make_evaluator(m, data, "focei") for m in models]
            fits = [fit_model(m, data, "focei", evaluator=rebind_data(ev, data))
                    for m, ev in zip(models, evs, strict=True)]  # fmt: skip
            dofv[k] = fits[0].ofv - fits[1].ofv
            bad += int(not (fits[0].converged and fits[1].converged))
        hit = int((dofv > CHI2_1DF_95).sum())
        lo, hi = _wilson(hit, replicates)
        rows.append({"n": n, "replicates": replicates, "prefer_neuroimmune": hit / replicates,
                     "lo": lo, "hi": hi, "median_dofv": float(np.median(dofv)),
                     "n_not_converged": bad})  # fmt: skip
    return pd.DataFrame(rows)
