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

from brexsim.mechanism.neuron._cell import (
    FARADAY_C_PER_MOL,
    TARGETS,
    FIResult,
    get_baseline_gaba_nS,
    get_e_gaba_mV,
    get_gaba_conductances_nS,
    get_passive_properties,
    simulate_f_i,
)
from brexsim.mechanism.neuron._excitability import ExcitabilityResult, simulate_excitability

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
