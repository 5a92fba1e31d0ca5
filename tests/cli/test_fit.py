"""brexsim fit: the pheno dataset end to end against NONMEM's FOCE-I result, the report, the VPC,
figure failures (data kept, exit 3), --hypothesis and bad input."""

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from brexsim.analysis.vpc import VPC_COLUMNS
from brexsim.cli import app

runner = CliRunner()
PHENO = Path(__file__).parents[1] / "estimation" / "data" / "pheno" / "pheno.dta"
NONMEM_OFV = 586.27605628520962


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_fit_pheno_focei_writes_estimates_report_and_vpc(tmp_path):
    out = tmp_path / "fit"
    r = runner.invoke(
        app,
        ["fit", str(PHENO), "--model", "pheno", "--method", "focei", "--out", str(out),
         "--vpc-samples", "40", "--seed", "3"],
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    est = json.loads((out / "estimates.json").read_text())
    assert est["method"] == "focei" and est["converged"] is True
    assert est["status"] == "complete" and est["figures"] == "complete"
    assert abs(est["ofv"] - NONMEM_OFV) < 0.1
    th1 = est["parameters"]["THETA1"]
    assert abs(th1["estimate"] / 4.69555e-03 - 1) < 0.02
    assert abs(th1["se"] / 2.09967e-04 - 1) < 0.1
    # provenance: hypothesis, seed, input hash (report and provenance.json agree)
    prov = json.loads((out / "provenance.json").read_text())
    sha = hashlib.sha256(PHENO.read_bytes()).hexdigest()
    assert prov["input"]["sha256"] == sha and prov["seed"] == 3 and prov["hypothesis"] == "gaba"
    page = (out / "report.html").read_text()
    for text in (
        sha,
        prov["parameter_hash"],
        prov["brexsim_version"],
        "RSE (%)",
        "THETA1",
        f"{est['ofv']:.6g}",
        f"{est['aic']:.6g}",
        "ETA_CL",
        "VPC: DVID1",
        "--seed 3",
    ):
        assert text in page, text
    assert page.count("<img") == 2  # gof.png and vpc.png embedded
    # VPC: the 155 pheno concentrations, 5/50/95 % against 40 replicate studies
    vpc = pd.read_csv(out / "vpc.csv")
    assert tuple(vpc.columns) == VPC_COLUMNS
    assert set(vpc["statistic"]) == {"p5", "p50", "p95"}
    assert vpc.loc[vpc.statistic == "p50", "n_obs"].sum() == 155
    assert (vpc["sim_low"] <= vpc["sim_high"]).all()
    assert (out / "vpc.png").read_bytes()[:4] == b"\x89PNG"
    assert est["vpc"]["replicates"] == 40 and est["vpc"]["dvids"] == ["DVID1"]


def test_figure_failure_keeps_the_data_and_exits_3(tmp_path, monkeypatch):
    import brexsim.estimation.outputs as outputs

    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("no ink")

    monkeypatch.setattr(outputs, "write_gof_plots", broken)
    out = tmp_path / "fit"
    r = runner.invoke(
        app,
        ["fit", str(PHENO), "--model", "pheno", "--out", str(out), "--starts", "1",
         "--vpc-samples", "0"],
    )  # fmt: skip
    assert r.exit_code == 3, r.output
    assert "gof.png" in _flat(r.stderr) and "no ink" in _flat(r.stderr)
    est = json.loads((out / "estimates.json").read_text())
    assert est["figures"].startswith("failed: gof.png") and est["converged"] is True
    names = {p.name for p in out.iterdir()}
    assert {"estimates.json", "parameters.csv", "individual.csv", "provenance.json"} <= names
    assert not names & {"report.html", "gof.png", "vpc.csv", "vpc.png"}


def test_fit_bad_method_and_missing_file(tmp_path):
    out = tmp_path / "never"
    r = runner.invoke(
        app, ["fit", str(PHENO), "--model", "pheno", "--method", "saem", "--out", str(out)]
    )
    assert r.exit_code == 2 and "saem" in r.output
    r = runner.invoke(app, ["fit", str(tmp_path / "no.csv"), "--model", "pheno", "--out", str(out)])
    assert r.exit_code == 2
    assert not out.exists()


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        (["--vpc-samples", "10"], "--vpc-samples"),
        (["--hypothesis", "no-such"], "no-such"),
        (["--hypothesis", "neuroimmune"], "layer model"),
    ],
)
def test_bad_vpc_samples_and_hypothesis_exit_2_before_fitting(tmp_path, extra, needle):
    out = tmp_path / "never"
    r = runner.invoke(app, ["fit", str(PHENO), "--model", "pheno", "--out", str(out), *extra])
    assert r.exit_code == 2, r.output
    assert needle in _flat(r.output)
    assert not out.exists()


