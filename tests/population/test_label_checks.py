"""The labels' special populations: exposure effects and dose advice (can fail: a stronger
interaction than the label's 30-mg rule covers is caught)."""

from brexsim.params import load_parameters, override_parameters
from brexsim.population.label_checks import BE_WINDOW, get_label_covariate_checks


def _by_id(rows):
    return {r["id"]: r for r in rows}


def test_every_label_population_passes_with_the_tables():
    rows = _by_id(get_label_covariate_checks())
    assert all(r["passed"] for r in rows.values()), [k for k, r in rows.items() if not r["passed"]]
    inh = rows["label.zuranolone.cyp3a4_strong_inhibitor"]
    assert abs(inh["auc_ratio"] - 1.62) < 0.005
    assert BE_WINDOW[0] <= inh["adjusted_auc_ratio"] <= BE_WINDOW[1]
    assert rows["label.zuranolone.cyp3a4_strong_inducer"]["auc_ratio"] < BE_WINDOW[0]
    hep = rows["label.brexanolone.hepatic_severe"]
    assert hep["auc_ratio"] < 1.0 < hep["adjusted_auc_ratio"]  # total down, unbound up
    assert rows["label.brexanolone.renal_esrd"]["auc_ratio"] == 1.0


def test_a_larger_interaction_breaks_the_dose_check():
    ps = override_parameters(
        load_parameters(), {"zuranolone_pk.cyp3a4_strong_inhibitor_auc_ratio": 3.0}
    )
    inh = _by_id(get_label_covariate_checks(ps))["label.zuranolone.cyp3a4_strong_inhibitor"]
    assert inh["adjusted_auc_ratio"] > BE_WINDOW[1] and not inh["passed"]
