"""A dentate granule cell in Brian2 with tonic and phasic GABA-A conductances.

Spiking mechanism: the adaptive exponential integrate-and-fire model (AdEx; Brette & Gerstner
2005), single compartment::

    C dV/dt = gL (EL - V) + gL DT exp((V - VT)/DT) - w + g_GABA (E_GABA - V) + I(t)
    tauw dw/dt = a (V - EL) - w ;   V > Vpeak:  V <- Vr, w <- w + b  (refractory t_ref)

``g_GABA`` = tonic conductance (:func:`brexsim.mechanism.gabaa.compute_tonic_conductance_nS`)
+ mean phasic conductance (sIPSC rate x charge per IPSC / recording driving force).
``E_GABA`` is the Nernst potential of Cl- (``-(RT/F) ln([Cl]o/[Cl]i)``), or, with ``use_hco3``,
the GHK potential with HCO3- (``(RT/F) ln(([Cl]i + p[HCO3]i)/([Cl]o + p[HCO3]o))``).

:func:`simulate_excitability` runs ONE vectorised Brian2 simulation over a grid of free drug
concentrations: for every concentration four neurons receive four protocols (a small
hyperpolarising probe for Rin and tau_m, a ramp for the rheobase, the defined excitatory drive
for the firing rate, and a strong step for the maximal rate); resting potential, Cl- current and
Cl- flux are read at the end of the settling period. Brian2's ``numpy`` code-generation target is
the default (no compiler); ``target="cython"`` compiles once and is faster for large grids.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from brexsim.errors import input_error
from brexsim.mechanism.gabaa import (
    DELTA_STATES,
    DRUGS,
    SENSITIVITIES,
    compute_phasic_charge_fC,
    compute_tonic_conductance_nS,
    get_delta_level,
    get_gabaa_params,
    get_sipsc_amplitude_pA,
)
from brexsim.params import ParameterSet, load_parameters

__all__ = [
    "FARADAY_C_PER_MOL",
    "TARGETS",
    "ExcitabilityResult",
    "FIResult",
    "get_baseline_gaba_nS",
    "get_e_gaba_mV",
    "get_gaba_conductances_nS",
    "get_passive_properties",
    "simulate_excitability",
    "simulate_f_i",
]

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
