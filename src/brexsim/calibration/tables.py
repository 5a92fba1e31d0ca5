"""Writing calibrated values back into the TOML parameter tables."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import tomlkit

from brexsim.errors import input_error
from brexsim.params.loader import clear_cache, get_parameter_files

__all__ = ["write_parameter_values"]


def write_parameter_values(values: Mapping[str, float], sig: int = 6) -> list[Path]:
    """Write ``{"layer.key": value}`` into the packaged tables, rounded to ``sig`` significant
    digits; only ``value`` changes (units, sources and comments are preserved).

    Only parameters with confidence ``C`` may be written. Returns the files changed.
    """
    files = {p.stem: p for p in get_parameter_files()}
    by_file: dict[str, dict[str, float]] = {}
    for name, v in values.items():
        layer, _, key = name.partition(".")
        if layer not in files:
            raise input_error("parameter", name, f"a parameter of the tables {sorted(files)}")
        by_file.setdefault(layer, {})[key] = float(f"{float(v):.{sig}g}")
    changed = []
    for layer, kv in by_file.items():
        path = files[layer]
        doc = tomlkit.parse(path.read_text(encoding="utf-8"))
        for key, v in kv.items():
            if key not in doc:
                raise input_error("parameter", f"{layer}.{key}", "an existing table entry")
            if doc[key]["confidence"] != "C":
                raise input_error(
                    "parameter", f"{layer}.{key}", "a parameter with confidence C (calibrated)"
                )
            doc[key]["value"] = v
        path.write_text(tomlkit.dumps(doc), encoding="utf-8")
        changed.append(path)
    clear_cache()
    return changed
