"""The assembled model: one public :func:`simulate` for one patient or a batch.

Data flow (design.md §2): regimen → monitoring rules (sedation score from the effect-site
concentration; stops, resumptions and stops for good change each patient's regimen) → exact PK
(plasma total, free, effect site) → GABA-A tone index (free brain concentration) → coupled in
vivo TLR/cytokine + BDNF system (:mod:`brexsim.model.solve`) → HAM-D-17 (placebo course + fast
GABAergic + slow immune/BDNF effect). Every output is labelled with its unit.

PK is per patient: each patient's η (``eta_pk_*``) and special-population covariates
(:mod:`brexsim.population.covariates`) scale her CL, volumes and absorption, and the monitoring
rules see her own effect-site course. What is not yet per patient: the basal TLR tone (typical
value; the Balan calibration uses its own tables), the serum BDNF baseline (typical).

The package, in the order of the data flow:

* :mod:`brexsim.model.options`: the solver options (``solver=``);
* :mod:`brexsim.model.sedation`: sedation outcomes and the monitoring rules;
* :mod:`brexsim.model.pk_batch`: brexanolone's closed-form PK for blocks of patients;
* :mod:`brexsim.model.hamd`: HAM-D-17 scores and outcomes;
* :mod:`brexsim.model.result`: :class:`SimulationResult`;
* :mod:`brexsim.model.assemble`: :func:`simulate`, the one entry point.

Beneath it, the engines and the export (imported on demand, not by ``import brexsim.model``):

* :mod:`brexsim.model.solve`: the right-hand sides and the batched diffrax solves, one file per
  engine (:mod:`brexsim.model.solve.batch`: Tsit5 under ``vmap``;
  :mod:`brexsim.model.solve.etd`: the exponential integrator);
* :mod:`brexsim.model.sbml`: the same model written as SBML (``brexsim export-sbml``), checked
  against libRoadRunner.
"""

from __future__ import annotations

from brexsim.model.assemble import simulate
from brexsim.model.options import SolverOptions
from brexsim.model.result import SimulationResult

__all__ = ["SimulationResult", "SolverOptions", "simulate"]
