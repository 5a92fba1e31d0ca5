"""Label monitoring, the result, the rebuilt regimen and :func:`apply_monitoring_rules` (split
from ``monitoring``; see the package docstring).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import jax.numpy as jnp
import numpy as np

from brexsim.clinical.monitoring._rules import (
    _LOC,
    _RESUME,
    _SED,
    _STOPPED,
    EVENT_TYPES,
    MonitoringRules,
    get_monitoring_rules,
)
from brexsim.clinical.monitoring._scan import (
    _scan,
    get_check_schedule,
    get_step_matrices,
    get_step_matrices_batch,
)
from brexsim.dosing import IVSegment, Regimen, interrupt
from brexsim.errors import input_error
from brexsim.params import ParameterSet, load_parameters
from brexsim.pk import BrexanolonePK, get_brexanolone_pk


@dataclass(frozen=True)
class MonitoringResult:
    """Output of :func:`apply_monitoring_rules` (arrays over patients, leading axis).

    Attributes
    ----------
    regimen : the scheduled regimen (shared by all patients)
    time_h : (K+1,) engine grid, h
    event_time_h, event_type, event_rate_before, event_rate_after : (n, E) event tables
        (type codes :data:`EVENT_TYPES`, 0 = empty; rates µg/kg/h; NaN where empty)
    n_interruptions : (n,) pauses (sedation or other AE)
    stopped : (n,) stopped for good (hypoxia or the interruption limit)
    sedation_stop : (n,) at least one stop for excessive sedation, LOC or hypoxia
    recovery_sum_h, recovery_count : (n,) total duration and number of sedation pauses that
        ended in a resume
    somnolence : (n,) the score exceeded the somnolence threshold while awake
    loss_of_consciousness : (n,) the score exceeded the LOC threshold while awake
    hypoxia_stop : (n,) stopped for good on hypoxia
    delivered_ug_per_kg : (n,) dose actually delivered, µg/kg
    effect_site_ng_per_ml : (n, K+1) effect-site concentration on the grid (or None)
    """

    regimen: Regimen
    time_h: np.ndarray
    event_time_h: np.ndarray
    event_type: np.ndarray
    event_rate_before: np.ndarray
    event_rate_after: np.ndarray
    n_interruptions: np.ndarray
    stopped: np.ndarray
    sedation_stop: np.ndarray
    recovery_sum_h: np.ndarray
    recovery_count: np.ndarray
    somnolence: np.ndarray
    loss_of_consciousness: np.ndarray
    hypoxia_stop: np.ndarray
    delivered_ug_per_kg: np.ndarray
    effect_site_ng_per_ml: np.ndarray | None
    reduced_rate_ug_per_kg_h: float = 60.0

    @property
    def n(self) -> int:
        """Number of patients."""
        return int(self.n_interruptions.shape[0])

    @property
    def interrupted(self) -> np.ndarray:
        """(n,) any interruption or reduction (any AE, including a stop for good)."""
        return (self.n_interruptions > 0) | self.stopped

    def get_recovery_times_h(self) -> np.ndarray:
        """Durations (h) of all sedation pauses that ended in a resume (flattened; needs the
        event tables)."""
        t, ty = self.event_time_h, self.event_type
        sed = (ty[:, :-1] == _SED) | (ty[:, :-1] == _LOC)
        ok = sed & (ty[:, 1:] == _RESUME)
        return (t[:, 1:] - t[:, :-1])[ok]

    def get_events(self, i: int) -> list[dict[str, float | str]]:
        """Patient ``i``'s events: ``time_h``, ``type``, ``rate_before``, ``rate_after``."""
        out: list[dict[str, float | str]] = []
        for j in range(self.event_type.shape[1]):
            code = int(self.event_type[i, j])
            if code == 0:
                break
            out.append(
                {
                    "time_h": float(self.event_time_h[i, j]),
                    "type": EVENT_TYPES[code],
                    "rate_before_ug_per_kg_h": float(self.event_rate_before[i, j]),
                    "rate_after_ug_per_kg_h": float(self.event_rate_after[i, j]),
                }
            )
        return out

    def get_regimen(self, i: int) -> Regimen:
        """Patient ``i``'s regimen with the interruptions applied (via ``dosing.interrupt``)."""
        return build_regimen(self.regimen, self.get_events(i), self.reduced_rate_ug_per_kg_h)

    def get_regimens(self) -> list[Regimen]:
        """Every patient's regimen (patients without events share the scheduled object)."""
        has = self.event_type[:, 0] != 0
        return [self.get_regimen(i) if has[i] else self.regimen for i in range(self.n)]


