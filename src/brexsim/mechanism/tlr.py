"""TLR4 / TLR7 -> MyD88 -> IKK/NF-kB -> TNF-a, IL-1b, IL-6, inhibited by the drug.

One model, two forms (equations and states: ``docs/mechanism_inflammation.md``):

* the **cell model** in minutes (:func:`simulate_cells`, scipy BDF): receptor occupancy
  (TLR4-LPS, TLR7-imiquimod through Caldwell 2014's MyD88-only TLR9 module, TLR3-pIC through
  TRIF only), active MyD88 / TRIF / TRAF6 (Caldwell 2014 rates on normalised fractions), the
  Lipniacki 2004 IKK/IkBa/NF-kB/A20 core (rates converted from 1/s to 1/min), and for each cytokine
  mRNA -> cell-associated protein -> secreted protein. Used for ex vivo assays
  (:mod:`brexsim.mechanism.assay`) and, with a plasma compartment, as the reference for the
  reduced form.
* the **in vivo form** in hours (:func:`rhs`, pure ``jax.numpy``, float64): the intracellular
  species sit at quasi-steady state, tabulated once from the cell model
  (:func:`get_qss_table`); the states are the slow innate-immune state and the three plasma
  cytokines with their own turnover.

The drug keeps a fraction ``I(C) = Imax C^n / (IC50^n + C^n)`` of the MyD88 pool from coupling
to TLR4/TLR7, with C the TOTAL drug concentration in uM (see the header of ``tlr.toml`` for why
total). TRIF signalling (TLR3, endosomal TLR4) is not inhibited (Balan 2021).

In vivo state vector ``y`` (see :data:`IN_VIVO_STATES`):

====  =================  ======  =====================================================
idx   name               unit    meaning
====  =================  ======  =====================================================
0     innate_state       1       coupling capacity of circulating innate cells (1 = baseline)
1-3   <c>_production     1       TLR-driven secretion of TNF-a / IL-1b / IL-6 relative to
                                 baseline, lagging its quasi-steady value by the mean
                                 intracellular residence time (mRNA + protein [+ IL-6
                                 secondary-response step]); 1 = baseline
4     tnf_pg_per_ml      pg/mL   plasma TNF-a
5     il1b_pg_per_ml     pg/mL   plasma IL-1b
6     il6_pg_per_ml      pg/mL   plasma IL-6
====  =================  ======  =====================================================
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np
from scipy.integrate import solve_ivp
from scipy.optimize import root

from brexsim.errors import input_error
from brexsim.mechanism._interp import interp_from_index
from brexsim.params import ParameterSet, load_parameters

jax.config.update("jax_enable_x64", True)

__all__ = [
    "CELL_STATES",
    "CYTOKINES",
    "IN_VIVO_STATES",
    "RANDOM_EFFECTS",
    "CellInputs",
    "InflammationResult",
    "convert_ng_per_ml_to_uM",
    "get_cell_steady_state",
    "get_drug_inhibition",
    "get_in_vivo_baseline",
    "get_qss_table",
    "get_tlr_parameters",
    "make_in_vivo_args",
    "rhs",
    "rhs_from_concentration",
    "sample_inflammation_random_effects",
    "simulate_cells",
    "simulate_cells_in_vivo",
    "simulate_inflammation",
]

#: Cytokines in the order used by every array in this module.
CYTOKINES: tuple[str, ...] = ("tnf", "il1b", "il6")

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

#: States of the reduced in vivo form (see the module docstring).
IN_VIVO_STATES: tuple[str, ...] = (
    "innate_state",
    "tnf_production",
    "il1b_production",
    "il6_production",
    "tnf_pg_per_ml",
    "il1b_pg_per_ml",
    "il6_pg_per_ml",
)

#: Subject random effects of this layer: name -> the ``tlr.toml`` row holding its log-SD. Each is
#: log-normal with median 1 (a multiplier on the typical value).
RANDOM_EFFECTS: dict[str, str] = {
    "infl_basal_tone_scale": "bsv_basal_tone_logsd",
    "infl_ic50_scale": "bsv_ic50_logsd",
    "infl_reprogram_scale": "bsv_reprogram_logsd",
    "infl_donor_output_scale": "bsv_lps_response_logsd",
}

_LIP_KEYS = (
    "kprod_uM_per_s", "kdeg_per_s", "k1_per_s", "k2_per_uM_s", "k3_per_s", "a1_per_uM_s",
    "a2_per_uM_s", "t1_per_s", "a3_per_uM_s", "t2_per_s", "c1a_uM_per_s", "c3a_per_s",
    "c4a_per_s", "c5a_per_s", "c6a_per_s", "c1_uM_per_s", "c3_per_s", "c4_per_s", "c5_per_s",
    "i1_per_s", "e2a_per_s", "i1a_per_s", "e1a_per_s",
)  # fmt: skip


def get_tlr_parameters(params: ParameterSet | None = None) -> dict[str, float]:
    """The ``tlr`` table as ``{key: value}`` plus derived per-minute rates.

    Derived keys: Lipniacki rates ``lip_<name>`` converted to per minute under ``m_<name>``,
    ``traf6_gain`` (1 / the TRAF6 activity at saturated MyD88), the drug molecular masses.

    >>> p = get_tlr_parameters()
    >>> round(p["m_k1"], 4)  # 2.5e-3 /s = 0.15 /min
    0.15
    """
    ps = params if params is not None else load_parameters()
    p = dict(ps.get_layer("tlr"))
    for key in _LIP_KEYS:
        p[f"m_{key.split('_')[0]}"] = p[f"lip_{key}"] * 60.0
    kam, ki6 = p["traf6_kact_myd88_per_min"], p["traf6_ki_per_min"]
    p["traf6_gain"] = (kam + ki6) / kam
    p["mw_brexanolone"] = ps.value("brexanolone_pk.mw_g_per_mol")
    p["mw_zuranolone"] = ps.value("zuranolone_pk.mw_g_per_mol")
    return p


def convert_ng_per_ml_to_uM(conc_ng_per_ml, drug: str = "brexanolone", params=None):  # type: ignore[no-untyped-def]
    """Convert a total drug concentration from ng/mL to uM (1 ng/mL brexanolone = 3.14 nM).

    >>> round(float(convert_ng_per_ml_to_uM(318.5)), 6)
    1.0
    """
    p = params if isinstance(params, Mapping) else get_tlr_parameters(params)
    if drug not in ("brexanolone", "zuranolone"):
        raise input_error("drug", drug, "'brexanolone' or 'zuranolone'")
    return conc_ng_per_ml / p[f"mw_{drug}"]


def get_drug_inhibition(conc_total_uM, p: Mapping[str, float]):  # type: ignore[no-untyped-def]
    """Fraction of the MyD88 pool kept from TLR coupling: ``Imax C^n / (IC50^n + C^n)``.

    Works on floats, numpy and jax arrays. ``conc_total_uM`` is the TOTAL concentration
    (plasma, or in the tube for assays).

    >>> p = get_tlr_parameters()
    >>> float(get_drug_inhibition(0.0, p))
    0.0
    >>> 0.0 < float(get_drug_inhibition(1.0, p)) < p["drug_imax"]
    True
    """
    xp = jnp if isinstance(conc_total_uM, jax.Array) else np
    c = xp.maximum(xp.asarray(conc_total_uM, dtype=float), 0.0)
    n = p["drug_hill"]
    cn = c**n
    return p["drug_imax"] * cn / (p["drug_ic50_uM"] ** n + cn)


def get_random_effects_from_normals(
    z: np.ndarray, params: ParameterSet | Mapping[str, float] | None = None
) -> dict[str, np.ndarray]:
    """Map standard normal draws ``z`` (shape ``(n, 4)``, columns in :data:`RANDOM_EFFECTS`
    order) to the layer's multipliers ``exp(sd_k z_k)``.

    ``params``: a :class:`~brexsim.params.ParameterSet` (its ``tlr`` layer is used), the
    layer's ``{key: value}`` dict (:func:`get_tlr_parameters`), or ``None`` (the defaults).

    >>> z = np.zeros((1, len(RANDOM_EFFECTS)))
    >>> get_random_effects_from_normals(z, load_parameters())["infl_ic50_scale"].tolist()
    [1.0]
    """
    if params is None or isinstance(params, ParameterSet):
        p = get_tlr_parameters(params)
    else:  # the layer's own {key: value} (a ParameterSet is a Mapping too: test it first)
        p = params
    z = np.asarray(z, dtype=float)
    if z.ndim != 2 or z.shape[1] != len(RANDOM_EFFECTS):
        raise input_error("z", z.shape, f"an array of shape (n, {len(RANDOM_EFFECTS)})")
    return {name: np.exp(p[row] * z[:, k]) for k, (name, row) in enumerate(RANDOM_EFFECTS.items())}


def sample_inflammation_random_effects(n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Between-subject variability of the inflammation layer (log-normal multipliers, median 1).

    Keys (see :data:`RANDOM_EFFECTS`): ``infl_basal_tone_scale`` (pass as ``basal_tone_scale``),
    ``infl_ic50_scale`` and ``infl_reprogram_scale`` (pass to :func:`make_in_vivo_args` /
    :func:`simulate_inflammation`), ``infl_donor_output_scale`` (multiplies the ex vivo
    stimulated output; :mod:`brexsim.calibration.balan`). The log-SDs are the ``bsv_*`` rows of
    ``tlr.toml`` (calibrated to Balan 2023 by ``brexsim calibrate-balan``). Draws ``4 n``
    standard normals from ``rng``.

    >>> re = sample_inflammation_random_effects(3, np.random.default_rng(0))
    >>> sorted(re)[0], re["infl_ic50_scale"].shape
    ('infl_basal_tone_scale', (3,))
    """
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 0:
        raise input_error("n", n, "an integer >= 0")
    return get_random_effects_from_normals(rng.standard_normal((int(n), len(RANDOM_EFFECTS))))


