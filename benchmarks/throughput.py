"""Virtual patients per second for the full 30-day model: brexsim vs libRoadRunner vs scipy.

The same deterministic in vivo model (exact brexanolone PK with effect site, GABA-A tone index,
TLR/cytokine states, BDNF, HAM-D remission state and expected score) for the same patients
(weight, TLR IC50 and reprogramming multipliers, baseline HAM-D, placebo and drug random
effects differ per patient), zulresso regimen, hourly outputs from 0 to 780 h:

* **brexsim**: ``brexsim.model.simulate(regimen, population, monitoring=False)`` (batched,
  chunks vmapped through one compiled diffrax solve, ``--workers`` chunks at a time on
  threads); cold = first call in this process (JIT compilation included), warm = the same
  call again. The default engine integrates the PK states and the GABAergic tone index inside
  the right-hand side and stops only at the regimen's rate changes. Further warm rows: one
  thread; the grid-input engine ``solver=SolverOptions(inputs="grid")`` (the engine before
  0.2: inputs on a 0.25-h grid, a solver stop at every grid point; difference printed); outputs
  only at the
  Study 1 visit times (what ``brexsim trial`` keeps); the full trial model (monitoring rules on,
  observed scores).
* **brexsim etd**: the fixed-grid exponential integrator ``solver=SolverOptions(engine="etd")``
  (:mod:`brexsim.model.solve.etd`; zuranolone: its grid-input form), warm (after a compile call
  on the first chunk), ``--workers`` threads. Its accuracy is measured in the same run against a
  tight diffrax reference (``SolverOptions(rtol=1e-10, atol=1e-13)``) of the first
  ``--etd-reference-patients`` patients: max abs difference of the TNF-alpha fold change and of
  the expected HAM-D over every output time, against the targets of issue 16 (TNF-alpha fold
  within 1e-4, expected HAM-D within 0.01 points); the default diffrax engine's distance to the
  same reference is printed beside it.
* **libRoadRunner**: the SBML file of ``brexsim export-sbml`` (:mod:`brexsim.model.sbml`), loaded
  once, then a per-patient loop: ``resetAll()``, set the patient's parameters, ``simulate``.
* **scipy**: the same ODE system written in numpy (22 states), ``solve_ivp`` per patient,
  integrated piecewise between the infusion's rate changes, expected HAM-D computed after.

All three at the same tolerances (``--rtol``, ``--atol``; brexsim's default 1e-6 / 1e-9).
Each peer's trajectories are checked against brexsim's for the first patients (max abs
difference printed). The last line is one JSON object.

``--regimen`` takes any preset; for zuranolone (e.g. ``zuranolone-50mg``: oral doses, the
grid-input engine is brexsim's default) only the brexsim rows run: the SBML export and the numpy
model are brexanolone (IV) only, so the libRoadRunner and scipy rows are left out and their JSON
fields (and the ratios to libRoadRunner) are ``null``.

    .venv/bin/python benchmarks/throughput.py --patients 1000
    .venv/bin/python benchmarks/throughput.py --patients 200 --regimen zuranolone-50mg
    .venv/bin/python benchmarks/throughput.py --patients 1000 --device gpu   # JAX on a GPU
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import resource
import sys
import time

import numpy as np

#: Outputs compared between the engines.
CHECK = ("plasma_drug", "tone_index", "tnf_fold", "bdnf", "hamd_expected")
#: Tolerances of the tight diffrax reference the etd engine is checked against.
REFERENCE_TOL = (1e-10, 1e-13)
#: Issue 16's accuracy targets for the etd engine (max abs difference from the reference):
#: TNF-alpha fold change and expected HAM-D-17 (points).
ETD_TARGETS = {"tnf_fold": 1e-4, "hamd_expected": 0.01}


def _select_device(device: str):  # type: ignore[no-untyped-def]
    """The JAX device for brexsim, or exit 2 with a clear message."""
    import jax

    if device == "cpu":
        return jax.devices("cpu")[0]
    try:
        devs = jax.devices("gpu")
    except RuntimeError as exc:
        devs, why = [], str(exc).splitlines()[0]
    else:
        why = ""
    if not devs:
        print(
            "error: --device gpu: JAX sees no GPU on this machine "
            f"(jax.devices('gpu') failed: {why or 'no devices'}). Run on a machine with an "
            "NVIDIA GPU and a CUDA-enabled jaxlib (pip install 'jax[cuda12]'), or use "
            "--device cpu.",
            file=sys.stderr,
        )
        raise SystemExit(2)
    return devs[0]


def _machine(device) -> str:  # type: ignore[no-untyped-def]
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    n = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return f"{cpu}, {n} cores available, {platform.system()} {platform.release()}; JAX {device}"


def _now() -> tuple[float, float]:
    """(wall, process CPU) clock readings; CPU time counts every thread of this process."""
    return time.perf_counter(), time.process_time()


def _since(t0: tuple[float, float]) -> tuple[float, float]:
    return time.perf_counter() - t0[0], time.process_time() - t0[1]


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


# --------------------------------------------------------------------------- brexsim


def run_brexsim(  # type: ignore[no-untyped-def]
    reg, pop, chunk: int, workers: int, device, rtol: float, atol: float, n_ref: int
):
    """Cold and warm timings of ``simulate`` (default engine, ``workers`` threads), plus warm
    rows for one thread, the grid-input engine, visit-time outputs, the monitoring rules and the
    etd engine; the etd engine's and the default engine's max abs differences from a tight
    diffrax reference (:data:`REFERENCE_TOL`) of the first ``n_ref`` patients."""
    import jax

    from brexsim.model import SolverOptions, simulate

    if (rtol, atol) != (1e-6, 1e-9):
        raise SystemExit("brexsim.model.simulate solves at rtol 1e-6, atol 1e-9 only")
    ref = SolverOptions(workers=workers)
    visits = np.array([0.0, 24.0, 60.0, 72.0, 168.0, 720.0])
    variants = {
        "one_thread": (SolverOptions(workers=1), False, None),
        "grid_inputs": (SolverOptions(inputs="grid", workers=workers), False, None),
        "visits": (ref, False, visits),
        "monitoring": (ref, True, None),
    }
    out = {}
    with jax.default_device(device):
        t0 = _now()
        res = simulate(reg, pop, monitoring=False, chunk=chunk, solver=ref)
        out["cold_s"], out["cold_cpu_s"] = _since(t0)
        t0 = _now()
        res = simulate(reg, pop, monitoring=False, chunk=chunk, solver=ref)
        out["warm_s"], out["warm_cpu_s"] = _since(t0)
        first = pop.take(np.arange(min(pop.n, chunk)))
        for name, (opts, mon, times) in variants.items():
            kw = {"monitoring": mon, "chunk": chunk, "solver": opts, "times_h": times}
            simulate(reg, first, **kw)  # compile this path
            t0 = _now()
            r = simulate(reg, pop, **kw)
            out[f"{name}_s"], out[f"{name}_cpu_s"] = _since(t0)
            if name == "grid_inputs":
                out["grid_inputs_diff"] = {
                    k: float(np.abs(r.get(k) - res.get(k)).max()) for k in CHECK
                }
        # the etd engine: compile on the first chunk, then the warm call on everyone
        etd = SolverOptions(engine="etd", workers=workers)
        simulate(reg, first, monitoring=False, chunk=chunk, solver=etd)
        t0 = _now()
        r_etd = simulate(reg, pop, monitoring=False, chunk=chunk, solver=etd)
        out["etd_s"], out["etd_cpu_s"] = _since(t0)
        # the tight reference of the first n_ref patients (timed for information only)
        tight = SolverOptions(rtol=REFERENCE_TOL[0], atol=REFERENCE_TOL[1], workers=workers)
        sub = pop.take(np.arange(n_ref))
        t0 = _now()
        r_ref = simulate(reg, sub, monitoring=False, chunk=chunk, solver=tight)
        out["reference_s"], _ = _since(t0)
        for name, r in (("etd", r_etd), ("default", res)):
            out[f"{name}_vs_reference"] = {
                k: float(np.abs(np.asarray(r.get(k))[:n_ref] - np.asarray(r_ref.get(k))).max())
                for k in CHECK
            }
    out["result"] = res
    return out


# --------------------------------------------------------------------------- libRoadRunner


def _patient_values(pop, i: int) -> dict[str, float]:  # type: ignore[no-untyped-def]
    re = pop.random_effects
    return {
        "weight_kg": float(pop.weight_kg[i]),
        "infl_ic50_scale": float(re["infl_ic50_scale"][i]),
        "infl_reprogram_scale": float(re["infl_reprogram_scale"][i]),
        "hamd_baseline": float(pop.hamd_baseline[i]),
        "eta_placebo": float(re["eta_placebo"][i]),
        "eta_drug": float(re["eta_drug"][i]),
    }


def run_roadrunner(reg, pop, n: int, t, rtol: float, atol: float):  # type: ignore[no-untyped-def]
    import roadrunner

    from brexsim.model.sbml import OUTPUTS, get_sbml_string

    t0 = time.perf_counter()
    rr = roadrunner.RoadRunner(get_sbml_string(reg))
    rr.integrator.relative_tolerance = rtol
    rr.integrator.absolute_tolerance = atol
    rr.timeCourseSelections = ["time"] + [OUTPUTS[k] for k in CHECK]
    load_s = time.perf_counter() - t0
    keep = {k: np.empty((n, len(t))) for k in CHECK}
    t0 = _now()
    for i in range(n):
        rr.resetAll()
        for k, v in _patient_values(pop, i).items():
            rr[k] = v
        res = rr.simulate(float(t[0]), float(t[-1]), len(t))
        for j, k in enumerate(CHECK):
            keep[k][i] = res[:, j + 1]
    loop_s, loop_cpu_s = _since(t0)
    integ = rr.integrator
    return {
        "load_s": load_s,
        "loop_s": loop_s,
        "loop_cpu_s": loop_cpu_s,
        "n": n,
        "result": keep,
        "solver": f"CVODE ({'BDF' if integ.stiff else 'Adams'}) rtol {rtol:g} atol {atol:g}",
    }


# --------------------------------------------------------------------------- scipy


class NumpyModel:
    """The in vivo model as one numpy right-hand side (brexanolone, one patient at a time)."""

    def __init__(self, reg, ps, sensitivity: str = "control") -> None:  # type: ignore[no-untyped-def]
        from brexsim.clinical.hamd import get_hamd_params
        from brexsim.mechanism import bdnf, tlr
        from brexsim.mechanism.gabaa import get_gabaa_params

        pk = ps.get_layer("brexanolone_pk")
        self.pk = pk
        self.g = get_gabaa_params(ps, sensitivity)
        a = {k: np.asarray(v) for k, v in tlr.make_in_vivo_args(ps).items()}
        self.tlr = a
        self.bd = {
            k: float(v) for k, v in bdnf._make_rate_args(bdnf.get_bdnf_parameters(ps)).items()
        }
        self.b0 = ps.value("bdnf.ppd_baseline_ng_per_ml")
        self.sd = ps.value("bdnf.healthy_sd_ng_per_ml")
        self.h = get_hamd_params(ps)
        self.inpatient = reg.setting == "inpatient"
        self.nm = pk["fu_plasma"] * pk["kp_uu_brain"] * 1e3 / pk["mw_g_per_mol"]
        self.endo_free = pk["endogenous_ng_per_ml"] * self.nm
        g = self.g
        self.g_ref = self._g(g.tone_reference_free_nM, g.delta_level_ppd)
        self.g_span = self._g(g.tone_reference_free_nM, g.delta_level_postpartum) - self.g_ref
        self.tone0 = self._tone(0.0)
        segs = [(s.start_h, s.end_h, s.rate_ug_per_kg_h) for s in reg.segments]
        self.segs = segs
        self.y0 = np.concatenate(
            [
                np.zeros(3),
                np.asarray(tlr.get_in_vivo_baseline(ps)),
                np.asarray(bdnf.get_bdnf_baseline_state()),
                [0.0],
            ]
        )

    def _g(self, c, level):  # type: ignore[no-untyped-def]
        g = self.g
        a = g.allo

        def pot(ec50, emax):  # type: ignore[no-untyped-def]
            u = c / ec50
            return np.where(u > 0, u ** (g.hill - 1.0) / (1.0 + u**g.hill), 0.0) * emax * u

        v = (c / a.direct_ec50_nM) ** g.direct_hill
        dgate = v / (1.0 + v)
        rel_d = (
            1.0
            + pot(a.ec50_delta_nM, a.emax_delta)
            + g.direct_max_delta * dgate / (g.tonic_gaba_fraction)
        )
        rel_g = (
            1.0
            + pot(a.ec50_a4g2_nM, a.emax_gamma2)
            + g.direct_max_gamma2 * dgate / (g.tonic_gaba_fraction)
        )
        r = g.tonic_g2_share
        g0 = g.tonic_g_per_od_nS * max(level - g.tonic_delta_offset_od, 0.0)
        return g0 * ((1.0 - r) * rel_d + r * rel_g)

    def _tone(self, ce):  # type: ignore[no-untyped-def]
        c = np.maximum(ce, 0.0) * self.nm + self.endo_free
        return np.clip((self._g(c, self.g.delta_level_ppd) - self.g_ref) / self.g_span, 0.0, 1.0)

    def rhs(self, t, y, rate, p):  # type: ignore[no-untyped-def]
        pk, a, bd, h = self.pk, self.tlr, self.bd, self.h
        cl, v1, q, v2, w, ic50, krep = p
        a1, a2, ce = y[0], y[1], y[2]
        cp = a1 / v1
        dy = np.empty_like(y)
        dy[0] = rate * w - (cl + q) / v1 * a1 + q / v2 * a2
        dy[1] = q / v1 * a1 - q / v2 * a2
        dy[2] = pk["ke0_per_h"] * (cp - ce)
        tone = self._tone(ce)
        # TLR (tlr.rhs_from_concentration)
        c = max(cp / pk["mw_g_per_mol"], 0.0)
        cn = c ** float(a["hill"])
        inhib = float(a["imax"]) * cn / (ic50 ** float(a["hill"]) + cn)
        s = min(max(y[3], 0.0), 1.0)
        dy[3] = float(a["k_recover_per_h"]) * (1.0 - y[3]) - krep * inhib * s
        r = s * (1.0 - inhib)
        phi = np.array([np.interp(r, a["r_grid"], a["phi"][:, j]) for j in range(3)])
        dy[4:7] = a["klag_per_h"] * (phi - y[4:7])
        prod = (
            a["kout_per_h"]
            * a["baseline_pg_per_ml"]
            * (a["tlr_fraction"] * np.maximum(y[4:7], 0.0) + 1.0 - a["tlr_fraction"])
        )
        dy[7:10] = prod - a["kout_per_h"] * y[7:10]
        # BDNF (bdnf.rhs_from_inputs)
        tnf_fold = y[7] / a["baseline_pg_per_ml"][0]
        b = y[10:21]
        drive = bd["w_gaba"] * (tone - self.tone0) + bd["w_infl"] * (1.0 - tnf_fold)
        dy[10] = bd["k_drive_per_h"] * (drive - b[0])
        supply = max(1.0 + b[0], 0.0)
        mk, plt = b[1:4], b[4:10]
        dy[11:14] = bd["k_megakaryocyte_per_h"] * (np.concatenate([[supply], mk[:-1]]) - mk)
        dy[14:20] = bd["k_platelet_per_h"] * (np.concatenate([mk[-1:], plt[:-1]]) - plt)
        dy[20] = bd["k_exchange_per_h"] * (supply - b[10])
        # HAM-D remission state
        serum = self.b0 * (
            (1 - bd["exchange_fraction"]) * plt.mean() + bd["exchange_fraction"] * b[10]
        )
        bsd = (serum - self.b0) / self.sd
        rdrive = (
            h.fast_rate_per_h * max(tone, 0.0)
            + h.immune_weight * max(1.0 - tnf_fold, 0.0)
            + h.bdnf_weight * max(bsd, 0.0)
        )
        dy[21] = rdrive * (1.0 - y[21]) - h.relapse_rate_per_h * y[21]
        return dy

    def simulate(self, t, pat: dict[str, float], method: str, rtol: float, atol: float):  # type: ignore[no-untyped-def]
        from scipy.integrate import solve_ivp

        pk, w = self.pk, pat["weight_kg"]
        p = (
            pk["cl_L_per_h_per_kg"] * w,
            pk["v1_L_per_kg"] * w,
            pk["q_L_per_h_per_kg"] * w,
            pk["v2_L_per_kg"] * w,
            w,
            float(self.tlr["ic50_uM"]) * pat["infl_ic50_scale"],
            float(self.tlr["k_reprogram_per_h"]) * pat["infl_reprogram_scale"],
        )
        ys = np.empty((len(t), len(self.y0)))
        y = self.y0.copy()
        edges = sorted(
            {float(t[0]), float(t[-1]), *[x for s in self.segs for x in s[:2] if x < t[-1]]}
        )
        for lo, hi in itertools.pairwise(edges):
            rate = sum(r for a, b, r in self.segs if a <= lo < b)
            m = (t >= lo) & (t <= hi)
            te = t[m]
            if not te.size or te[-1] < hi:
                te = np.append(te, hi)  # the state at the rate change carries on
            sol = solve_ivp(
                self.rhs,
                (lo, hi),
                y,
                method=method,
                t_eval=te,
                rtol=rtol,
                atol=atol,
                args=(rate, p),
            )
            if not sol.success:
                raise RuntimeError(sol.message)
            k = int(m.sum())
            ys[m] = sol.y[:, :k].T
            y = sol.y[:, -1]
        return self._outputs(t, ys, pat)

    def _outputs(self, t, ys, pat):  # type: ignore[no-untyped-def]
        import jax.numpy as jnp

        from brexsim.clinical import hamd

        h, bd, pk = self.h, self.bd, self.pk
        cp = ys[:, 0] / (pk["v1_L_per_kg"] * pat["weight_kg"])
        tone = self._tone(ys[:, 2])
        tnf_fold = ys[:, 7] / self.tlr["baseline_pg_per_ml"][0]
        plt = ys[:, 14:20].mean(axis=1)
        serum = self.b0 * (
            (1 - bd["exchange_fraction"]) * plt + bd["exchange_fraction"] * ys[:, 20]
        )
        pf = hamd.compute_placebo_fraction(
            jnp.asarray(t), jnp.array([self.inpatient]), h, jnp.array([pat["eta_placebo"]])
        )
        score = hamd.compute_expected_score(
            pf,
            jnp.asarray(ys[None, :, 21]),
            jnp.array([pat["hamd_baseline"]]),
            h,
            jnp.array([pat["eta_drug"]]),
        )
        return {
            "plasma_drug": cp,
            "tone_index": tone,
            "tnf_fold": tnf_fold,
            "bdnf": serum,
            "hamd_expected": np.asarray(score)[0],
        }


def run_scipy(reg, pop, n: int, t, method: str, rtol: float, atol: float, ps):  # type: ignore[no-untyped-def]
    model = NumpyModel(reg, ps)
    keep = {k: np.empty((n, len(t))) for k in CHECK}
    t0 = _now()
    for i in range(n):
        res = model.simulate(t, _patient_values(pop, i), method, rtol, atol)
        for k in CHECK:
            keep[k][i] = res[k]
    loop_s, loop_cpu_s = _since(t0)
    return {
        "loop_s": loop_s,
        "loop_cpu_s": loop_cpu_s,
        "n": n,
        "result": keep,
        "solver": f"solve_ivp {method} rtol {rtol:g} atol {atol:g}",
    }


# --------------------------------------------------------------------------- main


def _max_diff(ref, other: dict[str, np.ndarray], n: int) -> dict[str, float]:  # type: ignore[no-untyped-def]
    return {k: float(np.abs(other[k][:n] - ref.get(k)[:n]).max()) for k in CHECK}


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--patients", type=int, default=1000, help="virtual patients for brexsim")
    ap.add_argument(
        "--roadrunner-patients",
        type=int,
        default=None,
        help="patients in the libRoadRunner loop (default: min(N, 1000))",
    )
    ap.add_argument(
        "--scipy-patients",
        type=int,
        default=None,
        help="patients in the scipy loop (default: min(N, 20))",
    )
    ap.add_argument(
        "--etd-reference-patients",
        type=int,
        default=None,
        help="first patients solved by the tight diffrax reference (rtol 1e-10, atol 1e-13) "
        "that the etd engine is checked against (default: min(N, 1000))",
    )
    ap.add_argument("--chunk", type=int, default=256, help="brexsim patients per compiled block")
    ap.add_argument("--workers", type=int, default=2, help="brexsim threads (chunks at a time)")
    ap.add_argument("--device", choices=("cpu", "gpu"), default="cpu")
    ap.add_argument("--scipy-method", default="LSODA")
    ap.add_argument("--rtol", type=float, default=1e-6)
    ap.add_argument("--atol", type=float, default=1e-9)
    ap.add_argument("--seed", type=int, default=20261126)
    ap.add_argument("--regimen", default="zulresso")
    a = ap.parse_args(argv)
    if a.patients < 1:
        ap.error("--patients must be >= 1")
    device = _select_device(a.device)

    import jax
    import libsbml
    import roadrunner
    import scipy

    from brexsim import __version__
    from brexsim.dosing import get_preset
    from brexsim.params import load_parameters
    from brexsim.population import sample_population

    reg = get_preset(a.regimen)
    # the SBML export and the numpy model are brexanolone (IV) only
    peers = reg.drug == "brexanolone"
    ps = load_parameters()
    t0 = time.perf_counter()
    pop = sample_population(a.patients, a.seed)
    sample_s = time.perf_counter() - t0
    n_rr = min(a.patients, a.roadrunner_patients or 1000)
    n_sp = min(a.patients, a.scipy_patients or 20)
    n_ref = min(a.patients, a.etd_reference_patients or 1000)

    bx = run_brexsim(reg, pop, a.chunk, a.workers, device, a.rtol, a.atol, n_ref)
    ref = bx["result"]
    t = ref.time_h
    rr = run_roadrunner(reg, pop, n_rr, t, a.rtol, a.atol) if peers else None
    sp = run_scipy(reg, pop, n_sp, t, a.scipy_method, a.rtol, a.atol, ps) if peers else None

    n = a.patients
    tsit = f"diffrax Tsit5 rtol {a.rtol:g} atol {a.atol:g}, chunk {a.chunk}"
    default = "PK inside the RHS" if peers else "inputs on a 0.25-h grid (zuranolone's default)"
    etd_form = "exact PK modes" if peers else "grid inputs"
    rows = [
        (
            f"brexsim cold, {a.workers} thr (JIT)",
            n,
            bx["cold_s"],
            bx["cold_cpu_s"],
            f"{tsit}, first call",
        ),
        (
            f"brexsim warm, {a.workers} threads",
            n,
            bx["warm_s"],
            bx["warm_cpu_s"],
            f"{tsit}, default engine ({default})",
        ),
        (
            "brexsim warm, 1 thread",
            n,
            bx["one_thread_s"],
            bx["one_thread_cpu_s"],
            f"{tsit}, default engine",
        ),
        (
            "brexsim warm, grid inputs",
            n,
            bx["grid_inputs_s"],
            bx["grid_inputs_cpu_s"],
            f"{tsit}, inputs on a 0.25-h grid, stop at every grid point"
            + ("" if peers else " (= the default engine)"),
        ),
        (
            "brexsim warm, visit outputs",
            n,
            bx["visits_s"],
            bx["visits_cpu_s"],
            "default engine, outputs at 0/24/60/72/168/720 h only (as brexsim trial)",
        ),
        (
            "brexsim warm + monitoring",
            n,
            bx["monitoring_s"],
            bx["monitoring_cpu_s"],
            "default engine + label's monitoring rules + observed scores",
        ),
        (
            f"brexsim etd warm, {a.workers} threads",
            n,
            bx["etd_s"],
            bx["etd_cpu_s"],
            f"fixed-grid exponential integrator (ETDRK4, {etd_form}), chunk {a.chunk}",
        ),
    ]
    if rr is not None and sp is not None:
        rows += [
            (
                "libRoadRunner loop (warm)",
                n_rr,
                rr["loop_s"],
                rr["loop_cpu_s"],
                rr["solver"] + ", 1 thread",
            ),
            (
                "scipy solve_ivp loop",
                n_sp,
                sp["loop_s"],
                sp["loop_cpu_s"],
                sp["solver"] + ", 1 thread",
            ),
        ]
    print(f"machine: {_machine(device)}")
    print(
        f"versions: brexsim {__version__}, python {platform.python_version()}, jax "
        f"{jax.__version__}, numpy {np.__version__}, scipy {scipy.__version__}, libroadrunner "
        f"{roadrunner.__version__}, libsbml {libsbml.getLibSBMLDottedVersion()}"
    )
    rr_load = (
        f"libRoadRunner SBML load + compile {rr['load_s']:.2f} s (not in its row)"
        if rr is not None
        else "libRoadRunner and scipy not run (brexanolone IV only: no SBML export or numpy "
        f"model of {reg.drug})"
    )
    print(
        f"model: {a.regimen}, outputs hourly 0-{t[-1]:g} h ({len(t)} times), tolerances rtol "
        f"{a.rtol:g} atol {a.atol:g}; population sampling {sample_s:.2f} s (not in the rows); "
        + rr_load
    )
    print(
        f"{'engine':32s} {'patients':>8s} {'wall s':>8s} {'patients/s':>11s} {'CPU s':>8s} "
        f"{'patients/CPU-s':>14s}  solver"
    )
    for name, k, sec, cpu, solver in rows:
        print(f"{name:32s} {k:8d} {sec:8.2f} {k / sec:11.1f} {cpu:8.2f} {k / cpu:14.1f}  {solver}")
    print(
        f"load average during the run: {os.getloadavg()[0]:.1f} on "
        f"{os.cpu_count()} logical CPUs (other jobs share the machine when > cores)"
    )
    if rr is not None and sp is not None:
        for label, other, k in (("libRoadRunner", rr, n_rr), ("scipy", sp, n_sp)):
            d = _max_diff(ref, other["result"], k)
            print(
                f"max |{label} - brexsim| over {k} patients: "
                + ", ".join(f"{key} {v:.2e}" for key, v in d.items())
            )
    print(
        "max |grid inputs - default engine| over all patients: "
        + ", ".join(f"{key} {v:.2e}" for key, v in bx["grid_inputs_diff"].items())
    )
    tight = f"rtol {REFERENCE_TOL[0]:g} atol {REFERENCE_TOL[1]:g}"
    for name in ("etd", "default"):
        d = bx[f"{name}_vs_reference"]
        print(
            f"max |{name} engine - diffrax {tight}| over {n_ref} patients: "
            + ", ".join(f"{key} {v:.2e}" for key, v in d.items())
        )
    d_etd = bx["etd_vs_reference"]
    within = all(d_etd[k] <= lim for k, lim in ETD_TARGETS.items())
    print(
        f"etd targets (issue 16): TNF-alpha fold {d_etd['tnf_fold']:.2e} <= "
        f"{ETD_TARGETS['tnf_fold']:g}, expected HAM-D {d_etd['hamd_expected']:.2e} <= "
        f"{ETD_TARGETS['hamd_expected']:g} points: {'met' if within else 'NOT met'}; "
        f"reference solve {bx['reference_s']:.2f} s (not in the rows)"
    )
    warm = n / bx["warm_s"]
    etd_pps = n / bx["etd_s"]
    rr_pps = n_rr / rr["loop_s"] if rr is not None else None
    rr_cpu = n_rr / rr["loop_cpu_s"] if rr is not None else None
    summary = {
        "patients": n,
        "device": str(device),
        "brexsim_patients_per_s": warm,
        "brexsim_cold_s": bx["cold_s"],
        "brexsim_threads": a.workers,
        "brexsim_one_thread_patients_per_s": n / bx["one_thread_s"],
        "brexsim_grid_inputs_patients_per_s": n / bx["grid_inputs_s"],
        "brexsim_visits_patients_per_s": n / bx["visits_s"],
        "brexsim_monitoring_patients_per_s": n / bx["monitoring_s"],
        "roadrunner_patients_per_s": rr_pps,
        "roadrunner_load_s": rr["load_s"] if rr is not None else None,
        "scipy_patients_per_s": n_sp / sp["loop_s"] if sp is not None else None,
        "ratio_vs_roadrunner": warm / rr_pps if rr_pps else None,
        "brexsim_patients_per_cpu_s": n / bx["warm_cpu_s"],
        "roadrunner_patients_per_cpu_s": rr_cpu,
        "ratio_per_cpu_s_vs_roadrunner": (n / bx["warm_cpu_s"]) / rr_cpu if rr_cpu else None,
        "peak_rss_mb": _peak_rss_mb(),
        "regimen": a.regimen,
        "etd_patients_per_s": etd_pps,
        "etd_ratio_vs_roadrunner": etd_pps / rr_pps if rr_pps else None,
        "etd_reference_patients": n_ref,
        "etd_max_abs_tnf_fold_diff": d_etd["tnf_fold"],
        "etd_max_abs_hamd_diff": d_etd["hamd_expected"],
        "etd_within_target": within,
        "default_max_abs_tnf_fold_diff": bx["default_vs_reference"]["tnf_fold"],
        "default_max_abs_hamd_diff": bx["default_vs_reference"]["hamd_expected"],
    }
    print(json.dumps(summary))
    return summary


if __name__ == "__main__":
    main()
