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
* ``WT`` (covariate, kg; brexanolone only): converts the dose records to µg/kg/h.
* The dose records, one drug per file (:func:`get_data_drug`): brexanolone IV infusions
  (``AMT`` mg, ``RATE`` mg/h > 0, ``TIME`` h from the start of treatment at t = 0; inpatient
  setting, θ ``PLACEBO_MAX_IN``, ``PLACEBO_TD_IN``) or oral zuranolone doses (``AMT`` mg,
  ``RATE`` 0, taken with food as the label directs; outpatient setting, θ ``PLACEBO_MAX_OUT``,
  ``PLACEBO_TD_OUT``). A subject without dose records is a placebo subject of that setting; a
  file with no dose records at all is fitted in the inpatient setting.
* Observations: HAM-D-17 totals at ``TIME`` > 0 with ``DVID`` 4 (:data:`DVIDS`).

Drug exposure → R: the remission state R(t) is computed, before the fit, for each distinct
dosing pattern (the µg/kg/h profile) with the layer chain that ``brexsim calibrate-hamd``
calibrated HAM-D on (:func:`brexsim.calibration.hamd.get_regimen_inputs`): typical 70-kg PK
(:func:`brexsim.pk.simulate_pk`; brexanolone PK scales with weight, so µg/kg/h fixes the
concentration), the GABAergic tone index (zuranolone's free biophase concentration times
``hamd.zuranolone_exposure_scale``, as calibrated), the TNF-α fold change
(:func:`brexsim.mechanism.tlr.simulate_inflammation`) and the BDNF change
(:func:`brexsim.mechanism.bdnf.simulate_bdnf`), hourly to max(720 h, last observation), then
:func:`brexsim.clinical.hamd.solve_remission_state`. The prediction finds the subject's pattern
from its dose records (JAX) and interpolates R at the observation times. The exposure is the
typical patient's: individual PK and immune random effects are not inputs (state them as a PK
fit first; a sequential PK-PD model is not built here). A subject whose dose records match no
tabulated pattern (or a dose record of the other drug) predicts NaN, which stops the fit with an
error.

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
    "DRUG_SETTINGS",
    "DVIDS",
    "PRESET_PATTERNS",
    "TABLE_ROWS",
    "get_data_drug",
    "get_data_patterns",
    "get_drug_inputs",
    "get_remission_curve",
    "make_hamd_model",
]

#: Observation types (``DVID``) of brexsim's estimation models (the joint numbering).
DVIDS = {"plasma_conc": 1, "log_tnf_fold": 2, "log_il6_fold": 3, "hamd": 4}
#: The care setting of each drug's fits (it selects the placebo course's θ).
DRUG_SETTINGS = {"brexanolone": "inpatient", "zuranolone": "outpatient"}
#: Dosing patterns tabulated when no data are given (``load_model("hamd")``).
PRESET_PATTERNS = ("placebo", "zulresso", "study1-brx60")
#: Estimate name → (parameter-table row, scale of the row) for ``fitted_parameters.toml``.
#: A zuranolone (outpatient) fit estimates the ``_OUT`` rows instead of the ``_IN`` rows.
TABLE_ROWS = {
    "PLACEBO_MAX_IN": ("hamd.placebo_max_inpatient", "value"),
    "PLACEBO_TD_IN": ("hamd.placebo_td_inpatient_h", "value"),
    "PLACEBO_MAX_OUT": ("hamd.placebo_max_outpatient", "value"),
    "PLACEBO_TD_OUT": ("hamd.placebo_td_outpatient_h", "value"),
    "DRUG_MAX": ("hamd.max_drug_effect", "value"),
    "OMEGA11": ("hamd.omega_placebo", "sd"),
    "OMEGA22": ("hamd.omega_drug", "sd"),
    "SIGMA_HAMD": ("hamd.residual_sd", "sd"),
}
_HORIZON_H = 720.0
_MAX_START_CORR = 0.95
_STEP_H = 0.25  # grid of the dose-rate profile used to recognise a pattern


def _pattern_regimen(segments: tuple, drug: str):  # type: ignore[no-untyped-def]
    """The regimen of a dosing pattern: brexanolone ``((start h, end h, µg/kg/h), ...)``
    (inpatient) or zuranolone ``((time h, mg), ...)`` (outpatient, with food); empty = the
    drug's placebo."""
    from brexsim.dosing import get_preset
    from brexsim.dosing.regimen import IVSegment, OralDose, Regimen

    if not segments:
        return get_preset("placebo" if drug == "brexanolone" else "placebo-oral")
    if drug == "brexanolone":
        segs = tuple(IVSegment(*x) for x in segments)
        return Regimen(drug, segments=segs, setting="inpatient", allow_above_studied=True)
    doses = tuple(OralDose(t, mg, True) for t, mg in segments)
    return Regimen(drug, oral_doses=doses, setting="outpatient", allow_above_studied=True)


