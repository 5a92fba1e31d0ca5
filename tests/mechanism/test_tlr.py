"""TLR signalling: in vivo suppression and recovery, placebo, half-lives, forms agree, in vitro."""

from __future__ import annotations

import math

import numpy as np
import pytest

from brexsim.calibration.tlr import SCALE_TARGETS, get_cascade_inhibition, get_scale_model_output
from brexsim.mechanism import tlr
from brexsim.params import load_parameters

T = np.arange(0.0, 24.0 * 30 + 1.0, 1.0)


def _zulresso_like(t: np.ndarray) -> np.ndarray:
    """Synthetic total plasma profile: ~60-90 ng/mL for 60 h, then t1/2 10 h (brief)."""
    on = np.clip(t / 6.0, 0.0, 1.0) * 80.0
    return np.where(t <= 60.0, on, 80.0 * np.exp(-math.log(2) / 10.0 * (t - 60.0)))


@pytest.fixture(scope="module")
def zulresso():
    pk = pytest.importorskip("brexsim.pk")
    dosing = pytest.importorskip("brexsim.dosing")
    c = pk.simulate_pk(dosing.get_preset("zulresso"), 70.0, T).plasma_drug_ng_per_ml
    return tlr.simulate_inflammation(T, c)


@pytest.fixture(scope="module")
def synthetic():
    return tlr.simulate_inflammation(T, _zulresso_like(T))


@pytest.mark.parametrize("which", ["zulresso", "synthetic"])
def test_basal_tnf_il6_suppressed_then_recover(which, request):
    res = request.getfixturevalue(which)
    for c in ("tnf", "il6"):
        fc = res.get_fold_change(c)
        assert fc[60] < 0.8, (c, fc[60])  # lower at h60
        assert fc[168] < 0.9, (c, fc[168])  # still lower at day 7 (beyond the 9 % assay CV)
        assert fc[168] < fc[336] < fc[720] <= 1.0 + 1e-9  # recovering
    # recovery on the documented slow time scale: innate state deficit halves in t1/2
    p = tlr.get_tlr_parameters()
    d1, d2 = 1 - res.innate_state[168], 1 - res.innate_state[336]
    t_half = 168.0 * math.log(2) / math.log(d1 / d2)
    assert t_half == pytest.approx(p["innate_recovery_halflife_h"], rel=0.05)


def test_placebo_no_change():
    res = tlr.simulate_inflammation(T, np.zeros_like(T))
    for c in ("tnf", "il1b", "il6"):
        assert np.max(np.abs(res.get_fold_change(c) - 1.0)) < 1e-6
    assert np.max(np.abs(res.innate_state - 1.0)) < 1e-9


def _half_life_h(index: int) -> float:
    y0 = np.array(tlr.get_in_vivo_baseline())
    base = y0[index]
    y0[index] += 100.0
    t = np.linspace(0.0, 3.0 * [0.33, 0.5, 2.0][index - 4], 31)
    res = tlr.simulate_inflammation(t, np.zeros_like(t), y0=y0)
    v = [res.tnf_pg_per_ml, res.il1b_pg_per_ml, res.il6_pg_per_ml][index - 4] - base
    slope = np.polyfit(t, np.log(v), 1)[0]
    return math.log(2) / -slope


def test_tnf_half_life_matches_chapman_1987():
    # Chapman 1987 / Selby 1987: ~20 min in human plasma
    assert 60.0 * _half_life_h(4) == pytest.approx(20.0, rel=0.1)


def test_il1b_half_life_inside_cited_range():
    # rat i.v.: terminal 19.0 min (Cancer Res 1990) to beta 41.1 min (Reimers 1991)
    assert 19.0 <= 60.0 * _half_life_h(5) <= 41.1


def test_il6_half_life_is_hours():
    # rat i.v. beta 0.38 h to the absorption-limited apparent 5 h in humans (Banks 2000)
    assert 0.38 <= _half_life_h(6) <= 5.0


