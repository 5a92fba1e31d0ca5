"""Options of the in vivo solve that :func:`brexsim.model.simulate` accepts (``solver=``)."""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from brexsim.dosing.regimen import Regimen
from brexsim.errors import input_error

__all__ = ["SolverOptions"]


@dataclass(frozen=True)
class SolverOptions:
    """How :func:`brexsim.model.simulate` solves the coupled in vivo system (``solver=``).

    Each field left at ``None`` takes the default for the drug; a value is checked when
    ``simulate`` runs (one :class:`brexsim.errors.BrexsimInputError` naming ``solver.<field>``).

    Attributes
    ----------
    engine : ``"diffrax"`` (Tsit5, adaptive; default) or ``"etd"`` (fixed-grid exponential
        integrator, :mod:`brexsim.model.solve.etd`)
    inputs : ``"exact"`` (brexanolone default: PK and tone inside the right-hand side) or
        ``"grid"`` (zuranolone; inputs on a 0.25-h grid)
    jumps : with grid inputs, ``"grid"`` (stop at every grid point, default) or ``"regimen"``
        (stop only at the regimens' rate changes)
    workers : chunks solved at a time on threads (1..64, default 1; identical results)
    rtol, atol : diffrax tolerances (default 1e-6 / 1e-9; diffrax engine only)

    Examples
    --------
    >>> SolverOptions(engine="etd").as_dict()
    {'engine': 'etd'}
    """

    engine: str | None = None
    inputs: str | None = None
    jumps: str | None = None
    workers: int | None = None
    rtol: float | None = None
    atol: float | None = None

    def as_dict(self) -> dict[str, Any]:
        """The fields that are set, as the ``solver`` mapping ``simulate`` also accepts."""
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        return {k: v for k, v in values.items() if v is not None}


def _get_solver_options(
    solver: SolverOptions | Mapping[str, Any] | None, regs: tuple[Regimen, ...], drug: str
) -> dict[str, Any]:
    """Options of the in vivo solve from ``solver``: ``inputs`` ("exact" or "grid"), ``engine``
    ("diffrax" or "etd") plus the keyword arguments of
    :func:`brexsim.model.solve.solve_in_vivo_batch` (``jump_times_h``, ``workers``)."""
    if solver is not None and not isinstance(solver, SolverOptions):
        if not isinstance(solver, Mapping):
            raise input_error("solver", type(solver).__name__, "a SolverOptions object or None")
        warnings.warn(
            "a solver mapping is deprecated: pass solver=SolverOptions(...) (same fields)",
            DeprecationWarning,
            stacklevel=3,
        )
    opts = solver.as_dict() if isinstance(solver, SolverOptions) else dict(solver or {})
    unknown = set(opts) - {"inputs", "jumps", "workers", "engine", "rtol", "atol"}
    if unknown:
        raise input_error(
            "solver", sorted(unknown), "keys 'inputs', 'jumps', 'workers', 'engine', 'rtol', 'atol'"
        )
    out: dict[str, Any] = {}
    engine = opts.get("engine", "diffrax")
    if engine not in ("diffrax", "etd"):
        raise input_error("solver.engine", engine, "'diffrax' (default) or 'etd'")
    out["engine"] = engine
    for key, default in (("rtol", 1e-6), ("atol", 1e-9)):  # diffrax tolerances
        v = opts.get(key, default)
        if isinstance(v, bool) or not isinstance(v, float | int) or not 0 < v < 1:
            raise input_error(f"solver.{key}", v, "a number in (0, 1) (diffrax engine only)")
        if key in opts and engine == "etd":
            raise input_error(f"solver.{key}", v, "only with engine 'diffrax' (etd: fixed grid)")
        out[key] = float(v)
    inputs = opts.get("inputs", "exact" if drug == "brexanolone" else "grid")
    if inputs not in ("exact", "grid"):
        raise input_error("solver.inputs", inputs, "'exact' (brexanolone default) or 'grid'")
    if inputs == "exact" and drug != "brexanolone":
        raise input_error("solver.inputs", inputs, f"'grid' for {drug} (exact: brexanolone only)")
    out["inputs"] = inputs
    jumps = opts.get("jumps", "grid")
    if jumps not in ("grid", "regimen"):
        raise input_error("solver.jumps", jumps, "'grid' (default) or 'regimen'")
    if jumps == "regimen" and (inputs == "exact" or engine == "etd"):
        raise input_error(
            "solver.jumps", jumps, "only with solver.inputs = 'grid' and engine 'diffrax'"
        )
    if jumps == "regimen":
        out["jump_times_h"] = np.unique([x for r in regs for x in r.jump_times_h])
    workers = opts.get("workers", 1)
    if isinstance(workers, bool) or not isinstance(workers, int) or not 1 <= workers <= 64:
        raise input_error("solver.workers", workers, "an integer in [1, 64]")
    out["workers"] = workers
    return out