# ---------------------------------------------------------------------------------------------
# Cell model (minutes)
# ---------------------------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------------------------
# Reduced in vivo form (hours, jax)
# ---------------------------------------------------------------------------------------------

#: Grid of relative coupling capacity r = innate_state * (1 - I(C)) for the QSS table.
_QSS_GRID = np.concatenate([np.linspace(0.0, 0.2, 11), np.linspace(0.25, 1.0, 16)])


@functools.lru_cache(maxsize=16)
def _qss_table_cached(frozen: tuple, basal_tone_scale: float) -> np.ndarray:
    p = dict(frozen)
    out = np.zeros((_QSS_GRID.size, 3))
    y_prev = None
    # continuation from r = 1 downward
    for i in range(_QSS_GRID.size - 1, -1, -1):
        r = float(_QSS_GRID[i])
        inp = CellInputs(innate_state=r, basal_tone_scale=basal_tone_scale)
        y = _steady_state(inp, p, y_start=y_prev)
        out[i] = _secretion_flux(y, p)
        y_prev = y
    return out


def get_qss_table(
    params: ParameterSet | Mapping[str, float] | None = None, basal_tone_scale: float = 1.0
) -> tuple[np.ndarray, np.ndarray]:
    """Quasi-steady-state secretion of each cytokine vs relative coupling capacity.

    Returns ``(r_grid, phi)`` with ``phi[:, j]`` the steady secretion of cytokine ``j`` from
    unstimulated cells with MyD88 coupling capacity ``r`` (= innate_state x (1 - I(C))),
    divided by its value at ``r = 1``. Computed from the cell model (the link between the two
    forms).

    >>> r, phi = get_qss_table()
    >>> float(phi[-1, 0]), bool(phi[0, 0] < phi[-1, 0])
    (1.0, True)
    """
    p = params if isinstance(params, dict) else get_tlr_parameters(params)  # type: ignore[arg-type]
    flux = _qss_table_cached(_freeze(p), float(basal_tone_scale))
    return _QSS_GRID.copy(), flux / flux[-1]


