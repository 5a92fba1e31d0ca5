import json

import pytest
from typer.testing import CliRunner

from brexsim.cli import app
from brexsim.validation import ALL_CHECKS, clopper_pearson, interval_record, run_checks
from brexsim.validation.records import Record


def test_interval_record_pass_fail_and_nan():
    assert interval_record("a", "pk", "d", "s", 1.0, 0.0, 2.0, 1.5).passed
    assert not interval_record("a", "pk", "d", "s", 1.0, 0.0, 2.0, 2.5).passed
    assert not interval_record("a", "pk", "d", "s", 1.0, 0.0, 2.0, float("nan")).passed


def test_a_failing_check_is_reported_not_dropped():
    def boom() -> list[Record]:
        raise RuntimeError("layer missing")

    recs = run_checks(
        {
            "hamd.study1": boom,
            "ok": lambda: [interval_record("ok.x", "ok", "d", "s", 1.0, 0.0, 2.0, 1.0)],
        }
    )
    assert [r.id for r in recs] == ["hamd.study1", "ok.x"]
    assert not recs[0].passed and "layer missing" in recs[0].note


def test_clopper_pearson_against_known_values():
    lo, hi = clopper_pearson(0, 107)
    assert lo == 0.0 and hi == pytest.approx(0.0339, abs=1e-3)
    lo, hi = clopper_pearson(8, 38)
    assert (lo, hi) == pytest.approx((0.0955, 0.3733), abs=1e-3)


def test_validate_cli_exits_nonzero_on_a_failing_record(tmp_path, monkeypatch):
    fake = {
        "x": lambda: [
            interval_record("x.bad", "x", "d", "s", 1.0, 0.0, 0.5, 0.9),
            interval_record("x.good", "x", "d", "s", 1.0, 0.0, 2.0, 0.9),
        ]
    }
    monkeypatch.setattr("brexsim.validation.ALL_CHECKS", fake)
    r = CliRunner().invoke(app, ["validate", "--out", str(tmp_path / "v")])
    assert r.exit_code == 1, r.output
    recs = json.loads((tmp_path / "v" / "validation.json").read_text())["records"]
    assert [(x["id"], x["passed"]) for x in recs] == [("x.bad", False), ("x.good", True)]
    for key in ("id", "layer", "description", "source", "target", "tolerance", "model", "passed"):
        assert key in recs[0]
    assert "x.bad" in (tmp_path / "v" / "validation.html").read_text()


def test_pk_and_gabaa_records_pass():
    recs = run_checks({k: ALL_CHECKS[k] for k in ("pk", "gabaa")})
    ids = {r.id for r in recs}
    assert {"pk.cmax", "pk.auc", "gabaa.ec50.control", "gabaa.ec50.epileptic"} <= ids
    assert all(r.passed for r in recs), [r for r in recs if not r.passed]
