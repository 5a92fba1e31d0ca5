"""Plasma TNF-α and IL-6 under brexanolone as an NLME model (``brexsim fit --model cytokine``).

Structure (the ``tlr`` layer of :data:`brexsim.params.popmodel.POPULATION_MODELS`; equations in
:mod:`brexsim.mechanism.tlr` and docs/mechanism_inflammation.md)::

    dy/dt = tlr.rhs_from_concentration(t, y, C_i(t), args_i)      y(0) = drug-free steady state
    IC50_i    = THETA(IC50) · exp(ETA(1))          (infl_ic50_scale, µM total drug)
    KREPROG_i = THETA(KREPROG) · exp(ETA(2))       (infl_reprogram_scale, 1/h)
    F = ln(TNF_i(t) / TNF_i(0))  on DVID 2,   F = ln(IL6_i(t) / IL6_i(0))  on DVID 3
    Y = F + EPS(DVID)   (SIGMA_TNF, SIGMA_IL6: a proportional error on pg/mL, log scale)

``C_i(t)`` is the subject's exact total plasma brexanolone (µM): the 2-compartment closed form
of the parameter tables at the subject's ``WT`` (typical PK: brexanolone's parameters are per kg)
driven by its dose records (IV infusions, ``AMT`` mg, ``RATE`` mg/h > 0), evaluated inside the
right-hand side, as the exact-input engine of :func:`brexsim.model.simulate` does
(:func:`brexsim.model.solve.exact_inputs`). The right-hand side of the TLR states is brexsim's
own (:func:`brexsim.mechanism.tlr.rhs_from_concentration`, with
:func:`brexsim.mechanism.tlr.make_in_vivo_args`); diffrax (Tsit5, PID controller stopping at
every rate change, ``rtol`` :data:`RTOL`) integrates it, differentiably
(``diffrax.DirectAdjoint``: forward- and reverse-mode, as FOCE-I needs both).

Observations use the joint numbering :data:`brexsim.estimation.models.hamd.DVIDS` (2 log TNF-α
fold, 3 log IL-6 fold): ``DV`` = ln(pg/mL at ``TIME`` / pg/mL before the first dose). The
tables' error is proportional on pg/mL (``tlr.sigma_prop_plasma``, a variance); on the log
scale it is additive with the same variance, the σ of each DVID starting there. The basal-tone
random effect (``infl_basal_tone_scale``) is not wired in the engine and is not estimated; the
baseline is the tables' (the fold removes it).

Examples
--------
>>> m = make_cytokine_model()
>>> [t.name for t in m.thetas], m.etas, m.sigma_dvids
(['IC50', 'KREPROG'], ('infl_ic50_scale', 'infl_reprogram_scale'), (2, 3))
"""

from __future__ import annotations

import jax

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402

from brexsim.errors import input_error  # noqa: E402
from brexsim.estimation.data import EstimationData  # noqa: E402
from brexsim.estimation.model import NLMEModel, Parameter  # noqa: E402
from brexsim.params import ParameterSet, load_parameters  # noqa: E402

__all__ = ["RTOL", "check_cytokine_data", "make_cytokine_model", "predict_log_folds"]

#: Relative / absolute tolerance of the diffrax solve (pg/mL and dimensionless states).
RTOL, ATOL = 1e-7, 1e-10
_MAX_STEPS = 2048  # ~520 steps (accepted + rejected) for a 60-h infusion to 168 h
_TNF, _IL6 = 4, 6  # indices of plasma TNF-α and IL-6 in tlr.IN_VIVO_STATES


def _pk_constants(ps: ParameterSet) -> tuple[np.ndarray, np.ndarray]:
    """Disposition exponents (1/h) and per-kg unit-bolus coefficients (kg/L) of brexanolone."""
    from brexsim.pk.brexanolone import get_brexanolone_pk

    lam, coef = get_brexanolone_pk(70.0, ps).macro  # CL, Q, V per kg: coef ∝ 1/WT
    return np.asarray(lam, float), np.asarray(coef, float) * 70.0


def _plasma_uM(t, subject, lam, coef_kg, mw):  # type: ignore[no-untyped-def]
    """Total plasma brexanolone (µM) at scalar ``t`` from the subject's infusion records."""
    inf = (subject.amt > 0) & (subject.rate > 0)
    rate = jnp.where(inf, subject.rate, 0.0) * 1000.0  # mg/h -> µg/h
    dur = jnp.where(inf, subject.amt / jnp.where(inf, subject.rate, 1.0), 0.0)
    tau1 = jnp.clip(t - subject.dose_time, 0.0, dur)[:, None]
    tau2 = jnp.maximum(t - subject.dose_time - dur, 0.0)[:, None]
    coef = coef_kg / subject.cov["WT"]
    resp = (coef / lam)[None, :] * -jnp.expm1(-lam[None, :] * tau1) * jnp.exp(-lam * tau2)
    ng_per_ml = jnp.sum(rate[:, None] * resp)  # µg/L
    return jnp.maximum(ng_per_ml, 0.0) / mw