def _get_residence_min(p: Mapping[str, float]) -> np.ndarray:
    """Mean intracellular residence time of each cytokine's production chain, min (derived)."""
    out = []
    for c in CYTOKINES:
        tau = 1.0 / p[f"{c}_mrna_deg_per_min"] + 1.0 / (
            p[f"{c}_secretion_per_min"] + p[f"{c}_intracellular_deg_per_min"]
        )
        if c == "il6":
            tau += 1.0 / p["il6_secondary_k_per_min"]
        out.append(tau)
    return np.array(out)


def make_in_vivo_args(
    params: ParameterSet | None = None,
    time_h: np.ndarray | None = None,
    plasma_total_ng_per_ml: np.ndarray | None = None,
    drug: str = "brexanolone",
    basal_tone_scale: float = 1.0,
    ic50_scale: float = 1.0,
    reprogram_scale: float = 1.0,
) -> dict[str, jax.Array]:
    """Arguments for :func:`rhs`: rate constants (per hour), the QSS table and the input.

    ``ic50_scale`` and ``reprogram_scale`` are subject multipliers on ``drug_ic50_uM`` and
    ``innate_reprogram_per_h`` (see :func:`sample_inflammation_random_effects`).

    ``time_h`` / ``plasma_total_ng_per_ml`` define the TOTAL plasma drug concentration, linearly
    interpolated (held constant outside the grid). Without them the drug is zero.

    >>> a = make_in_vivo_args()
    >>> "phi" in a and a["klag_per_h"].shape == (3,)
    True
    """
    p = get_tlr_parameters(params)
    r, phi = get_qss_table(p, basal_tone_scale)
    if time_h is None:
        time_h = np.array([0.0, 1.0])
        plasma_total_ng_per_ml = np.zeros(2)
    t = np.asarray(time_h, dtype=float)
    c = np.asarray(plasma_total_ng_per_ml, dtype=float)
    if t.shape != c.shape or t.ndim != 1 or t.size < 1:
        raise input_error("plasma_total_ng_per_ml", c.shape, f"an array of shape {t.shape}")
    if not np.all(np.isfinite(c)) or np.any(c < 0):
        raise input_error("plasma_total_ng_per_ml", "array", "finite concentrations >= 0 ng/mL")
    if t.size == 1:
        t, c = np.array([t[0], t[0] + 1.0]), np.array([c[0], c[0]])
    ln2 = math.log(2.0)
    args = {
        "t_grid_h": t,
        "c_grid_uM": np.asarray(convert_ng_per_ml_to_uM(c, drug, p)),
        "imax": p["drug_imax"],
        "ic50_uM": p["drug_ic50_uM"] * ic50_scale,
        "hill": p["drug_hill"],
        "k_recover_per_h": ln2 / p["innate_recovery_halflife_h"],
        "k_reprogram_per_h": p["innate_reprogram_per_h"] * reprogram_scale,
        "r_grid": r,
        "phi": phi,
        "kout_per_h": np.array([ln2 / p[f"{c}_plasma_halflife_h"] for c in CYTOKINES]),
        "klag_per_h": 60.0 / _get_residence_min(p),
        "baseline_pg_per_ml": np.array([p[f"{c}_baseline_pg_per_ml"] for c in CYTOKINES]),
        "tlr_fraction": np.array([p[f"{c}_tlr_fraction"] for c in CYTOKINES]),
    }
    return {k: jnp.asarray(v, dtype=jnp.float64) for k, v in args.items()}


