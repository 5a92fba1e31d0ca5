"""PK throughput: brexsim's closed form vs its diffrax ODE vs scipy solve_ivp (peer).

Simulates the `zulresso` regimen for N patients with body weights 45-110 kg on a 0.25-h grid
over 300 h and prints a table (patients per second) with machine and package versions.

    .venv/bin/python benchmarks/pk_throughput.py --patients 200
"""

from __future__ import annotations

import argparse
import itertools
import json
import platform
import time

import numpy as np
import scipy
from scipy.integrate import solve_ivp

from brexsim import __version__
from brexsim.dosing import get_preset
from brexsim.pk.brexanolone import get_brexanolone_pk, simulate_closed_form, solve_ode


def scipy_peer(reg, pk, t):
    segs = [(s.start_h, s.end_h, s.rate_ug_per_kg_h * pk.weight_kg) for s in reg.segments]

    def f(tt, y):
        rate = sum(r for a, b, r in segs if a <= tt < b)
        return [
            rate - (pk.cl_L_per_h + pk.q_L_per_h) / pk.v1_L * y[0] + pk.q_L_per_h / pk.v2_L * y[1],
            pk.q_L_per_h / pk.v1_L * y[0] - pk.q_L_per_h / pk.v2_L * y[1],
        ]

    # integrate segment by segment (jump times), like a careful user would
    y = np.zeros(2)
    out = np.zeros(len(t))
    edges = sorted({0.0, t[-1], *[x for s in segs for x in s[:2]]})
    for a, b in itertools.pairwise(edges):
        m = (t >= a) & (t <= b)
        sol = solve_ivp(f, (a, b), y, method="LSODA", t_eval=t[m], rtol=1e-8, atol=1e-10)
        out[m] = sol.y[0] / pk.v1_L
        y = sol.y[:, -1] if sol.y.shape[1] else y
        if not m.any():
            y = solve_ivp(f, (a, b), y, method="LSODA", rtol=1e-8, atol=1e-10).y[:, -1]
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--patients", type=int, default=200)
    n = ap.parse_args().patients
    reg = get_preset("zulresso")
    t = np.arange(0.0, 300.25, 0.25)
    weights = np.linspace(45.0, 110.0, n)
    pks = [get_brexanolone_pk(w) for w in weights]
    rows = []

    def bench(name, fn, count):
        t0 = time.perf_counter()
        for pk in pks[:count]:
            fn(reg, pk, t)
        dt = time.perf_counter() - t0
        rows.append((name, count, dt, count / dt))

    bench("brexsim closed form", lambda r, p, tt: simulate_closed_form(r, p, tt), n)
    solve_ode(reg, pks[0], t)  # compile once
    bench(
        "brexsim diffrax ODE (rtol 1e-8)",
        lambda r, p, tt: solve_ode(r, p, tt, 1e-8, 1e-10),
        min(n, 20),
    )
    bench("scipy solve_ivp LSODA (rtol 1e-8)", scipy_peer, min(n, 50))
    cf = simulate_closed_form(reg, pks[0], t)[0]
    err = float(np.max(np.abs(scipy_peer(reg, pks[0], t) - cf)) / cf.max())
    print(f"machine: {platform.machine()} {platform.processor()} | {platform.platform()}")
    print(
        f"brexsim {__version__}, numpy {np.__version__}, scipy {scipy.__version__}, "
        f"python {platform.python_version()}"
    )
    print(f"{'method':38s} {'patients':>8s} {'seconds':>9s} {'patients/s':>11s}")
    for name, c, dt, rate in rows:
        print(f"{name:38s} {c:8d} {dt:9.3f} {rate:11.1f}")
    print(f"max |scipy - closed form| / Cmax = {err:.2e}")
    print(
        json.dumps(
            {
                "closed_form_patients_per_s": rows[0][3],
                "diffrax_patients_per_s": rows[1][3],
                "scipy_patients_per_s": rows[2][3],
            }
        )
    )


if __name__ == "__main__":
    main()
