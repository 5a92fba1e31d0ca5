"""``jnp.interp``'s formula once the interval index is known (shared by the in vivo engines).

Both callers find the interval without ``jnp.interp``'s binary-search loop (a per-RHS-call
``while``): :func:`brexsim.model.solve._interp_uniform` from the uniform grid's spacing,
:func:`brexsim.mechanism.tlr.in_vivo._interp_columns` by one comparison with every knot of a
small table. The value is then computed exactly as ``jnp.interp`` does, so results are
bit-identical.
"""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np

_EPS = np.spacing(np.finfo(np.float64).eps)


def interp_from_index(x, xp, fp, i):  # type: ignore[no-untyped-def]
    """``jnp.interp(x, xp, fp)`` given ``i`` = ``clip(searchsorted(xp, x, "right"), 1, n-1)``.

    ``fp`` may carry trailing columns (``(n, k)``: ``k`` tables on the same knots, scalar ``x``).

    Examples
    --------
    >>> xp, fp = jnp.array([0.0, 1.0, 2.0]), jnp.array([0.0, 10.0, 0.0])
    >>> float(interp_from_index(0.25, xp, fp, 1)), float(interp_from_index(5.0, xp, fp, 2))
    (2.5, 0.0)
    """
    df = fp[i] - fp[i - 1]
    dx = xp[i] - xp[i - 1]
    delta = x - xp[i - 1]
    dx0 = jnp.abs(dx) <= _EPS
    f = jnp.where(dx0, fp[i - 1], fp[i - 1] + (delta / jnp.where(dx0, 1, dx)) * df)
    f = jnp.where(x < xp[0], fp[0], f)
    return jnp.where(x > xp[-1], fp[-1], f)