def test_two_forms_agree():
    """Where the quasi-steady state applies (input changing slowly vs the intracellular
    time scales, the slowest ~hours), the reduced form matches the full cell model. During the
    first day after the rapid 6-h ramp it does not (up to ~14 % for IL-1b; see the docs)."""
    t = np.arange(0.0, 97.0, 2.0)

    def conc(h):
        return float(np.interp(h, T, _zulresso_like(T)))

    full = tlr.simulate_cells_in_vivo(t, conc)
    red = tlr.simulate_inflammation(t, np.array([conc(h) for h in t]))
    assert np.allclose(full["innate_state"], red.innate_state, rtol=1e-4)
    for c in ("tnf", "il1b", "il6"):
        rel = np.abs(full[f"{c}_pg_per_ml"] / getattr(red, f"{c}_pg_per_ml") - 1.0)
        assert rel[t >= 24.0].max() < 0.03, (c, rel[t >= 24.0].max())


def test_in_vitro_about_80_percent_at_half_to_one_uM():
    inh = get_cascade_inhibition()  # rows 0.5 and 1 uM; cols TRAF6, co-signal, TNF
    # target ~80 % (Balan 2019); tolerance +-10 percentage points per read-out
    assert np.all(np.abs(inh - 0.80) <= 0.10), inh


def test_trif_only_stimulus_not_inhibited():
    t = np.array([0.0, 240.0])
    ref = tlr.simulate_cells(t, tlr.CellInputs(pic_uM=10.0))["tnf_secreted_pg_per_ml"][-1]
    drug = tlr.simulate_cells(t, tlr.CellInputs(pic_uM=10.0, drug_total_uM=1.0))
    assert abs(1.0 - drug["tnf_secreted_pg_per_ml"][-1] / ref) < 0.05


def test_written_scales_reproduce_targets():
    out = get_scale_model_output()
    for c, _, target in SCALE_TARGETS:
        assert out[c] == pytest.approx(target, rel=0.01)


def test_concentration_table_documents_total_drug():
    ps = load_parameters()
    assert "total" in ps["tlr.drug_ic50_uM"].description.lower()
    from importlib import resources

    text = (resources.files("brexsim.params") / "data" / "tlr.toml").read_text()
    assert "WHICH CONCENTRATION DRIVES THE TLR EFFECT: the TOTAL" in text


@pytest.mark.parametrize(
    "inputs",
    [
        tlr.CellInputs(lps_ng_per_ml=1e4, drug_total_uM=100.0),
        tlr.CellInputs(imq_ug_per_ml=100.0, innate_state=0.0),
        tlr.CellInputs(lps_ng_per_ml=1e4, imq_ug_per_ml=100.0, pic_uM=1e3, basal_tone_scale=50.0),
        tlr.CellInputs(basal_tone_scale=0.0, blood_fraction=0.01),
    ],
)
def test_cell_model_non_negative_finite(inputs):
    out = tlr.simulate_cells(np.linspace(0.0, 1440.0, 7), inputs)
    assert np.all(np.isfinite(out["y"])) and np.all(out["y"] >= 0.0)


def test_in_vivo_extreme_inputs_non_negative_finite():
    for c in (np.full_like(T, 1e4), np.where(T % 48 < 1, 5e3, 0.0), np.zeros_like(T)):
        res = tlr.simulate_inflammation(T, c)
        arr = np.stack([res.innate_state, res.tnf_pg_per_ml, res.il1b_pg_per_ml, res.il6_pg_per_ml])
        assert np.all(np.isfinite(arr)) and np.all(arr >= 0.0)


def test_bad_inputs_raise():
    from brexsim.errors import BrexsimInputError

    with pytest.raises(BrexsimInputError):
        tlr.CellInputs(lps_ng_per_ml=-1.0)
    with pytest.raises(BrexsimInputError):
        tlr.simulate_inflammation(T, -np.ones_like(T))
    with pytest.raises(BrexsimInputError):
        tlr.convert_ng_per_ml_to_uM(1.0, "aspirin")
