"""Griffe extension of the docs site: doctest blocks outside an ``Examples`` section get one.

Many brexsim docstrings put their doctests right after the summary or after a ``Parameters``
section, without a numpydoc ``Examples`` header. The numpy parser would then read the ``>>>``
lines as description text (rendered as nested quotes, with ``[...]`` outputs taken for links) or
as malformed parameter entries. Inserting the header makes every doctest a code example; the
docstrings themselves are unchanged (pytest's doctests do not need the header).

Docstring warnings are switched off for the modules in :data:`LENIENT_MODULES` only: their
docstrings put free paragraphs inside a numpydoc ``Parameters`` section, which the parser reads
as malformed parameters (the text still renders). They belong to code outside the docs' remit;
see the docs report.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

#: Modules whose docstring warnings are not reported (free text inside ``Parameters``).
LENIENT_MODULES: tuple[str, ...] = ("brexsim.solve",)

_UNDERLINE = re.compile(r"^-{3,}\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")


def add_examples_headers(text: str) -> str:
    """``text`` with an ``Examples`` header before every top-level doctest block that is not
    already in an ``Examples`` section.

    >>> add_examples_headers("Summary.\\n\\n>>> 1 + 1\\n2").splitlines()[2:4]
    ['Examples', '--------']
    """
    lines = text.split("\n")
    out: list[str] = []
    section = ""
    in_fence = False
    for i, line in enumerate(lines):
        if _FENCE.match(line):
            in_fence = not in_fence
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        if not in_fence and line.strip() and _UNDERLINE.match(nxt) and not line.startswith(" "):
            section = line.strip()
        elif not in_fence and line.startswith(">>>") and section != "Examples":
            if out and out[-1].strip():
                out.append("")
            out += ["Examples", "--------"]
            section = "Examples"
        out.append(line)
    return "\n".join(out)


class DoctestExamples(griffe.Extension):
    """Add ``Examples`` headers to the docstrings of every visited object."""

    def on_instance(self, *, node: Any, obj: griffe.Object, agent: Any, **kwargs: Any) -> None:
        if obj.docstring is None:
            return
        if ">>>" in obj.docstring.value:
            obj.docstring.value = add_examples_headers(obj.docstring.value)
        if any(obj.path == m or obj.path.startswith(m + ".") for m in LENIENT_MODULES):
            obj.docstring.parser_options = {**obj.docstring.parser_options, "warnings": False}