def predict_log_folds(args, ic50_uM, reprogram_per_h, subject, pk):  # type: ignore[no-untyped-def]
    """ln fold change of plasma TNF-α (DVID 2) or IL-6 (DVID 3) at ``subject.obs_time``.

    ``args``: :func:`brexsim.mechanism.tlr.make_in_vivo_args` (typical); ``ic50_uM``,
    ``reprogram_per_h``: the individual IC50 (µM) and reprogramming rate (1/h); ``pk``:
    ``(lam, coef_per_kg, mw, y0)`` of :func:`make_cytokine_model`.
    """
    import diffrax

    from brexsim.mechanism.tlr import rhs_from_concentration

    lam, coef_kg, mw, y0 = pk
    a = dict(args, ic50_uM=ic50_uM, k_reprogram_per_h=reprogram_per_h)

    def rhs(t, y, a):  # type: ignore[no-untyped-def]
        return rhs_from_concentration(t, y, _plasma_uM(t, subject, lam, coef_kg, mw), a)

    ts = jax.lax.cummax(jnp.maximum(subject.obs_time, 0.0))  # padding (0) after the last time
    inf = (subject.amt > 0) & (subject.rate > 0)
    dur = jnp.where(inf, subject.amt / jnp.where(inf, subject.rate, 1.0), 0.0)
    jumps = jnp.concatenate([subject.dose_time, subject.dose_time + dur])
    t1 = jnp.maximum(ts[-1], 1e-6)
    sol = diffrax.diffeqsolve(
        diffrax.ODETerm(rhs),
        diffrax.Tsit5(),
        t0=0.0,
        t1=t1,
        dt0=0.01,
        y0=y0,
        args=a,
        saveat=diffrax.SaveAt(ts=ts),
        stepsize_controller=diffrax.PIDController(rtol=RTOL, atol=ATOL, jump_ts=jumps),
        max_steps=_MAX_STEPS,
        adjoint=diffrax.DirectAdjoint(),
        throw=False,
    )
    ok = sol.result == diffrax.RESULTS.successful
    tnf = jnp.log(jnp.maximum(sol.ys[:, _TNF], 1e-300) / y0[_TNF])
    il6 = jnp.log(jnp.maximum(sol.ys[:, _IL6], 1e-300) / y0[_IL6])
    f = jnp.where(subject.dvid == 3, il6, tnf)
    return jnp.where(ok, f, jnp.nan)


def check_cytokine_data(data: EstimationData) -> None:
    """One clear error unless ``data`` fits the model: a ``WT`` column (kg, > 0), dose records
    that are brexanolone infusions (``RATE`` > 0) at ``TIME`` >= 0, observations at
    ``TIME`` >= 0 with ``DVID`` 2 or 3."""
    if "WT" not in data.covariates:
        raise input_error(
            "columns", sorted(data.covariates), "a WT column (kg) for --model cytokine"
        )
    dose = data.amt > 0
    if (data.rate[dose] <= 0).any():
        i = int(np.flatnonzero((dose & (data.rate <= 0)).any(1))[0])
        raise input_error("RATE", 0, "> 0 on every dose record (brexanolone IV infusions)",
                          f"ID {data.ids[i]:g}")  # fmt: skip
    if (data.dose_time[dose] < 0).any() or (data.obs_time[data.obs_mask] < 0).any():
        raise input_error("TIME", "negative", "times >= 0 h (the system starts drug-free at 0)")
    wt = data.covariates["WT"]
    if not (np.isfinite(wt) & (wt > 0)).all():
        raise input_error("WT", float(wt[~(np.isfinite(wt) & (wt > 0))][0]), "a weight > 0 kg")
    bad = sorted({int(d) for d in data.dvid[data.obs_mask]} - {2, 3})
    if bad:
        raise input_error("DVID", bad, "2 (ln TNF-α fold) or 3 (ln IL-6 fold) for --model cytokine")


def make_cytokine_model(
    data: EstimationData | None = None, params: ParameterSet | None = None
) -> NLMEModel:
    """The cytokine NLME model (module docstring), initial values from ``params`` (default the
    packaged tables); ``data``, when given, is checked first (:func:`check_cytokine_data`)."""
    from brexsim.mechanism.tlr import get_in_vivo_baseline, make_in_vivo_args
    from brexsim.params.popmodel import get_omega, get_population_model

    if data is not None:
        check_cytokine_data(data)
    ps = params if params is not None else load_parameters()
    pm = get_population_model("tlr")
    etas = [e for e in pm.etas if e.wired]
    om = get_omega(pm, ps)[: len(etas), : len(etas)]
    args = make_in_vivo_args(ps, drug="brexanolone")
    args = {k: v for k, v in args.items() if k not in ("t_grid_h", "c_grid_uM")}
    lam, coef = _pk_constants(ps)
    mw = _mw(ps)  # as BrexanoloneInputs: the TLR layer's molar mass
    pk = (jnp.asarray(lam), jnp.asarray(coef), mw, jnp.asarray(get_in_vivo_baseline(ps)))
    sig = ps.value("tlr.sigma_prop_plasma")

    def predict(theta, eta, s):  # type: ignore[no-untyped-def]
        return predict_log_folds(args, theta["IC50"] * jnp.exp(eta[0]),
                                 theta["KREPROG"] * jnp.exp(eta[1]), s, pk)  # fmt: skip

    return NLMEModel(
        name="cytokine",
        thetas=tuple(
            Parameter(t.name, ps.value(t.param), t.lower, t.upper, unit=ps[t.param].unit)
            for t in pm.thetas
        ),
        etas=tuple(e.name for e in etas),
        omega=tuple(map(tuple, np.diag(np.diag(om)).tolist())),
        sigmas=(
            Parameter("SIGMA_TNF", sig, 0.0, unit="1"),
            Parameter("SIGMA_IL6", sig, 0.0, unit="1"),
        ),
        predict=predict,
        error="additive",
        sigma_dvids=(2, 3),
        covariates=("WT",),
        description="plasma TNF-a / IL-6 log folds under brexanolone (brexsim.mechanism.tlr)",
    )


def _mw(ps: ParameterSet) -> float:
    from brexsim.mechanism.tlr import get_tlr_parameters

    return float(get_tlr_parameters(ps)["mw_brexanolone"])
