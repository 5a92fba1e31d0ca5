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
        if k != "tmax_fasted_h":  # weak target, known conflict with the label (see pk.py)
            assert zm[k] == pytest.approx(v, rel=0.1), k
    bm = report["brexanolone"]["metrics"]
    assert 74.2 <= bm["cmax_ng_per_ml"] <= 108.4
    assert 3309.0 <= bm["auc_inf_ng_h_per_ml"] <= 4219.0