def _interp_columns(x, xp, fp):  # type: ignore[no-untyped-def]
    """``jnp.stack([jnp.interp(x, xp, fp[:, j]) for j in ...])`` for a scalar ``x`` and a small
    table, value for value: one interval index (a comparison with every knot instead of a
    binary-search loop, the same ``searchsorted(side="right")`` count) shared by the columns,
    then ``jnp.interp``'s own formula."""
    return interp_from_index(x, xp, fp, jnp.clip(jnp.sum(xp <= x), 1, xp.shape[0] - 1))


def rhs_from_concentration(t, y, conc_total_uM, args):  # type: ignore[no-untyped-def]
    """In vivo right-hand side (per hour) given the total plasma drug concentration (uM).

    Pure ``jax.numpy``; this is the function to assemble into a larger diffrax system with the
    concentration taken from the PK states. ``y`` follows :data:`IN_VIVO_STATES`.
    """
    c = jnp.maximum(conc_total_uM, 0.0)
    cn = c ** args["hill"]
    inhib = args["imax"] * cn / (args["ic50_uM"] ** args["hill"] + cn)
    s = jnp.clip(y[0], 0.0, 1.0)
    ds = args["k_recover_per_h"] * (1.0 - y[0]) - args["k_reprogram_per_h"] * inhib * s
    r = s * (1.0 - inhib)
    phi = _interp_columns(r, args["r_grid"], args["phi"])
    dlag = args["klag_per_h"] * (phi - y[1:4])
    prod = (
        args["kout_per_h"]
        * args["baseline_pg_per_ml"]
        * (args["tlr_fraction"] * jnp.maximum(y[1:4], 0.0) + 1.0 - args["tlr_fraction"])
    )
    dc = prod - args["kout_per_h"] * y[4:7]
    return jnp.concatenate([ds[None], dlag, dc])


