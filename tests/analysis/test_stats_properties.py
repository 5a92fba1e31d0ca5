"""Property-based tests (Hypothesis) of the biomarker and trial statistics.

The properties:

* :func:`brexsim.trial.stats.get_rate_ci`: for every ``0 <= k <= n`` the interval lies in
  [0, 1] and contains ``k / n`` (exactly 0 at ``k = 0`` and 1 at ``k = n``); anything else is
  one :class:`~brexsim.errors.BrexsimInputError`; ``n = 0`` is "not available" (nan).
* :func:`brexsim.trial.stats.fit_ancova` (any arm sizes including empty arms and n = 2, ties,
  missing changes, constant baselines): every LS mean and difference lies inside its CI or
  both are nan, p in [0, 1], a missing p or a dropped baseline has a ``note``; when the arms
  that have patients (and the baseline, where it adds to them) can be fitted, every such arm
  gets an estimate and every empty arm none.
* :func:`brexsim.trial.stats.compute_endpoints` on constructed outcomes (empty, zero-event,
  all-event and all-dropout arms, one or two replicates): every row's interval contains its
  estimate and rates lie in [0, 1]; a missing estimate is flagged by its ``n``.
* :func:`brexsim.analysis.stats.analyze_biomarkers` and :func:`fit_mixed_models` on long
  biomarker frames with missing values, ties, constant columns and n = 2: one
  BrexsimInputError, or tables whose intervals contain their estimates, whose p and q lie in
  [0, 1], whose counts add up, and whose missing statistics carry a ``note``.

No model is simulated. The Hypothesis profile is the suite's (``tests/conftest.py``: fixed
examples, no example database).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from brexsim.analysis.data import validate_biomarkers
from brexsim.analysis.stats import analyze_biomarkers, fit_mixed_models
from brexsim.errors import BrexsimInputError
from brexsim.report.intervals import check_interval
from brexsim.trial.stats import (
    ENDPOINT_COLUMNS,
    TrialOutcomes,
    compute_endpoints,
    fit_ancova,
    get_rate_ci,
)


def _in_unit(x: np.ndarray) -> bool:
    x = np.asarray(x, dtype=float)
    return bool(np.all(np.isnan(x) | ((x >= 0.0) & (x <= 1.0))))


# -- rates -------------------------------------------------------------------------------
@given(
    n=st.one_of(st.integers(0, 10), st.integers(0, 10**6)),
    k_frac=st.one_of(st.sampled_from([0.0, 1.0]), st.floats(0.0, 1.0)),
    method=st.sampled_from(["wilson", "beta"]),
)
def test_rate_interval_contains_the_rate_and_lies_in_0_1(n, k_frac, method):
    k = round(k_frac * n)
    rate, lo, hi = get_rate_ci(k, n, method)
    if n == 0:
        assert np.isnan([rate, lo, hi]).all()
        return
    assert rate == k / n
    assert 0.0 <= lo <= rate <= hi <= 1.0
    assert (lo == 0.0) == (k == 0)  # exactly 0 at k = 0, above 0 for any event
    assert (hi == 1.0) == (k == n)


@given(n=st.integers(-5, 50), k=st.integers(-5, 60))
def test_impossible_counts_are_one_clear_error(n, k):
    assume(n < 0 or not 0 <= k <= n)
    with pytest.raises(BrexsimInputError) as e:
        get_rate_ci(k, n)
    assert e.value.field == "k, n"


# -- ANCOVA ------------------------------------------------------------------------------
@st.composite
def ancova_inputs(draw: st.DrawFn) -> tuple:
    """change, baseline, arm, arm names: 2-3 arms of 0-8 patients, ties, missing changes."""
    names = ["placebo", "A", "B"][: draw(st.integers(2, 3))]
    sizes = [draw(st.integers(0, 8)) for _ in names]
    arm = np.repeat(names, sizes)
    n = len(arm)
    base_kind = draw(st.sampled_from(["integers", "constant", "two-values"]))
    if base_kind == "constant":
        baseline = np.full(n, float(draw(st.integers(0, 52))))
    elif base_kind == "two-values":
        baseline = np.array([draw(st.sampled_from([26.0, 27.0])) for _ in range(n)])
    else:
        baseline = np.array([float(draw(st.integers(20, 52))) for _ in range(n)])
    change = np.array(
        [
            draw(st.one_of(st.sampled_from([-10.0, -10.0, 0.0, np.nan]), st.floats(-52, 52)))
            for _ in range(n)
        ]
    )
    return change, baseline, arm, names


def _check_ancova(r, change, baseline, arm) -> None:  # type: ignore[no-untyped-def]
    keep = np.isfinite(change) & np.isfinite(baseline)
    assert r.n.tolist() == [int(np.sum(keep & (arm == a))) for a in r.arms]
    check_interval("LS mean", r.ls_mean, r.ls_ci[:, 0], r.ls_ci[:, 1])
    check_interval("difference", r.diff, r.diff_ci[:, 0], r.diff_ci[:, 1])
    assert _in_unit(r.diff_p)
    assert np.isnan(r.diff[0]) and np.isnan(r.diff_p[0])  # the reference has no difference
    assert np.all(np.isnan(r.ls_mean[r.n == 0]))  # no patient, no estimate
    assert np.all(np.isnan(r.diff[r.n == 0]) & np.isnan(r.diff_p[r.n == 0]))
    # a comparison without a p, and a fit without the baseline, say why
    no_p = (r.n > 0) & np.isnan(r.diff_p)
    no_p[0] = False
    if no_p.any() or not r.baseline_adjusted:
        assert r.note, r
    assert r.exact_fit == (r.note.count("no residual variance") == 1)
    if r.exact_fit:
        assert np.all(r.ls_se[r.n > 0] == 0.0)


def _identifiable(change, baseline, arm, names) -> bool:  # type: ignore[no-untyped-def]
    """The arms that have patients, the reference among them, and the baseline where it adds
    to them (is not constant within each arm), leave a residual degree of freedom."""
    keep = np.isfinite(change)
    a, b = arm[keep], baseline[keep]
    present = [x for x in names if np.any(a == x)]
    if names[0] not in present:
        return False
    X = np.column_stack([np.ones(len(a))] + [(a == x) * 1.0 for x in present[1:]] + [b])
    if np.linalg.matrix_rank(X) < X.shape[1]:
        X = X[:, :-1]
    return len(a) > X.shape[1]


@given(inputs=ancova_inputs())
def test_ancova_intervals_are_well_formed_for_any_arms(inputs):
    change, baseline, arm, names = inputs
    r = fit_ancova(change, baseline, arm, "placebo", arms=names)
    assert r.arms[0] == "placebo" and set(r.arms) == set(names)
    _check_ancova(r, change, baseline, arm)


@given(inputs=ancova_inputs())
def test_ancova_estimates_every_arm_when_the_design_is_identifiable(inputs):
    change, baseline, arm, names = inputs
    assume(_identifiable(change, baseline, arm, names))
    r = fit_ancova(change, baseline, arm, "placebo", arms=names)
    has = r.n > 0
    assert np.all(np.isfinite(r.ls_mean[has])) and np.all(np.isfinite(r.ls_ci[has]))
    assert np.all(np.isfinite(r.diff[1:][has[1:]])) and r.df_resid >= 1
    assert np.all(np.isnan(r.ls_mean[~has])) and np.all(np.isnan(r.diff[~has]))
    keep = np.isfinite(change)
    if np.ptp(baseline[keep]) == 0:  # a constant baseline is dropped, and the note says so
        assert not r.baseline_adjusted and "baseline" in r.note


# fixed (was a strict xfail): trial.stats.fit_ancova: an arm with no patient in the fit left an
# all-zero column in X, and the rank check returned nan for every arm
def test_ancova_with_one_empty_arm_still_compares_the_others():
    rng = np.random.default_rng(0)
    arm = np.repeat(["placebo", "A"], 20)
    base, change = rng.normal(28, 2, 40), rng.normal(-10, 5, 40)
    r = fit_ancova(change, base, arm, "placebo", arms=["placebo", "A", "B"])
    assert np.isfinite(r.diff[1]) and np.isnan(r.diff[2])
    assert np.isnan(r.ls_mean[2]) and np.isfinite(r.diff_p[1]) and "arm B" in r.note


# fixed (was a strict xfail): trial.stats.fit_ancova: a constant baseline (a spec with
# hamd_baseline_min == hamd_baseline_max, which parse_trial_spec accepts) is collinear with the
# intercept; every LS mean and difference was nan with nothing saying why
def test_ancova_with_a_constant_baseline_estimates_the_difference():
    rng = np.random.default_rng(0)
    arm = np.repeat(["placebo", "A"], 20)
    change = rng.normal(-10, 5, 40) - 4 * (arm == "A")
    r = fit_ancova(change, np.full(40, 26.0), arm, "placebo")
    assert np.isfinite(r.diff[1])
    # without the baseline the difference is the difference of the arm means
    mean_a, mean_p = change[arm == "A"].mean(), change[arm == "placebo"].mean()
    assert r.diff[1] == pytest.approx(mean_a - mean_p, rel=1e-12)
    assert not r.baseline_adjusted and "the same baseline (26)" in r.note


# fixed (was a strict xfail): trial.stats.fit_ancova: a fit with zero residual (every change the
# same) had diff_se = 0 and divided by it (tval = diff / diff_se) with a RuntimeWarning, an error
# under the test suite's filterwarnings
def test_ancova_with_identical_changes_divides_by_no_zero():
    arm = np.repeat(["placebo", "A"], 4)
    base = np.array([26.0, 27, 28, 29, 26, 27, 28, 30])
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        r = fit_ancova(np.full(8, -10.0), base, arm, "placebo")
    check_interval("difference", r.diff, r.diff_ci[:, 0], r.diff_ci[:, 1])
    assert r.exact_fit and "no residual variance" in r.note and np.isnan(r.diff_p[1])
    assert r.diff[1] == pytest.approx(0.0, abs=1e-9) and r.diff_se[1] == 0.0


# -- trial endpoint tables -----------------------------------------------------------------
@st.composite
def trial_outcomes(draw: st.DrawFn) -> tuple[TrialOutcomes, list[str]]:
    """Outcomes of 2-3 arms of 0-6 patients per replicate over visits 0, 24, 60 h: an arm may
    have no events, only events, or drop out entirely after baseline."""
    names = ["placebo", "BRX", "BRX60"][: draw(st.integers(2, 3))]
    reps = draw(st.integers(1, 2))
    arm, rep = [], []
    for r in range(reps):
        for a in names:
            k = draw(st.integers(0, 6))
            arm += [a] * k
            rep += [r] * k
    n = len(arm)
    assume(n >= 1)  # a trial has patients (an arm of a real trial has >= 2)
    arm_a, rep_a = np.array(arm, dtype=object), np.array(rep)
    base = np.array([float(draw(st.integers(0, 52))) for _ in range(n)])
    hamd = np.column_stack(
        [base]
        + [
            np.array([float(draw(st.sampled_from([0, 7, 13, 26, 52]))) for _ in range(n)])
            for _ in range(2)
        ]
    )
    for a in names:
        kind = draw(st.sampled_from(["observed", "all-dropout", "some-dropout"]))
        m = arm_a == a
        if kind == "all-dropout":
            hamd[m, 1:] = np.nan
        elif kind == "some-dropout":
            hamd[m & (np.arange(n) % 2 == 0), 2] = np.nan
    outcomes = {}
    for name in ("somnolence", "interruption", "loss_of_consciousness"):
        kind = draw(st.sampled_from(["none", "all", "some"]))
        ev = np.zeros(n, bool) if kind == "none" else np.ones(n, bool)
        if kind == "some":
            ev = np.array([draw(st.booleans()) for _ in range(n)], dtype=bool)
        outcomes[name] = ev
    data = TrialOutcomes(
        subject=np.arange(n), replicate=rep_a, arm=arm_a, visits_h=np.array([0.0, 24.0, 60.0]),
        hamd=hamd, hamd_baseline=base, outcomes=outcomes,
    )  # fmt: skip
    return data, names


@given(case=trial_outcomes())
def test_endpoint_tables_of_extreme_arms_are_well_formed(case):
    data, names = case
    table = compute_endpoints(data, names, "placebo", dict.fromkeys(names, 60.0))
    assert list(table.columns)[:7] == list(ENDPOINT_COLUMNS[:7])
    check_interval("endpoints", table["estimate"], table["ci_low"], table["ci_high"])
    rates = table["endpoint"].str.endswith("_rate") | (table["endpoint"] == "power")
    for col in ("estimate", "ci_low", "ci_high"):
        assert _in_unit(table.loc[rates, col])
    assert _in_unit(table["p_value"])
    assert (table["n"] >= 0).all()
    per = table[table.get("replicate", pd.Series("0", index=table.index)) != "all"]
    # a missing rate or mean is flagged by its n: no patient (rates) or fewer than 2 (means)
    r = per[per["endpoint"].str.endswith("_rate")]
    assert (r["estimate"].isna() == (r["n"] == 0)).all()
    h = per[per["endpoint"] == "hamd"]
    assert (h["estimate"].isna() == (h["n"] < 2)).all()


# -- biomarker analysis ------------------------------------------------------------------
ANALYTES = [("TNFa", "basal", "pg/mL"), ("TNFa", "LPS", "pg/mL"), ("BDNF", "basal", "ng/mL")]


@st.composite
def biomarker_frames(draw: st.DrawFn) -> pd.DataFrame:
    """A long frame: 2-8 subjects, baseline and 1-2 later times, 1-3 analyte lines and HAM-D;
    values with ties, zeros, constant lines and missing cells (NaN or no row).

    Hypothesis chooses the shape (sizes, times, kinds of line, missing rates); the values and
    which cells are missing come from a numpy stream it seeds (its own small draws shrink
    towards ties and would hardly ever give a computable correlation)."""
    n = draw(st.sampled_from([2, 3, 5, 6, 8, 8]))
    times = [0.0, *sorted(draw(st.sets(st.sampled_from([24.0, 60.0, 168.0]), min_size=1,
                                       max_size=2)))]  # fmt: skip
    lines = draw(st.lists(st.sampled_from(ANALYTES), min_size=1, max_size=3, unique=True))
    p_missing = draw(st.sampled_from([0.0, 0.1, 0.3]))
    rows = []
    for analyte, stim, unit in [*lines, ("HAMD17", "basal", "points")]:
        kind = draw(st.sampled_from(["random", "random", "ties", "constant", "constant-change"]))
        c = float(draw(st.integers(0, 40)))
        rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
        for s in range(n):
            for j, t in enumerate(times):
                if t > 0 and rng.random() < p_missing / 2:
                    continue  # no row for this subject and time
                if kind == "random":
                    v = float(rng.uniform(0.0, 52.0))
                elif kind == "ties":
                    v = float(rng.choice([1.0, 2.0, 2.0, 5.0]))
                elif kind == "constant":
                    v = c
                else:  # every subject changes by the same amount
                    v = c + 3.0 * j + s
                if rng.random() < p_missing / 2:
                    v = np.nan
                rows.append({"subject": f"s{s}", "time_h": t, "analyte": analyte,
                             "stimulus": stim, "value": v, "unit": unit})  # fmt: skip
    return pd.DataFrame(rows)


def _pairs(table: pd.DataFrame) -> list[tuple[str, str, str]]:
    return [
        ("mean_change", "mean_change_ci_low", "mean_change_ci_high"),
        ("dz", "dz_ci_low", "dz_ci_high"),
        ("r_pearson", "r_pearson_ci_low", "r_pearson_ci_high"),
        ("r_spearman", "r_spearman_ci_low", "r_spearman_ci_high"),
    ]


@given(frame=biomarker_frames(), transform=st.sampled_from(["raw", "log", "induced"]))
def test_biomarker_analysis_is_complete_and_well_formed_or_one_clear_error(frame, transform):
    try:
        data = validate_biomarkers(frame)
        res = analyze_biomarkers(data, transform=transform, mixed=False)
    except BrexsimInputError as exc:
        assert str(exc).startswith("invalid ")
        return
    tab = res.table
    n_sub = data["subject"].nunique()
    assert res.n_subjects == n_sub
    assert ((tab["n"] + tab["n_excluded"]) == n_sub).all()
    assert (tab["n_corr"] <= tab["n"]).all()
    for est, lo, hi in _pairs(tab):
        check_interval(est, tab[est], tab[lo], tab[hi])
    for col in ("r_pearson_ci_low", "r_pearson_ci_high", "r_spearman_ci_low", "r_spearman_ci_high"):
        v = tab[col].to_numpy(dtype=float)
        assert np.all(np.isnan(v) | (np.abs(v) <= 1.0))
    for col in ("p_ttest", "q_fdr", "p_wilcoxon", "q_fdr_wilcoxon", "p_pearson", "p_spearman"):
        assert _in_unit(tab[col]), col
    # a test that could not be done says why
    no_t = tab["p_ttest"].isna()
    assert (tab.loc[no_t, "note"] != "").all(), tab.loc[no_t, ["n", "note"]]
    no_dz_ci = tab["dz"].notna() & tab["dz_ci_low"].isna()
    assert (tab.loc[no_dz_ci, "note"] != "").all()
    few = tab["n_corr"] < 4
    assert (tab.loc[few, "note"] != "").all() and tab.loc[few, "r_pearson"].isna().all()
    no_r = tab["r_pearson"].isna() | tab["r_spearman"].isna()
    assert (tab.loc[no_r, "note"] != "").all(), tab.loc[no_r, ["n_corr", "note"]]
    if transform == "raw":
        miss = res.missing
        parts = miss["n_observed"] + miss["n_missing_value"] + miss["n_no_row"]
        assert (parts == miss["n_subjects"]).all()
    h = res.hamd
    assert (h["n_response"] <= h["n_pairs"]).all() and (h["n_pairs"] <= h["n"]).all()
    assert (h["n_remission"] <= h["n"]).all()


@settings(max_examples=10)  # MixedLM fits: about 0.5 s per example
@given(frame=biomarker_frames())
def test_mixed_models_are_well_formed_or_say_why_not(frame):
    try:
        data = validate_biomarkers(frame)
        mm = fit_mixed_models(data)
    except BrexsimInputError:
        return
    check_interval("mixed model", mm["estimate"], mm["ci_low"], mm["ci_high"])
    assert _in_unit(mm["p"])
    assert (mm.loc[mm["estimate"].isna(), "note"] != "").all()
    assert mm["converged"].isin([True, False]).all()


# fixed (was a strict xfail): analysis.stats.compute_change_table: with >= 4 subjects whose HAM-D
# improvement is the same for all, r_pearson/r_spearman were nan and the note was empty
def test_a_missing_correlation_always_has_a_note():
    rows = []
    for s in range(6):
        for t, v, h in ((0.0, 10.0 + s, 26.0), (60.0, 8.0 + 2 * s, 14.0)):
            rows += [
                {"subject": f"s{s}", "time_h": t, "analyte": "TNFa", "stimulus": "basal",
                 "value": v, "unit": "pg/mL"},
                {"subject": f"s{s}", "time_h": t, "analyte": "HAMD17", "stimulus": "basal",
                 "value": h, "unit": "points"},
            ]  # fmt: skip
    tab = analyze_biomarkers(validate_biomarkers(pd.DataFrame(rows)), mixed=False).table
    assert tab.loc[0, "n_corr"] == 6 and np.isnan(tab.loc[0, "r_pearson"])
    assert "the same HAM-D improvement for all 6 subjects" in tab.loc[0, "note"]
