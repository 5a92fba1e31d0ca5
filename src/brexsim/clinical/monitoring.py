"""The Zulresso monitoring rules as an explicit, vectorised rule engine.

Rules (Zulresso PI boxed warning, sections 2.1, 2.2, 5.1; parameters in ``sedation.toml``):

* **Continuous pulse oximetry.** Hypoxia is defined as the latent sedation score ``S`` exceeding
  ``loc_threshold + hypoxia_margin`` (deep sedation beyond loss of consciousness, with
  respiratory depression and desaturation). It is detected at once, asleep or awake, and stops
  the infusion **for good**.
* **Loss of consciousness** (``S > loc_threshold``) is seen at once while awake (a health-care
  provider is on site for all 60 h) and stops the infusion; during the sleep window it is not
  distinguishable from sleep and only the oximeter watches.
* **Checks every 2 h while awake**: at ``t = 2, 4, 6 ... h`` after the start, skipped when the
  clock time (``regimen.start_clock_h + t``) lies in the sleep window (default 23:00-07:00).
  Excessive sedation at a check (``S > excessive_threshold``) stops the infusion.
* **Resume** once symptoms resolve (``S < resume threshold``; typically 15-60 min, from the
  effect-site decline) at the same or a lower rate: the rate is capped at
  ``min(rate at the stop, reduced_rate_ug_per_kg_h)`` for the rest of the course (90 -> 60,
  60 -> 60, 30 -> 30; no escalation after a sedation event).
* **Other AEs** (not sedation-related; the placebo arm's 3 %) pause the infusion for
  ``other_ae_pause_h`` at a drawn time, then it resumes as scheduled.
* At most ``max_interruptions`` pauses; the next stop is for good.

The engine is a :func:`jax.lax.scan` over a fixed 5-min grid with every patient on a leading
axis. PK (brexanolone, per kg: concentrations do not depend on body weight) is propagated
exactly over each step, the input being constant within a step (all dosing changes fall on the
grid). Its output per patient: the events (time, type, rate before/after) and the modified
:class:`~brexsim.dosing.Regimen` (built with :func:`brexsim.dosing.interrupt`), so that exposure
and efficacy downstream see the interruptions.

Also here: a vectorised closed-form evaluator of the effect-site concentration for
piecewise-constant infusions with per-patient segment tables
(:func:`compute_effect_site_ng_per_ml`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
from scipy.linalg import expm

from brexsim.dosing import IVSegment, Regimen, interrupt
from brexsim.errors import input_error
from brexsim.params import ParameterSet, load_parameters
from brexsim.pk import BrexanolonePK, get_brexanolone_pk

jax.config.update("jax_enable_x64", True)

__all__ = [
    "EVENT_TYPES",
    "MonitoringResult",
    "MonitoringRules",
    "apply_monitoring_rules",
    "build_regimen",
    "compute_effect_site_ng_per_ml",
    "get_check_schedule",
    "get_effect_site_coefficients",
    "get_monitoring_rules",
    "get_segment_table",
    "get_step_matrices",
    "get_step_matrices_batch",
]

#: Event codes of the rule engine (0 = no event).
EVENT_TYPES: dict[int, str] = {
    1: "excessive_sedation_stop",
    2: "loc_stop",
    3: "other_ae_stop",
    4: "resume",
    5: "hypoxia_stop",
    6: "stop_interruption_limit",
}
_SED, _LOC, _OTHER, _RESUME, _HYPOXIA, _LIMIT = 1, 2, 3, 4, 5, 6
_RUN, _PAUSE_SED, _PAUSE_OTHER, _STOPPED = 0, 1, 2, 3


@dataclass(frozen=True)
class MonitoringRules:
    """Thresholds (latent-score units) and monitoring settings.

    ``resume_threshold`` = ``excessive - resume_fraction * (excessive - somnolence)``;
    ``hypoxia_threshold`` = ``loc + hypoxia_margin``.
    """

    somnolence_threshold: float
    excessive_threshold: float
    loc_threshold: float
    hypoxia_threshold: float
    resume_threshold: float
    check_interval_h: float
    sleep_start_clock_h: float
    sleep_end_clock_h: float
    reduced_rate_ug_per_kg_h: float
    max_interruptions: int
    other_ae_pause_h: float
    steps_per_h: int

    @property
    def step_h(self) -> float:
        """Engine time step, h."""
        return 1.0 / self.steps_per_h

    def is_asleep(self, clock_h: np.ndarray) -> np.ndarray:
        """True where the clock time (h after midnight, any real) is in the sleep window.

        >>> r = get_monitoring_rules()
        >>> r.is_asleep(np.array([22.9, 23.0, 2.0, 6.99, 7.0, 31.0])).tolist()
        [False, True, True, True, False, False]
        """
        c = np.mod(np.asarray(clock_h, dtype=float), 24.0)
        a, b = self.sleep_start_clock_h, self.sleep_end_clock_h
        if a == b:
            return np.zeros_like(c, dtype=bool)
        if a < b:
            return (c >= a) & (c < b)
        return (c >= a) | (c < b)


def get_monitoring_rules(params: ParameterSet | None = None) -> MonitoringRules:
    """Rules from the ``sedation`` table.

    >>> r = get_monitoring_rules()
    >>> r.check_interval_h, r.max_interruptions, r.steps_per_h
    (2.0, 3, 12)
    """
    p = (params or load_parameters()).get_layer("sedation")
    ex, so = p["excessive_threshold"], p["somnolence_threshold"]
    steps = round(1.0 / p["step_h"])
    if steps < 1 or abs(steps * p["step_h"] - 1.0) > 1e-6:
        raise input_error("sedation.step_h", p["step_h"], "1/k h for an integer k >= 1")
    return MonitoringRules(
        somnolence_threshold=so,
        excessive_threshold=ex,
        loc_threshold=p["loc_threshold"],
        hypoxia_threshold=p["loc_threshold"] + p["hypoxia_margin"],
        resume_threshold=ex - p["resume_fraction"] * (ex - so),
        check_interval_h=p["check_interval_h"],
        sleep_start_clock_h=p["sleep_start_clock_h"],
        sleep_end_clock_h=p["sleep_end_clock_h"],
        reduced_rate_ug_per_kg_h=p["reduced_rate_ug_per_kg_h"],
        max_interruptions=round(p["max_interruptions"]),
        other_ae_pause_h=p["other_ae_pause_h"],
        steps_per_h=steps,
    )


# ------------------------------------------------------------------------------------------
# closed-form effect-site evaluator (per-patient segment tables)
# ------------------------------------------------------------------------------------------
def get_effect_site_coefficients(pk: BrexanolonePK) -> tuple[np.ndarray, np.ndarray]:
    """``(lam, coef)``: effect-site response to a unit-rate bolus of 1 µg/kg as
    ``Σ coef_i exp(-lam_i t)`` (ng/mL per µg/kg; rates 1/h; the third rate is ke0).

    Weight cancels (volumes scale with weight, doses are per kg).

    >>> lam, c = get_effect_site_coefficients(get_brexanolone_pk(70.0))
    >>> bool(abs(c.sum()) < 1e-12)  # the effect site starts at zero
    True
    """
    lam, a = pk.macro
    ke0 = pk.ke0_per_h
    w = pk.weight_kg
    c = [a[0] * w * ke0 / (ke0 - lam[0]), a[1] * w * ke0 / (ke0 - lam[1])]
    return np.array([lam[0], lam[1], ke0]), np.array([c[0], c[1], -(c[0] + c[1])])


def get_segment_table(regimens: Sequence[Regimen], n_segments: int | None = None) -> np.ndarray:
    """Stack the IV segments of several regimens into an ``(n, m, 3)`` array of
    ``start_h, end_h, rate_ug_per_kg_h``, padded with zero-rate rows.

    >>> from brexsim.dosing import get_preset
    >>> get_segment_table([get_preset("zulresso"), get_preset("placebo")]).shape
    (2, 5, 3)
    """
    m = max(len(r.segments) for r in regimens)
    m = m if n_segments is None else int(n_segments)
    out = np.zeros((len(regimens), m, 3))
    for i, r in enumerate(regimens):
        if len(r.segments) > m:
            raise input_error("n_segments", n_segments, f">= {len(r.segments)} (regimen {i})")
        for j, s in enumerate(r.segments):
            out[i, j] = (s.start_h, s.end_h, s.rate_ug_per_kg_h)
    return out


def compute_effect_site_ng_per_ml(
    times_h: np.ndarray, segment_table: np.ndarray, lam: np.ndarray, coef: np.ndarray
) -> np.ndarray:
    """Brexanolone effect-site concentration (ng/mL) of piecewise-constant infusions.

    Exact superposition of each segment's response (cancellation-free form, as in
    :func:`brexsim.pk.brexanolone.simulate_closed_form`), vectorised over patients.

    Parameters
    ----------
    times_h : (k,) or (n, k) array, h
    segment_table : (n, m, 3) array of ``start_h, end_h, rate_ug_per_kg_h``
    lam, coef : (3,) or (n, 3) arrays from :func:`get_effect_site_coefficients`

    Returns
    -------
    (n, k) array, ng/mL

    Examples
    --------
    >>> from brexsim.dosing import get_preset
    >>> lam, c = get_effect_site_coefficients(get_brexanolone_pk(70.0))
    >>> seg = get_segment_table([get_preset("zulresso")])
    >>> round(float(compute_effect_site_ng_per_ml(np.array([52.0]), seg, lam, c)[0, 0]), 1)
    82.1
    """
    seg = np.asarray(segment_table, dtype=float)
    n = seg.shape[0]
    t = np.broadcast_to(np.asarray(times_h, dtype=float), (n, np.shape(times_h)[-1]))
    lam = np.broadcast_to(np.asarray(lam, dtype=float), (n, 3))
    coef = np.broadcast_to(np.asarray(coef, dtype=float), (n, 3))
    out = np.zeros(t.shape)
    for j in range(seg.shape[1]):
        s, e, r = seg[:, j, 0:1], seg[:, j, 1:2], seg[:, j, 2:3]
        dur = np.maximum(e - s, 0.0)
        for i in range(3):
            li, gi = lam[:, i : i + 1], coef[:, i : i + 1] / lam[:, i : i + 1]
            during = -np.expm1(-li * np.clip(t - s, 0.0, dur))
            decay = np.exp(-li * np.maximum(t - e, 0.0))
            out += r * gi * during * decay
    return out


# ------------------------------------------------------------------------------------------
# exact per-step propagation and the scan
# ------------------------------------------------------------------------------------------
def get_step_matrices(pk: BrexanolonePK, step_h: float) -> tuple[np.ndarray, np.ndarray]:
    """``(Phi, Gamma)`` with ``x(t+h) = Phi x(t) + Gamma r`` for the per-kg state
    ``x = [A1/W µg/kg, A2/W µg/kg, Ce ng/mL]`` and a rate ``r`` (µg/kg/h) constant over the step.

    >>> phi, gam = get_step_matrices(get_brexanolone_pk(70.0), 1 / 12)
    >>> phi.shape, gam.shape
    ((3, 3), (3,))
    """
    w = pk.weight_kg
    k10, k12, k21 = pk.cl_L_per_h / pk.v1_L, pk.q_L_per_h / pk.v1_L, pk.q_L_per_h / pk.v2_L
    v1 = pk.v1_L / w
    ke0 = pk.ke0_per_h
    m = np.zeros((4, 4))
    m[:3, :3] = [[-(k10 + k12), k21, 0.0], [k12, -k21, 0.0], [ke0 / v1, 0.0, -ke0]]
    m[0, 3] = 1.0
    e = expm(m * step_h)
    return e[:3, :3], e[:3, 3]


def get_step_matrices_batch(
    pks: Sequence[BrexanolonePK], step_h: float
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`get_step_matrices` for ``n`` patients, as ``(3, 3, n)`` and ``(3, n)`` arrays
    (patients last, so the rule engine's ``phi[i, j]`` is a per-patient vector).

    >>> phi, gam = get_step_matrices_batch([get_brexanolone_pk(70.0)] * 2, 1 / 12)
    >>> phi.shape, bool(np.allclose(phi[..., 0], get_step_matrices(get_brexanolone_pk(70.0),
    ...     1 / 12)[0]))
    ((3, 3, 2), True)
    """
    m = np.zeros((len(pks), 4, 4))
    for i, pk in enumerate(pks):
        k10, k12 = pk.cl_L_per_h / pk.v1_L, pk.q_L_per_h / pk.v1_L
        k21, v1, ke0 = pk.q_L_per_h / pk.v2_L, pk.v1_L / pk.weight_kg, pk.ke0_per_h
        m[i, :3, :3] = [[-(k10 + k12), k21, 0.0], [k12, -k21, 0.0], [ke0 / v1, 0.0, -ke0]]
        m[i, 0, 3] = 1.0
    e = expm(m * step_h)
    return np.moveaxis(e[:, :3, :3], 0, -1), np.moveaxis(e[:, :3, 3], 0, -1)


