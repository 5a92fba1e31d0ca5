"""brexsim.model.options: SolverOptions is the solver mapping as an object (same checks)."""

import numpy as np
import pytest

from brexsim.dosing import get_preset
from brexsim.errors import BrexsimInputError
from brexsim.model import SolverOptions, simulate
from brexsim.model.options import _get_solver_options

T = np.arange(0.0, 12.0, 1.0)


def test_as_dict_keeps_only_set_fields() -> None:
    assert SolverOptions().as_dict() == {}
    assert SolverOptions(engine="etd", workers=2).as_dict() == {"engine": "etd", "workers": 2}


@pytest.mark.parametrize(
    "fields",
    [{}, {"engine": "etd"}, {"inputs": "grid", "jumps": "regimen"}, {"rtol": 1e-8, "atol": 1e-11}],
)
def test_object_and_mapping_give_the_same_options(fields: dict) -> None:
    regs = (get_preset("zulresso"),)
    a = _get_solver_options(SolverOptions(**fields), regs, "brexanolone")
    with pytest.warns(DeprecationWarning, match="SolverOptions"):
        b = _get_solver_options(fields, regs, "brexanolone")
    assert a.keys() == b.keys()
    for k in a:
        assert np.array_equal(a[k], b[k])


@pytest.mark.parametrize(
    ("options", "field"),
    [
        (SolverOptions(engine="rk4"), "solver.engine"),
        (SolverOptions(engine="etd", rtol=1e-8), "solver.rtol"),
        (SolverOptions(inputs="exact"), "solver.inputs"),  # zuranolone: grid only
        (SolverOptions(workers=0), "solver.workers"),
    ],
)
def test_bad_options_name_the_field(options: SolverOptions, field: str) -> None:
    with pytest.raises(BrexsimInputError, match=field):
        simulate(get_preset("zuranolone-50mg"), typical=True, times_h=T, solver=options)


def test_a_solver_that_is_neither_object_nor_mapping_is_refused() -> None:
    with pytest.raises(BrexsimInputError, match="solver"):
        simulate(get_preset("zulresso"), typical=True, times_h=T, solver="etd")  # type: ignore[arg-type]


def test_simulate_accepts_the_object() -> None:
    a = simulate(get_preset("zulresso"), typical=True, times_h=T, solver=SolverOptions())
    with pytest.warns(DeprecationWarning, match="SolverOptions"):
        b = simulate(get_preset("zulresso"), typical=True, times_h=T, solver={})
    assert np.array_equal(a.get("tnf_fold"), b.get("tnf_fold"))
