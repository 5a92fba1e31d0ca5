"""Parameter tables as Markdown, generated from the packaged TOML tables (for the docs site).

The documentation page *Parameters* calls :func:`parameter_tables_markdown` while the site is
built, so the published tables are the package's own numbers: docs and code cannot drift.
Each row gives name, value, unit, description, source, confidence code and how the value was
obtained (for calibrated rows, ``C``, the command that writes it).

:func:`check_parameter_rows` lists rows that lack a unit, a source or a description, carry an
unknown confidence code, or are marked calibrated without a command that writes them; the
generator refuses to render tables with such rows (``strict=True``, the default).

Examples
--------
>>> md = parameter_tables_markdown()
>>> "`brexanolone_pk.cl_L_per_h_per_kg`" in md and "brexsim calibrate-pk" in md
True
>>> check_parameter_rows(load_parameters())
[]
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from brexsim.params.loader import (
    CONFIDENCE_CODES,
    Parameter,
    ParameterSet,
    get_parameter_files,
    load_parameters,
)

__all__ = [
    "CALIBRATION_COMMANDS",
    "check_parameter_rows",
    "get_calibration_command",
    "get_how_obtained",
    "markdown_cell",
    "parameter_tables_markdown",
]

#: Layer (table) -> the command that rewrites its calibrated (``C``) rows, used when the row's
#: source does not name a command itself. The BDNF weights are fitted by
#: ``brexsim.calibration.bdnf.calibrate_bdnf``, which ``brexsim calibrate-tlr`` runs; the TLR
#: between-subject variability rows (``bsv_*``) name ``brexsim calibrate-balan`` in their source.
CALIBRATION_COMMANDS: dict[str, str] = {
    "brexanolone_pk": "brexsim calibrate-pk",
    "zuranolone_pk": "brexsim calibrate-pk",
    "gabaa": "brexsim calibrate-gabaa",
    "neuron": "brexsim calibrate-gabaa",
    "tlr": "brexsim calibrate-tlr",
    "bdnf": "brexsim calibrate-tlr",
    "sedation": "brexsim calibrate-sedation",
    "hamd": "brexsim calibrate-hamd",
}

_COMMAND_RE = re.compile(r"`(brexsim [a-z][a-z0-9-]*)`")
_SECTION_RE = re.compile(r"^#\s*---\s*(.*?)\s*-*\s*$")
_KEY_RE = re.compile(r"^([A-Za-z][A-Za-z0-9_]*)\s*=")

_NOT_FITTED = {
    "V": "fixed (read in the source)",
    "R": "fixed (recalled value)",
    "U": "fixed (uncertain value)",
    "D": "derived (arithmetic in the description)",
    "A": "fixed (modelling assumption)",
}


def get_calibration_command(param: Parameter) -> str | None:
    """The command that writes a calibrated row: the one its source names, else the layer's.

    ``None`` for rows that are not calibrated (confidence other than ``C``).

    >>> ps = load_parameters()
    >>> get_calibration_command(ps["tlr.bsv_ic50_logsd"])
    'brexsim calibrate-balan'
    >>> get_calibration_command(ps["brexanolone_pk.fu_plasma"]) is None
    True
    """
    if param.confidence != "C":
        return None
    named = _COMMAND_RE.findall(param.source)
    if named:
        return named[-1]
    return CALIBRATION_COMMANDS.get(param.layer)


def get_how_obtained(param: Parameter) -> str:
    """Short text for the "how calibrated" column (Markdown).

    >>> ps = load_parameters()
    >>> get_how_obtained(ps["bdnf.gaba_weight"])
    '`brexsim calibrate-tlr` (`brexsim.calibration.bdnf.calibrate_bdnf`)'
    >>> get_how_obtained(ps["brexanolone_pk.mw_g_per_mol"])
    'fixed (read in the source)'
    """
    if param.confidence == "C":
        cmd = get_calibration_command(param)
        if cmd is None:
            return "calibrated (no command found)"
        text = f"`{cmd}`"
        if param.layer == "bdnf":
            text += " (`brexsim.calibration.bdnf.calibrate_bdnf`)"
        return text
    return _NOT_FITTED.get(param.confidence, param.confidence)


def check_parameter_rows(params: Iterable[Parameter] | ParameterSet) -> list[str]:
    """Problems of parameter rows: one line per problem, empty when every row is complete.

    A row needs a non-empty unit (dimensionless is written ``"1"``), source and description,
    a known confidence code, a finite value, and, when calibrated (``C``), a command that writes
    it (named in the source or known for its layer).

    >>> from dataclasses import replace
    >>> p = load_parameters()["brexanolone_pk.fu_plasma"]
    >>> check_parameter_rows([replace(p, unit=" ")])
    ['brexanolone_pk.fu_plasma: no unit (write "1" for a dimensionless number)']
    """
    rows = params.values() if isinstance(params, ParameterSet) else params
    problems: list[str] = []
    for p in rows:
        if not str(p.unit).strip():
            problems.append(f'{p.name}: no unit (write "1" for a dimensionless number)')
        if not str(p.source).strip():
            problems.append(f"{p.name}: no source")
        if not str(p.description).strip():
            problems.append(f"{p.name}: no description")
        if p.confidence not in CONFIDENCE_CODES:
            problems.append(f"{p.name}: unknown confidence code {p.confidence!r}")
        if not (isinstance(p.value, int | float) and abs(float(p.value)) < float("inf")):
            problems.append(f"{p.name}: value {p.value!r} is not a finite number")
        if p.confidence == "C" and get_calibration_command(p) is None:
            problems.append(f"{p.name}: calibrated (C) but no command writes it")
    return problems


def _escape_text(text: str) -> str:
    """Escape Markdown and table syntax in plain text (not inside code spans)."""
    text = text.replace("\\", "\\\\")
    for ch in "*_[]|#":
        text = text.replace(ch, "\\" + ch)
    text = text.replace("$", "&#36;")  # never math
    return text.replace("<", "&lt;").replace(">", "&gt;").replace("\n", " ")


def markdown_cell(text: str) -> str:
    r"""Text for a Markdown table cell: Markdown and HTML syntax escaped, well-formed `code spans`
    kept, never a line break or a bare ``|`` (so the table cannot break).

    >>> markdown_cell("a | *b* `c`")
    'a \\| \\*b\\* `c`'
    """
    text = str(text).strip()
    parts = text.split("`")
    if len(parts) % 2 == 0:  # unbalanced backticks: treat everything as text
        return _escape_text(text).replace("`", "\\`")
    out = []
    for i, part in enumerate(parts):
        if i % 2 == 0:
            out.append(_escape_text(part))
        else:
            out.append("`" + part.replace("|", "\\|").replace("\n", " ") + "`")
    return "".join(out)


def _format_value(value: float) -> str:
    v = float(value)
    if v == int(v) and abs(v) < 1e7:
        return f"{int(v)}" if abs(v) >= 1 or v == 0 else f"{v:g}"
    return f"{v:.6g}"


def _read_layout(path: Path) -> tuple[str, dict[str, str], list[str]]:
    """Header comment, ``{key: section title}`` and the keys in file order of one TOML table."""
    header: list[str] = []
    sections: dict[str, str] = {}
    order: list[str] = []
    current = ""
    in_header = True
    for line in path.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        m = _SECTION_RE.match(stripped)
        if m:
            in_header = False
            current = m.group(1).strip()
            continue
        if in_header and stripped.startswith("#"):
            header.append(stripped.lstrip("#").strip())
            continue
        if stripped:
            in_header = False
        k = _KEY_RE.match(stripped)
        if k:
            sections[k.group(1)] = current
            order.append(k.group(1))
    return " ".join(h for h in header if h), sections, order


def _table(rows: list[Parameter]) -> list[str]:
    out = [
        "| name | value | unit | description | source | confidence | how calibrated |",
        "|---|---|---|---|---|---|---|",
    ]
    for p in rows:
        out.append(
            "| "
            + " | ".join(
                [
                    f"`{p.name}`",
                    _format_value(p.value),
                    markdown_cell(p.unit),
                    markdown_cell(p.description),
                    markdown_cell(p.source),
                    p.confidence,
                    get_how_obtained(p),
                ]
            )
            + " |"
        )
    return out


def parameter_tables_markdown(
    params: ParameterSet | None = None, heading_level: int = 2, strict: bool = True
) -> str:
    """Markdown for every parameter: a legend, a summary, then one table per layer.

    Parameters
    ----------
    params : ParameterSet, optional
        Default: the packaged tables (:func:`~brexsim.params.load_parameters`).
    heading_level : int
        Markdown level of the layer headings (sections inside a layer are one level below).
    strict : bool
        Raise :class:`ValueError` listing :func:`check_parameter_rows` problems instead of
        rendering incomplete rows.

    Returns
    -------
    str
        Markdown text (tables in the Python-Markdown ``tables`` syntax).
    """
    ps = params if params is not None else load_parameters()
    problems = check_parameter_rows(ps)
    if strict and problems:
        raise ValueError("incomplete parameter rows: " + "; ".join(problems))
    h = "#" * heading_level
    hh = "#" * (heading_level + 1)
    by_layer: dict[str, list[Parameter]] = {}
    for p in ps.values():
        by_layer.setdefault(p.layer, []).append(p)
    files = {path.stem: path for path in get_parameter_files()}

    lines = [
        f"{len(ps)} parameters in {len(by_layer)} tables "
        f"(parameter-set hash `{ps.hash}`), generated from `src/brexsim/params/data/*.toml`.",
        "",
        "**Confidence codes**",
        "",
        "| code | meaning | rows |",
        "|---|---|---|",
    ]
    for code, meaning in CONFIDENCE_CODES.items():
        n = sum(p.confidence == code for p in ps.values())
        lines.append(f"| {code} | {markdown_cell(meaning)} | {n} |")
    lines += [
        "",
        "**Tables**",
        "",
        "| table | rows | calibrated (C) | command for the C rows |",
        "|---|---|---|---|",
    ]
    for layer, rows in by_layer.items():
        cmds = sorted({c for p in rows if (c := get_calibration_command(p))})
        lines.append(
            f"| [{layer}](#{layer}) | {len(rows)} | {sum(p.confidence == 'C' for p in rows)} | "
            + (", ".join(f"`{c}`" for c in cmds) or "–")
            + " |"
        )
    lines.append("")
    for layer, rows in by_layer.items():
        lines += [f"{h} {layer}" + " {#" + layer + "}", ""]
        path = files.get(layer)
        header, sections, order = _read_layout(path) if path else ("", {}, [])
        if header:
            lines += [markdown_cell(header), ""]
        rank = {k: i for i, k in enumerate(order)}
        rows = sorted(rows, key=lambda p: (rank.get(p.key, len(rank)), p.key))
        groups: dict[str, list[Parameter]] = {}
        for p in rows:
            groups.setdefault(sections.get(p.key, ""), []).append(p)
        for title, group in groups.items():
            if title and len(groups) > 1:
                lines += [f"{hh} {markdown_cell(title[:1].upper() + title[1:])}", ""]
            lines += [*_table(group), ""]
    return "\n".join(lines)
