"""The generated parameter tables of the docs site: complete, and every row has unit and source."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from brexsim.params import Parameter, ParameterSet, load_parameters
from brexsim.params.markdown import (
    CALIBRATION_COMMANDS,
    check_parameter_rows,
    get_calibration_command,
    parameter_tables_markdown,
)


def _table_rows(md: str) -> dict[str, list[str]]:
    """``{name: cells}`` of every parameter row in the generated Markdown."""
    rows = {}
    for line in md.splitlines():
        m = re.match(r"^\| `([A-Za-z0-9_]+\.[A-Za-z0-9_]+)` \|", line)
        if m:
            cells = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip().strip("|"))]
            rows[m.group(1)] = cells
    return rows


def test_every_parameter_appears_once_with_its_value_unit_and_confidence() -> None:
    ps = load_parameters()
    md = parameter_tables_markdown()
    rows = _table_rows(md)
    assert set(rows) == set(ps), set(ps) ^ set(rows)
    for name, p in ps.items():
        cells = rows[name]
        assert len(cells) == 7, (name, cells)
        assert float(cells[1]) == pytest.approx(p.value, rel=1e-5, abs=1e-300), name
        assert cells[2], name
        assert cells[5] == p.confidence, name
    assert len(rows) == len(ps) == sum(md.count(f"| `{n}` |") for n in ps)


def test_real_tables_have_a_unit_and_a_source_for_every_parameter() -> None:
    ps = load_parameters()
    problems = check_parameter_rows(ps)
    assert problems == [], "\n".join(problems)
    for p in ps.values():  # the same, spelled out: nothing empty, dimensionless written "1"
        assert p.unit.strip(), p.name
        assert p.source.strip(), p.name


def _bad_set() -> ParameterSet:
    good = load_parameters()["brexanolone_pk.fu_plasma"]
    rows = {
        "x.no_unit": replace(good, name="x.no_unit", unit=""),
        "x.no_source": replace(good, name="x.no_source", source="  "),
        "x.ok": replace(good, name="x.ok"),
    }
    return ParameterSet(rows)


def test_check_catches_a_synthetic_row_without_unit_or_source() -> None:
    problems = check_parameter_rows(_bad_set())
    assert any(p.startswith("x.no_unit: no unit") for p in problems), problems
    assert any(p.startswith("x.no_source: no source") for p in problems), problems
    assert not any(p.startswith("x.ok") for p in problems)
    with pytest.raises(ValueError, match=r"x\.no_source: no source; x\.no_unit: no unit"):
        parameter_tables_markdown(_bad_set())


def test_calibrated_row_without_a_command_is_a_problem() -> None:
    p = Parameter("mystery.k", 1.0, "1/h", "a rate", "calibrated somewhere", "C")
    assert get_calibration_command(p) is None
    assert check_parameter_rows([p]) == ["mystery.k: calibrated (C) but no command writes it"]


def test_how_calibrated_names_a_real_cli_command_for_every_calibrated_row() -> None:
    from brexsim.cli import app

    commands = {f"brexsim {c.name}" for c in app.registered_commands}
    ps = load_parameters()
    calibrated = [p for p in ps.values() if p.confidence == "C"]
    assert calibrated
    for p in calibrated:
        cmd = get_calibration_command(p)
        assert cmd in commands, (p.name, cmd)
    assert set(CALIBRATION_COMMANDS.values()) <= commands
    md = parameter_tables_markdown()
    assert md.count("`brexsim calibrate-") >= len(calibrated)


def test_markdown_cells_cannot_break_the_table() -> None:
    good = load_parameters()["brexanolone_pk.fu_plasma"]
    odd = replace(
        good,
        name="x.odd",
        description="a | b *c* _d_ <e> [f] $g$ `h|i`",
        source="unbalanced ` tick",
    )
    md = parameter_tables_markdown(ParameterSet({"x.odd": odd}))
    row = _table_rows(md)["x.odd"]
    assert len(row) == 7
    assert "&lt;e&gt;" in row[3] and "\\|" in row[3] and "\\*c\\*" in row[3]
