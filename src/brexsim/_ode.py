"""The one diffrax set-up shared by the layers' standalone solves and the batched engine."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax

jax.config.update("jax_enable_x64", True)

__all__ = ["solve_on_grid"]


def solve_on_grid(
    rhs: Callable[..., Any],
    y0: jax.Array,
    args: Any,
    ts: jax.Array,
    jump_ts: jax.Array,
    dt0: float,
    max_steps: int,
    rtol: float = 1e-8,
    atol: float = 1e-10,
    throw: bool = True,
) -> tuple[jax.Array, jax.Array]:
    """Tsit5 with a PID controller from ``ts[0]`` to ``ts[-1]``, saving at ``ts``; the input
    grid points ``jump_ts`` are the solver's jump times (inputs are interpolated on them).

    Returns ``(ys, ok)``; ``ok`` is False when the solve failed (only with ``throw=False``).
    Traceable: call it inside ``jax.jit`` / ``jax.vmap``.
    """
    import diffrax

    sol = diffrax.diffeqsolve(
        diffrax.ODETerm(rhs),
        diffrax.Tsit5(),
        t0=ts[0],
        t1=ts[-1],
        dt0=dt0,
        y0=y0,
        args=args,
        saveat=diffrax.SaveAt(ts=ts),
        stepsize_controller=diffrax.PIDController(rtol=rtol, atol=atol, jump_ts=jump_ts),
        max_steps=max_steps,
        throw=throw,
    )
    return sol.ys, sol.result == diffrax.RESULTS.successful
