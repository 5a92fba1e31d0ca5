"""Validation checks of the clinical layers and the special populations: sedation (with and
without PK IIV), HAM-D, the labels' covariates."""

from __future__ import annotations

from brexsim.validation.records import Record, interval_record
from brexsim.validation.stats import clopper_pearson

__all__ = ["check_hamd", "check_label_covariates", "check_sedation"]


def check_sedation() -> list[Record]:
    """Expected (large-n) somnolence, LOC and interruption rates inside the label's 95 % CIs."""
    from brexsim.calibration.sedation import TARGETS, get_model_rates

    rates = get_model_rates()
    arm_id = {"zulresso": "brx90", "study1-brx60": "brx60", "placebo": "placebo"}
    out = []
    for key, (k, n, src) in TARGETS.items():
        kind, arm = key.split(".", 1)
        lo, hi = clopper_pearson(k, n)
        if arm == "brexanolone":
            model = rates["brexanolone_pooled"][kind if kind != "loc" else "loss_of_consciousness"]
            rid = f"{kind}.study1.brexanolone"
        else:
            field = {
                "somnolence": "somnolence",
                "loc": "loss_of_consciousness",
                "interruption": "interruption",
            }[kind]
            model = rates[arm][field]
            rid = f"{'sedation' if kind == 'somnolence' else kind}.study1.{arm_id[arm]}"
        out.append(
            interval_record(
                rid,
                "sedation",
                f"{kind} rate, {arm} (expected, large n)",
                src,
                k / n,
                lo,
                hi,
                model,
                "fraction",
                f"95 % Clopper-Pearson CI of {k}/{n}",
            )
        )
    out += _check_sedation_pk_iiv()
    rec = rates["recovery_min"]
    out.append(
        interval_record(
            "sedation.recovery",
            "sedation",
            "median recovery after a sedation stop",
            "Zulresso PI section 5.1 (recovery 15-60 min)",
            37.5,
            15.0,
            60.0,
            rec["median"],
            "min",
        )
    )
    return out


def _check_sedation_pk_iiv() -> list[Record]:
    """Somnolence with PK IIV on (the PD split, brexsim.clinical.sedation_pk): inside the
    label's CI and within 1 point of the typical-PK rate the layer was calibrated on."""
    from brexsim.calibration.sedation import TARGETS, ZURANOLONE_SOMNOLENCE
    from brexsim.clinical.sedation_pk import get_somnolence_rates_with_pk_iiv

    out = []
    arms = {"zulresso": "brx90", "study1-brx60": "brx60", "zuranolone-50mg": "zuranolone_50mg"}
    for preset, rid in arms.items():
        r = get_somnolence_rates_with_pk_iiv(preset)
        if preset in ("zulresso", "study1-brx60"):
            k, n, src = TARGETS[f"somnolence.{preset}"]
            target = k / n
            lo, hi = clopper_pearson(k, n)
            tol = f"95 % Clopper-Pearson CI of {k}/{n}"
        else:
            target, src = ZURANOLONE_SOMNOLENCE
            lo, hi = target - 0.02, target + 0.02
            tol = "the calibrated 36 % +/- 2 points (the label gives no arm size)"
        lo = max(lo, r["typical_pk"] - 0.01)
        hi = min(hi, r["typical_pk"] + 0.01)
        out.append(
            interval_record(
                f"sedation.pk_iiv.{rid}",
                "sedation",
                f"somnolence rate, {preset}, with PK IIV (PD split on)",
                src,
                target,
                lo,
                hi,
                r["pk_iiv"],
                "fraction",
                f"{tol}, and within 0.01 of the typical-PK rate {r['typical_pk']:.4f}",
                note=f"without the PD split (PK IIV counted twice): {r['pk_iiv_no_split']:.4f}",
            )
        )
    return out


def check_hamd() -> list[Record]:
    """Study 1 (hour 60) and ROBIN (day 15) HAM-D targets: expected values of a large virtual
    population of the HAM-D layer driven by the typical patient's mechanistic inputs."""
    from brexsim.calibration.hamd import get_hamd_checks

    out = []
    for r in get_hamd_checks():
        tol = r["tolerance"]
        if isinstance(tol, list | tuple):
            lo, hi, text = float(tol[0]), float(tol[1]), f"[{tol[0]:g}, {tol[1]:g}]"
        elif tol is None:
            lo = hi = None
            text = "one-sided (see description)"
        else:
            lo, hi, text = r["target"] - float(tol), r["target"] + float(tol), f"± {float(tol):g}"
        out.append(
            Record(
                id=r["id"],
                layer="hamd",
                description=r["description"],
                source=r["source"],
                target=r["target"],
                tolerance=text,
                model=r["model"],
                passed=r["passed"],
                lower=lo,
                upper=hi,
                unit="points",
                note="n = 20,000 per arm; mechanistic inputs of the typical 70-kg patient",
            )
        )
    return out


def check_label_covariates() -> list[Record]:
    """Each label special population: exposure change and the label's dose advice
    (:func:`brexsim.population.label_checks.get_label_covariate_checks`)."""
    from brexsim.population.label_checks import get_label_covariate_checks

    out = []
    for r in get_label_covariate_checks():
        adj = r["adjusted_auc_ratio"]
        extra = f"; adjusted/unbound AUC ratio {adj:.4f}" if adj is not None else ""
        out.append(
            Record(
                id=r["id"],
                layer="covariates",
                description=f"{r['drug']}, {r['population']}: {r['label']}",
                source=r["label_figure"],
                target=float(r["target"]) if r["target"] is not None else r["label"],
                tolerance=r["criterion"],
                model=round(float(r["auc_ratio"]), 6),
                passed=r["passed"],
                lower=r["lower"],
                upper=r["upper"],
                unit="AUC ratio",
                note=(r["note"] + extra).lstrip("; "),
            )
        )
    return out
