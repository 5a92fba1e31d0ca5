"""Neuron model, the cell: GABA reversal potential, tonic and phasic GABA-A conductances, the
passive properties, the Brian2 engine and the f-I curve (split from ``neuron``; see the
package docstring).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from brexsim.errors import input_error
from brexsim.mechanism.gabaa import (
    DRUGS,
    compute_phasic_charge_fC,
    compute_tonic_conductance_nS,
    get_delta_level,
    get_gabaa_params,
    get_sipsc_amplitude_pA,
)
from brexsim.params import ParameterSet, load_parameters

FARADAY_C_PER_MOL = 96485.33212
_R_J_PER_MOL_K = 8.314462618
#: Brian2 code-generation targets accepted.
TARGETS = ("numpy", "cython")


def _rt_over_f_mV(temperature_C: float) -> float:
    return 1e3 * _R_J_PER_MOL_K * (273.15 + temperature_C) / FARADAY_C_PER_MOL


def get_e_gaba_mV(
    params: ParameterSet | None = None,
    cl_in_mM: float | None = None,
    use_hco3: bool = False,
) -> float:
    """Reversal potential of the GABA-A current (mV).

    Nernst for Cl- by default; Goldman-Hodgkin-Katz with HCO3- when ``use_hco3``.

    >>> round(get_e_gaba_mV(cl_in_mM=7.8), 1)
    -75.2
    >>> get_e_gaba_mV(use_hco3=True) > get_e_gaba_mV()
    True
    """
    n = (params or load_parameters()).get_layer("neuron")
    cl_i = n["cl_in_mM"] if cl_in_mM is None else float(cl_in_mM)
    if not np.isfinite(cl_i) or cl_i <= 0:
        raise input_error("cl_in_mM", cl_in_mM, "a finite concentration > 0 mM")
    k = _rt_over_f_mV(n["temperature_C"])
    if use_hco3:
        p = n["p_hco3_over_cl"]
        return float(
            k * np.log((cl_i + p * n["hco3_in_mM"]) / (n["cl_out_mM"] + p * n["hco3_out_mM"]))
        )
    return float(-k * np.log(n["cl_out_mM"] / cl_i))


def get_gaba_conductances_nS(
    conc_nM,
    delta_state: str = "postpartum",
    sensitivity: str = "control",
    drug: str = "brexanolone",
    endogenous_nM=0.0,
    params: ParameterSet | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Tonic and mean phasic GABA-A conductance (nS) over free drug concentrations (nM).

    Mean phasic conductance = sIPSC rate x charge per IPSC / recording driving force.

    >>> gt, gp = get_gaba_conductances_nS([0.0, 10.0])
    >>> bool(gt[1] > gt[0] and gp[1] > gp[0])
    True
    """
    if drug not in DRUGS:
        raise input_error("drug", drug, f"one of {list(DRUGS)}")
    ps = params or load_parameters()
    p = get_gabaa_params(ps, sensitivity)
    c = np.asarray(conc_nM, dtype=float)
    if not np.all(np.isfinite(c)) or np.any(c < 0):
        raise input_error("conc_nM", conc_nM, "finite concentrations >= 0 nM")
    allo, zur = (c, np.zeros_like(c)) if drug == "brexanolone" else (np.zeros_like(c), c)
    allo = allo + endogenous_nM
    lvl = get_delta_level(delta_state, ps)
    g_t = np.asarray(compute_tonic_conductance_nS(allo, zur, lvl, p))
    q = np.asarray(compute_phasic_charge_fC(allo, zur, get_sipsc_amplitude_pA(delta_state, ps), p))
    rate = ps.value("gabaa.sipsc_rate_Hz")
    g_p = rate * q / p.recording_df_mV * 1e-3  # Hz * fC / mV = pS -> nS
    return g_t, g_p


