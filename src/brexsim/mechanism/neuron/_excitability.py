"""Neuron model, the excitability summary of a drug concentration over the stimulus range
(split from ``neuron``; see the package docstring).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from brexsim.errors import input_error
from brexsim.mechanism.gabaa import (
    DELTA_STATES,
    SENSITIVITIES,
)
from brexsim.mechanism.neuron._cell import (
    FARADAY_C_PER_MOL,
    _isi_rate_Hz,
    _run_brian,
    get_e_gaba_mV,
    get_gaba_conductances_nS,
)
from brexsim.params import ParameterSet, load_parameters


@dataclass(frozen=True)
class ExcitabilityResult:
    """Granule-cell excitability over a grid of free drug concentrations.

    All arrays have the length of ``conc_nM``. ``delta_v_mV`` is relative to the same cell with
    no drug. ``i_cl_pA`` is the GABA-A (Cl-) current at rest, outward positive, which is an
    INFLUX of Cl- (``cl_influx_amol_per_s`` = I / F, amol = 1e-18 mol).
    """

    conc_nM: np.ndarray
    drug: str
    sensitivity: str
    delta_state: str
    e_gaba_mV: float
    g_tonic_nS: np.ndarray
    g_phasic_nS: np.ndarray
    v_rest_mV: np.ndarray
    delta_v_mV: np.ndarray
    i_cl_pA: np.ndarray
    cl_influx_amol_per_s: np.ndarray
    rin_MOhm: np.ndarray
    tau_m_ms: np.ndarray
    rheobase_pA: np.ndarray
    rate_Hz: np.ndarray
    max_rate_Hz: np.ndarray

    @property
    def effect(self) -> list[str]:
        """Per concentration: ``hyperpolarising`` where V_rest > E_GABA, otherwise
        ``shunting-depolarising`` (the conductance still shunts, but pulls V up to E_GABA)."""
        d = self.v_rest_mV - self.e_gaba_mV
        return ["hyperpolarising" if x > 0 else "shunting-depolarising" for x in d]


def simulate_excitability(
    conc_nM,
    *,
    delta_state: str = "postpartum",
    sensitivity: str = "control",
    drug: str = "brexanolone",
    endogenous_nM=0.0,
    cl_in_mM: float | None = None,
    use_hco3: bool = False,
    params: ParameterSet | None = None,
    target: str = "numpy",
) -> ExcitabilityResult:
    """Excitability of the granule cell over free drug concentrations, one Brian2 run.

    Parameters
    ----------
    conc_nM : array
        Free drug concentrations at the receptors (nM).
    delta_state : {"virgin", "pregnant", "postpartum", "ppd"}
    sensitivity : {"control", "epileptic"}
    drug : {"brexanolone", "zuranolone"}
    endogenous_nM : float or array
        Free endogenous allopregnanolone added to the drug (nM), scalar or one per
        concentration; the drug-free reference cell gets the first value.
    cl_in_mM : float, optional
        Intracellular Cl- (default from the table).
    use_hco3 : bool
        Include HCO3- in the GABA-A reversal (GHK).
    target : {"numpy", "cython"}
        Brian2 code-generation target.

    Examples
    --------
    >>> r = simulate_excitability([0.0, 100.0])
    >>> bool(r.rate_Hz[1] < r.rate_Hz[0] and r.rheobase_pA[1] > r.rheobase_pA[0])
    True
    """
    if delta_state not in DELTA_STATES:
        raise input_error("delta_state", delta_state, f"one of {list(DELTA_STATES)}")
    if sensitivity not in SENSITIVITIES:
        raise input_error("sensitivity", sensitivity, f"one of {list(SENSITIVITIES)}")
    ps = params or load_parameters()
    n = ps.get_layer("neuron")
    c = np.atleast_1d(np.asarray(conc_nM, dtype=float))
    if c.ndim != 1 or c.size == 0:
        raise input_error("conc_nM", conc_nM, "a non-empty 1-D array of concentrations")
    endo = np.broadcast_to(np.asarray(endogenous_nM, dtype=float), c.shape)
    if not np.all(np.isfinite(endo)) or np.any(endo < 0):
        raise input_error("endogenous_nM", endogenous_nM, "finite concentrations >= 0 nM")
    grid = np.concatenate([[0.0], c])  # index 0: drug-free reference cell
    endo_grid = np.concatenate([endo[:1], endo])
    g_t, g_p = get_gaba_conductances_nS(grid, delta_state, sensitivity, drug, endo_grid, ps)
    g = g_t + g_p
    e_gaba = get_e_gaba_mV(ps, cl_in_mM, use_hco3)
    m = grid.size
    # protocols: 0 probe, 1 ramp, 2 drive, 3 strong step
    amp = np.concatenate(
        [
            np.full(m, n["probe_step_pA"]),
            np.zeros(m),
            np.full(m, n["drive_pA"]),
            np.full(m, n["max_rate_step_pA"]),
        ]
    )
    slope = np.concatenate([np.zeros(m), np.full(m, n["ramp_slope_pA_per_s"]), np.zeros(2 * m)])
    t_on = n["settle_ms"]
    t_off = t_on + n["stim_ms"]
    times, v, tv = _run_brian(
        ps,
        np.tile(g, 4),
        np.full(4 * m, e_gaba),
        amp,
        slope,
        t_on,
        t_off,
        t_off,
        np.full(4 * m, n["b_pA"]),
        np.arange(m),
        target,
    )
    assert v is not None and tv is not None
    i_rest = int(np.searchsorted(tv, t_on) - 1)
    v_rest = v[:, i_rest]
    i_probe = int(np.searchsorted(tv, t_on + n["probe_ms"]) - 1)
    dv = v[:, i_probe] - v_rest
    rin = dv / n["probe_step_pA"] * 1e3  # mV / pA = GOhm -> MOhm
    tau = np.empty(m)
    seg_t = tv[i_rest : i_probe + 1] - tv[i_rest]
    for k in range(m):
        frac = (v[k, i_rest : i_probe + 1] - v_rest[k]) / dv[k]
        j = int(np.argmax(frac >= 1 - np.exp(-1)))
        t0, t1 = seg_t[j - 1], seg_t[j]
        f0, f1 = frac[j - 1], frac[j]
        tau[k] = t0 + (1 - np.exp(-1) - f0) * (t1 - t0) / (f1 - f0)
    rheo = np.empty(m)
    for k in range(m):
        ts = times[m + k]
        ts = ts[ts >= t_on]
        if ts.size == 0:
            raise input_error(
                "ramp_slope_pA_per_s", n["ramp_slope_pA_per_s"], "a ramp that reaches the rheobase"
            )
        rheo[k] = n["ramp_slope_pA_per_s"] * (ts[0] - t_on) * 1e-3
    rate = np.array([_isi_rate_Hz(t, t_on, t_off) for t in times[2 * m : 3 * m]])
    rate_max = np.array([_isi_rate_Hz(t, t_on, t_off) for t in times[3 * m :]])
    i_cl = g * (v_rest - e_gaba)  # nS * mV = pA, outward positive
    return ExcitabilityResult(
        conc_nM=c,
        drug=drug,
        sensitivity=sensitivity,
        delta_state=delta_state,
        e_gaba_mV=e_gaba,
        g_tonic_nS=g_t[1:],
        g_phasic_nS=g_p[1:],
        v_rest_mV=v_rest[1:],
        delta_v_mV=v_rest[1:] - v_rest[0],
        i_cl_pA=i_cl[1:],
        cl_influx_amol_per_s=i_cl[1:] * 1e-12 / FARADAY_C_PER_MOL * 1e18,
        rin_MOhm=rin[1:],
        tau_m_ms=tau[1:],
        rheobase_pA=rheo[1:],
        rate_Hz=rate[1:].astype(float),
        max_rate_Hz=rate_max[1:].astype(float),
    )
