"""brexsim: systems pharmacology of brexanolone and zuranolone in postpartum depression.

Research software. Results are research outputs, never dosing advice for a patient.
"""

from brexsim._version import __version__
from brexsim.errors import BrexsimInputError
from brexsim.params import ParameterSet, load_parameters, override_parameters

__all__ = [
    "BrexsimInputError",
    "ParameterSet",
    "__version__",
    "load_parameters",
    "override_parameters",
]
