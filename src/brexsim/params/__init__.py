"""Parameter tables: every model number with its value, unit, source and confidence.

The tables are TOML files in ``brexsim/params/data`` (one file per layer). Each line is one
parameter, mrgsolve style::

    cl_L_per_h_per_kg = { value = 1.07, unit = "L/h/kg", confidence = "C", description = "...",
                          source = "calibrated to Wald 2022 by brexsim calibrate pk" }

Overlay files in the same row format (mechanism hypotheses, ``brexsim fit``'s
``fitted_parameters.toml``) replace rows: :mod:`brexsim.params.overlay`.

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
from brexsim.params.overlay import (
    apply_parameter_file,
    apply_parameter_rows,
    format_parameter_file,
    get_file_sha256,
    read_parameter_file,
)

__all__ = [
    "CONFIDENCE_CODES",
    "Parameter",
    "ParameterSet",
    "apply_parameter_file",
    "apply_parameter_rows",
    "format_parameter_file",
    "get_file_sha256",
    "get_parameter_files",
    "load_parameters",
    "override_parameters",
    "read_parameter_file",
    "use_default_parameters",
]
