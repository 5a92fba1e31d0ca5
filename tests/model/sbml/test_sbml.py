"""SBML export: libsbml consistency, parameter annotations, and the exported model simulated with
libRoadRunner against brexsim's own trajectories."""

import libsbml
import numpy as np
import pytest
from typer.testing import CliRunner

from brexsim.cli import app
from brexsim.dosing import get_preset
from brexsim.errors import BrexsimInputError
from brexsim.model import SolverOptions, simulate
from brexsim.model.sbml import (
    ANNOTATION_NS,
    OUTPUTS,
    PATIENT_PARAMETERS,
    build_sbml_document,
    check_sbml_document,
    get_sbml_string,
)
from brexsim.population import Population

roadrunner = pytest.importorskip("roadrunner")

T_END = 780.0  # zulresso: 60 h of infusion + 30 days
#: (atol, rtol) per output: |sbml - brexsim| <= atol + rtol * |brexsim| at every hour 0-780.
#: brexsim's default engine integrates the PK states and the tone index inside the in vivo
#: right-hand side (rtol 1e-6) and averages the HAM-D drive over each output hour (trapezoid);
#: the SBML model is one continuous ODE system, solved here at rtol 1e-10. The bounds are
#: brexsim's solver tolerance (measured max: TNF fold 8.8e-6, BDNF 5.1e-7 ng/mL) and HAM-D's
#: hourly trapezoid error, largest in hour 1 (measured 0.0115 points).
TOLERANCES = {
    "plasma_drug": (1e-5, 1e-6),  # ng/mL
    "tone_index": (1e-7, 1e-6),
    "tnf_fold": (3e-5, 1e-5),
    "bdnf": (5e-6, 1e-7),  # ng/mL
    "hamd_expected": (0.02, 1e-3),  # points
}


def _roadrunner(regimen, **patient):
    rr = roadrunner.RoadRunner(get_sbml_string(regimen))
    rr.integrator.relative_tolerance = 1e-10
    rr.integrator.absolute_tolerance = 1e-12
    for k, v in patient.items():
        rr[k] = v
    rr.timeCourseSelections = ["time", *OUTPUTS.values()]
    res = np.asarray(rr.simulate(0.0, T_END, int(T_END) + 1))
    return {name: res[:, k + 1] for k, name in enumerate(OUTPUTS)}, res[:, 0]


@pytest.fixture(scope="module")
def zulresso_pair():
    reg = get_preset("zulresso")
    ref = simulate(reg, typical=True, monitoring=False)
    sb, t = _roadrunner(reg)
    return ref, sb, t


def test_document_passes_libsbml_consistency_checks():
    doc = build_sbml_document(get_preset("zulresso"))
    res = check_sbml_document(doc)
    assert res["errors"] == []
    # the only warnings: literal numbers without declared units (unit checks then skip them)
    assert all(w.startswith("99505 ") for w in res["warnings"]), res["warnings"][:3]
    m = doc.getModel()
    assert m.getLevel() == 3 and m.getVersion() == 2
    assert m.getNumEvents() == 5  # 4, 24, 52, 56, 60 h
    assert m.getNumSpecies() == 2 and m.getNumReactions() == 3
    # round trip through XML keeps the model readable with no errors
    doc2 = libsbml.readSBMLFromString(libsbml.writeSBMLToString(doc))
    assert doc2.getNumErrors(libsbml.LIBSBML_SEV_ERROR) == 0


def test_every_table_parameter_has_unit_notes_and_annotation():
    from brexsim.params import load_parameters

    ps = load_parameters()
    m = build_sbml_document(get_preset("zulresso")).getModel()
    n_table = 0
    for i in range(m.getNumParameters()):
        p = m.getParameter(i)
        assert p.isSetUnits(), p.getId()
        assert p.isSetNotes(), p.getId()
        if "__" in p.getId():
            n_table += 1
            name = p.getId().replace("__", ".")
            assert p.getName() == name and p.getValue() == ps.value(name)
            ann = p.getAnnotationString()
            assert ANNOTATION_NS in ann and f'key="{name.split(".")[1]}"' in ann
            assert f"confidence {ps[name].confidence}" in p.getNotesString()
    assert n_table > 60
    for pid in PATIENT_PARAMETERS:
        assert m.getParameter(pid) is not None
    for sid in OUTPUTS.values():
        assert m.getParameter(sid) is not None


