"""Regimen search under constraints (Optuna), Pareto fronts and re-checks.

A study of ``trials`` trials (TPE, multi-objective, constraints set on each trial with
``Trial.set_constraint``; seeded, so the same seed gives the same trials) minimises two
objectives: the benefit (``objective``, turned into "lower is better" by its
:class:`~brexsim.decision.outputs.OutputSpec`) and, for infusion spaces, ``infusion_hours``
(oral spaces: the first constraint's output). Every trial is simulated on the same population
(common random numbers). Constraints are
``"output <= value"`` or ``"output >= value"`` on population means; ``value`` may be ``label``
for an output with a label rate (:func:`get_label_rate`: the excessive-sedation rate, 7 of 140
brexanolone patients = 5 %, the target of ``brexsim calibrate-sedation``).

The Pareto fronts (benefit vs infusion hours among feasible trials; benefit vs the constrained
risk among all trials) come from the trials table (:func:`get_pareto_front`). Proposed
regimens are re-checked on a fresh population (another seed) with 95 % intervals
(:func:`recheck`), and each result outside the studied range is flagged (:func:`get_flags`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from brexsim.decision.outputs import OUTPUTS, check_outputs
from brexsim.decision.space import Space, make_regimen
from brexsim.dosing.regimen import Regimen
from brexsim.errors import input_error

__all__ = [
    "Constraint",
    "get_flags",
    "get_label_rate",
    "get_pareto_front",
    "get_picks",
    "get_search_outputs",
    "parse_constraint",
    "recheck",
    "run_study",
]

#: Highest rate and shortest infusion studied in PPD (Study 1/2: BRX90 for 60 h).
STUDIED_MAX_RATE_UG_PER_KG_H = 90.0
STUDIED_MIN_INFUSION_H = 24.0
#: Oral: the label's dose and course (Zurzuvae PI section 2: 50 mg for 14 days).
LABEL_ORAL_MG = 50.0
LABEL_ORAL_DAYS = 14

_CONSTRAINT = re.compile(r"^\s*([a-z0-9_]+)\s*(<=|>=)\s*([-+0-9.eE]+|label)\s*$")
#: Outputs with a label rate: the calibration target that gives it (brexsim.calibration.sedation).
_LABEL_TARGETS = {"excessive_sedation_rate": "excessive_sedation.brexanolone"}


def get_label_rate(output: str) -> tuple[float, str]:
    """The label's rate of ``output`` and its source: the sedation calibration's target
    (:data:`brexsim.calibration.sedation.TARGETS`), so the constraint and the calibration
    cannot drift apart.

    >>> rate, source = get_label_rate("excessive_sedation_rate")
    >>> rate, source.split(":")[0]
    (0.05, 'Zulresso PI section 5.1 (recalled, R)')
    """
    if output not in _LABEL_TARGETS:
        raise input_error(
            "--constraint", f"{output} <= label", f"'label' only for {sorted(_LABEL_TARGETS)}"
        )
    from brexsim.calibration.sedation import TARGETS

    events, n, source = TARGETS[_LABEL_TARGETS[output]]
    return events / n, source


@dataclass(frozen=True)
class Constraint:
    """``output op bound`` on a population mean (``op`` "<=" or ">=")."""

    output: str
    op: str
    bound: float

    def get_violation(self, value: float) -> float:
        """Amount by which ``value`` breaks the constraint (<= 0: satisfied)."""
        return value - self.bound if self.op == "<=" else self.bound - value

    def __str__(self) -> str:
        return f"{self.output} {self.op} {self.bound:g}"


def parse_constraint(text: str) -> Constraint:
    """``"excessive_sedation_rate <= 0.05"`` as a :class:`Constraint` (``label`` for the
    number: the label's rate, :func:`get_label_rate`).

    >>> parse_constraint("excessive_sedation_rate <= 0.05")
    Constraint(output='excessive_sedation_rate', op='<=', bound=0.05)
    >>> parse_constraint("excessive_sedation_rate <= label").bound
    0.05
    """
    m = _CONSTRAINT.match(str(text))
    if not m:
        raise input_error(
            "--constraint", text, "'OUTPUT <= NUMBER', 'OUTPUT >= NUMBER' or 'OUTPUT <= label'"
        )
    out, op, num = m.groups()
    check_outputs([out], "--constraint")
    if num == "label":
        return Constraint(out, op, get_label_rate(out)[0])
    try:
        bound = float(num)
    except ValueError:
        raise input_error("--constraint", text, "a number after the operator") from None
    if not np.isfinite(bound):
        raise input_error("--constraint", text, "a finite bound")
    return Constraint(out, op, bound)


def _sign(name: str) -> float:
    return 1.0 if OUTPUTS[name].better == "lower" else -1.0


#: Grid of each float dimension (used when the range is a whole number of steps).
_STEPS = {
    "duration_h": 1.0,
    "plateau_rate_ug_per_kg_h": 5.0,
    "step_h": 1.0,
    "start_clock_h": 1.0,
    "dose_mg": 5.0,
}


def _float(trial: Any, name: str, lo: float, hi: float) -> float:
    if lo == hi:
        return lo
    step = _STEPS[name]
    on_grid = abs((hi - lo) / step - round((hi - lo) / step)) < 1e-9
    return float(trial.suggest_float(name, lo, hi, step=step if on_grid else None))


def _int(trial: Any, name: str, lo: int, hi: int) -> int:
    return lo if lo == hi else int(trial.suggest_int(name, lo, hi))


def _choice(trial: Any, name: str, options: Sequence[Any]) -> Any:
    return options[0] if len(options) == 1 else trial.suggest_categorical(name, list(options))


def _suggest(trial: Any, space: Space) -> dict[str, Any]:
    if space.is_iv:
        s = space.infusion
        assert s is not None
        return {
            "duration_h": _float(trial, "duration_h", *s.duration_h),
            "plateau_rate_ug_per_kg_h": _float(
                trial, "plateau_rate_ug_per_kg_h", *s.plateau_rate_ug_per_kg_h
            ),
            "ramp_steps": _int(trial, "ramp_steps", *s.ramp_steps),
            "step_h": _float(trial, "step_h", *s.step_h),
            "start_clock_h": _float(trial, "start_clock_h", *s.start_clock_h),
        }
    o = space.oral
    assert o is not None
    return {
        "dose_mg": _float(trial, "dose_mg", *o.dose_mg),
        "days": _int(trial, "days", *o.days),
        "timing": _choice(trial, "timing", o.timing),
        "food": _choice(trial, "food", o.food),
    }


def get_flags(regimen: Regimen) -> str:
    """Where a regimen leaves the studied range ("" inside it).

    >>> from brexsim.dosing import get_preset
    >>> get_flags(get_preset("zulresso"))
    ''
    """
    flags = []
    if regimen.is_iv:
        top = max(s.rate_ug_per_kg_h for s in regimen.segments)
        if top > STUDIED_MAX_RATE_UG_PER_KG_H:
            flags.append(f"rate {top:g} > {STUDIED_MAX_RATE_UG_PER_KG_H:g} µg/kg/h studied in PPD")
        if regimen.end_of_treatment_h < STUDIED_MIN_INFUSION_H:
            flags.append(
                f"infusion {regimen.end_of_treatment_h:g} h < {STUDIED_MIN_INFUSION_H:g} h studied"
            )
    else:
        mg = max(d.mg for d in regimen.oral_doses)
        if mg > LABEL_ORAL_MG:
            flags.append(f"dose {mg:g} mg > label {LABEL_ORAL_MG:g} mg")
        if len(regimen.oral_doses) < LABEL_ORAL_DAYS:
            flags.append(
                f"{len(regimen.oral_doses)} days < the {LABEL_ORAL_DAYS}-day course studied"
            )
        if not all(d.with_food for d in regimen.oral_doses):
            flags.append("fasted (label: with fat-containing food)")
        if regimen.start_clock_h != 20.0:
            flags.append("morning dosing (label: evening)")
    return "; ".join(flags)


def run_study(
    space: Space,
    objective: str,
    constraints: Sequence[Constraint],
    evaluate: Callable[[Regimen], Mapping[str, float]],
    trials: int,
    seed: int,
) -> pd.DataFrame:
    """Run the Optuna study; one row per trial: its point, regimen name, outputs, violations,
    ``feasible`` and ``flags``. ``evaluate(regimen)`` returns population means of at least the
    objective, ``infusion_hours`` and the constrained outputs."""
    import optuna

    check_outputs([objective], "--objective")
    if not constraints:
        raise input_error("--constraint", "", "at least one constraint")
    if isinstance(trials, bool) or not isinstance(trials, int) or trials < 2:
        raise input_error("--trials", trials, "an integer >= 2")
    second = "infusion_hours" if space.is_iv else constraints[0].output
    if second == objective:
        raise input_error("--objective", objective, f"an output other than {second}")
    rows: list[dict[str, Any]] = []

    def fn(trial: Any) -> tuple[float, float]:
        point = _suggest(trial, space)
        reg = make_regimen(space, point)
        vals = dict(evaluate(reg))
        viol = [c.get_violation(vals[c.output]) for c in constraints]
        for i, v in enumerate(viol):
            trial.set_constraint(f"constraint_{i}", v)
        rows.append(
            {
                "trial": trial.number,
                **point,
                "regimen": reg.name,
                **vals,
                "max_violation": max(viol),
                "feasible": max(viol) <= 0,
                "flags": get_flags(reg),
            }
        )
        return _sign(objective) * vals[objective], _sign(second) * vals[second]

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    sampler = optuna.samplers.TPESampler(
        seed=seed,
        n_startup_trials=min(10, trials),
    )
    study = optuna.create_study(directions=["minimize", "minimize"], sampler=sampler)
    study.optimize(fn, n_trials=trials)
    return pd.DataFrame(rows)


def get_pareto_front(
    table: pd.DataFrame, objective: str, other: str, feasible_only: bool = True
) -> list[int]:
    """Index labels of the non-dominated rows (both in their "better" direction).

    >>> t = pd.DataFrame({"hamd_change_h60": [-5., -4., -6.], "infusion_hours": [24., 12., 60.],
    ...                   "feasible": [True, True, True]})
    >>> get_pareto_front(t, "hamd_change_h60", "infusion_hours")
    [1, 0, 2]
    """
    d = table[table["feasible"]] if feasible_only else table
    a = _sign(objective) * d[objective].to_numpy(float)
    b = _sign(other) * d[other].to_numpy(float)
    keep = []
    for i in range(len(d)):
        dominated = np.any((a <= a[i]) & (b <= b[i]) & ((a < a[i]) | (b < b[i])))
        if not dominated:
            keep.append(i)
    front = d.iloc[keep].sort_values([other, objective], key=lambda s: _sign(s.name) * s)
    front = front.drop_duplicates(subset=[objective, other])
    return [int(i) for i in front.index]


def get_search_outputs(objective: str, constraints: Sequence[Constraint]) -> list[str]:
    """The outputs every trial of a search evaluates, in order and without repeats: the
    objective, the infusion hours, each constrained output, and the two sedation rates the
    Pareto fronts and the re-check report.

    >>> get_search_outputs("hamd_change_h60", [parse_constraint("loc_rate <= 0.01")])
    ['hamd_change_h60', 'infusion_hours', 'loc_rate', 'excessive_sedation_rate']
    """
    names = [objective, "infusion_hours", *(c.output for c in constraints)]
    return list(dict.fromkeys([*names, "excessive_sedation_rate", "loc_rate"]))


def get_picks(table: pd.DataFrame, objective: str, is_iv: bool) -> dict[str, pd.Series]:
    """The best feasible trial overall (``best``) and, for infusions, within 24 h and 36 h
    (``best_within_24h``, ``best_within_36h``); a pick with no feasible trial is left out.

    >>> t = pd.DataFrame({"hamd_change_h60": [-5., -4., -6.], "infusion_hours": [24., 12., 60.],
    ...                   "feasible": [True, True, True]})
    >>> {k: int(r.name) for k, r in get_picks(t, "hamd_change_h60", True).items()}
    {'best': 2, 'best_within_24h': 0, 'best_within_36h': 0}
    """
    ok = table[table["feasible"]]
    picks: dict[str, pd.Series] = {}
    if ok.empty:
        return picks
    sign = _sign(objective)
    picks["best"] = ok.loc[(sign * ok[objective]).idxmin()]
    for h in (24.0, 36.0) if is_iv else ():
        within = ok[ok["infusion_hours"] <= h]
        if not within.empty:
            picks[f"best_within_{h:g}h"] = within.loc[(sign * within[objective]).idxmin()]
    return picks


def recheck(
    regimens: Mapping[str, Regimen],
    evaluate_patients: Callable[[Regimen], Mapping[str, np.ndarray]],
    reference: str | None = None,
) -> pd.DataFrame:
    """Each named regimen on the fresh population: ``name, regimen, output, estimate, low,
    high, flags`` (95 % intervals, :func:`brexsim.decision.outputs.get_intervals`) and, with
    ``reference`` (a key of ``regimens``), the paired difference from it on the same patients
    ``diff, diff_low, diff_high`` (mean ± t(0.975) × SE of the per-patient differences)."""
    from scipy import stats

    from brexsim.decision.outputs import get_intervals

    values = {label: evaluate_patients(reg) for label, reg in regimens.items()}
    if reference is not None and reference not in values:
        raise input_error("reference", reference, f"one of {sorted(values)}")
    rows = []
    for label, reg in regimens.items():
        for out, (e, lo, hi) in get_intervals(values[label]).items():
            row = {"name": label, "regimen": reg.name, "output": out, "estimate": e,
                   "low": lo, "high": hi, "flags": get_flags(reg)}  # fmt: skip
            if reference is not None:
                d = np.asarray(values[label][out], float) - np.asarray(
                    values[reference][out], float
                )
                m = float(d.mean())
                h = float(stats.t.ppf(0.975, d.size - 1) * d.std(ddof=1) / np.sqrt(d.size))
                row.update({"diff": m, "diff_low": m - h, "diff_high": m + h})
            rows.append(row)
    return pd.DataFrame(rows)