def get_drug_inputs(
    segments: tuple, horizon_h: float, params: ParameterSet, drug: str = "brexanolone"
) -> dict:
    """HAM-D drug inputs of a typical 70-kg patient, hourly on 0..``horizon_h``, for a dosing
    pattern: brexanolone infusion ``segments`` ((start h, end h, µg/kg/h), ...) or zuranolone
    doses ((time h, mg), ...); empty = placebo. ``{"time_h", "tone_index", "immune",
    "bdnf_sd"}``: the layer chain HAM-D was calibrated on
    (:func:`brexsim.calibration.hamd.get_regimen_inputs`).

    >>> x = get_drug_inputs(((0.0, 60.0, 60.0),), 96.0, load_parameters())
    >>> float(x["immune"][0]), bool(x["immune"][60] < 1.0)
    (1.0, True)
    >>> z = get_drug_inputs(((0.0, 30.0), (24.0, 30.0)), 96.0, load_parameters(), "zuranolone")
    >>> bool(z["tone_index"][4] > 0.0)
    True
    """
    from brexsim.calibration.hamd import get_regimen_inputs

    if drug not in DRUG_SETTINGS:
        raise input_error("drug", drug, f"one of {list(DRUG_SETTINGS)}")
    x = get_regimen_inputs(_pattern_regimen(segments, drug), params, horizon_h=horizon_h)
    return {"time_h": x.time_h, "tone_index": x.tone_index, "immune": np.asarray(x.immune),
            "bdnf_sd": np.asarray(x.bdnf_sd)}  # fmt: skip


def get_remission_curve(
    segments: tuple, horizon_h: float, params: ParameterSet, drug: str = "brexanolone"
) -> np.ndarray:
    """Typical remission state R (hourly, 0..``horizon_h``) of a dosing pattern of ``drug``
    (see :func:`get_drug_inputs` and the module docstring).

    >>> r = get_remission_curve(((0.0, 60.0, 60.0),), 96.0, load_parameters())
    >>> r.shape, bool(r[0] == 0.0 and 0.3 < r[60] < 1.0)
    ((97,), True)
    """
    from brexsim.clinical.hamd import get_hamd_params, solve_remission_state

    x = get_drug_inputs(segments, horizon_h, params, drug)
    row = (1, x["time_h"].size)
    r = solve_remission_state(x["time_h"], x["tone_index"].reshape(row),
                              x["immune"].reshape(row), x["bdnf_sd"].reshape(row),
                              get_hamd_params(params))  # fmt: skip
    return np.asarray(r)[0]


def get_data_drug(data: EstimationData) -> str:
    """The drug of ``data``'s dose records: ``"brexanolone"`` (IV infusions, ``RATE`` > 0) or
    ``"zuranolone"`` (oral doses, ``RATE`` 0); no dose records at all: brexanolone (placebo
    subjects in the inpatient setting). Both kinds in one file is one clear error (the care
    setting, which sets the placebo course, must be one per fit)."""
    dose = data.amt > 0
    iv, oral = bool((dose & (data.rate > 0)).any()), bool((dose & (data.rate <= 0)).any())
    if iv and oral:
        raise input_error("RATE", "both > 0 and 0", "one drug per file: brexanolone infusions "
                          "(RATE > 0) or oral zuranolone doses (RATE 0)")  # fmt: skip
    return "zuranolone" if oral else "brexanolone"


def get_data_patterns(data: EstimationData) -> list[tuple]:
    """The distinct dosing patterns of ``data``'s subjects: brexanolone infusions
    ((start h, end h, µg/kg/h), ...; needs ``WT``) or zuranolone doses ((time h, mg), ...)."""
    drug = get_data_drug(data)
    if drug == "brexanolone" and "WT" not in data.covariates:
        raise input_error("columns", sorted(data.covariates), "a WT column (kg) for --model hamd")
    pats: list[tuple] = []
    for i in range(data.n_subjects):
        dose = data.amt[i] > 0
        times, amts, rates = data.dose_time[i][dose], data.amt[i][dose], data.rate[i][dose]
        if drug == "zuranolone":
            key = tuple(sorted((round(float(t0), 6), round(float(a), 6))
                               for t0, a in zip(times, amts, strict=True)))  # fmt: skip
        else:
            wt = float(data.covariates["WT"][i])
            if not wt > 0:
                raise input_error("WT", wt, "a weight > 0 kg", f"ID {data.ids[i]:g}")
            key = tuple(sorted((round(float(t0), 6), round(float(t0 + a / r), 6),
                                round(float(r * 1000.0 / wt), 6))
                               for t0, a, r in zip(times, amts, rates, strict=True)))  # fmt: skip
        if key not in pats:
            pats.append(key)
    return pats


def _profile(segments: tuple, grid: np.ndarray, drug: str) -> np.ndarray:
    """µg/kg/h at each grid point (brexanolone) or mg per grid interval (zuranolone)."""
    prof = np.zeros_like(grid)
    for seg in segments:
        if drug == "brexanolone":
            t0, t1, rate = seg
            prof += np.where((grid >= t0) & (grid < t1), rate, 0.0)
        else:
            on = (grid - _STEP_H / 2 <= seg[0]) & (seg[0] < grid + _STEP_H / 2)
            prof += np.where(on, seg[1], 0.0)
    return prof


