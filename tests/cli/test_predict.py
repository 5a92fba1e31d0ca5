"""`brexsim predict train` and `brexsim predict apply`."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from brexsim.analysis.data import make_example_dataset
from brexsim.cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("pred")
    make_example_dataset(seed=7, n_subjects=40, times_h=(0.0, 24.0, 60.0)).to_csv(
        root / "train.csv", index=False
    )
    make_example_dataset(seed=8, n_subjects=3, times_h=(0.0, 24.0)).to_csv(
        root / "new.csv", index=False
    )
    r = runner.invoke(
        app,
        [
            "predict",
            "train",
            str(root / "train.csv"),
            "--early-h",
            "24",
            "--outcome-h",
            "60",
            "--repeats",
            "2",
            "--out",
            str(root / "model"),
        ],
    )
    assert r.exit_code == 0, r.output
    return root


def test_train_writes_model_and_metrics(trained: Path) -> None:
    m = trained / "model"
    for name in (
        "model.joblib",
        "summary.json",
        "cv_predictions.csv",
        "calibration.png",
        "report.html",
    ):
        assert (m / name).is_file(), name
    s = json.loads((m / "summary.json").read_text())
    assert set(s["cv"]) == {"logistic", "forest"}
    assert s["outcome"] == "response" and s["early_h"] == 24.0 and s["n_train"] == 40
    assert 0.0 <= s["cv"]["logistic"]["auc"] <= 1.0
    assert s["provenance"]["seed"] == 0


def test_apply_from_file_and_from_values(trained: Path, tmp_path: Path) -> None:
    model = str(trained / "model")
    out = tmp_path / "p.csv"
    r = runner.invoke(
        app, ["predict", "apply", model, "--data", str(trained / "new.csv"), "--out", str(out)]
    )
    assert r.exit_code == 0, r.output
    preds = pd.read_csv(out)
    assert list(preds["subject"]) == ["S001", "S002", "S003"]
    assert preds["probability"].between(0, 1).all()
    # the same patient typed in as --baseline/--early values gives the same probability
    new = pd.read_csv(trained / "new.csv")
    s1 = new[(new["subject"] == "S001") & (new["analyte"] != "HAMD17")]
    args = []
    for row in s1.itertuples(index=False):
        opt = "--baseline" if row.time_h == 0 else "--early"
        args += [opt, f"{row.analyte}:{row.stimulus}={row.value!r}"]
    out2 = tmp_path / "p2.csv"
    r = runner.invoke(app, ["predict", "apply", model, *args, "--out", str(out2)])
    assert r.exit_code == 0, r.output
    p2 = pd.read_csv(out2)["probability"].iloc[0]
    assert p2 == pytest.approx(preds["probability"].iloc[0], abs=1e-12)
    r = runner.invoke(app, ["predict", "apply", model, "--change", "TNFa:LPS=-0.5"])
    assert r.exit_code == 0 and "P(response)" in r.output and "imputed" in r.output


def test_apply_errors(trained: Path) -> None:
    model = str(trained / "model")
    r = runner.invoke(app, ["predict", "apply", model])
    assert r.exit_code == 2 and "exactly one of" in r.output
    r = runner.invoke(app, ["predict", "apply", model, "--baseline", "TNFa=5"])
    assert r.exit_code == 2 and "--early" in r.output
    r = runner.invoke(app, ["predict", "apply", model, "--change", "TNFa:PMA=1"])
    assert r.exit_code == 2 and "stimulus" in r.output
    r = runner.invoke(app, ["predict", "apply", str(trained / "train.csv"), "--change", "a=1"])
    assert r.exit_code == 2 and "model" in r.output


def test_train_errors(trained: Path, tmp_path: Path) -> None:
    src = str(trained / "train.csv")
    r = runner.invoke(
        app,
        [
            "predict",
            "train",
            src,
            "--early-h",
            "24",
            "--outcome-h",
            "60",
            "--outcome",
            "relapse",
            "--out",
            str(tmp_path / "m"),
        ],
    )
    assert r.exit_code == 2 and "outcome" in r.output
    assert not (tmp_path / "m").exists()
    r = runner.invoke(
        app,
        [
            "predict",
            "train",
            src,
            "--early-h",
            "30",
            "--outcome-h",
            "60",
            "--out",
            str(tmp_path / "m"),
        ],
    )
    assert r.exit_code == 2 and "early_h" in r.output
