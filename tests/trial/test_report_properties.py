"""Property-based tests (Hypothesis) of the report and plot builders fed extreme tables.

The properties:

* :mod:`brexsim.report.intervals`: :func:`check_interval` accepts exactly the well-formed
  intervals (``low <= estimate <= high``, or no interval, or nothing) and otherwise raises
  :class:`~brexsim.report.intervals.IntervalError`; :func:`get_error_bars` of an accepted
  interval gives non-negative lengths (or nan for no interval) that rebuild the bounds.
* the four trial figures (:mod:`brexsim.trial.figures`) and an HTML report
  (:func:`brexsim.analysis.report.render_html_report`) drawn through
  :func:`brexsim.io.outputs.draw_figures` from constructed endpoint tables with nan CIs, rates
  of exactly 0 and 1, n up to 10⁹, arms with no rows or no patients, and constructed visit
  values with missing data: a complete set of files (valid PNGs, a whole HTML page), or -- only
  when a drawn interval is malformed -- one
  :class:`~brexsim.io.outputs.FigureError` naming the figure, with the data outputs left in
  place and ``summary.json`` saying which figure failed. Never a traceback of another kind.
* :func:`render_html_report` of any text and any table (nan, inf, huge numbers, markup in
  names) is one whole page with every text escaped and no ``nan`` printed.

No model is simulated: the exposure figure's typical-patient curve is one small PK solve, done
once and reused. The Hypothesis profile is the suite's (``tests/conftest.py``: fixed examples,
no example database).
"""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path
from unittest import mock

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import brexsim.pk
from brexsim.analysis.report import render_html_report
from brexsim.io.outputs import FigureError, draw_figures, write_json
from brexsim.report.intervals import IntervalError, check_interval, get_error_bars
from brexsim.trial.figures import FIGURES, plot_figure
from brexsim.trial.run import SUMMARY_VARIABLES, TrialRun
from brexsim.trial.spec import parse_trial_spec

#: Drawing four figures and a report takes about a second: fewer examples there (the rest of
#: the settings are the suite's profile, tests/conftest.py).
FIGURE_PROFILE = settings(max_examples=10)
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
NAN = float("nan")

# -- intervals -----------------------------------------------------------------------------
finite = st.floats(-1e12, 1e12, allow_nan=False)
value = st.one_of(finite, st.sampled_from([NAN, float("inf"), -float("inf"), 0.0, 1.0]))


@given(est=st.lists(value, min_size=1, max_size=6), data=st.data())
def test_check_interval_accepts_exactly_the_well_formed_intervals(est, data):
    lo = data.draw(st.lists(value, min_size=len(est), max_size=len(est)))
    hi = data.draw(st.lists(value, min_size=len(est), max_size=len(est)))
    e, a, b = (np.array(x) for x in (est, lo, hi))
    with np.errstate(invalid="ignore"):
        ok_each = (
            ~(np.isinf(e) | np.isinf(a) | np.isinf(b))
            & (np.isnan(a) == np.isnan(b))
            & ~(np.isnan(e) & ~np.isnan(a))
            & ~(a > e)
            & ~(b < e)
        )
    try:
        bars = get_error_bars("q", e, a, b)
    except IntervalError as exc:
        assert not ok_each.all()
        assert not ok_each[exc.index]
        assert str(exc).startswith("internal error: malformed interval for q: ")
        return
    assert ok_each.all()
    check_interval("q", e, a, b)
    has = ~np.isnan(a)
    assert np.all(bars[:, has] >= 0)
    np.testing.assert_allclose(e[has] - bars[0, has], a[has], rtol=1e-12, atol=1e-3)
    np.testing.assert_allclose(e[has] + bars[1, has], b[has], rtol=1e-12, atol=1e-3)
    assert np.isnan(bars[:, ~has]).all()