def rhs(t, y, args):  # type: ignore[no-untyped-def]
    """In vivo right-hand side ``dy/dt`` (per hour), drug input interpolated from ``args``.

    >>> a = make_in_vivo_args()
    >>> y0 = get_in_vivo_baseline()
    >>> float(jnp.max(jnp.abs(rhs(0.0, y0, a)))) < 1e-9
    True
    """
    conc = jnp.interp(t, args["t_grid_h"], args["c_grid_uM"])
    return rhs_from_concentration(t, y, conc, args)


def get_in_vivo_baseline(params: ParameterSet | None = None) -> jax.Array:
    """Drug-free steady state of the in vivo form (innate_state 1, plasma cytokines at baseline).

    >>> [round(float(v), 2) for v in get_in_vivo_baseline()]
    [1.0, 1.0, 1.0, 1.0, 2.89, 1.17, 1.47]
    """
    p = get_tlr_parameters(params)
    base = [p[f"{c}_baseline_pg_per_ml"] for c in CYTOKINES]
    return jnp.array([1.0, 1.0, 1.0, 1.0, *base], dtype=jnp.float64)


@dataclass(frozen=True)
class InflammationResult:
    """In vivo inflammation time courses.

    Attributes
    ----------
    time_h : array, h
    plasma_total_ng_per_ml : array, ng/mL (total drug driving the effect)
    inhibition : array, 1 (fraction of MyD88 pool blocked by the drug)
    innate_state : array, 1 (slow state; 1 = baseline)
    tnf_pg_per_ml, il1b_pg_per_ml, il6_pg_per_ml : arrays, pg/mL (plasma)
    """

    time_h: np.ndarray
    plasma_total_ng_per_ml: np.ndarray
    inhibition: np.ndarray
    innate_state: np.ndarray
    tnf_pg_per_ml: np.ndarray
    il1b_pg_per_ml: np.ndarray
    il6_pg_per_ml: np.ndarray
    drug: str = "brexanolone"

    def get_fold_change(self, cytokine: str) -> np.ndarray:
        """Plasma cytokine divided by its value at the first time point."""
        v = getattr(self, f"{cytokine}_pg_per_ml")
        return v / v[0]


@functools.lru_cache(maxsize=4)
def _compiled_solver():  # type: ignore[no-untyped-def]
    from brexsim._ode import solve_on_grid

    @jax.jit
    def solve(y0, args, ts):  # type: ignore[no-untyped-def]
        ys, _ = solve_on_grid(rhs, y0, args, ts, args["t_grid_h"], dt0=0.01, max_steps=200_000)
        return ys

    return solve


def simulate_inflammation(
    time_h: np.ndarray,
    plasma_total_ng_per_ml: np.ndarray | Callable[[np.ndarray], np.ndarray],
    params: ParameterSet | None = None,
    drug: str = "brexanolone",
    basal_tone_scale: float = 1.0,
    y0: np.ndarray | None = None,
    ic50_scale: float = 1.0,
    reprogram_scale: float = 1.0,
) -> InflammationResult:
    """Simulate the in vivo form over ``time_h`` (diffrax, float64).

    Parameters
    ----------
    time_h : array, h
        Output times (increasing); the drug input is interpolated on this grid, so make it fine
        enough (e.g. hourly) to follow the concentration profile.
    plasma_total_ng_per_ml : array or callable
        TOTAL plasma drug concentration on ``time_h`` (or a function of time in h).
    params : ParameterSet, optional
    drug : "brexanolone" or "zuranolone"
    basal_tone_scale : float
        Subject multiplier on the basal TLR tone.
    y0 : array, optional
        Initial in vivo state (default: drug-free baseline).
    ic50_scale, reprogram_scale : float
        Subject multipliers on the drug IC50 and the reprogramming rate.

    >>> t = np.arange(0.0, 97.0)
    >>> res = simulate_inflammation(t, np.where(t < 60, 80.0, 0.0))
    >>> bool(res.tnf_pg_per_ml[60] < res.tnf_pg_per_ml[0])
    True
    """
    t = np.asarray(time_h, dtype=float)
    if t.ndim != 1 or t.size < 2 or np.any(np.diff(t) <= 0) or not np.all(np.isfinite(t)):
        raise input_error("time_h", "array", "a strictly increasing 1-D array of >= 2 times")
    c = plasma_total_ng_per_ml(t) if callable(plasma_total_ng_per_ml) else plasma_total_ng_per_ml
    c = np.asarray(c, dtype=float)
    if not (basal_tone_scale > 0 and math.isfinite(basal_tone_scale)):
        raise input_error("basal_tone_scale", basal_tone_scale, "a finite number > 0")
    for name, v in (("ic50_scale", ic50_scale), ("reprogram_scale", reprogram_scale)):
        if not (math.isfinite(v) and v > 0):
            raise input_error(name, v, "a finite number > 0")
    args = make_in_vivo_args(params, t, c, drug, basal_tone_scale, ic50_scale, reprogram_scale)
    y_init = get_in_vivo_baseline(params) if y0 is None else jnp.asarray(y0, dtype=jnp.float64)
    ys = np.asarray(_compiled_solver()(y_init, args, jnp.asarray(t)))
    if not np.all(np.isfinite(ys)):
        raise RuntimeError("in vivo inflammation solve produced non-finite values")
    ys = np.maximum(ys, 0.0)
    p_subject = dict(get_tlr_parameters(params), drug_ic50_uM=float(args["ic50_uM"]))
    inhib = np.asarray(get_drug_inhibition(np.asarray(args["c_grid_uM"]), p_subject))
    return InflammationResult(
        time_h=t,
        plasma_total_ng_per_ml=c,
        inhibition=inhib,
        innate_state=ys[:, 0],
        tnf_pg_per_ml=ys[:, 4],
        il1b_pg_per_ml=ys[:, 5],
        il6_pg_per_ml=ys[:, 6],
        drug=drug,
    )


