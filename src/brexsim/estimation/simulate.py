"""Simulate observations from an NLME model (for parameter-recovery checks and examples).

η ~ N(0, Ω), DV = F(η) + ε with Var ε the model's residual variance, on a data set's dose and
sampling design; returns a copy of the data with new DVs.

Examples
--------
>>> from brexsim.estimation.models import load_model
>>> m = load_model("brexanolone_pk")
>>> d = make_infusion_design(n_subjects=2, seed=1)
>>> d2 = simulate_data(m, d, seed=2)
>>> d2.dv.shape == d.dv.shape and bool((d2.dv[d2.obs_mask] != 0).all())
True
"""

from __future__ import annotations

from dataclasses import replace

import jax
import jax.numpy as jnp
import numpy as np
import pandas as pd

from brexsim.estimation.data import EstimationData, frame_to_data
from brexsim.estimation.model import NLMEModel, get_initial_vector, residual_variance, split_natural

__all__ = [
    "make_cytokine_design",
    "make_infusion_design",
    "make_oral_design",
    "simulate_data",
]

#: The approved 60-h brexanolone regimen (µg/kg/h by period, h): Zulresso PI.
_REGIMEN = (
    (0.0, 4.0, 30.0),
    (4.0, 24.0, 60.0),
    (24.0, 52.0, 90.0),
    (52.0, 56.0, 60.0),
    (56.0, 60.0, 30.0),
)
_SAMPLES = (
    1.0,
    4.0,
    8.0,
    12.0,
    24.0,
    36.0,
    48.0,
    52.0,
    56.0,
    60.0,
    61.0,
    62.0,
    64.0,
    68.0,
    72.0,
    84.0,
    96.0,
    120.0,
)


def _infused_subjects(n_subjects: int, seed: int):  # type: ignore[no-untyped-def]
    """``(ID, WT kg, [(TIME h, AMT mg, RATE mg/h), ...])`` of each subject on the approved 60-h
    regimen, WT uniform in 55-95 kg (one draw per subject, in ID order)."""
    rng = np.random.default_rng(seed)
    for i in range(1, n_subjects + 1):
        wt = float(rng.uniform(55.0, 95.0))
        rates = [(t0, t1, ug * wt / 1000.0) for t0, t1, ug in _REGIMEN]
        yield i, wt, [(t0, rate * (t1 - t0), rate) for t0, t1, rate in rates]


def make_infusion_design(n_subjects: int = 30, seed: int = 0) -> EstimationData:
    """A NONMEM design of the 60-h regimen (AMT mg, RATE mg/h), rich sampling to 120 h, WT
    drawn uniformly in 55-95 kg (DV placeholders 1)."""
    rows = []
    for i, wt, doses in _infused_subjects(n_subjects, seed):
        rows += [(i, t0, amt, rate, 1, 0.0, wt) for t0, amt, rate in doses]
        rows += [(i, t, 0.0, 0.0, 0, 1.0, wt) for t in _SAMPLES]
    df = pd.DataFrame(rows, columns=["ID", "TIME", "AMT", "RATE", "EVID", "DV", "WT"])
    df = df.sort_values(["ID", "TIME", "EVID"], ascending=[True, True, False], kind="stable")
    return frame_to_data(df, "simulated design")


#: Rich sampling after a dose of the oral design (h after the dose).
_ORAL_RICH_H = (1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 12.0)
#: Washout samples after the last oral dose (h after it).
_ORAL_WASHOUT_H = (24.0, 48.0, 96.0, 168.0)


