"""Where the mechanism hypotheses predict differently: one virtual cohort per hypothesis.

:func:`simulate_hypothesis_cohort` runs the full model (PK with IIV, TLR/cytokine, BDNF, HAM-D)
for a zulresso arm and an IV placebo arm under one hypothesis's overlay, and keeps each
patient's Balan-2026-like summary: the early (24 h, 60 h) plasma TNF-α and IL-6 folds and BDNF
changes and the later HAM-D-17 changes (day 7 = 168 h, day 30 = 720 h). The 2026 paper's sample
size, time points and statistics were not public when this was written (docs/hypotheses.md):
these times are the design the issue states, and the 2023 sizes (n = 11) anchor the power curve.

:func:`get_divergent_predictions` then reads, per hypothesis:

* ``r_tnf24_hamd30``: Pearson r of the 24-h TNF-α fall (−log fold) with the day-30 improvement
  (−change), in the drug arm, true values (no assay noise);
* the mean day-30 improvement on drug in the high- and low-inflammation halves (split at the
  cohort's median basal TLR tone, ``infl_basal_tone_scale``) and the drug − placebo difference in
  each half with its 95 % CI (Welch), i.e. what a biomarker-stratified trial would show.

Examples
--------
>>> c = simulate_hypothesis_cohort("gaba", n_per_arm=4, seed=1)  # doctest: +SKIP
>>> sorted(c["arm"].unique())  # doctest: +SKIP
['placebo', 'zulresso']
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from brexsim.errors import input_error

__all__ = [
    "COHORT_TIMES_H",
    "get_divergent_predictions",
    "simulate_hypothesis_cohort",
]

#: Output times of a cohort: baseline, the two early biomarker draws, day 7 and day 30, h.
COHORT_TIMES_H = (0.0, 24.0, 60.0, 168.0, 720.0)
_ARMS = {"zulresso": "zulresso", "placebo": "placebo"}


def simulate_hypothesis_cohort(
    hypothesis: str, n_per_arm: int = 400, seed: int = 0
) -> pd.DataFrame:
    """One row per patient of a zulresso and a placebo arm under ``hypothesis``.

    Patients ``0 .. n-1`` (drug) and ``n .. 2n-1`` (placebo) of ``sample_population(seed)`` with
    PK variability, so the arms share no patient and every hypothesis sees the same draws (common
    random numbers: the hypotheses differ only by their overlay and phenotype coupling).

    Columns: ``hypothesis, arm, patient, infl_basal_tone_scale`` (the multiplier the solve used,
    after the hypothesis's phenotype coupling), ``tnf_fold_24, tnf_fold_60,
    il6_fold_24, il6_fold_60, bdnf_change_sd_24, bdnf_change_sd_60`` (fold of baseline; SD of
    healthy serum BDNF), ``hamd_0`` and ``hamd_change_d7``, ``hamd_change_d30`` (observed
    HAM-D-17, points; negative = improvement), ``solver_ok``.
    """
    from brexsim.dosing import get_preset
    from brexsim.hypotheses.phenotype import apply_phenotype_to_population
    from brexsim.hypotheses.registry import apply_hypothesis, get_hypothesis
    from brexsim.model import simulate
    from brexsim.params import load_parameters
    from brexsim.population.virtual import sample_population

    get_hypothesis(hypothesis)
    if isinstance(n_per_arm, bool) or not isinstance(n_per_arm, int | np.integer) or n_per_arm < 2:
        raise input_error("n_per_arm", n_per_arm, "an integer >= 2")
    ps = apply_hypothesis(load_parameters(), hypothesis)
    t = np.asarray(COHORT_TIMES_H)
    frames = []
    for k, (arm, preset) in enumerate(_ARMS.items()):
        pop = sample_population(
            int(n_per_arm), seed, params=ps, first_id=k * int(n_per_arm), pk_variability=True
        )
        res = simulate(get_preset(preset), pop, times_h=t, seed=seed, params=ps)
        effective = apply_phenotype_to_population(pop, ps).random_effects  # as simulate used them
        tnf, il6 = res.get("tnf_fold"), res.get("il6_fold")
        bd, hc = res.get("bdnf_change_sd"), res.get("hamd_change")
        frames.append(
            pd.DataFrame(
                {
                    "hypothesis": hypothesis,
                    "arm": arm,
                    "patient": pop.ids,
                    "infl_basal_tone_scale": effective["infl_basal_tone_scale"],
                    "tnf_fold_24": tnf[:, 1],
                    "tnf_fold_60": tnf[:, 2],
                    "il6_fold_24": il6[:, 1],
                    "il6_fold_60": il6[:, 2],
                    "bdnf_change_sd_24": bd[:, 1],
                    "bdnf_change_sd_60": bd[:, 2],
                    "hamd_0": res.get("hamd")[:, 0],
                    "hamd_change_d7": hc[:, 3],
                    "hamd_change_d30": hc[:, 4],
                    "solver_ok": np.asarray(res.solver_ok, bool),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def _welch(a: np.ndarray, b: np.ndarray) -> tuple[float, float, float]:
    """Difference of means a − b and its 95 % Welch CI (NaN when an arm has < 2 patients)."""
    if a.size < 2 or b.size < 2:
        return float("nan"), float("nan"), float("nan")
    d = float(a.mean() - b.mean())
    va, vb = a.var(ddof=1) / a.size, b.var(ddof=1) / b.size
    se = float(np.sqrt(va + vb))
    if se == 0.0:
        return d, d, d
    df = (va + vb) ** 2 / (va**2 / (a.size - 1) + vb**2 / (b.size - 1))
    q = float(stats.t.ppf(0.975, df))
    return d, d - q * se, d + q * se


def get_divergent_predictions(cohorts: pd.DataFrame) -> pd.DataFrame:
    """One row per hypothesis of the predictions that tell the hypotheses apart (module doc).

    Improvements are positive points (−change). Rows with a failed solve are left out and
    counted (``n_failed``).

    >>> rng = np.random.default_rng(0)
    >>> n = 40
    >>> c = pd.DataFrame({"hypothesis": "x", "arm": ["zulresso"] * n + ["placebo"] * n,
    ...     "infl_basal_tone_scale": rng.lognormal(size=2 * n),
    ...     "tnf_fold_24": rng.lognormal(-0.3, 0.2, 2 * n),
    ...     "hamd_change_d30": rng.normal(-15, 7, 2 * n),
    ...     "solver_ok": True})
    >>> p = get_divergent_predictions(c)
    >>> bool(abs(p["r_tnf24_hamd30"].iloc[0]) < 0.5), int(p["n_drug"].iloc[0])
    (True, 40)
    """
    rows = []
    for h, c in cohorts.groupby("hypothesis", sort=False):
        ok = c[c["solver_ok"].astype(bool)]
        drug, pbo = ok[ok["arm"] == "zulresso"], ok[ok["arm"] == "placebo"]
        fall = -np.log(drug["tnf_fold_24"].to_numpy(float))
        imp = -drug["hamd_change_d30"].to_numpy(float)
        r = (
            float(stats.pearsonr(fall, imp)[0])
            if fall.size >= 3 and np.ptp(fall) > 0 and np.ptp(imp) > 0
            else float("nan")
        )
        cut = float(np.median(ok["infl_basal_tone_scale"]))
        row = {
            "hypothesis": h,
            "n_drug": len(drug),
            "n_placebo": len(pbo),
            "n_failed": int((~c["solver_ok"].astype(bool)).sum()),
            "r_tnf24_hamd30": r,
        }
        for name, high in (("high", True), ("low", False)):
            in_d = (drug["infl_basal_tone_scale"] > cut) == high
            in_p = (pbo["infl_basal_tone_scale"] > cut) == high
            a = -drug.loc[in_d, "hamd_change_d30"].to_numpy(float)
            b = -pbo.loc[in_p, "hamd_change_d30"].to_numpy(float)
            d, lo, hi = _welch(a, b)
            row[f"improvement_drug_{name}"] = float(a.mean()) if a.size else float("nan")
            row[f"drug_minus_placebo_{name}"] = d
            row[f"drug_minus_placebo_{name}_lo"] = lo
            row[f"drug_minus_placebo_{name}_hi"] = hi
        rows.append(row)
    return pd.DataFrame(rows)
