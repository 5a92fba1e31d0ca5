"""The population description of every layer, as pharmacometricians write it (θ, Ω, Σ, covariates).

Each layer's description says which table rows are its fixed effects (θ, with the transform and
bounds an estimator uses), which random effects (η) act on which θ and with which variance (Ω,
a diagonal read from the tables plus any correlation rows: a block), the residual error of each
observed quantity (Σ: additive, proportional or combined) and the covariate relations. Values
live in the parameter tables (value, unit, source, confidence); this module only states the
structure, so ``brexsim params --population`` prints the model the way a NONMEM control stream
or an nlmixr2 ``ini()`` block reads, and sampling, simulation and estimation share it.

Ω rows are stored either as variances (``omega_*``, NONMEM's OMEGA) or, in the older layers, as
SDs of the η (``*_sd``, ``*_logsd``); :attr:`Eta.scale` says which, and :func:`get_omega` always
returns variances.

Examples
--------
>>> pm = get_population_model("brexanolone_pk")
>>> [e.name for e in pm.etas]
['eta_pk_cl', 'eta_pk_v1', 'eta_pk_q', 'eta_pk_v2']
>>> om = get_omega(pm)
>>> round(float(om[0, 0]), 4)
0.0366
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from brexsim.errors import input_error
from brexsim.params.loader import ParameterSet, load_parameters

__all__ = [
    "POPULATION_MODELS",
    "Covariate",
    "Eta",
    "LayerPopulationModel",
    "Sigma",
    "Theta",
    "format_population_model",
    "get_omega",
    "get_population_model",
    "get_sigma",
]


@dataclass(frozen=True)
class Theta:
    """A fixed effect: the table row ``param``, estimated on ``transform`` scale in bounds."""

    name: str
    param: str
    transform: str = "log"  # "log" | "logit" | "none"
    lower: float = 0.0
    upper: float = float("inf")


@dataclass(frozen=True)
class Eta:
    """A random effect on ``theta``: ``kind`` "exp" (θ·exp(η)), "add" (θ + η) or "logit"
    (logit-scale shift); its variance is the row ``omega`` (``scale`` "variance" or "sd").
    ``wired`` is False where the engine does not yet use the η per patient."""

    name: str
    theta: str
    omega: str
    kind: str = "exp"
    scale: str = "variance"
    wired: bool = True


@dataclass(frozen=True)
class Sigma:
    """Residual error of one observed quantity (``dvid``): ``model`` "proportional", "additive"
    or "combined"; rows hold variances (``prop``: 1, ``add``: unit²) or SDs (``scale``)."""

    dvid: str
    unit: str
    model: str
    prop: str | None = None
    add: str | None = None
    scale: str = "variance"
    lloq: str | None = None


@dataclass(frozen=True)
class Covariate:
    """A covariate relation: ``covariate`` acts on ``theta`` by ``relation`` with the row
    ``effect`` (``"power"``: θ·(x/ref)^effect; ``"factor"``: θ·effect in ``levels``;
    ``"inverse_ratio"``: θ / effect in ``levels`` (an AUC ratio applied to a clearance))."""

    covariate: str
    theta: str
    relation: str
    effect: str
    levels: tuple[str, ...] = ()
    reference: float | None = None


@dataclass(frozen=True)
class LayerPopulationModel:
    """The population description of one layer."""

    layer: str
    thetas: tuple[Theta, ...]
    etas: tuple[Eta, ...] = ()
    correlations: tuple[tuple[str, str, str], ...] = ()  # (eta_a, eta_b, correlation row)
    sigmas: tuple[Sigma, ...] = ()
    covariates: tuple[Covariate, ...] = ()


_BRX = "brexanolone_pk"
_ZUR = "zuranolone_pk"

#: The population description of every layer, in data-flow order.
POPULATION_MODELS: dict[str, LayerPopulationModel] = {
    _BRX: LayerPopulationModel(
        _BRX,
        thetas=(
            Theta("CL", f"{_BRX}.cl_L_per_h_per_kg", lower=0.05, upper=20.0),
            Theta("V1", f"{_BRX}.v1_L_per_kg", lower=0.05, upper=50.0),
            Theta("Q", f"{_BRX}.q_L_per_h_per_kg", lower=1e-3, upper=20.0),
            Theta("V2", f"{_BRX}.v2_L_per_kg", lower=0.05, upper=100.0),
        ),
        etas=(
            Eta("eta_pk_cl", "CL", f"{_BRX}.omega_cl"),
            Eta("eta_pk_v1", "V1", f"{_BRX}.omega_v1"),
            Eta("eta_pk_q", "Q", f"{_BRX}.omega_q"),
            Eta("eta_pk_v2", "V2", f"{_BRX}.omega_v2"),
        ),
        correlations=(("eta_pk_cl", "eta_pk_v1", f"{_BRX}.corr_cl_v1"),),
        sigmas=(
            Sigma(
                "plasma_conc",
                "ng/mL",
                "combined",
                f"{_BRX}.sigma_prop",
                f"{_BRX}.sigma_add",
                lloq=f"{_BRX}.lloq_ng_per_ml",
            ),
        ),
        covariates=(
            Covariate("weight_kg", "CL", "per_kg", "", reference=1.0),
            Covariate("weight_kg", "V1", "per_kg", "", reference=1.0),
            Covariate("weight_kg", "Q", "per_kg", "", reference=1.0),
            Covariate("weight_kg", "V2", "per_kg", "", reference=1.0),
            Covariate(
                "hepatic", "CL", "factor", f"{_BRX}.hepatic_cl_factor", ("moderate", "severe")
            ),
            Covariate(
                "hepatic", "fu", "factor", f"{_BRX}.hepatic_fu_factor", ("moderate", "severe")
            ),
        ),
    ),
    _ZUR: LayerPopulationModel(
        _ZUR,
        thetas=(
            Theta("CL/F", f"{_ZUR}.cl_f_L_per_h", lower=0.5, upper=500.0),
            Theta("V2/F", f"{_ZUR}.v2_f_L", lower=1.0, upper=1e4),
            Theta("V3/F", f"{_ZUR}.v3_f_L", lower=1.0, upper=1e4),
            Theta("Q/F", f"{_ZUR}.q_f_L_per_h", lower=0.1, upper=500.0),
            Theta("KTR", f"{_ZUR}.ktr_fed_per_h", lower=0.01, upper=50.0),
        ),
        etas=(
            Eta("eta_pk_cl_f", "CL/F", f"{_ZUR}.omega_cl_f"),
            Eta("eta_pk_v_f", "V2/F,V3/F,Q/F", f"{_ZUR}.omega_v_f"),
            Eta("eta_pk_ktr", "KTR", f"{_ZUR}.omega_ktr"),
        ),
        sigmas=(
            Sigma(
                "plasma_conc",
                "ng/mL",
                "combined",
                f"{_ZUR}.sigma_prop",
                f"{_ZUR}.sigma_add",
                lloq=f"{_ZUR}.lloq_ng_per_ml",
            ),
        ),
        covariates=(
            Covariate(
                "cyp3a4",
                "CL/F",
                "inverse_ratio",
                f"{_ZUR}.cyp3a4_strong_inhibitor_auc_ratio",
                ("strong_inhibitor",),
            ),
            Covariate(
                "cyp3a4",
                "CL/F",
                "inverse_ratio",
                f"{_ZUR}.cyp3a4_strong_inducer_auc_ratio",
                ("strong_inducer",),
            ),
            Covariate(
                "hepatic", "CL/F", "inverse_ratio", f"{_ZUR}.hepatic_severe_auc_ratio", ("severe",)
            ),
            Covariate(
                "renal",
                "CL/F",
                "inverse_ratio",
                f"{_ZUR}.renal_impaired_auc_ratio",
                ("moderate", "severe", "esrd"),
            ),
        ),
    ),
    "sedation": LayerPopulationModel(
        "sedation",
        thetas=(
            Theta("CE_UNIT_BRX", "sedation.brexanolone_ce_unit_ng_per_ml"),
            Theta("CE_UNIT_ZUR", "sedation.zuranolone_ce_unit_ng_per_ml"),
        ),
        etas=(
            Eta("sedation_sensitivity", "1/CE_UNIT", "sedation.sensitivity_iiv_sd", scale="sd"),
            Eta("sedation_background", "B", "sedation.background_sd", kind="add", scale="sd"),
        ),
        covariates=(
            Covariate("antidepressant", "1/CE_UNIT", "factor", "sedation.antidepressant_factor"),
            Covariate("cns_depressant", "1/CE_UNIT", "factor", "sedation.cns_depressant_factor"),
            Covariate("alcohol", "1/CE_UNIT", "factor", "sedation.cns_depressant_factor"),
        ),
    ),
    "tlr": LayerPopulationModel(
        "tlr",
        thetas=(
            Theta("IC50", "tlr.drug_ic50_uM"),
            Theta("KREPROG", "tlr.innate_reprogram_per_h"),
        ),
        etas=(
            Eta("infl_ic50_scale", "IC50", "tlr.bsv_ic50_logsd", scale="sd"),
            Eta("infl_reprogram_scale", "KREPROG", "tlr.bsv_reprogram_logsd", scale="sd"),
            Eta(
                "infl_basal_tone_scale", "TONE", "tlr.bsv_basal_tone_logsd", scale="sd", wired=False
            ),
        ),
        sigmas=tuple(
            Sigma(d, "pg/mL", "proportional", "tlr.sigma_prop_plasma") for d in ("tnf", "il6")
        ),
    ),
    "bdnf": LayerPopulationModel(
        "bdnf",
        thetas=(Theta("BDNF0", "bdnf.ppd_baseline_ng_per_ml"),),
        etas=(Eta("eta_bdnf0", "BDNF0", "bdnf.bsv_baseline_logsd", scale="sd", wired=False),),
        sigmas=(Sigma("bdnf", "ng/mL", "proportional", "bdnf.sigma_prop"),),
    ),
    "hamd": LayerPopulationModel(
        "hamd",
        thetas=(
            Theta("PLACEBO_MAX_IN", "hamd.placebo_max_inpatient", "logit", 0.0, 1.0),
            Theta("PLACEBO_MAX_OUT", "hamd.placebo_max_outpatient", "logit", 0.0, 1.0),
            Theta("DRUG_MAX", "hamd.max_drug_effect", "logit", 0.0, 1.0),
            Theta("BASELINE_MU", "hamd.baseline_latent_mean", "none", 0.0, 52.0),
        ),
        etas=(
            Eta("eta_placebo", "PLACEBO_MAX_*", "hamd.omega_placebo", kind="logit", scale="sd"),
            Eta("eta_drug", "DRUG_MAX", "hamd.omega_drug", kind="logit", scale="sd"),
        ),
        sigmas=(Sigma("hamd", "points", "additive", add="hamd.residual_sd", scale="sd"),),
    ),
}


def get_population_model(layer: str) -> LayerPopulationModel:
    """The population description of ``layer`` (one of :data:`POPULATION_MODELS`)."""
    if layer not in POPULATION_MODELS:
        raise input_error("layer", layer, f"one of {sorted(POPULATION_MODELS)}")
    return POPULATION_MODELS[layer]


def _variance(ps: ParameterSet, row: str, scale: str) -> float:
    v = ps.value(row)
    return v * v if scale == "sd" else v


def get_omega(pm: LayerPopulationModel, params: ParameterSet | None = None) -> np.ndarray:
    """Ω of the layer's η (variances on the diagonal, covariances from the correlation rows),
    checked positive semi-definite.

    >>> get_omega(get_population_model("hamd")).shape
    (2, 2)
    """
    ps = params or load_parameters()
    var = np.array([_variance(ps, e.omega, e.scale) for e in pm.etas])
    om = np.diag(var)
    names = [e.name for e in pm.etas]
    for a, b, row in pm.correlations:
        i, j = names.index(a), names.index(b)
        om[i, j] = om[j, i] = ps.value(row) * np.sqrt(var[i] * var[j])
    check_omega(om, f"{pm.layer} omega")
    return om


def check_omega(omega: np.ndarray, field: str = "omega") -> np.ndarray:
    """Raise a clear error unless ``omega`` is a finite, symmetric, positive semi-definite
    matrix with non-negative variances; return it as a float array.

    >>> check_omega(np.array([[1.0, 2.0], [2.0, 1.0]]))
    Traceback (most recent call last):
    ...
    brexsim.errors.BrexsimInputError: invalid omega=[[1.0, 2.0], [2.0, 1.0]]: a positive ...
    """
    om = np.asarray(omega, dtype=float)
    if om.ndim != 2 or om.shape[0] != om.shape[1] or not np.isfinite(om).all():
        raise input_error(field, np.asarray(omega).tolist(), "a finite square matrix")
    if not np.allclose(om, om.T, atol=1e-12) or (np.diag(om) < 0).any():
        raise input_error(field, om.tolist(), "a symmetric matrix with variances >= 0")
    if om.size and np.linalg.eigvalsh(om).min() < -1e-10 * max(1.0, float(np.abs(om).max())):
        raise input_error(field, om.tolist(), "a positive semi-definite matrix (eigenvalues >= 0)")
    return om


def get_sigma(pm: LayerPopulationModel, dvid: str, params: ParameterSet | None = None) -> dict:
    """``{"prop_var", "add_var", "lloq"}`` of the residual error of ``dvid`` (0 where absent,
    lloq None where no LLOQ applies).

    >>> get_sigma(get_population_model("hamd"), "hamd")["add_var"]
    6.25
    """
    ps = params or load_parameters()
    for s in pm.sigmas:
        if s.dvid == dvid:
            return {
                "prop_var": _variance(ps, s.prop, s.scale) if s.prop else 0.0,
                "add_var": _variance(ps, s.add, s.scale) if s.add else 0.0,
                "lloq": ps.value(s.lloq) if s.lloq else None,
            }
    raise input_error("dvid", dvid, f"one of {[s.dvid for s in pm.sigmas]} for {pm.layer}")


def format_population_model(params: ParameterSet | None = None) -> str:
    """The description of every layer as plain text (``brexsim params --population``).

    >>> "OMEGA" in format_population_model()
    True
    """
    ps = params or load_parameters()
    lines: list[str] = []
    for pm in POPULATION_MODELS.values():
        lines.append(f"[{pm.layer}]")
        for th in pm.thetas:
            p = ps[th.param]
            lines.append(
                f"  THETA {th.name:<12} = {p.value:<10.6g} {p.unit:<8} ({th.transform}, "
                f"bounds [{th.lower:g}, {th.upper:g}]; {p.confidence})  {th.param}"
            )
        if pm.etas:
            om = get_omega(pm, ps)
            for k, e in enumerate(pm.etas):
                cv = np.sqrt(np.expm1(om[k, k])) * 100 if e.kind == "exp" else None
                extra = f", CV {cv:.1f} %" if cv is not None else ""
                wired = "" if e.wired else "  [described; not yet used per patient]"
                lines.append(
                    f"  OMEGA {e.name:<22} on {e.theta:<10} var {om[k, k]:.5g} ({e.kind}{extra})"
                    f"  {e.omega}{wired}"
                )
            for a, b, row in pm.correlations:
                lines.append(f"  OMEGA corr({a}, {b}) = {ps.value(row):g}  {row}")
        for s in pm.sigmas:
            sg = get_sigma(pm, s.dvid, ps)
            lloq = f", LLOQ {sg['lloq']:g} {s.unit}" if sg["lloq"] is not None else ""
            lines.append(
                f"  SIGMA {s.dvid:<12} {s.model}: prop var {sg['prop_var']:.4g}, add var "
                f"{sg['add_var']:.4g} {s.unit}^2{lloq}"
            )
        for c in pm.covariates:
            if c.relation == "per_kg":
                lines.append(f"  COV   {c.covariate} on {c.theta}: per kg (linear in weight)")
            else:
                lv = "/".join(c.levels) if c.levels else "true"
                lines.append(
                    f"  COV   {c.covariate}={lv} on {c.theta}: {c.relation} "
                    f"{ps.value(c.effect):g}  {c.effect}"
                )
    return "\n".join(lines)
