"""Parameter recovery of brexsim's FOCE-I on data simulated from known values (issue 14).

Brexanolone PK (the population description of `brexsim.params.popmodel`, the packaged values as
truth): ``--subjects`` subjects on the approved 60-h regimen with rich sampling to 120 h
(`brexsim.estimation.simulate.make_infusion_design`), ``--replicates`` datasets from
``simulate_data(seed=k)``, each fitted by FOCE-I from the truth (one start; the design's compile
is reused, `brexsim.estimation.focei.rebind_data`), SEs from the sandwich covariance step.
Prints per parameter the median relative bias, the coverage of the Wald 95 % interval and the
number of converged fits, then the machine and versions, and a last JSON line.

HAM-D (``--model hamd``, :mod:`brexsim.estimation.models.hamd`): a two-arm inpatient study
(placebo / zulresso alternating, `brexsim.estimation.simulate.make_hamd_design`: baselines,
weights and visits 12, 24, 36, 60, 168, 696 h fixed over the replicates), each replicate's scores
simulated by brexsim's own population description
(`brexsim.estimation.simulate.simulate_hamd_frame`: `brexsim.clinical.hamd`, typical drug inputs
of `brexsim.calibration.hamd.get_typical_inputs`, scores rounded to integers and bounded to
0-52), the packaged hamd table as truth (Ω = the SD rows squared, σ = residual_sd²). The
rounding adds 1/12 point² of noise, so σ's truth is residual_sd² + 1/12 (stated in the table).

Zuranolone PK (``--model zuranolone_pk``): 50 mg once daily for 14 days, rich sampling after the
first and last doses, troughs and washout (`make_oral_design`). Cytokines (``--model cytokine``):
the 60-h regimen with plasma TNF-α and IL-6 at 0-168 h (`make_cytokine_design`); about 3 s per
subject and OFV evaluation on 2 cores, so a replicate of 12 subjects takes tens of minutes
(not yet run to completion).

Issue 14 targets: median bias of θ within 5 %, of Ω within 15 %, coverage 88-99 %.

    .venv/bin/python benchmarks/estimation_recovery.py --subjects 40 --replicates 50
    .venv/bin/python benchmarks/estimation_recovery.py --model hamd --subjects 100 --replicates 50
    .venv/bin/python benchmarks/estimation_recovery.py --model zuranolone_pk --subjects 40 \
        --replicates 20
    .venv/bin/python benchmarks/estimation_recovery.py --model cytokine --subjects 12 --replicates 5
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


def _replicates(a: argparse.Namespace):  # type: ignore[no-untyped-def]
    """``(model, truth, design, a function k -> replicate data, title)`` of ``--model``."""
    if a.model != "hamd":
        from brexsim.estimation.simulate import make_cytokine_design, make_oral_design

        design = {
            "brexanolone_pk": lambda: make_infusion_design(a.subjects, seed=a.seed),
            "zuranolone_pk": lambda: make_oral_design(a.subjects),
            "cytokine": lambda: make_cytokine_design(a.subjects, seed=a.seed),
        }[a.model]()
        m = load_model(a.model, design)
        truth = np.asarray(to_natural(m, get_initial_vector(m)))
        title = f"{a.model} recovery: {a.subjects} subjects"
        return m, truth, design, lambda k: simulate_data(m, design, seed=1000 * a.seed + k), title
    from brexsim.estimation.data import frame_to_data
    from brexsim.estimation.models.hamd import make_hamd_model
    from brexsim.estimation.simulate import make_hamd_design, simulate_hamd_frame

    df, arm = make_hamd_design(a.subjects, seed=a.seed)
    design = frame_to_data(df, "hamd design")
    m = make_hamd_model(design)
    truth = np.array(to_natural(m, get_initial_vector(m)))
    truth[-1] += 1.0 / 12.0  # integer rounding of the simulated scores (module docstring)

    def draw(k: int):  # type: ignore[no-untyped-def]
        return frame_to_data(simulate_hamd_frame(df, arm, seed=1000 * a.seed + k), f"rep {k}")

    title = f"HAM-D recovery: {a.subjects} subjects x {len(set(df.TIME[df.EVID == 0]))} visits"
    return m, truth, design, draw, title


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--subjects", type=int, default=40)
    ap.add_argument("--replicates", type=int, default=50)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--model", choices=("brexanolone_pk", "zuranolone_pk", "cytokine", "hamd"),
                    default="brexanolone_pk")  # fmt: skip
    ap.add_argument("--method", choices=("focei", "laplace"), default="focei")
    a = ap.parse_args()
    m, truth, design, draw, title = _replicates(a)
    names = get_parameter_names(m)
    ev = make_evaluator(m, design, a.method)
    est, se, conv, secs = [], [], [], []
    for k in range(a.replicates):
        d = draw(k)
        t0 = time.perf_counter()
        fit = fit_model(m, d, a.method, evaluator=rebind_data(ev, d))
        cov = compute_covariance(fit, "sandwich")
        secs.append(time.perf_counter() - t0)
        est.append(fit.estimates)
        se.append(cov.se if cov.se is not None else np.full(len(names), np.nan))
        conv.append(fit.converged)
    est, se = np.asarray(est), np.asarray(se)
    ok = np.asarray(conv)
    rows = []
    print(f"{title} x {a.replicates} replicates ({a.method}, sandwich SEs)")
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
    print(json.dumps({"benchmark": "estimation_recovery", "model": a.model, "method": a.method,
                      "subjects": a.subjects, "replicates": a.replicates,
                      "converged": int(ok.sum()),
                      "median_seconds_per_fit": float(np.median(secs)), "rows": rows}))  # fmt: skip


if __name__ == "__main__":
    main()
