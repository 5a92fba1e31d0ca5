"""The numerical engine: one coupled in vivo system (TLR/cytokines + BDNF) solved with diffrax,
batched over patients with ``vmap`` in fixed-size, padded chunks.

State per patient: :data:`IN_VIVO_STATES` = the TLR states of :mod:`brexsim.mechanism.tlr`
followed by the BDNF states of :mod:`brexsim.mechanism.bdnf`.
Inputs per patient, on a shared time grid: total plasma drug (drives TLR-MyD88 inhibition,
:mod:`brexsim.mechanism.tlr`) and the GABAergic tone index (drives BDNF,
:mod:`brexsim.mechanism.bdnf`); BDNF's inflammation input is the plasma TNF-α fold change taken
from the TLR states inside the same right-hand side. PK enters as exact (closed-form) values on
the grid, linearly interpolated; grid points are the solver's jump times.

The package, in the order of its imports:

* :mod:`brexsim.model.solve.rhs`: the right-hand sides (:func:`coupled_rhs`, grid inputs; the exact
  brexanolone PK and tone index inside the right-hand side, :func:`exact_inputs`);
* :mod:`brexsim.model.solve.inputs`: :class:`BrexanoloneInputs`, the per-patient exact inputs;
* :mod:`brexsim.model.solve.batch`: the jitted, vmapped, chunked solves
  (:func:`solve_in_vivo_batch`, :func:`solve_in_vivo_exact_batch`);
* :mod:`brexsim.model.solve.etd`: the same solves by an exponential integrator
  (``SolverOptions(engine="etd")``); it imports this package, never the reverse.
"""

from __future__ import annotations

from brexsim.model.solve.batch import _is_uniform as _is_uniform
from brexsim.model.solve.batch import _run_chunks as _run_chunks
from brexsim.model.solve.batch import solve_in_vivo_batch, solve_in_vivo_exact_batch
from brexsim.model.solve.inputs import _EXACT_SHARED as _EXACT_SHARED
from brexsim.model.solve.inputs import BrexanoloneInputs
from brexsim.model.solve.rhs import IN_VIVO_STATES, coupled_rhs
from brexsim.model.solve.rhs import _interp_uniform as _interp_uniform
from brexsim.model.solve.rhs import _pk_rhs as _pk_rhs
from brexsim.model.solve.rhs import exact_inputs as exact_inputs

__all__ = [
    "IN_VIVO_STATES",
    "BrexanoloneInputs",
    "coupled_rhs",
    "solve_in_vivo_batch",
    "solve_in_vivo_exact_batch",
]
