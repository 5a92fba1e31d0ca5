"""`brexsim nca` end to end: outputs; one clear error (exit 2, nothing written) per bad input."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from brexsim.analysis.nca import run_nca
from brexsim.cli import app

DATA = Path(__file__).parents[1] / "analysis" / "data"
runner = CliRunner()
REQUIRED = [
    "subject",
    "cmax",
    "tmax",
    "clast",
    "tlast",
    "auclast",
    "aucinf",
    "auc_pct_extrap",
    "lambda_z",
    "lambda_z_adj_r2",
    "lambda_z_n",
    "t_half",
    "cl",
    "vz",
    "vss",
    "flag",
]


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_nca_writes_every_output(tmp_path: Path) -> None:
    out = tmp_path / "res"
    src = DATA / "nca_handworked.csv"
    r = runner.invoke(app, ["nca", str(src), "--route", "iv", "--out", str(out)])
    assert r.exit_code == 0, r.output
    for name in ("nca.csv", "summary.csv", "nca_units.json", "report.html", "provenance.json"):
        assert (out / name).is_file(), name
    tab = pd.read_csv(out / "nca.csv", keep_default_na=False, na_values=[""])
    assert set(REQUIRED) <= set(tab.columns)
    assert tab["subject"].tolist() == ["B1", "INF"]
    # the file holds the library's numbers (CSV round trip)
    ref = run_nca(src, route="iv").subjects
    pd.testing.assert_series_equal(tab["aucinf"], ref["aucinf"], rtol=1e-12)
    summ = pd.read_csv(out / "summary.csv")
    assert {
        "parameter",
        "unit",
        "n",
        "geomean",
        "geocv_pct",
        "mean",
        "sd",
        "median",
        "min",
        "max",
    } <= set(summ.columns)
    units = json.loads((out / "nca_units.json").read_text())["units"]
    assert units["aucinf"] == "ng*h/mL" and units["cl"] == "L/h" and units["vz"] == "L"
    prov = json.loads((out / "provenance.json").read_text())
    assert prov["brexsim_version"] and prov["command"].startswith("brexsim nca")
    assert len(prov["input"]["sha256"]) == 64 and prov["settings"]["auc_method"]
    page = (out / "report.html").read_text()
    pngs = re.findall(r"data:image/png;base64,([A-Za-z0-9+/=]+)", page)
    assert pngs and base64.b64decode(pngs[0])[:4] == b"\x89PNG"
    assert "AUCinf" in r.output or "aucinf" in r.output  # the screen summary


def test_report_survives_one_subject_and_missing_lambda_z(tmp_path: Path) -> None:
    src = tmp_path / "one.csv"
    src.write_text("subject,time_h,conc\nA,0,0\nA,1,4\nA,2,3\nA,4,2\n")
    out = tmp_path / "res"
    r = runner.invoke(app, ["nca", str(src), "--out", str(out)])
    assert r.exit_code == 0, r.output
    tab = pd.read_csv(out / "nca.csv")
    assert len(tab) == 1 and pd.isna(tab.loc[0, "lambda_z"])
    assert "too few points" in tab.loc[0, "flag"] and "no dose" in tab.loc[0, "flag"]
    assert "not estimated" in (out / "report.html").read_text()
    assert "subject A" in _flat(r.output)


def test_nonmem_input_and_options(tmp_path: Path) -> None:
    out = tmp_path / "nm"
    r = runner.invoke(
        app,
        [
            "nca",
            str(DATA / "nca_nonmem.csv"),
            "--auc-method",
            "linear",
            "--blq",
            "first=0,middle=drop,last=drop",
            "--out",
            str(out),
        ],
    )
    assert r.exit_code == 0, r.output
    prov = json.loads((out / "provenance.json").read_text())
    assert prov["input"]["format"] == "nonmem"
    assert prov["settings"]["blq"] == {"first": "keep", "middle": "drop", "last": "drop"}
    assert prov["input"]["ignored_columns"] == ["SEX"]


GOOD = "subject,time_h,conc,dose_mg\nA,0,0,1\nA,1,5,1\nA,2,3,1\nA,4,2,1\nA,6,1,1\n"
BAD = [
    # (file text, expected pieces of the one error line)
    ("subject,time_h,conc\nA,-1,0\nA,1,5\n", ["time_h='-1'", "line 2", ">= 0 h"]),
    ("subject,time_h,conc\nA,0,0\nA,2,5\nA,1,3\n", ["time_h='1'", "line 4", "increasing"]),
    ("subject,time_h,conc\nA,0,0\nA,1,-5\n", ["conc='-5'", "line 3", ">= 0 ng/mL"]),
    ("subject,time_h,conc\nA,0,0\nA,1,\nA,2,3\n", ["conc=''", "line 3", "BLQ"]),
    ("subject,time_h,conc\nA,0,0\nA,1,nan\n", ["conc='nan'", "line 3"]),
    ("subject,time_h,conc\nA,0,0\nA,1,abc\n", ["conc='abc'", "line 3", "finite"]),
    ("subject,time_h,conc\nA,0,0\nA,1,5\nA,1,4\n", ["time_h='1'", "line 4", "duplicate"]),
    ("a,b\n1,2\n", ["columns=['a', 'b']", "unknown format"]),
    ("", ["empty"]),
    ("subject,time_h,conc\n", ["empty"]),
    ("subject,time_h,conc\nA,0,0\nA,1,0\n", ["subject A", "positive"]),
    ("subject,time_h,conc,dose_mg\nA,0,0,1\nA,1,5,2\n", ["dose_mg=2.0", "one value per subject"]),
    ("subject,time_h,conc,dose_mg\nA,0,0,0\nA,1,5,0\n", ["dose_mg='0'", "> 0 mg"]),
    ("subject,time_h,conc,blq\nA,0,0,2\nA,1,5,0\n", ["blq='2'", "line 2"]),
    ("ID,TIME,AMT,EVID,CMT,DV\n1,0,5,1,1,.\n1,1,0,0,2,-3\n", ["DV='-3'", "line 3"]),
    ("ID,TIME,AMT,EVID,CMT,DV\n1,0,5,3,1,.\n1,1,0,0,2,3\n", ["EVID='3'", "line 2"]),
    ("ID,TIME,AMT,EVID,CMT,DV\n1,0,5,1,1,.\n1,1,0,0,2,.\n", ["DV='.'", "MDV"]),
    ("ID,TIME,AMT,EVID,CMT,DV\n1,2,5,1,1,.\n1,1,0,0,2,3\n", ["TIME='1'", "increasing"]),
]


@pytest.mark.parametrize(("text", "pieces"), BAD)
def test_bad_input_one_error_and_nothing_written(
    tmp_path: Path, text: str, pieces: list[str]
) -> None:
    src = tmp_path / "bad.csv"
    src.write_text(text)
    out = tmp_path / "never"
    r = runner.invoke(app, ["nca", str(src), "--out", str(out)])
    assert r.exit_code == 2, r.output
    msg = _flat(r.stderr)
    assert msg.startswith("error:") and msg.count("error:") == 1 and "bad.csv" in msg, msg
    for p in pieces:
        assert p in msg, (p, msg)
    assert not out.exists()
    assert not list(tmp_path.glob(".never*"))  # no staging folder left behind


@pytest.mark.parametrize(
    ("args", "pieces"),
    [
        (["--auc-method", "log"], ["--auc-method='log'", "lin-up-log-down"]),
        (["--blq", "first=zero"], ["--blq first='zero'", "keep"]),
        (["--route", "oral"], ["--route='oral'", "extravascular"]),
        (["--min-points", "1"], ["--min-points=1", ">= 2"]),
        (["--dose-column", "amount"], ["--dose-column='amount'"]),
    ],
)
def test_bad_options(tmp_path: Path, args: list[str], pieces: list[str]) -> None:
    src = tmp_path / "good.csv"
    src.write_text(GOOD)
    out = tmp_path / "never"
    r = runner.invoke(app, ["nca", str(src), *args, "--out", str(out)])
    assert r.exit_code == 2, r.output
    msg = _flat(r.stderr)
    for p in pieces:
        assert p in msg, (p, msg)
    assert not out.exists()


def test_missing_file(tmp_path: Path) -> None:
    r = runner.invoke(app, ["nca", str(tmp_path / "nope.csv"), "--out", str(tmp_path / "o")])
    assert r.exit_code == 2 and "nope.csv" in _flat(r.stderr)