def make_oral_design(
    n_subjects: int = 40, mg: float = 50.0, n_doses: int = 14, interval_h: float = 24.0
) -> EstimationData:
    """A NONMEM design of once-daily oral dosing (the Zurzuvae course: 50 mg every 24 h for
    14 days, Zurzuvae PI section 2; ``AMT`` mg, ``RATE`` 0, first dose at ``TIME`` 0): rich
    sampling after the first and the last dose (1-12 h), troughs before doses 3, 6 and 10
    (those within the course) and washout samples 24-168 h after the last dose; DV
    placeholders 1, no covariates.

    >>> d = make_oral_design(2)
    >>> d.n_subjects, d.n_obs, float(d.amt[0].sum())   # 14 x 50 mg each
    (2, 46, 700.0)
    """
    last = (n_doses - 1) * interval_h
    t_obs = [t for t in _ORAL_RICH_H if t < interval_h or n_doses == 1]
    t_obs += [k * interval_h for k in (2, 5, 9) if k < n_doses - 1]
    if n_doses > 1:
        t_obs += [last + t for t in _ORAL_RICH_H if t < interval_h]
    t_obs += [last + t for t in _ORAL_WASHOUT_H]
    rows = []
    for i in range(1, n_subjects + 1):
        rows += [(i, k * interval_h, float(mg), 0.0, 1, 0.0) for k in range(n_doses)]
        rows += [(i, t, 0.0, 0.0, 0, 1.0) for t in sorted(set(t_obs))]
    df = pd.DataFrame(rows, columns=["ID", "TIME", "AMT", "RATE", "EVID", "DV"])
    df = df.sort_values(["ID", "TIME", "EVID"], ascending=[True, True, False], kind="stable")
    return frame_to_data(df, "simulated oral design")


#: Cytokine sampling of the infusion design (h): pre-dose, during and after the 60-h infusion.
CYTOKINE_TIMES_H = (0.0, 12.0, 24.0, 36.0, 48.0, 60.0, 72.0, 96.0, 168.0)


def make_cytokine_design(
    n_subjects: int = 30, seed: int = 0, times_h: tuple[float, ...] = CYTOKINE_TIMES_H
) -> EstimationData:
    """The 60-h regimen of :func:`make_infusion_design` (AMT mg, RATE mg/h, WT uniform 55-95
    kg) with plasma TNF-α (``DVID`` 2) and IL-6 (``DVID`` 3) samples at ``times_h`` (DV
    placeholders 0: ln fold changes, :mod:`brexsim.estimation.models.cytokine`).

    >>> d = make_cytokine_design(2, seed=1)
    >>> d.n_obs, sorted(set(d.dvid[d.obs_mask].tolist()))
    (36, [2, 3])
    """
    rows = []
    for i, wt, doses in _infused_subjects(n_subjects, seed):
        rows += [(i, t0, amt, rate, 1, 0.0, 2, wt) for t0, amt, rate in doses]
        rows += [(i, t, 0.0, 0.0, 0, 0.0, k, wt) for t in times_h for k in (2, 3)]
    df = pd.DataFrame(rows, columns=["ID", "TIME", "AMT", "RATE", "EVID", "DV", "DVID", "WT"])
    df = df.sort_values(["ID", "TIME", "EVID"], ascending=[True, True, False], kind="stable")
    return frame_to_data(df, "simulated cytokine design")


def simulate_data(m: NLMEModel, data: EstimationData, seed: int = 0, x=None) -> EstimationData:  # type: ignore[no-untyped-def]
    """New DVs from ``m`` at its initial values (or the unconstrained vector ``x``)."""
    x = get_initial_vector(m) if x is None else x
    theta, omega, sigma = split_natural(m, jnp.asarray(x))
    rng = np.random.default_rng(seed)
    n, q = data.n_subjects, len(m.etas)
    eta = rng.multivariate_normal(np.zeros(q), np.asarray(omega), size=n)
    subj = data.get_subjects(m.covariates)
    f = np.asarray(jax.vmap(lambda e, s: m.predict(theta, e, s))(jnp.asarray(eta), subj))
    v = np.asarray(residual_variance(m, jnp.asarray(f), sigma, subj.dvid))
    dv = f + np.sqrt(v) * rng.standard_normal(f.shape)
    return replace(data, dv=np.where(data.obs_mask, dv, 0.0), source=f"simulated seed {seed}")


