"""Parameter overlay files (brexsim.params.overlay): round trip, application order, each error."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from brexsim.errors import BrexsimInputError
from brexsim.hypotheses import apply_hypothesis
from brexsim.hypotheses.registry import get_hypothesis
from brexsim.params import (
    Parameter,
    apply_parameter_file,
    format_parameter_file,
    load_parameters,
    read_parameter_file,
)
from brexsim.params.overlay import get_parameter_file_meta, get_parameter_file_record

CL = "brexanolone_pk.cl_L_per_h_per_kg"
ROW = (
    'cl_L_per_h_per_kg = {{ value = {value}, unit = "{unit}", confidence = "{conf}", '
    'description = "clearance", source = "a test" }}\n'
)


def _file(tmp_path: Path, body: str, name: str = "p.toml") -> Path:
    p = tmp_path / name
    p.write_text('[meta]\nmodel = "test"\n\n' + body, encoding="utf-8")
    return p


def _row_file(tmp_path: Path, value: str = "1.5", unit: str = "L/h/kg", conf: str = "C") -> Path:
    return _file(tmp_path, "[brexanolone_pk]\n" + ROW.format(value=value, unit=unit, conf=conf))


def test_round_trip_and_application(tmp_path):
    ps = load_parameters()
    rows = [
        replace(ps[CL], value=1.2345678901234567, source="fit A", confidence="C"),
        replace(ps["brexanolone_pk.omega_cl"], value=0.05, source="fit A", confidence="C"),
        replace(ps["hamd.residual_sd"], value=2.75, source="fit A", confidence="C"),
    ]
    p = tmp_path / "fitted.toml"
    p.write_text(format_parameter_file(rows, {"model": "m", "converged": True, "ofv": 1.5}))
    assert read_parameter_file(p) == tuple(rows)
    assert get_parameter_file_meta(p) == {"model": "m", "converged": True, "ofv": 1.5}
    rec = get_parameter_file_record(p)
    assert rec["file"] == str(p) and len(rec["sha256"]) == 64
    new = apply_parameter_file(ps, p)
    assert new.value(CL) == 1.2345678901234567 and new[CL].source == "fit A"
    assert new.value("hamd.residual_sd") == 2.75
    assert new.hash != ps.hash
    untouched = [n for n in ps if n not in {r.name for r in rows}]
    assert all(new[n] == ps[n] for n in untouched)
    assert ps.value(CL) != 1.2345678901234567  # the input set is unchanged


def test_file_after_hypothesis_and_same_parser_as_hypotheses(tmp_path):
    """The hypothesis rows read through the same parser; a file applied after a hypothesis
    keeps the hypothesis rows it does not name and wins on the rows it does."""
    h = get_hypothesis("null-immune")
    row = next(r for r in h.overlay if r.name == "hamd.bdnf_weight")
    p = tmp_path / "f.toml"
    p.write_text(format_parameter_file([replace(row, value=0.5)], {}))
    base = apply_hypothesis(load_parameters(), "null-immune")
    ps = apply_parameter_file(base, p)
    assert ps.value("hamd.bdnf_weight") == 0.5
    assert ps.value("hamd.immune_weight") == base.value("hamd.immune_weight") == 0.0


def test_units_are_matched_like_the_tables(tmp_path):
    ps = apply_parameter_file(load_parameters(), _row_file(tmp_path, unit="L / h / kg"))
    assert ps[CL].unit == "L/h/kg" and ps.value(CL) == 1.5


@pytest.mark.parametrize(
    ("body", "needles"),
    [
        (  # unknown row
            "[brexanolone_pk]\n"
            + ROW.replace("cl_L_per_h_per_kg", "cl_L_per_h").format(
                value=1.5, unit="L/h/kg", conf="C"
            ),
            ["brexanolone_pk.cl_L_per_h", "did you mean", "brexanolone_pk.cl_L_per_h_per_kg"],
        ),
        (  # wrong unit
            "[brexanolone_pk]\n" + ROW.format(value=1.5, unit="L/h", conf="C"),
            ["unit='L/h'", "'L/h/kg'", "no conversion"],
        ),
        (  # non-finite value
            "[brexanolone_pk]\n" + ROW.format(value="nan", unit="L/h/kg", conf="C"),
            ["value=nan", "a finite number", "brexanolone_pk.cl_L_per_h_per_kg"],
        ),
        (  # bad confidence code
            "[brexanolone_pk]\n" + ROW.format(value=1.5, unit="L/h/kg", conf="Z"),
            ["confidence='Z'", "'V', 'R', 'U', 'D', 'C', 'A'", "brexanolone_pk.cl_L_per_h_per_kg"],
        ),
        (  # a field missing
            '[brexanolone_pk]\ncl_L_per_h_per_kg = { value = 1.5, unit = "L/h/kg" }\n',
            ["must include", "source", "brexanolone_pk.cl_L_per_h_per_kg"],
        ),
        ("[brexanolone_pk]\ncl_L_per_h_per_kg = 1.5\n", ["an inline table"]),  # bare number
        ("", ["at least one parameter row"]),  # no rows
        ("[brexanolone_pk\n", ["valid TOML"]),  # not TOML
    ],
)
def test_each_error_names_the_file_the_row_and_what_is_allowed(tmp_path, body, needles):
    p = _file(tmp_path, body)
    with pytest.raises(BrexsimInputError) as exc:
        apply_parameter_file(load_parameters(), p)
    msg = str(exc.value)
    assert str(p) in msg, msg
    for needle in needles:
        assert needle in msg, (needle, msg)


def test_missing_file_and_non_parameter_set(tmp_path):
    with pytest.raises(BrexsimInputError, match="an existing TOML file"):
        read_parameter_file(tmp_path / "absent.toml")
    with pytest.raises(BrexsimInputError, match="a ParameterSet"):
        apply_parameter_file({CL: 1.0}, _row_file(tmp_path))  # type: ignore[arg-type]


def test_a_hand_written_row_reads_as_a_parameter(tmp_path):
    (row,) = read_parameter_file(_row_file(tmp_path, value="2"))
    assert row == Parameter(CL, 2.0, "L/h/kg", "clearance", "a test", "C")