def test_layer_model_takes_the_hypothesis_parameters():
    from brexsim.cli.fit import load_fit_model
    from brexsim.hypotheses import apply_hypothesis
    from brexsim.params import load_parameters

    m0, ps0 = load_fit_model("brexanolone_pk", "gaba")
    m1, ps1 = load_fit_model("brexanolone_pk", "neuroimmune")
    assert ps1.hash == apply_hypothesis(load_parameters(), "neuroimmune").hash != ps0.hash
    from brexsim.params.popmodel import get_population_model

    pm = get_population_model("brexanolone_pk")
    assert [t.init for t in m1.thetas] == [ps1.value(t.param) for t in pm.thetas]
    assert m1.thetas == m0.thetas  # the overlays touch HAM-D / TLR rows, not the PK ones


def _brexanolone_file(tmp_path: Path) -> Path:
    from brexsim.estimation.models import load_model
    from brexsim.estimation.simulate import make_infusion_design, simulate_data

    d = simulate_data(load_model("brexanolone_pk"), make_infusion_design(3, seed=1), seed=2)
    rows = []
    for i, sid in enumerate(d.ids):
        wt = float(d.covariates["WT"][i])
        k = d.dose_before[i].any(axis=0)
        for t, a, rt in zip(d.dose_time[i][k], d.amt[i][k], d.rate[i][k], strict=True):
            rows.append((sid, t, a, rt, 1, 0.0, wt))
        j = d.obs_mask[i]
        rows += [
            (sid, t, 0.0, 0.0, 0, dv, wt)
            for t, dv in zip(d.obs_time[i][j], d.dv[i][j], strict=True)
        ]
    df = pd.DataFrame(rows, columns=["ID", "TIME", "AMT", "RATE", "EVID", "DV", "WT"])
    df = df.sort_values(["ID", "TIME", "EVID"], ascending=[True, True, False], kind="stable")
    path = tmp_path / "brx.csv"
    df.to_csv(path, index=False)
    return path


def test_hypothesis_recorded_and_non_convergence_said(tmp_path, monkeypatch):
    """A brexanolone fit under `neuroimmune`, stopped after 2 iterations: provenance names the
    hypothesis and its parameter hash; estimates.json, the screen and the report say the fit
    did not converge."""
    import brexsim.estimation.fitting as fitting
    from brexsim.hypotheses import apply_hypothesis
    from brexsim.params import load_parameters

    real = fitting.fit_model
    monkeypatch.setattr(fitting, "fit_model", lambda *a, **k: real(*a, **k, maxiter=2))
    out = tmp_path / "fit"
    r = runner.invoke(
        app,
        ["fit", str(_brexanolone_file(tmp_path)), "--model", "brexanolone_pk", "--out", str(out),
         "--starts", "1", "--vpc-samples", "0", "--hypothesis", "neuroimmune"],
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    prov = json.loads((out / "provenance.json").read_text())
    assert prov["hypothesis"] == "neuroimmune"
    assert prov["parameter_hash"] == apply_hypothesis(load_parameters(), "neuroimmune").hash
    est = json.loads((out / "estimates.json").read_text())
    assert est["converged"] is False and est["hypothesis"] == "neuroimmune"
    assert any(w.startswith("NotConverged") for w in est["warnings"])
    assert "not converged" in _flat(r.output)
    page = (out / "report.html").read_text()
    assert "NOT CONVERGED" in page and "neuroimmune" in page and "VPC:" not in page
    assert not (out / "vpc.csv").exists()
    assert np.isfinite(est["ofv"])
