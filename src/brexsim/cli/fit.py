"""``brexsim fit``: fit an NLME model to NONMEM-format subject-level data (FOCE-I, Laplace, NUTS).

Results before decoration (:mod:`brexsim.io.outputs`): the data outputs are written first,
together and atomically: ``estimates.json`` (with ``"status": "complete"`` and ``"figures"``),
``parameters.csv``, ``individual.csv`` (EBE, PRED, IPRED, CWRES and, unless
``--npde-samples 0``, NPDE: simulation-based at the estimates, :mod:`brexsim.estimation.npde`),
``vpc.csv`` (unless ``--vpc-samples 0``), ``provenance.json`` and for NUTS ``posterior.csv``
(summaries with R-hat, ESS); then the figures ``gof.png``, ``vpc.png`` (``vpc_DVID<k>.png``
with several observation types) and ``report.html``. When a figure or the report fails, the
data outputs stay, ``estimates.json`` says ``"figures": "failed: NAME: reason"``, one error
line names it and the exit status is 3. See docs/estimation.md.

``--hypothesis NAME`` (:mod:`brexsim.hypotheses`): a shipped brexsim layer model
(``brexanolone_pk``, ``hamd``) takes its initial values and prior centres from
``apply_hypothesis(load_parameters(), NAME)``; provenance records the hypothesis and the hash of
those parameters. Other models (``pheno``, a ``.py`` file) state their own values: only the
default ``gaba`` is accepted there.

``fitted_parameters.toml`` (shipped layer models only): the fit as a parameter overlay file
(:mod:`brexsim.params.overlay`) that ``brexsim simulate --params`` and ``brexsim trial --params``
read. θ become the table rows of the layer's population description
(:mod:`brexsim.params.popmodel`: ``Theta.param``), the Ω diagonal the ``Eta.omega`` rows (variances
or SDs, as ``Eta.scale`` says) and σ the ``Sigma`` prop/add rows of ``plasma_conc``
(``Sigma.scale``; ``brexanolone_pk``, ``zuranolone_pk``); for ``cytokine`` the θ and Ω rows of the
``tlr`` layer, not its two σ (TNF-α, IL-6: the tables hold one row, ``tlr.sigma_prop_plasma``, for
both; the estimates are in ``estimates.json``); for ``hamd`` the rows of
:data:`brexsim.estimation.models.hamd.TABLE_ROWS` (a block Ω's ``OMEGA21`` becomes
``hamd.phenotype_loading_drug`` = OMEGA21 / sqrt(OMEGA11·OMEGA22)); each row: the estimate (NUTS:
posterior median), the table's unit and description, a source naming the method, the data file and
its SHA-256, the OFV and the seed, confidence ``C``. Rows the fit does not estimate (the Ω
correlation, covariate factors) keep their table values. For other models ``estimates.json`` says
``"fitted_parameters": null`` and ``"fitted_parameters_reason"`` why.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Any

import typer

from brexsim.cli._app import app, console
from brexsim.cli._outputs import fail_figure, run_with_figures

FIT_DATA = ("estimates.json", "parameters.csv", "individual.csv", "vpc.csv", "provenance.json")
#: The fit as a parameter overlay file (shipped layer models; see the module docstring).
FITTED_PARAMETERS = "fitted_parameters.toml"
FIT_FIGURES = ("gof.png", "vpc.png", "report.html")
FIT_OUTPUTS = FIT_DATA + FIT_FIGURES
#: Models built from the parameter tables (a hypothesis overlay applies to them).
LAYER_MODELS = ("brexanolone_pk", "zuranolone_pk", "hamd", "cytokine")
_METHODS = ("focei", "laplace", "nuts")


def _clean(x: Any) -> Any:
    if isinstance(x, dict):
        return {str(k): _clean(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_clean(v) for v in x]
    if hasattr(x, "item") and not isinstance(x, str | bytes):
        x = x.item()
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x


def load_fit_model(spec: str, hypothesis: str = "gaba", data=None):  # type: ignore[no-untyped-def]
    """``(model, parameter set)`` of ``--model spec`` under ``hypothesis``.

    A layer model (:data:`LAYER_MODELS`) is built from ``apply_hypothesis(load_parameters(),
    hypothesis)`` (``hamd``: with the dosing patterns of ``data``); any other model keeps its
    own values and accepts only the default hypothesis (its parameter set is the packaged one,
    for the provenance hash).

    >>> m, ps = load_fit_model("pheno")
    >>> m.name, ps.hash == load_fit_model("pheno")[1].hash
    ('pheno', True)
    """
    from brexsim.errors import input_error
    from brexsim.estimation.models import load_model
    from brexsim.hypotheses import apply_hypothesis, get_hypothesis
    from brexsim.hypotheses.registry import DEFAULT_HYPOTHESIS
    from brexsim.params import load_parameters

    get_hypothesis(hypothesis)  # an unknown name: one clear error
    if spec in LAYER_MODELS:
        ps = apply_hypothesis(load_parameters(), hypothesis)
        return load_model(spec, data, ps), ps
    if hypothesis != DEFAULT_HYPOTHESIS:
        raise input_error(
            "--hypothesis",
            hypothesis,
            f"{DEFAULT_HYPOTHESIS!r} for --model {spec} (a hypothesis applies to the shipped "
            f"layer models {list(LAYER_MODELS)}; this model states its own values)",
        )
    return load_model(spec), load_parameters()


def _check_options(method: str, vpc_samples: int, n_starts: int, samples: int, chains: int) -> None:
    from brexsim.errors import input_error
    from brexsim.estimation.outputs import VPC_MIN_REPLICATES

    if method not in _METHODS:
        raise input_error("--method", method, f"one of {list(_METHODS)}")
    if vpc_samples != 0 and vpc_samples < VPC_MIN_REPLICATES:
        raise input_error(
            "--vpc-samples", vpc_samples, f"0 (no VPC) or >= {VPC_MIN_REPLICATES} (95 % intervals)"
        )
    if n_starts < 1:
        raise input_error("--starts", n_starts, "an integer >= 1")
    if method == "nuts" and (samples < 1 or chains < 1):
        raise input_error("--samples/--chains", (samples, chains), "integers >= 1")


def _vpc_vectors(m, fit, nuts, n: int, seed: int) -> list:  # type: ignore[no-untyped-def]
    """Unconstrained parameter vectors of the ``n`` VPC replicates (see estimation.outputs)."""
    import numpy as np

    from brexsim.estimation.model import from_natural

    if nuts is None:
        return [fit.x] * n
    draws = nuts.draws.reshape(-1, nuts.draws.shape[-1])
    pick = np.random.default_rng([seed, 2]).choice(len(draws), n, replace=len(draws) < n)
    return [from_natural(m, draws[i]) for i in pick]


def _fitted_rows(m, ps, est: dict, source: str) -> list:  # type: ignore[no-untyped-def]
    """The parameter-table rows of a layer-model fit (see the module docstring)."""
    from dataclasses import replace

    from brexsim.estimation.model import get_parameter_names
    from brexsim.params.popmodel import get_population_model

    if m.name == "hamd":
        return _fitted_hamd_rows(ps, est, source)
    pm = get_population_model("tlr" if m.name == "cytokine" else m.name)
    targets = [(t.param, "variance") for t in pm.thetas]
    targets += [(e.omega, e.scale) for e in pm.etas if e.name in m.etas]
    names = get_parameter_names(m)
    if m.name == "cytokine":  # one table row (tlr.sigma_prop_plasma) for two estimated σ
        names = names[: len(targets)]
    else:
        sig = next(s for s in pm.sigmas if s.dvid == "plasma_conc")
        targets += [(r, sig.scale) for r in (sig.prop, sig.add)]
    if len(names) != len(targets) or m.omega_block:
        raise RuntimeError(f"{m.name}: estimates do not map one to one onto the table rows")
    rows = []
    for k, (name, (row, scale)) in enumerate(zip(names, targets, strict=True)):
        value = float(est["parameters"][name]["estimate"])
        if k >= len(pm.thetas) and scale == "sd":
            value = math.sqrt(value)  # Ω and σ are estimated as variances
        rows.append(replace(ps[row], value=value, source=f"{source}; {name}", confidence="C"))
    return rows


def _fitted_hamd_rows(ps, est: dict, source: str) -> list:  # type: ignore[no-untyped-def]
    """The ``hamd`` table rows of a HAM-D fit (module docstring)."""
    from dataclasses import replace

    from brexsim.estimation.models.hamd import TABLE_ROWS

    p = {k: float(v["estimate"]) for k, v in est["parameters"].items()}
    rows = []
    for name, (row, scale) in TABLE_ROWS.items():
        if name not in p:  # the other care setting's placebo θ (not estimated in this fit)
            continue
        value = math.sqrt(p[name]) if scale == "sd" else p[name]
        rows.append(replace(ps[row], value=value, source=f"{source}; {name}", confidence="C"))
    if "OMEGA21" in p:
        load = p["OMEGA21"] / math.sqrt(p["OMEGA11"] * p["OMEGA22"])
        why = f"{source}; OMEGA21/sqrt(OMEGA11*OMEGA22)"
        rows.append(replace(ps["hamd.phenotype_loading_drug"], value=load, source=why,
                            confidence="C"))  # fmt: skip
    return rows


def _fitted_parameter_file(  # type: ignore[no-untyped-def]
    spec: str, m, ps, est: dict, data_file: Path, sha: str, seed: int, hypothesis: str
) -> tuple[str | None, str | None]:
    """``(TOML text of fitted_parameters.toml, None)``, or ``(None, why not)``."""
    from brexsim._version import __version__
    from brexsim.params import format_parameter_file

    if spec not in LAYER_MODELS:
        return None, (
            f"--model {spec} states its own parameters (not rows of the brexsim parameter "
            f"tables); a fitted-parameter file is written for the layer models {list(LAYER_MODELS)}"
        )
    vals = [p["estimate"] for p in est["parameters"].values()]
    if any(v is None or not math.isfinite(v) for v in vals):
        return None, "an estimate is not finite"
    method = est["method"]
    ofv = "no OFV (posterior median)" if est.get("ofv") is None else f"OFV {est['ofv']:.4f}"
    conv = "" if est["converged"] else ", NOT CONVERGED"
    source = (
        f"fitted by brexsim fit ({method}) to {data_file} (sha256 {sha}), {ofv}, seed {seed}{conv}"
    )
    meta = {
        "description": f"brexsim fit of {m.name} ({method}); rows replace the packaged values",
        "model": m.name, "method": method, "data_file": str(data_file), "data_sha256": sha,
        "ofv": est.get("ofv") if est.get("ofv") is not None else "none (posterior)",
        "converged": bool(est["converged"]), "seed": seed, "hypothesis": hypothesis,
        "base_parameter_hash": ps.hash, "brexsim_version": __version__,
    }  # fmt: skip
    return format_parameter_file(_fitted_rows(m, ps, est, source), meta), None


def run_fit_command(
    data_file: Path, model: str, method: str, out: Path, n_starts: int = 3, seed: int = 0,
    covariance: str = "sandwich", num_samples: int = 1000, num_chains: int = 4,
    vpc_samples: int = 200, hypothesis: str = "gaba", npde_samples: int = 1000,
) -> dict:  # fmt: skip
    """Fit, write the data outputs atomically into ``out``, then the figures and the report;
    returns the ``estimates.json`` record."""
    import pandas as pd

    from brexsim.analysis.report import figure_to_png
    from brexsim.analysis.vpc.plot import plot_vpc
    from brexsim.estimation import outputs
    from brexsim.estimation.covariance import compute_covariance
    from brexsim.estimation.data import read_estimation_data
    from brexsim.estimation.fitting import fit_model
    from brexsim.estimation.npde import NPDE_MIN_SAMPLES, compute_npde
    from brexsim.estimation.report import build_fit_report
    from brexsim.io.outputs import atomic_output_dir, check_output_dir, draw_figures, write_json
    from brexsim.params.overlay import get_file_sha256
    from brexsim.provenance import make_provenance

    _check_options(method, vpc_samples, n_starts, num_samples, num_chains)
    if npde_samples != 0 and npde_samples < NPDE_MIN_SAMPLES:
        from brexsim.errors import input_error

        raise input_error("--npde-samples", npde_samples, f"0 (no NPDE) or >= {NPDE_MIN_SAMPLES}")
    check_output_dir(out)
    data = read_estimation_data(data_file)
    m, ps = load_fit_model(model, hypothesis, data)
    data.get_subjects(m.covariates)  # a covariate the model needs but the file lacks: error
    sha = get_file_sha256(data_file)
    fit = fit_model(m, data, "focei" if method == "nuts" else method, n_starts=n_starts, seed=seed)
    nuts = posterior = None
    if method == "nuts":
        from brexsim.estimation.nuts import fit_nuts

        nuts = fit_nuts(m, data, num_samples=num_samples, num_chains=num_chains, seed=seed,
                        init_x=fit.x)  # fmt: skip
        posterior = pd.DataFrame([{"parameter": k, **v} for k, v in nuts.summary.items()])
        est = outputs.make_nuts_estimates(nuts, fit, num_chains, num_samples)
    else:
        est = outputs.make_estimates(fit, compute_covariance(fit, covariance), data.n_obs)
    vpcs = []
    if vpc_samples:
        xs = _vpc_vectors(m, fit, nuts, vpc_samples, seed)
        vpcs = outputs.compute_fit_vpc(m, data, xs, seed=seed)
    table = outputs.get_individual_table(fit)
    if npde_samples:  # at the FOCE-I/Laplace estimates (NUTS: its FOCE-I start)
        table["NPDE"] = compute_npde(m, data, fit.x, npde_samples, seed)
    params = pd.DataFrame([{"parameter": k, **v} for k, v in est["parameters"].items()])
    prov = {
        **make_provenance(ps, seed=seed, hypothesis=hypothesis),
        "input": {"file": str(data_file), "sha256": sha},
        "model": m.name, "model_spec": model, "method": method, "n_starts": n_starts,
        "covariance": None if method == "nuts" else covariance, "vpc_samples": vpc_samples,
        "npde_samples": npde_samples,
    }  # fmt: skip
    vpc_pngs = ["vpc.png"] if len(vpcs) == 1 else [f"vpc_{r.dvid}.png" for r in vpcs]
    fitted, why_not = _fitted_parameter_file(model, m, ps, est, data_file, sha, seed, hypothesis)
    data_files = [f for f in FIT_DATA if vpcs or f != "vpc.csv"]
    data_files += [FITTED_PARAMETERS] if fitted is not None else []
    summary = _clean({
        **est, "status": "complete", "figures": "pending", "hypothesis": hypothesis,
        "fitted_parameters": FITTED_PARAMETERS if fitted is not None else None,
        "fitted_parameters_reason": why_not,
        "outputs": {"data": data_files + (["posterior.csv"] if nuts else []),
                    "figures": ["gof.png", *vpc_pngs, "report.html"]},
        "vpc": None if not vpcs else {"replicates": vpc_samples, "dvids": [r.dvid for r in vpcs],
                                      "parameters": "posterior draws" if nuts else "estimates"},
    })  # fmt: skip
    with atomic_output_dir(out) as tmp:
        write_json(tmp / "estimates.json", summary)
        params.to_csv(tmp / "parameters.csv", index=False)
        table.to_csv(tmp / "individual.csv", index=False)
        if posterior is not None:
            posterior.to_csv(tmp / "posterior.csv", index=False)
        if vpcs:
            vt = pd.concat([r.to_frame() for r in vpcs], ignore_index=True)
            vt.to_csv(tmp / "vpc.csv", index=False, float_format="%.10g")
        write_json(tmp / "provenance.json", _clean(prov))
        if fitted is not None:
            (tmp / FITTED_PARAMETERS).write_text(fitted, encoding="utf-8")
    report_prov = {**{k: v for k, v in prov.items() if k != "input"},
                   "input_file": str(data_file), "input_sha256": sha}  # fmt: skip

    def vpc_step(res: Any, name: str) -> Any:
        return lambda folder: (folder / name).write_bytes(figure_to_png(plot_vpc(res)))

    def report_step(folder: Path) -> None:
        names = ["gof.png", *vpc_pngs]
        pngs = {n: (folder / n).read_bytes() for n in names}
        page = build_fit_report(summary, report_prov, pngs, vpcs, posterior)
        (folder / "report.html").write_text(page, encoding="utf-8")

    steps = [("gof.png", lambda folder: outputs.write_gof_plots(table, folder / "gof.png"))]
    steps += [(n, vpc_step(r, n)) for n, r in zip(vpc_pngs, vpcs, strict=True)]
    steps.append(("report.html", report_step))
    return draw_figures(out, steps, summary, summary_name="estimates.json")


def _print(est: dict, out: Path) -> None:
    ofv = est.get("ofv")
    ofv_text = "— (posterior; no OFV)" if ofv is None else f"{ofv:.4f}"
    console.print(f"method {est['method']}: OFV {ofv_text}; converged {est['converged']}",
                  highlight=False)  # fmt: skip
    if not est["converged"]:
        console.print(f"[bold yellow]not converged:[/] {est.get('message', '')}", highlight=False)
    for name, p in est["parameters"].items():
        se = "—" if p["se"] is None else f"{p['se']:.4g}"
        console.print(f"  {name:12s} {p['estimate']:.6g}  SE {se}", highlight=False)
    for w in est.get("warnings", []):
        console.print(f"[yellow]warning:[/] {w}", highlight=False)
    if est.get("fitted_parameters"):
        console.print(f"--params file: {out / est['fitted_parameters']}", highlight=False)
    console.print(f"results written to {out}/", highlight=False)


@app.command("fit")
def fit_command(
    data: Annotated[Path, typer.Argument(help="NONMEM-format data (ID, TIME, AMT, DV [, RATE, "
                                         "MDV, EVID, CMT, DVID, BLQ, LLOQ, covariates]).")],
    model: Annotated[str, typer.Option("--model", help="pheno, brexanolone_pk, hamd or a .py "
                                        "file.")],
    out: Annotated[Path, typer.Option("--out", help="Output folder.")],
    method: Annotated[str, typer.Option("--method", help="focei, laplace or nuts.")] = "focei",
    starts: Annotated[int, typer.Option("--starts", help="Number of starts (>= 1).")] = 3,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the starts, NUTS and the VPC.")] = 0,
    covariance: Annotated[str, typer.Option("--covariance", help="sandwich, r or s.")] = "sandwich",
    samples: Annotated[int, typer.Option("--samples", help="NUTS draws per chain.")] = 1000,
    chains: Annotated[int, typer.Option("--chains", help="NUTS chains.")] = 4,
    vpc_samples: Annotated[int, typer.Option(
        "--vpc-samples", help="VPC replicate studies (0: no VPC; else >= 40).")] = 200,
    hypothesis: Annotated[str, typer.Option(
        "--hypothesis", help="Mechanism hypothesis of a layer model (default gaba).")] = "gaba",
    npde_samples: Annotated[int, typer.Option(
        "--npde-samples", help="Replicates per subject for NPDE (0: none; else >= 100).")] = 1000,
) -> None:  # fmt: skip
    """Fit a population model: estimates.json, parameters.csv, individual.csv, vpc.csv,
    provenance.json (NUTS: posterior.csv; layer models: fitted_parameters.toml for
    simulate/trial --params), then gof.png, vpc.png and report.html.

    Exit status 2: bad input (nothing written); 3: the data outputs are written but a figure or
    the report failed.
    """
    est, figure_error = run_with_figures(
        run_fit_command, data, model, method, out, starts, seed, covariance, samples, chains,
        vpc_samples, hypothesis, npde_samples,
    )  # fmt: skip
    _print(est, out)
    if figure_error is not None:
        fail_figure(figure_error)
