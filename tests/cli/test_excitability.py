"""``brexsim excitability`` end to end (numpy Brian2 target)."""

import importlib.util
import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from brexsim.cli import app

runner = CliRunner()
HAS_PK = importlib.util.find_spec("brexsim.pk.simulate") is not None


def test_excitability_writes_table_parquet_png_summary(tmp_path):
    out = tmp_path / "control"
    r = runner.invoke(
        app,
        [
            "excitability",
            "--sensitivity",
            "control",
            "--delta-state",
            "ppd",
            "--out",
            str(out),
            "--n-conc",
            "6",
        ],
    )
    assert r.exit_code == 0, r.output
    s = json.loads((out / "summary.json").read_text())
    assert abs(s["ec50_nM"] / 12.9 - 1) <= 0.05
    assert s["hill"] > 0 and s["emax"] > 0
    assert s["provenance"]["parameter_hash"]
    df = pd.read_parquet(out / "concentration_response.parquet")
    assert len(df) == 6 and df["rate_Hz"].is_monotonic_decreasing
    assert df["rheobase_pA"].is_monotonic_increasing
    assert (out / "excitability.png").stat().st_size > 10_000
    assert "EC50" in r.output
    if HAS_PK:  # the zulresso-Cmax effect is printed and stored
        z = s["zulresso_cmax"]
        assert 1.0 < z["drug_free_nM"] < 5.0  # low-nM free drug at the receptors
        assert 0 < z["tonic_change_pct"] < 100
        assert -20 < z["rate_change_pct"] < 0
        assert "zulresso Cmax" in r.output


@pytest.mark.skipif(not HAS_PK, reason="PK layer (brexsim.pk.simulate_pk) not installed")
def test_epileptic_with_regimen_gives_outputs_over_time(tmp_path):
    r = runner.invoke(
        app,
        [
            "excitability",
            "--sensitivity",
            "epileptic",
            "--delta-state",
            "ppd",
            "--regimen",
            "zulresso",
            "--dt-h",
            "12",
            "--out",
            str(tmp_path),
            "--n-conc",
            "3",
        ],
    )
    assert r.exit_code == 0, r.output
    s = json.loads((tmp_path / "summary.json").read_text())
    assert abs(s["ec50_nM"] / 92.7 - 1) <= 0.05
    ts = pd.read_parquet(tmp_path / "timeseries.parquet")
    assert list(ts.columns) == ["subject", "arm", "time_h", "variable", "value", "unit"]
    rate = ts[ts.variable == "rate_Hz"].sort_values("time_h")["value"].to_numpy()
    tone = ts[ts.variable == "tone_index"]["value"].to_numpy()
    assert rate.min() < rate[0]  # the infusion lowers the rate
    assert tone.max() > 0.05
    assert (tmp_path / "excitability_time.png").exists()
    assert s["regimen"]["name"] == "zulresso"


def test_bad_delta_state_one_error_nothing_written(tmp_path):
    out = tmp_path / "never"
    r = runner.invoke(app, ["excitability", "--delta-state", "lactating", "--out", str(out)])
    assert r.exit_code == 2
    assert "delta-state" in r.output
    assert not out.exists()