# -- a constructed trial (no simulation) -------------------------------------------------
VISITS = [0.0, 72.0, 360.0, 1080.0]
SPEC = parse_trial_spec(
    {
        "trial": {"name": 'extreme <tables> & "quotes"', "seed": 5},
        "arms": [
            {"name": "zuranolone", "regimen": "zuranolone-50mg", "n": 1000},
            {"name": "placebo", "regimen": "placebo-oral", "n": 1000},
            {"name": "empty", "regimen": "placebo-oral", "n": 2},
        ],
        "visits": {"times_h": VISITS},
    }
)
DRAWN = {  # endpoint -> the figure that draws its interval
    "hamd_change": "hamd.png",
    "sedation_rate": "sedation.png",
    "interruption_rate": "sedation.png",
    "loc_rate": "sedation.png",
}
_PK_CACHE: dict = {}
_REAL_SIMULATE_PK = brexsim.pk.simulate_pk


def _cached_simulate_pk(regimen, weight_kg=70.0, times_h=None, *args, **kwargs):  # type: ignore[no-untyped-def]
    """The one small PK solve of the exposure figure, done once (same spec every example)."""
    key = (regimen.name, float(weight_kg), None if times_h is None else tuple(times_h))
    if key not in _PK_CACHE:
        _PK_CACHE[key] = _REAL_SIMULATE_PK(regimen, weight_kg, times_h, *args, **kwargs)
    return _PK_CACHE[key]


@st.composite
def intervals(draw: st.DrawFn, rate: bool) -> tuple[float, float, float]:
    """``(estimate, low, high)``, well-formed: rates at exactly 0 and 1 too, no CI, nothing."""
    kind = draw(st.sampled_from(["ok", "ok", "ok", "no-ci", "nothing"]))
    if rate:
        est = draw(st.one_of(st.sampled_from([0.0, 1.0]), st.floats(0.0, 1.0)))
        lo = 0.0 if est == 0.0 else draw(st.floats(0.0, est))
        hi = 1.0 if est == 1.0 else draw(st.floats(est, 1.0))
    else:
        est = draw(st.floats(-52.0, 52.0))
        lo, hi = est - draw(st.floats(0.0, 30.0)), est + draw(st.floats(0.0, 30.0))
    if kind == "no-ci":
        return est, NAN, NAN
    if kind == "nothing":
        return NAN, NAN, NAN
    return est, lo, hi


def _malform(est: float, lo: float, hi: float, how: str) -> tuple[float, float, float]:
    """The interval made malformed the ways the old crash and its cousins were."""
    est = 0.5 if np.isnan(est) else est
    lo, hi = (est, est) if np.isnan(lo) else (lo, hi)
    if how == "low-above":  # what statsmodels gave for 0/1000
        return est, est + 2.168404344971009e-19 + abs(est) * 1e-15, max(hi, est + 1.0)
    if how == "high-below":
        return est, lo, est - 1e-9 - abs(est) * 1e-15
    if how == "one-bound":
        return est, lo, NAN
    if how == "inf":
        return est, -float("inf"), hi
    return NAN, lo, hi  # an interval without an estimate


