"""The Sensitivity tab and the Shorter-regimen explorer without a browser: in-app runs against
the CLI's folders (same seed, same numbers), loading, tables, figures, guards, the page layout,
and the wiring in an in-memory Shiny session (``shiny.testserver``)."""

from __future__ import annotations

import threading

import pandas as pd
import pytest
from matplotlib.figure import Figure

from brexsim.app import decision as dec
from brexsim.app import decision_files as files
from brexsim.decision.optimize import get_flags
from brexsim.decision.report import FLAG_NOTE
from brexsim.decision.space import POINT_COLUMNS, load_space, make_regimen
from brexsim.errors import BrexsimInputError

PARAMS = ["hamd.placebo_td_inpatient_h", "hamd.max_drug_effect"]
OUTS = ["hamd_change_h60", "excessive_sedation_rate"]


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    return tmp_path_factory.mktemp("results")


@pytest.fixture(scope="module")
def sobol_dir(root):
    from brexsim.cli.sensitivity import run_sensitivity

    out = root / "sensitivity"
    run_sensitivity(",".join(OUTS), out, "sobol", 4, 64, 1, params=",".join(PARAMS))
    return out


@pytest.fixture(scope="module")
def opt_dir(root):
    from brexsim.cli.optimize import run_optimize

    out = root / "runs" / "optimize"
    run_optimize(
        "hamd_change_h60",
        ["excessive_sedation_rate <= label"],
        "shorter-infusion",
        out,
        trials=3,
        patients=64,
        seed=2,
    )
    return out


@pytest.fixture(scope="module")
def app_opt():
    return dec.run_app_optimize(trials=3, seed=2)


# ------------------------------------------------------------------ sensitivity
def test_app_sobol_is_the_cli_run_of_the_same_seed(sobol_dir) -> None:
    run = dec.run_app_sensitivity("sobol", OUTS, PARAMS, 4, seed=1)
    loaded = files.load_sensitivity_dir(sobol_dir)
    assert loaded.method == "sobol" and loaded.source == str(sobol_dir)
    pd.testing.assert_frame_equal(run.table, loaded.table, check_exact=False, rtol=1e-9)
    assert run.summary["model_runs"] == loaded.summary["model_runs"] == 16


def test_sensitivity_table_is_ranked_with_intervals(sobol_dir) -> None:
    run = files.load_sensitivity_dir(sobol_dir)
    t = dec.get_sensitivity_table(run)
    assert list(t.columns) == ["output", "parameter", "S1 [95 % CI]", "ST [95 % CI]"]
    for out in OUTS:
        raw = run.table[run.table.output == out].dropna(subset=["ST"])
        shown = t[t.output == out].parameter.tolist()
        assert shown[: len(raw)] == raw.sort_values("ST", ascending=False).parameter.tolist()
    row = run.table.dropna(subset=["ST"]).iloc[0]
    cell = t[(t.output == row.output) & (t.parameter == row.parameter)]["ST [95 % CI]"].item()
    assert cell == f"{row.ST:.3g} [{row.ST_low:.3g}, {row.ST_high:.3g}]"


def test_sensitivity_figures(sobol_dir) -> None:
    run = files.load_sensitivity_dir(sobol_dir)
    fig = dec.draw_sensitivity(run)
    assert isinstance(fig, Figure) and len(fig.axes) == len(OUTS)
    assert dec.draw_sensitivity_convergence(run) is None  # N = 4: one size, nothing to show
    conv = pd.concat([run.convergence, run.convergence.assign(n_base=8)])
    two = dec.SensitivityRun("sobol", run.table, conv, run.summary, "x")
    assert isinstance(dec.draw_sensitivity_convergence(two), Figure)


