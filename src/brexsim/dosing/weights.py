"""The one allowed body-weight range of a simulated patient, and its check.

:data:`WEIGHT_RANGE_KG` is the range over which the PK models are used: the brexanolone model
scales every clearance and volume linearly with body weight (Wald 2022, weight the only
covariate; :func:`brexsim.pk.brexanolone.get_brexanolone_pk`), and the same bounds guard the
zuranolone PK, the SBML export and the sedation model. The sampled trial population is
narrower (``population.weight_min_kg`` / ``weight_max_kg``, 40-160 kg), and lies inside it.
"""

from __future__ import annotations

import math

from brexsim.errors import input_error

__all__ = ["WEIGHT_RANGE_KG", "check_weight_kg", "get_weight_allowed"]

#: Allowed body weight, kg (inclusive): the range the PK models accept ("the PK model's
#: validated 20-250 kg", ``population.weight_min_kg`` source in params/data/population.toml).
WEIGHT_RANGE_KG: tuple[float, float] = (20.0, 250.0)


def get_weight_allowed() -> str:
    """The allowed range in words, for error messages.

    >>> get_weight_allowed()
    'a body weight in [20, 250] kg'
    """
    lo, hi = WEIGHT_RANGE_KG
    return f"a body weight in [{lo:g}, {hi:g}] kg"


def check_weight_kg(value: object, field: str = "weight_kg", context: str = "") -> float:
    """``value`` as a float in :data:`WEIGHT_RANGE_KG`, else a
    :class:`~brexsim.errors.BrexsimInputError` naming ``field``.

    >>> check_weight_kg(90)
    90.0
    >>> check_weight_kg(500, "WT")
    Traceback (most recent call last):
    ...
    brexsim.errors.BrexsimInputError: invalid WT=500: a body weight in [20, 250] kg
    """
    try:
        w = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise input_error(field, value, get_weight_allowed(), context) from None
    lo, hi = WEIGHT_RANGE_KG
    if isinstance(value, bool) or not math.isfinite(w) or not lo <= w <= hi:
        raise input_error(field, value, get_weight_allowed(), context)
    return w