@st.composite
def endpoint_tables(draw: st.DrawFn) -> tuple[pd.DataFrame, set[str]]:
    """An endpoint table over the SPEC's arms (an arm may have no rows at all) and the set of
    figures that draw a malformed interval: in half of the tables one drawn interval is made
    malformed (the table's own rows are checked as they are made, trial.stats._row; here the
    figures must check again)."""
    rows = []
    n_of = {a.name: draw(st.sampled_from([0, 1, 2, 40, 1000, 10**5, 10**9])) for a in SPEC.arms}
    for arm in SPEC.arms:
        if draw(st.integers(0, 5)) == 0:
            continue  # this arm has no rows
        eot = arm.regimen.end_of_treatment_h
        cells = [(t, "hamd") for t in VISITS]
        cells += [(t, e) for t in VISITS[1:] for e in ("hamd_change", "response_rate")]
        if arm.name != SPEC.reference:
            cells += [(t, "hamd_change_vs_placebo") for t in VISITS[1:]]
        cells += [(eot, e) for e in ("sedation_rate", "interruption_rate", "loc_rate")]
        for t, endpoint in cells:
            est, lo, hi = draw(intervals(rate=endpoint.endswith("_rate")))
            p = draw(st.sampled_from([NAN, 0.0, 0.04, 1.0]))
            rows.append([arm.name, t, endpoint, est, lo, hi, n_of[arm.name], p])
    broken = set()
    drawn = [i for i, r in enumerate(rows) if r[2] in DRAWN]
    if drawn and draw(st.booleans()):
        i = draw(st.sampled_from(drawn))
        how = draw(st.sampled_from(["low-above", "high-below", "one-bound", "inf", "no-est"]))
        rows[i][3:6] = _malform(*rows[i][3:6], how)
        broken.add(DRAWN[rows[i][2]])
    cols = ["arm", "time_h", "endpoint", "estimate", "ci_low", "ci_high", "n", "p_value"]
    table = pd.DataFrame(rows, columns=cols)  # typed as endpoints.csv reads back
    num = ["time_h", "estimate", "ci_low", "ci_high", "p_value"]
    return table.astype(dict.fromkeys(num, float) | {"n": "int64"}), broken


@st.composite
def trial_runs(draw: st.DrawFn) -> tuple[TrialRun, set[str]]:
    """A TrialRun of the SPEC with extreme visit values (missing visits, an arm with no
    patient, constant values) and an endpoint table from :func:`endpoint_tables`."""
    sizes = [draw(st.sampled_from([1, 2, 5])), draw(st.sampled_from([1, 5])), 0]
    arm = np.repeat([a.name for a in SPEC.arms], sizes)
    n, m = len(arm), len(VISITS)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    values = {}
    for k in (*SUMMARY_VARIABLES, "hamd"):
        kind = draw(st.sampled_from(["random", "constant", "missing-some", "missing-all"]))
        v = rng.uniform(0.0, 50.0, (n, m)) if kind != "constant" else np.full((n, m), 1.0)
        if kind == "missing-some":
            v[rng.random((n, m)) < 0.4] = np.nan
        elif kind == "missing-all":
            v[:] = np.nan
        values[k] = v
    table, broken = draw(endpoint_tables())
    run = TrialRun(
        spec=SPEC, subject=np.arange(n), replicate=np.zeros(n, dtype=int), arm=arm,
        visits_h=np.array(VISITS), hamd_baseline=np.full(n, 30.0), dropout_h=np.full(n, np.inf),
        values=values, units=dict.fromkeys(values, "1"), outcomes={}, endpoints=table,
    )  # fmt: skip
    return run, broken


def _report_step(run: TrialRun):  # type: ignore[no-untyped-def]
    """``report.html`` embedding the figures drawn before it and the endpoint table."""

    def step(folder: Path) -> Path:
        figs = [(name, (folder / f).read_bytes()) for name, f in FIGURES.items()]
        sections = [("Figures", figs), ("All endpoints", [run.endpoints])]
        page = render_html_report(f"trial {run.spec.name}", sections, {"seed": run.spec.seed})
        (folder / "report.html").write_text(page, encoding="utf-8")
        return folder / "report.html"

    return step


def _steps(run: TrialRun) -> list:
    steps = [(f, lambda d, name=name: plot_figure(name, run, d)) for name, f in FIGURES.items()]
    return [*steps, ("report.html", _report_step(run))]


