"""Output folders of ``brexsim sensitivity`` and ``brexsim optimize`` for the app's two tabs.

The app never opens a typed path: it lists the folders under one results root
(:func:`get_results_root`: ``$BREXSIM_RESULTS_DIR``, else ``./results``, where both commands
write by default) that hold a ``summary.json`` of the right kind (:func:`find_result_dirs`), and
loads only a name from that list (:func:`resolve_result_dir`). The loaders also take any path,
for use outside the app.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd

from brexsim.app.decision import OptimizeRun, SensitivityRun
from brexsim.errors import input_error

__all__ = [
    "RESULTS_ENV",
    "find_result_dirs",
    "get_results_root",
    "load_optimize_dir",
    "load_sensitivity_dir",
    "resolve_result_dir",
]

#: Environment variable naming the folder the app lists results from.
RESULTS_ENV = "BREXSIM_RESULTS_DIR"
_KEY = {"sensitivity": "method", "optimize": "objective"}


def get_results_root() -> Path:
    """``$BREXSIM_RESULTS_DIR`` or ``./results`` (resolved).

    >>> get_results_root().name in ("results", Path(os.environ.get(RESULTS_ENV, "x")).name)
    True
    """
    return Path(os.environ.get(RESULTS_ENV) or "results").expanduser().resolve()


def find_result_dirs(kind: str, root: Path | None = None) -> list[str]:
    """Names (relative to ``root``, at most two levels down) of the folders holding a
    ``summary.json`` of ``kind`` (``sensitivity`` or ``optimize``), sorted.

    >>> find_result_dirs("optimize", Path("/nonexistent"))
    []
    """
    if kind not in _KEY:
        raise input_error("kind", kind, f"one of {sorted(_KEY)}")
    root = root or get_results_root()
    found = []
    for f in [*root.glob("*/summary.json"), *root.glob("*/*/summary.json")]:
        try:
            if _KEY[kind] in json.loads(f.read_text(encoding="utf-8")):
                found.append(f.parent.relative_to(root).as_posix())
        except (OSError, ValueError):
            continue
    return sorted(found)


def resolve_result_dir(name: str, kind: str, root: Path | None = None) -> Path:
    """The folder of a listed ``name``; anything not in :func:`find_result_dirs` is an error."""
    root = root or get_results_root()
    listed = find_result_dirs(kind, root)
    if name not in listed:
        raise input_error("folder", name, f"one of the {kind} folders under {root}: {listed}")
    return root / name


def _folder(path: str | Path, what: str) -> Path:
    p = Path(str(path).strip()).expanduser()
    if not str(path).strip() or not (p / "summary.json").is_file():
        raise input_error("folder", str(path), f"a `brexsim {what}` output folder (summary.json)")
    return p


def load_sensitivity_dir(path: str | Path) -> SensitivityRun:
    """The result of ``brexsim sensitivity --out DIR`` (``summary.json``, ``indices.csv`` and
    ``convergence.csv``, or ``morris.csv``)."""
    p = _folder(path, "sensitivity")
    summary = json.loads((p / "summary.json").read_text(encoding="utf-8"))
    method = summary.get("method")
    table_file = {"sobol": "indices.csv", "morris": "morris.csv"}.get(str(method))
    if table_file is None or not (p / table_file).is_file():
        raise input_error("folder", str(p), "a `brexsim sensitivity` folder with its tables")
    conv = p / "convergence.csv"
    return SensitivityRun(
        str(method),
        pd.read_csv(p / table_file),
        pd.read_csv(conv) if method == "sobol" and conv.is_file() else None,
        summary,
        str(p),
    )


def _text(col: pd.Series) -> list[str]:
    return ["" if pd.isna(v) else str(v) for v in col]  # an empty CSV cell reads as NaN


def load_optimize_dir(path: str | Path) -> OptimizeRun:
    """The result of ``brexsim optimize --out DIR`` (``summary.json``, ``trials.csv``,
    ``pareto.csv``, ``recheck.csv``)."""
    p = _folder(path, "optimize")
    summary = json.loads((p / "summary.json").read_text(encoding="utf-8"))
    if "objective" not in summary or not (p / "trials.csv").is_file():
        raise input_error("folder", str(p), "a `brexsim optimize` folder (trials.csv)")
    objective = str(summary["objective"])
    trials = pd.read_csv(p / "trials.csv")
    trials["flags"] = _text(trials["flags"])
    is_iv = summary.get("space", {}).get("drug") == "brexanolone"
    x = "infusion_hours" if is_iv else str(summary["constraints"][0]).split()[0]
    pareto = pd.read_csv(p / "pareto.csv") if (p / "pareto.csv").is_file() else pd.DataFrame()
    on = pareto[pareto.front.str.startswith(f"{objective} vs {x}")] if len(pareto) else pareto
    front = [int(i) for i in trials.index[trials.trial.isin(set(on.get("trial", [])))]]
    front = sorted(front, key=lambda i: float(trials.at[i, x]))
    reference = pd.DataFrame([{"name": k, **v} for k, v in summary.get("reference", {}).items()])
    rc_file = p / "recheck.csv"
    rc = pd.read_csv(rc_file) if rc_file.is_file() else pd.DataFrame()
    if "flags" in rc:
        rc["flags"] = _text(rc["flags"])
    return OptimizeRun(objective, x, trials, front, reference, rc, summary, str(p))
