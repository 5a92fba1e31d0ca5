"""Comparing the mechanism hypotheses: the roof above :mod:`brexsim.hypotheses` (issue 15).

:mod:`brexsim.hypotheses` states each hypothesis (its overlay, its phenotype, the validation
records it misses) and sits at the floor, where the model reads it. This package *uses* the
model under each hypothesis, so it sits above the model, calibration and estimation:

* :mod:`brexsim.comparison.calibrate`: calibrate a hypothesis overlay on the shared targets
  (``brexsim calibrate-hypothesis``);
* :mod:`brexsim.comparison.compare`: one virtual cohort per hypothesis and where their
  predictions diverge (``brexsim compare-hypotheses``);
* :mod:`brexsim.comparison.power`: the probability that a study of a given size tells two
  hypotheses apart (fitting joint NLME models);
* :mod:`brexsim.comparison.report`: the comparison's tables, figures and HTML report.
"""
