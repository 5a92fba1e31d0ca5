"""VPC core on hand-built frames with known answers: percentiles, bins, pcVPC, BLQ, reader."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from brexsim.analysis.vpc import (
    VPC_COLUMNS,
    assign_bins,
    compute_vpc,
    correct_prediction,
    get_bin_edges,
    get_censored_percentiles,
    get_expected_miss_rate,
    get_group_percentiles,
    get_jenks_breaks,
    get_min_replicates,
)
from brexsim.analysis.vpc.data import match_arms, read_observed
from brexsim.analysis.vpc.plot import plot_vpc
from brexsim.analysis.vpc.report import build_vpc_html, get_vpc_summary
from brexsim.errors import BrexsimInputError
from brexsim.io.outputs import write_json

DATA = Path(__file__).parent / "data"


def _frame(times, dv, blq=None, dvid="conc", **cols) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    dv = np.asarray(dv, dtype=float)
    blq = np.zeros(len(dv), dtype=bool) if blq is None else np.asarray(blq, dtype=bool)
    return pd.DataFrame(
        {
            "time_h": np.asarray(times, float),
            "dvid": dvid,
            "dv": np.where(blq, np.nan, dv),
            "blq": blq,
            **cols,
        }
    )


def _replicates(obs: pd.DataFrame, n: int, shift: float = 1.0) -> pd.DataFrame:
    """Replicate r = the observed records with dv + shift * r."""
    return pd.concat([obs.assign(replicate=r, dv=obs["dv"] + shift * r) for r in range(n)])


def _row(res, statistic, b=0, stratum=None):  # type: ignore[no-untyped-def]
    t = res.to_frame()
    t = t[(t["statistic"] == statistic) & (t["bin"] == b)]
    if stratum is not None:
        t = t[t["stratum"] == stratum]
    assert len(t) == 1
    return t.iloc[0]


# ---------------------------------------------------------------- percentiles


@pytest.mark.parametrize("n", [1, 2, 5, 20, 101])
def test_group_percentiles_are_numpy_linear_quantiles(n: int) -> None:
    rng = np.random.default_rng(n)
    x = rng.lognormal(size=n)
    probs = [0.0, 0.025, 0.05, 0.1, 0.5, 0.9, 0.95, 0.975, 1.0]
    _, q, cnt = get_group_percentiles(np.zeros(n, dtype=int), x, probs)
    np.testing.assert_allclose(q[0], np.quantile(x, probs), rtol=1e-13, atol=0)
    assert cnt.tolist() == [n]


def test_censored_percentiles_rank_blq_below_everything() -> None:
    # sorted: BLQ, BLQ, 3, 4, 5 (n = 5, h = 4 p)
    dv = [4.0, np.nan, 5.0, np.nan, 3.0]
    blq = [False, True, False, True, False]
    vals, below = get_censored_percentiles(dv, blq, [0.05, 0.3, 0.45, 0.5, 0.95])
    # h = 0.2, 1.2, 1.8: the lower order statistic is BLQ -> below the LLOQ
    assert below.tolist() == [True, True, True, False, False]
    assert np.isnan(vals[:3]).all()
    assert vals[3] == 3.0  # h = 2 exactly: the 3rd value
    assert vals[4] == pytest.approx(4.8, abs=1e-12)  # h = 3.8: 4 + 0.8 (5 - 4)


def test_min_replicates_rule() -> None:
    assert get_min_replicates(0.9) == 20
    assert get_min_replicates(0.95) == 40
    assert get_min_replicates(0.8) == 10


def test_intervals_miss_an_exchangeable_study_at_the_expected_rate() -> None:
    """Each of 40 studies drawn from one distribution in turn as the observed one against the
    other 39 (80 % intervals): 600 observed percentiles; expected miss rate 2(38 x 0.1 + 1)/40 =
    24 % (not 20 %: small-R quantiles); binomial SD 1.7 percentage points."""
    rng = np.random.default_rng(1)
    studies = pd.concat(
        _frame([t] * 30, rng.lognormal(0.0, 0.5, 30)).assign(replicate=r)
        for r in range(40)
        for t in (1.0, 2.0, 3.0, 4.0, 5.0)
    )
    inside = []
    for r in range(40):
        obs, sim = studies[studies.replicate == r], studies[studies.replicate != r]
        inside.append(compute_vpc(obs, sim, "conc", ci=0.8).to_frame()["observed_inside"])
    miss = 1.0 - pd.concat(inside).astype(float).mean()
    expected = get_expected_miss_rate(39, 0.8)
    assert expected == pytest.approx(0.24)
    assert miss == pytest.approx(expected, abs=0.035)


# ---------------------------------------------------------------------- bins


def test_bin_edges_rules() -> None:
    t = [0, 0, 24, 24, 60, 72]
    assert get_bin_edges(t, "nominal")[0] == (0.0, 12.0, 42.0, 66.0, 72.0)
    assert get_bin_edges(t, "auto")[1].startswith("nominal")
    many = np.arange(20.0)
    edges, rule = get_bin_edges(many, "auto", n_bins=4)
    assert rule.startswith("jenks") and len(edges) == 5
    assert get_bin_edges([1, 2, 3, 10, 11, 12], "jenks", n_bins=2)[0] == (1.0, 6.5, 12.0)
    q, _ = get_bin_edges(np.arange(9.0), "quantile", n_bins=4)
    assert q == (0.0, 2.0, 4.0, 6.0, 8.0)
    assert get_bin_edges([5, 5, 5], "auto")[0] == (5.0, 5.0)
    assert get_bin_edges(t, [0, 30, 80])[0] == (0.0, 30.0, 80.0)


def test_assign_bins_half_open_last_closed() -> None:
    edges = (0.0, 12.0, 42.0, 60.0)
    assert assign_bins([0, 11.99, 12, 42, 60, 60.01, -1], edges).tolist() == [0, 0, 1, 2, 2, -1, -1]
    assert assign_bins([5, 5], (5.0, 5.0)).tolist() == [0, 0]


def test_jenks_is_the_exact_minimum_of_within_class_squares() -> None:
    rng = np.random.default_rng(3)
    x = np.unique(np.round(rng.exponential(10, 9), 2))

    def ss(parts):  # type: ignore[no-untyped-def]
        return sum(((p - p.mean()) ** 2).sum() for p in parts)

    for k in (2, 3, 4):
        brute = min(
            ss(np.split(x, cuts)) for cuts in itertools.combinations(range(1, len(x)), k - 1)
        )
        starts = get_jenks_breaks(x, k)
        assert ss(np.split(x, starts[1:])) == pytest.approx(brute, rel=1e-12)


@pytest.mark.parametrize(
    "bins",
    [[0.0], [0, 0, 1], [0, np.nan], [100, 200], "weekly", ["a", "b"]],
)
def test_bad_bins_name_the_field(bins) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(BrexsimInputError, match="bins"):
        get_bin_edges([1.0, 2.0], bins)


# ------------------------------------------------------------- compute_vpc


def test_percentile_intervals_over_replicates_are_exact() -> None:
    obs = _frame([1.0] * 5, [1.0, 2.0, 3.0, 4.0, 5.0])
    res = compute_vpc(obs, _replicates(obs, 40), "conc", ci=0.95)
    r = _row(res, "p50")
    assert r["observed"] == 3.0
    # replicate r has median 3 + r, r = 0..39; type-7 quantiles of 3..42
    assert r["sim_low"] == pytest.approx(3 + 39 * 0.025, abs=1e-12)
    assert r["sim_median"] == pytest.approx(3 + 19.5, abs=1e-12)
    assert r["sim_high"] == pytest.approx(3 + 39 * 0.975, abs=1e-12)
    assert bool(r["observed_inside"]) is False  # 3 < 3.975
    p5 = _row(res, "p5")
    assert p5["observed"] == pytest.approx(1.2, abs=1e-12)  # h = 0.2
    assert list(res.to_frame().columns) == list(VPC_COLUMNS)
    assert res.n_replicates == 40 and res.binning.startswith("nominal")


def test_too_few_replicates_for_the_interval() -> None:
    obs = _frame([1.0, 2.0], [1.0, 2.0])
    with pytest.raises(BrexsimInputError, match=r"replicates.*>= 20 .* 0.9 interval"):
        compute_vpc(obs, _replicates(obs, 19), "conc", ci=0.9)
    compute_vpc(obs, _replicates(obs, 20), "conc", ci=0.9)


def test_prediction_correction_hand_example() -> None:
    assert correct_prediction([5.0, 30.0], [10.0, 20.0], [15.0, 15.0]).tolist() == [7.5, 22.5]
    lb = correct_prediction([5.0], [10.0], [15.0], lower_bound=2.0)[0]
    assert lb == pytest.approx(2 + 3 * 13 / 8, abs=1e-12)
    obs = _frame([1.0, 1.0, 1.0], [5.0, 30.0, 0.4], pred=[10.0, 20.0, 0.0])
    sim = _replicates(obs, 20, shift=0.0)
    res = compute_vpc(obs, sim, "conc", ci=0.9, pred_corrected=True)
    # PRED = 0 cannot be corrected: left out, counted; PRED_bin = median(10, 20) = 15
    assert res.get_points()["value"].tolist() == [7.5, 22.5]
    assert res.excluded["observed: PRED <= 0 (not correctable)"] == 1
    assert res.excluded["simulated: PRED <= 0 (not correctable)"] == 20
    assert _row(res, "p50")["observed"] == pytest.approx(15.0, abs=1e-12)
    with pytest.raises(ValueError, match="lower bound"):
        correct_prediction([1.0], [0.0], [1.0])
    placebo = obs.assign(pred=0.0)
    with pytest.raises(BrexsimInputError, match=r"pred_corrected.*PRED > 0"):
        compute_vpc(placebo, _replicates(placebo, 20), "conc", ci=0.9, pred_corrected=True)


def test_pcvpc_uses_the_observed_bin_median_for_simulated_records() -> None:
    obs = _frame([1.0, 1.0], [10.0, 10.0], pred=[10.0, 30.0])
    sim = _replicates(_frame([1.0], [40.0], pred=[40.0]), 20, shift=0.0)
    res = compute_vpc(obs, sim, "conc", ci=0.9, pred_corrected=True)
    r = _row(res, "p50")
    assert r["sim_median"] == pytest.approx(40.0 * 20.0 / 40.0, abs=1e-12)  # PRED_bin = 20


def test_blq_fraction_and_percentiles_below_lloq() -> None:
    obs = _frame([1.0] * 5, [0, 0, 3, 4, 5], blq=[1, 1, 0, 0, 0], lloq=1.0, unit="ng/mL")
    # replicate r: r of 10 records BLQ (r = 0..19 -> fractions 0, 0.1, ..., 0.9, 0, ...)
    sims = []
    for r in range(20):
        k = r % 10
        sims.append(
            _frame(
                [1.0] * 10, np.arange(10.0) + 2, blq=np.arange(10) < k, lloq=1.0, unit="ng/mL"
            ).assign(replicate=r)
        )
    res = compute_vpc(obs, pd.concat(sims), "conc", ci=0.9)
    f = _row(res, "blq_fraction")
    assert f["observed"] == pytest.approx(0.4) and f["n_obs_blq"] == 2
    fr = np.tile(np.arange(10) / 10, 2)
    np.testing.assert_allclose(
        [f["sim_low"], f["sim_median"], f["sim_high"]], np.quantile(fr, [0.05, 0.5, 0.95])
    )
    p5 = _row(res, "p5")
    assert p5["observed_below_lloq"] and np.isnan(p5["observed"])
    # replicate p5 (n = 10, h = 0.45) is below the LLOQ whenever one record is BLQ (18 of 20)
    assert p5["sim_median_below_lloq"] and p5["sim_low_below_lloq"]
    assert not p5["sim_high_below_lloq"] and p5["sim_high"] == pytest.approx(2.45)
    assert bool(p5["observed_inside"]) is True  # below the LLOQ, as the interval's lower end
    assert res.lloq == 1.0 and res.unit == "ng/mL"


def test_stratified_vpc_and_unknown_stratum() -> None:
    obs = pd.concat([_frame([1.0, 2.0], [1.0, 2.0], arm="A"), _frame([1.0], [10.0], arm="B")])
    sim = _replicates(obs, 20, shift=0.0)
    res = compute_vpc(obs, sim, "conc", ci=0.9, stratify_by="arm")
    assert res.strata == ("A", "B")
    assert _row(res, "p50", 0, "B")["observed"] == 10.0
    assert _row(res, "p50", 1, "B")["n_obs"] == 0
    with pytest.raises(BrexsimInputError, match=r"observed.arm"):
        compute_vpc(obs, sim[sim["arm"] == "A"], "conc", ci=0.9, stratify_by="arm")


def test_edge_cases_compute_and_plot() -> None:
    cases = {
        "one bin": (_frame([1.0] * 3, [1.0, 2.0, 3.0]), "auto"),
        "empty bin": (_frame([1.0, 9.0], [1.0, 2.0]), [0, 2, 4, 10]),
        "all BLQ": (_frame([1.0, 2.0], [0, 0], blq=[1, 1], lloq=0.5), "auto"),
        "constant": (_frame([1.0, 2.0, 2.0], [4.0, 4.0, 4.0]), "auto"),
        "constant time": (_frame([3.0, 3.0], [1.0, 2.0]), "jenks"),
    }
    for name, (obs, bins) in cases.items():
        res = compute_vpc(obs, _replicates(obs, 20, 0.0), "conc", bins=bins, ci=0.9)
        t = res.to_frame()
        if name == "empty bin":
            empty = t[t["bin"] == 1]
            assert (empty["n_obs"] == 0).all() and empty["observed"].isna().all()
            assert empty["observed_inside"].isna().all()
        if name == "all BLQ":
            assert t.loc[t["statistic"] != "blq_fraction", "observed_below_lloq"].all()
            assert (t.loc[t["statistic"] == "blq_fraction", "observed"] == 1.0).all()
        fig = plot_vpc(res)
        fig.savefig(__import__("io").BytesIO(), format="png")
        assert fig.axes, name


def test_plot_scales_and_lloq_line() -> None:
    obs = _frame([1.0, 2.0], [5.0, 2.0], blq=[0, 0], lloq=0.5, pred=[5.0, 2.0])
    sim = _replicates(obs, 20, 0.1)
    ax = plot_vpc(compute_vpc(obs, sim, "conc", ci=0.9)).axes[0]
    assert ax.get_yscale() == "log"
    assert any(line.get_label().startswith("LLOQ") for line in ax.get_lines())
    pc = plot_vpc(compute_vpc(obs, sim, "conc", ci=0.9, pred_corrected=True)).axes[0]
    assert not any(line.get_label().startswith("LLOQ") for line in pc.get_lines())
    h = _frame([1.0, 2.0], [5.0, 2.0], dvid="hamd")
    assert plot_vpc(compute_vpc(h, _replicates(h, 20), "hamd", ci=0.9)).axes[0].get_yscale() == (
        "linear"
    )


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"dvid": "il6"}, "dvid='il6'"),
        ({"obs": _frame([-1.0], [1.0])}, "observed.time_h"),
        ({"obs": _frame([1.0], [np.nan])}, "observed.dv"),
        ({"obs": pd.DataFrame({"time_h": [1.0]})}, "observed columns"),
        ({"pi": (0.5, 0.05)}, "pi"),
        ({"pi": (0.0, 0.5)}, "pi"),
        ({"ci": 1.0}, "ci"),
        ({"pred_corrected": True}, "observed columns"),
        ({"obs": _frame([1.0], [1.0], unit="mg/L"), "sim_unit": "ng/mL"}, "observed.unit"),
    ],
)
def test_bad_input_names_the_field(change, match) -> None:  # type: ignore[no-untyped-def]
    obs = change.get("obs", _frame([1.0, 2.0], [1.0, 2.0]))
    sim = _replicates(_frame([1.0, 2.0], [1.0, 2.0]), 40)
    if "sim_unit" in change:
        sim = sim.assign(unit=change["sim_unit"])
    kw = {k: v for k, v in change.items() if k in ("pi", "ci", "pred_corrected")}
    with pytest.raises(BrexsimInputError, match=match):
        compute_vpc(obs, sim, change.get("dvid", "conc"), **kw)


def test_result_is_immutable_and_summary_is_json(tmp_path: Path) -> None:
    obs = _frame([1.0, 2.0], [1.0, 2.0], lloq=0.5)
    res = compute_vpc(obs, _replicates(obs, 40), "conc")
    t = res.to_frame()
    t.loc[:, "observed"] = -1.0
    assert (res.to_frame()["observed"] != -1.0).all()
    with pytest.raises(AttributeError):
        res.dvid = "hamd"  # type: ignore[misc]
    s = get_vpc_summary(res)
    write_json(tmp_path / "s.json", s)  # no NaN, all plain types
    assert json.loads((tmp_path / "s.json").read_text())["n_observed"] == 2
    page = build_vpc_html([res], {"conc": b"\x89PNG"}, {"v": 1}, {"source": "x"})
    assert "VPC: conc" in page and "data:image/png;base64" in page


# --------------------------------------------------------------------- reader


def test_read_nonmem_file() -> None:
    data = read_observed(DATA / "vpc_nonmem.csv")
    f = data.frame
    # the dose record and the MDV 1 sample are skipped; DVID by code and by name
    assert f["time_h"].tolist() == [4.0, 12.0, 24.0, 60.0, 4.0, 24.0]
    assert f["dvid"].tolist() == ["conc", "conc", "hamd", "conc", "conc", "hamd"]
    # BLQ flag (12 h), CENS 1 (60 h) and DV < LLOQ (ID 2, 0.5 < 0.78)
    assert f["blq"].tolist() == [False, True, False, True, True, False]
    assert f["dv"].isna().tolist() == f["blq"].tolist()
    assert data.info["n_skipped"] == 2 and "WT" in data.info["ignored_columns"]
    arms = match_arms(f, ["BRX90", "placebo"])["arm"].tolist()
    assert arms == ["BRX90"] * 4 + ["placebo"] * 2


def test_read_long_csv_and_parquet(tmp_path: Path) -> None:
    df = pd.DataFrame(
        {
            "subject": [1, 1, 2],
            "arm": "A",
            "time_h": [0.0, 24.0, 24.0],
            "dvid": "hamd",
            "dv": [28.0, 20.0, 15.0],
            "blq": [False, False, False],
            "replicate": 0,
        }
    )
    df.to_csv(tmp_path / "long.csv", index=False)
    df.to_parquet(tmp_path / "obs.parquet")
    a = read_observed(tmp_path / "long.csv").frame
    b = read_observed(tmp_path / "obs.parquet").frame
    pd.testing.assert_frame_equal(a, b)
    assert a["dv"].tolist() == [28.0, 20.0, 15.0] and a["subject"].tolist() == ["1", "1", "2"]
    two = pd.concat([df, df.assign(replicate=1)])
    two.to_parquet(tmp_path / "two.parquet")
    with pytest.raises(BrexsimInputError, match="replicate"):
        read_observed(tmp_path / "two.parquet")
    no_dvid = df.drop(columns="dvid")
    assert set(read_observed(no_dvid, dvid="hamd").frame["dvid"]) == {"hamd"}
    with pytest.raises(BrexsimInputError, match="dvid column"):
        read_observed(no_dvid)


@pytest.mark.parametrize(
    ("row", "match"),
    [
        ("1,4,0,0,22,7,0", r"DVID='7'.*line 2.*1 conc"),
        ("1,-4,0,0,22,1,0", r"TIME='-4'.*time >= 0"),
        ("1,4,0,0,,1,0", r"DV=''.*line 2"),
        ("1,4,0,0,abc,1,0", r"DV='abc'"),
        ("1,4,0,0,1,1,-1", r"CENS='-1'.*upper censoring"),
        ("1,4,1,1,.,1,0", r"at least one observation record"),
    ],
)
def test_reader_errors_name_column_line_value(tmp_path: Path, row: str, match: str) -> None:
    p = tmp_path / "bad.csv"
    p.write_text("ID,TIME,AMT,EVID,DV,DVID,CENS\n" + row + "\n", encoding="utf-8")
    with pytest.raises(BrexsimInputError, match=match):
        read_observed(p)


def test_reader_format_and_file_errors(tmp_path: Path) -> None:
    p = tmp_path / "x.csv"
    p.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(BrexsimInputError, match=r"columns.*NONMEM-style"):
        read_observed(p)
    with pytest.raises(BrexsimInputError, match=r"OBSERVED.*existing file"):
        read_observed(tmp_path / "missing.csv")
    with pytest.raises(BrexsimInputError, match="dvid"):
        read_observed(p, dvid="cortisol")


def test_match_arms_rules() -> None:
    f = pd.DataFrame({"arm": ["", ""]})
    assert match_arms(f, ["only"])["arm"].tolist() == ["only", "only"]
    assert match_arms(f, ["A", "B"])["arm"].tolist() == ["", ""]
    with pytest.raises(BrexsimInputError, match=r"ARM.*--stratify arm"):
        match_arms(f, ["A", "B"], "--stratify arm")
    with pytest.raises(BrexsimInputError, match="ARM='C'"):
        match_arms(pd.DataFrame({"arm": ["C"]}), ["A", "B"])
    with pytest.raises(BrexsimInputError, match="ARM='3'"):
        match_arms(pd.DataFrame({"arm": ["3"]}), ["A", "B"])
