"""GABA-A layer, the numpy wrappers on concentrations in nM (split from ``gabaa``; see the
package docstring).
"""

from __future__ import annotations

import numpy as np

from brexsim.errors import input_error
from brexsim.mechanism.gabaa._core import (
    DRUGS,
    _check_choice,
    compute_phasic_charge_fC,
    compute_tone_index,
    compute_tonic_conductance_nS,
    get_delta_level,
    get_gabaa_params,
    get_sipsc_amplitude_pA,
)
from brexsim.params import ParameterSet

# ----------------------------------------------------------------------------- numpy wrappers


def _as_conc(conc_nM, field: str) -> np.ndarray:
    c = np.asarray(conc_nM, dtype=float)
    if not np.all(np.isfinite(c)) or np.any(c < 0):
        raise input_error(field, conc_nM, "finite concentrations >= 0 nM")
    return c


def _split(conc_nM, drug: str) -> tuple[np.ndarray, np.ndarray]:
    _check_choice("drug", drug, DRUGS)
    c = _as_conc(conc_nM, "conc_nM")
    zero = np.zeros_like(c)
    return (c, zero) if drug == "brexanolone" else (zero, c)


def get_tonic_conductance_nS(
    conc_nM,
    delta_state: str = "postpartum",
    sensitivity: str = "control",
    drug: str = "brexanolone",
    endogenous_nM: float = 0.0,
    params: ParameterSet | None = None,
) -> np.ndarray:
    """Tonic conductance (nS) over free drug concentrations (nM), numpy in and out.

    ``endogenous_nM`` free allopregnanolone is added to the drug at the same site.

    >>> g = get_tonic_conductance_nS([0.0, 10.0, 100.0])
    >>> bool(g[0] < g[1] < g[2])
    True
    """
    p = get_gabaa_params(params, sensitivity)
    lvl = get_delta_level(delta_state, params)
    allo, zur = _split(conc_nM, drug)
    return np.asarray(compute_tonic_conductance_nS(allo + endogenous_nM, zur, lvl, p))


def get_tonic_current_pA(
    conc_nM,
    delta_state: str = "postpartum",
    sensitivity: str = "control",
    drug: str = "brexanolone",
    params: ParameterSet | None = None,
) -> np.ndarray:
    """Tonic current (pA) under the Maguire & Mody recording conditions (conductance x DF).

    >>> cur = get_tonic_current_pA([0.0], "pregnant")
    >>> 16.1 < float(cur[0]) < 23.3
    True
    """
    p = get_gabaa_params(params, sensitivity)
    return get_tonic_conductance_nS(conc_nM, delta_state, sensitivity, drug, 0.0, params) * (
        p.recording_df_mV
    )


def get_phasic_charge_fC(
    conc_nM,
    delta_state: str = "postpartum",
    sensitivity: str = "control",
    drug: str = "brexanolone",
    params: ParameterSet | None = None,
) -> np.ndarray:
    """Charge per sIPSC (fC) over free drug concentrations (nM).

    >>> q = get_phasic_charge_fC([0.0, 100.0])
    >>> bool(q[1] > q[0])
    True
    """
    p = get_gabaa_params(params, sensitivity)
    amp = get_sipsc_amplitude_pA(delta_state, params)
    allo, zur = _split(conc_nM, drug)
    return np.asarray(compute_phasic_charge_fC(allo, zur, amp, p))


def get_tone_index(
    drug_free_nM,
    endogenous_free_nM=None,
    drug: str = "brexanolone",
    sensitivity: str = "control",
    params: ParameterSet | None = None,
) -> np.ndarray:
    """GABAergic tone index (0 untreated PPD, 1 healthy postpartum) for free drug (nM).

    ``endogenous_free_nM`` defaults to the reference endogenous level.

    >>> idx = get_tone_index([0.0, 2.7])
    >>> float(idx[0]), bool(0.0 < idx[1] < 1.0)
    (0.0, True)
    """
    p = get_gabaa_params(params, sensitivity)
    allo, zur = _split(drug_free_nM, drug)
    endo = p.tone_reference_free_nM if endogenous_free_nM is None else endogenous_free_nM
    endo = _as_conc(endo, "endogenous_free_nM")
    return np.asarray(compute_tone_index(allo + endo, zur, p))
