"""The calibrated PK table values are what `brexsim calibrate-pk` writes."""

import pytest

from brexsim.calibration.pk import calibrate_pk
from brexsim.params import load_parameters


def test_rerunning_the_calibration_reproduces_the_table():
    report = calibrate_pk(write=False)
    ps = load_parameters()
    for name, value in report["values"].items():
        assert ps.value(name) == pytest.approx(value, rel=2e-3), name
    zm, zt = report["zuranolone"]["metrics"], report["zuranolone"]["targets"]
    for k, v in zt.items():
        assert zm[k] == pytest.approx(v, rel=0.1), k
