"""Loading, validating, overriding and hashing parameter tables."""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import tomlkit

from brexsim.errors import input_error

__all__ = [
    "CONFIDENCE_CODES",
    "Parameter",
    "ParameterSet",
    "get_parameter_files",
    "load_parameters",
    "override_parameters",
    "use_default_parameters",
]

#: Confidence codes used in the tables (the first four follow ``shared/reference``).
CONFIDENCE_CODES: dict[str, str] = {
    "V": "verified: read in the source named",
    "R": "recalled: not read in a source; check against the primary source",
    "U": "uncertain: low-confidence recollection, secondary source, or sources disagree",
    "D": "derived: calculated from V/R inputs (arithmetic in the description)",
    "C": "calibrated: written by the re-runnable script named in the source",
    "A": "assumption: a modelling choice, justified in the description",
}

_REQUIRED_FIELDS = ("value", "unit", "description", "source", "confidence")
_NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class Parameter:
    """One model parameter.

    Attributes
    ----------
    name : str
        Fully qualified name ``"<layer>.<key>"``.
    value : float
        Value in ``unit``.
    unit : str
        Unit string (``"1"`` for dimensionless).
    description : str
        What the parameter is.
    source : str
        Citation, or ``"calibrated to X by <script>"``.
    confidence : str
        One of :data:`CONFIDENCE_CODES`.
    """

    name: str
    value: float
    unit: str
    description: str
    source: str
    confidence: str

    @property
    def layer(self) -> str:
        """The table (file stem) the parameter belongs to."""
        return self.name.split(".", 1)[0]

    @property
    def key(self) -> str:
        """The name inside its layer."""
        return self.name.split(".", 1)[1]


def _canonical_unit(unit: str) -> str:
    return re.sub(r"\s+", "", unit).replace("µ", "u").replace("μ", "u")


class ParameterSet(Mapping[str, Parameter]):
    """An immutable, hashable collection of :class:`Parameter` objects.

    Examples
    --------
    >>> ps = load_parameters()
    >>> p = ps["brexanolone_pk.fu_plasma"]
    >>> p.unit
    '1'
    >>> ps.value("brexanolone_pk.fu_plasma") == p.value
    True
    >>> len(ps.hash)
    16
    """

    __slots__ = ("_hash", "_params")

    def __init__(self, params: Mapping[str, Parameter]) -> None:
        self._params: dict[str, Parameter] = dict(sorted(params.items()))
        blob = json.dumps(
            [(p.name, repr(float(p.value)), p.unit) for p in self._params.values()]
        ).encode()
        self._hash = hashlib.sha256(blob).hexdigest()[:16]

    def __getitem__(self, name: str) -> Parameter:
        try:
            return self._params[name]
        except KeyError:
            raise input_error(
                "parameter", name, self._unknown_hint(name), "not in the parameter tables"
            ) from None

    def __contains__(self, name: object) -> bool:
        """Membership without the unknown-name error of ``ps[name]``.

        >>> "no.such_row" in load_parameters(), "hamd.residual_sd" in load_parameters()
        (False, True)
        """
        return name in self._params

    def get(self, name: str, default: Any = None) -> Any:  # type: ignore[override]
        """The parameter ``name``, or ``default`` when the tables have no such row."""
        return self._params.get(name, default)

    def __iter__(self) -> Iterator[str]:
        return iter(self._params)

    def __len__(self) -> int:
        return len(self._params)

    def __hash__(self) -> int:
        return hash(self._hash)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ParameterSet) and other._hash == self._hash

    def __repr__(self) -> str:
        return f"ParameterSet({len(self)} parameters, hash={self._hash})"

    def _unknown_hint(self, name: str) -> str:
        import difflib

        close = difflib.get_close_matches(name, list(self._params), n=3)
        hint = f"did you mean {', '.join(close)}?" if close else "see `brexsim params`"
        return f"a known parameter name; {hint}"

    @property
    def hash(self) -> str:
        """16-hex-digit SHA-256 digest of all names, values and units (provenance)."""
        return self._hash

    def value(self, name: str) -> float:
        """The value of parameter ``name`` in its table unit."""
        return self[name].value

    def get_layer(self, layer: str) -> dict[str, float]:
        """All values of one layer as ``{key: value}``.

        >>> "cl_L_per_h_per_kg" in load_parameters().get_layer("brexanolone_pk")
        True
        """
        out = {p.key: p.value for p in self._params.values() if p.layer == layer}
        if not out:
            layers = sorted({p.layer for p in self._params.values()})
            raise input_error("layer", layer, f"one of {layers}")
        return out

    def to_records(self) -> list[dict[str, Any]]:
        """Rows ``name, value, unit, confidence, description, source`` for tables and reports."""
        return [
            {
                "name": p.name,
                "value": p.value,
                "unit": p.unit,
                "confidence": p.confidence,
                "description": p.description,
                "source": p.source,
            }
            for p in self._params.values()
        ]


