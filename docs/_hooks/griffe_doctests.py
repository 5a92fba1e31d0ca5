"""Griffe extension of the docs site: doctests get an ``Examples`` section, Sphinx roles become
code spans.

Many brexsim docstrings put their doctests right after the summary or after a ``Parameters``
section, without a numpydoc ``Examples`` header. The numpy parser would then read the ``>>>``
lines as description text (rendered as nested quotes, with ``[...]`` outputs taken for links) or
as malformed parameter entries. Inserting the header makes every doctest a code example; the
docstrings themselves are unchanged (pytest's doctests do not need the header).

Sphinx cross-reference roles (``:func:`x```, ``:class:`~a.B```, ...) are not Markdown; they
are shown as code spans (``~`` keeps the last component, as in Sphinx).

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
LENIENT_MODULES: tuple[str, ...] = ()

_ROLE = re.compile(r":(?:py:)?(?:func|class|data|mod|meth|attr|obj|exc|const|term):`(~?)([^`]+)`")
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


def replace_roles(text: str) -> str:
    """Sphinx roles as Markdown code spans.

    >>> replace_roles("see :func:`simulate_pk` and :class:`~brexsim.dosing.Regimen`")
    'see `simulate_pk` and `Regimen`'
    """

    def code(m: re.Match[str]) -> str:
        target = m.group(2).strip()
        return f"`{target.rsplit('.', 1)[-1] if m.group(1) else target}`"

    return _ROLE.sub(code, text)


class DoctestExamples(griffe.Extension):
    """Add ``Examples`` headers to the docstrings of every visited object."""

    def on_instance(self, *, node: Any, obj: griffe.Object, agent: Any, **kwargs: Any) -> None:
        if obj.docstring is None:
            return
        value = obj.docstring.value
        if ">>>" in value:
            value = add_examples_headers(value)
        if ":`" in value:
            value = replace_roles(value)
        obj.docstring.value = value
        if any(obj.path == m or obj.path.startswith(m + ".") for m in LENIENT_MODULES):
            obj.docstring.parser_options = {**obj.docstring.parser_options, "warnings": False}