@FIGURE_PROFILE
@given(case=trial_runs())
def test_figures_and_report_are_complete_or_one_figure_error(case):
    run, broken = case
    with (
        tempfile.TemporaryDirectory() as d,
        mock.patch.object(brexsim.pk, "simulate_pk", _cached_simulate_pk),
    ):
        out = Path(d)
        run.endpoints.to_csv(out / "endpoints.csv", index=False)  # the data, written first
        summary = {"status": "complete", "figures": "pending"}
        write_json(out / "summary.json", summary)
        try:
            result = draw_figures(out, _steps(run), dict(summary))
        except FigureError as exc:
            assert broken, f"a well-formed table failed: {exc}"
            order = [f for f in FIGURES.values() if f in broken]
            assert exc.figure == order[0], (exc.figure, broken)
            assert exc.reason.startswith("IntervalError: internal error: malformed interval")
            written = json.loads((out / "summary.json").read_text())
            assert written["status"] == "complete"
            assert written["figures"].startswith(f"failed: {exc.figure}: IntervalError")
            assert (out / "endpoints.csv").exists()
            assert not any((out / f).exists() for f in [*FIGURES.values(), "report.html"])
            return
        assert not broken, f"malformed intervals in {broken} were drawn"
        assert result["figures"] == "complete"
        assert json.loads((out / "summary.json").read_text())["figures"] == "complete"
        for f in FIGURES.values():
            png = (out / f).read_bytes()
            assert png.startswith(PNG_MAGIC) and len(png) > 5_000, f
        page = (out / "report.html").read_text(encoding="utf-8")
        assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
        assert page.count("<img") == len(FIGURES)
        assert html_text_has_no_nan(page)
        assert "extreme &lt;tables&gt; &amp;" in page


def html_text_has_no_nan(page: str) -> bool:
    """No ``nan``/``inf`` printed as a number in a table cell (missing values are blank)."""
    cells = re.findall(r"<td>(.*?)</td>", page, flags=re.S)
    return not any(c.strip().lower() in {"nan", "inf", "-inf"} for c in cells)


# -- the HTML page builder -----------------------------------------------------------------
text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30)
cell = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-(10**12), 10**12),
    st.sampled_from(["<script>alert(1)</script>", "a & b", "", "naïve"]),
)


@st.composite
def frames(draw: st.DrawFn) -> pd.DataFrame:
    cols = draw(st.lists(st.sampled_from(["estimate", "ci_low", "<b>", "n", "arm"]),
                         min_size=1, max_size=4, unique=True))  # fmt: skip
    n = draw(st.integers(0, 5))
    return pd.DataFrame({c: [draw(cell) for _ in range(n)] for c in cols})


@given(
    title=text,
    sections=st.lists(
        st.tuples(text, st.lists(st.one_of(text, frames(), st.just(PNG_MAGIC)), max_size=3)),
        max_size=3,
    ),
    prov=st.dictionaries(text, st.one_of(text, st.integers(), st.none()), max_size=3),
)
def test_html_report_is_one_whole_escaped_page(title, sections, prov):
    page = render_html_report(title, sections, prov)
    assert page.startswith("<!DOCTYPE html>") and page.endswith("</body></html>")
    assert "<script>" not in page
    n_images = sum(isinstance(b, bytes) for _, blocks in sections for b in blocks)
    assert page.count("<img") == n_images
    assert page.count("<h2>") == len(sections) + 1  # + provenance
    assert html_text_has_no_nan(page)


@pytest.mark.parametrize("name", list(FIGURES))
def test_each_figure_of_a_table_without_rows_is_drawn(tmp_path, name):
    """The smallest case, once per figure: no endpoint rows, every value missing."""
    run = TrialRun(
        spec=SPEC, subject=np.arange(0), replicate=np.zeros(0, dtype=int),
        arm=np.array([], dtype=object), visits_h=np.array(VISITS),
        hamd_baseline=np.zeros(0), dropout_h=np.zeros(0),
        values={k: np.zeros((0, len(VISITS))) for k in (*SUMMARY_VARIABLES, "hamd")},
        units={}, outcomes={},
        endpoints=pd.DataFrame({"arm": [], "time_h": [], "endpoint": [], "estimate": [],
                                "ci_low": [], "ci_high": [], "n": [], "p_value": []}),
    )  # fmt: skip
    with mock.patch.object(brexsim.pk, "simulate_pk", _cached_simulate_pk):
        path = plot_figure(name, run, tmp_path)
    assert path.read_bytes().startswith(PNG_MAGIC)
