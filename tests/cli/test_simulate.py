import csv
import io
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
    assert "--weight-kg=-3.0" in r.output and "[20, 250] kg" in r.output
    assert not out.exists()
    r = runner.invoke(
        app, ["simulate", "--regimen", "zulresso", "--drug", "zuranolone", "--out", str(out)]
    )
    assert r.exit_code == 2 and "segments" in r.output
    assert not out.exists()


def test_params_command_lists_tables():
    r = runner.invoke(app, ["params", "--layer", "brexanolone_pk", "--format", "csv"])
    assert r.exit_code == 0, r.output
    rows = list(csv.DictReader(io.StringIO(r.output)))
    names = {row["name"] for row in rows}
    assert "brexanolone_pk.cl_L_per_h_per_kg" in names or "cl_L_per_h_per_kg" in names
    assert all(row["source"] and row["conf"] for row in rows)
    r = runner.invoke(app, ["params", "--layer", "brexanolone_pk"])
    assert r.exit_code == 0 and "brexsim parameters" in r.output
    r = runner.invoke(app, ["params", "--format", "yaml"])
    assert r.exit_code == 2 and "--format='yaml'" in r.output


def test_params_population_prints_theta_omega_sigma():
    r = runner.invoke(app, ["params", "--population"])
    assert r.exit_code == 0, r.output
    for word in ("THETA", "OMEGA", "SIGMA", "[brexanolone_pk]", "[zuranolone_pk]"):
        assert word in r.output


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


def test_horizon_mid_dosing_reports_null_metrics_with_reasons(tmp_path):
    out = tmp_path / "h10"
    r = runner.invoke(
        app,
        ["simulate", "--regimen", "zulresso", "--horizon-h", "10", "--pk-only", "--out", str(out)],
    )
    assert r.exit_code == 0, r.output
    s = json.loads((out / "summary.json").read_text())
    assert s["horizon_h"] == 10.0 and s["status"] == "complete" and s["figures"] == "complete"
    for key in ("t_half_h", "auc_inf_ng_h_per_ml", "lambda_z_per_h", "cavg_ng_per_ml"):
        assert s[key] is None and key in s["not_available"]
    assert "ends before the end of dosing (60 h)" in s["not_available"]["t_half_h"]
    assert "24-52 h extends past the horizon" in s["not_available"]["cavg_ng_per_ml"]
    assert isinstance(s["cmax_ng_per_ml"], float) and s["cmax_ng_per_ml"] > 0
    assert "t_half_h not available" in r.output


def test_tiny_dt_is_refused_before_allocating(tmp_path):
    r = runner.invoke(
        app, ["simulate", "--regimen", "zulresso", "--dt-h", "1e-9", "--out", str(tmp_path / "x")]
    )
    assert r.exit_code == 2
    assert "--dt-h=1e-09" in r.output and "2,000,000 output points" in r.output
    assert "0.00015 h for a 300-h horizon" in r.output
    assert not (tmp_path / "x").exists()


def test_out_that_is_a_file_or_under_proc_is_one_clear_error(tmp_path):
    f = tmp_path / "file"
    f.write_text("keep")
    for out, words in ((f, "existing file"), ("/proc/brexsim", "can be written")):
        r = runner.invoke(
            app, ["simulate", "--regimen", "zulresso", "--pk-only", "--out", str(out)]
        )
        text = " ".join(r.output.split())
        assert r.exit_code == 2 and words in text and "Traceback" not in text
    assert f.read_text() == "keep"


def _nonmem(tmp_path, wt="90"):
    p = tmp_path / "d.csv"
    p.write_text(f"ID,TIME,AMT,RATE,EVID,CMT,WT\n1,0,10.8,2.7,1,2,{wt}\n")  # 30 ug/kg/h at 90 kg
    return p


def test_nonmem_wt_is_the_weight_unless_weight_kg_overrides_it_with_a_warning(tmp_path):
    p = _nonmem(tmp_path)
    r = runner.invoke(
        app, ["simulate", "--regimen", str(p), "--pk-only", "--out", str(tmp_path / "a")]
    )
    assert r.exit_code == 0, r.output
    s = json.loads((tmp_path / "a" / "summary.json").read_text())
    assert s["weight_kg"] == 90.0 and s["weight_source"] == "WT of d.csv"
    assert "warning" not in r.output
    r = runner.invoke(
        app,
        [
            "simulate",
            "--regimen",
            str(p),
            "--weight-kg",
            "70",
            "--pk-only",
            "--out",
            str(tmp_path / "b"),
        ],
    )
    assert r.exit_code == 0, r.output
    assert "warning: --weight-kg 70 overrides WT 90 kg of d.csv" in " ".join(r.output.split())
    s = json.loads((tmp_path / "b" / "summary.json").read_text())
    assert s["weight_kg"] == 70.0 and s["weight_source"] == "--weight-kg" and s["warnings"]


def test_one_weight_range_in_the_reader_and_the_cli(tmp_path):
    from brexsim.dosing.weights import WEIGHT_RANGE_KG

    assert WEIGHT_RANGE_KG == (20.0, 250.0)
    for args in (["--weight-kg", "251"], ["--weight-kg", "19.5"]):
        r = runner.invoke(app, ["simulate", "--regimen", "zulresso", *args, "--out", str(tmp_path)])
        assert r.exit_code == 2 and "[20, 250] kg" in r.output
    r = runner.invoke(
        app, ["simulate", "--regimen", str(_nonmem(tmp_path, "300")), "--out", str(tmp_path)]
    )
    assert r.exit_code == 2 and "WT=300" in r.output and "[20, 250] kg" in r.output


