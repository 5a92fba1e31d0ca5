"""Label monitoring, the rules: event types, states and :class:`MonitoringRules` (split from
``monitoring``; see the package docstring).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from brexsim.errors import input_error
from brexsim.params import ParameterSet, load_parameters

#: Event codes of the rule engine (0 = no event).
EVENT_TYPES: dict[int, str] = {
    1: "excessive_sedation_stop",
    2: "loc_stop",
    3: "other_ae_stop",
    4: "resume",
    5: "hypoxia_stop",
    6: "stop_interruption_limit",
}
_SED, _LOC, _OTHER, _RESUME, _HYPOXIA, _LIMIT = 1, 2, 3, 4, 5, 6
_RUN, _PAUSE_SED, _PAUSE_OTHER, _STOPPED = 0, 1, 2, 3


@dataclass(frozen=True)
class MonitoringRules:
    """Thresholds (latent-score units) and monitoring settings.

    ``resume_threshold`` = ``excessive - resume_fraction * (excessive - somnolence)``;
    ``hypoxia_threshold`` = ``loc + hypoxia_margin``.
    """

    somnolence_threshold: float
    excessive_threshold: float
    loc_threshold: float
    hypoxia_threshold: float
    resume_threshold: float
    check_interval_h: float
    sleep_start_clock_h: float
    sleep_end_clock_h: float
    reduced_rate_ug_per_kg_h: float
    max_interruptions: int
    other_ae_pause_h: float
    steps_per_h: int

    @property
    def step_h(self) -> float:
        """Engine time step, h."""
        return 1.0 / self.steps_per_h

    def is_asleep(self, clock_h: np.ndarray) -> np.ndarray:
        """True where the clock time (h after midnight, any real) is in the sleep window.

        >>> r = get_monitoring_rules()
        >>> r.is_asleep(np.array([22.9, 23.0, 2.0, 6.99, 7.0, 31.0])).tolist()
        [False, True, True, True, False, False]
        """
        c = np.mod(np.asarray(clock_h, dtype=float), 24.0)
        a, b = self.sleep_start_clock_h, self.sleep_end_clock_h
        if a == b:
            return np.zeros_like(c, dtype=bool)
        if a < b:
            return (c >= a) & (c < b)
        return (c >= a) | (c < b)


def get_monitoring_rules(params: ParameterSet | None = None) -> MonitoringRules:
    """Rules from the ``sedation`` table.

    >>> r = get_monitoring_rules()
    >>> r.check_interval_h, r.max_interruptions, r.steps_per_h
    (2.0, 3, 12)
    """
    p = (params or load_parameters()).get_layer("sedation")
    ex, so = p["excessive_threshold"], p["somnolence_threshold"]
    steps = round(1.0 / p["step_h"])
    if steps < 1 or abs(steps * p["step_h"] - 1.0) > 1e-6:
        raise input_error("sedation.step_h", p["step_h"], "1/k h for an integer k >= 1")
    return MonitoringRules(
        somnolence_threshold=so,
        excessive_threshold=ex,
        loc_threshold=p["loc_threshold"],
        hypoxia_threshold=p["loc_threshold"] + p["hypoxia_margin"],
        resume_threshold=ex - p["resume_fraction"] * (ex - so),
        check_interval_h=p["check_interval_h"],
        sleep_start_clock_h=p["sleep_start_clock_h"],
        sleep_end_clock_h=p["sleep_end_clock_h"],
        reduced_rate_ug_per_kg_h=p["reduced_rate_ug_per_kg_h"],
        max_interruptions=round(p["max_interruptions"]),
        other_ae_pause_h=p["other_ae_pause_h"],
        steps_per_h=steps,
    )
