"""SBML export of the deterministic in vivo model (one typical patient, one IV regimen).

The document (SBML Level 3 Version 2, python-libsbml) holds the same equations as
:func:`brexsim.model.simulate` for a brexanolone infusion:

* **PK** (:mod:`brexsim.pk.brexanolone`): drug amounts in the central and peripheral
  compartments (species, µg; compartment sizes ``v·W``, L), the infusion, elimination and
  distribution as reactions; the infusion rate (µg/kg/h) is a parameter set by one event at
  each change of the regimen's rate; the effect site ``Ce`` (ng/mL, rate rule);
* **GABA-A tone index** (:func:`brexsim.mechanism.gabaa.compute_tone_index`): assignment rules
  with the tonic-conductance formula at the free biophase allopregnanolone (drug +
  endogenous), clipped to [0, 1] as the assembled model does;
* **TLR/cytokines** (:func:`brexsim.mechanism.tlr.rhs`): the seven in vivo states as rate rules;
  the quasi-steady-state secretion table ``phi(r)`` is written as an exact piecewise-linear
  function of the coupling capacity ``r`` (one function definition per cytokine over the
  table's 27 knots, a sum of clamped ramps with ``min``/``max``; constant beyond the ends as
  ``jnp.interp``). No fit: it is the interpolation brexsim uses, up to rounding (~1e-15);
* **BDNF** (:func:`brexsim.mechanism.bdnf.rhs_from_inputs`): the eleven states as rate rules,
  serum BDNF and its change in healthy-SD units as assignment rules;
* **HAM-D-17** (:mod:`brexsim.clinical.hamd`): the remission state ``R`` (rate rule), the placebo
  fraction and the expected score as assignment rules.

Every number of the parameter tables that the equations use is an SBML parameter with id
``<layer>__<key>``, name ``<layer>.<key>``, its unit (an SBML unit definition) and, in notes and
in a ``brexsim:parameter`` annotation, the table, confidence code, description and source.
Per-patient values (``weight_kg``, ``infl_ic50_scale``, ``infl_reprogram_scale``,
``hamd_baseline``, ``eta_placebo``, ``eta_drug``) are plain parameters that a simulator may
change before a run (:data:`PATIENT_PARAMETERS`).

Left out (say so wherever the file is used): random sampling of patients and every
between-subject or residual variability (the file is one patient; change the patient
parameters to simulate another), the label's monitoring rules and sedation (they change the
regimen; export the regimen after interruptions instead), observed integer HAM-D scores
(residual noise), response/remission calls, zuranolone (oral absorption; brexanolone only), the
minute-scale cell model and ex vivo assays. Small numerical differences to brexsim remain by
design: brexsim feeds the in vivo solve exact PK linearly interpolated on a 0.25-h grid and
integrates the remission state with a trapezoid-averaged drive over its output intervals, while
the SBML model is one continuous ODE system (see ``docs/sbml.md``).
"""

from __future__ import annotations

from brexsim.model.sbml._builder import ANNOTATION_NS, OUTPUTS, PATIENT_PARAMETERS
from brexsim.model.sbml._document import (
    build_sbml_document,
    check_sbml_document,
    export_sbml,
    get_sbml_string,
)

__all__ = [
    "ANNOTATION_NS",
    "OUTPUTS",
    "PATIENT_PARAMETERS",
    "build_sbml_document",
    "check_sbml_document",
    "export_sbml",
    "get_sbml_string",
]