def test_a_failing_figure_keeps_the_data_and_exits_3(tmp_path, monkeypatch):
    import brexsim.report.pk_plot as pk_plot

    def boom(*a, **k):
        raise ValueError("bad axis")

    monkeypatch.setattr(pk_plot, "plot_pk", boom)
    out = tmp_path / "res"
    r = runner.invoke(app, ["simulate", "--regimen", "zulresso", "--pk-only", "--out", str(out)])
    assert r.exit_code == 3, r.output
    assert "Cmax" in r.output and "Traceback" not in r.output
    assert "drawing concentration.png failed (ValueError: bad axis)" in " ".join(r.output.split())
    s = json.loads((out / "summary.json").read_text())
    assert s["status"] == "complete"
    assert s["figures"] == "failed: concentration.png: ValueError: bad axis"
    assert len(pd.read_parquet(out / "timeseries.parquet")) > 0
    assert not (out / "concentration.png").exists()


def test_layers_hamd_panel_is_labelled_as_what_it_draws(tmp_path, monkeypatch):
    import numpy as np

    import brexsim.report.layers_plot as lp

    class Fake:
        time_h = np.arange(0.0, 49.0)
        names = ("plasma_drug", "biophase_free_drug", "tone_index", "tnf_fold", "il6_fold",
                 "bdnf_change_sd", "hamd", "hamd_expected")  # fmt: skip

        def __init__(self, names):
            self.outputs = {k: (np.ones((1, 49)) * (i + 1), "1") for i, k in enumerate(names)}

        def get(self, name):
            return self.outputs[name][0]

    figs = []
    monkeypatch.setattr(lp.plt, "close", figs.append)
    lp.plot_layers(Fake(Fake.names), tmp_path / "a.png", placebo=Fake(Fake.names))

    def hamd_axis(fig):
        (ax,) = [a for a in fig.axes if a.get_ylabel().startswith("HAM-D")]
        return ax

    ax = hamd_axis(figs[-1])
    assert ax.get_ylabel() == "HAM-D-17\n(expected)"
    assert ax.lines[0].get_ydata()[0] == 8.0  # hamd_expected, not the noisy hamd
    lp.plot_layers(Fake(Fake.names[:-1]), tmp_path / "b.png")
    ax = hamd_axis(figs[-1])
    assert ax.get_ylabel() == "HAM-D-17\n(observed, with rating noise)"
    assert ax.lines[0].get_ydata()[0] == 7.0


def test_timeseries_and_layers_share_subject_ids_and_variable_names(tmp_path):
    out = tmp_path / "ids"
    r = runner.invoke(app, ["simulate", "--regimen", "zuranolone-50mg", "--out", str(out)])
    assert r.exit_code == 0, r.output
    ts = pd.read_parquet(out / "timeseries.parquet")
    ly = pd.read_parquet(out / "layers.parquet")
    assert set(ts["subject"]) == set(ly["subject"]) == {0}
    shared = {"plasma_drug", "plasma_total", "effect_site_drug", "biophase_free_drug"}
    assert shared <= set(ts["variable"]) and shared <= set(ly["variable"])
    assert not {"drug_biophase_free", "drug_free_plasma"} & set(ts["variable"])


_PARAMS = """[meta]
model = "hand-written"

[brexanolone_pk]
cl_L_per_h_per_kg = { value = 1.5, unit = "L/h/kg", confidence = "C", description = "CL", \
source = "test" }
"""


def test_params_file_after_the_hypothesis_is_recorded(tmp_path):
    """--params applies after --hypothesis: the run's parameter hash is that of packaged tables
    → overlay → file, the provenance names the file and its SHA-256 and the layers run."""
    import hashlib

    from brexsim.hypotheses import apply_hypothesis
    from brexsim.params import apply_parameter_file, load_parameters

    path = tmp_path / "p.toml"
    path.write_text(_PARAMS, encoding="utf-8")
    out = tmp_path / "res"
    r = runner.invoke(
        app,
        ["simulate", "--regimen", "zulresso", "--hypothesis", "null-immune", "--params",
         str(path), "--out", str(out)],
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    s = json.loads((out / "summary.json").read_text())
    expected = apply_parameter_file(apply_hypothesis(load_parameters(), "null-immune"), path)
    assert expected.value("hamd.immune_weight") == 0.0  # the overlay row is kept
    assert s["provenance"]["parameter_hash"] == expected.hash
    assert s["provenance"]["hypothesis"] == "custom" and s["hypothesis"] == "null-immune"
    pf = s["parameter_file"]
    assert pf == s["provenance"]["parameter_file"] and pf["hypothesis"] == "null-immune"
    assert pf["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert pf["meta"] == {"model": "hand-written"} and "layers" in s
    assert "p.toml" in r.output


def test_bad_params_file_is_one_error_and_nothing_written(tmp_path):
    path = tmp_path / "p.toml"
    path.write_text(_PARAMS.replace('"L/h/kg"', '"L/h"'), encoding="utf-8")
    out = tmp_path / "never"
    r = runner.invoke(
        app, ["simulate", "--regimen", "zulresso", "--pk-only", "--params", str(path), "--out",
              str(out)]
    )  # fmt: skip
    assert r.exit_code == 2, r.output
    flat = " ".join(r.output.split())
    assert "p.toml" in flat and "L/h/kg" in flat and "unit" in flat
    assert not out.exists()
