"""SBML export: constants, formula helpers and the document builder (ids, units, parameters,
rules, notes and annotations) shared by the layer writers.
"""

from __future__ import annotations

import html
import math

import libsbml
import numpy as np

from brexsim.dosing.regimen import Regimen
from brexsim.params import ParameterSet

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