def test_app_morris_is_seeded_and_cancellable() -> None:
    a = dec.run_app_sensitivity("morris", ["hamd_change_h60"], PARAMS, 2, seed=3)
    assert a.summary["model_runs"] == 6 and a.convergence is None
    assert list(dec.get_sensitivity_table(a).columns)[2:] == ["mu* [95 % CI]", "sigma"]
    stop = threading.Event()
    stop.set()
    with pytest.raises(dec.RunCancelledError):
        dec.run_app_sensitivity("morris", ["hamd_change_h60"], PARAMS, 2, cancel=stop)


def test_oversized_run_is_refused_before_simulating() -> None:
    with pytest.raises(BrexsimInputError, match="size"):
        dec.run_app_sensitivity("sobol", OUTS, None, 64)  # 64 x 19 runs
    assert dec.count_runs("sobol", 8, 17) == 152 and dec.count_runs("morris", 4, 17) == 72
    with pytest.raises(BrexsimInputError, match="method"):
        dec.count_runs("fast99", 8, 3)


@pytest.mark.parametrize("bad", ["", "/nonexistent/folder"])
def test_bad_folder_is_one_error(bad) -> None:
    for loader in (files.load_sensitivity_dir, files.load_optimize_dir):
        with pytest.raises(BrexsimInputError, match="folder"):
            loader(bad)


def test_loading_the_wrong_kind_of_folder_is_an_error(sobol_dir, opt_dir) -> None:
    with pytest.raises(BrexsimInputError, match="optimize"):
        files.load_optimize_dir(sobol_dir)
    with pytest.raises(BrexsimInputError, match="sensitivity"):
        files.load_sensitivity_dir(opt_dir)


def test_only_listed_folders_under_the_root_are_loaded(root, sobol_dir, opt_dir, monkeypatch):
    monkeypatch.setenv(files.RESULTS_ENV, str(root))
    assert files.get_results_root() == root.resolve()
    assert files.find_result_dirs("sensitivity") == ["sensitivity"]
    assert files.find_result_dirs("optimize") == ["runs/optimize"]
    assert files.resolve_result_dir("runs/optimize", "optimize") == root.resolve() / "runs/optimize"
    for bad in ("../sensitivity", str(sobol_dir), "sensitivity", "/etc"):
        with pytest.raises(BrexsimInputError, match="folder"):
            files.resolve_result_dir(bad, "optimize")


# ------------------------------------------------------------------ optimisation
def test_app_study_is_the_cli_study_of_the_same_seed(app_opt, opt_dir) -> None:
    loaded = files.load_optimize_dir(opt_dir)
    cols = [
        "trial",
        "duration_h",
        "plateau_rate_ug_per_kg_h",
        "hamd_change_h60",
        "excessive_sedation_rate",
        "infusion_hours",
        "feasible",
        "flags",
    ]
    pd.testing.assert_frame_equal(app_opt.trials[cols], loaded.trials[cols], check_dtype=False)
    assert app_opt.front == loaded.front
    assert app_opt.summary["constraints"] == ["excessive_sedation_rate <= 0.05"]
    ref = loaded.reference.set_index("name")
    assert app_opt.reference.set_index("name").loc["zulresso", "hamd_change_h60"] == (
        pytest.approx(ref.loc["zulresso", "hamd_change_h60"])
    )


def test_front_table_is_non_dominated_and_flags_beside_results(app_opt) -> None:
    f = dec.get_front_table(app_opt)
    ok = app_opt.trials[app_opt.trials.feasible]
    for _, r in f.iterrows():
        better = (ok.hamd_change_h60 < r.hamd_change_h60) & (ok.infusion_hours < r.infusion_hours)
        assert not better.any()
    space = load_space("shorter-infusion")
    rows = app_opt.trials.loc[app_opt.front, list(POINT_COLUMNS[:5])]
    expected = [get_flags(make_regimen(space, r.to_dict())) or "inside" for _, r in rows.iterrows()]
    assert f["studied range"].tolist() == expected
    rc = dec.get_recheck_table(app_opt)
    assert "reference zulresso" in set(rc.name)
    assert set(rc[rc.name == "reference zulresso"]["studied range"]) == {"inside"}
    assert (rc[rc.name == "reference zulresso"]["vs reference [95 % CI]"] == "—").all()


