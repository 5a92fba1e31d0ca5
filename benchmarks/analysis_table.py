"""Benchmark: the biomarker change table on 10,000 subjects x 10 visits x 10 analytes.

Times, on one synthetic long-format data set (1.1 million rows with HAM-D-17):

1. ``validate_biomarkers`` (reading checks),
2. ``compute_change_table`` (vectorised: paired t, Wilcoxon, dz + exact CI, BH-FDR, Pearson and
   Spearman with HAM-D improvement, for 10 analytes x 9 later visits = 90 lines),
3. the peer: a plain per-line loop (pandas filtering + ``scipy.stats.ttest_rel``,
   ``wilcoxon``, ``pearsonr``, ``spearmanr`` on each line, then ``multipletests``), the way one
   would write it by hand; its p-values are compared with brexsim's,
4. the linear mixed models (statsmodels ``MixedLM``, one per analyte), timed separately.

Goal: the table in under a minute on a 2-core machine.

Usage::

    .venv/bin/python benchmarks/analysis_table.py [--subjects 10000] [--visits 10]
        [--analytes 10] [--mixed-analytes 10] [--missing 0.02] [--seed 0]
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time

import numpy as np
import pandas as pd


def make_data(n_subjects: int, n_visits: int, n_analytes: int, missing: float, seed: int):
    """Synthetic long frame: log-normal analytes with a drift tied to HAM-D improvement."""
    rng = np.random.default_rng(seed)
    times = np.arange(n_visits) * 24.0
    frac = times / times[-1]
    subj = np.array([f"S{i:05d}" for i in range(n_subjects)], dtype=object)
    z = rng.standard_normal(n_subjects)
    frames = []
    for a in range(n_analytes):
        effect = -0.1 * (a % 4)  # analytes 0, 4, 8 have no mean change
        level = (
            1.0
            + 0.4 * rng.standard_normal(n_subjects)[:, None]
            + frac[None, :] * (effect + 0.1 * z[:, None])
            + 0.2 * rng.standard_normal((n_subjects, n_visits))
        )
        frames.append((f"A{a}", np.exp(level), "pg/mL"))
    hamd = np.clip(
        np.round(
            27
            - 12 * frac[None, :] * (1 + 0.3 * z[:, None])
            + 2 * rng.standard_normal((n_subjects, n_visits))
        ),
        0,
        52,
    )
    frames.append(("HAMD17", hamd, "points"))
    parts = []
    for name, v, unit in frames:
        v = v.copy()
        if missing > 0:
            drop = rng.random(v.shape) < missing
            drop[:, 0] = False
            v[drop] = np.nan
        parts.append(
            pd.DataFrame(
                {
                    "subject": np.repeat(subj, n_visits),
                    "time_h": np.tile(times, n_subjects),
                    "analyte": name,
                    "stimulus": "basal",
                    "value": v.ravel(),
                    "unit": unit,
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def peer_table(df: pd.DataFrame) -> pd.DataFrame:
    """A plain per-line loop with pandas and scipy (no vectorisation)."""
    from scipy import stats
    from statsmodels.stats.multitest import multipletests

    hamd = df[df["analyte"] == "HAMD17"].pivot(index="subject", columns="time_h", values="value")
    rows = []
    for analyte in sorted(set(df["analyte"]) - {"HAMD17"}):
        sub = df[df["analyte"] == analyte]
        for t in sorted(sub["time_h"].unique())[1:]:
            pre = sub[sub["time_h"] == 0.0].set_index("subject")["value"]
            post = sub[sub["time_h"] == t].set_index("subject")["value"]
            pair = pd.concat([pre, post], axis=1, keys=["pre", "post"]).dropna()
            d = pair["post"] - pair["pre"]
            impr = (hamd[0.0] - hamd[t]).reindex(d.index)
            ok = impr.notna()
            tt = stats.ttest_rel(pair["post"], pair["pre"])
            w = stats.wilcoxon(d)
            pr = stats.pearsonr(d[ok], impr[ok])
            sp = stats.spearmanr(d[ok], impr[ok])
            rows.append(
                {
                    "analyte": analyte,
                    "time_h": t,
                    "n": len(d),
                    "p_ttest": tt.pvalue,
                    "p_wilcoxon": w.pvalue,
                    "r_pearson": pr.statistic,
                    "p_pearson": pr.pvalue,
                    "r_spearman": sp.statistic,
                    "p_spearman": sp.pvalue,
                }
            )
    out = pd.DataFrame(rows)
    out["q_fdr"] = multipletests(out["p_ttest"], method="fdr_bh")[1]
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--subjects", type=int, default=10_000)
    ap.add_argument("--visits", type=int, default=10)
    ap.add_argument("--analytes", type=int, default=10)
    ap.add_argument(
        "--mixed-analytes",
        type=int,
        default=10,
        help="how many analytes get a mixed model (0 = skip)",
    )
    ap.add_argument("--missing", type=float, default=0.02)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    import scipy
    import sklearn
    import statsmodels

    import brexsim
    from brexsim.analysis.data import validate_biomarkers
    from brexsim.analysis.stats import compute_change_table, fit_mixed_models

    t0 = time.perf_counter()
    raw = make_data(args.subjects, args.visits, args.analytes, args.missing, args.seed)
    t_gen = time.perf_counter() - t0

    t0 = time.perf_counter()
    data = validate_biomarkers(raw)
    t_val = time.perf_counter() - t0

    t0 = time.perf_counter()
    table = compute_change_table(data)
    t_tab = time.perf_counter() - t0

    t0 = time.perf_counter()
    peer = peer_table(data)
    t_peer = time.perf_counter() - t0

    key = ["analyte", "time_h"]
    m = table.merge(peer, on=key, suffixes=("", "_peer"))
    assert len(m) == len(table) == len(peer)
    diffs = {
        c: float(np.nanmax(np.abs(m[c] - m[f"{c}_peer"])))
        for c in (
            "p_ttest",
            "p_wilcoxon",
            "r_pearson",
            "p_pearson",
            "r_spearman",
            "p_spearman",
            "q_fdr",
        )
    }
    assert (m["n"] == m["n_peer"]).all()

    t_mixed = None
    n_mixed = min(args.mixed_analytes, args.analytes)
    if n_mixed > 0:
        keep = [f"A{a}" for a in range(n_mixed)] + ["HAMD17"]
        sub = data[data["analyte"].isin(keep)]
        t0 = time.perf_counter()
        mixed = fit_mixed_models(sub)
        t_mixed = time.perf_counter() - t0
        n_conv = int(mixed.groupby("analyte")["converged"].all().sum())

    cpu = platform.processor() or platform.machine()
    print("# brexsim biomarker-table benchmark")
    print(f"machine : {platform.platform()}, {cpu}, {os.cpu_count()} logical CPUs")
    print(
        f"versions: python {sys.version.split()[0]}, brexsim {brexsim.__version__}, "
        f"numpy {np.__version__}, scipy {scipy.__version__}, pandas {pd.__version__}, "
        f"statsmodels {statsmodels.__version__}, scikit-learn {sklearn.__version__}"
    )
    print(
        f"data    : {args.subjects} subjects x {args.visits} visits x {args.analytes} analytes "
        f"+ HAM-D = {len(raw):,} rows; {args.missing:.0%} of later values missing; "
        f"{len(table)} table lines"
    )
    print()
    print(f"| {'step':<52} | {'seconds':>8} |")
    print(f"|{'-' * 54}|{'-' * 10}|")
    print(f"| {'generate synthetic data (not timed as analysis)':<52} | {t_gen:8.2f} |")
    print(f"| {'validate_biomarkers':<52} | {t_val:8.2f} |")
    print(f"| {'brexsim compute_change_table (vectorised)':<52} | {t_tab:8.2f} |")
    print(f"| {'peer: per-line pandas + scipy loop':<52} | {t_peer:8.2f} |")
    if t_mixed is not None:
        label = f"brexsim fit_mixed_models ({n_mixed} analytes, MixedLM)"
        print(f"| {label:<52} | {t_mixed:8.2f} |")
    print()
    goal = "MET" if t_val + t_tab < 60 else "MISSED"
    print(
        f"goal (validate + table < 60 s): {goal} ({t_val + t_tab:.1f} s); "
        f"table speed-up over the peer: {t_peer / t_tab:.1f}x"
    )
    print("max |brexsim - peer|: " + ", ".join(f"{k} {v:.1e}" for k, v in diffs.items()))
    if t_mixed is not None:
        print(
            f"mixed models converged: {n_conv}/{n_mixed} analytes; "
            f"{t_mixed / n_mixed:.1f} s per analyte ({args.subjects} subjects, "
            f"{args.visits} visits)"
        )


if __name__ == "__main__":
    main()
