"""A large batch of the assembled model with extreme but valid covariates: no NaN, no negative
amounts, solver failures per patient. Prints a table with machine and versions.

    .venv/bin/python benchmarks/batch_robustness.py --patients 10000
"""

from __future__ import annotations

import argparse
import json
import platform
import time

import jax
import numpy as np

from brexsim import __version__
from brexsim.dosing import get_preset
from brexsim.errors import SolverError
from brexsim.model import simulate
from brexsim.population import Population, sample_population


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--patients", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=20261126)
    ap.add_argument("--chunk", type=int, default=256)
    a = ap.parse_args()
    pop = sample_population(a.patients, a.seed)
    # push covariates and random effects to the edges of their valid ranges
    w = np.where(np.arange(pop.n) % 2 == 0, 40.0, 160.0)
    re = dict(pop.random_effects)
    for k in ("infl_ic50_scale", "infl_reprogram_scale", "sedation_sensitivity"):
        if k in re:
            re[k] = np.where(np.arange(pop.n) % 3 == 0, re[k] * 4.0, re[k] / 4.0)
    hb = np.where(np.arange(pop.n) % 5 == 0, 52.0, pop.hamd_baseline)
    pop = Population(pop.ids, w, hb, pop.antidepressant, re, pop.seed)
    t = np.arange(0.0, 60.0 + 720.0 + 1.0, 4.0)
    t0 = time.perf_counter()
    failures: dict = {}
    try:
        res = simulate(get_preset("zulresso"), pop, times_h=t, chunk=a.chunk)
    except SolverError as exc:
        failures = exc.failures
        res = None
    dt = time.perf_counter() - t0
    n_nan = n_neg = 0
    if res is not None:
        for name, (v, _) in res.outputs.items():
            n_nan += int((~np.isfinite(v)).sum())
            if name not in ("bdnf_change_sd", "hamd_change"):
                n_neg += int((v < -1e-9).sum())
    print(f"machine: {platform.machine()} | {platform.platform()} | jax devices {jax.devices()}")
    print(f"brexsim {__version__}, jax {jax.__version__}, numpy {np.__version__}")
    print(
        f"{'patients':>9} {'seconds':>9} {'patients/s':>11} {'NaN':>6} {'negative':>9} "
        f"{'failures':>9}"
    )
    print(f"{pop.n:9d} {dt:9.1f} {pop.n / dt:11.1f} {n_nan:6d} {n_neg:9d} {len(failures):9d}")
    print(
        json.dumps(
            {
                "patients": pop.n,
                "seconds": dt,
                "nan": n_nan,
                "negative": n_neg,
                "solver_failures": len(failures),
            }
        )
    )


if __name__ == "__main__":
    main()
