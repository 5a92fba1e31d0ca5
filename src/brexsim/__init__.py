"""brexsim: systems pharmacology of brexanolone and zuranolone in postpartum depression.

Research software. Results are research outputs, never dosing advice for a patient.

Examples
--------
>>> import brexsim
>>> res = brexsim.simulate_pk(brexsim.get_preset("zulresso"), weight_kg=70.0)
>>> round(float(res.plasma_drug_ng_per_ml.max()), 1)
82.1
"""

from brexsim._version import __version__
from brexsim.dosing import (
    IVSegment,
    OralDose,
    Regimen,
    get_preset,
    interrupt,
    load_regimen,
    read_nonmem,
    write_nonmem,
)
from brexsim.errors import BrexsimInputError
from brexsim.params import ParameterSet, load_parameters, override_parameters
from brexsim.pk import PKResult, get_exposure_summary, simulate_pk

__all__ = [
    "BrexsimInputError",
    "IVSegment",
    "OralDose",
    "PKResult",
    "ParameterSet",
    "Regimen",
    "__version__",
    "get_exposure_summary",
    "get_preset",
    "interrupt",
    "load_parameters",
    "load_regimen",
    "override_parameters",
    "read_nonmem",
    "simulate_pk",
    "write_nonmem",
]