#: Post-baseline HAM-D visits of the recovery design (h): Study 1's hours 12-60, day 7, day 30.
HAMD_VISITS_H = (12.0, 24.0, 36.0, 60.0, 168.0, 696.0)


def make_hamd_design(
    n_subjects: int = 100, seed: int = 0, visits_h: tuple[float, ...] = HAMD_VISITS_H
) -> tuple[pd.DataFrame, dict]:
    """A two-arm inpatient HAM-D study: subjects alternate placebo / zulresso (the approved
    60-h regimen as AMT mg, RATE mg/h records), WT uniform 55-95 kg, BASE drawn by
    :func:`brexsim.clinical.hamd.sample_baseline_hamd` (26-52), HAM-D visits ``visits_h``
    (``DVID`` 4, DV placeholders 0). Returns the NONMEM frame and the true arm of each ID.

    >>> df, arm = make_hamd_design(4, seed=1)
    >>> sorted(set(arm.values())), int((df.EVID == 0).sum())
    (['placebo', 'zulresso'], 24)
    """
    from brexsim.clinical.hamd import sample_baseline_hamd

    rng = np.random.default_rng(seed)
    base = sample_baseline_hamd(n_subjects, rng)
    rows, arm = [], {}
    for i in range(1, n_subjects + 1):
        wt, b = float(rng.uniform(55.0, 95.0)), float(base[i - 1])
        arm[i] = "zulresso" if i % 2 == 0 else "placebo"
        if arm[i] == "zulresso":
            for t0, t1, ug in _REGIMEN:
                rate = ug * wt / 1000.0
                rows.append((i, t0, rate * (t1 - t0), rate, 1, 0.0, 4, b, wt))
        rows += [(i, t, 0.0, 0.0, 0, 0.0, 4, b, wt) for t in visits_h]
    cols = ["ID", "TIME", "AMT", "RATE", "EVID", "DV", "DVID", "BASE", "WT"]
    df = pd.DataFrame(rows, columns=cols)
    df = df.sort_values(["ID", "TIME", "EVID"], ascending=[True, True, False], kind="stable")
    return df.reset_index(drop=True), arm


def simulate_hamd_frame(df: pd.DataFrame, arm: dict, seed: int = 0, params=None) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    """HAM-D scores for the design of :func:`make_hamd_design` by brexsim's own population
    description, not the estimation model: η from
    :func:`brexsim.clinical.hamd.sample_hamd_random_effects`, the expected score from
    :func:`brexsim.clinical.hamd.compute_hamd` on the typical drug inputs of
    :func:`brexsim.calibration.hamd.get_typical_inputs` (hourly, 0-720 h), observations rounded
    and bounded by :func:`brexsim.clinical.hamd.sample_observed_hamd`.
    """
    from brexsim.calibration.hamd import get_typical_inputs
    from brexsim.clinical.hamd import compute_hamd, sample_hamd_random_effects, sample_observed_hamd
    from brexsim.params import load_parameters

    ps = params if params is not None else load_parameters()
    rng = np.random.default_rng(seed)
    ids = sorted(arm)
    base = df.groupby("ID")["BASE"].first().reindex(ids).to_numpy(float)
    eta = sample_hamd_random_effects(len(ids), rng, ps)
    out = df.copy()
    for name in ("placebo", "zulresso"):
        rows = np.array([arm[i] == name for i in ids])
        if not rows.any():
            continue
        x = get_typical_inputs(name, ps)
        e = {k: v[rows] for k, v in eta.items()}
        s = compute_hamd(x.time_h, base[rows], "inpatient", x.tone_index, x.immune, x.bdnf_sd,
                         ps, e)  # fmt: skip
        for k, i in enumerate(np.array(ids)[rows]):
            obs = (out.ID == i) & (out.EVID == 0)
            j = np.searchsorted(x.time_h, out.loc[obs, "TIME"].to_numpy(float))
            y = sample_observed_hamd(s[k : k + 1, j], rng, ps)[0]
            out.loc[obs, "DV"] = y.astype(float)
    return out
