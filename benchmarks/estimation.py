"""Estimation speed (issue 14): pheno FOCE-I and Laplace, a brexanolone PK fit of simulated
subjects, and NUTS on pheno; cold (first call in the process: tracing and XLA compilation
included) and warm (the same design again, compiled objective reused through
`brexsim.estimation.focei.rebind_data`).

No estimation peer runs here: NONMEM is licensed and nlmixr2/Monolix are not installable from the
package registries this project uses. The NONMEM 7 reference of pheno (pharmpy-core's
``pheno.lst``, tests/estimation/data/pheno) is printed for its OFV, not its run time.

    .venv/bin/python benchmarks/estimation.py --subjects 200 --nuts-samples 1000 --nuts-chains 4

NUTS ``converged`` needs no divergence and every R-hat < 1.01 (issue 14); on pheno 4 chains x
1000 draws (500 warm-up) meet it, 2 x 300 do not (1.017-1.022).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import jax
import numpy as np

from brexsim import __version__
from brexsim.estimation.data import read_estimation_data
from brexsim.estimation.fitting import fit_model
from brexsim.estimation.focei import make_evaluator, rebind_data
from brexsim.estimation.models import load_model
from brexsim.estimation.simulate import make_infusion_design, simulate_data

PHENO = Path(__file__).resolve().parents[1] / "tests/estimation/data/pheno/pheno.dta"
NONMEM_PHENO_OFV = 586.27605628  # pharmpy-core pheno.lst (NONMEM 7, FOCE-I)


def _timed(fn):  # type: ignore[no-untyped-def]
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--subjects", type=int, default=200)
    ap.add_argument("--nuts-samples", type=int, default=1000, help="0 skips NUTS")
    ap.add_argument("--nuts-chains", type=int, default=4)
    a = ap.parse_args()
    rows, fits = [], {}
    pheno, data = load_model("pheno"), read_estimation_data(PHENO)
    for method in ("focei", "laplace"):
        cold, t_cold = _timed(lambda m=method: fit_model(pheno, data, m))
        ev = cold.evaluator
        warm, t_warm = _timed(lambda m=method, e=ev: fit_model(pheno, data, m, evaluator=e))
        fits[method] = warm
        rows.append({"case": f"pheno {method}", "subjects": data.n_subjects, "cold_s": t_cold,
                     "warm_s": t_warm, "ofv": warm.ofv, "converged": warm.converged})  # fmt: skip
    brx = load_model("brexanolone_pk")
    design = make_infusion_design(a.subjects, seed=0)
    d1, d2 = simulate_data(brx, design, seed=1), simulate_data(brx, design, seed=2)
    cold, t_cold = _timed(lambda: fit_model(brx, d1, "focei"))
    ev = make_evaluator(brx, design, "focei")
    warm, t_warm = _timed(lambda: fit_model(brx, d2, "focei", evaluator=rebind_data(ev, d2)))
    rows.append({"case": "brexanolone_pk focei (simulated)", "subjects": a.subjects,
                 "cold_s": t_cold, "warm_s": t_warm, "ofv": warm.ofv,
                 "converged": warm.converged})  # fmt: skip
    if a.nuts_samples > 0:
        from brexsim.estimation.nuts import fit_nuts

        x0 = fits["focei"].x
        res, t_nuts = _timed(lambda: fit_nuts(pheno, data, num_samples=a.nuts_samples,
                                              num_chains=a.nuts_chains, seed=0,
                                              init_x=x0))  # fmt: skip
        rhat = max(v["r_hat"] for v in res.summary.values())
        case = f"pheno nuts {a.nuts_chains}x{a.nuts_samples}"
        rows.append({"case": case, "subjects": data.n_subjects,
                     "cold_s": t_nuts, "warm_s": None, "ofv": None,
                     "converged": bool(res.divergences == 0 and rhat < 1.01),
                     "max_r_hat": rhat, "divergences": res.divergences})  # fmt: skip
    print(f"{'case':<36}{'N':>5}{'cold s':>9}{'warm s':>9}{'OFV':>12}  converged")
    for r in rows:
        warm = f"{r['warm_s']:9.2f}" if r["warm_s"] is not None else f"{'-':>9}"
        ofv = f"{r['ofv']:12.4f}" if r["ofv"] is not None else f"{'-':>12}"
        print(f"{r['case']:<36}{r['subjects']:>5}{r['cold_s']:9.2f}{warm}{ofv}  {r['converged']}")
    print(f"NONMEM 7 pheno FOCE-I OFV {NONMEM_PHENO_OFV} (pharmpy-core pheno.lst)")
    print(f"machine {platform.machine()}, {os.cpu_count()} cores, python "
          f"{platform.python_version()}, brexsim {__version__}, jax {jax.__version__}, "
          f"numpy {np.__version__}")  # fmt: skip
    print(json.dumps({"benchmark": "estimation", "rows": rows}))


if __name__ == "__main__":
    main()
