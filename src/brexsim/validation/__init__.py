"""Validation: every calibration and validation target as a record (``brexsim validate``)."""

from brexsim.validation.checks import ALL_CHECKS
from brexsim.validation.records import Record, interval_record, run_checks
from brexsim.validation.stats import clopper_pearson

__all__ = ["ALL_CHECKS", "Record", "clopper_pearson", "interval_record", "run_checks"]
