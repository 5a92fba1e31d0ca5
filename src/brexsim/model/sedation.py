"""Sedation outcomes and the label's monitoring rules inside :func:`brexsim.model.simulate`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from brexsim.dosing.regimen import Regimen
from brexsim.model.pk_batch import _row
from brexsim.params import ParameterSet
from brexsim.population.virtual import Population

__all__: list[str] = []


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
