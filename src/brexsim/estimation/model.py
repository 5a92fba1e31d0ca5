"""An immutable NLME model: θ (bounds, transforms), Ω (diagonal or block), Σ and a prediction.

A model is what a NONMEM control stream's ``$THETA/$OMEGA/$SIGMA`` and ``$PK/$ERROR`` state:

* ``thetas``: fixed effects with initial values and bounds; the optimiser works on an
  unconstrained scale (``lower + exp(x)`` with one bound, a scaled logistic with two, the
  identity with none), as NONMEM's ``(low, init, up)`` records do.
* ``omega``: the initial Ω of the η (variances; ``omega_block`` estimates the full lower
  triangle through a Cholesky factor with a log diagonal, else only the diagonal).
* ``sigmas``: residual variances; ``error`` "proportional" (Y = F + F·ε, var σ₁·F²),
  "additive" (var σ₁) or "combined" (var σ₁·F² + σ₂). A joint model of several observed
  quantities (a ``DVID`` column: concentration, a log cytokine fold, HAM-D points) states
  ``sigma_dvids``, one DVID per σ, with ``error="additive"``: an observation of type ``DVID k``
  has variance σ of that DVID (NONMEM's ``Y = F + EPS(k)`` selected by ``DVID``).
* ``predict(theta, eta, subject)``: the individual predictions F at ``subject.obs_time``
  (a JAX function; ``theta`` maps names to values, ``eta`` is the (q,) vector,
  ``subject`` a :class:`~brexsim.estimation.data.Subject`).

Parameter names for outputs are the θ names, ``omega_names`` (default ``OMEGA11``, ``OMEGA21``,
``OMEGA22`` ... as NONMEM numbers them) and the σ names.

Examples
--------
>>> m = from_population_model("brexanolone_pk")
>>> get_parameter_names(m)[:5]
['CL', 'V1', 'Q', 'V2', 'OMEGA11']
>>> x = get_initial_vector(m)
>>> p = to_natural(m, x)
>>> round(float(p[0]), 4)
1.0846
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import jax

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402

from brexsim.errors import input_error  # noqa: E402

__all__ = [
    "NLMEModel",
    "Parameter",
    "check_observation_types",
    "from_population_model",
    "get_initial_vector",
    "get_parameter_names",
    "residual_variance",
    "split_natural",
    "to_natural",
    "with_estimates",
]

_ERRORS = {"proportional": 1, "additive": 1, "combined": 2}


@dataclass(frozen=True)
class Parameter:
    """A θ or σ: initial value, bounds (open interval), ``fixed`` (not estimated), unit."""

    name: str
    init: float
    lower: float = -math.inf
    upper: float = math.inf
    fixed: bool = False
    unit: str = ""

    def __post_init__(self) -> None:
        if not (self.lower < self.init < self.upper) or not math.isfinite(self.init):
            raise input_error(
                self.name, self.init, f"a finite initial value in ({self.lower}, {self.upper})"
            )


@dataclass(frozen=True)
class NLMEModel:
    """A nonlinear mixed-effects model (see the module docstring)."""

    name: str
    thetas: tuple[Parameter, ...]
    etas: tuple[str, ...]
    omega: tuple[tuple[float, ...], ...]
    sigmas: tuple[Parameter, ...]
    predict: Callable = field(compare=False)
    error: str = "proportional"
    omega_block: bool = False
    covariates: tuple[str, ...] = ()
    omega_names: tuple[str, ...] = ()
    description: str = ""
    sigma_dvids: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        if self.error not in _ERRORS:
            raise input_error("error", self.error, f"one of {sorted(_ERRORS)}")
        if self.sigma_dvids:
            if self.error != "additive":
                raise input_error("error", self.error, "'additive' when sigma_dvids is given")
            if len(set(self.sigma_dvids)) != len(self.sigmas) or len(self.sigmas) < 1:
                raise input_error("sigma_dvids", self.sigma_dvids, "distinct DVIDs, one per sigma")
        elif len(self.sigmas) != _ERRORS[self.error]:
            raise input_error("sigmas", len(self.sigmas), f"{_ERRORS[self.error]} for {self.error}")
        om = np.asarray(self.omega, float)
        q = len(self.etas)
        if om.shape != (q, q) or not np.allclose(om, om.T) or np.linalg.eigvalsh(om).min() <= 0:
            raise input_error("omega", om.tolist(), f"a symmetric positive definite {q}x{q} matrix")
        if not self.omega_block and not np.allclose(om, np.diag(np.diag(om))):
            raise input_error("omega", om.tolist(), "diagonal unless omega_block=True")
        if self.omega_names and len(self.omega_names) != len(_omega_index(self)):
            raise input_error("omega_names", self.omega_names, "one name per estimated element")


def _omega_index(m: NLMEModel) -> list[tuple[int, int]]:
    q = len(m.etas)
    if m.omega_block:
        return [(i, j) for i in range(q) for j in range(i + 1)]
    return [(i, i) for i in range(q)]


def get_parameter_names(m: NLMEModel) -> list[str]:
    """Names of the natural parameter vector: θ, then Ω elements, then σ (NONMEM order)."""
    om = list(m.omega_names) or [f"OMEGA{i + 1}{j + 1}" for i, j in _omega_index(m)]
    return [t.name for t in m.thetas] + om + [s.name for s in m.sigmas]


def _to_x(p: Parameter, v: float) -> float:
    lo, up = p.lower, p.upper
    if math.isfinite(lo) and math.isfinite(up):
        u = (v - lo) / (up - lo)
        return math.log(u / (1.0 - u))
    if math.isfinite(lo):
        return math.log(v - lo)
    if math.isfinite(up):
        return -math.log(up - v)
    return v


def _from_x(p: Parameter, x):  # type: ignore[no-untyped-def]
    lo, up = p.lower, p.upper
    if math.isfinite(lo) and math.isfinite(up):
        return lo + (up - lo) * jax.nn.sigmoid(x)
    if math.isfinite(lo):
        return lo + jnp.exp(x)
    if math.isfinite(up):
        return up - jnp.exp(-x)
    return x


def _full_x(m: NLMEModel, natural: np.ndarray) -> np.ndarray:
    """Unconstrained vector of every parameter (fixed ones included) from natural values."""
    nt, no = len(m.thetas), len(_omega_index(m))
    th, om_el, sg = natural[:nt], natural[nt : nt + no], natural[nt + no :]
    q = len(m.etas)
    om = np.zeros((q, q))
    for (i, j), v in zip(_omega_index(m), om_el, strict=True):
        om[i, j] = om[j, i] = v
    if m.omega_block:
        lc = np.linalg.cholesky(om)
        ox = [math.log(lc[i, j]) if i == j else lc[i, j] for i, j in _omega_index(m)]
    else:
        ox = [math.log(v) for v in np.diag(om)]
    return np.array(
        [_to_x(p, float(v)) for p, v in zip(m.thetas, th, strict=True)]
        + ox
        + [math.log(float(v)) for v in sg]
    )


def _initial_natural(m: NLMEModel) -> np.ndarray:
    om = np.asarray(m.omega, float)
    el = [om[i, j] for i, j in _omega_index(m)]
    return np.array([t.init for t in m.thetas] + el + [s.init for s in m.sigmas])


def _free(m: NLMEModel) -> np.ndarray:
    no = len(_omega_index(m))
    return np.array([not t.fixed for t in m.thetas] + [True] * no + [not s.fixed for s in m.sigmas])


def get_initial_vector(m: NLMEModel) -> np.ndarray:
    """The free parameters' unconstrained initial values (the optimiser's start)."""
    return _full_x(m, _initial_natural(m))[_free(m)]


def _expand(m: NLMEModel, x):  # type: ignore[no-untyped-def]
    full = jnp.asarray(_full_x(m, _initial_natural(m)))
    return full.at[np.flatnonzero(_free(m))].set(x)


def split_natural(m: NLMEModel, x):  # type: ignore[no-untyped-def]
    """``(theta dict, Ω (q, q), σ (s,))`` from the free unconstrained vector ``x`` (JAX)."""
    xf = _expand(m, x)
    nt, idx = len(m.thetas), _omega_index(m)
    theta = {p.name: _from_x(p, xf[k]) for k, p in enumerate(m.thetas)}
    q = len(m.etas)
    ox = xf[nt : nt + len(idx)]
    rows, cols = np.array([i for i, _ in idx]), np.array([j for _, j in idx])
    diag = rows == cols
    vals = jnp.where(diag, jnp.exp(ox), ox)
    if m.omega_block:
        lc = jnp.zeros((q, q)).at[rows, cols].set(vals)
        omega = lc @ lc.T
    else:
        omega = jnp.diag(vals)
    sigma = jnp.exp(xf[nt + len(idx) :])
    return theta, omega, sigma


def to_natural(m: NLMEModel, x):  # type: ignore[no-untyped-def]
    """The natural parameter vector (θ, Ω elements, σ; :func:`get_parameter_names`) of ``x``."""
    theta, omega, sigma = split_natural(m, x)
    idx = _omega_index(m)
    om = jnp.stack([omega[i, j] for i, j in idx])
    return jnp.concatenate([jnp.stack([theta[t.name] for t in m.thetas]), om, sigma])


def from_natural(m: NLMEModel, natural) -> np.ndarray:  # type: ignore[no-untyped-def]
    """The free unconstrained vector of natural values (inverse of :func:`to_natural`)."""
    return _full_x(m, np.asarray(natural, float))[_free(m)]


def with_estimates(m: NLMEModel, natural) -> NLMEModel:  # type: ignore[no-untyped-def]
    """A copy of ``m`` whose initial values are ``natural`` (e.g. a previous fit)."""
    v = np.asarray(natural, float)
    nt, idx = len(m.thetas), _omega_index(m)
    q = len(m.etas)
    om = np.zeros((q, q))
    for (i, j), e in zip(idx, v[nt : nt + len(idx)], strict=True):
        om[i, j] = om[j, i] = e
    th = tuple(replace(t, init=float(e)) for t, e in zip(m.thetas, v[:nt], strict=True))
    sg = tuple(replace(s, init=float(e)) for s, e in zip(m.sigmas, v[nt + len(idx) :], strict=True))
    return replace(m, thetas=th, omega=tuple(map(tuple, om.tolist())), sigmas=sg)


def residual_variance(m: NLMEModel, f, sigma, dvid=None):  # type: ignore[no-untyped-def]
    """Residual variance of each prediction ``f`` under the model's error model (``dvid``, the
    observation types of ``f``, selects the σ of a model with ``sigma_dvids``; a DVID the model
    does not name gets NaN, which the data check turns into an error before any fit)."""
    if m.sigma_dvids:
        if dvid is None:
            raise input_error("dvid", None, f"observation types for sigma_dvids {m.sigma_dvids}")
        v = jnp.full(jnp.shape(f), jnp.nan)
        for k, d in enumerate(m.sigma_dvids):
            v = jnp.where(jnp.asarray(dvid) == d, sigma[k], v)
        return v
    if m.error == "proportional":
        return sigma[0] * f * f
    if m.error == "additive":
        return sigma[0] * jnp.ones_like(f)
    return sigma[0] * f * f + sigma[1]


def check_observation_types(m: NLMEModel, dvid, mask) -> None:  # type: ignore[no-untyped-def]
    """Raise one clear error when an observed DVID has no σ in a model with ``sigma_dvids``."""
    if not m.sigma_dvids:
        return
    seen = {int(d) for d in np.unique(np.asarray(dvid)[np.asarray(mask, bool)])}
    extra = sorted(seen - set(m.sigma_dvids))
    if extra:
        raise input_error("DVID", extra, f"one of the model's observation types {m.sigma_dvids}")


def from_population_model(layer: str = "brexanolone_pk", params=None) -> NLMEModel:  # type: ignore[no-untyped-def]
    """The estimation model of a layer of :data:`brexsim.params.popmodel.POPULATION_MODELS`.

    Supported:

    * ``brexanolone_pk``: 2-compartment IV (bolus or infusion; AMT mg, RATE mg/h, DV ng/mL),
      θ CL, V1, Q (L/h/kg) and V2 (L/kg) times the covariate ``WT`` (kg), log-normal η on
      each, a diagonal Ω (the tables' correlation row is 0) and the combined error. The
      hepatic-impairment factors are not estimated.
    * ``zuranolone_pk``: oral doses (AMT mg, ``RATE`` 0) into the fed transit chain of
      :mod:`brexsim.pk.zuranolone` (``n_transit_fed`` compartments, fixed), 2-compartment
      disposition (DV ng/mL; :func:`brexsim.estimation.pk.transit_two_compartment`), θ CL/F,
      V2/F, V3/F, Q/F (L, L/h) and KTR (1/h); η ``eta_pk_cl_f`` on CL/F, ``eta_pk_v_f`` on
      V2/F, V3/F and Q/F together (the engine's scaling,
      :func:`brexsim.covariates.get_pk_scales`, so that the half-lives follow CL/F and V/F),
      ``eta_pk_ktr`` on KTR; diagonal Ω, combined error. The CYP3A4, hepatic and renal
      factors are not estimated (no covariates), fasted doses are not modelled.

    Initial values are the parameter tables' values (``params``, default the packaged ones).

    >>> m = from_population_model("zuranolone_pk")
    >>> [t.name for t in m.thetas], m.etas[1]
    (['CL/F', 'V2/F', 'V3/F', 'Q/F', 'KTR'], 'eta_pk_v_f')
    """
    from brexsim.params.popmodel import get_omega, get_population_model, get_sigma

    if layer not in _LAYERS:
        raise input_error("layer", layer, f"one of {sorted(_LAYERS)} (other layers: not estimable)")
    from brexsim.params import load_parameters

    ps = params or load_parameters()
    pm = get_population_model(layer)
    thetas = tuple(
        Parameter(t.name, ps.value(t.param), t.lower, t.upper, unit=ps[t.param].unit)
        for t in pm.thetas
    )
    om = np.diag(np.diag(get_omega(pm, ps)))
    sg = get_sigma(pm, "plasma_conc", ps)
    predict, covariates, what = _LAYERS[layer](pm, ps)
    return NLMEModel(
        name=layer,
        thetas=thetas,
        etas=tuple(e.name for e in pm.etas),
        omega=tuple(map(tuple, om.tolist())),
        sigmas=(
            Parameter("SIGMA_PROP", sg["prop_var"], 0.0, unit="1"),
            Parameter("SIGMA_ADD", sg["add_var"], 0.0, unit="ng^2/mL^2"),
        ),
        predict=predict,
        error="combined",
        covariates=covariates,
        description=f"{what} (brexsim.params.popmodel)",
    )


def _brexanolone_pk(pm, ps):  # type: ignore[no-untyped-def]
    names = [t.name for t in pm.thetas]

    def predict(theta, eta, subject):  # type: ignore[no-untyped-def]
        from brexsim.estimation.pk import two_compartment

        wt = subject.cov["WT"]
        ind = [theta[n] * wt * jnp.exp(eta[k]) for k, n in enumerate(names)]
        return two_compartment(subject, *ind, scale=1000.0)

    return predict, ("WT",), "brexanolone 2-compartment IV PK"


def _zuranolone_pk(pm, ps):  # type: ignore[no-untyped-def]
    n = max(1, round(ps.value("zuranolone_pk.n_transit_fed")))  # as brexsim.pk.zuranolone

    def predict(theta, eta, subject):  # type: ignore[no-untyped-def]
        from brexsim.estimation.pk import transit_two_compartment

        v = jnp.exp(eta[1])
        return transit_two_compartment(
            subject,
            cl=theta["CL/F"] * jnp.exp(eta[0]),
            v2=theta["V2/F"] * v,
            q=theta["Q/F"] * v,
            v3=theta["V3/F"] * v,
            ktr=theta["KTR"] * jnp.exp(eta[2]),
            n_transit=n,
            scale=1000.0,
        )

    return predict, (), f"zuranolone oral PK: {n}-compartment fed transit chain, 2 compartments"


#: Layer → builder of (prediction, covariates, description) for :func:`from_population_model`.
_LAYERS = {"brexanolone_pk": _brexanolone_pk, "zuranolone_pk": _zuranolone_pk}
