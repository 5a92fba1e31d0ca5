"""Special populations and individual PK parameters: moved to :mod:`brexsim.covariates`
(patient covariates sit below the PK and clinical layers, which use them, while
:mod:`brexsim.population` assembles virtual patients from every layer). This name is kept so
that old imports go on working; new code imports :mod:`brexsim.covariates`.
"""

from brexsim.covariates import *  # noqa: F403  (the public names of brexsim.covariates)
from brexsim.covariates import __all__ as __all__
