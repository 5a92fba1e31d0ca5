import pytest

from brexsim.errors import BrexsimInputError
from brexsim.params import CONFIDENCE_CODES, load_parameters, override_parameters


def test_every_parameter_has_unit_source_confidence():
    ps = load_parameters()
    assert len(ps) > 10
    for p in ps.values():
        assert p.unit.strip(), p.name
        assert p.source.strip(), p.name
        assert p.description.strip(), p.name
        assert p.confidence in CONFIDENCE_CODES, p.name
        if p.confidence == "C":
            assert p.source.startswith("calibrated to"), p.name
            assert " by " in p.source, p.name


def test_override_by_name_changes_value_and_hash():
    ps = load_parameters()
    new = override_parameters(ps, {"brexanolone_pk.cl_L_per_h_per_kg": (1.2, "L/h/kg")})
    assert new.value("brexanolone_pk.cl_L_per_h_per_kg") == 1.2
    assert new.hash != ps.hash
    assert ps.value("brexanolone_pk.cl_L_per_h_per_kg") != 1.2  # original untouched
    same = override_parameters(ps, {"brexanolone_pk.cl_L_per_h_per_kg": "1.2 L/h/kg"})
    assert same.hash == new.hash


def test_unknown_name_is_a_clear_error():
    with pytest.raises(BrexsimInputError, match=r"parameter='brexanolone_pk\.cl'.*did you mean"):
        override_parameters(load_parameters(), {"brexanolone_pk.cl": 1.0})


def test_wrong_unit_is_a_clear_error():
    with pytest.raises(BrexsimInputError, match=r"unit='L/h'.*'L/h/kg'"):
        override_parameters(load_parameters(), {"brexanolone_pk.cl_L_per_h_per_kg": (1.0, "L/h")})


@pytest.mark.parametrize("bad", [float("nan"), "abc", (1.0, "L/h/kg", 3)])
def test_bad_override_values(bad):
    with pytest.raises(BrexsimInputError, match=r"brexanolone_pk\.cl_L_per_h_per_kg"):
        override_parameters(load_parameters(), {"brexanolone_pk.cl_L_per_h_per_kg": bad})


def test_parameter_set_is_immutable():
    ps = load_parameters()
    with pytest.raises(TypeError):
        ps["x"] = 1  # type: ignore[index]
    with pytest.raises(AttributeError):
        ps["brexanolone_pk.fu_plasma"].value = 2.0  # type: ignore[misc]
