"""``brexsim trial``: run a virtual trial from a spec file (or the shipped Study 1-like spec).

``--params FILE``: a parameter overlay file (:mod:`brexsim.params.overlay`, e.g. the
``fitted_parameters.toml`` of ``brexsim fit``) applied after the ``--hypothesis`` overlay. The
trial's parameter set (the one handed to every task, in-process or on worker processes) is
then packaged tables → hypothesis → file; ``summary.json`` carries its hash in the provenance
(hypothesis ``"custom"``) and ``parameter_file`` (path, SHA-256, the file's ``[meta]``: the
fit's model, method and data hash), in ``provenance`` and at the top level.
"""

from __future__ import annotations

import os
from pathlib import Path

import typer
from rich.table import Table

from brexsim.cli._app import app, console
from brexsim.cli._options import HYPOTHESIS_OPTION, PARAMS_FILE_OPTION
from brexsim.cli._outputs import fail_figure, run_with_figures
from brexsim.errors import input_error

#: Trials with at least this many patients use all CPU cores by default (a local Dask cluster);
#: smaller ones run in-process (starting workers costs ~20-30 s of compilation each).
AUTO_WORKERS_FROM = 2000


def run_trial_command(
    spec_path: str | None,
    out: Path,
    default: bool = False,
    scheduler: str | None = None,
    workers: int | None = None,
    chunk: int = 128,
    progress: bool = True,
    block: int | None = None,
    resume: bool = True,
    hypothesis: str = "gaba",
    params_file: Path | None = None,
) -> dict:
    """Validate the spec (before any computation), run it with a progress bar, write outputs.
    ``hypothesis``: the mechanism hypothesis whose overlay the trial's parameter set carries
    (:mod:`brexsim.hypotheses`; recorded through the parameter hash and the command line);
    ``params_file``: a parameter overlay file applied after it (see the module docstring)."""
    from contextlib import nullcontext

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from brexsim.hypotheses.context import use_hypothesis
    from brexsim.io.outputs import FigureError, check_output_dir
    from brexsim.params import apply_parameter_file, use_default_parameters
    from brexsim.params.overlay import get_parameter_file_record
    from brexsim.trial.output import run_trial_to_dir
    from brexsim.trial.spec import load_trial_spec

    if default and spec_path not in (None, "study1"):
        raise input_error("--default", spec_path, "either a SPEC or --default, not both")
    if spec_path is None and not default:
        raise input_error("SPEC", None, "a trial spec file, 'study1', or --default")
    if chunk < 1:
        raise input_error("--chunk", chunk, "a positive number of patients per task")
    if block is not None and block < 1:
        raise input_error("--block", block, "a positive number of patients per solver block")
    if workers is not None and workers < 1:
        raise input_error("--workers", workers, "a positive number of worker processes")
    if workers is not None and scheduler is not None:
        raise input_error("--workers", workers, "either --workers or --scheduler, not both")
    spec = load_trial_spec("study1" if default or spec_path is None else spec_path)
    check_output_dir(out)
    file_ps = record = None
    if params_file is not None:  # read and checked before any computation
        with use_hypothesis(hypothesis) as base:
            file_ps = apply_parameter_file(base, params_file)
        record = {**get_parameter_file_record(params_file), "hypothesis": hypothesis}
    if workers is None and scheduler is None and spec.n_patients >= AUTO_WORKERS_FROM:
        workers = max(1, os.cpu_count() or 1)
    if workers == 1:
        workers = None
    with (
        use_hypothesis(hypothesis),
        use_default_parameters(file_ps) if file_ps is not None else nullcontext(),
        Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            disable=not progress,
            transient=False,
        ) as bar,
    ):
        task = bar.add_task(f"trial {spec.name}: patients", total=spec.n_patients)
        try:
            summary = run_trial_to_dir(
                spec,
                out,
                chunk=chunk,
                scheduler=scheduler,
                workers=workers,
                progress=lambda res: bar.advance(task, res.n),
                block=block,
                resume=resume,
            )
        except FigureError as exc:  # data written, a figure failed: record the file there too
            if record is not None:
                _record_parameter_file(out, exc.summary, record)
            raise
    if record is not None:
        _record_parameter_file(out, summary, record)
    return summary


