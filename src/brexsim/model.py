"""The assembled model: one public :func:`simulate` for one patient or a batch.

Data flow (design.md §2): regimen → monitoring rules (sedation score from the effect-site
concentration; stops, resumptions and stops for good change each patient's regimen) → exact PK
(plasma total, free, effect site) → GABA-A tone index (free brain concentration) → coupled in vivo
TLR/cytokine + BDNF system (:mod:`brexsim.solve`) → HAM-D-17 (placebo course + fast GABAergic +
slow immune/BDNF effect). Every output is labelled with its unit.

PK is per patient: each patient's η (``eta_pk_*``) and special-population covariates
(:mod:`brexsim.population.covariates`) scale her CL, volumes and absorption, and the monitoring
rules see her own effect-site course. What is not yet per patient: the basal TLR tone (typical
value; the Balan calibration uses its own tables), the serum BDNF baseline (typical).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from brexsim.dosing.regimen import Regimen
from brexsim.errors import SolverError, input_error
from brexsim.params import ParameterSet, load_parameters
from brexsim.population.virtual import Population, get_typical_population, sample_population

__all__ = ["SimulationResult", "simulate"]


@dataclass(frozen=True)
class SimulationResult:
    """Outputs of :func:`simulate`.

    Attributes
    ----------
    time_h : (m,) output times, h
    outputs : ``{name: (array (n, m), unit)}``
    population : the patients simulated
    regimens : the regimen each patient received (after monitoring-rule interruptions)
    events : per-patient lists of monitoring events (dicts: time_h, type, rates)
    outcomes : ``{name: (n,) array}`` per-patient outcomes (sedation, interruptions, HAM-D
        response/remission at the last time)
    solver_ok : (n,) bool
    provenance : version, parameter hash, seed
    """

    time_h: np.ndarray
    outputs: dict[str, tuple[np.ndarray, str]]
    population: Population
    regimens: tuple[Regimen, ...]
    events: tuple[tuple[Any, ...], ...] = ()
    outcomes: dict[str, np.ndarray] = field(default_factory=dict)
    solver_ok: np.ndarray = field(default_factory=lambda: np.ones(0, dtype=bool))
    provenance: dict[str, Any] = field(default_factory=dict)

    def get(self, name: str) -> np.ndarray:
        """The ``(n, m)`` array of one output."""
        if name not in self.outputs:
            raise input_error("output", name, f"one of {sorted(self.outputs)}")
        return self.outputs[name][0]

    def to_long_frame(self, arm: str = "") -> pd.DataFrame:
        """Long format ``subject, arm, time_h, variable, value, unit``."""
        n, m = len(self.population.ids), len(self.time_h)
        frames = []
        for name, (v, unit) in self.outputs.items():
            frames.append(
                pd.DataFrame(
                    {
                        "subject": np.repeat(self.population.ids, m),
                        "arm": arm,
                        "time_h": np.tile(self.time_h, n),
                        "variable": name,
                        "value": np.asarray(v).ravel(),
                        "unit": unit,
                    }
                )
            )
        return pd.concat(frames, ignore_index=True)


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
    solver: Mapping[str, Any] | None = None,
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
    solver : options of the batched in vivo solve, default ``{}``. ``"inputs"``: ``"exact"``
        (brexanolone default: the PK states and the tone index are integrated inside the
        right-hand side, the solver stops only at each patient's rate changes;
        :func:`brexsim.solve.solve_in_vivo_exact_batch`) or ``"grid"`` (zuranolone, and a
        cross-check for brexanolone: inputs on a 0.25-h grid, linearly interpolated;
        :func:`brexsim.solve.solve_in_vivo_batch`; agrees with "exact" to the grid's
        interpolation error, ~1e-3 relative). With grid inputs, ``{"jumps": "regimen"}`` stops
        the solver only at the regimens' rate changes instead of at every grid point.
        ``{"workers": 2}`` solves two chunks at a time on two threads (identical results).
        ``{"engine": "etd"}``: the fixed-grid exponential integrator
        (:mod:`brexsim.solve_etd`; several times faster, within 1e-4 of a tight reference in
        the TNF-α fold change, docs/model/numerics.md) instead of diffrax Tsit5 (default
        ``"diffrax"``); ``{"rtol": 1e-10, "atol": 1e-13}``: diffrax tolerances (default
        1e-6 / 1e-9; tight values give the reference solve the accuracy tests use).
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
    from brexsim.pk import simulate_pk
    from brexsim.provenance import make_provenance
    from brexsim.solve import (
        IN_VIVO_STATES,
        BrexanoloneInputs,
        solve_in_vivo_batch,
        solve_in_vivo_exact_batch,
    )
    from brexsim.solve_etd import solve_in_vivo_etd_batch, solve_in_vivo_etd_grid_batch

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


def _row(scales: Mapping[str, np.ndarray], i: int) -> dict[str, float]:
    """Patient ``i``'s PK multipliers."""
    return {k: float(v[i]) for k, v in scales.items()}


