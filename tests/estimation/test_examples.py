"""examples/pheno: the shipped example model file fitted by FOCE-I reaches NONMEM's OFV."""

from pathlib import Path

import pytest

from brexsim.estimation.data import read_estimation_data
from brexsim.estimation.fitting import fit_model
from brexsim.estimation.model import get_parameter_names
from brexsim.estimation.models import load_model

EX = Path(__file__).parents[2] / "examples" / "pheno"


def _nonmem_ofv() -> float:
    for ln in (EX / "pheno.ext").read_text().splitlines()[2:]:
        v = ln.split()
        if int(v[0]) == -1000000000:  # final estimates; the last column is the OFV
            return float(v[-1])
    raise AssertionError("no final-estimate row in pheno.ext")


def test_example_model_file_fits_to_nonmem_ofv():
    m = load_model(str(EX / "model.py"))
    assert get_parameter_names(m) == ["THETA1", "THETA2", "THETA3", "OMEGA11", "OMEGA22",
                                      "SIGMA11"]  # fmt: skip
    fit = fit_model(m, read_estimation_data(EX / "pheno.dta"), "focei")
    assert fit.converged
    assert fit.ofv == pytest.approx(_nonmem_ofv(), abs=0.1)
