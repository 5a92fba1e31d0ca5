"""The HAM-D-17 layer as an NLME model for ``brexsim fit --model hamd`` (brexsim's own equations).

Structure (:mod:`brexsim.clinical.hamd`, docs/clinical_hamd.md; the ``hamd`` layer of
:data:`brexsim.params.popmodel.POPULATION_MODELS`)::

    F_ij = B_i (1 - P_i(t_j)) (1 - Emax_i R_i(t_j)) ** s(B_i)               clipped to [0, 52]
    P_i(t) = Pmax_i (1 - exp(-(t / TD) ** beta))
    logit Pmax_i = logit THETA(PLACEBO_MAX_IN) + ETA(1)          (eta_placebo)
    logit Emax_i = logit THETA(DRUG_MAX) + ETA(2)                (eta_drug)
    TD = THETA(PLACEBO_TD_IN) (h);  Y = F + EPS(1) on DVID 4 (HAM-D-17 points)

Estimated: θ ``PLACEBO_MAX_IN`` (bounds 0-1, logistic), ``PLACEBO_TD_IN`` (h, > 0),
``DRUG_MAX`` (0-1); Ω ``OMEGA11`` (var eta_placebo), ``OMEGA22`` (var eta_drug) and, when the
hypothesis loads the drug sensitivity on the phenotype (``hamd.phenotype_loading_drug`` ≠ 0,
e.g. ``neuroimmune``), the block's ``OMEGA21`` (initial loading·ω_placebo·ω_drug, the
loading capped at ±0.95 for the start: a block must be positive definite); σ ``SIGMA_HAMD``
(additive, points²). Initial values: the parameter tables under the hypothesis overlay (SD rows
squared). Fixed at their table values: the Weibull shape ``beta``, the severity threshold and
reference of ``s(B)`` (Fournier 2010) and every parameter of the remission state R.

Inputs of the model, per subject:

* ``BASE`` (covariate, points): the observed baseline HAM-D-17 (time-constant; B_i). The
  baseline is a covariate, not an observation (the latent baseline mean is not estimated).
* ``WT`` (covariate, kg): converts the dose records to µg/kg/h.
* The dose records: brexanolone IV infusions (``AMT`` mg, ``RATE`` mg/h > 0, ``TIME`` h from
  the start of treatment at t = 0); a subject without dose records is a placebo subject.
  Every subject is in the inpatient (60-h infusion) setting.
* Observations: HAM-D-17 totals at ``TIME`` > 0 with ``DVID`` 4 (:data:`DVIDS`).

Drug exposure → R: the remission state R(t) is computed, before the fit, for each distinct
dosing pattern (the µg/kg/h profile) with the layer chain that ``brexsim calibrate-hamd``
calibrated HAM-D on (:func:`brexsim.calibration.hamd.get_typical_inputs`): typical 70-kg PK
(:func:`brexsim.pk.simulate_pk`; brexanolone PK scales with weight, so µg/kg/h fixes the
concentration), the GABAergic tone index, the TNF-α fold change
(:func:`brexsim.mechanism.tlr.simulate_inflammation`) and the BDNF change
(:func:`brexsim.mechanism.bdnf.simulate_bdnf`), hourly to max(720 h, last observation), then
:func:`brexsim.clinical.hamd.solve_remission_state`. The prediction finds the subject's pattern
from its dose records (JAX) and interpolates R at the observation times. The exposure is the
typical patient's: individual PK and immune random effects are not inputs (state them as a PK
fit first; a sequential PK-PD model is not built here). A subject whose dose records match no
tabulated pattern (or an IV bolus / oral record) predicts NaN, which stops the fit with an error.

Examples
--------
>>> m = make_hamd_model()
>>> [t.name for t in m.thetas], m.sigma_dvids, m.covariates
(['PLACEBO_MAX_IN', 'PLACEBO_TD_IN', 'DRUG_MAX'], (4,), ('BASE', 'WT'))
>>> round(m.omega[0][0], 4)
1.7834
"""

from __future__ import annotations

import math

import jax.numpy as jnp
import numpy as np

from brexsim.errors import input_error
from brexsim.estimation.data import EstimationData
from brexsim.estimation.model import NLMEModel, Parameter
from brexsim.params import ParameterSet, load_parameters

__all__ = [
    "DVIDS",
    "PRESET_PATTERNS",
    "TABLE_ROWS",
    "get_data_patterns",
    "get_drug_inputs",
    "get_remission_curve",
    "make_hamd_model",
]

#: Observation types (``DVID``) of brexsim's estimation models (the joint numbering).
DVIDS = {"plasma_conc": 1, "log_tnf_fold": 2, "log_il6_fold": 3, "hamd": 4}
#: Dosing patterns tabulated when no data are given (``load_model("hamd")``).
PRESET_PATTERNS = ("placebo", "zulresso", "study1-brx60")
#: Estimate name → (parameter-table row, scale of the row) for ``fitted_parameters.toml``.
TABLE_ROWS = {
    "PLACEBO_MAX_IN": ("hamd.placebo_max_inpatient", "value"),
    "PLACEBO_TD_IN": ("hamd.placebo_td_inpatient_h", "value"),
    "DRUG_MAX": ("hamd.max_drug_effect", "value"),
    "OMEGA11": ("hamd.omega_placebo", "sd"),
    "OMEGA22": ("hamd.omega_drug", "sd"),
    "SIGMA_HAMD": ("hamd.residual_sd", "sd"),
}
_HORIZON_H = 720.0
_MAX_START_CORR = 0.95
_STEP_H = 0.25  # grid of the dose-rate profile used to recognise a pattern