def get_baseline_gaba_nS(params: ParameterSet | None = None) -> float:
    """GABA-A conductance of the calibration cell: virgin, control, no steroid (nS).

    >>> 0.5 < get_baseline_gaba_nS() < 0.7
    True
    """
    g_t, g_p = get_gaba_conductances_nS([0.0], "virgin", "control", params=params)
    return float(g_t[0] + g_p[0])


def get_passive_properties(
    params: ParameterSet | None = None, g_gaba_nS: float | None = None
) -> dict[str, float]:
    """Analytic resting potential (mV), input resistance (MOhm) and tau_m (ms) of the model cell.

    Solves the current balance at rest by Newton iteration (w = a (V - EL) at steady state).

    >>> d = get_passive_properties()
    >>> round(d["rmp_mV"], 3), round(d["rin_MOhm"], 1), round(d["tau_m_ms"], 2)
    (-75.0, 292.0, 31.0)
    """
    ps = params or load_parameters()
    n = ps.get_layer("neuron")
    g = get_baseline_gaba_nS(ps) if g_gaba_nS is None else g_gaba_nS
    e = get_e_gaba_mV(ps)
    gl, el, dt_, vt, a = n["gL_nS"], n["EL_mV"], n["DeltaT_mV"], n["VT_mV"], n["a_nS"]
    v = el
    for _ in range(50):
        ex = np.exp((v - vt) / dt_)
        f = gl * (el - v) + gl * dt_ * ex - a * (v - el) + g * (e - v)
        df = -gl + gl * ex - a - g
        v -= f / df
    ex = np.exp((v - vt) / dt_)
    g_in = gl * (1 - ex) + a + g
    g_fast = gl * (1 - ex) + g  # w is slow (tauw >> tau_m); a = 0 by default
    return {
        "rmp_mV": float(v),
        "rin_MOhm": float(1e3 / g_in),
        "tau_m_ms": float(n["C_pF"] / g_fast),
    }


# ----------------------------------------------------------------------------- Brian2 engine


def _isi_rate_Hz(times_ms: np.ndarray, t_on: float, t_off: float) -> float:
    """Steady-state firing rate (Hz) from the inter-spike intervals in the second half of the
    step ``[(t_on + t_off)/2, t_off)``: ``(n - 1) / (t_n - t_1)``; 0 with fewer than two spikes.

    The first half is left out so that spike-frequency adaptation has settled; with regular
    steady-state ISIs this estimator does not jump when one more spike fits into the window
    (unlike a spike count), so small changes of the drive are resolved to about dt / window.
    """
    t = times_ms[(times_ms >= 0.5 * (t_on + t_off)) & (times_ms < t_off)]
    if t.size < 2:
        return 0.0
    return float((t.size - 1) / (t[-1] - t[0]) * 1e3)