def simulate_cells_in_vivo(
    time_h: np.ndarray,
    plasma_total_ng_per_ml: Callable[[float], float],
    params: ParameterSet | None = None,
    drug: str = "brexanolone",
    basal_tone_scale: float = 1.0,
) -> dict[str, np.ndarray]:
    """The full minute-scale cell model embedded in plasma (reference for the reduced form).

    Same slow state and plasma cytokine equations as :func:`rhs`, but the secretion flux comes
    from the dynamic cell model instead of its quasi-steady state. Slow (BDF over minutes);
    used by tests to show the two forms agree.
    """
    p = get_tlr_parameters(params)
    base_in = CellInputs(basal_tone_scale=basal_tone_scale)
    y_cell0 = _steady_state_cached(base_in, _freeze(p))
    flux0 = _secretion_flux(y_cell0, p)
    ln2 = math.log(2.0)
    kout = np.array([ln2 / (60.0 * p[f"{c}_plasma_halflife_h"]) for c in CYTOKINES])
    c0 = np.array([p[f"{c}_baseline_pg_per_ml"] for c in CYTOKINES])
    ftlr = np.array([p[f"{c}_tlr_fraction"] for c in CYTOKINES])
    krec = ln2 / (60.0 * p["innate_recovery_halflife_h"])
    krep = p["innate_reprogram_per_h"] / 60.0
    _, drive = _inputs_to_drive(base_in, p)

    def f(t_min: float, x: np.ndarray) -> np.ndarray:
        cell, s, cp = x[:_N_CELL], x[_N_CELL], x[_N_CELL + 1 :]
        conc = float(convert_ng_per_ml_to_uM(plasma_total_ng_per_ml(t_min / 60.0), drug, p))
        inhib = float(get_drug_inhibition(conc, p))
        sc = min(max(s, 0.0), 1.0)
        pool = sc * (1.0 - inhib)
        d = _cell_rates(cell, pool, drive, p)
        ds = krec * (1.0 - s) - krep * inhib * sc
        flux = _secretion_flux(cell, p)
        dcp = kout * c0 * (ftlr * flux / flux0 + 1.0 - ftlr) - kout * cp
        return np.concatenate([d, [ds], dcp])

    x0 = np.concatenate([y_cell0, [1.0], c0])
    t = np.asarray(time_h, dtype=float)
    sol = solve_ivp(
        f, (60.0 * t[0], 60.0 * t[-1]), x0, method="BDF", t_eval=60.0 * t, rtol=1e-7, atol=1e-11
    )
    if not sol.success:
        raise RuntimeError(f"cell model (in vivo) failed: {sol.message}")
    return {
        "time_h": t,
        "innate_state": sol.y[_N_CELL],
        "tnf_pg_per_ml": sol.y[_N_CELL + 1],
        "il1b_pg_per_ml": sol.y[_N_CELL + 2],
        "il6_pg_per_ml": sol.y[_N_CELL + 3],
    }
