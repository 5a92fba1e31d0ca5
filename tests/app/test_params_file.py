"""``brexsim app --params FILE``: a fitted-parameter overlay drives every tab of the app
(brexsim.app.common.set_parameter_file / get_app_parameters)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from brexsim.app import common
from brexsim.app import logic as lg
from brexsim.cli import app
from brexsim.dosing import get_preset
from brexsim.errors import BrexsimInputError
from brexsim.params import format_parameter_file, load_parameters

CL = "brexanolone_pk.cl_L_per_h_per_kg"


@pytest.fixture
def fitted(tmp_path: Path) -> Iterator[Path]:
    """A fit's overlay with brexanolone clearance halved; the app's file is reset after."""
    ps = load_parameters()
    row = replace(ps[CL], value=ps.value(CL) / 2.0, source="fit (test)", confidence="C")
    p = tmp_path / "fitted_parameters.toml"
    p.write_text(format_parameter_file([row], {"model": "brexanolone-pk"}), encoding="utf-8")
    yield p
    common.set_parameter_file(None)


def test_the_file_is_applied_after_the_hypothesis(fitted: Path) -> None:
    base = load_parameters()
    common.set_parameter_file(fitted)
    assert common.get_parameter_file() == fitted
    ps = common.get_app_parameters()
    assert ps.value(CL) == base.value(CL) / 2.0 and ps.hash != base.hash
    assert ps[CL].source == "fit (test)"
    null = common.get_app_parameters("null-immune")
    assert null.value(CL) == ps.value(CL) and null.value("hamd.immune_weight") == 0.0
    common.set_parameter_file(None)
    assert common.get_app_parameters().hash == base.hash


def test_the_patient_tab_uses_the_file(fitted: Path) -> None:
    reg = get_preset("zulresso")
    settings = lg.PatientSettings()
    before = lg.run_patient(reg, settings)
    common.set_parameter_file(fitted)
    after = lg.run_patient(reg, settings)
    assert after.result.provenance["parameter_hash"] != before.result.provenance["parameter_hash"]
    cmax = [r.result.get("plasma_drug").max() for r in (before, after)]
    assert cmax[1] > 1.5 * cmax[0]  # half the clearance: about twice the steady state


def test_a_bad_file_fails_before_serving(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[brexanolone_pk]\nnot_a_row = 1\n", encoding="utf-8")
    with pytest.raises(BrexsimInputError, match=r"bad\.toml"):
        common.set_parameter_file(bad)
    assert common.get_parameter_file() is None  # nothing set half-way
    res = CliRunner().invoke(app, ["app", "--params", str(tmp_path / "missing.toml")])
    assert res.exit_code != 0 and "missing.toml" in res.output
    assert common.get_parameter_file() is None