def _parse_override(name: str, spec: Any, param: Parameter) -> float:
    """Turn ``1.2``, ``(1.2, "L/h")`` or ``"1.2 L/h"`` into a value in the table unit."""
    unit: str | None = None
    value: Any = spec
    if isinstance(spec, tuple | list):
        if len(spec) != 2:
            raise input_error(name, spec, "a number, (number, unit) or 'number unit'")
        value, unit = spec
    elif isinstance(spec, str):
        parts = spec.strip().split(None, 1)
        value = parts[0]
        unit = parts[1] if len(parts) > 1 else None
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise input_error(name, spec, "a number, (number, unit) or 'number unit'") from None
    if not math.isfinite(out):
        raise input_error(name, spec, "a finite number")
    if unit is not None and _canonical_unit(str(unit)) != _canonical_unit(param.unit):
        raise input_error(
            f"{name} unit", unit, f"the table unit {param.unit!r} (no conversion is applied)"
        )
    return out


def override_parameters(params: ParameterSet, overrides: Mapping[str, Any]) -> ParameterSet:
    """Return a new :class:`ParameterSet` with some values replaced.

    Parameters
    ----------
    params : ParameterSet
        The set to start from (unchanged).
    overrides : mapping
        ``{name: value}`` where value is a number in the table unit, ``(number, unit)`` or
        ``"number unit"``. An unknown name or a unit other than the table's raises
        :class:`~brexsim.errors.BrexsimInputError`.

    Examples
    --------
    >>> ps = load_parameters()
    >>> ps2 = override_parameters(ps, {"brexanolone_pk.fu_plasma": "0.005 1"})
    >>> ps2.value("brexanolone_pk.fu_plasma"), ps2.hash != ps.hash
    (0.005, True)
    """
    new = dict(params.items())
    for name, spec in overrides.items():
        param = params[name]  # raises on unknown names
        value = _parse_override(name, spec, param)
        new[name] = replace(param, value=value, source=f"user override (table: {param.source})")
    return ParameterSet(new)


def get_parameter_files() -> list[Path]:
    """Paths of the packaged TOML parameter tables, sorted."""
    root = resources.files("brexsim.params") / "data"
    return sorted(Path(str(p)) for p in root.iterdir() if str(p).endswith(".toml"))


def _read_table(path: Path) -> dict[str, Parameter]:
    layer = path.stem
    doc = tomlkit.parse(path.read_text(encoding="utf-8")).unwrap()
    out: dict[str, Parameter] = {}
    for key, entry in doc.items():
        if key == "meta":
            continue
        where = f"{path.name}, parameter {key}"
        if not _NAME_RE.match(key):
            raise input_error("parameter name", key, "letters, digits and '_'", where)
        if not isinstance(entry, dict):
            raise input_error(key, entry, "an inline table {value, unit, ...}", where)
        missing = [f for f in _REQUIRED_FIELDS if f not in entry]
        if missing:
            raise input_error("fields", sorted(entry), f"must include {missing}", where)
        value = entry["value"]
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise input_error("value", value, "a number", where)
        if not math.isfinite(float(value)):
            raise input_error("value", value, "a finite number", where)
        conf = str(entry["confidence"])
        if conf not in CONFIDENCE_CODES:
            raise input_error("confidence", conf, f"one of {list(CONFIDENCE_CODES)}", where)
        for field in ("unit", "source", "description"):
            if not str(entry[field]).strip():
                raise input_error(field, entry[field], "a non-empty string", where)
        name = f"{layer}.{key}"
        out[name] = Parameter(
            name=name,
            value=float(value),
            unit=str(entry["unit"]),
            description=str(entry["description"]),
            source=str(entry["source"]),
            confidence=conf,
        )
    return out


@lru_cache(maxsize=1)
def _load_default() -> ParameterSet:
    params: dict[str, Parameter] = {}
    for path in get_parameter_files():
        params.update(_read_table(path))
    return ParameterSet(params)


def load_parameters(overrides: Mapping[str, Any] | None = None) -> ParameterSet:
    """Load every packaged parameter table into one immutable :class:`ParameterSet`.

    Parameters
    ----------
    overrides : mapping, optional
        Passed to :func:`override_parameters`.

    Examples
    --------
    >>> ps = load_parameters()
    >>> ps["brexanolone_pk.cl_L_per_h_per_kg"].unit
    'L/h/kg'
    """
    ps = _ACTIVE[-1] if _ACTIVE else _load_default()
    return override_parameters(ps, overrides) if overrides else ps


#: Parameter sets made the default by :func:`use_default_parameters` (innermost last).
_ACTIVE: list[ParameterSet] = []


@contextmanager
def use_default_parameters(params: ParameterSet) -> Iterator[ParameterSet]:
    """Within the block, :func:`load_parameters` returns ``params`` instead of the packaged
    tables (process-wide, nestable; for code that reads the tables itself, such as the
    validation checks run under a mechanism hypothesis).

    >>> ps = override_parameters(load_parameters(), {"hamd.residual_sd": 9.75})
    >>> with use_default_parameters(ps):
    ...     load_parameters().value("hamd.residual_sd")
    9.75
    >>> load_parameters().value("hamd.residual_sd") != 9.75
    True
    """
    if not isinstance(params, ParameterSet):
        raise input_error("params", type(params).__name__, "a ParameterSet")
    _ACTIVE.append(params)
    try:
        yield params
    finally:
        _ACTIVE.pop()


def clear_cache() -> None:
    """Forget the cached default tables (after a calibration script rewrote them)."""
    _load_default.cache_clear()
