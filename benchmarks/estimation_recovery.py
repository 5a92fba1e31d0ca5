"""Parameter recovery of brexsim's FOCE-I on data simulated from known values (issue 14).

Brexanolone PK (the population description of `brexsim.params.popmodel`, the packaged values as
truth): ``--subjects`` subjects on the approved 60-h regimen with rich sampling to 120 h
(`brexsim.estimation.simulate.make_infusion_design`), ``--replicates`` datasets from
``simulate_data(seed=k)``, each fitted by FOCE-I from the truth (one start; the design's compile
is reused, `brexsim.estimation.focei.rebind_data`), SEs from the sandwich covariance step.
Prints per parameter the median relative bias, the coverage of the Wald 95 % interval and the
number of converged fits, then the machine and versions, and a last JSON line.

Issue 14 targets: median bias of θ within 5 %, of Ω within 15 %, coverage 88-99 %.

    .venv/bin/python benchmarks/estimation_recovery.py --subjects 40 --replicates 50
"""

from __future__ import annotations

import argparse
import json
import platform
import time

import jax
import numpy as np

from brexsim import __version__
from brexsim.estimation.covariance import compute_covariance
from brexsim.estimation.fitting import fit_model
from brexsim.estimation.focei import make_evaluator, rebind_data
from brexsim.estimation.model import get_initial_vector, get_parameter_names, to_natural
from brexsim.estimation.models import load_model
from brexsim.estimation.simulate import make_infusion_design, simulate_data


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--subjects", type=int, default=40)
    ap.add_argument("--replicates", type=int, default=50)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    m = load_model("brexanolone_pk")
    names = get_parameter_names(m)
    truth = np.asarray(to_natural(m, get_initial_vector(m)))
    design = make_infusion_design(a.subjects, seed=a.seed)
    ev = make_evaluator(m, design, "focei")
    est, se, conv, secs = [], [], [], []
    for k in range(a.replicates):
        d = simulate_data(m, design, seed=1000 * a.seed + k)
        t0 = time.perf_counter()
        fit = fit_model(m, d, "focei", evaluator=rebind_data(ev, d))
        cov = compute_covariance(fit, "sandwich")
        secs.append(time.perf_counter() - t0)
        est.append(fit.estimates)
        se.append(cov.se if cov.se is not None else np.full(len(names), np.nan))
        conv.append(fit.converged)
    est, se = np.asarray(est), np.asarray(se)
    ok = np.asarray(conv)
    rows = []
    print(f"brexanolone PK recovery: {a.subjects} subjects x {a.replicates} replicates (FOCE-I)")
    print(f"{'parameter':<12}{'truth':>12}{'median est':>12}{'bias %':>9}{'coverage':>10}")
    for j, nm in enumerate(names):
        e, s = est[ok, j], se[ok, j]
        bias = float(np.median(e) / truth[j] - 1.0) * 100.0
        fin = np.isfinite(s)
        cover = float(np.mean(np.abs(e[fin] - truth[j]) <= 1.96 * s[fin])) if fin.any() else np.nan
        rows.append({"parameter": nm, "truth": float(truth[j]), "median": float(np.median(e)),
                     "bias_pct": bias, "coverage": cover, "n_se": int(fin.sum())})  # fmt: skip
        print(f"{nm:<12}{truth[j]:>12.5g}{np.median(e):>12.5g}{bias:>9.2f}{cover:>10.2f}")
    print(f"converged {int(ok.sum())}/{a.replicates}; median {np.median(secs):.2f} s per fit + SE")
    print(f"machine {platform.machine()} {platform.processor() or ''}, python "
          f"{platform.python_version()}, brexsim {__version__}, jax {jax.__version__}, "
          f"numpy {np.__version__}")  # fmt: skip
    print(json.dumps({"benchmark": "estimation_recovery", "subjects": a.subjects,
                      "replicates": a.replicates, "converged": int(ok.sum()),
                      "median_seconds_per_fit": float(np.median(secs)), "rows": rows}))  # fmt: skip


if __name__ == "__main__":
    main()
