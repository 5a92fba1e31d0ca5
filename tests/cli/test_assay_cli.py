"""``brexsim assay`` CLI: outputs, provenance, error handling."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from brexsim.cli import app

pytest.importorskip("brexsim.pk")


def test_assay_cli_writes_outputs(tmp_path):
    out = tmp_path / "res"
    r = CliRunner().invoke(
        app, ["assay", "--regimen", "zulresso", "--sample-h", "0,60", "--stimulus", "LPS",
              "--out", str(out)],
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    assert {p.name for p in out.iterdir()} == {
        "assay.parquet", "inflammation.parquet", "assay.png", "summary.json"
    }  # fmt: skip
    s = json.loads((out / "summary.json").read_text())
    assert "provenance" in s and s["protocol"]["drug_dilution_factor"] == 2.0
    df = pd.read_parquet(out / "assay.parquet")
    assert list(df.columns) == ["subject", "arm", "time_h", "variable", "value", "unit"]
    fold = df[(df.variable == "tnf_fold_secreted") & (df.time_h == 60.0)].value.iloc[0]
    assert fold < 1.0


def test_assay_cli_bad_stimulus(tmp_path):
    r = CliRunner().invoke(
        app, ["assay", "--regimen", "zulresso", "--stimulus", "XX", "--out", str(tmp_path / "o")]
    )
    assert r.exit_code == 2
    assert not (tmp_path / "o").exists()
