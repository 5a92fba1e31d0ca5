"""SBML export of the deterministic in vivo model (one typical patient, one IV regimen).

The document (SBML Level 3 Version 2, python-libsbml) holds the same equations as
:func:`brexsim.model.simulate` for a brexanolone infusion:

* **PK** (:mod:`brexsim.pk.brexanolone`): drug amounts in the central and peripheral
  compartments (species, µg; compartment sizes ``v·W``, L), the infusion, elimination and
  distribution as reactions; the infusion rate (µg/kg/h) is a parameter set by one event at
  each change of the regimen's rate; the effect site ``Ce`` (ng/mL, rate rule);
* **GABA-A tone index** (:func:`brexsim.mechanism.gabaa.compute_tone_index`): assignment rules
  with the tonic-conductance formula at the free biophase allopregnanolone (drug +
  endogenous), clipped to [0, 1] as the assembled model does;
* **TLR/cytokines** (:func:`brexsim.mechanism.tlr.rhs`): the seven in vivo states as rate rules;
  the quasi-steady-state secretion table ``phi(r)`` is written as an exact piecewise-linear
  function of the coupling capacity ``r`` (one function definition per cytokine over the
  table's 27 knots, a sum of clamped ramps with ``min``/``max``; constant beyond the ends as
  ``jnp.interp``). No fit: it is the interpolation brexsim uses, up to rounding (~1e-15);
* **BDNF** (:func:`brexsim.mechanism.bdnf.rhs_from_inputs`): the eleven states as rate rules,
  serum BDNF and its change in healthy-SD units as assignment rules;
* **HAM-D-17** (:mod:`brexsim.clinical.hamd`): the remission state ``R`` (rate rule), the placebo
  fraction and the expected score as assignment rules.

Every number of the parameter tables that the equations use is an SBML parameter with id
``<layer>__<key>``, name ``<layer>.<key>``, its unit (an SBML unit definition) and, in notes and
in a ``brexsim:parameter`` annotation, the table, confidence code, description and source.
Per-patient values (``weight_kg``, ``infl_ic50_scale``, ``infl_reprogram_scale``,
``hamd_baseline``, ``eta_placebo``, ``eta_drug``) are plain parameters that a simulator may
change before a run (:data:`PATIENT_PARAMETERS`).

Left out (say so wherever the file is used): random sampling of patients and every
between-subject or residual variability (the file is one patient; change the patient
parameters to simulate another), the label's monitoring rules and sedation (they change the
regimen; export the regimen after interruptions instead), observed integer HAM-D scores
(residual noise), response/remission calls, zuranolone (oral absorption; brexanolone only), the
minute-scale cell model and ex vivo assays. Small numerical differences to brexsim remain by
design: brexsim feeds the in vivo solve exact PK linearly interpolated on a 0.25-h grid and
integrates the remission state with a trapezoid-averaged drive over its output intervals, while
the SBML model is one continuous ODE system (see ``docs/sbml.md``).
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import libsbml
import numpy as np

from brexsim.dosing.regimen import Regimen
from brexsim.errors import input_error
from brexsim.params import ParameterSet, load_parameters

__all__ = [
    "ANNOTATION_NS",
    "OUTPUTS",
    "PATIENT_PARAMETERS",
    "build_sbml_document",
    "check_sbml_document",
    "export_sbml",
    "get_sbml_string",
]

#: Namespace of the ``brexsim:parameter`` annotations.
ANNOTATION_NS = "https://brexsim.org/ns/sbml/parameter/1"

#: brexsim output name (:class:`brexsim.model.SimulationResult`) -> SBML id.
OUTPUTS: dict[str, str] = {
    "plasma_drug": "plasma_drug_ng_per_ml",
    "plasma_total": "plasma_total_ng_per_ml",
    "effect_site_drug": "effect_site_drug_ng_per_ml",
    "biophase_free_drug": "biophase_free_drug_nM",
    "tone_index": "tone_index",
    "innate_state": "innate_state",
    "tnf": "tnf_pg_per_ml",
    "il1b": "il1b_pg_per_ml",
    "il6": "il6_pg_per_ml",
    "tnf_fold": "tnf_fold",
    "il6_fold": "il6_fold",
    "bdnf": "bdnf_serum_ng_per_ml",
    "bdnf_change_sd": "bdnf_change_sd",
    "hamd_expected": "hamd_expected",
}

#: Per-patient SBML parameters -> where brexsim keeps them (Population field or random effect).
PATIENT_PARAMETERS: dict[str, str] = {
    "weight_kg": "Population.weight_kg",
    "infl_ic50_scale": "Population.random_effects['infl_ic50_scale']",
    "infl_reprogram_scale": "Population.random_effects['infl_reprogram_scale']",
    "hamd_baseline": "Population.hamd_baseline",
    "eta_placebo": "Population.random_effects['eta_placebo']",
    "eta_drug": "Population.random_effects['eta_drug']",
}

_CYT = ("tnf", "il1b", "il6")

# unit string of the tables -> (SBML unit-definition id, [(kind, exponent, scale, multiplier)])
_K = {
    "s": libsbml.UNIT_KIND_SECOND,
    "L": libsbml.UNIT_KIND_LITRE,
    "g": libsbml.UNIT_KIND_GRAM,
    "kg": libsbml.UNIT_KIND_KILOGRAM,
    "mol": libsbml.UNIT_KIND_MOLE,
    "S": libsbml.UNIT_KIND_SIEMENS,
    "1": libsbml.UNIT_KIND_DIMENSIONLESS,
}
_UNITS: dict[str, tuple[str, list[tuple[str, float, int, float]]]] = {
    "1": ("dimensionless", []),
    "h": ("hour", [("s", 1, 0, 3600.0)]),
    "1/h": ("per_hour", [("s", -1, 0, 3600.0)]),
    "1/min": ("per_minute", [("s", -1, 0, 60.0)]),
    "kg": ("kilogram", []),
    "L": ("litre", []),
    "L/kg": ("litre_per_kg", [("L", 1, 0, 1.0), ("kg", -1, 0, 1.0)]),
    "L/h": ("litre_per_hour", [("L", 1, 0, 1.0), ("s", -1, 0, 3600.0)]),
    "L/h/kg": (
        "litre_per_hour_per_kg",
        [("L", 1, 0, 1.0), ("s", -1, 0, 3600.0), ("kg", -1, 0, 1.0)],
    ),
    "ug": ("microgram", [("g", 1, -6, 1.0)]),
    "ug/h": ("microgram_per_hour", [("g", 1, -6, 1.0), ("s", -1, 0, 3600.0)]),
    "ug/kg/h": (
        "microgram_per_kg_per_hour",
        [("g", 1, -6, 1.0), ("kg", -1, 0, 1.0), ("s", -1, 0, 3600.0)],
    ),
    "g/mol": ("gram_per_mole", [("g", 1, 0, 1.0), ("mol", -1, 0, 1.0)]),
    "ng/mL": ("ng_per_ml", [("g", 1, -6, 1.0), ("L", -1, 0, 1.0)]),
    "pg/mL": ("pg_per_ml", [("g", 1, -9, 1.0), ("L", -1, 0, 1.0)]),
    "nM": ("nanomolar", [("mol", 1, -9, 1.0), ("L", -1, 0, 1.0)]),
    "uM": ("micromolar", [("mol", 1, -6, 1.0), ("L", -1, 0, 1.0)]),
    "nS": ("nanosiemens", [("S", 1, -9, 1.0)]),
    # western-blot optical density, healthy-SD units and HAM-D points carry no SI dimension
    "OD": ("dimensionless", []),
    "nS/OD": ("nanosiemens", [("S", 1, -9, 1.0)]),
    "SD": ("dimensionless", []),
    "points": ("dimensionless", []),
    "1/(h*SD)": ("per_hour", [("s", -1, 0, 3600.0)]),
}
_BUILTIN = {"dimensionless", "kilogram", "litre"}


def _num(x: float) -> str:
    """A float as an SBML-L3 formula literal with full (round-trip) precision."""
    s = repr(float(x))
    if not math.isfinite(float(x)):
        raise ValueError(f"non-finite number {x!r} in the SBML model")
    return s


def _clip_formula(x: str, lo: str | None, hi: str | None) -> str:
    """``x`` bounded below by ``lo`` and/or above by ``hi`` with SBML L3V2 ``max``/``min``.

    (``piecewise`` would make libRoadRunner root-find on each condition; ``max``/``min`` are
    branch-free and exact.)
    """
    if lo is not None:
        x = f"max({x}, {lo})"
    if hi is not None:
        x = f"min({x}, {hi})"
    return x


def _interp_formula(var: str, xp: np.ndarray, fp: np.ndarray) -> str:
    """Piecewise-linear interpolation through ``(xp, fp)``, constant beyond the ends (the
    function ``jnp.interp`` computes), as a sum of clamped ramps::

        f(r) = f_0 + sum_i s_i (min(max(r, x_i), x_(i+1)) - x_i)
        s_i  = (f_(i+1) - f_i) / (x_(i+1) - x_i)

    For ``r`` in ``[x_j, x_(j+1)]`` the ramps below ``j`` add up to ``f_j``, ramp ``j`` gives
    ``s_j (r - x_j)`` and the ramps above are 0; exact up to floating-point rounding (~1e-15).
    Branch-free (no ``piecewise``), so a simulator does not root-find on its knots.
    """
    terms = [_num(fp[0])]
    for i in range(len(xp) - 1):
        x0, x1, f0, f1 = (float(v) for v in (xp[i], xp[i + 1], fp[i], fp[i + 1]))
        slope = (f1 - f0) / (x1 - x0)
        terms.append(f"{_num(slope)} * (min(max({var}, {_num(x0)}), {_num(x1)}) - {_num(x0)})")
    return " + ".join(terms)


class _Builder:
    """Small helper around a libsbml Model: parameters with units/notes, rules, reactions."""

    def __init__(self, model: libsbml.Model) -> None:
        self.m = model
        self.units: set[str] = set()

    @staticmethod
    def _ok(code: int, what: str) -> None:
        if code != libsbml.LIBSBML_OPERATION_SUCCESS:
            raise RuntimeError(
                f"libsbml failed on {what}: {libsbml.OperationReturnValue_toString(code)}"
            )

    def unit(self, unit: str) -> str:
        if unit not in _UNITS:
            raise ValueError(f"no SBML unit definition for {unit!r}")
        uid, parts = _UNITS[unit]
        if uid in _BUILTIN or uid in self.units:
            return uid
        ud = self.m.createUnitDefinition()
        ud.setId(uid)
        ud.setName(unit)
        for kind, exp, scale, mult in parts:
            u = ud.createUnit()
            u.setKind(_K[kind])
            u.setExponent(float(exp))
            u.setScale(int(scale))
            u.setMultiplier(float(mult))
        self.units.add(uid)
        return uid

    @staticmethod
    def _notes(obj: libsbml.SBase, lines: list[str]) -> None:
        body = "".join(f"<p>{html.escape(line)}</p>" for line in lines)
        _Builder._ok(
            obj.setNotes(f'<body xmlns="http://www.w3.org/1999/xhtml">{body}</body>'), "notes"
        )

    def table_parameter(self, ps: ParameterSet, name: str) -> str:
        """The table row ``layer.key`` as an SBML parameter ``layer__key``; returns the id."""
        p = ps[name]
        pid = name.replace(".", "__")
        if self.m.getParameter(pid) is not None:
            return pid
        par = self.m.createParameter()
        par.setId(pid)
        par.setName(name)
        par.setValue(float(p.value))
        par.setUnits(self.unit(p.unit))
        par.setConstant(True)
        self._notes(
            par,
            [
                f"brexsim parameter table row {name} ({p.unit}), confidence {p.confidence}",
                p.description,
                f"source: {p.source}",
            ],
        )
        layer, key = name.split(".", 1)
        ann = (
            f'<brexsim:parameter xmlns:brexsim="{ANNOTATION_NS}" table="{html.escape(layer)}" '
            f'key="{html.escape(key)}" unit="{html.escape(p.unit)}" '
            f'confidence="{html.escape(p.confidence)}"/>'
        )
        self._ok(par.setAnnotation(ann), f"annotation of {pid}")
        return pid

    def parameter(
        self,
        pid: str,
        value: float,
        unit: str,
        note: str,
        constant: bool = True,
    ) -> str:
        par = self.m.createParameter()
        par.setId(pid)
        par.setValue(float(value))
        par.setUnits(self.unit(unit))
        par.setConstant(constant)
        self._notes(par, [note])
        return pid

    def derived(self, pid: str, formula: str, unit: str, note: str) -> str:
        """A parameter computed by an assignment rule."""
        self.parameter(pid, float("nan"), unit, note, constant=False)
        self.m.getParameter(pid).unsetValue()
        self.assign(pid, formula)
        return pid

    def state(self, pid: str, value: float, unit: str, note: str, rate: str) -> str:
        """A parameter with a rate rule (an ODE state)."""
        self.parameter(pid, value, unit, note, constant=False)
        rr = self.m.createRateRule()
        rr.setVariable(pid)
        self._ok(rr.setMath(self._math(rate)), f"rate rule {pid}")
        return pid

    def assign(self, var: str, formula: str) -> None:
        ar = self.m.createAssignmentRule()
        ar.setVariable(var)
        self._ok(ar.setMath(self._math(formula)), f"assignment rule {var}")

    @staticmethod
    def _math(formula: str) -> libsbml.ASTNode:
        ast = libsbml.parseL3Formula(formula)
        if ast is None:
            raise ValueError(f"bad formula {formula!r}: {libsbml.getLastParseL3Error()}")
        return ast

    def function(self, fid: str, args: tuple[str, ...], body: str, note: str) -> None:
        fd = self.m.createFunctionDefinition()
        fd.setId(fid)
        self._ok(fd.setMath(self._math(f"lambda({', '.join(args)}, {body})")), f"function {fid}")
        self._notes(fd, [note])

    def reaction(
        self,
        rid: str,
        reactant: str | None,
        product: str | None,
        rate: str,
        note: str,
    ) -> None:
        r = self.m.createReaction()
        r.setId(rid)
        r.setReversible(False)
        for sp, make in ((reactant, r.createReactant), (product, r.createProduct)):
            if sp is not None:
                ref = make()
                ref.setSpecies(sp)
                ref.setStoichiometry(1.0)
                ref.setConstant(True)
        kl = r.createKineticLaw()
        self._ok(kl.setMath(self._math(rate)), f"kinetic law {rid}")
        self._notes(r, [note])


def _rate_steps(regimen: Regimen) -> list[tuple[float, float]]:
    """``[(time_h, total rate µg/kg/h from then on)]`` at 0 and at every change of the rate."""
    segs = [(s.start_h, s.end_h, s.rate_ug_per_kg_h) for s in regimen.segments]
    times = sorted({0.0} | {t for s in segs for t in s[:2]})
    out: list[tuple[float, float]] = []
    for t in times:
        rate = sum(r for a, b, r in segs if a <= t < b)
        if not out or rate != out[-1][1]:
            out.append((t, rate))
    return out


def build_sbml_document(
    regimen: Regimen,
    weight_kg: float = 70.0,
    params: ParameterSet | None = None,
    sensitivity: str = "control",
    hamd_baseline: float = 28.6,
) -> libsbml.SBMLDocument:
    """Build the SBML document of one typical patient on one brexanolone IV regimen.

    Parameters
    ----------
    regimen : Regimen
        A brexanolone (IV) regimen (e.g. ``get_preset("zulresso")``).
    weight_kg : float, kg
        Body weight of the patient (20-250 kg).
    params : ParameterSet, optional
        Parameter tables (default: packaged).
    sensitivity : "control" or "epileptic"
        GABA-A receptor composition (as :func:`brexsim.model.simulate`).
    hamd_baseline : float, points
        Baseline HAM-D-17 (the typical patient of :func:`brexsim.model.simulate`: 28.6).

    Examples
    --------
    >>> from brexsim.dosing import get_preset
    >>> doc = build_sbml_document(get_preset("zulresso"))
    >>> m = doc.getModel()
    >>> m.getNumEvents(), m.getParameter("weight_kg").getValue()
    (5, 70.0)
    """
    from brexsim.mechanism import bdnf, tlr
    from brexsim.mechanism.gabaa import get_gabaa_params

    ps = params or load_parameters()
    if not isinstance(regimen, Regimen):
        raise input_error("regimen", regimen, "a brexsim Regimen")
    if regimen.drug != "brexanolone":
        raise input_error(
            "regimen",
            regimen.name or regimen.drug,
            "a brexanolone (IV) regimen: zuranolone's oral absorption is not exported",
        )
    w = float(weight_kg)
    if not math.isfinite(w) or not (20.0 <= w <= 250.0):
        raise input_error("weight_kg", weight_kg, "a body weight in [20, 250] kg")
    b = float(hamd_baseline)
    if not math.isfinite(b) or not (0.0 < b <= 52.0):
        raise input_error("hamd_baseline", hamd_baseline, "a HAM-D-17 score in (0, 52]")
    gp = get_gabaa_params(ps, sensitivity)  # validates sensitivity

    doc = libsbml.SBMLDocument(3, 2)
    m = doc.createModel()
    name = regimen.name or "custom"
    m.setId("brexsim_in_vivo_" + "".join(c if c.isalnum() else "_" for c in name))
    m.setName(f"brexsim in vivo model, {name} regimen, typical patient")
    bl = _Builder(m)
    m.setTimeUnits(bl.unit("h"))
    m.setSubstanceUnits(bl.unit("ug"))
    m.setExtentUnits(bl.unit("ug"))
    m.setVolumeUnits(bl.unit("L"))
    from brexsim import __version__

    bl._notes(
        m,
        [
            f"Exported by brexsim {__version__} (parameter set {ps.hash}) with "
            f"brexsim export-sbml; regimen {name}: "
            + "; ".join(
                f"{s.start_h:g}-{s.end_h:g} h at {s.rate_ug_per_kg_h:g} ug/kg/h"
                for s in regimen.segments
            ),
            "Deterministic in vivo model of one patient: exact two-compartment brexanolone PK "
            "with effect site, GABA-A tone index, TLR/cytokine in vivo states, serum BDNF, "
            "HAM-D-17 remission state and expected score. Time in hours.",
            "Left out: patient sampling and all between-subject and residual variability, "
            "the label's monitoring rules and sedation, observed (noisy, integer) HAM-D "
            "scores, response/remission, zuranolone (oral absorption), the minute-scale cell "
            "model and ex vivo assays.",
            "Per-patient parameters that may be changed before a run: "
            + ", ".join(PATIENT_PARAMETERS),
        ],
    )

    def T(key: str) -> str:  # a table row's SBML id
        return bl.table_parameter(ps, key)

    # ------------------------------------------------------------------ patient
    bl.parameter("weight_kg", w, "kg", "Body weight of the patient (covariate), kg")
    bl.parameter(
        "infl_ic50_scale", 1.0, "1", "Subject multiplier on tlr.drug_ic50_uM (1 = typical)"
    )
    bl.parameter(
        "infl_reprogram_scale",
        1.0,
        "1",
        "Subject multiplier on tlr.innate_reprogram_per_h (1 = typical)",
    )
    bl.parameter("hamd_baseline", b, "points", "Baseline HAM-D-17 of the patient, points")
    bl.parameter("eta_placebo", 0.0, "1", "Random effect on logit of the maximal placebo fraction")
    bl.parameter("eta_drug", 0.0, "1", "Random effect on logit of the maximal drug effect")

    # ------------------------------------------------------------------ PK
    for c, key in (("central", "v1_L_per_kg"), ("peripheral", "v2_L_per_kg")):
        comp = m.createCompartment()
        comp.setId(c)
        comp.setSpatialDimensions(3)
        comp.setUnits(bl.unit("L"))
        comp.setConstant(False)
        bl._notes(comp, [f"{c} volume = brexanolone_pk.{key} x weight_kg, L"])
        bl.assign(c, f"{T('brexanolone_pk.' + key)} * weight_kg")
    for sid, comp, note in (
        ("A1", "central", "Brexanolone amount in the central compartment, ug"),
        ("A2", "peripheral", "Brexanolone amount in the peripheral compartment, ug"),
    ):
        sp = m.createSpecies()
        sp.setId(sid)
        sp.setCompartment(comp)
        sp.setInitialAmount(0.0)
        sp.setHasOnlySubstanceUnits(True)
        sp.setBoundaryCondition(False)
        sp.setConstant(False)
        sp.setSubstanceUnits(bl.unit("ug"))
        bl._notes(sp, [note])
    cl = bl.derived(
        "cl_L_per_h",
        f"{T('brexanolone_pk.cl_L_per_h_per_kg')} * weight_kg",
        "L/h",
        "Clearance, L/h",
    )
    q = bl.derived(
        "q_L_per_h",
        f"{T('brexanolone_pk.q_L_per_h_per_kg')} * weight_kg",
        "L/h",
        "Inter-compartmental clearance, L/h",
    )
    steps = _rate_steps(regimen)
    rate0 = steps[0][1] if steps[0][0] == 0.0 else 0.0
    bl.parameter(
        "infusion_rate_ug_per_kg_h",
        rate0,
        "ug/kg/h",
        "Current infusion rate, ug/kg/h (set by the events at each change of the regimen)",
        constant=False,
    )
    for k, (t_h, rate) in enumerate(steps):
        if t_h == 0.0:
            continue
        ev = m.createEvent()
        ev.setId(f"rate_change_{k}")
        ev.setUseValuesFromTriggerTime(True)
        trig = ev.createTrigger()
        trig.setInitialValue(False)
        trig.setPersistent(True)
        bl._ok(trig.setMath(bl._math(f"time >= {_num(t_h)}")), "trigger")
        ea = ev.createEventAssignment()
        ea.setVariable("infusion_rate_ug_per_kg_h")
        bl._ok(ea.setMath(bl._math(_num(rate))), "event assignment")
        bl._notes(ev, [f"At {t_h:g} h the infusion rate becomes {rate:g} ug/kg/h"])
    bl.reaction(
        "infusion",
        None,
        "A1",
        "infusion_rate_ug_per_kg_h * weight_kg",
        "IV infusion R(t) x W into the central compartment, ug/h",
    )
    bl.reaction("elimination", "A1", None, f"{cl} * A1 / central", "Elimination CL x Cp, ug/h")
    bl.reaction(
        "distribution",
        "A1",
        "A2",
        f"{q} * (A1 / central - A2 / peripheral)",
        "Distribution Q x (C1 - C2), ug/h",
    )
    bl.derived(
        "plasma_drug_ng_per_ml", "A1 / central", "ng/mL", "Drug plasma concentration (total), ng/mL"
    )
    bl.derived(
        "plasma_total_ng_per_ml",
        f"plasma_drug_ng_per_ml + {T('brexanolone_pk.endogenous_ng_per_ml')}",
        "ng/mL",
        "Drug + endogenous allopregnanolone in plasma (total), ng/mL",
    )
    bl.state(
        "effect_site_drug_ng_per_ml",
        0.0,
        "ng/mL",
        "Effect-site drug concentration (total-equivalent), ng/mL",
        f"{T('brexanolone_pk.ke0_per_h')} * (plasma_drug_ng_per_ml - effect_site_drug_ng_per_ml)",
    )
    nm_per = f"({T('brexanolone_pk.fu_plasma')} * {T('brexanolone_pk.kp_uu_brain')} * 1000 / " + (
        f"{T('brexanolone_pk.mw_g_per_mol')})"
    )
    bl.derived(
        "biophase_free_drug_nM",
        f"effect_site_drug_ng_per_ml * {nm_per}",
        "nM",
        "Unbound drug at the brain receptors (fu x Kp,uu x Ce), nM",
    )
    bl.derived(
        "endogenous_free_nM",
        f"{T('brexanolone_pk.endogenous_ng_per_ml')} * {nm_per}",
        "nM",
        "Unbound endogenous allopregnanolone at the receptors, nM",
    )
    bl.derived(
        "allo_free_nM",
        "biophase_free_drug_nM + endogenous_free_nM",
        "nM",
        "Total free allopregnanolone at the receptors (drug + endogenous), nM",
    )

    # ------------------------------------------------------------------ GABA-A tone index
    bl.function(
        "hill_potentiation",
        ("c", "ec50", "emax", "n"),
        "(c / ec50)^(n - 1) / (1 + (c / ec50)^n) * emax * (c / ec50)",
        "Fractional allosteric potentiation Emax u^n / (1 + u^n), u = c / EC50 (gabaa); "
        "called only with c > 0 (the endogenous level is > 0)",
    )
    bl.function(
        "direct_gating",
        ("c", "ec50", "m", "dmax"),
        "dmax * (c / ec50)^m / (1 + (c / ec50)^m)",
        "Direct gating as a fraction of the maximal GABA current (gabaa)",
    )
    hill = T("gabaa.allo_hill")
    f_gaba = T("gabaa.tonic_gaba_fraction")
    g2_share = (
        bl.derived(
            "tonic_g2_share",
            f"1 - {T('gabaa.delta_retained_epileptic')}",
            "1",
            "Share of tonic conductance carried by alpha4-gamma2 receptors (epileptic state)",
        )
        if sensitivity == "epileptic"
        else bl.parameter(
            "tonic_g2_share",
            gp.tonic_g2_share,
            "1",
            "Share of tonic conductance carried by alpha4-gamma2 receptors: 0 in the control "
            "receptor state",
        )
    )

    def rel(c: str, subtype: str) -> str:
        if subtype == "delta":
            e = f"hill_potentiation({c}, {T('gabaa.allo_ec50_delta_nM')}, "
            e += f"{T('gabaa.allo_emax_delta')}, {hill})"
            dmax = T("gabaa.direct_max_delta")
        else:
            e = f"hill_potentiation({c}, {T('gabaa.allo_ec50_a4g2_nM')}, "
            e += f"{T('gabaa.allo_emax_gamma2')}, {hill})"
            dmax = T("gabaa.direct_max_gamma2")
        d = f"direct_gating({c}, {T('gabaa.allo_direct_ec50_nM')}, "
        d += f"{T('gabaa.allo_direct_hill')}, {dmax})"
        return f"(1 + {e} + {d} / {f_gaba})"

    def conductance(c: str, level: str) -> str:
        g0 = f"{T('gabaa.tonic_g_per_od_nS')} * " + _clip_formula(
            f"({T(level)} - {T('gabaa.tonic_delta_offset_od')})", "0", None
        )
        return f"{g0} * ((1 - {g2_share}) * {rel(c, 'delta')} + {g2_share} * {rel(c, 'a4g2')})"

    ref = T("gabaa.tone_reference_free_nM")
    bl.derived(
        "g_tonic_ppd_nS",
        conductance("allo_free_nM", "gabaa.delta_level_ppd"),
        "nS",
        "Tonic conductance of a PPD granule cell at the free allopregnanolone, nS",
    )
    bl.derived(
        "g_tonic_ppd_ref_nS",
        conductance(ref, "gabaa.delta_level_ppd"),
        "nS",
        "Tonic conductance, PPD delta level, at the reference endogenous level, nS",
    )
    bl.derived(
        "g_tonic_postpartum_ref_nS",
        conductance(ref, "gabaa.delta_level_postpartum"),
        "nS",
        "Tonic conductance, healthy postpartum delta level, at the reference level, nS",
    )
    bl.derived(
        "g_tonic_ppd_drug_free_nS",
        conductance("endogenous_free_nM", "gabaa.delta_level_ppd"),
        "nS",
        "Tonic conductance of a PPD granule cell without drug, nS",
    )
    span = "(g_tonic_postpartum_ref_nS - g_tonic_ppd_ref_nS)"
    bl.derived(
        "tone_index",
        _clip_formula(f"((g_tonic_ppd_nS - g_tonic_ppd_ref_nS) / {span})", "0", "1"),
        "1",
        "GABAergic tone index (0 untreated PPD, 1 healthy postpartum), clipped to [0, 1]",
    )
    bl.derived(
        "tone_index_drug_free",
        _clip_formula(f"((g_tonic_ppd_drug_free_nS - g_tonic_ppd_ref_nS) / {span})", "0", "1"),
        "1",
        "Tone index without drug (the BDNF drive's baseline G0)",
    )

    # ------------------------------------------------------------------ TLR / cytokines
    r_grid, phi = tlr.get_qss_table(ps)
    for j, c in enumerate(_CYT):
        bl.function(
            f"qss_{c}",
            ("r",),
            _interp_formula("r", r_grid, phi[:, j]),
            f"Quasi-steady secretion of {c} relative to baseline vs coupling capacity r: exact "
            "piecewise-linear interpolation of brexsim.mechanism.tlr.get_qss_table (cell model "
            f"steady states; parameter set {ps.hash}) on its {len(r_grid)} knots",
        )
    ln2 = _num(math.log(2.0))
    bl.derived(
        "drug_total_uM",
        _clip_formula(f"(plasma_drug_ng_per_ml / {T('brexanolone_pk.mw_g_per_mol')})", "0", None),
        "uM",
        "Total plasma drug concentration (floored at 0), uM",
    )
    bl.derived(
        "ic50_subject_uM",
        f"{T('tlr.drug_ic50_uM')} * infl_ic50_scale",
        "uM",
        "Subject TLR-MyD88 inhibition IC50, uM",
    )
    n_tlr = T("tlr.drug_hill")
    bl.derived(
        "tlr_inhibition",
        f"{T('tlr.drug_imax')} * drug_total_uM^{n_tlr} / "
        f"(ic50_subject_uM^{n_tlr} + drug_total_uM^{n_tlr})",
        "1",
        "Fraction of the MyD88 pool kept from TLR coupling by the drug",
    )
    bl.derived(
        "innate_clipped", _clip_formula("innate_state", "0", "1"), "1", "innate_state in [0, 1]"
    )
    bl.derived(
        "coupling_capacity",
        "innate_clipped * (1 - tlr_inhibition)",
        "1",
        "Relative MyD88 coupling capacity r = innate x (1 - I(C))",
    )
    k_rec = bl.derived(
        "k_innate_recover_per_h",
        f"{ln2} / {T('tlr.innate_recovery_halflife_h')}",
        "1/h",
        "Innate-state recovery rate, 1/h",
    )
    k_rep = bl.derived(
        "k_innate_reprogram_per_h",
        f"{T('tlr.innate_reprogram_per_h')} * infl_reprogram_scale",
        "1/h",
        "Subject innate reprogramming rate, 1/h",
    )
    bl.state(
        "innate_state",
        1.0,
        "1",
        "Coupling capacity of circulating innate cells (1 = baseline)",
        f"{k_rec} * (1 - innate_state) - {k_rep} * tlr_inhibition * innate_clipped",
    )
    y0_tlr = np.asarray(tlr.get_in_vivo_baseline(ps))
    for j, c in enumerate(_CYT):
        res = f"1 / {T(f'tlr.{c}_mrna_deg_per_min')} + 1 / ({T(f'tlr.{c}_secretion_per_min')} + "
        res += f"{T(f'tlr.{c}_intracellular_deg_per_min')})"
        if c == "il6":
            res += f" + 1 / {T('tlr.il6_secondary_k_per_min')}"
        klag = bl.derived(
            f"klag_{c}_per_h",
            f"60 / ({res})",
            "1/h",
            f"1 / mean intracellular residence time of the {c} production chain, 1/h",
        )
        kout = bl.derived(
            f"kout_{c}_per_h",
            f"{ln2} / {T(f'tlr.{c}_plasma_halflife_h')}",
            "1/h",
            f"Plasma elimination rate of {c}, 1/h",
        )
        prod = f"{c}_production"
        bl.state(
            prod,
            float(y0_tlr[1 + j]),
            "1",
            f"TLR-driven secretion of {c} relative to baseline (lagged QSS)",
            f"{klag} * (qss_{c}(coupling_capacity) - {prod})",
        )
        base = T(f"tlr.{c}_baseline_pg_per_ml")
        frac = T(f"tlr.{c}_tlr_fraction")
        bl.state(
            f"{c}_pg_per_ml",
            float(y0_tlr[4 + j]),
            "pg/mL",
            f"Plasma {c}, pg/mL",
            f"{kout} * {base} * ({frac} * {_clip_formula(prod, '0', None)} + 1 - {frac}) "
            f"- {kout} * {c}_pg_per_ml",
        )
    bl.derived(
        "tnf_fold",
        f"tnf_pg_per_ml / {T('tlr.tnf_baseline_pg_per_ml')}",
        "1",
        "Plasma TNF-a fold change from baseline",
    )
    bl.derived(
        "il6_fold",
        f"il6_pg_per_ml / {T('tlr.il6_baseline_pg_per_ml')}",
        "1",
        "Plasma IL-6 fold change from baseline",
    )

    # ------------------------------------------------------------------ BDNF
    nmk, nplt = bdnf.N_MEGAKARYOCYTE, bdnf.N_PLATELET
    k_n = bl.derived(
        "k_bdnf_drive_per_h", f"{ln2} / {T('bdnf.drive_halflife_h')}", "1/h", "Drive rate, 1/h"
    )
    k_mk = bl.derived(
        "k_megakaryocyte_per_h",
        f"{nmk} / {T('bdnf.megakaryocyte_maturation_h')}",
        "1/h",
        f"Megakaryocyte transit rate ({nmk} stages), 1/h",
    )
    k_plt = bl.derived(
        "k_platelet_per_h",
        f"{nplt} / {T('bdnf.platelet_lifespan_h')}",
        "1/h",
        f"Platelet ageing rate ({nplt} stages), 1/h",
    )
    k_x = bl.derived(
        "k_exchange_per_h",
        f"{ln2} / {T('bdnf.exchange_halflife_h')}",
        "1/h",
        "Exchange rate of platelet content with plasma, 1/h",
    )
    bl.derived(
        "bdnf_drive_input",
        f"{T('bdnf.gaba_weight')} * (tone_index - tone_index_drug_free) + "
        f"{T('bdnf.inflammation_weight')} * (1 - tnf_fold)",
        "1",
        "Neurotrophic drive D(t) = w_G (G - G0) + w_I (1 - TNF fold)",
    )
    bl.derived("bdnf_supply", _clip_formula("(1 + bdnf_drive)", "0", None), "1", "Relative supply")
    bl.state(
        "bdnf_drive",
        0.0,
        "1",
        "Neurotrophic drive state (0 = baseline)",
        f"{k_n} * (bdnf_drive_input - bdnf_drive)",
    )
    up = "bdnf_supply"
    for i in range(nmk):
        sid = f"megakaryocyte_content_{i + 1}"
        bl.state(
            sid, 1.0, "1", "Relative BDNF content, megakaryocyte stage", f"{k_mk} * ({up} - {sid})"
        )
        up = sid
    plts = []
    for i in range(nplt):
        sid = f"platelet_content_{i + 1}"
        bl.state(
            sid, 1.0, "1", "Relative BDNF content, platelet age stage", f"{k_plt} * ({up} - {sid})"
        )
        plts.append(sid)
        up = sid
    bl.state(
        "exchangeable_content",
        1.0,
        "1",
        "Exchangeable platelet BDNF content (relative)",
        f"{k_x} * (bdnf_supply - exchangeable_content)",
    )
    fx = T("bdnf.exchange_fraction")
    b0 = T("bdnf.ppd_baseline_ng_per_ml")
    bl.derived(
        "bdnf_serum_ng_per_ml",
        f"{b0} * ((1 - {fx}) * ({' + '.join(plts)}) / {nplt} + {fx} * exchangeable_content)",
        "ng/mL",
        "Serum BDNF, ng/mL",
    )
    bl.derived(
        "bdnf_change_sd",
        f"(bdnf_serum_ng_per_ml - {b0}) / {T('bdnf.healthy_sd_ng_per_ml')}",
        "SD",
        "Serum BDNF change from baseline in healthy-SD units",
    )

    # ------------------------------------------------------------------ HAM-D-17
    inpatient = regimen.setting == "inpatient"
    which = "inpatient" if inpatient else "outpatient"
    pmax_typ = T(f"hamd.placebo_max_{which}")
    td = T(f"hamd.placebo_td_{which}_h")
    bl.derived(
        "placebo_max",
        f"1 / (1 + exp(-(ln({pmax_typ} / (1 - {pmax_typ})) + eta_placebo)))",
        "1",
        f"Maximal placebo fraction of the patient ({which} setting of the regimen)",
    )
    bl.derived(
        "placebo_fraction",
        f"placebo_max * (1 - exp(-(time / {td})^{T('hamd.placebo_shape')}))",
        "1",
        "Placebo fraction of baseline P(t)",
    )
    emax_t = T("hamd.max_drug_effect")
    bl.derived(
        "drug_emax",
        f"1 / (1 + exp(-(ln({emax_t} / (1 - {emax_t})) + eta_drug)))",
        "1",
        "Maximal drug effect of the patient",
    )
    k_rel = bl.derived(
        "k_relapse_per_h",
        f"{ln2} / {T('hamd.relapse_halflife_h')}",
        "1/h",
        "Relapse rate of the remission state, 1/h",
    )
    bl.derived(
        "remission_drive_per_h",
        f"{T('hamd.fast_rate_per_h')} * {_clip_formula('tone_index', '0', None)} + "
        f"{T('hamd.immune_weight')} * {_clip_formula('(1 - tnf_fold)', '0', None)} + "
        f"{T('hamd.bdnf_weight')} * {_clip_formula('bdnf_change_sd', '0', None)}",
        "1/h",
        "Drive of the remission state, 1/h",
    )
    bl.state(
        "remission_state",
        0.0,
        "1",
        "HAM-D remission (disease) state R",
        f"remission_drive_per_h * (1 - remission_state) - {k_rel} * remission_state",
    )
    b0h, bref = T("hamd.severity_threshold_hamd"), T("hamd.severity_reference_hamd")
    bl.derived(
        "severity_exponent",
        f"({bref} / hamd_baseline) * {_clip_formula(f'(hamd_baseline - {b0h})', '0', None)} "
        f"/ ({bref} - {b0h})",
        "1",
        "Severity exponent s(B) (Fournier 2010)",
    )
    raw = (
        f"(hamd_baseline * (1 - placebo_fraction) * "
        f"(1 - drug_emax * {_clip_formula('remission_state', '0', '1')})^severity_exponent)"
    )
    bl.derived(
        "hamd_expected",
        _clip_formula(raw, "0", T("hamd.max_score")),
        "points",
        "Expected HAM-D-17 score, clipped to [0, max_score]",
    )
    return doc


def check_sbml_document(doc: libsbml.SBMLDocument) -> dict[str, Any]:
    """Run libsbml's consistency checks (all categories, units included).

    Returns ``{"errors": [...], "warnings": [...]}`` (messages; errors include fatal ones).
    """
    doc.setConsistencyChecks(libsbml.LIBSBML_CAT_UNITS_CONSISTENCY, True)
    doc.setConsistencyChecks(libsbml.LIBSBML_CAT_MODELING_PRACTICE, True)
    doc.checkConsistency()
    errors, warnings = [], []
    for i in range(doc.getNumErrors()):
        e = doc.getError(i)
        msg = (
            f"{e.getErrorId()} line {e.getLine()}: {e.getShortMessage()}: {e.getMessage().strip()}"
        )
        (errors if e.getSeverity() >= libsbml.LIBSBML_SEV_ERROR else warnings).append(msg)
    return {"errors": errors, "warnings": warnings}


def get_sbml_string(regimen: Regimen, **kwargs: Any) -> str:
    """The SBML document (XML text) of :func:`build_sbml_document`."""
    return libsbml.writeSBMLToString(build_sbml_document(regimen, **kwargs))


def export_sbml(
    out: str | Path,
    regimen: Regimen,
    weight_kg: float = 70.0,
    params: ParameterSet | None = None,
    sensitivity: str = "control",
    hamd_baseline: float = 28.6,
) -> Mapping[str, Any]:
    """Write the SBML file ``out`` (atomically); returns a summary (counts, check results).

    Refuses to write a document with consistency errors.
    """
    doc = build_sbml_document(regimen, weight_kg, params, sensitivity, hamd_baseline)
    checks = check_sbml_document(doc)
    if checks["errors"]:
        raise RuntimeError("SBML consistency errors: " + "; ".join(checks["errors"][:5]))
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    if not libsbml.writeSBMLToFile(doc, str(tmp)):
        raise OSError(f"could not write {tmp}")
    tmp.replace(out)
    m = doc.getModel()
    return {
        "path": str(out),
        "species": m.getNumSpecies(),
        "parameters": m.getNumParameters(),
        "rate_rules": sum(1 for r in m.getListOfRules() if r.isRate()),
        "assignment_rules": sum(1 for r in m.getListOfRules() if r.isAssignment()),
        "reactions": m.getNumReactions(),
        "events": m.getNumEvents(),
        "warnings": len(checks["warnings"]),
    }
