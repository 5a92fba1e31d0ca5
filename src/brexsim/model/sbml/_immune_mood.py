"""SBML export, second half of the equations: TLR/cytokine in vivo states, serum BDNF and the
HAM-D-17 remission state and expected score.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from brexsim.dosing.regimen import Regimen
from brexsim.model.sbml._builder import (
    _CYT,
    _Builder,
    _clip_formula,
    _interp_formula,
    _num,
)
from brexsim.params import ParameterSet


def _add_tlr(bl: _Builder, T: Callable[[str], str], ps: ParameterSet) -> None:
    """The TLR/cytokine in vivo states (rate rules) and the QSS secretion functions."""
    from brexsim.mechanism import tlr

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


def _add_bdnf(bl: _Builder, T: Callable[[str], str]) -> None:
    """BDNF: the eleven states as rate rules, serum BDNF and its change in SD units."""
    from brexsim.mechanism import bdnf

    ln2 = _num(math.log(2.0))
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


def _add_hamd(bl: _Builder, T: Callable[[str], str], regimen: Regimen) -> None:
    """HAM-D-17: the remission state, the placebo fraction and the expected score."""
    ln2 = _num(math.log(2.0))
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