def _cap_after(reg: Regimen, t_h: float, cap: float) -> Regimen:
    """Cap every segment from ``t_h`` on at ``cap`` (splitting a segment that spans t_h)."""
    segs: list[IVSegment] = []
    for s in reg.segments:
        if s.end_h <= t_h or s.rate_ug_per_kg_h <= cap:
            segs.append(s)
        elif s.start_h >= t_h:
            segs.append(IVSegment(s.start_h, s.end_h, cap))
        else:
            segs += [IVSegment(s.start_h, t_h, s.rate_ug_per_kg_h), IVSegment(t_h, s.end_h, cap)]
    return replace(reg, segments=tuple(segs))


def build_regimen(
    regimen: Regimen,
    events: Sequence[dict[str, float | str]],
    reduced_rate_ug_per_kg_h: float = 60.0,
) -> Regimen:
    """Apply an event list (from :meth:`MonitoringResult.get_events`) to a regimen.

    A sedation stop (excessive sedation or LOC) caps the rest of the course at
    ``min(rate at the stop, reduced_rate_ug_per_kg_h)`` (``interrupt(..., reduce_later=True)``);
    an other-AE pause resumes as scheduled; hypoxia, the interruption limit or a pause still
    running at the end of the course stop for good.

    >>> from brexsim.dosing import get_preset
    >>> ev = [{"time_h": 30.0, "type": "loc_stop", "rate_before_ug_per_kg_h": 90.0,
    ...        "rate_after_ug_per_kg_h": 0.0},
    ...       {"time_h": 30.5, "type": "resume", "rate_before_ug_per_kg_h": 0.0,
    ...        "rate_after_ug_per_kg_h": 60.0}]
    >>> r = build_regimen(get_preset("zulresso"), ev)
    >>> r.get_rate_ug_per_kg_h(30.2), r.get_rate_ug_per_kg_h(40.0), len(r.interruptions)
    (0.0, 60.0, 1)
    """
    reg = regimen
    end = regimen.end_of_treatment_h
    cap = math.inf
    i = 0
    while i < len(events):
        typ, t0 = str(events[i]["type"]), float(events[i]["time_h"])
        if typ == "resume" or t0 >= end:
            i += 1
            continue
        nxt = events[i + 1] if i + 1 < len(events) else None
        sed = typ in ("excessive_sedation_stop", "loc_stop")
        if sed:
            cap = min(cap, float(events[i]["rate_before_ug_per_kg_h"]), reduced_rate_ug_per_kg_h)
        pausing = typ in ("excessive_sedation_stop", "loc_stop", "other_ae_stop")
        if not (pausing and nxt is not None and nxt["type"] == "resume"):
            return interrupt(reg, t0, None, reason=typ)
        t1 = float(nxt["time_h"])
        if t1 >= end:
            return interrupt(reg, t0, None, reason=typ)
        if sed and cap < reg.get_rate_ug_per_kg_h(t1) - 1e-12:
            reg = interrupt(reg, t0, t1, resume_rate_ug_per_kg_h=cap, reduce_later=True, reason=typ)
        else:
            reg = interrupt(reg, t0, t1, reason=typ)
            if sed:
                reg = _cap_after(reg, t1, cap)
        i += 2
    return reg


