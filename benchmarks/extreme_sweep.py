"""Extreme-patient sweep: patients at the edges of every sampled distribution through every layer.

The corner design (:func:`build_corner_population`): 21 two-level factors -- body weight at the
sampled range's ends (``population.weight_min_kg`` / ``weight_max_kg``, 40 and 160 kg), the
baseline HAM-D-17 at the inclusion range's ends (26 and 52; every tenth patient 0, the lowest a
spec allows), antidepressant and CNS-depressant use, every random effect of the population
model at -4 and +4 SD of its Ω (HAM-D, sedation, inflammation and PK η; the log-normal ones as
``exp(±4 sd)``), the non-sedation adverse event off/on and at the first and last instant of the
course -- set by the rows of a 32 x 32 Sylvester-Hadamard matrix and its fold-over (64 rows: each
factor at each end in half of them, every pair of factors at all four corner combinations),
crossed with every combination of the special populations (CYP3A4 4 levels x hepatic 4 x renal
5 x alcohol 2 = 160). The full cross is 64 x 160 = 10,240 patients per regimen; ``--patients``
takes the first ones in an order that keeps each factor balanced (patient i: Hadamard row
``i mod 64``, covariate combination ``i mod 160``).

Each patient goes through :func:`brexsim.model.simulate` (PK IIV on, monitoring on) for
``zulresso`` and ``zuranolone-50mg``. Checked per patient: every output finite (NaN, inf), no
solver failure (a :class:`~brexsim.errors.SolverError` lists the patients it failed for), and PK
mass balance: the individual PK system (the same parameters, weight, η and covariate effects
the model used) with an elimination compartment, solved exactly (matrix exponential,
:func:`brexsim.pk.linear.solve_linear`), keeps ``delivered = in the body + eliminated`` to 1e-9
of the dose, and the model's plasma concentration equals that system's central amount / volume
to 1e-9 of its peak.

    .venv/bin/python benchmarks/extreme_sweep.py --patients 10240    # the full sweep
    .venv/bin/python benchmarks/extreme_sweep.py --patients 1000     # a timing

Prints a table per regimen and, last, one JSON line.
"""

from __future__ import annotations

import argparse
import itertools
import json
import platform
import time
from collections.abc import Mapping
from typing import Any

import numpy as np

#: Standard deviations from the median at which every random effect is set.
EDGE_SD = 4.0
#: U(0, 1) draws (the adverse event's time in the course) at its two ends.
UNIFORM_EDGES = (1e-9, 1.0 - 1e-9)
#: Relative tolerance of the PK mass balance (of the dose) and of the plasma check (of Cmax).
MASS_BALANCE_RTOL = 1e-9
REGIMENS = ("zulresso", "zuranolone-50mg")


def get_hadamard(order: int) -> np.ndarray:
    """Sylvester-Hadamard matrix of ``order`` (a power of 2), entries +1/-1.

    >>> h = get_hadamard(4)
    >>> bool((h @ h.T == 4 * np.eye(4)).all())
    True
    """
    h = np.ones((1, 1))
    while h.shape[0] < order:
        h = np.block([[h, h], [h, -h]])
    return h


def get_factor_levels(params=None) -> dict[str, tuple[Any, Any]]:  # type: ignore[no-untyped-def]
    """Every two-level factor of the design: ``{name: (low, high)}``.

    Random effects come from the population model (:mod:`brexsim.params.popmodel`): the SD of
    each η is the square root of its Ω diagonal; the multipliers stored as ``exp(η)``
    (:data:`brexsim.population.trial_population.IIV_EFFECTS` "lognormal", and the inflammation
    layer's :data:`brexsim.mechanism.tlr.RANDOM_EFFECTS`) are set to ``exp(±4 sd)``.
    """
    from brexsim.mechanism import tlr
    from brexsim.params import load_parameters
    from brexsim.params.popmodel import POPULATION_MODELS, get_omega
    from brexsim.population.trial_population import IIV_EFFECTS

    ps = params or load_parameters()
    pop = ps.get_layer("population")
    levels: dict[str, tuple[Any, Any]] = {
        "weight_kg": (pop["weight_min_kg"], pop["weight_max_kg"]),
        "hamd_baseline": (26.0, 52.0),
        "antidepressant": (False, True),
        "cns_depressant": (False, True),
        "other_ae_interruption": (False, True),
        "other_ae_time_fraction": UNIFORM_EDGES,
    }
    z = np.array([[-EDGE_SD] * len(tlr.RANDOM_EFFECTS), [EDGE_SD] * len(tlr.RANDOM_EFFECTS)])
    # the layer's dict: a ParameterSet given here is taken for it (tests/population xfail)
    infl = tlr.get_random_effects_from_normals(z, tlr.get_tlr_parameters(ps))
    levels.update({k: (float(v[0]), float(v[1])) for k, v in infl.items()})
    for pm in POPULATION_MODELS.values():
        sd = np.sqrt(np.diag(get_omega(pm, ps)))
        for eta, s in zip(pm.etas, sd, strict=True):
            if eta.name in levels or eta.name not in IIV_EFFECTS:
                continue  # inflammation (set above); eta_bdnf0 is not wired per patient
            lo, hi = -EDGE_SD * float(s), EDGE_SD * float(s)
            if IIV_EFFECTS[eta.name][0] == "lognormal":
                lo, hi = float(np.exp(lo)), float(np.exp(hi))
            levels[eta.name] = (lo, hi)
    return levels


