"""``brexsim trial``: outputs, replicate pooling, and bad specs failing before any computation."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from brexsim.cli import app

runner = CliRunner()

SPEC = """
[trial]
name = "cli-test"
seed = 7
replicates = {replicates}

[population]
hamd_baseline_min = 26
hamd_baseline_max = 52

[[arms]]
name = "BRX90"
regimen = "zulresso"
n = 4
dropout = 0.2

[[arms]]
name = "placebo"
regimen = "placebo"
n = 4

[visits]
times_h = [0, 24, 60, 168]
"""


def _write(tmp_path: Path, replicates: int = 1, extra: str = "") -> Path:
    p = tmp_path / "spec.toml"
    p.write_text(SPEC.format(replicates=replicates) + extra, encoding="utf-8")
    return p


def test_trial_writes_every_output_with_replicates(tmp_path: Path) -> None:
    out = tmp_path / "res"
    r = runner.invoke(
        app, ["trial", str(_write(tmp_path, 2)), "--out", str(out), "--chunk", "3", "--block", "8"]
    )
    assert r.exit_code == 0, r.output
    assert "hamd_change_vs_placebo" in r.output
    e = pd.read_csv(out / "endpoints.csv", dtype={"replicate": str})
    assert list(e.columns) == [
        "arm",
        "time_h",
        "endpoint",
        "estimate",
        "ci_low",
        "ci_high",
        "n",
        "replicate",
        "p_value",
    ]
    assert set(e["replicate"]) == {"0", "1", "all"}
    pooled = e[e.replicate == "all"]
    for endpoint in ("hamd_change", "hamd_change_vs_placebo", "response_rate", "remission_rate"):
        assert set(pooled[pooled.endpoint == endpoint]["time_h"]) == {24.0, 60.0, 168.0}
    for endpoint in ("sedation_rate", "interruption_rate", "loc_rate"):
        assert set(pooled[pooled.endpoint == endpoint]["time_h"]) == {60.0}
    power = pooled[pooled.endpoint == "power"]
    assert set(power["arm"]) == {"BRX90"} and (power["n"] == 2).all()
    per = e[(e.replicate != "all") & (e.endpoint == "hamd_change") & (e.time_h == 60.0)]
    row = pooled[
        (pooled.endpoint == "hamd_change") & (pooled.time_h == 60.0) & (pooled.arm == "placebo")
    ].iloc[0]
    assert row["estimate"] == pytest.approx(per[per.arm == "placebo"]["estimate"].mean())

    v = pd.read_parquet(out / "visits.parquet")
    assert list(v.columns) == ["subject", "arm", "replicate", "time_h", "variable", "value", "unit"]
    assert v["subject"].nunique() == 16 and set(v["time_h"]) <= {0.0, 24.0, 60.0, 168.0}
    assert {"hamd", "tnf_fold", "bdnf", "plasma_drug"} <= set(v["variable"])
    pts = pd.read_parquet(out / "patients.parquet")
    assert len(pts) == 16 and {"somnolence", "interruption", "dropout_h"} <= set(pts.columns)

    s = json.loads((out / "summary.json").read_text())
    prov = s["provenance"]
    assert prov["brexsim_version"] and prov["parameter_hash"] and prov["seed"] == 7
    assert "trial" in prov["command"]
    assert s["n_patients"] == 16 and s["replicates"] == 2 and s["solver_block"] == 8
    assert s["status"] == "complete" and s["figures"] == "complete"
    html = (out / "report.html").read_text()
    assert html.count("<img") == 4 and "Provenance" in html and "study1" not in html.lower()
    for png in ("hamd.png", "exposure.png", "biomarkers.png", "sedation.png"):
        assert (out / png).stat().st_size > 5_000


def test_single_replicate_has_no_replicate_column(tmp_path: Path) -> None:
    out = tmp_path / "one"
    r = runner.invoke(app, ["trial", str(_write(tmp_path)), "--out", str(out), "--block", "8"])
    assert r.exit_code == 0, r.output
    e = pd.read_csv(out / "endpoints.csv")
    assert list(e.columns) == [
        "arm",
        "time_h",
        "endpoint",
        "estimate",
        "ci_low",
        "ci_high",
        "n",
        "p_value",
    ]
    assert "power" not in set(e["endpoint"])


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        ("\n[extra]\nfoo = 1\n", "unknown key"),
        ('\n[[arms]]\nname = "X"\nregimen = "nope"\nn = 3\n', "arms.2.regimen"),
        ('\n[[arms]]\nname = "X"\nregimen = "zulresso"\nn = -3\n', "arms.2.n"),
    ],
)
def test_bad_spec_fails_before_any_computation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, extra: str, words: str
) -> None:
    import brexsim.trial.run as run_mod

    def boom(*a, **k):  # type: ignore[no-untyped-def]
        raise AssertionError("computation started")

    monkeypatch.setattr(run_mod, "simulate_chunk", boom)
    monkeypatch.setattr(run_mod, "run_trial", boom)
    out = tmp_path / "never"
    r = runner.invoke(app, ["trial", str(_write(tmp_path, extra=extra)), "--out", str(out)])
    assert r.exit_code == 2, r.output
    assert words in r.output and "error" in r.output
    assert not out.exists()


def test_bad_visits_and_missing_spec(tmp_path: Path) -> None:
    p = tmp_path / "v.toml"
    p.write_text(SPEC.format(replicates=1).replace("[0, 24, 60, 168]", "[0, 24, 3000]"))
    r = runner.invoke(app, ["trial", str(p), "--out", str(tmp_path / "o")])
    assert r.exit_code == 2 and "visits.times_h.2" in r.output and "2160" in r.output
    r = runner.invoke(app, ["trial", "--out", str(tmp_path / "o")])
    assert r.exit_code == 2 and "--default" in r.output
    r = runner.invoke(app, ["trial", str(p), "--default", "--out", str(tmp_path / "o")])
    assert r.exit_code == 2
    assert not (tmp_path / "o").exists()


def test_a_failing_figure_leaves_the_data_complete_and_exits_3(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import brexsim.trial.figures as figures

    def boom(run, path):  # type: ignore[no-untyped-def]
        raise RuntimeError("no ink")

    monkeypatch.setattr(figures, "_plot_sedation", boom)
    out = tmp_path / "res"
    out.mkdir()
    (out / "report.html").write_text("a stale report of an earlier run")
    r = runner.invoke(app, ["trial", str(_write(tmp_path)), "--out", str(out), "--block", "8"])
    assert r.exit_code == 3, r.output
    assert "hamd_change_vs_placebo" in r.output  # the results table is printed first
    errors = [ln for ln in r.output.splitlines() if ln.startswith("error:")]
    assert len(errors) == 1 and "sedation.png" in errors[0] and "no ink" in errors[0]
    assert "Traceback" not in r.output
    s = json.loads((out / "summary.json").read_text())
    assert s["status"] == "complete"
    assert s["figures"] == "failed: sedation.png: RuntimeError: no ink"
    for name in ("visits.parquet", "patients.parquet", "endpoints.csv"):
        assert (out / name).stat().st_size > 0
    assert len(pd.read_csv(out / "endpoints.csv")) > 0
    # no figure of the failed drawing is kept, and the stale report is gone
    assert not any((out / f).exists() for f in ("hamd.png", "sedation.png", "report.html"))
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_out_that_is_a_file_or_unwritable_fails_before_any_computation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import brexsim.trial.run as run_mod

    def boom(*a, **k):  # type: ignore[no-untyped-def]
        raise AssertionError("computation started")

    monkeypatch.setattr(run_mod, "run_trial", boom)
    f = tmp_path / "a-file"
    f.write_text("x")
    spec = str(_write(tmp_path))
    for out, words in ((f, "an existing file"), ("/proc/brexsim-out", "can be written")):
        r = runner.invoke(app, ["trial", spec, "--out", str(out)])
        assert r.exit_code == 2, r.output
        text = " ".join(r.output.split())
        assert "--out" in text and words in text and "Traceback" not in text
    assert f.read_text() == "x"


@pytest.mark.slow
def test_default_trial_runs(tmp_path: Path) -> None:
    r = runner.invoke(app, ["trial", "--default", "--out", str(tmp_path / "s1")])
    assert r.exit_code == 0, r.output
    s = json.loads((tmp_path / "s1" / "summary.json").read_text())
    assert s["n_patients"] == 122 and s["trial"] == "study1-like"
    assert {c["arm"] for c in s["study1_comparison"]} == {"BRX90", "BRX60", "placebo"}


_PARAMS = """[meta]
model = "hand-written"

