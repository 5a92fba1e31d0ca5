"""The validation checks, one function per group; each returns :class:`Record` objects.

Targets and tolerances come from ``shared/design.md`` section 7 and the issues; the sources are
named in every record.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from brexsim.validation.checks_clinical import check_hamd, check_label_covariates, check_sedation
from brexsim.validation.checks_mechanism import (
    check_cytokines,
    check_gabaa,
    check_inflammation,
    check_neuron,
)
from brexsim.validation.records import Record, interval_record
from brexsim.validation.stats import clopper_pearson

__all__ = ["ALL_CHECKS", "clopper_pearson"]


def check_pk() -> list[Record]:
    """Brexanolone (Wald 2022, label) and zuranolone (label) PK targets."""
    from brexsim.dosing import OralDose, Regimen, get_preset
    from brexsim.pk import get_brexanolone_pk, get_exposure_summary, simulate_pk
    from brexsim.pk.zuranolone import get_zuranolone_pk, simulate_exact

    reg = get_preset("zulresso")
    s = get_exposure_summary(simulate_pk(reg, 70.0), reg)
    wald = "Wald et al. 2022 Clin Pharmacokinet 61:1307 (n=12, zulresso titration)"
    out = [
        interval_record(
            "pk.cmax",
            "pk",
            "Cmax, typical 70-kg patient on zulresso",
            wald,
            89.7,
            74.0,
            108.0,
            s["cmax_ng_per_ml"],
            "ng/mL",
        ),
        interval_record(
            "pk.tmax", "pk", "tmax on zulresso", wald, 47.8, 47.0, 56.0, s["tmax_h"], "h"
        ),
        interval_record(
            "pk.auc",
            "pk",
            "AUCinf on zulresso (within ±20 %)",
            wald,
            3737.0,
            0.8 * 3737.0,
            1.2 * 3737.0,
            s["auc_inf_ng_h_per_ml"],
            "ng*h/mL",
        ),
        interval_record(
            "pk.thalf",
            "pk",
            "terminal half-life",
            "Zulresso PI (~9 h); " + wald,
            11.3,
            9.0,
            13.0,
            s["t_half_h"],
            "h",
        ),
        interval_record(
            "pk.vss",
            "pk",
            "Vss per kg",
            "Zulresso PI (Vd ~3 L/kg)",
            3.0,
            2.5,
            3.5,
            get_brexanolone_pk(70.0).vss_L / 70.0,
            "L/kg",
        ),
    ]
    zreg = get_preset("zuranolone-50mg")
    z = get_exposure_summary(simulate_pk(zreg), zreg)
    label = "Zurzuvae PI section 12.3"
    out += [
        interval_record(
            "pk.zuranolone.tmax",
            "pk",
            "tmax after a fed dose",
            label,
            5.5,
            5.0,
            6.0,
            z["tmax_first_dose_h"],
            "h",
        ),
        interval_record(
            "pk.zuranolone.thalf",
            "pk",
            "terminal half-life",
            label,
            22.15,
            19.7,
            24.6,
            z["t_half_h"],
            "h",
        ),
        interval_record(
            "pk.zuranolone.accumulation",
            "pk",
            "accumulation ratio once daily",
            label,
            1.5,
            1.3,
            1.7,
            z["accumulation_ratio"],
        ),
    ]
    zpk = get_zuranolone_pk()
    t = np.arange(0.0, 2000.0, 0.05)
    fed, _ = simulate_exact(Regimen("zuranolone", oral_doses=(OralDose(0, 30, True),)), zpk, t)
    fast, _ = simulate_exact(Regimen("zuranolone", oral_doses=(OralDose(0, 30, False),)), zpk, t)
    out += [
        interval_record(
            "pk.zuranolone.food_cmax",
            "pk",
            "fed/fasted Cmax ratio, 30 mg",
            label,
            3.9,
            3.5,
            4.3,
            float(fed.max() / fast.max()),
        ),
        interval_record(
            "pk.zuranolone.food_auc",
            "pk",
            "fed/fasted AUC ratio, 30 mg",
            label,
            1.9,
            1.8,
            2.0,
            float(np.trapezoid(fed, t) / np.trapezoid(fast, t)),
        ),
    ]
    return out


ALL_CHECKS: dict[str, Callable[[], list[Record]]] = {
    "pk": check_pk,
    "gabaa": check_gabaa,
    "neuron": check_neuron,
    "inflammation": check_inflammation,
    "sedation": check_sedation,
    "hamd": check_hamd,
    "cytokines": check_cytokines,
    "covariates": check_label_covariates,
}
