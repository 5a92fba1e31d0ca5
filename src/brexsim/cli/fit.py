"""``brexsim fit``: fit an NLME model to NONMEM-format subject-level data (FOCE-I, Laplace, NUTS).

Writes into ``--out`` (atomically, only on success): ``estimates.json``, ``parameters.csv``,
``individual.csv`` (EBE, PRED, IPRED, CWRES), ``gof.png`` and ``provenance.json``; NUTS also
writes ``posterior.csv`` (summaries with R-hat, ESS) and no covariance step. See
docs/estimation.md.
"""

from __future__ import annotations

import hashlib
import math
from pathlib import Path
from typing import Annotated, Any

import typer

from brexsim.cli._app import app, console, run_guarded

FIT_OUTPUTS = ("estimates.json", "parameters.csv", "individual.csv", "gof.png", "provenance.json")
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


def run_fit_command(
    data_file: Path, model: str, method: str, out: Path, n_starts: int = 3, seed: int = 0,
    covariance: str = "sandwich", num_samples: int = 500, num_chains: int = 2,
) -> dict:  # fmt: skip
    """Fit and write every output atomically into ``out``; returns the estimates record."""
    import pandas as pd

    from brexsim.errors import input_error
    from brexsim.estimation.data import read_estimation_data
    from brexsim.estimation.models import load_model
    from brexsim.io.outputs import atomic_output_dir, write_json
    from brexsim.params import load_parameters
    from brexsim.provenance import make_provenance

    if method not in _METHODS:
        raise input_error("--method", method, f"one of {list(_METHODS)}")
    m = load_model(model)
    data = read_estimation_data(data_file)
    data.get_subjects(m.covariates)  # a covariate the model needs but the file lacks: error
    sha = hashlib.sha256(Path(data_file).read_bytes()).hexdigest()
    from brexsim.estimation.covariance import compute_covariance
    from brexsim.estimation.fitting import fit_model
    from brexsim.estimation.outputs import get_individual_table, make_estimates, write_gof_plots

    fit = fit_model(m, data, "focei" if method == "nuts" else method, n_starts=n_starts, seed=seed)
    posterior = None
    if method == "nuts":
        from brexsim.estimation.nuts import fit_nuts

        nuts = fit_nuts(m, data, num_samples=num_samples, num_chains=num_chains, seed=seed,
                        init_x=fit.x)  # fmt: skip
        posterior = pd.DataFrame([{"parameter": k, **v} for k, v in nuts.summary.items()])
        est = {
            "ofv": None, "method": "nuts", "converged": bool(
                nuts.divergences == 0 and max(v["r_hat"] for v in nuts.summary.values()) < 1.01
            ),
            "parameters": {k: {"estimate": v["median"], "se": v["sd"],
                               "rse_pct": abs(v["sd"] / v["median"]) * 100 if v["median"] else None}
                           for k, v in nuts.summary.items()},
            "estimate_is": "posterior median; se = posterior SD",
            "divergences": nuts.divergences, "prior_sd": nuts.prior_sd,
            "chains": num_chains, "samples_per_chain": num_samples,
            "focei_start": {"ofv": fit.ofv, "converged": fit.converged},
            "warnings": [] if nuts.divergences == 0 else [f"Divergences: {nuts.divergences}"],
        }  # fmt: skip
        if not est["converged"]:
            est["warnings"].append("NotConverged: R-hat >= 1.01 or divergent transitions")
    else:
        cov = compute_covariance(fit, covariance)
        est = make_estimates(fit, cov, data.n_obs)
    table = get_individual_table(fit)
    params = pd.DataFrame([{"parameter": k, **v} for k, v in est["parameters"].items()])
    prov = make_provenance(load_parameters(), seed=seed)
    with atomic_output_dir(out) as tmp:
        write_json(tmp / "estimates.json", _clean(est))
        params.to_csv(tmp / "parameters.csv", index=False)
        table.to_csv(tmp / "individual.csv", index=False)
        write_gof_plots(table, tmp / "gof.png")
        if posterior is not None:
            posterior.to_csv(tmp / "posterior.csv", index=False)
        write_json(
            tmp / "provenance.json",
            _clean({**prov, "input": {"file": str(data_file), "sha256": sha}, "model": m.name,
                    "model_spec": model, "method": method, "n_starts": n_starts,
                    "covariance": None if method == "nuts" else covariance}),
        )  # fmt: skip
    return est


@app.command("fit")
def fit_command(
    data: Annotated[Path, typer.Argument(help="NONMEM-format data (ID, TIME, AMT, DV [, RATE, "
                                         "MDV, EVID, CMT, DVID, BLQ, LLOQ, covariates]).")],
    model: Annotated[str, typer.Option("--model", help="pheno, brexanolone_pk or a .py file.")],
    out: Annotated[Path, typer.Option("--out", help="Output folder (written only on success).")],
    method: Annotated[str, typer.Option("--method", help="focei, laplace or nuts.")] = "focei",
    starts: Annotated[int, typer.Option("--starts", help="Number of starts (>= 1).")] = 3,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the starts and of NUTS.")] = 0,
    covariance: Annotated[str, typer.Option("--covariance", help="sandwich, r or s.")] = "sandwich",
    samples: Annotated[int, typer.Option("--samples", help="NUTS draws per chain.")] = 500,
    chains: Annotated[int, typer.Option("--chains", help="NUTS chains.")] = 2,
) -> None:  # fmt: skip
    """Fit a population model: writes estimates.json, parameters.csv, individual.csv, gof.png,
    provenance.json (NUTS: posterior.csv)."""
    est = run_guarded(run_fit_command, data, model, method, out, starts, seed, covariance,
                      samples, chains)  # fmt: skip
    ofv = est.get("ofv")
    console.print(f"method {est['method']}: OFV {ofv if ofv is None else round(ofv, 4)}; "
                  f"converged {est['converged']}")  # fmt: skip
    for name, p in est["parameters"].items():
        se = "—" if p["se"] is None else f"{p['se']:.4g}"
        console.print(f"  {name:12s} {p['estimate']:.6g}  SE {se}", highlight=False)
    for w in est.get("warnings", []):
        console.print(f"[yellow]warning:[/] {w}", highlight=False)
    console.print(f"results written to {out}/")
