"""Virtual trials: spec files, per-arm populations, batched/distributed running, trial statistics.

- :mod:`brexsim.trial.spec` — the trial spec (TOML, validated with pydantic; unknown keys are
  errors) and the shipped Study 1-like spec (:func:`get_default_spec_path`).
- :mod:`brexsim.trial.run` — :func:`run_trial`: sample each arm, simulate at the visit times
  only, in chunks (in-process, or on a Dask cluster), identical per-patient results for any chunk
  size, patient order and backend.
- :mod:`brexsim.trial.stats` — ANCOVA LS means, differences vs the reference, response and
  remission rates with Wilson CIs, replicate pooling and power (the ``endpoints.csv`` table).
"""

from brexsim.trial.spec import TrialSpec, get_default_spec_path, load_trial_spec, parse_trial_spec

__all__ = ["TrialSpec", "get_default_spec_path", "load_trial_spec", "parse_trial_spec"]
