import json

import numpy as np
import pandas as pd
from typer.testing import CliRunner

from brexsim.calibration.balan import get_balan_replicate_pvalues
from brexsim.cli import app


def test_reproduce_table_matches_the_replicate_engine(tmp_path):
    out = tmp_path / "rt"
    r = CliRunner().invoke(
        app, ["reproduce-table", "--replicates", "8", "--seed", "5", "--out", str(out)]
    )
    assert r.exit_code == 0, r.output
    tab = pd.read_csv(out / "reproduce_table.csv")
    assert len(tab) == 8
    for col in (
        "published_p",
        "model_median_p",
        "model_p_low",
        "model_p_high",
        "fraction_p_lt_005",
        "published_inside_95",
    ):
        assert col in tab.columns
    # the analysis pipeline (brexsim.analysis) gives the same p-values as the calibration's
    # own vectorised replicate engine for the same virtual studies
    ref = get_balan_replicate_pvalues(replicates=8, seed=5)
    np.testing.assert_allclose(tab["model_median_p"], ref["median_p"], rtol=1e-8)
    s = json.loads((out / "summary.json").read_text())
    assert s["provenance"]["seed"] == 5 and s["replicates"] == 8
    assert (out / "reproduce_table.png").stat().st_size > 5_000


def test_bad_replicates_is_one_clear_error(tmp_path):
    r = CliRunner().invoke(
        app, ["reproduce-table", "--replicates", "1", "--out", str(tmp_path / "x")]
    )
    assert r.exit_code == 2 and "--replicates=1" in r.output
    assert not (tmp_path / "x").exists()


def test_reproduce_table_under_a_hypothesis_matches_its_replicate_engine(tmp_path):
    from brexsim.hypotheses import apply_hypothesis
    from brexsim.params import load_parameters

    out = tmp_path / "rt"
    args = ["reproduce-table", "--replicates", "4", "--seed", "5", "--out", str(out)]
    r = CliRunner().invoke(app, [*args, "--hypothesis", "neuroimmune"])
    assert r.exit_code == 0, r.output
    tab = pd.read_csv(out / "reproduce_table.csv")
    ps = apply_hypothesis(load_parameters(), "neuroimmune")
    ref = get_balan_replicate_pvalues(replicates=4, seed=5, params=ps)
    np.testing.assert_allclose(tab["model_median_p"], ref["median_p"], rtol=1e-8)
    gaba = get_balan_replicate_pvalues(replicates=4, seed=5)
    assert not np.allclose(tab["model_median_p"], gaba["median_p"])  # the overlay matters
    s = json.loads((out / "summary.json").read_text())
    assert s["provenance"]["hypothesis"] == "neuroimmune"
    bad = CliRunner().invoke(app, [*args, "--hypothesis", "nope"])
    assert bad.exit_code == 2 and "hypothesis" in bad.output
