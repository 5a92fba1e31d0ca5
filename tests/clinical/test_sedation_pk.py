"""The PD split under PK IIV: the stored moments are what the function computes, and the
calibrated somnolence rates survive PK IIV (they would not without the split)."""

from __future__ import annotations

import numpy as np
import pytest

from brexsim.clinical.sedation_pk import (
    get_pd_split,
    get_pk_exposure_moments,
    get_somnolence_rates_with_pk_iiv,
    split_sensitivity,
)
from brexsim.errors import BrexsimInputError
from brexsim.params import load_parameters, override_parameters


def test_stored_moments_are_reproduced_for_brexanolone():
    ps = load_parameters()
    mean, var = get_pk_exposure_moments("brexanolone")
    assert mean == pytest.approx(ps.value("sedation.pk_log_exposure_mean_brexanolone"), rel=1e-5)
    assert var == pytest.approx(ps.value("sedation.pk_log_exposure_var_brexanolone"), rel=1e-5)
    # at steady state the exposure spread is that of the clearance
    assert abs(var - ps.value("brexanolone_pk.omega_cl")) < 0.01


def test_split_keeps_log_moments_of_exposure_times_sensitivity():
    ps = load_parameters()
    rng = np.random.default_rng(0)
    sd = ps.value("sedation.sensitivity_iiv_sd")
    m = np.exp(rng.normal(0.0, sd, 200_000))
    r, mu = get_pd_split("zuranolone", ps)
    mpd = split_sensitivity(m, np.ones(m.size, dtype=bool), "zuranolone", ps)
    v_pk = ps.value("sedation.pk_log_exposure_var_zuranolone")
    lpk = rng.normal(mu, np.sqrt(v_pk), m.size)
    total = np.log(mpd) + lpk
    assert abs(total.mean()) < 0.005
    assert abs(total.var() - sd**2) < 0.005
    assert r == pytest.approx(np.sqrt(1 - v_pk / sd**2))


def test_split_refuses_pk_variance_above_the_calibrated_total():
    ps = override_parameters(load_parameters(), {"sedation.pk_log_exposure_var_brexanolone": 0.5})
    with pytest.raises(BrexsimInputError, match="pk_log_exposure_var_brexanolone"):
        get_pd_split("brexanolone", ps)


def test_zuranolone_somnolence_survives_pk_iiv_only_with_the_split():
    r = get_somnolence_rates_with_pk_iiv("zuranolone-50mg", n_pd=8000, n_pk=120)
    assert abs(r["pk_iiv"] - r["typical_pk"]) < 0.015
    assert r["pk_iiv_no_split"] - r["typical_pk"] > 0.05