def get_check_schedule(
    regimen: Regimen, rules: MonitoringRules, horizon_h: float | None = None
) -> dict[str, np.ndarray]:
    """The engine grid for a regimen: ``time_h`` (K+1 points), and per step ``[t_k, t_k+1)``:
    ``rate_ug_per_kg_h`` (scheduled), ``awake`` and ``check`` (a scheduled sedation check at
    ``t_k``).

    Every dosing change must fall on the grid (multiples of ``rules.step_h``).

    >>> from brexsim.dosing import get_preset
    >>> g = get_check_schedule(get_preset("zulresso"), get_monitoring_rules())
    >>> g["time_h"][:-1][g["check"]][:9].tolist()  # 10:00 ... 22:00, night skipped, 08:00 next day
    [2.0, 4.0, 6.0, 8.0, 10.0, 12.0, 14.0, 24.0, 26.0]
    """
    spm = rules.steps_per_h
    end = regimen.end_of_treatment_h if horizon_h is None else float(horizon_h)
    k_end = round(end * spm)
    if k_end < 1 or abs(k_end / spm - end) > 1e-6:
        raise input_error("horizon_h", end, f"a positive multiple of {rules.step_h:g} h")
    for tj in regimen.jump_times_h:
        if abs(round(tj * spm) / spm - tj) > 1e-6:
            raise input_error(
                "regimen", f"dosing change at {tj} h", f"changes on a {60 / spm:g}-min grid"
            )
    k = np.arange(k_end + 1)
    t = k / spm
    mid = t[:-1] + 0.5 / spm
    rate = np.array([regimen.get_rate_ug_per_kg_h(x) for x in mid])
    awake = ~rules.is_asleep(regimen.start_clock_h + t[:-1])
    every = round(rules.check_interval_h * spm)
    check = (k[:-1] > 0) & (k[:-1] % every == 0) & awake
    return {"time_h": t, "rate_ug_per_kg_h": rate, "awake": awake, "check": check}