def make_hamd_model(
    data: EstimationData | None = None, params: ParameterSet | None = None
) -> NLMEModel:
    """The HAM-D NLME model (module docstring) with R tabulated for ``data``'s dosing patterns
    (default: the presets :data:`PRESET_PATTERNS`), initial values from ``params`` (default:
    the packaged tables; pass ``apply_hypothesis(...)`` for a hypothesis)."""
    from brexsim.dosing import get_preset

    ps = params if params is not None else load_parameters()
    drug = "brexanolone" if data is None else get_data_drug(data)
    inpatient = DRUG_SETTINGS[drug] == "inpatient"
    sfx = "IN" if inpatient else "OUT"
    pmax_row, td_row = TABLE_ROWS[f"PLACEBO_MAX_{sfx}"][0], TABLE_ROWS[f"PLACEBO_TD_{sfx}"][0]
    if data is None:
        pats = [tuple((s.start_h, s.end_h, s.rate_ug_per_kg_h) for s in get_preset(n).segments
                      if s.rate_ug_per_kg_h > 0) for n in PRESET_PATTERNS]  # fmt: skip
        horizon = _HORIZON_H
    else:
        pats = get_data_patterns(data)
        horizon = max(_HORIZON_H, math.ceil(float(data.obs_time[data.obs_mask].max())))
    hours = np.arange(0.0, horizon + 0.5, 1.0)
    curves = np.stack([get_remission_curve(p, horizon, ps, drug) for p in pats])
    end = max([s[1 if inpatient else 0] for p in pats for s in p], default=0.0) + 1.0
    grid = np.arange(_STEP_H / 2, end, _STEP_H)
    table = np.stack([_profile(p, grid, drug) for p in pats])
    tol = 1e-3 * max(1.0, float(table.max()))
    hp = _hamd_params(ps)
    g_j, tab_j, cur_j, hrs_j = map(jnp.asarray, (grid, table, curves, hours))

    def predict(theta, eta, s):  # type: ignore[no-untyped-def]
        from brexsim.clinical.hamd import compute_expected_score, compute_placebo_fraction

        dose = s.amt > 0
        if inpatient:  # brexanolone infusions: µg/kg/h on the grid
            inf = dose & (s.rate > 0)
            dur = jnp.where(inf, s.amt / jnp.where(inf, s.rate, 1.0), 0.0)
            on = (g_j[:, None] >= s.dose_time) & (g_j[:, None] < s.dose_time + dur) & inf
            prof = jnp.sum(jnp.where(on, s.rate * 1000.0 / s.cov["WT"], 0.0), axis=1)
            other = dose & ~inf
        else:  # zuranolone: mg per grid interval
            oral = dose & (s.rate <= 0)
            on = (g_j[:, None] - _STEP_H / 2 <= s.dose_time) & (
                s.dose_time < g_j[:, None] + _STEP_H / 2
            )
            prof = jnp.sum(jnp.where(on & oral, s.amt, 0.0), axis=1)
            other = dose & ~oral
        dist = jnp.max(jnp.abs(prof[None, :] - tab_j), axis=1)
        k = jnp.argmin(dist)
        ok = (dist[k] <= tol) & ~jnp.any(other)
        r = jnp.interp(s.obs_time, hrs_j, cur_j[k])
        if inpatient:
            p = hp._replace(placebo_max_inpatient=theta["PLACEBO_MAX_IN"],
                            placebo_td_inpatient_h=theta["PLACEBO_TD_IN"],
                            max_drug_effect=theta["DRUG_MAX"])  # fmt: skip
        else:
            p = hp._replace(placebo_max_outpatient=theta["PLACEBO_MAX_OUT"],
                            placebo_td_outpatient_h=theta["PLACEBO_TD_OUT"],
                            max_drug_effect=theta["DRUG_MAX"])  # fmt: skip
        pf = compute_placebo_fraction(s.obs_time, jnp.array([inpatient]), p, eta[0:1])
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
            Parameter(f"PLACEBO_MAX_{sfx}", ps.value(pmax_row), 0.0, 1.0, unit="1"),
            Parameter(f"PLACEBO_TD_{sfx}", ps.value(td_row), 0.0, unit="h"),
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
        covariates=("BASE", "WT") if inpatient else ("BASE",),
        description=f"HAM-D-17 layer (brexsim.clinical.hamd), {drug} ({DRUG_SETTINGS[drug]}), "
        f"{len(pats)} dosing pattern(s)",
    )


def _hamd_params(ps: ParameterSet):  # type: ignore[no-untyped-def]
    from brexsim.clinical.hamd import get_hamd_params

    # the η are the model's own (a block Ω carries any phenotype loading), so no mixing here
    return get_hamd_params(ps)._replace(phenotype_loading_drug=0.0)
