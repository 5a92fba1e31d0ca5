"""TLR4 / TLR7 -> MyD88 -> IKK/NF-kB -> TNF-a, IL-1b, IL-6, inhibited by the drug.

One model, two forms (equations and states: ``docs/mechanism_inflammation.md``):

* the **cell model** in minutes (:mod:`brexsim.mechanism.tlr.cells`, :func:`simulate_cells`,
  scipy BDF): receptor occupancy (TLR4-LPS, TLR7-imiquimod through Caldwell 2014's MyD88-only
  TLR9 module, TLR3-pIC through TRIF only), active MyD88 / TRIF / TRAF6 (Caldwell 2014 rates on
  normalised fractions), the Lipniacki 2004 IKK/IkBa/NF-kB/A20 core (rates converted from 1/s to
  1/min), and for each cytokine mRNA -> cell-associated protein -> secreted protein. Used for ex
  vivo assays (:mod:`brexsim.mechanism.assay`) and, with a plasma compartment, as the reference
  for the reduced form.
* the **in vivo form** in hours (:mod:`brexsim.mechanism.tlr.in_vivo`, :func:`rhs`, pure
  ``jax.numpy``, float64): the intracellular species sit at quasi-steady state, tabulated once
  from the cell model (:func:`get_qss_table`); the states are the slow innate-immune state and
  the three plasma cytokines with their own turnover.

The drug keeps a fraction ``I(C) = Imax C^n / (IC50^n + C^n)`` of the MyD88 pool from coupling
to TLR4/TLR7, with C the TOTAL drug concentration in uM (see the header of ``tlr.toml`` for why
total). TRIF signalling (TLR3, endosomal TLR4) is not inhibited (Balan 2021).

The parameter table, unit conversion, the drug inhibition and the subject random effects are in
:mod:`brexsim.mechanism.tlr.parameters`; the package re-exports the names of all three modules
(data flow ``parameters`` -> ``cells`` -> ``in_vivo``).

In vivo state vector ``y`` (see :data:`IN_VIVO_STATES`):

====  =================  ======  =====================================================
idx   name               unit    meaning
====  =================  ======  =====================================================
0     innate_state       1       coupling capacity of circulating innate cells (1 = baseline)
1-3   <c>_production     1       TLR-driven secretion of TNF-a / IL-1b / IL-6 relative to
                                 baseline, lagging its quasi-steady value by the mean
                                 intracellular residence time (mRNA + protein [+ IL-6
                                 secondary-response step]); 1 = baseline
4     tnf_pg_per_ml      pg/mL   plasma TNF-a
5     il1b_pg_per_ml     pg/mL   plasma IL-1b
6     il6_pg_per_ml      pg/mL   plasma IL-6
====  =================  ======  =====================================================
"""

from __future__ import annotations

from brexsim.mechanism.tlr.cells import (
    _IX,  # noqa: F401  (used by brexsim.calibration.tlr)
    CELL_STATES,
    CellInputs,
    _freeze,  # noqa: F401  (used by brexsim.mechanism.assay, brexsim.calibration.balan)
    _steady_state,  # noqa: F401  (used by brexsim.calibration.balan)
    _steady_state_cached,  # noqa: F401  (used by brexsim.mechanism.assay, calibration.balan)
    get_cell_steady_state,
    simulate_cells,
)
from brexsim.mechanism.tlr.in_vivo import (
    IN_VIVO_STATES,
    InflammationResult,
    get_in_vivo_baseline,
    get_qss_table,
    make_in_vivo_args,
    rhs,
    rhs_from_concentration,
    simulate_cells_in_vivo,
    simulate_inflammation,
)
from brexsim.mechanism.tlr.parameters import (
    CYTOKINES,
    RANDOM_EFFECTS,
    convert_ng_per_ml_to_uM,
    get_drug_inhibition,
    get_random_effects_from_normals,
    get_tlr_parameters,
    sample_inflammation_random_effects,
)

__all__ = [
    "CELL_STATES",
    "CYTOKINES",
    "IN_VIVO_STATES",
    "RANDOM_EFFECTS",
    "CellInputs",
    "InflammationResult",
    "convert_ng_per_ml_to_uM",
    "get_cell_steady_state",
    "get_drug_inhibition",
    "get_in_vivo_baseline",
    "get_qss_table",
    "get_random_effects_from_normals",
    "get_tlr_parameters",
    "make_in_vivo_args",
    "rhs",
    "rhs_from_concentration",
    "sample_inflammation_random_effects",
    "simulate_cells",
    "simulate_cells_in_vivo",
    "simulate_inflammation",
]