def get_covariate_combinations() -> list[dict[str, str]]:
    """Every combination of the special-population levels (160)."""
    from brexsim.population.covariates import COVARIATE_LEVELS

    names = list(COVARIATE_LEVELS)
    return [dict(zip(names, c, strict=True)) for c in itertools.product(*COVARIATE_LEVELS.values())]


def build_corner_population(n: int, params=None, seed: int = 0):  # type: ignore[no-untyped-def]
    """The first ``n`` patients of the corner design (see the module docstring)."""
    from brexsim.population import Population

    levels = get_factor_levels(params)
    names = list(levels)
    h = get_hadamard(32)[:, 1 : len(names) + 1]  # column 0 is all +1
    if h.shape[1] < len(names):
        raise ValueError(f"{len(names)} factors need a larger Hadamard matrix")
    rows = np.vstack([h, -h])  # fold-over: 64 rows
    combos = get_covariate_combinations()
    i = np.arange(n)
    pick = rows[i % len(rows)] > 0  # (n, factors): True = the high level
    col = {k: np.where(pick[:, j], levels[k][1], levels[k][0]) for j, k in enumerate(names)}
    hamd = col.pop("hamd_baseline").astype(float)
    hamd[i % 10 == 0] = 0.0
    weight = col.pop("weight_kg").astype(float)
    antidep = col.pop("antidepressant").astype(bool)
    effects = {k: np.asarray(v, dtype=bool if isinstance(levels[k][0], bool) else float)
               for k, v in col.items()}  # fmt: skip
    cov = {c: np.array([combos[k % len(combos)][c] for k in i]) for c in combos[0]}
    return Population(i, weight, hamd, antidep, effects, seed, cov)


