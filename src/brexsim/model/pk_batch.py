"""Brexanolone's closed-form PK for many patients at once (one block per shared regimen):
the arithmetic of :func:`brexsim.pk.simulate_pk`, broadcast over the patients."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from brexsim.dosing.regimen import Regimen
from brexsim.params import ParameterSet

__all__: list[str] = []


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
