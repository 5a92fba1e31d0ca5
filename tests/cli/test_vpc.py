"""``brexsim vpc`` end to end: outputs, a self-check against the model, one clear error per bad
input (exit 2, nothing written) and exit 3 when a figure fails after the data are written."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from brexsim.analysis.vpc import VPC_COLUMNS
from brexsim.cli import app

runner = CliRunner()
DATA = Path(__file__).parents[1] / "analysis" / "data"

SPEC = """
[trial]
name = "vpc-cli-test"
seed = 11

[[arms]]
name = "BRX90"
regimen = "zulresso"
n = {n}

[[arms]]
name = "placebo"
regimen = "placebo"
n = {n}

[visits]
times_h = [0, 24, 60, 72]

[observations]
pk_times_h = [4, 24, 60, 62, 72]
"""


def _spec(tmp_path: Path, n: int = 15, body: str = SPEC) -> Path:
    p = tmp_path / "spec.toml"
    p.write_text(body.format(n=n), encoding="utf-8")
    return p


def _flat(text: str) -> str:
    return " ".join(text.split())


def _fake_observations(spec, replicates=None, seed=None, params=None, chunk=128):  # type: ignore[no-untyped-def]
    """A fast stand-in for the model: lognormal DV around a fixed curve per arm."""
    rows = []
    reps = replicates or spec.replicates
    for r in range(reps):
        rng = np.random.default_rng([seed or spec.seed, r])
        for j, arm in enumerate(spec.arms):
            for k in range(arm.n):
                for dvid, times in (
                    ("conc", spec.observations.pk_times_h),
                    ("hamd", spec.visits_h),
                ):
                    for t in times:
                        pred = (
                            0.0
                            if arm.regimen_name == "placebo" and dvid == "conc"
                            else 10.0 + t / 10
                        )
                        dv = pred * rng.lognormal(0, 0.3) if pred > 0 else 0.1
                        blq = dvid == "conc" and dv < 0.78
                        rows.append(
                            (
                                r,
                                arm.name,
                                j * 1000 + k,
                                float(t),
                                dvid,
                                np.nan if blq else dv,
                                pred,
                                pred,
                                blq,
                                0.78 if dvid == "conc" else np.nan,
                                "ng/mL" if dvid == "conc" else "points",
                            )
                        )
    cols = [
        "replicate",
        "arm",
        "subject",
        "time_h",
        "dvid",
        "dv",
        "ipred",
        "pred",
        "blq",
        "lloq",
        "unit",
    ]
    return pd.DataFrame(rows, columns=cols)


@pytest.fixture
def fake_model(monkeypatch: pytest.MonkeyPatch) -> None:
    import brexsim.trial.observe as observe

    monkeypatch.setattr(observe, "simulate_observations", _fake_observations)


def test_self_check_and_the_same_study_read_back_from_a_file(tmp_path: Path) -> None:
    """The real model: a simulated observed study (seed 99) against 20 replicates (seed 11);
    the observed study written to observed.csv and read back as OBSERVED gives the same pcVPC
    (PRED recomputed for the file's records equals the simulation's PRED)."""
    spec = _spec(tmp_path)
    common = [
        "--spec",
        str(spec),
        "--replicates",
        "20",
        "--ci",
        "0.9",
        "--dvid",
        "conc,hamd",
        "--stratify",
        "arm",
        "--pred-corrected",
    ]
    a = tmp_path / "self"
    r = runner.invoke(app, ["vpc", "--simulated-observed", "99", "--out", str(a), *common])
    assert r.exit_code == 0, r.output
    assert {
        "vpc.csv",
        "summary.json",
        "observed.csv",
        "vpc_conc.png",
        "vpc_hamd.png",
        "report.html",
    } <= {p.name for p in a.iterdir()}
    s = json.loads((a / "summary.json").read_text())
    assert s["status"] == "complete" and s["figures"] == "complete"
    assert s["provenance"]["seed"] == 11 and s["input"]["observed_seed"] == 99
    assert [v["dvid"] for v in s["vpc"]] == ["conc", "hamd"]
    assert (a / "vpc_conc.png").read_bytes()[:4] == b"\x89PNG"
    assert (a / "report.html").read_text().count("<img") == 2
    t = pd.read_csv(a / "vpc.csv")
    assert list(t.columns) == list(VPC_COLUMNS)
    obs = pd.read_csv(a / "observed.csv")
    assert set(obs["replicate"]) == {0} and len(obs[obs.dvid == "conc"]) == 2 * 15 * 5
    # placebo concentrations have PRED = 0: left out of the pcVPC, observed and simulated
    conc = next(v for v in s["vpc"] if v["dvid"] == "conc")
    assert conc["strata"] == ["BRX90"]
    assert conc["excluded"]["observed: PRED <= 0 (not correctable)"] == 15 * 5
    b = tmp_path / "file"
    r = runner.invoke(app, ["vpc", str(a / "observed.csv"), "--out", str(b), *common])
    assert r.exit_code == 0, r.output
    tb = pd.read_csv(b / "vpc.csv")
    num = ["observed", "sim_low", "sim_median", "sim_high", "time_h", "n_obs"]
    pd.testing.assert_frame_equal(t[num], tb[num], rtol=1e-8)
    assert (t["observed_inside"].astype(str) == tb["observed_inside"].astype(str)).all()


def test_outputs_with_a_nonmem_file_pooled(tmp_path: Path, fake_model: None) -> None:
    out = tmp_path / "res"
    r = runner.invoke(
        app,
        [
            "vpc",
            str(DATA / "vpc_nonmem.csv"),
            "--spec",
            str(_spec(tmp_path, 3)),
            "--out",
            str(out),
            "--replicates",
            "40",
            "--bins",
            "0,10,30,80",
        ],
    )
    assert r.exit_code == 0, r.output
    t = pd.read_csv(out / "vpc.csv")
    assert set(t["dvid"]) == {"conc", "hamd"} and set(t["stratum"]) == {"all"}
    assert sorted(set(t["bin_low_h"])) == [0.0, 10.0, 30.0]
    s = json.loads((out / "summary.json").read_text())
    assert s["input"]["format"] == "nonmem" and s["input"]["observed_arms"] == ["BRX90", "placebo"]
    conc = next(v for v in s["vpc"] if v["dvid"] == "conc")
    assert conc["n_observed"] == 4 and conc["n_observed_blq"] == 3
    assert "observed.csv" not in {p.name for p in out.iterdir()}


def test_figure_failure_keeps_the_data_and_exits_3(
    tmp_path: Path, fake_model: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    import brexsim.analysis.vpc.plot as plot

    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("no ink")

    monkeypatch.setattr(plot, "plot_vpc", broken)
    out = tmp_path / "res"
    r = runner.invoke(
        app,
        [
            "vpc",
            "--simulated-observed",
            "5",
            "--spec",
            str(_spec(tmp_path, 3)),
            "--out",
            str(out),
            "--replicates",
            "40",
        ],
    )
    assert r.exit_code == 3, r.output
    assert "vpc_conc.png" in _flat(r.stderr) and "no ink" in _flat(r.stderr)
    s = json.loads((out / "summary.json").read_text())
    assert s["figures"].startswith("failed: vpc_conc.png")
    assert (out / "vpc.csv").is_file() and not (out / "report.html").exists()


PLACEBO_SPEC = SPEC.replace(
    'name = "BRX90"\nregimen = "zulresso"', 'name = "P2"\nregimen = "placebo"'
)
NO_PK_SPEC = SPEC.replace("[observations]\npk_times_h = [4, 24, 60, 62, 72]\n", "")


@pytest.mark.parametrize(
    ("args", "pieces"),
    [
        ([], ["OBSERVED", "--simulated-observed SEED"]),
        (["OBS", "--simulated-observed", "3"], ["OBSERVED", "(one)"]),
        (["--simulated-observed", "11"], ["--simulated-observed=11", "other than"]),
        (["--simulated-observed", "3", "--replicates", "10"], ["--replicates=10", ">= 40"]),
        (["--simulated-observed", "3", "--ci", "1.5"], ["--ci=1.5"]),
        (["--simulated-observed", "3", "--pi", "0.5,0.05"], ["--pi", "increasing"]),
        (["--simulated-observed", "3", "--bins", "weekly"], ["--bins='weekly'", "jenks[:N]"]),
        (["--simulated-observed", "3", "--bins", "5,1"], ["bins", "strictly increasing"]),
        (["--simulated-observed", "3", "--stratify", "sex"], ["--stratify='sex'", "arm"]),
        (["--simulated-observed", "3", "--dvid", "cortisol"], ["--dvid='cortisol'", "bdnf"]),
        (["--simulated-observed", "3", "--dvid", "conc", "NOPK"], ["--dvid='conc'", "observes"]),
        (["BADDVID"], ["DVID='7'", "line 3", "1 conc"]),
        (["OBS", "--stratify", "arm"], ["ARM", "--stratify arm"]),
        (["OBS", "--dvid", "tnf"], ["--dvid='tnf'", "observed records"]),
        (["MISSING"], ["OBSERVED", "existing file"]),
        (
            ["--simulated-observed", "3", "--dvid", "conc", "--pred-corrected", "PLACEBO"],
            ["--pred-corrected='conc'", "PRED > 0"],
        ),
    ],
)
def test_bad_input_one_line_exit_2_nothing_written(
    tmp_path: Path, fake_model: None, args: list[str], pieces: list[str]
) -> None:
    obs = tmp_path / "obs.csv"
    obs.write_text("ID,TIME,DV,DVID\n1,4,10,conc\n1,24,12,hamd\n", encoding="utf-8")
    bad = tmp_path / "bad.csv"
    bad.write_text("ID,TIME,DV,DVID\n1,4,10,conc\n1,24,12,7\n", encoding="utf-8")
    body = NO_PK_SPEC if "NOPK" in args else PLACEBO_SPEC if "PLACEBO" in args else SPEC
    spec = _spec(tmp_path, 3, body)
    subst = {"OBS": str(obs), "BADDVID": str(bad), "MISSING": str(tmp_path / "nope.csv")}
    argv = [subst.get(a, a) for a in args if a not in ("NOPK", "PLACEBO")]
    out = tmp_path / "never"
    r = runner.invoke(app, ["vpc", *argv, "--spec", str(spec), "--out", str(out)])
    assert r.exit_code == 2, r.output
    msg = _flat(r.stderr)
    assert msg.startswith("error:") and msg.count("error:") == 1, msg
    for p in pieces:
        assert p in msg, (p, msg)
    assert not out.exists()
    assert not list(tmp_path.glob(".never*"))
