"""Full Bayesian fit with NumPyro NUTS: priors, posterior summaries, R-hat, ESS, divergences.

Model: the NLME model's parameters on their unconstrained scale x (log for positive θ, Ω and Σ
variances; logit for two-sided bounds) each get a normal prior ``x ~ N(x₀, sd²)`` centred on
the model's initial values, i.e. a log-normal prior on a positive parameter with median x₀.
The η are non-centred (η = chol(Ω)·z, z ~ N(0, I)); quantified observations are normal with
the model's residual variance, BLQ records enter by M3 (log Φ((LLOQ - F)/√V)).

Prior strength (stated): ``sd`` per parameter from :func:`get_prior_sd`: for a model built
from the parameter tables the row's confidence code gives it (V 0.1, R 0.25, D/C 0.5, U/A 1.0
on the log scale: a verified value is a strong prior, an assumption a weak one); otherwise
(e.g. pheno, whose initial values come from a control stream) ``default_sd`` = 1.0, weakly
informative (a factor e either way at one SD). Ω and Σ get ``default_sd``.

Examples
--------
>>> from brexsim.estimation.models import load_model
>>> sorted(set(get_prior_sd(load_model("brexanolone_pk")).values()))
[0.5, 1.0]
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import jax

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402
import jax.scipy.stats as jstats  # noqa: E402
import numpy as np  # noqa: E402
import numpyro  # noqa: E402
import numpyro.distributions as dist  # noqa: E402
from numpyro.diagnostics import summary  # noqa: E402
from numpyro.infer import MCMC, NUTS, init_to_value  # noqa: E402

from brexsim.estimation.data import EstimationData  # noqa: E402
from brexsim.estimation.model import (  # noqa: E402
    NLMEModel,
    check_observation_types,
    get_initial_vector,
    get_parameter_names,
    residual_variance,
    split_natural,
    to_natural,
)

__all__ = ["NutsResult", "fit_nuts", "get_prior_sd"]

_CONF_SD = {"V": 0.1, "R": 0.25, "D": 0.5, "C": 0.5, "U": 1.0, "A": 1.0}


def get_prior_sd(m: NLMEModel, default_sd: float = 1.0) -> dict[str, float]:
    """Prior SD (unconstrained scale) of each parameter name (see the module docstring)."""
    sd = {n: default_sd for n in get_parameter_names(m)}
    if m.name in ("brexanolone_pk",):
        from brexsim.params import load_parameters
        from brexsim.params.popmodel import get_population_model

        ps = load_parameters()
        for t in get_population_model(m.name).thetas:
            sd[t.name] = _CONF_SD[ps[t.param].confidence]
    return sd


@dataclass(frozen=True)
class NutsResult:
    """Posterior draws of the natural parameters and their diagnostics."""

    names: list[str]
    draws: np.ndarray  # (chains, samples, p)
    summary: dict[str, dict[str, float]]
    divergences: int
    prior_sd: dict[str, float]
    seconds: float

    def get_medians(self) -> dict[str, float]:
        """Posterior median of each parameter."""
        return {k: v["median"] for k, v in self.summary.items()}


def _numpyro_model(m: NLMEModel, data: EstimationData, x0, sd):  # type: ignore[no-untyped-def]
    subj = data.get_subjects(m.covariates)
    check_observation_types(m, data.dvid, data.obs_mask)
    dv, mask = jnp.asarray(data.dv), jnp.asarray(data.obs_mask)
    blq, lloq = jnp.asarray(data.blq), jnp.asarray(np.nan_to_num(data.lloq))
    n, q = data.n_subjects, len(m.etas)

    def model():  # type: ignore[no-untyped-def]
        x = numpyro.sample("x", dist.Normal(x0, sd).to_event(1))
        theta, omega, sigma = split_natural(m, x)
        z = numpyro.sample("z", dist.Normal(jnp.zeros((n, q)), 1.0).to_event(2))
        eta = z @ jnp.linalg.cholesky(omega).T
        f = jax.vmap(lambda e, s: m.predict(theta, e, s))(eta, subj)
        v = jnp.where(mask, residual_variance(m, f, sigma, subj.dvid), 1.0)
        quant = mask & ~blq
        ll = jnp.where(quant, jstats.norm.logpdf(dv, f, jnp.sqrt(v)), 0.0).sum()
        ll += jnp.where(mask & blq, jstats.norm.logcdf((lloq - f) / jnp.sqrt(v)), 0.0).sum()
        numpyro.factor("loglik", ll)

    return model


def fit_nuts(
    m: NLMEModel,
    data: EstimationData,
    num_warmup: int = 500,
    num_samples: int = 500,
    num_chains: int = 2,
    seed: int = 0,
    default_sd: float = 1.0,
    init_x=None,  # type: ignore[no-untyped-def]
) -> NutsResult:
    """Sample the posterior by NUTS (chains run sequentially on the CPU).

    Parameters
    ----------
    m, data : NLMEModel, EstimationData
        Model (its initial values centre the priors) and data.
    num_warmup, num_samples, num_chains, seed : int
        Sampler settings.
    default_sd : float
        Prior SD where no table confidence applies.
    init_x : array, optional
        Unconstrained start of the chains (e.g. a FOCE-I fit's ``x``); default the prior centre.
    """
    t0 = time.perf_counter()
    names = get_parameter_names(m)
    sd_map = get_prior_sd(m, default_sd)
    x0 = jnp.asarray(get_initial_vector(m))
    free = [n for n in names if n in sd_map][: x0.size]
    sd = jnp.asarray([sd_map[n] for n in free])
    init = {"x": jnp.asarray(x0 if init_x is None else init_x)}
    kernel = NUTS(_numpyro_model(m, data, x0, sd), init_strategy=init_to_value(values=init))
    mcmc = MCMC(
        kernel,
        num_warmup=num_warmup,
        num_samples=num_samples,
        num_chains=num_chains,
        chain_method="sequential",
        progress_bar=False,
    )
    mcmc.run(jax.random.PRNGKey(seed), extra_fields=("diverging",))
    xs = mcmc.get_samples(group_by_chain=True)["x"]
    nat = np.asarray(jax.vmap(jax.vmap(lambda x: to_natural(m, x)))(xs))
    diag = summary(nat, group_by_chain=True)
    rows = {}
    for k, name in enumerate(names):
        col = nat[..., k].ravel()
        rows[name] = {
            "mean": float(col.mean()),
            "median": float(np.median(col)),
            "sd": float(col.std(ddof=1)),
            "q2.5": float(np.quantile(col, 0.025)),
            "q97.5": float(np.quantile(col, 0.975)),
            "r_hat": float(np.asarray(diag["Param:0"]["r_hat"])[k]),
            "ess": float(np.asarray(diag["Param:0"]["n_eff"])[k]),
            "prior_sd": sd_map[name],
        }
    div = int(np.asarray(mcmc.get_extra_fields()["diverging"]).sum())
    return NutsResult(names, nat, rows, div, sd_map, time.perf_counter() - t0)
