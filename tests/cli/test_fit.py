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
    # pheno states its own parameters: no fitted-parameter file, and estimates.json says why
    assert est["fitted_parameters"] is None and "pheno" in est["fitted_parameters_reason"]
    assert not (out / "fitted_parameters.toml").exists()
    assert "fitted_parameters.toml" not in est["outputs"]["data"]


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


def _brexanolone_file(tmp_path: Path, n: int = 3, theta_factors: dict | None = None) -> Path:
    """NONMEM data of ``n`` subjects on the 60-h regimen, simulated from the brexanolone PK
    model at the table values with each θ named in ``theta_factors`` multiplied by its factor."""
    from brexsim.estimation.model import (
        get_initial_vector,
        get_parameter_names,
        to_natural,
        with_estimates,
    )
    from brexsim.estimation.models import load_model
    from brexsim.estimation.simulate import make_infusion_design, simulate_data

    m = load_model("brexanolone_pk")
    nat = np.array(to_natural(m, get_initial_vector(m)), dtype=float)
    for name, f in (theta_factors or {}).items():
        nat[get_parameter_names(m).index(name)] *= f
    d = simulate_data(with_estimates(m, nat), make_infusion_design(n, seed=1), seed=2)
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
    df.to_csv(path, index=False, float_format="%.10g")
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


# --- carrying a fit into simulate and trial (--params) -------------------------------------

#: The θ of the simulated data, as factors of the table values (so a fit moves them).
TRUE_FACTORS = {"CL": 1.3, "V1": 0.8}