def _simulate_brexanolone_pk_groups(
    regs: tuple[Regimen, ...],
    weight_kg: np.ndarray,
    grid: np.ndarray,
    ps: ParameterSet,
    scales: Mapping[str, np.ndarray] | None = None,
):  # type: ignore[no-untyped-def]
    """Yield ``(rows, pk)`` for blocks of <= 1024 patients sharing a regimen: ``pk`` holds
    ``(k, g)`` arrays ``plasma_drug``, ``plasma_total``, ``effect_site_drug``,
    ``biophase_free_drug`` and ``endogenous_free`` ``(k, 1)`` on ``grid``; ``scales``: the
    patients' PK multipliers (:func:`brexsim.population.covariates.get_pk_scales`).

    The same arithmetic, in the same order, as :func:`brexsim.pk.simulate_pk` /
    :func:`brexsim.pk.brexanolone.simulate_closed_form` for one patient, broadcast over the
    patients' weights: the values are identical (tests/test_solve_speedups.py).
    """
    from brexsim.pk.brexanolone import get_brexanolone_pk

    t = np.asarray(grid, dtype=float)
    brx = ps.get_layer("brexanolone_pk")
    nm = 1e3 / brx["mw_g_per_mol"]
    endo_free = brx["endogenous_ng_per_ml"] * brx["fu_plasma"] * brx["kp_uu_brain"] * nm
    groups: dict[int, list[int]] = {}
    for i, r in enumerate(regs):
        key = next((k for k in groups if regs[k] == r), i)
        groups.setdefault(key, []).append(i)
    for key, members in groups.items():
        for lo in range(0, len(members), 1024):
            rows = np.asarray(members[lo : lo + 1024])
            pks = [
                get_brexanolone_pk(float(weight_kg[r]), ps, _row(scales, r) if scales else None)
                for r in rows
            ]
            fu = (
                np.asarray(scales["fu"], dtype=float)[rows, None]
                if scales and "fu" in scales
                else np.ones((len(rows), 1))
            )
            lam = np.empty((len(rows), 2))
            a = np.empty((len(rows), 2))
            for j, pk in enumerate(pks):
                lam[j], a[j] = pk.macro
            ke0 = np.array([pk.ke0_per_h for pk in pks])
            w = np.array([pk.weight_kg for pk in pks])
            lam_e = np.stack([lam[:, 0], lam[:, 1], ke0], axis=1)
            c0 = a[:, 0] * ke0 / (ke0 - lam[:, 0])
            c1 = a[:, 1] * ke0 / (ke0 - lam[:, 1])
            coef_e = np.stack([c0, c1, -(c0 + c1)], axis=1)
            cp = np.zeros((len(rows), t.size))
            ce = np.zeros((len(rows), t.size))
            for seg in regs[key].segments:
                if seg.rate_ug_per_kg_h == 0.0:
                    continue
                rate = (seg.rate_ug_per_kg_h * w)[:, None]
                cp += rate * _segment_response_batch(lam, a, t, seg.start_h, seg.end_h)
                ce += rate * _segment_response_batch(lam_e, coef_e, t, seg.start_h, seg.end_h)
            total = cp + brx["endogenous_ng_per_ml"]  # before the clip, as simulate_pk
            cp = np.maximum(cp, 0.0)
            ce = np.maximum(ce, 0.0)
            yield (
                rows,
                {
                    "plasma_drug": cp,
                    "plasma_total": total,
                    "effect_site_drug": ce,
                    "biophase_free_drug": ce * (brx["fu_plasma"] * fu) * brx["kp_uu_brain"] * nm,
                    "endogenous_free": endo_free * fu,
                },
            )


def _segment_response_batch(
    lam: np.ndarray, coef: np.ndarray, t: np.ndarray, start: float, end: float
) -> np.ndarray:
    """``brexsim.pk.brexanolone._segment_response`` for ``k`` patients (rows of ``lam``,
    ``coef``) on a sorted ``t``; the same operations per element (the masks ``start < t <= end``
    and ``t > end`` become slices)."""
    out = np.zeros((lam.shape[0], t.size))
    a, b = np.searchsorted(t, [start, end], side="right")
    for i in range(lam.shape[1]):
        lam_i, c_i = lam[:, i : i + 1], coef[:, i : i + 1]
        g = c_i / lam_i
        out[:, a:b] += g * -np.expm1(-lam_i * (t[a:b] - start))
        out[:, b:] += g * -np.expm1(-lam_i * (end - start)) * np.exp(-lam_i * (t[b:] - end))
    return out


