"""The one public simulation entry point, :func:`simulate`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from brexsim.dosing.regimen import Regimen
from brexsim.errors import SolverError, input_error
from brexsim.model.hamd import _get_hamd
from brexsim.model.options import SolverOptions, _get_solver_options
from brexsim.model.pk_batch import _row, _simulate_brexanolone_pk_groups
from brexsim.model.result import SimulationResult
from brexsim.model.sedation import _apply_sedation
from brexsim.params import ParameterSet, load_parameters
from brexsim.population.virtual import Population, get_typical_population, sample_population

__all__ = ["simulate"]


def _as_population(patients: Population | int | None, seed: int) -> Population:
    if patients is None:
        patients = 1
    if isinstance(patients, Population):
        return patients
    return sample_population(int(patients), seed)


def simulate(
    regimen: Regimen | Sequence[Regimen],
    patients: Population | int | None = None,
    times_h: np.ndarray | None = None,
    seed: int = 0,
    params: ParameterSet | None = None,
    sensitivity: str = "control",
    chunk: int = 64,
    typical: bool = False,
    monitoring: bool = True,
    solver: SolverOptions | Mapping[str, Any] | None = None,
    hypothesis: str = "gaba",
) -> SimulationResult:
    """Simulate every layer for one patient or a batch.

    Parameters
    ----------
    regimen : Regimen or one Regimen per patient
    patients : Population, or a number of patients to sample with ``seed`` (default 1)
    times_h : output times, h (default hourly to the end of treatment + 30 days)
    seed : int, seeds the population when ``patients`` is a number
    sensitivity : GABA-A receptor state of the granule cells ("control" or "epileptic")
    chunk : patients per compiled block of the batched solve
    typical : use a typical 70-kg patient (baseline HAM-D 28.6, all random effects 0)
    monitoring : apply the label's monitoring rules to IV regimens (interruptions feed back)
    solver : how the batched in vivo solve runs, a :class:`brexsim.model.SolverOptions`
        (default ``None``: every field at the drug's default; a mapping of the same fields is
        deprecated). ``inputs="exact"`` (brexanolone default: the PK states and the tone index
        are integrated inside the right-hand side, the solver stops only at each patient's rate
        changes; :func:`brexsim.model.solve.solve_in_vivo_exact_batch`) or ``inputs="grid"``
        (zuranolone, and a cross-check for brexanolone: inputs on a 0.25-h grid, linearly
        interpolated; :func:`brexsim.model.solve.solve_in_vivo_batch`; agrees with "exact" to the
        grid's interpolation error, ~1e-3 relative). With grid inputs, ``jumps="regimen"`` stops
        the solver only at the regimens' rate changes instead of at every grid point.
        ``workers=2`` solves two chunks at a time on two threads (identical results).
        ``engine="etd"``: the fixed-grid exponential integrator
        (:mod:`brexsim.model.solve.etd`; several times faster, within 1e-4 of a tight reference in
        the TNF-α fold change, docs/model/numerics.md) instead of diffrax Tsit5 (default
        ``"diffrax"``); ``rtol=1e-10, atol=1e-13``: diffrax tolerances (default 1e-6 / 1e-9;
        tight values give the reference solve the accuracy tests use).
    hypothesis : mechanism hypothesis (:mod:`brexsim.hypotheses`): its parameter overlay is
        applied to ``params`` (or to the packaged tables) and, under ``neuroimmune``, each
        patient's immune multipliers load on her innate-immune phenotype. Default ``"gaba"``
        (today's model, no overlay); recorded in the provenance.

    Examples
    --------
    >>> from brexsim.dosing import get_preset
    >>> res = simulate(get_preset("zulresso"), typical=True, times_h=np.arange(0.0, 97.0))
    >>> tnf = res.get("tnf_fold")
    >>> bool(tnf[0, 60] < 0.5 < tnf[0, 0])
    True
    """
    from brexsim.clinical.hamd import scale_biophase_for_tone
    from brexsim.hypotheses import apply_hypothesis
    from brexsim.hypotheses.phenotype import apply_phenotype_to_population
    from brexsim.mechanism import bdnf, tlr
    from brexsim.mechanism.gabaa import get_tone_index
    from brexsim.model.solve import (
        IN_VIVO_STATES,
        BrexanoloneInputs,
        solve_in_vivo_batch,
        solve_in_vivo_exact_batch,
    )
    from brexsim.model.solve.etd import solve_in_vivo_etd_batch, solve_in_vivo_etd_grid_batch
    from brexsim.pk import simulate_pk
    from brexsim.provenance import make_provenance

    ps = apply_hypothesis(params or load_parameters(), hypothesis)
    pop = get_typical_population(seed) if typical else _as_population(patients, seed)
    pop = apply_phenotype_to_population(pop, ps)
    regs = tuple(regimen) if isinstance(regimen, Sequence) else (regimen,) * pop.n
    if len(regs) != pop.n:
        raise input_error("regimen", len(regs), f"one regimen or one per patient ({pop.n})")
    drugs = {r.drug for r in regs}
    if len(drugs) != 1:
        raise input_error("regimen", sorted(drugs), "regimens of one drug per simulate() call")
    drug = drugs.pop()
    from brexsim.population.covariates import get_pk_scales

    scales = get_pk_scales(drug, pop.n, pop.random_effects, pop.covariates, ps)
    regs, events, outcomes = _apply_sedation(regs, pop, drug, monitoring, ps, scales)
    end = max(r.end_of_treatment_h for r in regs)
    t = np.arange(0.0, end + 720.0 + 0.5, 1.0) if times_h is None else np.asarray(times_h, float)
    if (
        t.ndim != 1
        or len(t) < 2
        or np.any(np.diff(t) <= 0)
        or t[0] < 0
        or not np.all(np.isfinite(t))
    ):
        raise input_error("times_h", "array", "a strictly increasing array of >= 2 times >= 0 h")
    # HAM-D's remission state integrates its drive over output intervals (trapezoid), so the
    # layers are computed at least hourly (the resolution HAM-D was calibrated at) and then
    # reduced to the requested times: coarse visit times give the values of an hourly run
    t_out = t
    if t[0] == 0.0 and np.any(np.diff(t) > 1.0):
        t = np.unique(np.concatenate([np.arange(0.0, t_out[-1], 1.0), t_out]))
    keep = np.searchsorted(t, t_out)
    opts = _get_solver_options(solver, regs, drug)
    exact = opts.pop("inputs") == "exact"
    # exact inputs: PK and tone are needed only at the output times (the solve integrates them
    # inside its right-hand side); grid inputs: on a 0.25-h grid plus the output times
    grid = t if exact else np.unique(np.concatenate([np.arange(0.0, t[-1] + 0.25, 0.25), t]))
    grid = grid[grid <= t[-1]]
    n, m = pop.n, len(t)
    plasma_grid = np.empty((n, len(grid)))
    tone_grid = np.empty((n, len(grid)))
    outs: dict[str, np.ndarray] = {
        k: np.empty((n, m))
        for k in (
            "plasma_drug",
            "plasma_total",
            "effect_site_drug",
            "biophase_free_drug",
            "tone_index",
        )
    }
    on_t = np.searchsorted(grid, t)
    endo_free = np.empty((n, 1))  # constant in time
    if drug == "brexanolone":  # closed form vectorised over the patients of each regimen
        for rows, pk in _simulate_brexanolone_pk_groups(regs, pop.weight_kg, grid, ps, scales):
            plasma_grid[rows] = pk["plasma_drug"]
            tone_grid[rows] = pk["biophase_free_drug"]  # the tone index replaces it below
            endo_free[rows] = pk["endogenous_free"]
            for name in ("plasma_drug", "plasma_total", "effect_site_drug", "biophase_free_drug"):
                outs[name][rows] = pk[name][:, on_t]
    for i in range(n) if drug != "brexanolone" else ():
        pk = simulate_pk(regs[i], float(pop.weight_kg[i]), grid, ps, _row(scales, i))
        plasma_grid[i] = pk.plasma_drug_ng_per_ml
        # zuranolone: its calibrated exposure/potency scale (hamd.zuranolone_exposure_scale)
        tone_grid[i] = scale_biophase_for_tone(pk.drug_biophase_free_nM, drug, ps)
        endo_free[i] = pk.endogenous_biophase_free_nM[0]
        outs["plasma_drug"][i] = pk.plasma_drug_ng_per_ml[on_t]
        outs["plasma_total"][i] = pk.plasma_total_ng_per_ml[on_t]
        outs["effect_site_drug"][i] = pk.effect_site_drug_ng_per_ml[on_t]
        outs["biophase_free_drug"][i] = pk.drug_biophase_free_nM[on_t]
    # element-wise, so one call per block of patients gives the values of one call per patient
    for lo in range(0, n, 1024):
        rows = slice(lo, min(lo + 1024, n))
        tone = get_tone_index(
            tone_grid[rows], endo_free[rows], drug=drug, sensitivity=sensitivity, params=ps
        )
        tone_grid[rows] = np.clip(tone, 0.0, 1.0)
    outs["tone_index"][:] = tone_grid[:, on_t]
    re = pop.random_effects
    common = {
        "chunk": chunk,
        "params": ps,
        "ic50_scale": re.get("infl_ic50_scale"),
        "reprogram_scale": re.get("infl_reprogram_scale"),
    }
    etd = opts.pop("engine") == "etd"
    tol = {"rtol": opts.pop("rtol"), "atol": opts.pop("atol")}
    if exact:
        inputs = BrexanoloneInputs.from_regimens(regs, pop.weight_kg, ps, sensitivity, scale=scales)
        if etd:
            ys, ok = solve_in_vivo_etd_batch(t, inputs, workers=opts["workers"], **common)
        else:
            ys, ok = solve_in_vivo_exact_batch(t, inputs, workers=opts["workers"], **common, **tol)
    elif etd:
        ys, ok = solve_in_vivo_etd_grid_batch(
            t, grid, plasma_grid, tone_grid, drug, **common, **opts
        )
    else:
        ys, ok = solve_in_vivo_batch(t, grid, plasma_grid, tone_grid, drug, **common, **opts, **tol)
    if not ok.all():
        bad = {int(pop.ids[i]): "in vivo solve did not converge" for i in np.flatnonzero(~ok)}
        raise SolverError(bad)
    names = dict(zip(IN_VIVO_STATES, range(len(IN_VIVO_STATES)), strict=True))
    sd = ps.value("bdnf.healthy_sd_ng_per_ml")
    bp = bdnf.get_bdnf_parameters(ps)
    serum = np.asarray(
        bdnf.get_serum_bdnf(
            ys[..., len(tlr.IN_VIVO_STATES) :],
            bp["ppd_baseline_ng_per_ml"],
            bp["exchange_fraction"],
        )
    )
    results: dict[str, tuple[np.ndarray, str]] = {
        "plasma_drug": (outs["plasma_drug"], "ng/mL"),
        "plasma_total": (outs["plasma_total"], "ng/mL"),
        "effect_site_drug": (outs["effect_site_drug"], "ng/mL"),
        "biophase_free_drug": (outs["biophase_free_drug"], "nM"),
        "tone_index": (outs["tone_index"], "1"),
        "innate_state": (ys[..., names["innate_state"]], "1"),
        "tnf": (ys[..., names["tnf_pg_per_ml"]], "pg/mL"),
        "il1b": (ys[..., names["il1b_pg_per_ml"]], "pg/mL"),
        "il6": (ys[..., names["il6_pg_per_ml"]], "pg/mL"),
        "tnf_fold": (ys[..., names["tnf_pg_per_ml"]] / ys[:, :1, names["tnf_pg_per_ml"]], "fold"),
        "il6_fold": (ys[..., names["il6_pg_per_ml"]] / ys[:, :1, names["il6_pg_per_ml"]], "fold"),
        "bdnf": (serum, "ng/mL"),
        "bdnf_change_sd": ((serum - serum[:, :1]) / sd, "SD"),
    }
    scores = _get_hamd(results, outcomes, t, keep, pop, regs, seed, ps)
    results = {name: (v[:, keep], unit) for name, (v, unit) in results.items()}
    results.update(scores)
    for name, (v, _) in results.items():
        if not np.all(np.isfinite(v)):
            bad_rows = np.flatnonzero(~np.all(np.isfinite(v), axis=1))
            raise SolverError({int(pop.ids[i]): f"non-finite {name}" for i in bad_rows})
    return SimulationResult(
        time_h=t_out,
        outputs=results,
        population=pop,
        regimens=regs,
        events=events,
        outcomes=outcomes,
        solver_ok=ok,
        provenance=make_provenance(ps, seed=seed, hypothesis=hypothesis),
    )
