"""The minute-scale cell model of the TLR layer (ex vivo assays; the reference for the reduced
in vivo form).

Receptor occupancy (TLR4-LPS, TLR7-imiquimod through Caldwell 2014's MyD88-only TLR9 module,
TLR3-pIC through TRIF only), active MyD88 / TRIF / TRAF6 (Caldwell 2014 rates on normalised
fractions), the Lipniacki 2004 IKK/IkBa/NF-kB/A20 core (rates converted from 1/s to 1/min), and
for each cytokine mRNA -> cell-associated protein -> secreted protein; integrated with scipy BDF
(:func:`simulate_cells`). Part of :mod:`brexsim.mechanism.tlr`; equations and states:
``docs/mechanism_inflammation.md``.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from scipy.integrate import solve_ivp
from scipy.optimize import root

from brexsim.errors import input_error
from brexsim.mechanism.tlr.parameters import CYTOKINES, get_drug_inhibition, get_tlr_parameters
from brexsim.params import ParameterSet

__all__ = [
    "CELL_STATES",
    "CellInputs",
    "get_cell_steady_state",
    "simulate_cells",
]

#: States of the minute-scale cell model (normalised; cytokine protein in model units).
CELL_STATES: tuple[str, ...] = (
    "tlr4_occ", "tlr7_occ", "tlr3_occ", "myd88_act", "trif_act", "traf6_act",
    "ikk_n", "ikk_a", "ikk_i", "ikk_ikba", "ikk_ikba_nfkb", "nfkb", "nfkb_n", "a20", "a20_mrna",
    "ikba", "ikba_n", "ikba_mrna", "ikba_nfkb", "ikba_nfkb_n",
    "il6_secondary", "cosignal",
    "tnf_mrna", "il1b_mrna", "il6_mrna",
    "tnf_cell", "il1b_cell", "il6_cell",
    "tnf_secreted", "il1b_secreted", "il6_secreted",
)  # fmt: skip
_IX = {name: i for i, name in enumerate(CELL_STATES)}
_N_CELL = len(CELL_STATES)
_N_INTRA = _N_CELL - 3  # all but the three secreted pools


@dataclass(frozen=True)
class CellInputs:
    """Constant inputs of the minute-scale cell model.

    Attributes
    ----------
    lps_ng_per_ml : float
        LPS in the fluid bathing the cells (TLR4 agonist).
    imq_ug_per_ml : float
        Imiquimod (TLR7 agonist).
    pic_uM : float
        poly(I:C) in Caldwell's model units (TLR3, TRIF-only; the drug does not act on it).
    drug_total_uM : float
        Total drug concentration at the cells.
    innate_state : float
        Slow innate state (coupling capacity, 1 = baseline).
    basal_tone_scale : float
        Subject multiplier on ``basal_tlr_tone`` (between-subject variability).
    blood_fraction : float
        Volume fraction of blood in the fluid (for the secreted pool; 1 for cells in blood).
    """

    lps_ng_per_ml: float = 0.0
    imq_ug_per_ml: float = 0.0
    pic_uM: float = 0.0
    drug_total_uM: float = 0.0
    innate_state: float = 1.0
    basal_tone_scale: float = 1.0
    blood_fraction: float = 1.0

    def __post_init__(self) -> None:
        for name in (
            "lps_ng_per_ml",
            "imq_ug_per_ml",
            "pic_uM",
            "drug_total_uM",
            "innate_state",
            "basal_tone_scale",
        ):
            v = getattr(self, name)
            if not (isinstance(v, int | float) and math.isfinite(v) and v >= 0.0):
                raise input_error(name, v, "a finite number >= 0")
        if not (0.0 < self.blood_fraction <= 1.0):
            raise input_error("blood_fraction", self.blood_fraction, "a number in (0, 1]")


def _hill(x, k, n):  # type: ignore[no-untyped-def]
    xn = np.maximum(x, 0.0) ** n
    return xn / (k**n + xn)


def _cell_rates(y: np.ndarray, pool: float, drive_extra: dict[str, float], p: dict) -> np.ndarray:
    """Right-hand side of the cell model (1/min), excluding the secreted pools."""
    (th4, th7, th3, myd, trif, traf6,
     ikkn, ikka, ikki, ikk_ikba, ikk_ikba_nfkb, nfkb, nfkbn, a20, a20t,
     ikba, ikban, ikbat, ikba_nfkb, ikban_nfkbn, q6, cos,
     m_tnf, m_il1b, m_il6, c_tnf, c_il1b, c_il6) = y[:_N_INTRA]  # fmt: skip
    d = np.zeros(_N_CELL)
    # receptors (ligand in excess; pseudo-first-order binding)
    koff4 = p["tlr4_koff_per_min"]
    d[0] = koff4 / p["tlr4_kd_lps_ng_per_ml"] * drive_extra["lps"] * (1 - th4) - koff4 * th4
    d[1] = (
        p["tlr7_kon_per_uM_min"] * drive_extra["imq_uM"] * (1 - th7) - p["tlr7_koff_per_min"] * th7
    )
    d[2] = p["tlr3_kon_per_uM_min"] * drive_extra["pic"] * (1 - th3) - p["tlr3_koff_per_min"] * th3
    k, n = p["tlr_signal_threshold"], p["tlr_signal_hill"]
    h4, h7, h3 = _hill(th4, k, n), _hill(th7, k, n), _hill(th3, k, n)
    hs = h4 + p["tlr7_weight"] * h7 + p["basal_tlr_tone"] * drive_extra["tone"]
    d[3] = p["myd88_kact_per_min"] * hs * (pool - myd) - p["myd88_kdis_per_min"] * myd
    d[4] = (
        p["trif_kact_per_min"] * (p["tlr4_trif_fraction"] * h4 + h3) * (1 - trif)
        - p["trif_ki_per_min"] * trif
    )
    d[5] = (p["traf6_kact_myd88_per_min"] * myd + p["traf6_kact_trif_per_min"] * trif) * (
        1 - traf6
    ) - p["traf6_ki_per_min"] * traf6
    tr = p["traf6_gain"] * traf6
    # Lipniacki 2004 core, per minute
    kv = p["lip_kv"]
    d[6] = p["m_kprod"] - p["m_kdeg"] * ikkn - tr * p["m_k1"] * ikkn
    d[7] = (
        tr * p["m_k1"] * ikkn
        - p["m_k3"] * ikka
        - tr * p["m_k2"] * ikka * a20
        - p["m_kdeg"] * ikka
        - p["m_a2"] * ikka * ikba
        + p["m_t1"] * ikk_ikba
        - p["m_a3"] * ikka * ikba_nfkb
        + p["m_t2"] * ikk_ikba_nfkb
    )
    d[8] = p["m_k3"] * ikka + tr * p["m_k2"] * ikka * a20 - p["m_kdeg"] * ikki
    d[9] = p["m_a2"] * ikka * ikba - p["m_t1"] * ikk_ikba
    d[10] = p["m_a3"] * ikka * ikba_nfkb - p["m_t2"] * ikk_ikba_nfkb
    d[11] = (
        p["m_c6a"] * ikba_nfkb
        - p["m_a1"] * nfkb * ikba
        + p["m_t2"] * ikk_ikba_nfkb
        - p["m_i1"] * nfkb
    )
    d[12] = p["m_i1"] * kv * nfkb - p["m_a1"] * ikban * nfkbn
    d[13] = p["m_c4"] * a20t - p["m_c5"] * a20
    d[14] = p["m_c1"] * nfkbn - p["m_c3"] * a20t
    d[15] = (
        -p["m_a2"] * ikka * ikba
        - p["m_a1"] * ikba * nfkb
        + p["m_c4a"] * ikbat
        - p["m_c5a"] * ikba
        - p["m_i1a"] * ikba
        + p["m_e1a"] * ikban
    )
    d[16] = -p["m_a1"] * ikban * nfkbn + p["m_i1a"] * kv * ikba - p["m_e1a"] * kv * ikban
    d[17] = p["m_c1a"] * nfkbn - p["m_c3a"] * ikbat
    d[18] = (
        p["m_a1"] * ikba * nfkb
        - p["m_c6a"] * ikba_nfkb
        - p["m_a3"] * ikka * ikba_nfkb
        + p["m_e2a"] * ikban_nfkbn
    )
    d[19] = p["m_a1"] * ikban * nfkbn - p["m_e2a"] * kv * ikban_nfkbn
    # cytokines
    # MyD88/TRAF6-proximal co-signal (TAK1 -> p38/MSK -> pCREB, p-p65 S276), graded in TRAF6
    d[21] = p["cosignal_k_per_min"] * (tr - cos)
    g0 = p["cosignal_floor"]
    gate = (g0 + cos) / (g0 + 1.0)
    act = _hill(nfkbn, p["tx_nfkb_k_uM"], p["tx_hill"]) * gate
    d[20] = p["il6_secondary_k_per_min"] * (act - q6)
    stab = 1.0 + myd * p["myd88_total_uM"] / p["tnf_mrna_stab_myd88_ec50_uM"]
    d[22] = p["tnf_mrna_deg_per_min"] * (act - m_tnf / stab)
    d[23] = p["il1b_mrna_deg_per_min"] * (act - m_il1b)
    d[24] = p["il6_mrna_deg_per_min"] * (q6 - m_il6)
    ktl = p["translation_per_min"]
    for j, (m, c) in enumerate(((m_tnf, c_tnf), (m_il1b, c_il1b), (m_il6, c_il6))):
        name = CYTOKINES[j]
        ksec = p[f"{name}_secretion_per_min"]
        d[25 + j] = ktl * m - (ksec + p[f"{name}_intracellular_deg_per_min"]) * c
    return d


def _secretion_flux(y: np.ndarray, p: dict) -> np.ndarray:
    """Secretion flux of each cytokine, model units per mL blood per minute."""
    y = np.asarray(y)
    return np.stack(
        [p[f"{c}_secretion_per_min"] * y[..., _IX[f"{c}_cell"]] for c in CYTOKINES], axis=-1
    )


def _inputs_to_drive(inputs: CellInputs, p: dict) -> tuple[float, dict[str, float]]:
    pool = inputs.innate_state * (1.0 - float(get_drug_inhibition(inputs.drug_total_uM, p)))
    drive = {
        "lps": inputs.lps_ng_per_ml,
        "imq_uM": inputs.imq_ug_per_ml * 1000.0 / p["imq_mw_g_per_mol"],
        "pic": inputs.pic_uM,
        "tone": inputs.basal_tone_scale,
    }
    return pool, drive


def _tube_rhs(t: float, y: np.ndarray, pool: float, drive: dict, p: dict, fb: float) -> np.ndarray:
    d = _cell_rates(y, pool, drive, p)
    flux = _secretion_flux(y, p)
    for j, c in enumerate(CYTOKINES):
        kcl = math.log(2.0) / p[f"{c}_tube_halflife_min"]
        d[_N_INTRA + j] = fb * flux[j] - kcl * y[_N_INTRA + j]
    return d


def _initial_guess(p: dict) -> np.ndarray:
    y = np.zeros(_N_CELL)
    y[_IX["ikk_n"]] = p["m_kprod"] / p["m_kdeg"]
    y[_IX["ikba_nfkb"]] = p["lip_nfkb_total_uM"]
    return y


def _nfkb_total(x: np.ndarray, p: dict) -> float:
    """Total NF-kB in cytoplasmic-volume units (conserved by the Lipniacki core)."""
    cyt = x[_IX["nfkb"]] + x[_IX["ikk_ikba_nfkb"]] + x[_IX["ikba_nfkb"]]
    return float(cyt + (x[_IX["nfkb_n"]] + x[_IX["ikba_nfkb_n"]]) / p["lip_kv"])


def _steady_state(inputs: CellInputs, p: dict, y_start: np.ndarray | None = None) -> np.ndarray:
    """Steady state by a long stiff integration (slowest intracellular time scale ~14 h)."""
    pool, drive = _inputs_to_drive(inputs, p)
    y0 = _initial_guess(p) if y_start is None else np.array(y_start, dtype=float)
    n = _N_INTRA

    def f(t: float, x: np.ndarray) -> np.ndarray:
        return _cell_rates(np.concatenate([x, np.zeros(3)]), pool, drive, p)[:n]

    if y_start is not None:
        # continuation: Newton polish in scaled variables, accepted only if it is a true,
        # non-negative steady state close to the start (else fall back to integration)
        scale = np.maximum(np.abs(y0[:n]), 1e-12)
        i_nf = _IX["nfkb"]
        total = p["lip_nfkb_total_uM"]

        def g(z: np.ndarray) -> np.ndarray:
            x = z * scale
            out = f(0.0, x) / scale
            # total NF-kB is conserved: replace one (dependent) balance by the conservation law
            out[i_nf] = (_nfkb_total(x, p) - total) / total
            return out

        res = root(g, np.ones(n), method="hybr", tol=1e-12)
        x = res.x * scale
        if res.success and np.all(x >= -1e-14) and np.max(np.abs(f(0.0, x)) / scale) < 1e-9:
            return np.concatenate([np.maximum(x, 0.0), np.zeros(3)])
    sol = solve_ivp(f, (0.0, 2.0e5), y0[:n], method="BDF", rtol=1e-10, atol=1e-15)
    if not sol.success:
        raise RuntimeError(f"cell steady state failed: {sol.message}")
    return np.concatenate([np.maximum(sol.y[:, -1], 0.0), np.zeros(3)])


def get_cell_steady_state(inputs: CellInputs | None = None, params: ParameterSet | None = None):  # type: ignore[no-untyped-def]
    """Steady state of the cell model (secreted pools set to zero) for constant inputs.

    >>> y = get_cell_steady_state()
    >>> y.shape == (len(CELL_STATES),) and bool((y >= 0).all())
    True
    """
    p = get_tlr_parameters(params)
    inputs = inputs if inputs is not None else CellInputs()
    return _steady_state_cached(inputs, _freeze(p))


def _freeze(p: dict) -> tuple:
    return tuple(sorted(p.items()))


@functools.lru_cache(maxsize=256)
def _steady_state_cached(inputs: CellInputs, frozen: tuple) -> np.ndarray:
    # Newton continuation from the unstimulated drug-free state of the same cells (verified
    # and, failing that, replaced by a long stiff integration inside _steady_state)
    ref = CellInputs(blood_fraction=inputs.blood_fraction)
    if inputs == ref:
        return _steady_state(inputs, dict(frozen))
    return _steady_state(inputs, dict(frozen), y_start=_steady_state_cached(ref, frozen))


def simulate_cells(
    t_min: np.ndarray,
    inputs: CellInputs,
    y0: np.ndarray | None = None,
    params: ParameterSet | Mapping[str, float] | None = None,
    rtol: float = 1e-7,
    atol: float = 1e-12,
) -> dict[str, np.ndarray]:
    """Simulate the minute-scale cell model in a tube (constant inputs from ``t = 0``).

    Parameters
    ----------
    t_min : array, min
        Output times (increasing, starting at or after 0).
    inputs : CellInputs
        Stimulus, drug at the cells (total uM), slow state, blood fraction in the tube.
    y0 : array, optional
        Initial state (default: the unstimulated, drug-free steady state of these cells).
    rtol, atol : float
        Tolerances of the BDF solver.

    Returns
    -------
    dict
        ``"y"`` (states x times), and per cytokine ``"<c>_secreted_pg_per_ml"`` (per mL of
        culture fluid) and ``"<c>_cell_pg_per_ml_blood"`` (cell-associated, per mL of blood).

    >>> out = simulate_cells(np.array([0.0, 60.0]), CellInputs(lps_ng_per_ml=10.0))
    >>> bool(out["tnf_secreted_pg_per_ml"][1] > out["tnf_secreted_pg_per_ml"][0])
    True
    """
    p = params if isinstance(params, dict) else get_tlr_parameters(params)  # type: ignore[arg-type]
    t = np.asarray(t_min, dtype=float)
    if t.ndim != 1 or t.size == 0 or np.any(np.diff(t) < 0) or t[0] < 0:
        raise input_error("t_min", "array", "a non-empty increasing 1-D array of times >= 0 min")
    if y0 is None:
        base = CellInputs(
            innate_state=inputs.innate_state,
            basal_tone_scale=inputs.basal_tone_scale,
            blood_fraction=inputs.blood_fraction,
        )
        y0 = _steady_state_cached(base, _freeze(p))
    pool, drive = _inputs_to_drive(inputs, p)
    sol = solve_ivp(
        _tube_rhs,
        (0.0, float(t[-1]) if t[-1] > 0 else 1e-9),
        np.asarray(y0, dtype=float),
        method="BDF",
        t_eval=t,
        args=(pool, drive, p, inputs.blood_fraction),
        rtol=rtol,
        atol=atol,
    )
    if not sol.success:
        raise RuntimeError(f"cell model failed: {sol.message}")
    y = np.maximum(sol.y, 0.0)
    out: dict[str, np.ndarray] = {"t_min": t, "y": y}
    for c in CYTOKINES:
        s = p[f"{c}_scale_pg_per_ml"]
        out[f"{c}_secreted_pg_per_ml"] = s * y[_IX[f"{c}_secreted"]]
        out[f"{c}_cell_pg_per_ml_blood"] = s * y[_IX[f"{c}_cell"]]
    out["traf6_act"] = y[_IX["traf6_act"]]
    out["nfkb_n_uM"] = y[_IX["nfkb_n"]]
    out["myd88_act"] = y[_IX["myd88_act"]]
    return out