def get_drug_inputs(segments: tuple, horizon_h: float, params: ParameterSet) -> dict:
    """HAM-D drug inputs of a typical 70-kg patient, hourly on 0..``horizon_h``, for the
    brexanolone infusion ``segments`` ((start h, end h, µg/kg/h), ...; empty = placebo):
    ``{"time_h", "tone_index", "immune", "bdnf_sd"}`` (the layer chain of
    :func:`brexsim.calibration.hamd.get_typical_inputs`, for any infusion pattern).

    >>> x = get_drug_inputs(((0.0, 60.0, 60.0),), 96.0, load_parameters())
    >>> float(x["immune"][0]), bool(x["immune"][60] < 1.0)
    (1.0, True)
    """
    from brexsim.dosing import get_preset
    from brexsim.dosing.regimen import IVSegment, Regimen
    from brexsim.mechanism.bdnf import simulate_bdnf
    from brexsim.mechanism.gabaa import get_tone_index
    from brexsim.mechanism.tlr import simulate_inflammation
    from brexsim.pk import simulate_pk

    if segments:
        segs = tuple(IVSegment(*s) for s in segments)
        reg = Regimen("brexanolone", segments=segs, setting="inpatient", allow_above_studied=True)
    else:
        reg = get_preset("placebo")
    t = np.arange(0.0, horizon_h + 0.5, 1.0)
    pk = simulate_pk(reg, 70.0, t, params)
    tone = get_tone_index(pk.drug_biophase_free_nM, pk.endogenous_biophase_free_nM,
                          drug="brexanolone", params=params)  # fmt: skip
    tone = np.clip(tone, 0.0, 1.0)
    if reg.is_placebo:
        tnf, bdnf = np.ones_like(t), np.zeros_like(t)
    else:
        tnf = simulate_inflammation(t, pk.plasma_drug_ng_per_ml, params, "brexanolone")
        tnf = np.asarray(tnf.get_fold_change("tnf"))
        bdnf = simulate_bdnf(t, gaba_tone=tone, inflammation_index=tnf, params=params)
        bdnf = np.asarray(bdnf.get_change_sd())
    return {"time_h": t, "tone_index": tone, "immune": tnf, "bdnf_sd": bdnf}


def get_remission_curve(segments: tuple, horizon_h: float, params: ParameterSet) -> np.ndarray:
    """Typical remission state R (hourly, 0..``horizon_h``) of brexanolone infusion
    ``segments`` (see :func:`get_drug_inputs` and the module docstring).

    >>> r = get_remission_curve(((0.0, 60.0, 60.0),), 96.0, load_parameters())
    >>> r.shape, bool(r[0] == 0.0 and 0.3 < r[60] < 1.0)
    ((97,), True)
    """
    from brexsim.clinical.hamd import get_hamd_params, solve_remission_state

    x = get_drug_inputs(segments, horizon_h, params)
    row = (1, x["time_h"].size)
    r = solve_remission_state(x["time_h"], x["tone_index"].reshape(row),
                              x["immune"].reshape(row), x["bdnf_sd"].reshape(row),
                              get_hamd_params(params))  # fmt: skip
    return np.asarray(r)[0]


def get_data_patterns(data: EstimationData) -> list[tuple]:
    """The distinct infusion patterns ((start h, end h, µg/kg/h), ...) of ``data``'s subjects
    (needs ``WT``); an IV bolus (``RATE`` 0) is one clear error."""
    if "WT" not in data.covariates:
        raise input_error("columns", sorted(data.covariates), "a WT column (kg) for --model hamd")
    pats: list[tuple] = []
    for i in range(data.n_subjects):
        dose = data.amt[i] > 0
        if (data.rate[i][dose] <= 0).any():
            raise input_error("RATE", 0, "> 0 on every dose record (brexanolone IV infusions)",
                              f"ID {data.ids[i]:g}")  # fmt: skip
        wt = float(data.covariates["WT"][i])
        if not wt > 0:
            raise input_error("WT", wt, "a weight > 0 kg", f"ID {data.ids[i]:g}")
        segs = []
        for t0, a, r in zip(data.dose_time[i][dose], data.amt[i][dose], data.rate[i][dose],
                            strict=True):  # fmt: skip
            segs.append((round(float(t0), 6), round(float(t0 + a / r), 6),
                         round(float(r * 1000.0 / wt), 6)))  # fmt: skip
        key = tuple(sorted(segs))
        if key not in pats:
            pats.append(key)
    return pats


