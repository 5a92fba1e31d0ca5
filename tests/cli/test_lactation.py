"""``brexsim lactation``: the printed table, the three files with provenance, and bad input."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from brexsim.cli import app
from brexsim.params import load_parameters
from brexsim.pk.lactation import simulate_lactation

runner = CliRunner()


def test_lactation_writes_csv_summary_and_png(tmp_path) -> None:
    out = tmp_path / "res"
    r = runner.invoke(app, ["lactation", "--regimen", "zulresso", "--out", str(out)])
    assert r.exit_code == 0, r.output
    text = " ".join(r.output.split())
    for phrase in ("max milk concentration", "max RID", "after the end of dosing", "cumulative"):
        assert phrase in text, phrase
    assert "not advice on breastfeeding" in text
    assert sorted(p.name for p in out.iterdir()) == [
        "lactation.csv",
        "lactation.png",
        "summary.json",
    ]
    s = json.loads((out / "summary.json").read_text())
    ref = simulate_lactation("zulresso", 70.0)
    assert s["max_rid_pct"] == pytest.approx(ref.max_rid_pct)
    assert s["time_below_threshold_after_dosing_h"] == pytest.approx(ref.time_below_threshold_h)
    assert s["threshold_ng_per_ml"] == load_parameters().value(
        "lactation.brexanolone_milk_loq_ng_per_ml"
    )
    assert f"{s['max_rid_pct']:.4g}" in r.output
    prov = s["provenance"]
    assert prov["parameter_hash"] == load_parameters().hash
    assert prov["brexsim_version"] and prov["command"].startswith("brexsim lactation")
    assert "breastfeeding" in s["disclaimer"]
    assert s["published_rid_pct"][0]["low"] == 1.0
    df = pd.read_csv(out / "lactation.csv")
    assert list(df.columns) == [
        "time_h",
        "plasma_ng_per_ml",
        "milk_ng_per_ml",
        "infant_dose_rate_ug_per_kg_day",
        "infant_daily_dose_ug_per_kg",
        "rid_pct",
    ]
    assert df["rid_pct"].isna().iloc[0] and df["rid_pct"].max() == pytest.approx(
        ref.rid_pct[pd.notna(ref.rid_pct)].max()
    )
    assert (out / "lactation.png").stat().st_size > 20_000


def test_lactation_oral_reports_steady_state_and_threshold(tmp_path) -> None:
    r = runner.invoke(
        app,
        [
            "lactation",
            "--regimen",
            "zuranolone-50mg",
            "--weight-kg",
            "80",
            "--threshold-ng-ml",
            "2",
            "--out",
            str(tmp_path),
        ],
    )
    assert r.exit_code == 0, r.output
    assert "steady-state RID" in r.output
    s = json.loads((tmp_path / "summary.json").read_text())
    assert s["threshold_ng_per_ml"] == 2.0 and s["weight_kg"] == 80.0
    assert s["steady_state_rid_pct"] > 0 and s["max_rid_instantaneous_pct"] is None
    assert s["dosing_end_h"] == 312.0


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--regimen", "zulresso", "--weight-kg", "-3"], "weight_kg=-3.0"),
        (["--regimen", "zulresso", "--threshold-ng-ml", "0"], "threshold_ng_per_ml=0.0"),
        (["--regimen", "no-such-regimen"], "regimen='no-such-regimen'"),
        (["--regimen", "placebo"], "not placebo"),
    ],
)
def test_bad_input_one_error_line_and_nothing_written(tmp_path, args, needle) -> None:
    out = tmp_path / "never"
    r = runner.invoke(app, ["lactation", *args, "--out", str(out)])
    assert r.exit_code == 2, r.output
    assert needle in r.output
    assert r.output.strip().startswith("error:") and "Traceback" not in r.output
    assert not out.exists()


def test_unknown_drug_in_a_regimen_file(tmp_path) -> None:
    f = tmp_path / "other.toml"
    f.write_text('name = "x"\ndrug = "sertraline"\noral_doses = [{time_h = 0.0, mg = 50.0}]\n')
    out = tmp_path / "never"
    r = runner.invoke(app, ["lactation", "--regimen", str(f), "--out", str(out)])
    assert r.exit_code == 2 and "drug" in r.output
    assert not out.exists()
