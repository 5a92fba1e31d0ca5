"""The per-patient inputs of the exact-input brexanolone solve (:class:`BrexanoloneInputs`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from brexsim.mechanism import tlr
from brexsim.model.solve.rhs import _superpose


@dataclass(frozen=True)
class BrexanoloneInputs:
    """What the exact-input in vivo solve needs per patient (numpy arrays over ``n`` patients).

    Attributes
    ----------
    segments : (n, S, 3) infusion segments ``start_h, end_h, rate_ug_per_h`` (rate = µg/kg/h x
        body weight), padded with zero-rate rows to a multiple of 16
    k10_per_h, k12_per_h, k21_per_h, v1_L, ke0_per_h : (n,) micro-constants (1/h), central
        volume (L) and biophase equilibration rate (1/h) of the PK states in the solve
    lam, coef : (n, 2) plasma disposition exponents (1/h) and unit-bolus coefficients (1/L)
    lam_e, coef_e : (n, 3) the effect-site (biophase) response: exponents incl. ``ke0`` (1/h)
        (closed form; used for the PK state at the first output time)
    jump_ts_h : (n, J) the patient's rate-change times (solver jump times), padded by repeating
        the last one to a multiple of 32
    mw_g_per_mol : shared constant (TLR drug molar mass)
    free_nM_per_ng_per_ml, endogenous_free_nM : (n,) effect-site ng/mL -> free biophase nM and
        the endogenous free allopregnanolone, nM (per patient: the unbound fraction can differ,
        e.g. in hepatic impairment)
    gabaa : :class:`brexsim.mechanism.gabaa.GabaaParams` of the receptor state

    Examples
    --------
    >>> from brexsim.dosing import get_preset
    >>> inp = BrexanoloneInputs.from_regimens([get_preset("zulresso")], np.array([70.0]))
    >>> inp.segments.shape, inp.jump_ts_h.shape
    ((1, 16, 3), (1, 32))
    """

    segments: np.ndarray
    k10_per_h: np.ndarray
    k12_per_h: np.ndarray
    k21_per_h: np.ndarray
    v1_L: np.ndarray
    ke0_per_h: np.ndarray
    lam: np.ndarray
    coef: np.ndarray
    lam_e: np.ndarray
    coef_e: np.ndarray
    jump_ts_h: np.ndarray
    mw_g_per_mol: float
    free_nM_per_ng_per_ml: np.ndarray
    endogenous_free_nM: np.ndarray
    gabaa: Any

    @classmethod
    def from_regimens(
        cls,
        regimens: Sequence[Any],
        weight_kg: np.ndarray,
        params=None,  # type: ignore[no-untyped-def]
        sensitivity: str = "control",
        scale: Mapping[str, np.ndarray] | None = None,
    ) -> BrexanoloneInputs:
        """Build the inputs for patients with ``regimens`` (brexanolone) and weights (kg);
        ``scale``: per-patient PK multipliers ``cl, v1, q, v2, fu``
        (:func:`brexsim.population.covariates.get_pk_scales`; default typical)."""
        from brexsim.errors import input_error
        from brexsim.mechanism.gabaa import get_gabaa_params
        from brexsim.params import load_parameters
        from brexsim.pk.brexanolone import get_brexanolone_pk

        ps = params or load_parameters()
        w = np.atleast_1d(np.asarray(weight_kg, dtype=float))
        n = len(regimens)
        if n == 0 or w.shape != (n,):
            raise input_error("weight_kg", w.shape, f"one body weight per regimen ({n}), n >= 1")
        drugs = sorted({r.drug for r in regimens})
        if drugs != ["brexanolone"]:
            raise input_error("regimens", drugs, "brexanolone (IV) regimens only")
        n_seg = max(1, max(len(r.segments) for r in regimens))
        n_jump = max(1, max(len(r.jump_times_h) for r in regimens))
        seg = np.zeros((n, -(-n_seg // 16) * 16, 3))
        jumps = np.empty((n, -(-n_jump // 32) * 32))
        lam, coef = np.empty((n, 2)), np.empty((n, 2))
        lam_e, coef_e = np.empty((n, 3)), np.empty((n, 3))
        micro = np.empty((n, 5))
        cache: dict[tuple[float, ...], tuple[np.ndarray, ...]] = {}
        keys = ("cl", "v1", "q", "v2")
        sc = {k: np.asarray(scale[k], dtype=float) for k in keys if scale and k in scale}
        for k, v in sc.items():
            if v.shape != (n,):
                raise input_error(f"scale.{k}", v.shape, f"one multiplier per regimen ({n},)")
        for i, (r, wi) in enumerate(zip(regimens, w, strict=True)):
            row = {k: float(v[i]) for k, v in sc.items()}
            ck = (float(wi), *(row.get(k, 1.0) for k in keys))
            if ck not in cache:
                pk = get_brexanolone_pk(float(wi), ps, row)
                la, a = pk.macro
                c0 = a[0] * pk.ke0_per_h / (pk.ke0_per_h - la[0])
                c1 = a[1] * pk.ke0_per_h / (pk.ke0_per_h - la[1])
                cache[ck] = (
                    la,
                    a,
                    np.array([la[0], la[1], pk.ke0_per_h]),
                    np.array([c0, c1, -(c0 + c1)]),
                    np.array(pk.weight_kg),
                    np.array(
                        [
                            pk.cl_L_per_h / pk.v1_L,
                            pk.q_L_per_h / pk.v1_L,
                            pk.q_L_per_h / pk.v2_L,
                            pk.v1_L,
                            pk.ke0_per_h,
                        ]
                    ),
                )
            lam[i], coef[i], lam_e[i], coef_e[i], wk, micro[i] = cache[ck]
            for j, sg in enumerate(r.segments):
                seg[i, j] = (sg.start_h, sg.end_h, sg.rate_ug_per_kg_h * wk)
            jt = np.asarray(r.jump_times_h, dtype=float)
            if jt.size == 0:
                jt = np.zeros(1)
            jumps[i, : jt.size] = jt
            jumps[i, jt.size :] = jt[-1]
        brx = ps.get_layer("brexanolone_pk")
        nm = 1e3 / brx["mw_g_per_mol"]
        fu = np.ones(n) if not scale or "fu" not in scale else np.asarray(scale["fu"], float)
        if fu.shape != (n,) or not (np.isfinite(fu).all() and (fu > 0).all()):
            raise input_error("scale.fu", fu.shape, f"({n},) finite multipliers > 0")
        return cls(
            segments=seg,
            k10_per_h=micro[:, 0],
            k12_per_h=micro[:, 1],
            k21_per_h=micro[:, 2],
            v1_L=micro[:, 3],
            ke0_per_h=micro[:, 4],
            lam=lam,
            coef=coef,
            lam_e=lam_e,
            coef_e=coef_e,
            jump_ts_h=jumps,
            mw_g_per_mol=float(tlr.get_tlr_parameters(ps)["mw_brexanolone"]),
            free_nM_per_ng_per_ml=(brx["fu_plasma"] * fu) * brx["kp_uu_brain"] * nm,
            endogenous_free_nM=brx["endogenous_ng_per_ml"]
            * (brx["fu_plasma"] * fu)
            * brx["kp_uu_brain"]
            * nm,
            gabaa=get_gabaa_params(ps, sensitivity),
        )

    def get_pk_state(self, t_h: float) -> np.ndarray:
        """``(n, 3)`` PK states at ``t_h`` (central and peripheral µg, effect site ng/mL) from
        the closed form (the initial state of the solve)."""
        tree = self.take(np.arange(self.segments.shape[0]))
        axes = {k: (None if k in _EXACT_SHARED else 0) for k in tree}

        def one(a):  # type: ignore[no-untyped-def]
            lam, k12 = a["lam"], a["k12_per_h"]
            coef_a2 = jnp.stack([-k12, k12]) / (lam[0] - lam[1])  # unit bolus -> peripheral
            return jnp.stack(
                [
                    _superpose(t_h, a["segments"], lam, a["coef"] * a["v1_L"]),
                    _superpose(t_h, a["segments"], lam, coef_a2),
                    _superpose(t_h, a["segments"], a["lam_e"], a["coef_e"]),
                ]
            )

        return np.asarray(jax.vmap(one, in_axes=(axes,))(tree))

    def take(self, idx: np.ndarray) -> dict[str, Any]:
        """The JAX argument tree of the patients ``idx`` (shared constants unbatched)."""
        return {
            "segments": jnp.asarray(self.segments[idx]),
            "k10_per_h": jnp.asarray(self.k10_per_h[idx]),
            "k12_per_h": jnp.asarray(self.k12_per_h[idx]),
            "k21_per_h": jnp.asarray(self.k21_per_h[idx]),
            "v1_L": jnp.asarray(self.v1_L[idx]),
            "ke0_per_h": jnp.asarray(self.ke0_per_h[idx]),
            "lam": jnp.asarray(self.lam[idx]),
            "coef": jnp.asarray(self.coef[idx]),
            "lam_e": jnp.asarray(self.lam_e[idx]),
            "coef_e": jnp.asarray(self.coef_e[idx]),
            "jump_ts_h": jnp.asarray(self.jump_ts_h[idx]),
            "mw_g_per_mol": jnp.asarray(self.mw_g_per_mol),
            "free_nM_per_ng_per_ml": jnp.asarray(self.free_nM_per_ng_per_ml[idx]),
            "endogenous_free_nM": jnp.asarray(self.endogenous_free_nM[idx]),
            "gabaa": jax.tree_util.tree_map(jnp.asarray, self.gabaa),
        }


_EXACT_SHARED = ("gabaa", "mw_g_per_mol")