[brexanolone_pk]
cl_L_per_h_per_kg = { value = 1.5, unit = "L/h/kg", confidence = "C", description = "CL", \
source = "test" }
"""


def _params_file(tmp_path: Path, text: str = _PARAMS) -> Path:
    p = tmp_path / "params.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_bad_params_file_fails_before_any_computation(tmp_path: Path) -> None:
    out = tmp_path / "never"
    bad = _params_file(tmp_path, _PARAMS.replace('"C"', '"X"'))
    r = runner.invoke(
        app, ["trial", str(_write(tmp_path)), "--out", str(out), "--params", str(bad)]
    )
    assert r.exit_code == 2, r.output
    flat = " ".join(r.output.split())
    assert "params.toml" in flat and "confidence='X'" in flat
    assert not out.exists()


@pytest.mark.slow
def test_params_reach_the_worker_processes(tmp_path: Path) -> None:
    """--params with 2 Dask worker processes gives the visits of the in-process run with the
    same file (the workers get the overridden set), which differ from the packaged run's."""
    pytest.importorskip("distributed")
    from brexsim.params import apply_parameter_file, load_parameters

    spec, params = _write(tmp_path), _params_file(tmp_path)
    visits = {}
    for tag, extra in (
        ("w1", ["--workers", "1", "--params", str(params)]),
        ("w2", ["--workers", "2", "--params", str(params)]),
        ("packaged", ["--workers", "1"]),
    ):
        out = tmp_path / tag
        r = runner.invoke(app, ["trial", str(spec), "--out", str(out), "--block", "8", *extra])
        assert r.exit_code == 0, r.output
        visits[tag] = pd.read_parquet(out / "visits.parquet")
        s = json.loads((out / "summary.json").read_text())
        if tag != "packaged":
            ps = apply_parameter_file(load_parameters(), params)
            assert s["provenance"]["parameter_hash"] == ps.hash
            assert s["parameter_file"]["file"] == str(params)
    pd.testing.assert_frame_equal(visits["w1"], visits["w2"])
    pk = visits["w1"]["variable"] == "plasma_drug"
    assert not visits["w1"][pk]["value"].equals(visits["packaged"][pk]["value"])
