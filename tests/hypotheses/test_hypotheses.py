import json

import numpy as np
import pytest
from typer.testing import CliRunner

from brexsim.cli import app
from brexsim.clinical.hamd import compute_hamd, get_hamd_params
from brexsim.errors import BrexsimInputError
from brexsim.hypotheses import apply_hypothesis, get_hypothesis, get_hypothesis_names
from brexsim.hypotheses.context import use_hypothesis
from brexsim.hypotheses.phenotype import has_phenotype, mix_immune_normals
from brexsim.params import load_parameters
from brexsim.validation import interval_record
from brexsim.validation.hypothesis import count_failures, mark_known_discrepancies


def test_registry_and_overlays():
    assert get_hypothesis_names() == ["gaba", "neuroimmune", "null-immune"]
    ps = load_parameters()
    assert apply_hypothesis(ps, "gaba") is ps and not has_phenotype(ps)
    ni = apply_hypothesis(ps, "neuroimmune")
    assert has_phenotype(ni) and ni.hash != ps.hash
    assert "calibrated" in ni["hamd.omega_drug"].source
    assert apply_hypothesis(ps, "null-immune").value("hamd.immune_weight") == 0.0
    with pytest.raises(BrexsimInputError):
        get_hypothesis("nope")
    assert len(get_hypothesis("gaba").discrepancies) == 8


def test_use_hypothesis_restores_the_default():
    before = load_parameters()
    with use_hypothesis("neuroimmune") as ps:
        assert load_parameters() is ps
    assert load_parameters() is before


def test_zero_loadings_leave_draws_and_hamd_unchanged():
    ps = load_parameters()
    z = np.random.default_rng(0).standard_normal((5, 4))
    assert mix_immune_normals(z, np.ones(5), ps, ("a", "b", "c", "d")) is z
    t = np.arange(0.0, 61.0)
    eta = {"eta_placebo": np.array([0.5, -1.0]), "eta_drug": np.array([0.2, 0.3])}
    tone = np.full_like(t, 0.3)
    a = compute_hamd(t, np.array([29.0, 30.0]), "inpatient", tone, np.ones_like(t), 0 * t, ps, eta)
    p = get_hamd_params(ps)
    assert p.phenotype_loading_drug == 0.0
    b = compute_hamd(t, np.array([29.0, 30.0]), "inpatient", tone, np.ones_like(t), 0 * t, p, eta)
    np.testing.assert_array_equal(a, b)
    # with a loading the drug sensitivity follows the placebo responsiveness
    c = compute_hamd(
        t, np.array([29.0, 30.0]), "inpatient", tone, np.ones_like(t), 0 * t,
        p._replace(phenotype_loading_drug=1.0), eta,
    )  # fmt: skip
    assert not np.array_equal(a, c)


def test_known_discrepancy_is_a_strict_xfail():
    rid = "cytokine.tnfa.basal.hamd_correlation"
    bad = interval_record(rid, "tlr", "d", "s", 0.05, 0.0, 0.05, 0.4)
    good = interval_record(rid, "tlr", "d", "s", 0.05, 0.0, 0.05, 0.01)
    other = interval_record("x", "tlr", "d", "s", 1.0, 0.0, 2.0, 3.0)
    assert [r.status for r in mark_known_discrepancies([bad, other], "gaba")] == [
        "known discrepancy",
        "failed",
    ]
    assert count_failures(mark_known_discrepancies([bad], "gaba")) == 0
    assert count_failures(mark_known_discrepancies([good], "gaba")) == 1
    assert mark_known_discrepancies([bad], "neuroimmune")[0].status == "failed"


def test_validate_cli_exit_codes_under_a_hypothesis(tmp_path, monkeypatch):
    rid = "cytokine.tnfa.basal.hamd_correlation"

    def fake(model: float):
        return {"x": lambda: [interval_record(rid, "tlr", "d", "s", 0.05, 0.0, 0.05, model)]}

    monkeypatch.setattr("brexsim.validation.ALL_CHECKS", fake(0.4))
    r = CliRunner().invoke(app, ["validate", "--hypothesis", "gaba", "--out", str(tmp_path / "a")])
    assert r.exit_code == 0, r.output
    data = json.loads((tmp_path / "a" / "validation.json").read_text())
    assert data["provenance"]["hypothesis"] == "gaba"
    assert data["records"][0]["status"] == "known discrepancy"
    assert "Known discrepancies" in (tmp_path / "a" / "validation.html").read_text()
    monkeypatch.setattr("brexsim.validation.ALL_CHECKS", fake(0.01))
    r = CliRunner().invoke(app, ["validate", "--hypothesis", "gaba", "--out", str(tmp_path / "b")])
    assert r.exit_code == 1, r.output
    r = CliRunner().invoke(app, ["validate", "--hypothesis", "nope", "--out", str(tmp_path / "c")])
    assert r.exit_code == 2
