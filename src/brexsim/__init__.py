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
from brexsim.errors import BrexsimInputError, SolverError
from brexsim.model import SimulationResult, simulate
from brexsim.params import ParameterSet, load_parameters, override_parameters
from brexsim.pk import PKResult, get_exposure_summary, simulate_pk
from brexsim.population import Population, sample_population

__all__ = [
    "BrexsimInputError",
    "IVSegment",
    "OralDose",
    "PKResult",
    "ParameterSet",
    "Population",
    "Regimen",
    "SimulationResult",
    "SolverError",
    "__version__",
    "get_exposure_summary",
    "get_preset",
    "interrupt",
    "load_parameters",
    "load_regimen",
    "override_parameters",
    "read_nonmem",
    "sample_population",
    "simulate",
    "simulate_pk",
    "write_nonmem",
]
