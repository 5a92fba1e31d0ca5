"""brexsim fit: the pheno dataset end to end against NONMEM's FOCE-I result; bad input."""

import json
from pathlib import Path

from typer.testing import CliRunner

from brexsim.cli import app

runner = CliRunner()
PHENO = Path(__file__).parents[1] / "estimation" / "data" / "pheno" / "pheno.dta"
NONMEM_OFV = 586.27605628520962


def test_fit_pheno_focei_writes_estimates(tmp_path):
    out = tmp_path / "fit"
    r = runner.invoke(
        app, ["fit", str(PHENO), "--model", "pheno", "--method", "focei", "--out", str(out)]
    )
    assert r.exit_code == 0, r.output
    est = json.loads((out / "estimates.json").read_text())
    assert est["method"] == "focei" and est["converged"] is True
    assert abs(est["ofv"] - NONMEM_OFV) < 0.1
    th1 = est["parameters"]["THETA1"]
    assert abs(th1["estimate"] / 4.69555e-03 - 1) < 0.02
    assert abs(th1["se"] / 2.09967e-04 - 1) < 0.1


def test_fit_bad_method_and_missing_file(tmp_path):
    out = tmp_path / "never"
    r = runner.invoke(
        app, ["fit", str(PHENO), "--model", "pheno", "--method", "saem", "--out", str(out)]
    )
    assert r.exit_code == 2 and "saem" in r.output
    r = runner.invoke(app, ["fit", str(tmp_path / "no.csv"), "--model", "pheno", "--out", str(out)])
    assert r.exit_code == 2
    assert not out.exists()
