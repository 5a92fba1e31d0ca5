"""The result object of :func:`brexsim.model.simulate`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from brexsim.dosing.regimen import Regimen
from brexsim.errors import input_error
from brexsim.population.virtual import Population

__all__ = ["SimulationResult"]


@dataclass(frozen=True)
class SimulationResult:
    """Outputs of :func:`simulate`.

    Attributes
    ----------
    time_h : (m,) output times, h
    outputs : ``{name: (array (n, m), unit)}``
    population : the patients simulated
    regimens : the regimen each patient received (after monitoring-rule interruptions)
    events : per-patient lists of monitoring events (dicts: time_h, type, rates)
    outcomes : ``{name: (n,) array}`` per-patient outcomes (sedation, interruptions, HAM-D
        response/remission at the last time)
    solver_ok : (n,) bool
    provenance : version, parameter hash, seed
    """

    time_h: np.ndarray
    outputs: dict[str, tuple[np.ndarray, str]]
    population: Population
    regimens: tuple[Regimen, ...]
    events: tuple[tuple[Any, ...], ...] = ()
    outcomes: dict[str, np.ndarray] = field(default_factory=dict)
    solver_ok: np.ndarray = field(default_factory=lambda: np.ones(0, dtype=bool))
    provenance: dict[str, Any] = field(default_factory=dict)

    def get(self, name: str) -> np.ndarray:
        """The ``(n, m)`` array of one output."""
        if name not in self.outputs:
            raise input_error("output", name, f"one of {sorted(self.outputs)}")
        return self.outputs[name][0]

    def to_long_frame(self, arm: str = "") -> pd.DataFrame:
        """Long format ``subject, arm, time_h, variable, value, unit``."""
        n, m = len(self.population.ids), len(self.time_h)
        frames = []
        for name, (v, unit) in self.outputs.items():
            frames.append(
                pd.DataFrame(
                    {
                        "subject": np.repeat(self.population.ids, m),
                        "arm": arm,
                        "time_h": np.tile(self.time_h, n),
                        "variable": name,
                        "value": np.asarray(v).ravel(),
                        "unit": unit,
                    }
                )
            )
        return pd.concat(frames, ignore_index=True)
