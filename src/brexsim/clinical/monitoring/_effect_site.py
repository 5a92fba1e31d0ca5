"""Label monitoring, the closed-form effect-site evaluator on per-patient segment tables (split
from ``monitoring``; see the package docstring).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from brexsim.dosing import Regimen
from brexsim.errors import input_error
from brexsim.pk import BrexanolonePK


# ------------------------------------------------------------------------------------------
# closed-form effect-site evaluator (per-patient segment tables)
# ------------------------------------------------------------------------------------------
def get_effect_site_coefficients(pk: BrexanolonePK) -> tuple[np.ndarray, np.ndarray]:
    """``(lam, coef)``: effect-site response to a unit-rate bolus of 1 µg/kg as
    ``Σ coef_i exp(-lam_i t)`` (ng/mL per µg/kg; rates 1/h; the third rate is ke0).

    Weight cancels (volumes scale with weight, doses are per kg).

    >>> from brexsim.pk import get_brexanolone_pk
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
    >>> from brexsim.pk import get_brexanolone_pk
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
