"""Validation: every calibration and validation target as a record (``brexsim validate``)."""

from brexsim.validation.checks import ALL_CHECKS, clopper_pearson
from brexsim.validation.records import Record, interval_record, run_checks

__all__ = ["ALL_CHECKS", "Record", "clopper_pearson", "interval_record", "run_checks"]
