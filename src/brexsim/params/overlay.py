"""Parameter overlay files: rows that replace packaged parameters (hypotheses, fitted parameters).

An overlay is a TOML file in the row format of the packaged tables, grouped by layer::

    [meta]                     # free-form description of where the rows come from
    model = "brexanolone_pk"

    [brexanolone_pk]           # a parameter layer (a file stem of brexsim/params/data)
    cl_L_per_h_per_kg = { value = 1.12, unit = "L/h/kg", confidence = "C",
                          description = "...", source = "fitted by brexsim fit (focei) ..." }

Every row names an existing parameter and carries the table's unit (no conversion is applied);
its value must be finite and its confidence one of :data:`brexsim.params.CONFIDENCE_CODES`.
Applying an overlay replaces each named row (value, description, source, confidence), so the
parameter hash changes with the values. The mechanism hypotheses
(:mod:`brexsim.hypotheses.registry`) and ``brexsim fit``'s ``fitted_parameters.toml`` (read by
``brexsim simulate --params`` and ``brexsim trial --params``) are both such files, read by this
one parser.

Examples
--------
>>> from brexsim.params import load_parameters
>>> ps = load_parameters()
>>> row = Parameter("hamd.residual_sd", 2.0, "points", "HAM-D residual SD", "example", "A")
>>> text = format_parameter_file([row], {"model": "example"})
>>> rows = parse_parameter_text(text, "example.toml")
>>> rows == (row,)
True
>>> apply_parameter_rows(ps, rows, "example.toml").value("hamd.residual_sd")
2.0
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import tomlkit

from brexsim.errors import input_error
from brexsim.params.loader import (
    CONFIDENCE_CODES,
    Parameter,
    ParameterSet,
    _canonical_unit,
)

__all__ = [
    "apply_parameter_file",
    "apply_parameter_rows",
    "format_parameter_file",
    "get_file_sha256",
    "get_parameter_file_meta",
    "get_parameter_file_record",
    "parse_overlay_rows",
    "parse_parameter_row",
    "parse_parameter_text",
    "read_parameter_file",
]

#: The fields of every row, in the order they are written.
ROW_FIELDS = ("value", "unit", "confidence", "description", "source")


def parse_parameter_row(layer: str, key: str, entry: Any, where: str) -> Parameter:
    """One overlay row ``layer.key = {value, unit, description, source, confidence}``.

    >>> parse_parameter_row("hamd", "residual_sd", {"value": 2}, "f.toml, hamd.residual_sd")
    Traceback (most recent call last):
    ...
    brexsim.errors.BrexsimInputError: invalid fields=['value'] (f.toml, hamd.residual_sd): \
