"""Calibration is code: each module here fits the parameters marked C to their targets and
writes them into the parameter tables (tomlkit, preserving the files)."""

from brexsim.calibration.tables import write_parameter_values

__all__ = ["write_parameter_values"]