def _get_solver_options(
    solver: Mapping[str, Any] | None, regs: tuple[Regimen, ...], drug: str
) -> dict[str, Any]:
    """Options of the in vivo solve from ``solver``: ``inputs`` ("exact" or "grid"), ``engine``
    ("diffrax" or "etd") plus the keyword arguments of :func:`brexsim.solve.solve_in_vivo_batch`
    (``jump_times_h``, ``workers``)."""
    opts = dict(solver or {})
    unknown = set(opts) - {"inputs", "jumps", "workers", "engine", "rtol", "atol"}
    if unknown:
        raise input_error(
            "solver", sorted(unknown), "keys 'inputs', 'jumps', 'workers', 'engine', 'rtol', 'atol'"
        )
    out: dict[str, Any] = {}
    engine = opts.get("engine", "diffrax")
    if engine not in ("diffrax", "etd"):
        raise input_error("solver.engine", engine, "'diffrax' (default) or 'etd'")
    out["engine"] = engine
    for key, default in (("rtol", 1e-6), ("atol", 1e-9)):  # diffrax tolerances
        v = opts.get(key, default)
        if isinstance(v, bool) or not isinstance(v, float | int) or not 0 < v < 1:
            raise input_error(f"solver.{key}", v, "a number in (0, 1) (diffrax engine only)")
        if key in opts and engine == "etd":
            raise input_error(f"solver.{key}", v, "only with engine 'diffrax' (etd: fixed grid)")
        out[key] = float(v)
    inputs = opts.get("inputs", "exact" if drug == "brexanolone" else "grid")
    if inputs not in ("exact", "grid"):
        raise input_error("solver.inputs", inputs, "'exact' (brexanolone default) or 'grid'")
    if inputs == "exact" and drug != "brexanolone":
        raise input_error("solver.inputs", inputs, f"'grid' for {drug} (exact: brexanolone only)")
    out["inputs"] = inputs
    jumps = opts.get("jumps", "grid")
    if jumps not in ("grid", "regimen"):
        raise input_error("solver.jumps", jumps, "'grid' (default) or 'regimen'")
    if jumps == "regimen" and (inputs == "exact" or engine == "etd"):
        raise input_error(
            "solver.jumps", jumps, "only with solver.inputs = 'grid' and engine 'diffrax'"
        )
    if jumps == "regimen":
        out["jump_times_h"] = np.unique([x for r in regs for x in r.jump_times_h])
    workers = opts.get("workers", 1)
    if isinstance(workers, bool) or not isinstance(workers, int) or not 1 <= workers <= 64:
        raise input_error("solver.workers", workers, "an integer in [1, 64]")
    out["workers"] = workers
    return out


