"""The validation checks of the mechanism layers: GABA-A, the granule-cell model, the
inflammation layer (Balan 2023) and the in vivo cytokines; each returns :class:`Record` objects.

Targets and tolerances come from ``shared/design.md`` section 7 and the issues; the sources are
named in every record. :data:`brexsim.validation.checks.ALL_CHECKS` collects them.
"""

from __future__ import annotations

import numpy as np

from brexsim.validation.records import Record, interval_record


def check_gabaa() -> list[Record]:
    """Simulated Mtchedlishvili 2001 EC50s and Maguire & Mody 2008 tonic currents."""
    from brexsim.mechanism.gabaa import get_tonic_current_pA
    from brexsim.mechanism.mtchedlishvili import run_mtchedlishvili

    src = "Mtchedlishvili, Bertram & Kapur 2001 J Physiol 537:453"
    out = []
    for sens, target in (("control", 12.9), ("epileptic", 92.7)):
        r = run_mtchedlishvili(sens)
        out.append(
            interval_record(
                f"gabaa.ec50.{sens}",
                "gabaa",
                f"apparent EC50 of the simulated experiment, {sens}",
                src,
                target,
                0.95 * target,
                1.05 * target,
                r.ec50_nM,
                "nM",
                "within 5 %",
            )
        )
    mm = "Maguire & Mody 2008 Neuron 59:207 (mouse DGGC tonic current, mean ± SEM)"
    for state, (m, e) in {
        "virgin": (39.8, 4.4),
        "pregnant": (19.7, 3.6),
        "postpartum": (40.4, 7.1),
    }.items():
        cur = float(get_tonic_current_pA([0.0], state)[0])
        out.append(
            interval_record(
                f"gabaa.tonic.{state}",
                "gabaa",
                f"tonic current, {state} delta state",
                mm,
                m,
                m - e,
                m + e,
                cur,
                "pA",
                "reported ± spread",
            )
        )
    return out


def check_neuron() -> list[Record]:
    """Granule-cell passive properties and maximum rate (Lübke 1998)."""
    from brexsim.mechanism.neuron import get_passive_properties, simulate_f_i

    src = "Lübke, Frotscher & Spruston 1998 J Neurophysiol (rat slice, n=16, mean ± SEM)"
    p = get_passive_properties()
    rate = float(simulate_f_i([500.0]).rate_Hz[0, 0])
    return [
        interval_record(
            "neuron.rmp", "neuron", "resting potential", src, -75.0, -77.0, -73.0, p["rmp_mV"], "mV"
        ),
        interval_record(
            "neuron.rin",
            "neuron",
            "input resistance",
            src,
            292.0,
            258.0,
            326.0,
            p["rin_MOhm"],
            "MOhm",
        ),
        interval_record(
            "neuron.tau_m",
            "neuron",
            "membrane time constant",
            src,
            31.0,
            29.0,
            33.0,
            p["tau_m_ms"],
            "ms",
        ),
        interval_record(
            "neuron.max_rate",
            "neuron",
            "maximum firing rate (500 pA step)",
            src,
            72.0,
            64.0,
            80.0,
            rate,
            "Hz",
        ),
    ]


