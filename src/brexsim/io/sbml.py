"""SBML export: moved to :mod:`brexsim.sbml` (an export of the model sits above the model's
layers, while ``brexsim.io`` holds the readers and writers they use). This name is kept so that
old imports go on working; new code imports :mod:`brexsim.sbml`.
"""

from brexsim.sbml import *  # noqa: F403  (the public names of brexsim.sbml)
from brexsim.sbml import __all__ as __all__
