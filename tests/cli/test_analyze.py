"""`brexsim analyze` end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from brexsim.analysis.data import read_biomarkers
from brexsim.analysis.stats import compute_change_table
from brexsim.cli import app

DATA = Path(__file__).parents[1] / "analysis" / "data"
runner = CliRunner()


def test_analyze_writes_table_report_and_summary(tmp_path: Path) -> None:
    out = tmp_path / "res"
    src = DATA / "handmade_long.csv"
    r = runner.invoke(app, ["analyze", str(src), "--post-h", "60", "--out", str(out)])
    assert r.exit_code == 0, r.output
    for name in (
        "table.csv",
        "missing.csv",
        "hamd.csv",
        "mixed.csv",
        "forest.png",
        "spaghetti.png",
        "correlation.png",
        "report.html",
        "summary.json",
    ):
        assert (out / name).is_file(), name
    tab = pd.read_csv(out / "table.csv")
    need = [
        "analyte",
        "stimulus",
        "time_h",
        "n",
        "mean_change",
        "p_ttest",
        "p_wilcoxon",
        "q_fdr",
        "r_pearson",
        "p_pearson",
        "r_spearman",
        "p_spearman",
        "dz",
        "dz_ci_low",
        "dz_ci_high",
        "r_pearson_ci_low",
        "r_pearson_ci_high",
    ]
    assert set(need) <= set(tab.columns)
    assert set(tab["time_h"]) == {60.0}
    # the file holds the same numbers as the library call (CSV round trip to 1e-12)
    ref = compute_change_table(read_biomarkers(src), post_h=60)
    pd.testing.assert_series_equal(tab["p_ttest"], ref["p_ttest"], rtol=1e-12)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["provenance"]["parameter_hash"]
    assert summary["settings"]["transform"] == "raw"
    assert summary["input"]["sha256"]
    html = (out / "report.html").read_text()
    assert html.count("data:image/png;base64,") == 3 and "Not a diagnostic test" in html
    assert "<script" not in html and 'src="http' not in html  # self-contained


def test_analyze_log_transform_all_times_no_mixed(tmp_path: Path) -> None:
    out = tmp_path / "res"
    r = runner.invoke(
        app,
        [
            "analyze",
            str(DATA / "handmade_wide.csv"),
            "--transform",
            "log",
            "--no-mixed",
            "--out",
            str(out),
        ],
    )
    assert r.exit_code == 0, r.output
    tab = pd.read_csv(out / "table.csv")
    assert set(tab["time_h"]) == {24.0, 60.0} and (tab["transform"] == "log").all()
    assert not (out / "mixed.csv").exists()


def test_analyze_bad_file_gives_one_error_and_writes_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    lines = (DATA / "handmade_long.csv").read_text().splitlines()
    lines[3] = lines[3].replace("pg/mL", "pg/dL")
    bad.write_text("\n".join(lines[:1] + lines[4:] + lines[3:4]) + "\n")  # P01 TNFa 0h moved
    out = tmp_path / "res"
    r = runner.invoke(app, ["analyze", str(bad), "--out", str(out)])
    assert r.exit_code == 2
    assert "error:" in r.output and "unit" in r.output and "pg/dL" in r.output
    assert not out.exists()


def test_analyze_bad_options(tmp_path: Path) -> None:
    src = str(DATA / "handmade_long.csv")
    r = runner.invoke(app, ["analyze", src, "--transform", "sqrt", "--out", str(tmp_path / "a")])
    assert r.exit_code == 2 and "--transform" in r.output
    r = runner.invoke(app, ["analyze", src, "--post-h", "48", "--out", str(tmp_path / "b")])
    assert r.exit_code == 2 and "24, 60 h" in r.output


def _long(tmp_path: Path, name: str, keep=None, value=None) -> Path:  # type: ignore[no-untyped-def]
    df = pd.read_csv(DATA / "handmade_long.csv", dtype=str)
    if keep is not None:
        df = df[keep(df)]
    if value is not None:
        df["value"] = value
    p = tmp_path / name
    df.to_csv(p, index=False)
    return p


def test_baseline_rows_only_is_one_clear_error(tmp_path: Path) -> None:
    p = _long(tmp_path, "base.csv", keep=lambda d: d["time_h"].astype(float) == 0.0)
    r = runner.invoke(app, ["analyze", str(p), "--out", str(tmp_path / "o")])
    assert r.exit_code == 2, r.output
    text = " ".join(r.output.split())
    assert "only baseline rows found" in text and "Traceback" not in text
    assert not (tmp_path / "o").exists()


def test_all_missing_values_is_one_clear_error_not_empty_tables(tmp_path: Path) -> None:
    p = _long(tmp_path, "nan.csv", value="")
    r = runner.invoke(app, ["analyze", str(p), "--out", str(tmp_path / "o")])
    assert r.exit_code == 2, r.output
    text = " ".join(r.output.split())
    assert "no complete pair" in text and "every pair has a missing value" in text
    assert not (tmp_path / "o").exists()


def test_out_that_is_a_file_or_unwritable_is_one_clear_error(tmp_path: Path) -> None:
    src = str(DATA / "handmade_long.csv")
    f = tmp_path / "f"
    f.write_text("keep")
    for out, words in ((f, "existing file"), ("/proc/brexsim", "can be written")):
        r = runner.invoke(app, ["analyze", src, "--no-mixed", "--out", str(out)])
        text = " ".join(r.output.split())
        assert r.exit_code == 2 and words in text and "Traceback" not in text
    assert f.read_text() == "keep"


def test_a_failing_plot_keeps_the_tables_and_exits_3(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import brexsim.analysis.report as report

    def boom(*a, **k):  # type: ignore[no-untyped-def]
        raise RuntimeError("no subjects to draw")

    monkeypatch.setattr(report, "plot_spaghetti", boom)
    out = tmp_path / "res"
    src = str(DATA / "handmade_long.csv")
    r = runner.invoke(app, ["analyze", src, "--no-mixed", "--out", str(out)])
    assert r.exit_code == 3, r.output
    text = " ".join(r.output.split())
    assert "drawing spaghetti.png failed" in text and "Traceback" not in text
    s = json.loads((out / "summary.json").read_text())
    assert s["status"] == "complete"
    assert s["figures"] == "failed: spaghetti.png: RuntimeError: no subjects to draw"
    assert len(pd.read_csv(out / "table.csv")) > 0 and (out / "hamd.csv").is_file()
    assert not (out / "forest.png").exists() and not (out / "report.html").exists()
