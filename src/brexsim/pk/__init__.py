"""PK: brexanolone (2-compartment IV, closed form + JAX ODE) and zuranolone (oral), biophase.

Conventions: plasma concentrations total ng/mL; receptor-level concentrations free nM.
"""

from brexsim.pk.brexanolone import BrexanolonePK, get_brexanolone_pk
from brexsim.pk.simulate import PKResult, get_default_times, simulate_pk
from brexsim.pk.summary import get_exposure_summary, get_terminal_slope
from brexsim.pk.zuranolone import ZuranolonePK, get_zuranolone_pk

__all__ = [
    "BrexanolonePK",
    "PKResult",
    "ZuranolonePK",
    "get_brexanolone_pk",
    "get_default_times",
    "get_exposure_summary",
    "get_terminal_slope",
    "get_zuranolone_pk",
    "simulate_pk",
]