def _profile(segments: tuple, grid: np.ndarray) -> np.ndarray:
    prof = np.zeros_like(grid)
    for t0, t1, rate in segments:
        prof += np.where((grid >= t0) & (grid < t1), rate, 0.0)
    return prof


def make_hamd_model(
    data: EstimationData | None = None, params: ParameterSet | None = None
) -> NLMEModel:
    """The HAM-D NLME model (module docstring) with R tabulated for ``data``'s dosing patterns
    (default: the presets :data:`PRESET_PATTERNS`), initial values from ``params`` (default:
    the packaged tables; pass ``apply_hypothesis(...)`` for a hypothesis)."""
    from brexsim.dosing import get_preset

    ps = params if params is not None else load_parameters()
    if data is None:
        pats = [tuple((s.start_h, s.end_h, s.rate_ug_per_kg_h) for s in get_preset(n).segments
                      if s.rate_ug_per_kg_h > 0) for n in PRESET_PATTERNS]  # fmt: skip
        horizon = _HORIZON_H
    else:
        pats = get_data_patterns(data)
        horizon = max(_HORIZON_H, math.ceil(float(data.obs_time[data.obs_mask].max())))
    hours = np.arange(0.0, horizon + 0.5, 1.0)
    curves = np.stack([get_remission_curve(p, horizon, ps) for p in pats])
    end = max([s[1] for p in pats for s in p], default=0.0) + 1.0
    grid = np.arange(_STEP_H / 2, end, _STEP_H)
    table = np.stack([_profile(p, grid) for p in pats])
    tol = 1e-3 * max(1.0, float(table.max()))
    hp = _hamd_params(ps)
    g_j, tab_j, cur_j, hrs_j = map(jnp.asarray, (grid, table, curves, hours))

    def predict(theta, eta, s):  # type: ignore[no-untyped-def]
        from brexsim.clinical.hamd import compute_expected_score, compute_placebo_fraction

        dose = s.amt > 0
        inf = dose & (s.rate > 0)
        dur = jnp.where(inf, s.amt / jnp.where(inf, s.rate, 1.0), 0.0)
        on = (g_j[:, None] >= s.dose_time) & (g_j[:, None] < s.dose_time + dur) & inf
        prof = jnp.sum(jnp.where(on, s.rate * 1000.0 / s.cov["WT"], 0.0), axis=1)
        dist = jnp.max(jnp.abs(prof[None, :] - tab_j), axis=1)
        k = jnp.argmin(dist)
        ok = (dist[k] <= tol) & ~jnp.any(dose & ~inf)
        r = jnp.interp(s.obs_time, hrs_j, cur_j[k])
        p = hp._replace(placebo_max_inpatient=theta["PLACEBO_MAX_IN"],
                        placebo_td_inpatient_h=theta["PLACEBO_TD_IN"],
                        max_drug_effect=theta["DRUG_MAX"])  # fmt: skip
        pf = compute_placebo_fraction(s.obs_time, jnp.array([True]), p, eta[0:1])
        f = compute_expected_score(pf, r[None, :], s.cov["BASE"][None], p, eta[1:2])[0]
        return jnp.where(ok, f, jnp.nan)

    w = ps.value("hamd.omega_placebo"), ps.value("hamd.omega_drug")
    load = float(ps.get_layer("hamd").get("phenotype_loading_drug", 0.0))
    # a block Ω must be positive definite: a loading of ±1 (neuroimmune) starts at ±0.95
    cov = float(np.clip(load, -_MAX_START_CORR, _MAX_START_CORR)) * w[0] * w[1]
    block = load != 0.0
    return NLMEModel(
        name="hamd",
        thetas=(
            Parameter("PLACEBO_MAX_IN", ps.value("hamd.placebo_max_inpatient"), 0.0, 1.0, unit="1"),
            Parameter("PLACEBO_TD_IN", ps.value("hamd.placebo_td_inpatient_h"), 0.0, unit="h"),
            Parameter("DRUG_MAX", ps.value("hamd.max_drug_effect"), 0.0, 1.0, unit="1"),
        ),
        etas=("ETA_PLACEBO", "ETA_DRUG"),
        omega=((w[0] ** 2, cov), (cov, w[1] ** 2)),
        omega_block=block,
        omega_names=("OMEGA11", "OMEGA21", "OMEGA22") if block else ("OMEGA11", "OMEGA22"),
        sigmas=(Parameter("SIGMA_HAMD", ps.value("hamd.residual_sd") ** 2, 0.0, unit="points^2"),),
        predict=predict,
        error="additive",
        sigma_dvids=(DVIDS["hamd"],),
        covariates=("BASE", "WT"),
        description=f"HAM-D-17 layer (brexsim.clinical.hamd), {len(pats)} dosing pattern(s)",
    )


def _hamd_params(ps: ParameterSet):  # type: ignore[no-untyped-def]
    from brexsim.clinical.hamd import get_hamd_params

    # the η are the model's own (a block Ω carries any phenotype loading), so no mixing here
    return get_hamd_params(ps)._replace(phenotype_loading_drug=0.0)