@partial(jax.jit, static_argnames=("n_events", "max_int", "keep_ce"))
def _scan(
    phi,
    gam,
    times,
    sched,
    awake,
    check,
    background,
    gain,
    other_step,
    thr,
    reduced_rate,
    other_pause_h,
    n_events: int,
    max_int: int,
    keep_ce: bool,
):
    """The rule engine: one :func:`jax.lax.scan` over the grid, patients on the leading axis.

    ``n_events = 0`` skips the event tables (the calibration only needs the summaries).
    """
    n = background.shape[0]
    th_s, th_x, th_l, th_h, th_r = thr[0], thr[1], thr[2], thr[3], thr[4]
    dt = times[1] - times[0]
    ev_idx = jnp.arange(max(n_events, 1))

    def step(carry, xs):
        (x0, x1, x2, status, cap, n_int, p_start, r_prev) = carry[:8]
        somn, loc, sed, hx, deliv, rsum, rcnt, ev = carry[8:]
        k, t, r_sched, aw, chk = xs
        s = background + gain * x2
        somn = somn | (aw & (s > th_s))
        loc_now = aw & (s > th_l)
        loc = loc | loc_now
        running = status == _RUN
        hyp = (status != _STOPPED) & (s > th_h)
        res_sed = (status == _PAUSE_SED) & (s < th_r) & ~hyp
        res_oth = (status == _PAUSE_OTHER) & (t >= p_start + other_pause_h - 1e-9) & ~hyp
        resume = res_sed | res_oth
        rsum = rsum + jnp.where(res_sed, t - p_start, 0.0)
        rcnt = rcnt + res_sed.astype(rcnt.dtype)
        trig_sed = running & ((chk & (s > th_x)) | loc_now) & ~hyp
        trig_oth = running & (k == other_step) & ~trig_sed & ~hyp
        trig = trig_sed | trig_oth
        limit = trig & (n_int >= max_int)
        pause = trig & ~limit
        sed = sed | trig_sed | hyp
        hx = hx | hyp
        # rate at the stop: the one running (before any drug has run: the scheduled one)
        r_stop = jnp.where(r_prev > 0, r_prev, jnp.minimum(r_sched, cap))
        cap = jnp.where(pause & trig_sed, jnp.minimum(cap, jnp.minimum(r_stop, reduced_rate)), cap)
        status = jnp.where(hyp | limit, _STOPPED, status)
        status = jnp.where(pause & trig_sed, _PAUSE_SED, status)
        status = jnp.where(pause & trig_oth, _PAUSE_OTHER, status)
        status = jnp.where(resume, _RUN, status)
        n_int = n_int + pause.astype(n_int.dtype)
        p_start = jnp.where(pause, t, p_start)
        r_now = jnp.where(status == _RUN, jnp.minimum(r_sched, cap), 0.0)
        if n_events:
            cnt, et, ty, b4, af = ev
            typ = jnp.where(
                hyp,
                _HYPOXIA,
                jnp.where(
                    limit,
                    _LIMIT,
                    jnp.where(
                        trig_oth, _OTHER, jnp.where(loc_now, _LOC, jnp.where(trig, _SED, _RESUME))
                    ),
                ),
            )
            fire = hyp | trig | resume
            rb = jnp.where(resume, 0.0, jnp.where(running, r_stop, 0.0))
            m = fire[:, None] & (ev_idx[None, :] == cnt[:, None])
            ev = (
                cnt + fire.astype(cnt.dtype),
                jnp.where(m, t, et),
                jnp.where(m, typ[:, None], ty),
                jnp.where(m, rb[:, None], b4),
                jnp.where(m, r_now[:, None], af),
            )
        y0 = phi[0, 0] * x0 + phi[0, 1] * x1 + phi[0, 2] * x2 + gam[0] * r_now
        y1 = phi[1, 0] * x0 + phi[1, 1] * x1 + phi[1, 2] * x2 + gam[1] * r_now
        y2 = phi[2, 0] * x0 + phi[2, 1] * x1 + phi[2, 2] * x2 + gam[2] * r_now
        deliv = deliv + r_now * dt
        carry = (y0, y1, y2, status, cap, n_int, p_start, r_now)
        carry += (somn, loc, sed, hx, deliv, rsum, rcnt, ev)
        return carry, (y2 if keep_ce else None)

    z = jnp.zeros(n)
    iz = jnp.zeros(n, dtype=jnp.int32)
    fz = jnp.zeros(n, dtype=bool)
    ne = max(n_events, 1)
    ev0 = (
        iz,
        jnp.full((n, ne), jnp.nan),
        jnp.zeros((n, ne), dtype=jnp.int32),
        jnp.full((n, ne), jnp.nan),
        jnp.full((n, ne), jnp.nan),
    )
    carry0 = (z, z, z, iz, jnp.full(n, jnp.inf), iz, z, z, fz, fz, fz, fz, z, z, iz, ev0)
    ks = jnp.arange(sched.shape[0], dtype=jnp.int32)
    return jax.lax.scan(step, carry0, (ks, times[:-1], sched, awake, check))


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
