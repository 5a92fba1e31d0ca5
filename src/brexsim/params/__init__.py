"""Parameter tables: every model number with its value, unit, source and confidence.

The tables are TOML files in ``brexsim/params/data`` (one file per layer). Each line is one
parameter, mrgsolve style::

    cl_L_per_h_per_kg = { value = 1.07, unit = "L/h/kg", confidence = "C", description = "...",
                          source = "calibrated to Wald 2022 by brexsim calibrate pk" }

Parameters are addressed as ``"<layer>.<name>"``, e.g. ``"brexanolone_pk.cl_L_per_h_per_kg"``.
"""

from brexsim.params.loader import (
    CONFIDENCE_CODES,
    Parameter,
    ParameterSet,
    get_parameter_files,
    load_parameters,
    override_parameters,
    use_default_parameters,
)

__all__ = [
    "CONFIDENCE_CODES",
    "Parameter",
    "ParameterSet",
    "get_parameter_files",
    "load_parameters",
    "override_parameters",
    "use_default_parameters",
]