def _apply_sedation(
    regs: tuple[Regimen, ...],
    pop: Population,
    drug: str,
    monitoring: bool,
    ps: ParameterSet,
    scales: Mapping[str, np.ndarray] | None = None,
) -> tuple[tuple[Regimen, ...], tuple[tuple[Any, ...], ...], dict[str, np.ndarray]]:
    """Sedation outcomes and, for IV regimens, the monitoring rules (regimens change); each
    patient's own PK (``scales``) sets her effect-site course; alcohol acts as a concomitant
    CNS depressant (the labels list it with them)."""
    from brexsim.clinical.monitoring import apply_monitoring_rules, get_monitoring_rules
    from brexsim.clinical.sedation import (
        get_awake_ce_max,
        get_other_ae_times_h,
        get_sedation_gain,
    )
    from brexsim.pk import get_brexanolone_pk

    re = pop.random_effects
    n = pop.n
    cns = np.asarray(re.get("cns_depressant", np.zeros(n, dtype=bool)), dtype=bool)
    alcohol = np.asarray(pop.covariates.get("alcohol", np.full(n, "false"))) == "true"
    cns = cns | alcohol
    sens = re["sedation_sensitivity"]
    if scales is not None:  # PK IIV explains part of the calibrated spread: keep the PD part
        from brexsim.clinical.sedation_pk import split_sensitivity
        from brexsim.population.covariates import PK_ETAS

        has_pk = np.zeros(n, dtype=bool)
        for k in PK_ETAS[drug]:  # this drug's PK etas only
            if k in re:
                has_pk |= np.asarray(re[k], dtype=float) != 0.0
        sens = split_sensitivity(sens, has_pk, drug, ps)
    gain = get_sedation_gain(sens, drug, pop.antidepressant, cns, ps)
    b = re["sedation_background"]
    rules = get_monitoring_rules(ps)
    out = {
        k: np.zeros(n, dtype=bool)
        for k in (
            "somnolence",
            "excessive_sedation",
            "interruption",
            "loss_of_consciousness",
            "hypoxia_stop",
        )
    }
    out["n_interruptions"] = np.zeros(n)
    new = list(regs)
    events: list[tuple[Any, ...]] = [() for _ in range(n)]
    groups: dict[int, list[int]] = {}
    for i, r in enumerate(regs):  # patients sharing a scheduled regimen run as one batch
        key = next((k for k in groups if regs[k] == r), i)
        groups.setdefault(key, []).append(i)
    if drug == "brexanolone" and monitoring:
        for key, members in groups.items():
            idx = np.asarray(members)
            sub = {k: v[idx] for k, v in re.items()}
            other_t = get_other_ae_times_h(sub, regs[key], rules.steps_per_h)
            pks = None
            if scales is not None and not _is_typical(scales, idx):
                pks = [get_brexanolone_pk(70.0, ps, _row(scales, i)) for i in idx]
            mon = apply_monitoring_rules(regs[key], b[idx], gain[idx], other_t, pk=pks, params=ps)
            out["somnolence"][idx] = mon.somnolence
            out["excessive_sedation"][idx] = mon.sedation_stop
            out["interruption"][idx] = mon.interrupted
            out["loss_of_consciousness"][idx] = mon.loss_of_consciousness
            out["hypoxia_stop"][idx] = mon.hypoxia_stop
            out["n_interruptions"][idx] = mon.n_interruptions
            for j, i in enumerate(members):
                new[i] = mon.get_regimen(j)
                events[i] = tuple(mon.get_events(j))
    else:
        for key, members in groups.items():  # no infusion to stop: the maximum awake score
            idx = np.asarray(members)
            if scales is None or _is_typical(scales, idx):
                ce_max = np.full(len(idx), get_awake_ce_max(regs[key], ps)[0])
            else:  # each patient's own PK
                own = {k: np.asarray(v)[idx] for k, v in scales.items()}
                ce_max = get_awake_ce_max(regs[key], ps, own)
            s_max = b[idx] + gain[idx] * ce_max
            out["somnolence"][idx] = s_max > rules.somnolence_threshold
            out["excessive_sedation"][idx] = s_max > rules.excessive_threshold
            out["loss_of_consciousness"][idx] = s_max > rules.loc_threshold
    return tuple(new), tuple(events), out


def _is_typical(scales: Mapping[str, np.ndarray], idx: np.ndarray) -> bool:
    """True when every multiplier of the patients ``idx`` is exactly 1 (typical PK)."""
    return all(bool(np.all(np.asarray(v)[idx] == 1.0)) for v in scales.values())


def _get_hamd(
    results: dict[str, tuple[np.ndarray, str]],
    outcomes: dict[str, np.ndarray],
    t: np.ndarray,
    keep: np.ndarray,
    pop: Population,
    regs: tuple[Regimen, ...],
    seed: int,
    ps: ParameterSet,
) -> dict[str, tuple[np.ndarray, str]]:
    """Expected and observed HAM-D-17 at the output times ``t[keep]`` (the expected score is
    integrated over the full times ``t``); response and remission go into ``outcomes``."""
    from brexsim.clinical import hamd

    if t[0] != 0.0:
        return {}  # the HAM-D model starts at the start of treatment
    re = pop.random_effects
    eta = {"eta_placebo": re["eta_placebo"], "eta_drug": re["eta_drug"]}
    expected = hamd.compute_hamd(
        t,
        pop.hamd_baseline,
        [r.setting for r in regs],
        results["tone_index"][0],
        results["tnf_fold"][0],
        results["bdnf_change_sd"][0],
        ps,
        eta,
    )[:, keep]
    observed = np.empty_like(expected)
    observed[:, 0] = pop.hamd_baseline
    for i, pid in enumerate(pop.ids):
        rng = np.random.default_rng([int(seed), int(pid), 17])
        observed[i, 1:] = hamd.sample_observed_hamd(expected[i : i + 1, 1:], rng, ps)[0]
    outcomes["response"] = hamd.is_response(observed[:, -1], pop.hamd_baseline, ps)
    outcomes["remission"] = hamd.is_remission(observed[:, -1], ps)
    return {
        "hamd_expected": (expected, "points"),
        "hamd": (observed, "points"),
        "hamd_change": (observed - observed[:, :1], "points"),
    }
