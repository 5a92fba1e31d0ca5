import json

import pandas as pd
from typer.testing import CliRunner

from brexsim.cli import app

runner = CliRunner()


def test_simulate_writes_summary_parquet_and_png(tmp_path):
    out = tmp_path / "res"
    r = runner.invoke(
        app,
        ["simulate", "--regimen", "zulresso", "--weight-kg", "70", "--pk-only", "--out", str(out)],
    )
    assert r.exit_code == 0, r.output
    assert "Cmax" in r.output
    s = json.loads((out / "summary.json").read_text())
    for key in ("cmax_ng_per_ml", "tmax_h", "auc_inf_ng_h_per_ml", "cavg_ng_per_ml", "t_half_h"):
        assert isinstance(s[key], float)
    assert s["cavg_window_h"] == [24.0, 52.0]
    assert s["horizon_h"] == 300.0
    prov = s["provenance"]
    assert prov["parameter_hash"] and prov["brexsim_version"] and "command" in prov
    df = pd.read_parquet(out / "timeseries.parquet")
    assert list(df.columns) == ["subject", "arm", "time_h", "variable", "value", "unit"]
    assert (out / "concentration.png").stat().st_size > 10_000


def test_simulate_oral_reports_accumulation(tmp_path):
    r = runner.invoke(
        app, ["simulate", "--regimen", "zuranolone-50mg", "--pk-only", "--out", str(tmp_path)]
    )
    assert r.exit_code == 0, r.output
    s = json.loads((tmp_path / "summary.json").read_text())
    assert 1.3 <= s["accumulation_ratio"] <= 1.7


def test_bad_input_one_error_and_nothing_written(tmp_path):
    out = tmp_path / "never"
    r = runner.invoke(
        app, ["simulate", "--regimen", "zulresso", "--weight-kg", "-3", "--out", str(out)]
    )
    assert r.exit_code == 2
    assert "weight_kg=-3.0" in r.output
    assert not out.exists()
    r = runner.invoke(
        app, ["simulate", "--regimen", "zulresso", "--drug", "zuranolone", "--out", str(out)]
    )
    assert r.exit_code == 2 and "segments" in r.output
    assert not out.exists()


def test_params_command_lists_tables():
    r = runner.invoke(app, ["params", "--layer", "brexanolone_pk"])
    assert r.exit_code == 0
    assert (
        "cl_L_per_h_per_kg" in r.output.replace("\n", "").replace("│", "").replace(" ", "")
        or "cl_L_per" in r.output
    )


def test_simulate_all_layers_for_one_patient(tmp_path):
    out = tmp_path / "all"
    r = runner.invoke(app, ["simulate", "--regimen", "zulresso", "--out", str(out)])
    assert r.exit_code == 0, r.output
    ly = json.loads((out / "summary.json").read_text())["layers"]
    assert 0.0 < ly["tone_index_max"] < 1.0
    assert ly["tnf_fold_end_of_treatment"] < ly["tnf_fold_day7"] < 1.0
    assert ly["bdnf_change_sd_day30"] > 0.0
    assert (
        ly["hamd_expected_change_end_of_treatment"]
        < ly["hamd_expected_change_end_of_treatment_placebo"]
        < 0.0
    )
    df = pd.read_parquet(out / "layers.parquet")
    assert {"tone_index", "tnf_fold", "bdnf", "hamd"} <= set(df["variable"])
    assert (out / "layers.png").stat().st_size > 10_000
