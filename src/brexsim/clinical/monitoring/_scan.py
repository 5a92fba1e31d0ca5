"""Label monitoring, exact per-step propagation, the check schedule and the JAX scan over the
checks (split from ``monitoring``; see the package docstring).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
from scipy.linalg import expm

from brexsim.clinical.monitoring._rules import (
    _HYPOXIA,
    _LIMIT,
    _LOC,
    _OTHER,
    _PAUSE_OTHER,
    _PAUSE_SED,
    _RESUME,
    _RUN,
    _SED,
    _STOPPED,
    MonitoringRules,
)
from brexsim.dosing import Regimen
from brexsim.errors import input_error
from brexsim.pk import BrexanolonePK

jax.config.update("jax_enable_x64", True)


# ------------------------------------------------------------------------------------------
# exact per-step propagation and the scan
# ------------------------------------------------------------------------------------------
def get_step_matrices(pk: BrexanolonePK, step_h: float) -> tuple[np.ndarray, np.ndarray]:
    """``(Phi, Gamma)`` with ``x(t+h) = Phi x(t) + Gamma r`` for the per-kg state
    ``x = [A1/W µg/kg, A2/W µg/kg, Ce ng/mL]`` and a rate ``r`` (µg/kg/h) constant over the step.

    >>> from brexsim.pk import get_brexanolone_pk
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

    >>> from brexsim.pk import get_brexanolone_pk
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
    >>> from brexsim.clinical.monitoring import get_monitoring_rules
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
