"""Global sensitivity: Sobol indices (Saltelli sampling) and Morris screening, with SALib.

The machinery works on any model ``f(X) -> Y`` (rows of ``X`` in sampling space, one column
of ``Y`` per output), so it is tested on the analytic Ishigami function;
:func:`make_model_function` wraps the brexsim model: each row becomes a parameter set
(:func:`brexsim.decision.ranges.apply_sample`) simulated on one fixed population.

Sobol: first-order ``S1`` and total ``ST`` indices (Jansen/Saltelli estimators of
:func:`SALib.analyze.sobol.analyze`, no second order) with 95 % bootstrap intervals
(``S ± conf``, SALib's normal interval from ``n_resamples`` bootstrap resamples). Convergence:
the same indices from the first ``n`` base samples of the one Saltelli design (the design of
``N`` base samples begins with that of ``n < N``), so the convergence table costs no extra run.
Morris: ``mu_star`` (mean absolute elementary effect, with a bootstrap interval) and ``sigma``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from brexsim.errors import input_error

__all__ = [
    "SobolResult",
    "analyze_sobol",
    "get_sobol_convergence",
    "make_model_function",
    "run_morris",
    "run_sobol",
    "sample_sobol",
]

#: Bootstrap resamples for the Sobol and Morris intervals.
N_RESAMPLES = 500


@dataclass(frozen=True)
class SobolResult:
    """Indices (``output, parameter, S1, S1_low, S1_high, ST, ST_low, ST_high``), the
    convergence table (the same plus ``n_base``), the design ``X`` and the model runs ``Y``."""

    indices: pd.DataFrame
    convergence: pd.DataFrame
    X: np.ndarray
    Y: np.ndarray


def _check_n_base(n_base: int) -> int:
    if isinstance(n_base, bool) or not isinstance(n_base, int) or n_base < 4:
        raise input_error("--n", n_base, "a power of 2 >= 4 (Sobol base samples)")
    if n_base & (n_base - 1):
        raise input_error("--n", n_base, "a power of 2 >= 4 (Sobol base samples)")
    return n_base


def sample_sobol(problem: dict[str, Any], n_base: int, seed: int) -> np.ndarray:
    """The Saltelli design: ``n_base * (k + 2)`` rows (no second-order indices).

    >>> p = {"num_vars": 3, "names": ["a", "b", "c"], "bounds": [[0, 1]] * 3}
    >>> sample_sobol(p, 8, seed=1).shape
    (40, 3)
    """
    from SALib.sample import sobol

    _check_n_base(n_base)
    return np.asarray(
        sobol.sample(problem, n_base, calc_second_order=False, scramble=True, seed=seed)
    )


def analyze_sobol(
    problem: dict[str, Any],
    Y: np.ndarray,
    output_names: Sequence[str],
    seed: int,
    n_resamples: int = N_RESAMPLES,
) -> pd.DataFrame:
    """Sobol indices of every output column of ``Y`` (rows in the order of the design).

    An output that does not vary over the design gets ``nan`` indices (no variance to share).
    """
    from SALib.analyze import sobol

    Y = np.asarray(Y, dtype=float).reshape(len(Y), -1)
    rows = []
    for j, out in enumerate(output_names):
        y = Y[:, j]
        if np.ptp(y) == 0:
            res = {
                k: np.full(problem["num_vars"], np.nan) for k in ("S1", "S1_conf", "ST", "ST_conf")
            }
        else:
            res = sobol.analyze(
                problem, y, calc_second_order=False, num_resamples=n_resamples, seed=seed
            )
        for i, name in enumerate(problem["names"]):
            s1, c1, st, ct = (float(res[k][i]) for k in ("S1", "S1_conf", "ST", "ST_conf"))
            rows.append(
                {
                    "output": out,
                    "parameter": name,
                    "S1": s1,
                    "S1_low": s1 - c1,
                    "S1_high": s1 + c1,
                    "ST": st,
                    "ST_low": st - ct,
                    "ST_high": st + ct,
                }
            )
    return pd.DataFrame(rows)


def get_sobol_convergence(
    problem: dict[str, Any],
    Y: np.ndarray,
    output_names: Sequence[str],
    seed: int,
    sizes: Sequence[int] | None = None,
) -> pd.DataFrame:
    """Indices from the first ``n`` base samples, for each ``n`` of ``sizes`` (default: the
    powers of 2 from 8 up to the full design; the full design alone when it is smaller)."""
    k = problem["num_vars"]
    n_full = len(Y) // (k + 2)
    if sizes is None:
        sizes = [n for n in (2**i for i in range(2, 30)) if n <= n_full and (n >= 8 or n == n_full)]
    frames = []
    for n in sizes:
        if n > n_full:
            raise input_error("sizes", n, f"at most the design's {n_full} base samples")
        df = analyze_sobol(problem, np.asarray(Y)[: n * (k + 2)], output_names, seed)
        frames.append(df.assign(n_base=n))
    return pd.concat(frames, ignore_index=True)


def run_sobol(
    problem: dict[str, Any],
    model: Callable[[np.ndarray], np.ndarray],
    output_names: Sequence[str],
    n_base: int,
    seed: int,
) -> SobolResult:
    """Sample, run ``model`` on every row, analyse, and the convergence table.

    Examples
    --------
    >>> from SALib.test_functions import Ishigami
    >>> p = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[-np.pi, np.pi]] * 3}
    >>> r = run_sobol(p, Ishigami.evaluate, ["y"], 256, seed=1)
    >>> bool((r.indices.S1 <= r.indices.ST + 0.05).all())
    True
    """
    X = sample_sobol(problem, n_base, seed)
    Y = np.asarray(model(X), dtype=float).reshape(len(X), -1)
    if Y.shape[1] != len(output_names):
        raise input_error("model", Y.shape, f"{len(output_names)} output column(s)")
    return SobolResult(
        analyze_sobol(problem, Y, output_names, seed),
        get_sobol_convergence(problem, Y, output_names, seed),
        X,
        Y,
    )


def run_morris(
    problem: dict[str, Any],
    model: Callable[[np.ndarray], np.ndarray],
    output_names: Sequence[str],
    trajectories: int,
    seed: int,
    levels: int = 4,
) -> pd.DataFrame:
    """Morris screening: ``trajectories * (k + 1)`` runs; ``output, parameter, mu_star,
    mu_star_low, mu_star_high, sigma`` (``mu_star`` in the output's unit).

    >>> from SALib.test_functions import Ishigami
    >>> p = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[-np.pi, np.pi]] * 3}
    >>> m = run_morris(p, Ishigami.evaluate, ["y"], 20, seed=1)
    >>> list(m.sort_values("mu_star").parameter)[-1] != "x3"
    True
    """
    from SALib.analyze import morris as morris_analyze
    from SALib.sample import morris as morris_sample

    if isinstance(trajectories, bool) or not isinstance(trajectories, int) or trajectories < 2:
        raise input_error("--n", trajectories, "an integer >= 2 (Morris trajectories)")
    X = np.asarray(morris_sample.sample(problem, trajectories, num_levels=levels, seed=seed))
    Y = np.asarray(model(X), dtype=float).reshape(len(X), -1)
    rows = []
    for j, out in enumerate(output_names):
        res = morris_analyze.analyze(
            problem, X, Y[:, j], num_levels=levels, num_resamples=N_RESAMPLES, seed=seed
        )
        for i, name in enumerate(problem["names"]):
            mu, conf = float(res["mu_star"][i]), float(res["mu_star_conf"][i])
            rows.append(
                {
                    "output": out,
                    "parameter": name,
                    "mu_star": mu,
                    "mu_star_low": max(mu - conf, 0.0),
                    "mu_star_high": mu + conf,
                    "sigma": float(res["sigma"][i]),
                }
            )
    return pd.DataFrame(rows)


def make_model_function(
    ranges: Sequence[Any],
    regimen: Any,
    population: Any,
    output_names: Sequence[str],
    chunk: int = 64,
    progress: Callable[[int, int], None] | None = None,
) -> Callable[[np.ndarray], np.ndarray]:
    """``f(X) -> Y``: each row of ``X`` a parameter set simulated on ``population`` (the same
    patients every time) under ``regimen``; columns of ``Y`` the population means of
    ``output_names`` (:func:`brexsim.decision.outputs.compute_patient_outputs`)."""
    from brexsim.decision.outputs import compute_patient_outputs, summarise_outputs
    from brexsim.decision.ranges import apply_sample
    from brexsim.params import load_parameters

    base = load_parameters()

    def f(X: np.ndarray) -> np.ndarray:
        Y = np.empty((len(X), len(output_names)))
        for i, row in enumerate(np.asarray(X)):
            ps = apply_sample(ranges, row, base)
            vals = compute_patient_outputs(
                regimen, population, ps, output_names, base=base, chunk=chunk
            )
            means = summarise_outputs(vals)
            Y[i] = [means[n] for n in output_names]
            if progress is not None:
                progress(i + 1, len(X))
        return Y

    return f
