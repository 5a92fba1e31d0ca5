"""``brexsim fit`` with the zuranolone PK and cytokine layer models: the data check before the
fit, the hypothesis overlay, and the fitted-parameter rows they write."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from brexsim.cli.fit import LAYER_MODELS, _fitted_rows, load_fit_model, run_fit_command
from brexsim.errors import BrexsimInputError
from brexsim.estimation.data import frame_to_data
from brexsim.estimation.models import load_model
from brexsim.estimation.simulate import make_oral_design, simulate_data
from brexsim.params import load_parameters


def _frame(d) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    """The NONMEM frame of an EstimationData without covariates (oral doses, DVID 1)."""
    rows = []
    for i, sid in enumerate(d.ids):
        k = d.dose_before[i].any(axis=0)
        for t, a, r in zip(d.dose_time[i][k], d.amt[i][k], d.rate[i][k], strict=True):
            rows.append((sid, t, a, r, 1, 0.0))
        j = d.obs_mask[i]
        rows += [
            (sid, t, 0.0, 0.0, 0, y) for t, y in zip(d.obs_time[i][j], d.dv[i][j], strict=True)
        ]
    df = pd.DataFrame(rows, columns=["ID", "TIME", "AMT", "RATE", "EVID", "DV"])
    df = df.sort_values(["ID", "TIME", "EVID"], ascending=[True, True, False], kind="stable")
    return df.reset_index(drop=True)


def test_both_are_layer_models():
    assert {"zuranolone_pk", "cytokine"} <= set(LAYER_MODELS)


def test_zuranolone_fit_writes_its_table_rows(tmp_path):
    m = load_model("zuranolone_pk")
    path = tmp_path / "zrn.csv"
    _frame(simulate_data(m, make_oral_design(12), seed=2)).to_csv(path, index=False)
    est = run_fit_command(path, "zuranolone_pk", "focei", tmp_path / "out", n_starts=1,
                          vpc_samples=0, npde_samples=0)  # fmt: skip
    from brexsim.params.overlay import read_parameter_file

    rows = {p.name: p for p in read_parameter_file(tmp_path / "out" / "fitted_parameters.toml")}
    names = {n.split(".")[-1] for n in rows}
    assert {"cl_f_L_per_h", "ktr_fed_per_h", "omega_cl_f", "sigma_prop"} <= names
    cl = next(p for n, p in rows.items() if n.endswith("cl_f_L_per_h"))
    assert cl.value == pytest.approx(est["parameters"]["CL/F"]["estimate"])


def test_an_infusion_record_stops_a_zuranolone_fit_before_fitting(tmp_path):
    df = _frame(simulate_data(load_model("zuranolone_pk"), make_oral_design(2), seed=2))
    df.loc[df.index[df.EVID == 1][0], "RATE"] = 10.0
    with pytest.raises(BrexsimInputError) as e:
        load_fit_model("zuranolone_pk", "gaba", frame_to_data(df))
    assert e.value.field == "RATE"


def test_cytokine_rows_are_the_tlr_theta_and_omega_not_its_two_sigmas():
    m, ps = load_fit_model("cytokine", "gaba")
    values = {"IC50": 0.9, "KREPROG": 0.02, "OMEGA11": 0.25, "OMEGA22": 0.16,
              "SIGMA_TNF": 0.01, "SIGMA_IL6": 0.02}  # fmt: skip
    est = {"parameters": {k: {"estimate": v} for k, v in values.items()}}
    names = list(values)
    from brexsim.estimation.model import get_parameter_names

    assert get_parameter_names(m) == names  # the order _fitted_rows maps
    rows = {r.name: r for r in _fitted_rows(m, ps, est, "test")}
    assert rows["tlr.drug_ic50_uM"].value == 0.9
    assert rows["tlr.innate_reprogram_per_h"].value == 0.02
    assert rows["tlr.bsv_ic50_logsd"].value == pytest.approx(math.sqrt(0.25))  # an SD row
    assert rows["tlr.bsv_reprogram_logsd"].value == pytest.approx(0.4)
    assert "tlr.sigma_prop_plasma" not in rows
    assert np.isclose(load_parameters().value("tlr.drug_ic50_uM"), m.thetas[0].init)