def get_delivered(regimen, t: np.ndarray, weight_kg: float, pk=None) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Drug delivered into the body by each time ``t``: µg (IV, ``weight_kg``) or mg (oral:
    fed doses at once, fasted ones as ``f_rel_fasted`` of the dose over ``d_fasted_h`` of the
    zuranolone ``pk``).

    >>> from brexsim.dosing import get_preset
    >>> float(get_delivered(get_preset("zulresso"), np.array([60.0]), 70.0)[0])  # 4.2 mg/kg
    294000.0
    """
    out = np.zeros_like(t, dtype=float)
    for s in regimen.segments:
        out += s.rate_ug_per_kg_h * weight_kg * np.clip(t - s.start_h, 0.0, s.duration_h)
    for d in regimen.oral_doses:
        if d.with_food:
            out += d.mg * (t >= d.time_h)
        else:
            out += d.mg * pk.f_rel_fasted * np.clip((t - d.time_h) / pk.d_fasted_h, 0.0, 1.0)
    return out


def get_pk_balance(sim, params=None) -> dict[str, np.ndarray]:  # type: ignore[no-untyped-def]
    """Per patient: the largest mass-balance error (of the dose) and the largest plasma
    difference from the exact system (of its peak), over the output times."""
    from brexsim.params import load_parameters
    from brexsim.pk.brexanolone import get_brexanolone_pk
    from brexsim.pk.linear import Bolus, Infusion, solve_linear
    from brexsim.pk.zuranolone import get_system_matrix, get_zuranolone_pk
    from brexsim.population.covariates import get_pk_scales

    ps = params or load_parameters()
    pop, t = sim.population, np.asarray(sim.time_h, dtype=float)
    drug = sim.regimens[0].drug
    scales = get_pk_scales(drug, pop.n, pop.random_effects, pop.covariates, ps)
    plasma = sim.get("plasma_drug")
    mass_err, plasma_err = np.zeros(pop.n), np.zeros(pop.n)
    for i, reg in enumerate(sim.regimens):
        sc = {k: float(v[i]) for k, v in scales.items()}
        if drug == "brexanolone":
            pk = get_brexanolone_pk(float(pop.weight_kg[i]), ps, sc)
            cl, v1, q, v2 = pk.cl_L_per_h, pk.v1_L, pk.q_L_per_h, pk.v2_L
            K = np.array([[-(cl + q) / v1, q / v2, 0.0], [q / v1, -q / v2, 0.0],
                          [cl / v1, 0.0, 0.0]])  # fmt: skip  # A1, A2 (µg), eliminated
            inf = [Infusion(s.start_h, s.end_h, (s.rate_ug_per_kg_h * pk.weight_kg, 0.0, 0.0))
                   for s in reg.segments if s.rate_ug_per_kg_h > 0]  # fmt: skip
            x = solve_linear(K, t, inf)
            cp = x[:, 0] / v1
        else:
            pk = get_zuranolone_pk(ps, sc)
            n = pk.n_transit
            K = np.zeros((n + 3, n + 3))
            K[: n + 2, : n + 2] = get_system_matrix(pk)[: n + 2, : n + 2]  # transit, Ac, Ap
            K[n + 2, n] = pk.cl_L_per_h / pk.v2_L  # eliminated (mg)
            size = n + 3
            bol, inf = [], []
            for d in reg.oral_doses:
                if d.mg == 0.0:
                    continue
                if d.with_food:
                    bol.append(Bolus(d.time_h, tuple(d.mg * (np.arange(size) == 0))))
                else:
                    rate = d.mg * pk.f_rel_fasted / pk.d_fasted_h * (np.arange(size) == n)
                    inf.append(Infusion(d.time_h, d.time_h + pk.d_fasted_h, tuple(rate)))
            x = solve_linear(K, t, inf, bol)
            cp = x[:, n] / pk.v2_L * 1000.0
        delivered = get_delivered(reg, t, float(pop.weight_kg[i]), pk)
        dose = max(float(delivered[-1]), 1e-300)
        mass_err[i] = float(np.max(np.abs(delivered - x.sum(axis=1)))) / dose
        peak = max(float(np.max(np.abs(cp))), 1e-300)
        plasma_err[i] = float(np.max(np.abs(plasma[i] - np.maximum(cp, 0.0)))) / peak
        if delivered[-1] == 0.0:
            mass_err[i] = float(np.max(np.abs(x.sum(axis=1))))
            plasma_err[i] = float(np.max(np.abs(plasma[i])))
    return {"mass_balance_rel": mass_err, "plasma_rel": plasma_err}


def count_nonfinite(sim) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """NaN and inf counts over every output of every patient."""
    nan = inf = 0
    for v, _ in sim.outputs.values():
        a = np.asarray(v, dtype=float)
        nan += int(np.isnan(a).sum())
        inf += int(np.isinf(a).sum())
    return {"nan": nan, "inf": inf}


def run_sweep(regimen_name: str, n: int, chunk: int = 64) -> dict[str, Any]:
    """Simulate the first ``n`` corner patients under a preset; counts and timings."""
    from brexsim.dosing import get_preset
    from brexsim.errors import SolverError
    from brexsim.model import simulate

    pop = build_corner_population(n)
    t0 = time.perf_counter()
    try:
        sim = simulate(get_preset(regimen_name), pop, chunk=chunk)
    except SolverError as exc:
        return {"regimen": regimen_name, "patients": n, "solver_failures": len(exc.failures),
                "failures": dict(list(exc.failures.items())[:10]),
                "seconds": time.perf_counter() - t0}  # fmt: skip
    t_sim = time.perf_counter() - t0
    bal = get_pk_balance(sim)
    return {
        "regimen": regimen_name,
        "patients": n,
        "solver_failures": int((~np.asarray(sim.solver_ok)).sum()),
        **count_nonfinite(sim),
        "max_mass_balance_rel": float(bal["mass_balance_rel"].max()),
        "max_plasma_rel": float(bal["plasma_rel"].max()),
        "mass_balance_failures": int((bal["mass_balance_rel"] > MASS_BALANCE_RTOL).sum()),
        "plasma_failures": int((bal["plasma_rel"] > MASS_BALANCE_RTOL).sum()),
        "interrupted": int(sum(bool(r.interruptions) for r in sim.regimens)),
        "seconds": round(t_sim, 2),
        "patients_per_second": round(n / max(t_sim, 1e-9), 2),
    }


def _print_table(rows: list[Mapping[str, Any]]) -> None:
    keys = ["regimen", "patients", "nan", "inf", "solver_failures", "max_mass_balance_rel",
            "max_plasma_rel", "mass_balance_failures", "interrupted", "seconds"]  # fmt: skip
    print(" | ".join(keys))
    for r in rows:
        print(" | ".join(f"{r.get(k, '-'):.3g}" if isinstance(r.get(k), float) else
                         str(r.get(k, "-")) for k in keys))  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--patients", type=int, default=64 * 160, help="per regimen (10240: all)")
    ap.add_argument("--regimens", default=",".join(REGIMENS))
    ap.add_argument("--chunk", type=int, default=64)
    a = ap.parse_args()
    import jax

    from brexsim import __version__

    rows = [run_sweep(r, a.patients, a.chunk) for r in a.regimens.split(",")]
    print(f"brexsim {__version__}, {platform.platform()}, {platform.processor() or ''} "
          f"JAX {jax.__version__} ({jax.default_backend()})")  # fmt: skip
    _print_table(rows)
    ok = all(
        r.get("nan", 1) == 0 and r.get("inf", 1) == 0 and r["solver_failures"] == 0
        and r.get("mass_balance_failures", 1) == 0 and r.get("plasma_failures", 1) == 0
        for r in rows
    )  # fmt: skip
    print(json.dumps({"benchmark": "extreme_sweep", "ok": ok, "results": rows}))


if __name__ == "__main__":
    main()