def apply_monitoring_rules(
    regimen: Regimen,
    background: np.ndarray,
    gain_per_ng_per_ml: np.ndarray,
    other_ae_time_h: np.ndarray | None = None,
    rules: MonitoringRules | None = None,
    pk: BrexanolonePK | Sequence[BrexanolonePK] | None = None,
    params: ParameterSet | None = None,
    keep_effect_site: bool = False,
    record_events: bool = True,
) -> MonitoringResult:
    """Run the monitoring rules for ``n`` patients on one scheduled brexanolone regimen.

    The latent score is ``S = background + gain · Ce`` (Ce the effect-site concentration of
    the infusion actually running, ng/mL).

    Parameters
    ----------
    regimen : Regimen
        A brexanolone (IV) regimen; dosing changes on the 5-min grid.
    background : (n,) array
        Non-drug score per patient (score units).
    gain_per_ng_per_ml : (n,) array
        Drug term per ng/mL of effect-site concentration (sensitivity / ce_unit).
    other_ae_time_h : (n,) array, optional
        Time of a non-sedation AE pause (NaN: none).
    rules : MonitoringRules, optional
        Default :func:`get_monitoring_rules`.
    pk : BrexanolonePK or one per patient, optional
        PK parameters (default: the table's, 70 kg; per-kg concentrations do not depend on
        weight). One per patient gives each patient her own effect-site course (PK IIV).
    keep_effect_site : bool
        Keep the (n, K+1) effect-site trajectory.
    record_events : bool
        Keep the per-patient event tables (needed for :meth:`MonitoringResult.get_events` and
        the modified regimens; the summaries are always kept).

    Examples
    --------
    >>> from brexsim.dosing import get_preset
    >>> res = apply_monitoring_rules(get_preset("zulresso"), np.array([0.0, 0.0]),
    ...                              np.array([0.01, 0.04]))
    >>> res.n_interruptions.tolist(), [e["type"] for e in res.get_events(1)]
    ([0, 1], ['loc_stop', 'resume'])
    >>> res.get_regimen(1).get_rate_ug_per_kg_h(30.0)  # resumed at 60 (was 90)
    60.0
    """
    if regimen.drug != "brexanolone":
        raise input_error("regimen.drug", regimen.drug, "brexanolone (the rules are for the IV)")
    ps = params or load_parameters()
    rules = rules or get_monitoring_rules(ps)
    pk = pk or get_brexanolone_pk(70.0, ps)
    b = np.asarray(background, dtype=float).ravel()
    g = np.asarray(gain_per_ng_per_ml, dtype=float).ravel()
    n = b.shape[0]
    if n < 1 or g.shape != (n,) or not (np.isfinite(b).all() and np.isfinite(g).all()):
        raise input_error("background/gain", f"shapes {b.shape}/{g.shape}", "finite (n,) arrays")
    if (g < 0).any():
        raise input_error("gain_per_ng_per_ml", float(g.min()), ">= 0")
    grid = get_check_schedule(regimen, rules)
    spm = rules.steps_per_h
    if other_ae_time_h is None:
        other = np.full(n, -1, dtype=np.int32)
    else:
        o = np.asarray(other_ae_time_h, dtype=float).ravel()
        if o.shape != (n,):
            raise input_error("other_ae_time_h", f"shape {o.shape}", f"({n},)")
        other = np.where(np.isfinite(o), np.round(np.nan_to_num(o, nan=-1.0) * spm), -1)
        other = other.astype(np.int32)
    if isinstance(pk, BrexanolonePK):
        phi, gam = get_step_matrices(pk, rules.step_h)
    else:  # one per patient: (3, 3, n) and (3, n), so phi[i, j] is a per-patient vector
        pks = list(pk)
        if len(pks) != n:
            raise input_error("pk", len(pks), f"one BrexanolonePK or one per patient ({n})")
        phi, gam = get_step_matrices_batch(pks, rules.step_h)
    thr = np.array(
        [
            rules.somnolence_threshold,
            rules.excessive_threshold,
            rules.loc_threshold,
            rules.hypoxia_threshold,
            rules.resume_threshold,
        ]
    )
    n_events = 2 * rules.max_interruptions + 2 if record_events else 0
    carry, ce = _scan(
        jnp.asarray(phi),
        jnp.asarray(gam),
        jnp.asarray(grid["time_h"]),
        jnp.asarray(grid["rate_ug_per_kg_h"]),
        jnp.asarray(grid["awake"]),
        jnp.asarray(grid["check"]),
        jnp.asarray(b),
        jnp.asarray(g),
        jnp.asarray(other),
        jnp.asarray(thr),
        rules.reduced_rate_ug_per_kg_h,
        rules.other_ae_pause_h,
        n_events=n_events,
        max_int=rules.max_interruptions,
        keep_ce=keep_effect_site,
    )
    x2, status, n_int = np.asarray(carry[2]), np.asarray(carry[3]), np.asarray(carry[5])
    somn, loc, sed, hx, deliv, rsum, rcnt, ev = carry[8:]
    # the final grid point (t = end) is also observed
    s_end = b + g * x2
    t_end = grid["time_h"][-1]
    awake_end = not bool(rules.is_asleep(np.array([regimen.start_clock_h + t_end]))[0])
    somn = np.asarray(somn) | (awake_end & (s_end > rules.somnolence_threshold))
    loc = np.asarray(loc) | (awake_end & (s_end > rules.loc_threshold))
    ce_traj = None
    if keep_effect_site:
        ce_traj = np.concatenate([np.zeros((1, n)), np.asarray(ce)], axis=0).T
    empty = np.zeros((n, 0))
    return MonitoringResult(
        regimen=regimen,
        time_h=grid["time_h"],
        event_time_h=np.asarray(ev[1]) if n_events else empty,
        event_type=np.asarray(ev[2]) if n_events else empty.astype(int),
        event_rate_before=np.asarray(ev[3]) if n_events else empty,
        event_rate_after=np.asarray(ev[4]) if n_events else empty,
        n_interruptions=n_int.astype(int),
        stopped=status == _STOPPED,
        sedation_stop=np.asarray(sed),
        recovery_sum_h=np.asarray(rsum),
        recovery_count=np.asarray(rcnt).astype(int),
        somnolence=somn,
        loss_of_consciousness=loc,
        hypoxia_stop=np.asarray(hx),
        delivered_ug_per_kg=np.asarray(deliv),
        effect_site_ng_per_ml=ce_traj,
        reduced_rate_ug_per_kg_h=rules.reduced_rate_ug_per_kg_h,
    )