def _record_parameter_file(out: Path, summary: dict, record: dict) -> None:
    """Add the parameter-file record to ``summary`` and rewrite ``summary.json`` (atomically)."""
    from brexsim.io.outputs import write_json

    summary["parameter_file"] = record
    summary["provenance"]["parameter_file"] = record
    write_json(Path(out) / "summary.json", summary)


@app.command("trial")
def trial(
    spec: str = typer.Argument(
        None,
        help="Trial spec TOML file, or a shipped spec: study1 (Study 1-like, the default) or "
        "study1-x20 (20 replicates of it).",
    ),
    out: Path = typer.Option(..., "--out", help="Output folder (written all or nothing)."),
    default: bool = typer.Option(
        False, "--default", help="Run the shipped Study 1-like spec (same as SPEC = study1)."
    ),
    scheduler: str = typer.Option(
        None, "--scheduler", help="Dask scheduler address (tcp://host:port); default in-process."
    ),
    workers: int = typer.Option(
        None,
        "--workers",
        help=f"Local Dask worker processes (default: all cores from {AUTO_WORKERS_FROM} "
        "patients, else in-process).",
    ),
    chunk: int = typer.Option(128, "--chunk", help="Patients per task (bounds memory)."),
    block: int = typer.Option(
        None,
        "--block",
        help="Patients per compiled solver block (advanced; default 64). Results do not depend "
        "on --chunk, the patient order or the backend at a given block.",
    ),
    resume: bool = typer.Option(
        True,
        "--resume/--no-resume",
        help="Reuse the tasks a crashed or killed run of the same trial into the same --out "
        "finished (checkpoint next to --out); --no-resume starts afresh.",
    ),
    hypothesis: str = HYPOTHESIS_OPTION,
    params_file: Path = PARAMS_FILE_OPTION,
) -> None:
    """Run a virtual trial: per-patient visit values (Parquet), endpoints.csv, report.html.

    Exit status 3: the data outputs are written and complete, but a figure or the report failed
    (named in the one error line; ``summary.json`` says ``"figures": "failed: ..."``).
    """
    summary, figure_error = run_with_figures(
        run_trial_command,
        spec,
        out,
        default,
        scheduler,
        workers,
        chunk,
        True,
        block,
        resume,
        hypothesis,
        params_file,
    )
    table = Table(title=f"{summary['trial']}: hour {summary['primary_visit_h']:g}")
    for col in ("arm", "endpoint", "estimate", "95 % CI", "n", "p"):
        table.add_column(col)
    import math

    def ok(x) -> bool:  # type: ignore[no-untyped-def]
        return x is not None and math.isfinite(x)

    for r in summary["primary"]:
        p = r.get("p_value")
        table.add_row(
            r["arm"],
            r["endpoint"],
            f"{r['estimate']:.3g}" if ok(r["estimate"]) else "",
            f"[{r['ci_low']:.3g}, {r['ci_high']:.3g}]" if ok(r["ci_low"]) else "",
            str(r["n"]),
            f"{p:.3g}" if ok(p) else "",
        )
    console.print(table)
    resumed = summary.get("resumed_tasks", 0)
    note = f"; {resumed} of {summary['n_tasks']} tasks resumed from a checkpoint" if resumed else ""
    console.print(
        f"{summary['n_patients']} patients in {summary['simulation_seconds']:.1f} s "
        f"({summary['backend']}{note}); outputs in {out}"
    )
    if "parameter_file" in summary:
        pf = summary["parameter_file"]
        console.print(
            f"parameters: {pf['file']} (sha256 {pf['sha256'][:16]}…, parameter hash "
            f"{summary['provenance']['parameter_hash']})",
            highlight=False,
        )
    if figure_error is not None:
        fail_figure(figure_error)
