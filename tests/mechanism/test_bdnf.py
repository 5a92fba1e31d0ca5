"""BDNF: above baseline at h60 and day 30 within the Brunoni prior; placebo flat; robust."""

from __future__ import annotations

import numpy as np
import pytest

from brexsim.mechanism import bdnf
from brexsim.params import load_parameters

T = np.arange(0.0, 24.0 * 30 + 1.0, 1.0)


@pytest.fixture(scope="module")
def zulresso():
    pk = pytest.importorskip("brexsim.pk")
    dosing = pytest.importorskip("brexsim.dosing")
    c = pk.simulate_pk(dosing.get_preset("zulresso"), 70.0, T).plasma_drug_ng_per_ml
    return bdnf.simulate_bdnf(T, c)


def test_ppd_baseline_is_061_sd_below_healthy():
    p = bdnf.get_bdnf_parameters()
    assert p["ppd_baseline_ng_per_ml"] == pytest.approx(32.69 - 0.61 * 8.33, abs=0.05)


def test_rise_at_h60_and_day30_inside_prior(zulresso):
    ps = load_parameters()
    lo, hi = ps.value("bdnf.prior_smd_low"), ps.value("bdnf.prior_smd_high")
    d = zulresso.get_change_sd()
    assert 0.0 < d[60] <= hi
    assert 0.0 < d[720] <= hi
    assert lo <= d.max() <= hi
    # calibration reproduces its target (peak +0.62 SD, Brunoni 2008)
    assert d.max() == pytest.approx(ps.value("bdnf.prior_smd"), abs=0.01)


def test_placebo_flat():
    res = bdnf.simulate_bdnf(T, np.zeros_like(T))
    assert np.max(np.abs(res.get_change_sd())) < 1e-9


def test_gaba_input_used_when_given():
    g = np.where((T > 0) & (T < 60), 0.3, 0.0)  # g[0] = drug-free baseline
    res = bdnf.simulate_bdnf(T, gaba_tone=g, inflammation_index=np.ones_like(T))
    assert res.bdnf_ng_per_ml[100] > res.bdnf_ng_per_ml[0]


@pytest.mark.parametrize("infl", [0.0, 10.0])
@pytest.mark.parametrize("gaba", [0.0, 1.0])
def test_extreme_inputs_non_negative_finite(infl, gaba):
    res = bdnf.simulate_bdnf(
        T, gaba_tone=np.full_like(T, gaba), inflammation_index=np.full_like(T, infl)
    )
    assert np.all(np.isfinite(res.bdnf_ng_per_ml)) and np.all(res.bdnf_ng_per_ml >= 0)


def test_bad_inputs():
    from brexsim.errors import BrexsimInputError

    with pytest.raises(BrexsimInputError):
        bdnf.simulate_bdnf(T, gaba_tone=np.full_like(T, 2.0), inflammation_index=np.ones_like(T))
    with pytest.raises(BrexsimInputError):
        bdnf.simulate_bdnf(T)