must include ['unit', 'confidence', 'description', 'source']
    """
    if not isinstance(entry, dict):
        raise input_error(f"{layer}.{key}", entry, "an inline table {value, unit, ...}", where)
    missing = [f for f in ROW_FIELDS if f not in entry]
    if missing:
        raise input_error("fields", sorted(entry), f"must include {missing}", where)
    value = entry["value"]
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise input_error("value", value, "a finite number", where)
    if str(entry["confidence"]) not in CONFIDENCE_CODES:
        codes = list(CONFIDENCE_CODES)
        raise input_error("confidence", entry["confidence"], f"one of {codes}", where)
    for f in ("unit", "description", "source"):
        if not str(entry[f]).strip():
            raise input_error(f, entry[f], "a non-empty string", where)
    return Parameter(
        name=f"{layer}.{key}",
        value=float(value),
        unit=str(entry["unit"]),
        description=str(entry["description"]),
        source=str(entry["source"]),
        confidence=str(entry["confidence"]),
    )


def parse_overlay_rows(
    doc: Mapping[str, Any], where: str, skip: Iterable[str] = ("meta",)
) -> tuple[Parameter, ...]:
    """The rows of every layer table of a parsed overlay (tables named in ``skip`` are not
    layers); ``where`` (the file) is named in every error."""
    skipped = set(skip)
    rows: list[Parameter] = []
    for layer, table in doc.items():
        if layer in skipped:
            continue
        if not isinstance(table, dict):
            raise input_error(layer, table, "a parameter layer table [layer]", where)
        rows += [
            parse_parameter_row(layer, k, v, f"{where}, {layer}.{k}") for k, v in table.items()
        ]
    return tuple(rows)


def _parse_toml(text: str, where: str) -> dict[str, Any]:
    try:
        return tomlkit.parse(text).unwrap()
    except Exception as exc:  # tomlkit's parse errors have no common public base class
        raise input_error("TOML", where, f"a valid TOML file ({exc})") from None


def parse_parameter_text(text: str, where: str = "parameter file") -> tuple[Parameter, ...]:
    """The rows of a parameter overlay given as TOML text (at least one row)."""
    rows = parse_overlay_rows(_parse_toml(text, where), where)
    if not rows:
        raise input_error("rows", 0, "at least one parameter row in a [layer] table", where)
    return rows


def _read_text(path: str | Path) -> str:
    p = Path(path)
    if not p.is_file():
        raise input_error("parameter file", str(path), "an existing TOML file")
    return p.read_text(encoding="utf-8")


def read_parameter_file(path: str | Path) -> tuple[Parameter, ...]:
    """The rows of the parameter overlay file ``path`` (e.g. ``fitted_parameters.toml``).

    Raises :class:`~brexsim.errors.BrexsimInputError` naming the file and the row for a missing
    file, bad TOML, a missing field, a non-finite value or a bad confidence code; the names and
    units are checked against a parameter set by :func:`apply_parameter_file`.
    """
    return parse_parameter_text(_read_text(path), str(path))


def get_parameter_file_meta(path: str | Path) -> dict[str, Any]:
    """The ``[meta]`` table of a parameter overlay file (``{}`` when it has none)."""
    meta = _parse_toml(_read_text(path), str(path)).get("meta", {})
    return dict(meta) if isinstance(meta, dict) else {}


def get_file_sha256(path: str | Path) -> str:
    """SHA-256 (hex) of a file's bytes (provenance of a parameter or data file), read in
    1-MiB chunks so that large data files are not held in memory.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.NamedTemporaryFile(delete=False) as fh:
    ...     _ = fh.write(b"abc")
    >>> get_file_sha256(fh.name)[:16]
    'ba7816bf8f01cfea'
    """
    h = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def get_parameter_file_record(path: str | Path) -> dict[str, Any]:
    """``{"file", "sha256", "meta"}`` of a parameter overlay file (for provenance records)."""
    return {
        "file": str(path),
        "sha256": get_file_sha256(path),
        "meta": get_parameter_file_meta(path),
    }


def apply_parameter_rows(
    params: ParameterSet, rows: Iterable[Parameter], where: str
) -> ParameterSet:
    """``params`` with each of ``rows`` in place of the row of that name (value, description,
    source, confidence; the table's unit spelling). An unknown name or another unit raises
    :class:`~brexsim.errors.BrexsimInputError` naming ``where``; no rows: ``params`` itself.

    >>> from brexsim.params import load_parameters
    >>> ps = load_parameters()
    >>> apply_parameter_rows(ps, (), "nothing") is ps
    True
    """
    if not isinstance(params, ParameterSet):
        raise input_error("params", type(params).__name__, "a ParameterSet")
    rows = tuple(rows)
    if not rows:
        return params
    new = dict(params.items())
    for row in rows:
        if row.name not in new:  # (``in params`` would raise: ParameterSet's own error)
            raise input_error("parameter", row.name, params._unknown_hint(row.name), where)
        table = params[row.name]
        if _canonical_unit(row.unit) != _canonical_unit(table.unit):
            raise input_error(
                f"{row.name} unit",
                row.unit,
                f"the table unit {table.unit!r} (no conversion is applied)",
                f"{where}, {row.name}",
            )
        new[row.name] = replace(row, unit=table.unit)
    return ParameterSet(new)


def apply_parameter_file(params: ParameterSet, path: str | Path) -> ParameterSet:
    """``params`` with the rows of the overlay file ``path`` (:func:`read_parameter_file`,
    :func:`apply_parameter_rows`); the result's hash differs wherever a value does."""
    return apply_parameter_rows(params, read_parameter_file(path), str(path))


def format_parameter_file(rows: Iterable[Parameter], meta: Mapping[str, Any]) -> str:
    """TOML text of an overlay: ``[meta]``, then one ``[layer]`` table of rows per layer (in the
    order of ``rows``); :func:`parse_parameter_text` reads it back to the same rows."""
    doc = tomlkit.document()
    mt = tomlkit.table()
    for k, v in meta.items():
        mt.add(str(k), v)
    doc.add("meta", mt)
    layers: dict[str, Any] = {}
    for row in rows:
        if row.layer not in layers:
            layers[row.layer] = tomlkit.table()
            doc.add(row.layer, layers[row.layer])
        entry = tomlkit.inline_table()
        entry.update({f: getattr(row, f) for f in ROW_FIELDS})
        layers[row.layer].add(row.key, entry)
    return tomlkit.dumps(doc)
