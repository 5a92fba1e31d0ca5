"""Biomarker data, the vocabulary: columns, stimuli, analyte classes and aliases, units, the
problem record and the canonical names (split from ``data``; see the package docstring).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from brexsim.errors import BrexsimInputError

#: Columns every long-format file must have.
REQUIRED_COLUMNS: tuple[str, ...] = ("subject", "time_h", "analyte", "stimulus", "value")
#: Columns that may be present (filled with ``""`` when absent).
OPTIONAL_COLUMNS: tuple[str, ...] = ("unit", "arm", "visit")
#: Allowed stimuli (canonical spelling; input is matched case-insensitively).
STIMULI: tuple[str, ...] = ("basal", "LPS", "IMQ")
#: The analyte name of HAM-D-17 total scores.
HAMD_ANALYTE = "HAMD17"
#: The baseline time every subject must have.
BASELINE_H = 0.0
#: HAM-D-17 totals range from 0 to 52 points.
HAMD_RANGE = (0.0, 52.0)

#: Known analytes: canonical name -> class; input names are matched after lower-casing and
#: removing everything except letters and digits (``TNF-α``, ``tnf_alpha`` -> ``TNFa``).
ANALYTE_CLASSES: dict[str, str] = {
    "TNFa": "cytokine",
    "IL1b": "cytokine",
    "IL6": "cytokine",
    "IL8": "cytokine",
    "IL10": "cytokine",
    "IL1RA": "cytokine",
    "MCP1": "cytokine",
    "HMGB1": "cytokine",
    "IFNa": "cytokine",
    "IFNg": "cytokine",
    "BDNF": "neurotrophin",
    "allopregnanolone": "neurosteroid",
    "pregnanolone": "neurosteroid",
    "progesterone": "neurosteroid",
    HAMD_ANALYTE: "score",
}

_ALIASES: dict[str, str] = {
    "tnfa": "TNFa",
    "tnfalpha": "TNFa",
    "tnfα": "TNFa",
    "tnf": "TNFa",
    "il1b": "IL1b",
    "il1beta": "IL1b",
    "il1β": "IL1b",
    "il6": "IL6",
    "il8": "IL8",
    "cxcl8": "IL8",
    "il10": "IL10",
    "il1ra": "IL1RA",
    "mcp1": "MCP1",
    "ccl2": "MCP1",
    "hmgb1": "HMGB1",
    "ifna": "IFNa",
    "ifnalpha": "IFNa",
    "ifng": "IFNg",
    "ifngamma": "IFNg",
    "bdnf": "BDNF",
    "allopregnanolone": "allopregnanolone",
    "allo": "allopregnanolone",
    "3a5athp": "allopregnanolone",
    "pregnanolone": "pregnanolone",
    "progesterone": "progesterone",
    "hamd17": HAMD_ANALYTE,
    "hamd": HAMD_ANALYTE,
    "hdrs17": HAMD_ANALYTE,
    "hdrs": HAMD_ANALYTE,
    "hrsd17": HAMD_ANALYTE,
}

_CONC = ("pg/mL", "ng/mL", "ug/mL", "pM", "nM")
_RELATIVE = ("fold", "% baseline")
#: Allowed units per analyte class (canonical spelling; input is matched case-insensitively,
#: ``µg/mL`` = ``ug/mL``). ``other`` is the class of analytes not in :data:`ANALYTE_CLASSES`.
ALLOWED_UNITS: dict[str, tuple[str, ...]] = {
    "cytokine": (*_CONC, "pg/mg protein", "ng/mg protein", "OD", *_RELATIVE),
    "neurotrophin": (*_CONC, "pg/mg protein", "ng/mg protein", *_RELATIVE),
    "neurosteroid": (*_CONC, "ng/g", *_RELATIVE),
    "score": ("points",),
    "other": (*_CONC, "mg/L", "pg/mg protein", "ng/mg protein", "OD", "U/mL", *_RELATIVE),
}

_MAX_LISTED = 15


@dataclass(frozen=True)
class DataProblem:
    """One kind of problem in a data file.

    Attributes
    ----------
    field : str
        The column (or ``columns``) at fault.
    what : str
        What is wrong and what is allowed.
    rows : tuple of str
        The offending rows (``"line 7"``), values quoted where useful.
    """

    field: str
    what: str
    rows: tuple[str, ...] = ()

    def describe(self) -> str:
        """One line: field, problem and (at most 15) rows."""
        if not self.rows:
            return f"{self.field}: {self.what}"
        shown = ", ".join(self.rows[:_MAX_LISTED])
        more = f" (+{len(self.rows) - _MAX_LISTED} more)" if len(self.rows) > _MAX_LISTED else ""
        return f"{self.field}: {self.what} at {shown}{more}"


class BiomarkerDataError(BrexsimInputError):
    """A biomarker file failed validation; ``problems`` lists every problem found.

    The message names each offending field, what is allowed, and the rows.
    """

    __module__ = "brexsim.analysis.data"  # its public name in tracebacks (defined here)

    def __init__(self, source: str, problems: Sequence[DataProblem]) -> None:
        self.problems = tuple(problems)
        first = self.problems[0]
        super().__init__(first.field, source, first.what)
        n = len(self.problems)
        head = f"invalid biomarker data {source}: {n} problem{'s' if n > 1 else ''}"
        self.args = (head + "; " + "; ".join(p.describe() for p in self.problems),)

    def __str__(self) -> str:
        return str(self.args[0])


def _key(name: str) -> str:
    return re.sub(r"[^0-9a-zα-ω]", "", str(name).lower())


def _canonical_analyte(name: str) -> str:
    name = str(name).strip()
    return _ALIASES.get(_key(name), name)


def get_canonical_analyte(name: str) -> str:
    """The canonical name of an analyte (unknown names are returned stripped).

    Examples
    --------
    >>> [get_canonical_analyte(a) for a in ("TNF-α", "HAM-D-17", "CRP")]
    ['TNFa', 'HAMD17', 'CRP']
    """
    return _canonical_analyte(name)


def get_analyte_class(analyte: str) -> str:
    """The class of an analyte (``cytokine``, ``neurotrophin``, ``neurosteroid``, ``score``
    or ``other``), which decides the allowed units.

    Examples
    --------
    >>> get_analyte_class("TNF-alpha"), get_analyte_class("HAM-D"), get_analyte_class("CRP")
    ('cytokine', 'score', 'other')
    """
    return ANALYTE_CLASSES.get(_canonical_analyte(analyte), "other")


_UNIT_LOOKUP: dict[str, str] = {}
for _units in ALLOWED_UNITS.values():
    for _u in _units:
        _UNIT_LOOKUP[_u.lower().replace(" ", "")] = _u
_UNIT_LOOKUP.update({"µg/ml": "ug/mL", "μg/ml": "ug/mL", "x": "fold", "%baseline": "% baseline"})


def _canonical_unit(unit: str) -> str | None:
    """Canonical spelling of a unit, or None if the unit is not in the vocabulary."""
    return _UNIT_LOOKUP.get(str(unit).strip().lower().replace(" ", ""))


_STIMULUS_LOOKUP = {s.lower(): s for s in STIMULI}
_STIMULUS_LOOKUP.update({"unstimulated": "basal", "none": "basal", "imiquimod": "IMQ"})