def _run_brian(
    ps: ParameterSet,
    g_gaba_nS: np.ndarray,
    e_gaba_mV: np.ndarray,
    amp_pA: np.ndarray,
    slope_pA_per_s: np.ndarray,
    t_on_ms: float,
    t_off_ms: float,
    duration_ms: float,
    b_pA: np.ndarray,
    record: np.ndarray | None,
    target: str,
) -> tuple[list[np.ndarray], np.ndarray | None, np.ndarray | None]:
    """One Brian2 run of N independent AdEx cells; returns spike times (ms) per cell and the
    recorded voltage traces (mV) of the cells in ``record`` with their times (ms)."""
    if target not in TARGETS:
        raise input_error("target", target, f"one of {list(TARGETS)}")
    import brian2 as b2

    b2.prefs.codegen.target = target
    b2.prefs.codegen.loop_invariant_optimisations = True
    n = ps.get_layer("neuron")
    ms, mV, pA, nS, pF, second = b2.ms, b2.mV, b2.pA, b2.nS, b2.pF, b2.second
    eqs = """
    dv/dt = (I_leak + gL_*DT_*exp((v - VT_)/DT_) - w + I_syn + I_inj)/C_ : volt (unless refractory)
    I_leak = gL_*(EL_ - v) : amp
    I_syn = g_gaba*(E_gaba - v) : amp
    dw/dt = (a_*(v - EL_) - w)/tauw_ : amp
    I_inj = (i_amp + slope*(t - t_on_))*int(t >= t_on_)*int(t < t_off_) : amp
    g_gaba : siemens (constant)
    E_gaba : volt (constant)
    i_amp : amp (constant)
    slope : amp/second (constant)
    b_jump : amp (constant)
    """
    ns = {
        "gL_": n["gL_nS"] * nS,
        "EL_": n["EL_mV"] * mV,
        "DT_": n["DeltaT_mV"] * mV,
        "VT_": n["VT_mV"] * mV,
        "C_": n["C_pF"] * pF,
        "a_": n["a_nS"] * nS,
        "tauw_": n["tauw_ms"] * ms,
        "Vr_": n["Vr_mV"] * mV,
        "Vpeak_": n["Vpeak_mV"] * mV,
        "t_on_": t_on_ms * ms,
        "t_off_": t_off_ms * ms,
    }
    size = int(g_gaba_nS.size)
    group = b2.NeuronGroup(
        size,
        eqs,
        threshold="v > Vpeak_",
        reset="v = Vr_; w += b_jump",
        refractory=n["t_ref_ms"] * ms,
        method="euler",
        namespace=ns,
        dt=n["dt_ms"] * ms,
    )
    group.g_gaba = g_gaba_nS * nS
    group.E_gaba = e_gaba_mV * mV
    group.i_amp = amp_pA * pA
    group.slope = slope_pA_per_s * pA / second
    group.b_jump = b_pA * pA
    group.v = n["EL_mV"] * mV
    group.w = 0 * pA
    spikes = b2.SpikeMonitor(group)
    objs = [group, spikes]
    state = None
    if record is not None and record.size:
        state = b2.StateMonitor(group, "v", record=record.astype(int))
        objs.append(state)
    net = b2.Network(*objs)
    net.run(duration_ms * ms, namespace=ns)
    trains = spikes.spike_trains()
    times = [np.asarray(trains[i] / ms) for i in range(size)]
    if state is None:
        return times, None, None
    return times, np.asarray(state.v / mV), np.asarray(state.t / ms)


@dataclass(frozen=True)
class FIResult:
    """Steady-state firing rate (Hz) during the 1-s steps: ``rate_Hz[i_b, i_current]``."""

    currents_pA: np.ndarray
    b_pA: np.ndarray
    rate_Hz: np.ndarray


def simulate_f_i(
    currents_pA,
    params: ParameterSet | None = None,
    b_pA=None,
    g_gaba_nS: float | None = None,
    target: str = "numpy",
) -> FIResult:
    """f-I curve of the model cell (one vectorised Brian2 run), optionally over several ``b``.

    Default cell: baseline GABA-A conductance (virgin, control, no steroid).

    >>> r = simulate_f_i([0.0, 500.0])
    >>> float(r.rate_Hz[0, 0]), bool(64 <= r.rate_Hz[0, 1] <= 80)
    (0.0, True)
    """
    ps = params or load_parameters()
    n = ps.get_layer("neuron")
    cur = np.atleast_1d(np.asarray(currents_pA, dtype=float))
    bs = np.atleast_1d(np.asarray(n["b_pA"] if b_pA is None else b_pA, dtype=float))
    g = get_baseline_gaba_nS(ps) if g_gaba_nS is None else float(g_gaba_nS)
    bb, ii = np.meshgrid(bs, cur, indexing="ij")
    size = bb.size
    t_on = n["settle_ms"]
    t_off = t_on + n["stim_ms"]
    times, _, _ = _run_brian(
        ps,
        np.full(size, g),
        np.full(size, get_e_gaba_mV(ps)),
        ii.ravel(),
        np.zeros(size),
        t_on,
        t_off,
        t_off,
        bb.ravel(),
        None,
        target,
    )
    rate = np.array([_isi_rate_Hz(t, t_on, t_off) for t in times])
    return FIResult(currents_pA=cur, b_pA=bs, rate_Hz=rate.reshape(bb.shape))