def check_inflammation() -> list[Record]:
    """TLR/cytokine behaviour under zulresso vs placebo, in vitro potency, BDNF (issue 4)."""
    from brexsim.calibration.tlr import get_cascade_inhibition
    from brexsim.dosing import get_preset
    from brexsim.mechanism import bdnf, tlr
    from brexsim.pk import simulate_pk

    t = np.arange(0.0, 24.0 * 30 + 1.0, 1.0)
    c = simulate_pk(get_preset("zulresso"), 70.0, t).plasma_drug_ng_per_ml
    res = tlr.simulate_inflammation(t, c)
    pla = tlr.simulate_inflammation(t, np.zeros_like(t))
    cv = "Jorda et al. 2024 J Inflamm Res 17:4781 (technical CV 5.4-9.2 %)"
    balan = "Balan et al. 2023 eBioMedicine 89:104473 (basal TNF-a, IL-6 fall after infusion)"
    out = []
    for cyt in ("tnf", "il6"):
        fc = res.get_fold_change(cyt)
        for label, i in (("h60", 60), ("d7", 168)):
            out.append(
                interval_record(
                    f"tlr.basal.{cyt}.{label}",
                    "tlr",
                    f"basal {cyt} fold change at {label} on zulresso (below 1 by more than the "
                    "assay's technical CV)",
                    f"{balan}; {cv}",
                    1.0,
                    0.0,
                    0.908,
                    float(fc[i]),
                    "fold",
                )
            )
        pf = pla.get_fold_change(cyt)
        out.append(
            interval_record(
                f"tlr.basal.{cyt}.placebo",
                "tlr",
                f"basal {cyt} on placebo: no change beyond noise",
                cv,
                1.0,
                0.908,
                1.092,
                float(pf[60]),
                "fold",
            )
        )
    inh = np.asarray(get_cascade_inhibition())
    out.append(
        interval_record(
            "tlr.invitro.lps",
            "tlr",
            "inhibition of the LPS cascade at 0.5 and 1 uM (worst read-out)",
            "Balan et al. 2019 Sci Rep 9:1220 (~80 % at 0.5-1 uM)",
            0.8,
            0.7,
            0.9,
            float(inh.flat[np.argmax(np.abs(inh - 0.8))]),
            "fraction",
            "0.80 ± 0.10",
        )
    )
    tt = np.array([0.0, 240.0])
    ref = tlr.simulate_cells(tt, tlr.CellInputs(pic_uM=10.0))["tnf_secreted_pg_per_ml"][-1]
    drug = tlr.simulate_cells(tt, tlr.CellInputs(pic_uM=10.0, drug_total_uM=1.0))
    out.append(
        interval_record(
            "tlr.invitro.trif",
            "tlr",
            "inhibition of a TRIF-only (TLR3) stimulus at 1 uM",
            "Balan et al. 2021 Transl Psychiatry 11:145 (TLR3 not inhibited)",
            0.0,
            -0.05,
            0.05,
            float(1.0 - drug["tnf_secreted_pg_per_ml"][-1] / ref),
            "fraction",
        )
    )
    d = bdnf.simulate_bdnf(t, c).get_change_sd()
    brunoni = "Brunoni et al. 2008 Int J Neuropsychopharmacol 11:1169 (SMD 0.62, 0.36-0.88)"
    out.append(
        interval_record(
            "bdnf.h60",
            "bdnf",
            "serum BDNF change at h60 (above baseline)",
            brunoni,
            0.62,
            1e-6,
            0.88,
            float(d[60]),
            "SD",
        )
    )
    out.append(
        interval_record(
            "bdnf.day30",
            "bdnf",
            "serum BDNF change at day 30 inside the antidepressant prior",
            brunoni,
            0.62,
            0.36,
            0.88,
            float(d[720]),
            "SD",
        )
    )
    return out


