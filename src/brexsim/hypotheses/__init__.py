"""Competing mechanism hypotheses as calibrated model variants (issue 15).

Each hypothesis (:func:`get_hypothesis_names`) is a structural variant of the packaged model,
stated by a parameter overlay (``brexsim/hypotheses/data/<name>.toml``; the structural switches
are rows of the packaged tables whose value there is today's behaviour) and the validation
records it is known to miss, with their analysis:

* ``gaba`` (default): today's model; HAM-D response driven by GABAergic tone, the immune and
  BDNF paths a slow contributor, immune random effects independent of HAM-D responsiveness.
* ``neuroimmune``: a per-patient innate-immune phenotype (:mod:`brexsim.hypotheses.phenotype`)
  is the shared cause of her cytokine level and drug sensitivity and of her HAM-D improvement.
* ``null-immune``: the anti-inflammatory effect exists but does not reach symptoms (the TNF-a
  drive of the HAM-D remission state is 0; the slow share is carried by BDNF).

>>> from brexsim.params import load_parameters
>>> ps = apply_hypothesis(load_parameters(), "neuroimmune")
>>> ps.value("hamd.phenotype_loading_drug") != 0.0
True
"""

from brexsim.hypotheses.registry import *  # noqa: F403  (the public names of the registry)
from brexsim.hypotheses.registry import __all__ as __all__
