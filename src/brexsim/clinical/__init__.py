"""Clinical layer: HAM-D-17 (placebo course, drug effect) and sedation with the label's
monitoring rules."""

from brexsim.clinical.hamd import (
    compute_hamd,
    is_remission,
    is_response,
    sample_baseline_hamd,
    sample_hamd_random_effects,
    sample_observed_hamd,
    scale_biophase_for_tone,
)
from brexsim.clinical.monitoring import (
    MonitoringResult,
    apply_monitoring_rules,
    compute_effect_site_ng_per_ml,
    get_segment_table,
)
from brexsim.clinical.sedation import (
    compute_sedation_score,
    get_sedation_gain,
    sample_sedation_random_effects,
    simulate_sedation_trial,
)

__all__ = [
    "MonitoringResult",
    "apply_monitoring_rules",
    "compute_effect_site_ng_per_ml",
    "compute_hamd",
    "compute_sedation_score",
    "get_sedation_gain",
    "get_segment_table",
    "is_remission",
    "is_response",
    "sample_baseline_hamd",
    "sample_hamd_random_effects",
    "sample_observed_hamd",
    "sample_sedation_random_effects",
    "scale_biophase_for_tone",
    "simulate_sedation_trial",
]
