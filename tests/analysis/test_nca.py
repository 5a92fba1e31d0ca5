"""NCA (brexsim.analysis.nca): hand-worked figures, the PKNCA rules and closed-form PK."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from brexsim.analysis.nca import (
    apply_blq_rule,
    get_auc,
    get_aumc,
    get_c0,
    read_nca_input,
    run_nca,
    select_lambda_z,
)
from brexsim.dosing import NonmemDataset, Regimen, get_preset, get_total_dose, write_nonmem
from brexsim.errors import BrexsimInputError
from brexsim.pk import get_exposure_summary, simulate_pk
from brexsim.pk.brexanolone import get_brexanolone_pk
from brexsim.pk.zuranolone import get_zuranolone_pk

DATA = Path(__file__).parent / "data"
LN2 = math.log(2.0)


def _log_trap(c1: float, c2: float, dt: float) -> float:
    """Log trapezoid (C1 − C2)·Δt / ln(C1/C2), written out independently of the package."""
    return (c1 - c2) * dt / math.log(c1 / c2)


def _log_aumc(t1: float, t2: float, c1: float, c2: float) -> float:
    """∫ t·C dt over a log-linear interval: with k = ln(C1/C2)/Δt,
    (t1 C1 − t2 C2)/k + (C1 − C2)/k²."""
    k = math.log(c1 / c2) / (t2 - t1)
    return (t1 * c1 - t2 * c2) / k + (c1 - c2) / k**2


# --- hand-worked file: tests/analysis/data/nca_handworked.csv --------------------------------
#
# B1 (IV bolus 1 mg; samples 0.5..8 h: 16, 14, 10, 4, 2, 1 ng/mL)
#   C0 (PKNCA logslope on the first two points): 16 · (16/14)^(0.5/0.5) = 128/7 = 18.285714...
#   λz: candidates after tmax (0.5 h) are 1, 2, 4, 6, 8 h. The last three (4, 6, 8 h; 4, 2,
#   1 ng/mL) lie on one exponential, R² = adj R² = 1; with 2 h added adj R² = 0.99228 (more
#   than 1e-4 below), with 1 h 0.99579: the last three win. OLS slope on t = 4, 6, 8 with
#   t̄ = 6: Σ(t − t̄)(y − ȳ)/Σ(t − t̄)² = (−2·ln4 + 2·ln1)/8 = −ln4/4, so
#   λz = ln 4/4 = ln 2/2 = 0.34657359 1/h, t½ = 2 h exactly.
#   AUClast (all intervals fall → log trapezoid):
#     [0, 0.5] 128/7 → 16 : (16/7)·0.5/ln(8/7)  = 8.558715
#     [0.5, 1] 16 → 14    : 2·0.5/ln(8/7)       = 7.488876
#     [1, 2]   14 → 10    : 4·1/ln(1.4)         = 11.888054
#     [2, 4]   10 → 4     : 6·2/ln(2.5)         = 13.096280
#     [4, 6]   4 → 2      : 2·2/ln 2            = 5.770780
#     [6, 8]   2 → 1      : 1·2/ln 2            = 2.885390
#     sum = 49.688095 ng·h/mL; AUCinf = 49.688095 + 1/(ln2/2) = 52.573485 ng·h/mL
#   CL = 1000 · 1 mg / 52.573485 = 19.02100 L/h; Vz = CL/λz = 54.8830 L.
# INF (2 mg over 2 h; 0..8 h: 0, 5, 8, 6, 4, 2, 1 ng/mL)
#   [0,1] linear 2.5; [1,2] linear 6.5; [2,3] log 2/ln(4/3) = 6.952119; [3,4] log
#   2/ln 1.5 = 4.932607; [4,6] 5.770780; [6,8] 2.885390 → AUClast = 29.540896 ng·h/mL.
#   λz: candidates after tmax = end of infusion = 2 h: 3, 4, 6, 8 h; last three exact
#   (λz = ln2/2), adj R² of all four = 0.99887 → last three. AUCinf = 32.426286.
#   MRT = AUMCinf/AUCinf − Tinf/2 (mean input time 1 h).

B1_T = [0.5, 1, 2, 4, 6, 8]
B1_C = [16, 14, 10, 4, 2, 1]
INF_T = [0, 1, 2, 3, 4, 6, 8]
INF_C = [0, 5, 8, 6, 4, 2, 1]


def _b1_expected() -> dict[str, float]:
    c0 = 16 * 16 / 14  # = 128/7
    t = [0.0, *B1_T]
    c = [c0, *B1_C]
    auclast = sum(_log_trap(c[i], c[i + 1], t[i + 1] - t[i]) for i in range(6))
    aumclast = sum(_log_aumc(t[i], t[i + 1], c[i], c[i + 1]) for i in range(6))
    lz = LN2 / 2
    aucinf = auclast + 1 / lz
    aumcinf = aumclast + 8 * 1 / lz + 1 / lz**2
    cl = 1000 * 1.0 / aucinf
    mrt = aumcinf / aucinf
    return dict(
        c0=c0,
        auclast=auclast,
        aucinf=aucinf,
        aumcinf=aumcinf,
        lambda_z=lz,
        cl=cl,
        vz=cl / lz,
        vss=cl * mrt,
        mrt=mrt,
        t_half=2.0,
    )


def _inf_expected() -> dict[str, float]:
    lin = [(0, 1, 0, 5), (1, 2, 5, 8)]
    log = [(2, 3, 8, 6), (3, 4, 6, 4), (4, 6, 4, 2), (6, 8, 2, 1)]
    auclast = sum((c1 + c2) * (t2 - t1) / 2 for t1, t2, c1, c2 in lin) + sum(
        _log_trap(c1, c2, t2 - t1) for t1, t2, c1, c2 in log
    )
    aumclast = sum((t1 * c1 + t2 * c2) * (t2 - t1) / 2 for t1, t2, c1, c2 in lin) + sum(
        _log_aumc(t1, t2, c1, c2) for t1, t2, c1, c2 in log
    )
    lz = LN2 / 2
    aucinf = auclast + 1 / lz
    aumcinf = aumclast + 8 / lz + 1 / lz**2
    mrt = aumcinf / aucinf - 1.0
    cl = 2000.0 / aucinf
    return dict(
        auclast=auclast,
        aucinf=aucinf,
        aumcinf=aumcinf,
        lambda_z=lz,
        cl=cl,
        mrt=mrt,
        vz=cl / lz,
        vss=cl * mrt,
        cmax=8.0,
        tmax=2.0,
    )


def test_hand_worked_literals() -> None:
    """The literal figures of the comment above (so the comment is checked too)."""
    b1, inf = _b1_expected(), _inf_expected()
    assert b1["auclast"] == pytest.approx(49.688095, abs=5e-7)
    assert b1["aucinf"] == pytest.approx(52.573485, abs=5e-7)
    assert b1["cl"] == pytest.approx(19.02100, abs=5e-6)
    assert b1["vz"] == pytest.approx(54.8830, abs=5e-5)
    assert inf["auclast"] == pytest.approx(29.540896, abs=5e-7)
    assert inf["aucinf"] == pytest.approx(32.426286, abs=5e-7)
    # independent check of λz with numpy's least squares on the selected points
    slope = np.polyfit([4.0, 6.0, 8.0], np.log([4.0, 2.0, 1.0]), 1)[0]
    assert -slope == pytest.approx(LN2 / 2, rel=1e-12)


def test_hand_worked_file_matches_to_1e_10() -> None:
    res = run_nca(DATA / "nca_handworked.csv", route="iv")
    rows = res.subjects.set_index("subject")
    b1, inf = rows.loc["B1"], rows.loc["INF"]
    assert b1["route"] == "iv-bolus" and inf["route"] == "iv-infusion"
    for k, v in _b1_expected().items():
        assert b1[k] == pytest.approx(v, rel=1e-10, abs=1e-12), k
    for k, v in _inf_expected().items():
        assert inf[k] == pytest.approx(v, rel=1e-10, abs=1e-12), k
    assert b1["lambda_z_n"] == 3 and inf["lambda_z_n"] == 3
    assert (b1["lambda_z_t_first"], b1["lambda_z_t_last"]) == (4.0, 8.0)
    assert b1["cmax"] == 16.0 and b1["tmax"] == 0.5 and b1["clast"] == 1.0 and b1["tlast"] == 8
    # AUC % extrapolated and the predicted-Clast AUCinf (Clast on the line is exact here)
    assert b1["auc_pct_extrap"] == pytest.approx(100 * (2 / LN2) / b1["aucinf"], rel=1e-10)
    assert b1["aucinf_pred"] == pytest.approx(b1["aucinf"], rel=1e-12)
    assert (rows["flag"] == "").all()


def test_linear_method_and_lin_up_log_down_differ_as_expected() -> None:
    lin = run_nca(DATA / "nca_handworked.csv", route="iv", auc_method="linear")
    inf = lin.subjects.set_index("subject").loc["INF"]
    trap = np.trapezoid(INF_C, INF_T)
    assert inf["auclast"] == pytest.approx(trap, rel=1e-12)
    assert inf["auclast"] > _inf_expected()["auclast"]  # linear overestimates a decline


def test_get_auc_rules() -> None:
    # a fall to 0 is linear even with log-down (PKNCA), a rise is linear
    assert get_auc([0, 1, 2], [4, 8, 0]) == pytest.approx(6 + 4)
    assert get_auc([0, 1], [8, 4]) == pytest.approx(_log_trap(8, 4, 1))
    assert get_auc([0, 1], [4, 4]) == 4.0
    with pytest.raises(BrexsimInputError, match="auc_method"):
        get_auc([0, 1], [1, 1], method="log")
    with pytest.raises(BrexsimInputError, match="strictly increasing"):
        get_auc([0, 0], [1, 1])
    assert get_aumc([0, 1], [8, 4]) == pytest.approx(_log_aumc(0, 1, 8, 4), rel=1e-12)


def test_lambda_z_prefers_more_points_within_the_factor() -> None:
    t = np.array([1.0, 2, 3, 4, 5, 6])
    c = 100 * np.exp(-0.3 * t)
    base = c.copy()

    def adj4(eps: float) -> float:
        y = np.log(base[-4:] * np.r_[1 + eps, 1, 1, 1])
        r = y - np.polyval(np.polyfit(t[-4:], y, 1), t[-4:])
        r2 = 1 - r @ r / ((y - y.mean()) @ (y - y.mean()))
        return 1 - (1 - r2) * 3 / 2

    # perturb the 4th-last point so its 4-point fit loses 5e-5 of adjusted R²
    eps = 0.0
    for cand in np.linspace(0.001, 0.05, 500):
        if 1 - adj4(cand) > 5e-5:
            eps = cand
            break
    assert 4e-5 < 1 - adj4(eps) < 1e-4
    cc = base.copy()
    cc[2] *= 1 + eps
    cc[:2] *= 1.3  # the early points are far off the line
    wide = select_lambda_z(t, cc)  # default factor 1e-4: the 4-point fit qualifies
    narrow = select_lambda_z(t, cc, adj_r2_factor=1e-5)
    assert wide.n_points == 4 and narrow.n_points == 3
    assert narrow.lambda_z == pytest.approx(0.3, rel=1e-12)
    # Cmax is excluded by default (PKNCA), allowed with allow_tmax
    d = 50 * np.exp(-0.2 * t)
    assert select_lambda_z(t, d).n_points == 5
    assert select_lambda_z(t, d, allow_tmax=True).n_points == 6


def test_lambda_z_missing_reasons() -> None:
    up = select_lambda_z([1, 2, 3, 4, 5], [1, 9, 2, 3, 4])
    assert not up.ok and "lambda_z > 0" in up.reason and math.isnan(up.lambda_z)
    few = select_lambda_z([1, 2, 3], [3, 2, 1])
    assert not few.ok and "too few" in few.reason
    # points before the end of an infusion are not used
    t = np.array([1.0, 2, 3, 4, 5, 6])
    assert select_lambda_z(t, 10 * np.exp(-t), after_h=4).reason.startswith("too few")


def test_c0_methods() -> None:
    assert get_c0([0, 1, 2], [20, 10, 5]) == 20.0  # observed at the dose
    assert get_c0([0, 1, 2], [0, 10, 5]) == pytest.approx(20.0)  # logslope
    assert get_c0([1, 2], [10, 12]) == 10.0  # rising: c1


def test_blq_rule_positions_and_lloq() -> None:
    res = run_nca(DATA / "nca_blq.csv")
    q = res.subjects.set_index("subject")
    q1 = q.loc["Q1"]
    # BLQ at 0 h kept as 0, 3 h dropped, 10/12 h kept as 0
    exp_last = 2.5 + 6.5 + _log_trap(8, 4, 2) + _log_trap(4, 2, 2) + _log_trap(2, 1, 2)
    assert q1["auclast"] == pytest.approx(exp_last, rel=1e-12)
    assert q1["aucall"] == pytest.approx(exp_last + 1.0, rel=1e-12)  # 8→10 h: 1 → 0 linear
    assert q1["lambda_z"] == pytest.approx(LN2 / 2, rel=1e-12)
    assert q1["tlast"] == 8.0 and q1["n_samples"] == 8
    mid = run_nca(DATA / "nca_blq.csv", blq="middle=keep").subjects.set_index("subject")
    exp_mid = 2.5 + 6.5 + 4.0 + 2.0 + _log_trap(4, 2, 2) + _log_trap(2, 1, 2)
    assert mid.loc["Q1", "auclast"] == pytest.approx(exp_mid, rel=1e-12)
    last = run_nca(DATA / "nca_blq.csv", blq="last=drop").subjects.set_index("subject")
    assert last.loc["Q1", "aucall"] == pytest.approx(exp_last, rel=1e-12)
    # Q2: 0.3 ng/mL at 8 h is below its LLOQ 0.5 → BLQ; tlast = 6 h
    assert q.loc["Q2", "tlast"] == 6.0 and q.loc["Q2", "clast"] == 0.75
    # Q3: too few points → λz, AUCinf, CL missing with the reason in flag
    q3 = q.loc["Q3"]
    assert math.isnan(q3["lambda_z"]) and math.isnan(q3["aucinf"]) and math.isnan(q3["cl"])
    assert "too few points" in q3["flag"]
    t, c = apply_blq_rule([0, 1, 2], [0, 3, 0], [True, False, True], {"first": "drop"})
    assert t.tolist() == [1.0, 2.0] and c.tolist() == [3.0, 0.0]


def test_every_nan_has_a_flag() -> None:
    for f, kw in (("nca_blq.csv", {}), ("nca_handworked.csv", {"route": "iv"})):
        s = run_nca(DATA / f, **kw).subjects
        num = s.select_dtypes("number")
        has_nan = num.isna().any(axis=1)
        assert (s.loc[has_nan, "flag"].str.len() > 0).all()


def test_nonmem_file_matches_the_long_file() -> None:
    """Same profiles as NONMEM records (BLQ and covariate columns, an IV bolus: read by the
    NCA reader because brexsim.dosing.read_nonmem declines them)."""
    nm = run_nca(DATA / "nca_nonmem.csv")
    assert "declined" in nm.info["dose_reader"]
    long = run_nca(DATA / "nca_handworked.csv", route="iv").subjects.set_index("subject")
    rows = nm.subjects.set_index("subject")
    cols = ["auclast", "aucinf", "aumcinf", "lambda_z", "cl", "vz", "vss", "mrt", "cmax"]
    for a, b in (("1", "INF"), ("2", "B1")):
        np.testing.assert_allclose(
            rows.loc[a, cols].astype(float), long.loc[b, cols].astype(float), rtol=1e-12
        )
    assert rows.loc["1", "aucall"] == pytest.approx(rows.loc["1", "auclast"] + 1.0)


def test_summary_statistics() -> None:
    res = run_nca(DATA / "nca_handworked.csv", route="iv")
    s = res.summary.set_index("parameter")
    x = res.subjects["cmax"].to_numpy(float)
    assert s.loc["cmax", "geomean"] == pytest.approx(math.sqrt(16 * 8))
    sd_log = np.std(np.log(x), ddof=1)
    assert s.loc["cmax", "geocv_pct"] == pytest.approx(100 * math.sqrt(math.exp(sd_log**2) - 1))
    assert s.loc["cmax", "sd"] == pytest.approx(np.std(x, ddof=1))
    assert s.loc["tmax", "median"] == 1.25 and math.isnan(s.loc["tmax", "geomean"])
    assert (s["n"] == 2).all()


def test_bad_input_errors() -> None:
    df = pd.DataFrame({"subject": "A", "time_h": [0.0, 1, 2], "conc": [0, 5, 2.0]})
    with pytest.raises(BrexsimInputError, match=r"conc=.*row 1.*>= 0"):
        run_nca(df.assign(conc=[0, -5, 2]))
    with pytest.raises(BrexsimInputError, match="duplicate"):
        run_nca(df.assign(time_h=[0, 1, 1]))
    with pytest.raises(BrexsimInputError, match="positive"):
        run_nca(df.assign(conc=[0.0, 0, 0]))
    with pytest.raises(BrexsimInputError, match="unknown format"):
        read_nca_input(pd.DataFrame({"a": [1]}))
    with pytest.raises(BrexsimInputError, match="--blq"):
        run_nca(df, blq="first=zero")


# --- closed-form PK --------------------------------------------------------------------------


def _long(t: np.ndarray, c: np.ndarray, **cols: float) -> pd.DataFrame:
    return pd.DataFrame({"subject": "S", "time_h": t, "conc": c, **cols})


def test_one_compartment_bolus_is_exact() -> None:
    """C = D/V·e^{−kt}: AUC = D/CL, λz = k, Vz = Vss = V (log trapezoid and C0 are exact)."""
    dose_mg, v_l, k = 10.0, 50.0, 0.1
    t = np.arange(0.25, 72.0001, 0.25)
    c = dose_mg / v_l * 1000.0 * np.exp(-k * t)  # mg/L → ng/mL
    row = run_nca(_long(t, c, dose_mg=dose_mg), route="iv").subjects.iloc[0]
    cl = k * v_l
    assert row["aucinf"] == pytest.approx(dose_mg * 1000 / cl, rel=1e-9)  # 2000 ng·h/mL
    assert row["lambda_z"] == pytest.approx(k, rel=1e-9)
    assert row["cl"] == pytest.approx(cl, rel=1e-9)
    assert row["vz"] == pytest.approx(v_l, rel=1e-9) and row["vss"] == pytest.approx(v_l, rel=1e-9)
    assert row["c0"] == pytest.approx(200.0, rel=1e-12)


@pytest.fixture(scope="module")
def zulresso() -> dict:
    reg = get_preset("zulresso")
    t = np.arange(0.0, 400.0001, 0.25)
    res = simulate_pk(reg, 70.0, t)
    pk = get_brexanolone_pk(70.0)
    return {
        "reg": reg,
        "t": t,
        "c": res.plasma_drug_ng_per_ml,
        "dose": get_total_dose(reg, 70.0),
        "pk": pk,
        "summary": get_exposure_summary(res, reg),
    }


def test_zulresso_long_csv_against_the_closed_form(zulresso: dict, tmp_path: Path) -> None:
    z = zulresso
    p = tmp_path / "zulresso.csv"
    _long(z["t"], z["c"], dose_mg=z["dose"], infusion_h=60.0).to_csv(p, index=False)
    row = run_nca(p).subjects.iloc[0]
    exact = z["dose"] * 1000.0 / z["pk"].cl_L_per_h  # linear PK: AUC0-inf = dose/CL
    assert row["aucinf"] == pytest.approx(exact, rel=5e-3)
    assert row["aucinf"] == pytest.approx(z["summary"]["auc_inf_ng_h_per_ml"], rel=5e-3)
    i = int(np.argmax(z["c"]))
    assert row["cmax"] == float(z["c"][i]) and row["tmax"] == float(z["t"][i]) == 52.0
    assert row["cl"] == pytest.approx(z["pk"].cl_L_per_h, rel=5e-3)
    assert row["lambda_z"] == pytest.approx(z["pk"].macro[0][1], rel=1e-2)
    assert row["lambda_z_t_first"] > 60.0  # no point during the infusion


def test_zulresso_nonmem_gives_vss_from_the_stepped_input(zulresso: dict, tmp_path: Path) -> None:
    """The NONMEM records carry the five rate steps: mean input time 31.6 h (not Tinf/2)."""
    z = zulresso
    obs = pd.DataFrame({"ID": 1, "TIME": z["t"], "CMT": 2, "DV": z["c"]})
    p = write_nonmem(NonmemDataset({1: z["reg"]}, {1: 70.0}, obs), tmp_path / "z.csv")
    res = run_nca(p)
    assert res.info["dose_reader"] == "brexsim.dosing.read_nonmem"
    row = res.subjects.iloc[0]
    assert row["dose_mg"] == pytest.approx(z["dose"], rel=1e-10)
    assert row["mean_input_time_h"] == pytest.approx(31.6, rel=1e-10)
    assert row["vss"] == pytest.approx(z["pk"].vss_L, rel=1e-2)
    assert row["aucinf"] == pytest.approx(z["dose"] * 1000.0 / z["pk"].cl_L_per_h, rel=5e-3)


def test_zuranolone_single_oral_dose(tmp_path: Path) -> None:
    reg = Regimen("zuranolone", oral_doses=((0.0, 50.0),))
    t = np.arange(0.0, 600.0001, 0.25)
    c = simulate_pk(reg, 70.0, t).plasma_drug_ng_per_ml
    row = run_nca(_long(t, c, dose_mg=50.0)).subjects.iloc[0]
    cl_f = get_zuranolone_pk().cl_L_per_h
    assert row["route"] == "extravascular"
    assert row["aucinf"] == pytest.approx(50.0 * 1000.0 / cl_f, rel=5e-3)
    assert row["cmax"] == float(c.max()) and row["tmax"] == float(t[int(np.argmax(c))])
    assert math.isnan(row["vss"]) and "CL/F" in row["flag"]


def test_data_frame_with_nan_gives_the_named_error_not_a_traceback():
    """pandas 3 keeps NaN under astype(str); a missing concentration must still be named."""
    import numpy as np
    import pandas as pd
    import pytest

    from brexsim.analysis.nca.data import read_nca_input
    from brexsim.errors import BrexsimInputError

    df = pd.DataFrame(
        {"subject": [1, 1, 1], "time_h": [0, 1, 2], "conc": [np.nan, 5, 3], "dose_mg": [1] * 3}
    )
    with pytest.raises(BrexsimInputError, match="conc"):
        read_nca_input(df)
    df["blq"] = [1, 0, 0]
    assert len(read_nca_input(df).samples) == 3