def _synthetic_run() -> dec.OptimizeRun:
    from brexsim.dosing import Regimen

    short = Regimen("brexanolone", segments=((0, 12, 120),))
    t = pd.DataFrame(
        {
            "trial": [0, 1, 2],
            "regimen": ["a", "b", "c"],
            "hamd_change_h60": [-14.0, -15.0, -16.0],
            "infusion_hours": [12.0, 30.0, 60.0],
            "feasible": [True, True, True],
            "excessive_sedation_rate": [0.0, 0.02, 0.04],
            "flags": [get_flags(short), "", ""],
        }
    )
    ref = pd.DataFrame([{"name": "zulresso", "hamd_change_h60": -15.5, "infusion_hours": 60.0}])
    return dec.OptimizeRun(
        "hamd_change_h60", "infusion_hours", t, [0, 1, 2], ref, pd.DataFrame(), {"trials": 3}
    )


def test_front_figure_marks_reference_and_out_of_range_points() -> None:
    run = _synthetic_run()
    fig = dec.draw_front(run)
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert FLAG_NOTE in labels and "Pareto front" in labels
    stars = [ln for ln in ax.lines if ln.get_marker() == "*"]
    assert len(stars) == 1 and tuple(stars[0].get_xydata()[0]) == (60.0, -15.5)
    assert "zulresso" in [t.get_text() for t in ax.texts]
    table = dec.get_front_table(run)
    assert table["studied range"].tolist()[0].startswith("rate 120")
    assert table["studied range"].tolist()[1:] == ["inside", "inside"]
    assert dec.get_recheck_table(run).empty


def test_bad_optimize_input_is_one_error() -> None:
    with pytest.raises(BrexsimInputError, match="trials"):
        dec.run_app_optimize(trials=1000)
    with pytest.raises(BrexsimInputError, match="constraint"):
        dec.run_app_optimize(constraint="loc_rate < 1")
    with pytest.raises(BrexsimInputError, match="constraint"):
        dec.run_app_optimize(constraint="  ")


# ------------------------------------------------------------------ page and wiring
def test_page_has_both_tabs() -> None:
    from brexsim.app.ui import app_ui

    html = str(app_ui())
    for needle in (
        "Sensitivity",
        "Shorter regimen",
        "sens_run",
        "sens_plot",
        "sens_dir",
        "opt_plot",
        "opt_recheck",
        "excessive_sedation_rate &lt;= label",
    ):
        assert needle in html, needle


def _wired_app():  # type: ignore[no-untyped-def]
    from shiny import App, ui

    from brexsim.app.decision_ui import decision_panels, decision_server

    def server(input, output, session):  # type: ignore[no-untyped-def]
        decision_server(input, session)

    return App(ui.page_fluid(ui.navset_tab(*decision_panels())), server)


def test_wiring_loads_folders_and_shows_errors(root, sobol_dir, opt_dir, monkeypatch) -> None:
    from shiny.testserver import test_server

    monkeypatch.setenv(files.RESULTS_ENV, str(root))
    with test_server(_wired_app(), timeout_secs=60) as ts:
        ts.set_inputs(sens_dir=str(sobol_dir), sens_load=1)  # a typed path is not a listed name
        assert "invalid folder" in str(ts.get_output("sens_message").value)
        assert ts.get_output("sens_table").status == "silent"
        ts.set_inputs(sens_dir="sensitivity", sens_load=2)
        table = ts.get_output("sens_table")
        assert table.status == "ok", table.error
        assert "hamd.max_drug_effect" in str(table.value)
        ts.set_inputs(opt_dir="runs/optimize", opt_load=1)
        rc = ts.get_output("opt_recheck")
        assert rc.status == "ok", rc.error
        assert "reference zulresso" in str(rc.value)
        front = ts.get_output("opt_front")
        assert front.status == "ok", front.error
        assert "studied range" in str(front.value)
