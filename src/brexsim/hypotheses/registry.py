"""The registry of mechanism hypotheses: one immutable :class:`Hypothesis` per TOML file in
``brexsim/hypotheses/data``.

File format (one file per hypothesis, named after it)::

    [meta]
    name = "neuroimmune"
    title = "one line"
    description = "the structural description"

    [hamd]   # a parameter layer: rows exactly as in brexsim/params/data/*.toml
    phenotype_loading_drug = { value = 0.5, unit = "1", description = "...", source = "...",
                               confidence = "C" }

    [discrepancies]   # record id -> analysis (why the hypothesis misses it)
    "cytokine.tnfa.basal.hamd_correlation" = "..."

The rows are parsed and applied by :mod:`brexsim.params.overlay` (the parser of every parameter
overlay file, ``brexsim fit``'s ``fitted_parameters.toml`` included). Every overlay row names an
existing parameter (the structural switches are rows of the packaged
tables at today's values, e.g. ``hamd.phenotype_loading_*``); its unit must be the table's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from types import MappingProxyType

import tomlkit

from brexsim.errors import input_error
from brexsim.params import Parameter, ParameterSet
from brexsim.params.overlay import apply_parameter_rows, parse_overlay_rows

__all__ = [
    "DEFAULT_HYPOTHESIS",
    "Hypothesis",
    "apply_hypothesis",
    "get_hypothesis",
    "get_hypothesis_names",
    "identify_hypothesis",
]

#: The hypothesis of the packaged tables (today's model).
DEFAULT_HYPOTHESIS = "gaba"


@dataclass(frozen=True)
class Hypothesis:
    """A named mechanism hypothesis: a structural description, a parameter overlay and the
    validation records it is known to miss.

    Attributes
    ----------
    name : str
    title : str
        One line.
    description : str
        The structural variant in words (what differs from the packaged model).
    overlay : tuple of Parameter
        Rows that replace packaged parameters (value, unit, description, source, confidence).
    discrepancies : mapping
        ``{record id: analysis}``, read-only.
    """

    name: str
    title: str
    description: str
    overlay: tuple[Parameter, ...] = ()
    discrepancies: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))

    def get_overlay_values(self) -> dict[str, float]:
        """``{parameter: value}`` of the overlay."""
        return {p.name: p.value for p in self.overlay}


def _data_dir() -> Path:
    return Path(str(resources.files("brexsim.hypotheses") / "data"))


def _read(path: Path) -> Hypothesis:
    doc = tomlkit.parse(path.read_text(encoding="utf-8")).unwrap()
    meta = doc.get("meta", {})
    name = str(meta.get("name", ""))
    if name != path.stem:
        raise input_error("meta.name", name, f"the file name {path.stem!r}", path.name)
    rows = parse_overlay_rows(doc, path.name, skip=("meta", "discrepancies"))
    disc = {str(k): str(v) for k, v in doc.get("discrepancies", {}).items()}
    return Hypothesis(
        name=name,
        title=str(meta.get("title", "")),
        description=str(meta.get("description", "")),
        overlay=rows,
        discrepancies=MappingProxyType(disc),
    )


@lru_cache(maxsize=1)
def _registry() -> dict[str, Hypothesis]:
    out = {}
    for path in sorted(_data_dir().glob("*.toml")):
        h = _read(path)
        out[h.name] = h
    return out


def clear_cache() -> None:
    """Forget the read hypothesis files (after a calibration script rewrote one)."""
    _registry.cache_clear()
    _overlay_hashes.cache_clear()


def get_hypothesis_names() -> list[str]:
    """Names of the packaged hypotheses, the default first.

    >>> get_hypothesis_names()[0]
    'gaba'
    >>> sorted(get_hypothesis_names())
    ['gaba', 'neuroimmune', 'null-immune']
    """
    names = sorted(_registry())
    return [DEFAULT_HYPOTHESIS] + [n for n in names if n != DEFAULT_HYPOTHESIS]


def get_hypothesis(name: str) -> Hypothesis:
    """The hypothesis ``name`` (:class:`brexsim.errors.BrexsimInputError` if unknown).

    >>> get_hypothesis("gaba").overlay
    ()
    """
    reg = _registry()
    if name not in reg:
        raise input_error("hypothesis", name, f"one of {get_hypothesis_names()}")
    return reg[name]


def apply_hypothesis(params: ParameterSet, name: str) -> ParameterSet:
    """``params`` with the overlay of hypothesis ``name`` (values through
    :func:`brexsim.params.overlay.apply_parameter_rows`: each row's value, description, source
    and confidence, in the table's unit). ``gaba`` (no overlay) returns ``params`` itself.

    >>> from brexsim.params import load_parameters
    >>> ps = load_parameters()
    >>> apply_hypothesis(ps, "gaba") is ps
    True
    >>> apply_hypothesis(ps, "null-immune").value("hamd.immune_weight")
    0.0
    """
    h = get_hypothesis(name)
    return apply_parameter_rows(params, h.overlay, f"hypothesis {name}")


@lru_cache(maxsize=4)
def _overlay_hashes(packaged_hash: str) -> dict[str, str]:
    from brexsim.params.loader import _load_default

    packaged = _load_default()
    return {apply_hypothesis(packaged, n).hash: n for n in reversed(get_hypothesis_names())}


def identify_hypothesis(params: ParameterSet) -> str:
    """The hypothesis whose overlay on the packaged tables is ``params`` (by parameter hash), or
    ``"custom"`` for any other parameter set (user overrides, a calibration in progress).

    >>> from brexsim.params import load_parameters
    >>> identify_hypothesis(apply_hypothesis(load_parameters(), "neuroimmune"))
    'neuroimmune'
    >>> identify_hypothesis(load_parameters({"hamd.residual_sd": 9.75}))
    'custom'
    """
    from brexsim.params.loader import _load_default

    return _overlay_hashes(_load_default().hash).get(params.hash, "custom")
