"""Ranges of the uncertain parameters for global sensitivity analysis.

Each row of ``ranges.toml`` names a parameter of the tables (confidence A, U or C), its low and
high values in the table unit, a sampling scale (``log`` or ``linear``), the rule that set the
range and its source. :func:`load_ranges` checks every row against
:func:`brexsim.params.load_parameters` (known name, A/U/C confidence, ``low < value < high``);
:func:`get_problem` gives the SALib problem (log-scale rows are sampled in log space) and
:func:`apply_sample` turns one sample row into a :class:`~brexsim.params.ParameterSet`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import tomlkit

from brexsim.errors import input_error
from brexsim.params import ParameterSet, load_parameters, override_parameters

__all__ = ["ParameterRange", "apply_sample", "get_problem", "load_ranges", "to_values"]

_UNCERTAIN = ("A", "U", "C")
_FIELDS = {"low", "high", "scale", "rule", "source"}


@dataclass(frozen=True)
class ParameterRange:
    """The range of one uncertain parameter.

    Attributes
    ----------
    name : ``"<layer>.<key>"`` of the parameter tables
    value : table value (in ``unit``)
    unit : table unit
    confidence : A, U or C
    low, high : range bounds, table unit
    scale : ``"log"`` (uniform in log) or ``"linear"``
    rule, source : how the range was set and from what
    """

    name: str
    value: float
    unit: str
    confidence: str
    low: float
    high: float
    scale: str
    rule: str
    source: str

    @property
    def bounds(self) -> tuple[float, float]:
        """Sampling bounds (log of low/high for a log-scale row)."""
        if self.scale == "log":
            return (math.log(self.low), math.log(self.high))
        return (self.low, self.high)


def _default_path() -> Path:
    return Path(str(resources.files("brexsim.decision") / "ranges.toml"))


def load_ranges(
    path: str | Path | None = None,
    params: ParameterSet | None = None,
    names: Sequence[str] | None = None,
) -> tuple[ParameterRange, ...]:
    """Read and check a ranges file (default: the shipped ``ranges.toml``).

    Parameters
    ----------
    path : a TOML file of ``["layer.key"]`` tables with low, high, scale, rule, source
    params : the parameter set the ranges refer to (default: the tables)
    names : keep only these parameters (in this order); an unknown one is an error

    Examples
    --------
    >>> rs = load_ranges()
    >>> all(r.low < r.value < r.high for r in rs), {r.confidence for r in rs} <= {"A", "U", "C"}
    (True, True)
    """
    ps = params or load_parameters()
    p = Path(path) if path is not None else _default_path()
    if not p.is_file():
        raise input_error("ranges", str(p), "an existing TOML file")
    try:
        doc = tomlkit.parse(p.read_text(encoding="utf-8")).unwrap()
    except Exception as exc:  # tomlkit raises several types
        raise input_error("ranges", p.name, f"valid TOML ({exc})") from None
    out: list[ParameterRange] = []
    for name, row in doc.items():
        where = f"{p.name}, [{name}]"
        if name not in ps:
            raise input_error("parameter", name, "a name of the parameter tables", where)
        param = ps[name]
        if param.confidence not in _UNCERTAIN:
            raise input_error("confidence", param.confidence, "A, U or C (uncertain rows)", where)
        if not isinstance(row, dict) or set(row) != _FIELDS:
            got = sorted(row) if isinstance(row, dict) else row
            raise input_error("fields", got, f"exactly {sorted(_FIELDS)}", where)
        lo, hi = _number(row["low"], "low", where), _number(row["high"], "high", where)
        if not lo < param.value < hi:
            raise input_error(
                "low/high", (lo, hi), f"low < table value {param.value:g} < high", where
            )
        if row["scale"] not in ("log", "linear"):
            raise input_error("scale", row["scale"], "'log' or 'linear'", where)
        if row["scale"] == "log" and lo <= 0:
            raise input_error("low", lo, "> 0 on a log scale", where)
        for key in ("rule", "source"):
            if not str(row[key]).strip():
                raise input_error(key, row[key], "a non-empty string", where)
        out.append(
            ParameterRange(
                name,
                param.value,
                param.unit,
                param.confidence,
                lo,
                hi,
                str(row["scale"]),
                str(row["rule"]),
                str(row["source"]),
            )
        )
    if names is not None:
        known = {r.name: r for r in out}
        missing = [n for n in names if n not in known]
        if missing:
            raise input_error("--params", missing[0], f"one of {sorted(known)}")
        out = [known[n] for n in names]
    if len(out) < 2:
        raise input_error("ranges", len(out), "at least 2 parameters")
    return tuple(out)


def _number(x: Any, field: str, where: str) -> float:
    if isinstance(x, bool) or not isinstance(x, int | float) or not math.isfinite(float(x)):
        raise input_error(field, x, "a finite number", where)
    return float(x)


def get_problem(ranges: Sequence[ParameterRange]) -> dict[str, Any]:
    """The SALib problem dictionary (bounds in sampling space).

    >>> get_problem(load_ranges())["num_vars"] == len(load_ranges())
    True
    """
    return {
        "num_vars": len(ranges),
        "names": [r.name for r in ranges],
        "bounds": [list(r.bounds) for r in ranges],
    }


def to_values(ranges: Sequence[ParameterRange], row: np.ndarray) -> dict[str, float]:
    """One sample row (sampling space) as ``{name: value}`` in table units.

    >>> rs = load_ranges()
    >>> v = to_values(rs, np.array([r.bounds[0] for r in rs]))
    >>> all(abs(v[r.name] - r.low) < 1e-9 * r.low for r in rs)
    True
    """
    x = np.asarray(row, dtype=float)
    if x.shape != (len(ranges),):
        raise input_error("sample row", x.shape, f"({len(ranges)},)")
    return {
        r.name: float(math.exp(v) if r.scale == "log" else v)
        for r, v in zip(ranges, x, strict=True)
    }


def apply_sample(
    ranges: Sequence[ParameterRange], row: np.ndarray, params: ParameterSet | None = None
) -> ParameterSet:
    """The parameter set of one sample row (:func:`brexsim.params.override_parameters`)."""
    return override_parameters(params or load_parameters(), to_values(ranges, row))
