"""SBML export, first half of the equations: the patient parameters, brexanolone PK with the
effect site, and the GABA-A tone index.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import libsbml

from brexsim.dosing.regimen import Regimen
from brexsim.model.sbml._builder import (
    _Builder,
    _clip_formula,
    _num,
    _rate_steps,
)


def _add_patient(bl: _Builder, w: float, b: float) -> None:
    """The per-patient parameters (:data:`PATIENT_PARAMETERS`)."""
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


def _add_pk(bl: _Builder, T: Callable[[str], str], m: libsbml.Model, regimen: Regimen) -> None:
    """Brexanolone PK: compartments, species, reactions, the infusion events and the effect site."""
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


def _add_gabaa(bl: _Builder, T: Callable[[str], str], gp: Any, sensitivity: str) -> None:
    """The GABA-A tone index (assignment rules)."""
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