def check_cytokines() -> list[Record]:
    """Balan 2023: 200 replicate single-arm studies (n = 11 basal, 10 stimulated).

    Paired pre/post records pass when the published p lies inside the central 95 % of the
    replicate p-values (issue 5). Correlation records (``.hamd_correlation``): Pearson r of each
    subject's cytokine change with her model HAM-D improvement (0 -> 60 h; her immune random
    effects drive her in vivo TNF-a, BDNF and HAM-D, :func:`brexsim.calibration.balan.
    get_balan_hamd_correlations`); pass when the MEDIAN replicate p < 0.05 with the published
    sign (a larger fall with a larger improvement, r < 0). Why not the interval rule here: for
    correlations the issue gives only "each correlation p < 0.05" (exact p for basal TNF-a 0.049
    and IL-6 0.02), and a model with no link at all (replicate p uniform on [0, 1], central 95 %
    = [0.025, 0.975]) would satisfy it for every row reported as "p < 0.05" and for TNF-a; the
    median rule asks the typical study of the published size to reproduce the published
    significance. The interval-rule result is in each note, for information.
    """
    from brexsim.calibration.balan import get_balan_hamd_correlations, get_balan_replicate_pvalues

    tab = get_balan_replicate_pvalues(replicates=200, seed=2023)
    corr = get_balan_hamd_correlations(replicates=200, seed=2023)
    src = "Balan et al. 2023 eBioMedicine 89:104473 (pre vs post infusion, paired)"
    out = []
    for row, c in zip(tab.itertuples(index=False), corr.to_dict("records"), strict=True):
        rid = f"cytokine.{row.analyte}.{row.stimulus}".lower()
        out.append(
            Record(
                id=rid,
                layer="tlr",
                description=f"{row.analyte} {row.stimulus} ({row.test}) pre vs post p-value, "
                f"n = {row.n}",
                source=src,
                target=float(row.published_p),
                tolerance="inside the central 95 % of 200 replicate p-values",
                model=float(row.median_p),
                passed=bool(row.inside),
                lower=float(row.p_low),
                upper=float(row.p_high),
                unit="p",
                note=f"median p shown; fraction of replicates with p < 0.05: {row._8:.2f}",
            )
        )
        pub = c["published_p"]
        pub_text = "p < 0.05" if pub != pub else f"p = {pub:g}"  # NaN: reported as p < 0.05
        inside = c["p_low"] <= (0.05 if pub != pub else pub) <= c["p_high"]
        ok = bool(c["median_p"] < 0.05 and c["median_r"] < 0.0)
        out.append(
            Record(
                id=f"{rid}.hamd_correlation",
                layer="tlr",
                description=f"Pearson correlation of the {row.analyte} {row.stimulus} change "
                f"(post - pre, {'lysate' if row.test == 'basal' else 'induced response'}) with "
                f"HAM-D-17 improvement 0 -> 60 h, n = {c['n']}; published {pub_text}, a larger "
                "fall with a larger improvement",
                source=src.replace("paired", "correlation with HAM-D improvement"),
                target="p < 0.05" if pub != pub else float(pub),
                tolerance="median of 200 replicate p-values < 0.05, median r < 0",
                model=float(c["median_p"]),
                passed=ok,
                lower=float(c["p_low"]),
                upper=float(c["p_high"]),
                unit="p",
                note=(
                    f"median p shown (central 95 %: {c['p_low']:.3f}-{c['p_high']:.3f}); median "
                    f"r {c['median_r']:+.2f}; fraction of replicates with p < 0.05: "
                    f"{c['frac_p_lt_0.05']:.2f} ({c['frac_sig_published_direction']:.2f} with "
                    f"r < 0); issue interval rule (published {pub_text} inside the central "
                    "95 %; 0.05 where only p < 0.05 is reported): "
                    f"{'met' if inside else 'not met'}; with % change instead: median r "
                    f"{c['pct_median_r']:+.2f}, fraction p < 0.05 {c['pct_frac_p_lt_0.05']:.2f}. "
                    "Each subject's immune random effects drive her in vivo TNF-a, BDNF and "
                    "HAM-D; the HAM-D layer's between-subject variation at 60 h is dominated by "
                    "placebo-like responsiveness (calibrated to the Study 1 SDs): even its whole "
                    "drug-sensitivity random effect (eta_drug), read without error, would reach "
                    f"median r {c['eta_drug_median_r']:+.2f} with p < 0.05 in "
                    f"{c['eta_drug_frac_p_lt_0.05']:.2f} of replicates; the placebo fraction "
                    f"at 60 h read without error: median p {c['placebo_median_p']:.3f} "
                    f"({c['placebo_frac_p_lt_0.05']:.2f} significant); the whole expected "
                    f"improvement read without error: median p {c['expected_median_p']:.2g} "
                    f"({c['expected_frac_p_lt_0.05']:.2f}). A cytokine change reaches the "
                    "published significance only if it tracks the total improvement almost "
                    "one to one with little assay noise, which no sourced mechanism supplies "
                    "(docs/mechanism_inflammation.md, Balan correlations)"
                ),
            )
        )
    return out
