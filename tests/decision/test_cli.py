"""brexsim sensitivity / optimize: one-line errors (exit 2, nothing written) and a tiny run."""

import json

import pytest
from typer.testing import CliRunner

from brexsim.cli import app

runner = CliRunner()


@pytest.mark.parametrize(
    "args",
    [
        ["sensitivity", "--method", "sobolx"],
        ["sensitivity", "--outputs", "hamd_change_h61"],
        ["sensitivity", "--n", "12"],
        ["sensitivity", "--params", "hamd.nope,hamd.fast_rate_per_h"],
        ["optimize", "--constraint", "loc_rate < 0.1"],
        ["optimize", "--space", "no-such-space"],
        ["optimize", "--objective", "nope"],
        ["optimize", "--patients", "100"],
    ],
)
def test_bad_input_exits_2_with_one_line(tmp_path, args):
    out = tmp_path / "res"
    r = runner.invoke(app, [*args, "--out", str(out)])
    assert r.exit_code == 2, r.output
    assert "error:" in r.output
    assert not out.exists()


@pytest.mark.slow
def test_tiny_sensitivity_and_optimize_runs(tmp_path):
    out = tmp_path / "s"
    r = runner.invoke(
        app,
        [
            "sensitivity",
            "--outputs",
            "hamd_change_h60",
            "--n",
            "4",
            "--params",
            "hamd.fast_rate_per_h,hamd.max_drug_effect",
            "--out",
            str(out),
        ],
    )
    assert r.exit_code == 0, r.output
    s = json.loads((out / "summary.json").read_text())
    assert s["figures"] == "complete" and s["model_runs"] == 16
    assert s["provenance"]["seed"] == 1 and "sensitivity" in s["provenance"]["command"]
    assert {"indices.csv", "convergence.csv", "runs.csv", "report.html"} <= {
        p.name for p in out.iterdir()
    }
    out2 = tmp_path / "o"
    r = runner.invoke(app, ["optimize", "--trials", "3", "--patients", "64", "--out", str(out2)])
    assert r.exit_code == 0, r.output
    s = json.loads((out2 / "summary.json").read_text())
    assert s["recheck_seed"] == 1001 and s["figures"] == "complete"
    assert (out2 / "recheck.csv").read_text().count("reference zulresso") >= 3
