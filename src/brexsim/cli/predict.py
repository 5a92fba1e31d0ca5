"""``brexsim predict``: train a response model on a data file, or apply one to new patients.

::

    brexsim predict train FILE --early-h 24 --outcome-h 60 --out DIR
    brexsim predict apply DIR --data new_patient.csv
    brexsim predict apply DIR --baseline TNFa:LPS=1500 --early TNFa:LPS=900 ...
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from brexsim.cli._app import app, console, run_guarded

predict_app = typer.Typer(
    help="Predict response/remission from early biomarker changes: `train` a model on a data "
    "file (cross-validated), then `apply` it to new patients. Research output, not advice.",
    no_args_is_help=True,
)
app.add_typer(predict_app, name="predict")


def _parse_pairs(items: list[str] | None, option: str) -> dict[str, float]:
    """``ANALYTE[:STIMULUS]=VALUE`` -> ``{"ANALYTE:STIMULUS": VALUE}`` (stimulus basal)."""
    from brexsim.analysis.data import STIMULI, get_canonical_analyte
    from brexsim.errors import input_error

    out: dict[str, float] = {}
    for item in items or []:
        if "=" not in item:
            raise input_error(option, item, "ANALYTE[:STIMULUS]=VALUE, e.g. TNFa:LPS=850")
        name, _, val = item.partition("=")
        analyte, _, stim = name.strip().partition(":")
        stim = stim.strip() or "basal"
        match = {s.lower(): s for s in STIMULI}.get(stim.lower())
        if match is None:
            raise input_error(option, item, f"a stimulus among {', '.join(STIMULI)}")
        try:
            value = float(val)
        except ValueError:
            raise input_error(option, item, "a number after '='") from None
        out[f"{get_canonical_analyte(analyte)}:{match}"] = value
    return out


@predict_app.command("train")
def train_command(
    file: Annotated[Path, typer.Argument(help="Biomarker data file (see `brexsim analyze`).")],
    early_h: Annotated[float, typer.Option("--early-h", help="Early time of the changes, h.")],
    outcome_h: Annotated[float, typer.Option("--outcome-h", help="Time of the outcome, h.")],
    out: Annotated[Path, typer.Option("--out", help="Output folder for the model.")],
    outcome: Annotated[
        str, typer.Option("--outcome", help="response (>=50% HAM-D fall) | remission (<=7).")
    ] = "response",
    model: Annotated[
        str, typer.Option("--model", help="Model to save: logistic | forest (both are CV'd).")
    ] = "logistic",
    transform: Annotated[
        str, typer.Option("--transform", help="Scale of the changes: log | raw | induced.")
    ] = "log",
    feature: Annotated[
        list[str] | None,
        typer.Option("--feature", help="Use only this feature, ANALYTE:STIMULUS (repeatable)."),
    ] = None,
    include_hamd: Annotated[
        bool, typer.Option("--include-hamd", help="Also use the early HAM-D-17 change.")
    ] = False,
    folds: Annotated[int, typer.Option("--folds", help="CV folds.")] = 5,
    repeats: Annotated[int, typer.Option("--repeats", help="CV repeats.")] = 20,
    seed: Annotated[int, typer.Option("--seed", help="Random seed.")] = 0,
) -> None:
    """Cross-validate logistic regression and a random forest; fit MODEL on all subjects and
    save DIR/model.joblib with DIR/summary.json (CV AUC, Brier, calibration)."""

    def _run() -> None:
        from brexsim.analysis.data import read_biomarkers
        from brexsim.analysis.predict import save_model, train_response_model
        from brexsim.analysis.report import figure_to_png, plot_calibration, render_html_report
        from brexsim.errors import input_error
        from brexsim.io.outputs import atomic_output_dir, write_json
        from brexsim.params import load_parameters
        from brexsim.provenance import make_provenance

        if folds < 2:
            raise input_error("--folds", folds, "an integer >= 2")
        if repeats < 1:
            raise input_error("--repeats", repeats, "an integer >= 1")
        data = read_biomarkers(file)
        provenance = make_provenance(load_parameters(), seed=seed)
        with console.status("cross-validating"):
            trained = train_response_model(
                data,
                early_h=early_h,
                outcome_h=outcome_h,
                outcome=outcome,
                transform=transform,
                model=model,
                features=feature or None,
                include_hamd=include_hamd,
                n_splits=folds,
                n_repeats=repeats,
                seed=seed,
                metadata={"trained_on": str(file), "provenance": provenance},
            )
        summary = trained.get_summary()
        png = figure_to_png(plot_calibration(trained.cv))
        with atomic_output_dir(out) as tmp:
            save_model(tmp / "model.joblib", trained)
            import pandas as pd

            oof = pd.DataFrame({k: v.oof_probability for k, v in trained.cv.items()})
            oof.to_csv(tmp / "cv_predictions.csv", index_label="subject")
            (tmp / "calibration.png").write_bytes(png)
            rows = pd.DataFrame(
                [
                    {
                        "model": k,
                        "auc": v.auc,
                        "auc_ci_low": v.auc_ci_low,
                        "auc_ci_high": v.auc_ci_high,
                        "brier": v.brier,
                        "brier_null": v.brier_null,
                        "calibration_slope": v.calibration_slope,
                    }
                    for k, v in trained.cv.items()
                ]
            )
            page = render_html_report(
                f"Response prediction: {file.name}",
                [
                    (
                        "Model",
                        [
                            f"Outcome: {outcome} ({summary['outcome_definition']}) at "
                            f"{outcome_h:g} h; features: changes from baseline to {early_h:g} h "
                            f"({transform} scale): {', '.join(trained.features)}. "
                            f"{trained.n_train} subjects. Saved model: {model}.",
                            rows,
                            ("Out-of-fold calibration", png),
                        ],
                    )
                ],
                provenance,
            )
            (tmp / "report.html").write_text(page, encoding="utf-8")
            write_json(tmp / "summary.json", {**summary, "provenance": provenance})
        for k, v in trained.cv.items():
            mark = " (saved)" if k == model else ""
            console.print(
                f"{k}{mark}: CV AUC {v.auc:.3f} (95% CI {v.auc_ci_low:.3f}-{v.auc_ci_high:.3f}), "
                f"Brier {v.brier:.3f} (null {v.brier_null:.3f}); {v.n_subjects} subjects, "
                f"{v.n_events} events, {v.n_repeats} x {v.n_splits}-fold"
            )
        console.print(f"model written to {out}/model.joblib")

    run_guarded(_run)


@predict_app.command("apply")
def apply_command(
    model_path: Annotated[
        Path, typer.Argument(help="model.joblib from `brexsim predict train`, or its folder.")
    ],
    data: Annotated[
        Path | None,
        typer.Option("--data", help="File with the patients' baseline and early-time values."),
    ] = None,
    baseline: Annotated[
        list[str] | None,
        typer.Option("--baseline", help="One patient's baseline value, ANALYTE[:STIMULUS]=V."),
    ] = None,
    early: Annotated[
        list[str] | None,
        typer.Option("--early", help="The same patient's value at the early time."),
    ] = None,
    change: Annotated[
        list[str] | None,
        typer.Option("--change", help="A ready-made change on the model's scale, A:S=V."),
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Also write the predictions to this CSV.")
    ] = None,
) -> None:
    """Probability of response (or remission) for new patients from their early values."""

    def _run() -> None:
        import pandas as pd

        from brexsim.analysis.data import BASELINE_H, read_biomarkers, validate_biomarkers
        from brexsim.analysis.predict import load_model, predict_patients
        from brexsim.analysis.report import DISCLAIMER
        from brexsim.errors import input_error

        trained = load_model(model_path)
        given = [data is not None, bool(baseline or early), bool(change)]
        if sum(given) != 1:
            raise input_error(
                "input",
                "none" if sum(given) == 0 else "several",
                "exactly one of --data FILE, --baseline/--early pairs, or --change",
            )
        if data is not None:
            res = predict_patients(trained, data=read_biomarkers(data))
        elif change:
            res = predict_patients(trained, changes=_parse_pairs(change, "--change"))
        else:
            b = _parse_pairs(baseline, "--baseline")
            e = _parse_pairs(early, "--early")
            if set(b) != set(e):
                raise input_error(
                    "--early",
                    sorted(set(b) ^ set(e)),
                    "the same ANALYTE:STIMULUS names in --baseline and --early",
                )
            rows = [
                {
                    "subject": "patient",
                    "time_h": t,
                    "analyte": k.split(":")[0],
                    "stimulus": k.split(":")[1],
                    "value": v,
                }
                for t, src in ((BASELINE_H, b), (trained.early_h, e))
                for k, v in src.items()
            ]
            frame = validate_biomarkers(pd.DataFrame(rows), source="--baseline/--early")
            res = predict_patients(trained, data=frame)
        cv = trained.cv.get(trained.predictor.model)
        console.print(
            f"model: {trained.predictor.model}, outcome {trained.outcome} at "
            f"{trained.outcome_h:g} h from changes 0-{trained.early_h:g} h "
            f"({trained.transform}); trained on {trained.n_train} subjects"
            + (f", CV AUC {cv.auc:.2f} ({cv.auc_ci_low:.2f}-{cv.auc_ci_high:.2f})" if cv else "")
        )
        for r in res.itertuples(index=False):
            note = f"; imputed (training median): {r.imputed}" if r.imputed else ""
            console.print(
                f"{r.subject}: P({trained.outcome}) = {r.probability:.3f} "
                f"[{r.n_features_used} of {len(trained.features)} features{note}]"
            )
        if (res["n_features_used"] < len(trained.features) / 2).any():
            console.print(
                "[yellow]warning:[/] more than half of the features were imputed for some "
                "patients; their probabilities lean towards the training base rate."
            )
        console.print(f"[dim]{DISCLAIMER}[/]")
        if out is not None:
            out.parent.mkdir(parents=True, exist_ok=True)
            res.to_csv(out, index=False)
            console.print(f"wrote {out}")

    run_guarded(_run)