@pytest.fixture(scope="module")
def brexanolone_fit(tmp_path_factory):  # type: ignore[no-untyped-def]
    """A FOCE-I fit of 4 simulated subjects whose CL and V1 differ from the tables."""
    tmp = tmp_path_factory.mktemp("handoff")
    data = _brexanolone_file(tmp, n=4, theta_factors=TRUE_FACTORS)
    out = tmp / "fit"
    r = runner.invoke(
        app,
        ["fit", str(data), "--model", "brexanolone_pk", "--out", str(out), "--starts", "1",
         "--vpc-samples", "0", "--seed", "5"],
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    return data, out, r.output


def test_fit_writes_the_fitted_parameter_file_of_the_estimates(brexanolone_fit):
    from brexsim.params import load_parameters, read_parameter_file
    from brexsim.params.overlay import get_parameter_file_meta
    from brexsim.params.popmodel import get_population_model

    data, out, output = brexanolone_fit
    path = out / "fitted_parameters.toml"
    assert "--params file" in output and "fitted_parameters.toml" in _flat(output)
    est = json.loads((out / "estimates.json").read_text())
    assert est["fitted_parameters"] == "fitted_parameters.toml"
    assert est["fitted_parameters_reason"] is None
    assert "fitted_parameters.toml" in est["outputs"]["data"]
    rows = {r.name: r for r in read_parameter_file(path)}
    pm = get_population_model("brexanolone_pk")
    expected = {t.param: t.name for t in pm.thetas}
    expected.update({e.omega: f"OMEGA{k + 1}{k + 1}" for k, e in enumerate(pm.etas)})
    expected.update({pm.sigmas[0].prop: "SIGMA_PROP", pm.sigmas[0].add: "SIGMA_ADD"})
    assert set(rows) == set(expected)
    table = load_parameters()
    sha = hashlib.sha256(data.read_bytes()).hexdigest()
    for row, name in expected.items():
        assert rows[row].value == est["parameters"][name]["estimate"], row
        assert rows[row].unit == table[row].unit and rows[row].confidence == "C"
        assert rows[row].description == table[row].description
        src = rows[row].source
        assert "brexsim fit (focei)" in src and sha in src and "seed 5" in src, src
        assert f"OFV {est['ofv']:.4f}" in src
    meta = get_parameter_file_meta(path)
    assert meta["model"] == "brexanolone_pk" and meta["method"] == "focei"
    assert meta["data_sha256"] == sha and meta["converged"] is est["converged"]
    assert meta["brexsim_version"] and meta["ofv"] == est["ofv"]


def test_fitted_parameters_drive_simulate(brexanolone_fit, tmp_path):
    """simulate --params: the plasma concentrations are those of simulate_pk with the fitted
    rows applied, differ from the packaged run, and the provenance names the file."""
    from brexsim.dosing import get_preset
    from brexsim.params import apply_parameter_file, load_parameters
    from brexsim.pk import get_default_times, simulate_pk

    data, fit_out, _ = brexanolone_fit
    path = fit_out / "fitted_parameters.toml"
    fitted = apply_parameter_file(load_parameters(), path)
    cl = "brexanolone_pk.cl_L_per_h_per_kg"
    assert abs(fitted.value(cl) / load_parameters().value(cl) - 1) > 0.1  # the fit moved CL
    runs = {}
    for tag, extra in (("fit", ["--params", str(path)]), ("packaged", [])):
        out = tmp_path / tag
        r = runner.invoke(
            app,
            ["simulate", "--regimen", "zulresso", "--weight-kg", "70", "--pk-only", "--out",
             str(out), *extra],
        )  # fmt: skip
        assert r.exit_code == 0, r.output
        ts = pd.read_parquet(out / "timeseries.parquet")
        summary = json.loads((out / "summary.json").read_text())
        runs[tag] = (ts[ts.variable == "plasma_drug"], summary)
    conc, summary = runs["fit"]
    reg = get_preset("zulresso")
    expected = simulate_pk(reg, 70.0, get_default_times(reg, None, 0.25), fitted)
    np.testing.assert_allclose(conc["time_h"], expected.time_h, rtol=0, atol=0)
    np.testing.assert_allclose(conc["value"], expected.get_series()["plasma_drug"][0], rtol=1e-12)
    packaged = runs["packaged"][0]["value"].to_numpy()
    assert np.max(np.abs(conc["value"].to_numpy() - packaged) / np.maximum(packaged, 1e-9)) > 0.05
    prov = summary["provenance"]
    packaged_hash = runs["packaged"][1]["provenance"]["parameter_hash"]
    assert prov["parameter_hash"] == fitted.hash != packaged_hash
    assert prov["hypothesis"] == "custom"
    pf = prov["parameter_file"]
    assert pf == summary["parameter_file"] and pf["file"] == str(path)
    assert pf["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert pf["meta"]["data_sha256"] == hashlib.sha256(data.read_bytes()).hexdigest()


def test_fitted_parameters_drive_a_trial(brexanolone_fit, tmp_path):
    """trial --params on a tiny spec: the summary's provenance has the fitted set's hash and
    names the file and the fit; the concentrations differ from the packaged trial's."""
    from brexsim.params import apply_parameter_file, load_parameters

    _, fit_out, _ = brexanolone_fit
    path = fit_out / "fitted_parameters.toml"
    spec = tmp_path / "spec.toml"
    spec.write_text(
        '[trial]\nname = "handoff"\nseed = 3\n\n[[arms]]\nname = "BRX90"\n'
        'regimen = "zulresso"\nn = 3\n\n[[arms]]\nname = "placebo"\nregimen = "placebo"\n'
        "n = 3\n\n[visits]\ntimes_h = [0, 24, 60]\n",
        encoding="utf-8",
    )
    conc = {}
    for tag, extra in (("packaged", []), ("trial", ["--params", str(path)])):
        out = tmp_path / tag
        r = runner.invoke(
            app, ["trial", str(spec), "--out", str(out), "--block", "4", "--workers", "1", *extra]
        )
        assert r.exit_code == 0, r.output
        v = pd.read_parquet(out / "visits.parquet")
        brx = (v.variable == "plasma_drug") & (v.time_h == 24.0) & (v.arm == "BRX90")
        conc[tag] = v[brx]["value"].to_numpy()
    assert conc["trial"].shape == (3,) and not np.allclose(conc["trial"], conc["packaged"])
    s = json.loads((out / "summary.json").read_text())
    fitted = apply_parameter_file(load_parameters(), path)
    assert s["provenance"]["parameter_hash"] == fitted.hash
    assert s["provenance"]["hypothesis"] == "custom"
    pf = s["provenance"]["parameter_file"]
    assert pf == s["parameter_file"] and pf["meta"]["model"] == "brexanolone_pk"
    assert pf["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert "--params" in s["provenance"]["command"] and s["figures"] == "complete"
    assert "fitted_parameters.toml" in _flat(r.output)
