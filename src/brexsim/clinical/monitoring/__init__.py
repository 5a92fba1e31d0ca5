"""The Zulresso monitoring rules as an explicit, vectorised rule engine.

Rules (Zulresso PI boxed warning, sections 2.1, 2.2, 5.1; parameters in ``sedation.toml``):

* **Continuous pulse oximetry.** Hypoxia is defined as the latent sedation score ``S`` exceeding
  ``loc_threshold + hypoxia_margin`` (deep sedation beyond loss of consciousness, with
  respiratory depression and desaturation). It is detected at once, asleep or awake, and stops
  the infusion **for good**.
* **Loss of consciousness** (``S > loc_threshold``) is seen at once while awake (a health-care
  provider is on site for all 60 h) and stops the infusion; during the sleep window it is not
  distinguishable from sleep and only the oximeter watches.
* **Checks every 2 h while awake**: at ``t = 2, 4, 6 ... h`` after the start, skipped when the
  clock time (``regimen.start_clock_h + t``) lies in the sleep window (default 23:00-07:00).
  Excessive sedation at a check (``S > excessive_threshold``) stops the infusion.
* **Resume** once symptoms resolve (``S < resume threshold``; typically 15-60 min, from the
  effect-site decline) at the same or a lower rate: the rate is capped at
  ``min(rate at the stop, reduced_rate_ug_per_kg_h)`` for the rest of the course (90 -> 60,
  60 -> 60, 30 -> 30; no escalation after a sedation event).
* **Other AEs** (not sedation-related; the placebo arm's 3 %) pause the infusion for
  ``other_ae_pause_h`` at a drawn time, then it resumes as scheduled.
* At most ``max_interruptions`` pauses; the next stop is for good.

The engine is a :func:`jax.lax.scan` over a fixed 5-min grid with every patient on a leading
axis. PK (brexanolone, per kg: concentrations do not depend on body weight) is propagated
exactly over each step, the input being constant within a step (all dosing changes fall on the
grid). Its output per patient: the events (time, type, rate before/after) and the modified
:class:`~brexsim.dosing.Regimen` (built with :func:`brexsim.dosing.interrupt`), so that exposure
and efficacy downstream see the interruptions.

Also here: a vectorised closed-form evaluator of the effect-site concentration for
piecewise-constant infusions with per-patient segment tables
(:func:`compute_effect_site_ng_per_ml`).
"""

from __future__ import annotations

from brexsim.clinical.monitoring._apply import (
    MonitoringResult,
    apply_monitoring_rules,
    build_regimen,
)
from brexsim.clinical.monitoring._effect_site import (
    compute_effect_site_ng_per_ml,
    get_effect_site_coefficients,
    get_segment_table,
)
from brexsim.clinical.monitoring._rules import EVENT_TYPES, MonitoringRules, get_monitoring_rules
from brexsim.clinical.monitoring._scan import (
    get_check_schedule,
    get_step_matrices,
    get_step_matrices_batch,
)

__all__ = [
    "EVENT_TYPES",
    "MonitoringResult",
    "MonitoringRules",
    "apply_monitoring_rules",
    "build_regimen",
    "compute_effect_site_ng_per_ml",
    "get_check_schedule",
    "get_effect_site_coefficients",
    "get_monitoring_rules",
    "get_segment_table",
    "get_step_matrices",
    "get_step_matrices_batch",
]