def test_roadrunner_reproduces_brexsim_trajectories(zulresso_pair):
    ref, sb, t = zulresso_pair
    np.testing.assert_array_equal(t, ref.time_h)
    for name, (atol, rtol) in TOLERANCES.items():
        a, b = ref.get(name)[0], sb[name]
        err = np.abs(b - a)
        assert np.all(err <= atol + rtol * np.abs(a)), (name, float(err.max()))
    # the outputs move: the comparison is not between flat lines
    assert ref.get("tnf_fold")[0].min() < 0.2 and ref.get("hamd_expected")[0].min() < 12


def test_grid_engine_differs_by_its_input_grid(zulresso_pair):
    """brexsim's grid-input engine (PK on a 0.25-h grid, linearly interpolated) is >= 50x
    farther from the SBML TNF fold change than the default exact engine: the grid's
    interpolation error, largest in the first hours (measured 1.9e-3 vs 8.8e-6)."""
    ref, sb, _ = zulresso_pair
    grid = simulate(
        get_preset("zulresso"), typical=True, monitoring=False, solver=SolverOptions(inputs="grid")
    )
    exact_err = np.abs(ref.get("tnf_fold")[0] - sb["tnf_fold"]).max()
    grid_err = np.abs(grid.get("tnf_fold")[0] - sb["tnf_fold"]).max()
    assert grid_err > 50 * exact_err


def test_patient_parameters_change_the_sbml_model_as_in_brexsim():
    """A 52-kg patient with a 2x IC50, slower reprogramming and her own HAM-D effects."""
    from brexsim.population import get_typical_population

    reg = get_preset("study1-brx60")
    typ = get_typical_population(0)
    eff = dict(typ.random_effects)
    patient = {
        "weight_kg": 52.0,
        "infl_ic50_scale": 2.0,
        "infl_reprogram_scale": 0.5,
        "hamd_baseline": 31.0,
        "eta_placebo": -0.4,
        "eta_drug": 0.7,
    }
    for k in ("infl_ic50_scale", "infl_reprogram_scale", "eta_placebo", "eta_drug"):
        eff[k] = np.array([patient[k]])
    pop = Population(typ.ids, np.array([52.0]), np.array([31.0]), typ.antidepressant, eff, typ.seed)
    ref = simulate(reg, pop, monitoring=False)
    sb, _ = _roadrunner(reg, **patient)
    typical = simulate(reg, typical=True, monitoring=False)
    for name, (atol, rtol) in TOLERANCES.items():
        a = ref.get(name)[0]
        assert np.all(np.abs(sb[name] - a) <= atol + rtol * np.abs(a)), name
    # and the patient differs from the typical patient by more than the tolerance
    assert np.abs(ref.get("tnf_fold") - typical.get("tnf_fold")).max() > 0.05
    assert np.abs(ref.get("hamd_expected") - typical.get("hamd_expected")).max() > 1.0


def test_bad_inputs_are_refused():
    with pytest.raises(BrexsimInputError, match="regimen"):
        build_sbml_document(get_preset("zuranolone-30mg"))
    with pytest.raises(BrexsimInputError, match="weight_kg"):
        build_sbml_document(get_preset("zulresso"), weight_kg=5.0)
    with pytest.raises(BrexsimInputError, match="sensitivity"):
        build_sbml_document(get_preset("zulresso"), sensitivity="sideways")


def test_cli_writes_a_valid_file_and_refuses_oral(tmp_path):
    runner = CliRunner()
    out = tmp_path / "m" / "brx60.xml"
    r = runner.invoke(
        app, ["export-sbml", "--out", str(out), "--regimen", "study1-brx60", "--weight-kg", "60"]
    )
    assert r.exit_code == 0, r.output
    assert "left out" in r.output
    doc = libsbml.readSBMLFromFile(str(out))
    assert doc.getNumErrors(libsbml.LIBSBML_SEV_ERROR) == 0
    assert doc.getModel().getParameter("weight_kg").getValue() == 60.0
    assert doc.getModel().getNumEvents() == 3  # 4, 56, 60 h
    bad = tmp_path / "bad.xml"
    r = runner.invoke(app, ["export-sbml", "--out", str(bad), "--regimen", "zuranolone-30mg"])
    assert r.exit_code == 2 and "brexanolone" in r.output
    assert not bad.exists()
