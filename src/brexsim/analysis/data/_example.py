"""Biomarker data, a synthetic example data set with known effects (split from ``data``; see the
package docstring).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from brexsim.analysis.data._vocab import BASELINE_H, HAMD_ANALYTE, STIMULI
from brexsim.errors import BrexsimInputError

# ------------------------------------------------------------------------------------------
# example data

#: Effects of the synthetic example data: ``(analyte, stimulus) -> (delta, gamma)``; the
#: natural-log level of the measurement (for LPS/IMQ: of the *induced* part, stimulated minus
#: basal) changes by ``g(t) * (delta + gamma * z)`` where ``z ~ N(0, 1)`` is the subject's
#: responsiveness and ``g(t) = 1 - exp(-t / tau_h)``. Synthetic numbers chosen for a clear
#: demo, not estimates from any study.
EXAMPLE_EFFECTS: dict[tuple[str, str], tuple[float, float]] = {
    ("TNFa", "basal"): (-0.35, -0.20),
    ("IL6", "basal"): (-0.25, -0.20),
    ("IL1b", "basal"): (-0.10, -0.10),
    ("TNFa", "LPS"): (-0.40, -0.25),
    ("IL6", "LPS"): (-0.35, -0.25),
    ("IL1b", "LPS"): (-0.40, -0.25),
    ("TNFa", "IMQ"): (-0.40, -0.25),
    ("IL6", "IMQ"): (-0.35, -0.25),
    ("IL1b", "IMQ"): (-0.35, -0.25),
    ("BDNF", "basal"): (0.15, 0.10),
}
_EXAMPLE_LEVELS = {  # typical log-normal medians (pg/mL; BDNF ng/mL), synthetic
    ("TNFa", "basal"): 8.0,
    ("IL6", "basal"): 4.0,
    ("IL1b", "basal"): 2.0,
    ("TNFa", "LPS"): 1500.0,
    ("IL6", "LPS"): 15000.0,
    ("IL1b", "LPS"): 5000.0,
    ("TNFa", "IMQ"): 600.0,
    ("IL6", "IMQ"): 5000.0,
    ("IL1b", "IMQ"): 1500.0,
    ("BDNF", "basal"): 25.0,
}


def make_example_dataset(
    seed: int = 0,
    n_subjects: int = 11,
    times_h: Sequence[float] = (0.0, 24.0, 60.0, 168.0),
    effects: Mapping[tuple[str, str], tuple[float, float]] | None = None,
    tau_h: float = 20.0,
    sd_subject: float = 0.4,
    sd_noise: float = 0.15,
    missing_fraction: float = 0.0,
) -> pd.DataFrame:
    """A synthetic long-format biomarker data set with a known effect (for demos and tests).

    Generative model (natural-log scale; ``z_i ~ N(0, 1)`` per subject,
    ``g(t) = 1 - exp(-t / tau_h)``):

    * HAM-D-17: baseline ``round(N(27, 2.5))`` clipped to 20-40; at time t the score is
      ``round(h0 * (1 - clip(0.5 + 0.2 z_i, 0.02, 0.98) * g(t)))``.
    * each ``(analyte, stimulus)`` in ``effects``: ``log y = log(level) + b_i + g(t) (delta +
      gamma z_i) + e``, ``b_i ~ N(0, sd_subject)``, ``e ~ N(0, sd_noise)``. For LPS/IMQ this
      is the induced part; the stimulated value reported is basal + induced.

    So with the ``log`` transform the mean change at t is ``g(t) delta`` and the change has SD
    ``sqrt(g(t)^2 gamma^2 + 2 sd_noise^2)``.

    Parameters
    ----------
    seed : int
        Random seed.
    n_subjects : int
        Number of subjects (Balan 2023 had 11 with basal data).
    times_h : sequence of float
        Sampling times, h; must start with 0.
    effects : mapping, optional
        ``(analyte, stimulus) -> (delta, gamma)``; default :data:`EXAMPLE_EFFECTS`.
    missing_fraction : float
        Fraction of non-baseline measurements blanked out (missing at random).

    Returns
    -------
    DataFrame
        Long format ``subject, time_h, analyte, stimulus, value, unit``.

    Examples
    --------
    >>> df = make_example_dataset(seed=1)
    >>> sorted(df["stimulus"].unique()), df["subject"].nunique()
    (['IMQ', 'LPS', 'basal'], 11)
    """
    times = np.asarray(times_h, dtype=float)
    if times.size < 2 or times[0] != BASELINE_H or np.any(np.diff(times) <= 0):
        raise BrexsimInputError("times_h", tuple(times_h), "increasing times starting at 0 h")
    if n_subjects < 2:
        raise BrexsimInputError("n_subjects", n_subjects, "an integer >= 2")
    if not 0.0 <= missing_fraction < 1.0:
        raise BrexsimInputError("missing_fraction", missing_fraction, "a number in [0, 1)")
    effects = dict(EXAMPLE_EFFECTS if effects is None else effects)
    for key in effects:
        if key[1] not in STIMULI or key[0] == HAMD_ANALYTE:
            raise BrexsimInputError("effects", key, "(analyte, stimulus) with a known stimulus")
    rng = np.random.default_rng(seed)
    n, nt = n_subjects, times.size
    subjects = np.array([f"S{i + 1:03d}" for i in range(n)], dtype=object)
    z = rng.standard_normal(n)
    g = 1.0 - np.exp(-times / tau_h)
    h0 = np.clip(np.round(rng.normal(27.0, 2.5, n)), 20, 40)
    frac = np.clip(0.5 + 0.2 * z, 0.02, 0.98)
    hamd = np.round(h0[:, None] * (1.0 - frac[:, None] * g[None, :]))
    rows = [
        pd.DataFrame(
            {
                "subject": np.repeat(subjects, nt),
                "time_h": np.tile(times, n),
                "analyte": HAMD_ANALYTE,
                "stimulus": "basal",
                "value": hamd.ravel(),
                "unit": "points",
            }
        )
    ]

    def draw(level: float, delta: float, gamma: float) -> np.ndarray:
        b = rng.normal(0.0, sd_subject, n)
        e = rng.normal(0.0, sd_noise, (n, nt))
        return np.exp(np.log(level) + b[:, None] + g[None, :] * (delta + gamma * z[:, None]) + e)

    basal_cache: dict[str, np.ndarray] = {}
    ordered = sorted(effects, key=lambda k: (k[0], STIMULI.index(k[1])))
    for analyte, stimulus in ordered:
        if stimulus != "basal" and (analyte, "basal") not in effects:
            basal_cache.setdefault(
                analyte, draw(_EXAMPLE_LEVELS.get((analyte, "basal"), 5.0), 0.0, 0.0)
            )
    for analyte, stimulus in ordered:
        delta, gamma = effects[(analyte, stimulus)]
        level = _EXAMPLE_LEVELS.get((analyte, stimulus), 5.0 if stimulus == "basal" else 500.0)
        y = draw(level, delta, gamma)
        if stimulus == "basal":
            basal_cache[analyte] = y
        else:
            y = basal_cache[analyte] + y
        unit = "ng/mL" if analyte == "BDNF" else "pg/mL"
        rows.append(
            pd.DataFrame(
                {
                    "subject": np.repeat(subjects, nt),
                    "time_h": np.tile(times, n),
                    "analyte": analyte,
                    "stimulus": stimulus,
                    "value": np.round(y, 4).ravel(),
                    "unit": unit,
                }
            )
        )
    df = pd.concat(rows, ignore_index=True)
    if missing_fraction > 0:
        later = (df["time_h"] > BASELINE_H).to_numpy()
        drop = later & (rng.random(len(df)) < missing_fraction)
        df.loc[drop, "value"] = np.nan
    return df
