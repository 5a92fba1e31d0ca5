"""``run_nca``: NCA of every subject in a dataset, and the summary statistics."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from brexsim.analysis.nca.core import AUC_METHODS, DEFAULT_BLQ_RULE, apply_blq_rule
from brexsim.analysis.nca.data import NCAInput, read_nca_input
from brexsim.analysis.nca.subject import PARAMETER_UNITS, SubjectNCA, compute_subject_nca
from brexsim.errors import input_error

__all__ = [
    "SUMMARY_COLUMNS",
    "SUMMARY_PARAMETERS",
    "NCAResult",
    "get_nca_summary",
    "parse_blq_rule",
    "run_nca",
]

#: Parameters summarised in ``summary.csv``.
SUMMARY_PARAMETERS = (
    "cmax",
    "tmax",
    "clast",
    "tlast",
    "auclast",
    "aucinf",
    "aucinf_pred",
    "auc_pct_extrap",
    "aumcinf",
    "mrt",
    "lambda_z",
    "lambda_z_adj_r2",
    "lambda_z_n",
    "t_half",
    "cl",
    "vz",
    "vss",
)
#: Columns of the summary table.
SUMMARY_COLUMNS = (
    "parameter",
    "unit",
    "n",
    "geomean",
    "geocv_pct",
    "mean",
    "sd",
    "median",
    "min",
    "max",
    "note",
)
#: Summarised by median and range only (PKNCA ``business.median``/``business.range``).
_MEDIAN_ONLY = ("tmax", "tlast", "lambda_z_n")


@dataclass(frozen=True)
class NCAResult:
    """Result of :func:`run_nca`.

    Attributes
    ----------
    subjects : DataFrame
        One row per subject, columns :data:`~brexsim.analysis.nca.subject.PARAMETER_UNITS`.
    summary : DataFrame
        One row per parameter, columns :data:`SUMMARY_COLUMNS`.
    units : dict
        Column → unit.
    settings : dict
        AUC method, BLQ rule, λz options, route.
    profiles : dict
        ``{subject: SubjectNCA}`` (the cleaned profiles and λz fits, for plots).
    info : dict
        What was read (format, dose reader, ignored columns).
    """

    subjects: pd.DataFrame
    summary: pd.DataFrame
    units: dict[str, str]
    settings: dict[str, Any]
    profiles: dict[str, SubjectNCA] = field(repr=False)
    info: dict[str, Any] = field(default_factory=dict)


def parse_blq_rule(text: str | dict[str, str] | None) -> dict[str, str]:
    """Parse ``"first=keep,middle=drop,last=keep"`` (``0`` = ``keep``); missing parts take
    PKNCA's default (:data:`~brexsim.analysis.nca.core.DEFAULT_BLQ_RULE`).

    Examples
    --------
    >>> parse_blq_rule("first=0,last=drop")
    {'first': 'keep', 'middle': 'drop', 'last': 'drop'}
    """
    if text is None:
        return dict(DEFAULT_BLQ_RULE)
    items = dict(text) if isinstance(text, dict) else {}
    if isinstance(text, str):
        for part in filter(None, (p.strip() for p in text.split(","))):
            key, sep, val = part.partition("=")
            if not sep:
                raise input_error("--blq", text, "parts like first=keep,middle=drop,last=keep")
            items[key.strip().lower()] = val.strip().lower()
    out = dict(DEFAULT_BLQ_RULE)
    for key, val in items.items():
        if key not in out:
            raise input_error("--blq", key, "parts first, middle and last")
        v = "keep" if val in ("0", "keep") else val
        if v not in ("keep", "drop"):
            raise input_error(f"--blq {key}", val, "keep (as 0; also written 0) or drop")
        out[key] = v
    return out


def _geo(x: np.ndarray) -> tuple[float, float]:
    lx = np.log(x)
    gm = float(np.exp(lx.mean()))
    cv = float(100.0 * math.sqrt(math.expm1(float(lx.var(ddof=1))))) if len(x) > 1 else math.nan
    return gm, cv


def get_nca_summary(subjects: pd.DataFrame, units: dict[str, str] | None = None) -> pd.DataFrame:
    """Descriptive statistics per parameter: n (non-missing), geometric mean and geometric
    CV % ``100·sqrt(exp(s²) − 1)`` (s: SD of ln x; PKNCA ``business.geocv``), arithmetic mean,
    SD, median, min, max; tmax, tlast and the λz point count by median and range only.

    Examples
    --------
    >>> import pandas as pd
    >>> s = get_nca_summary(pd.DataFrame({"cmax": [1.0, 4.0], "tmax": [1.0, 3.0]}))
    >>> row = s.set_index("parameter").loc["cmax"]
    >>> int(row["n"]), float(row["geomean"]), float(row["mean"])
    (2, 2.0, 2.5)
    """
    units = units or PARAMETER_UNITS
    rows = []
    for p in SUMMARY_PARAMETERS:
        if p not in subjects.columns:
            continue
        x = subjects[p].to_numpy(dtype=float)
        x = x[np.isfinite(x)]
        nan = math.nan
        row: dict[str, Any] = dict.fromkeys(SUMMARY_COLUMNS, nan)
        row.update(parameter=p, unit=units.get(p, ""), n=len(x))
        notes = []
        if len(x) == 0:
            notes.append("no subject has a value")
        else:
            row.update(median=float(np.median(x)), min=float(x.min()), max=float(x.max()))
            if p in _MEDIAN_ONLY:
                notes.append("median and range only (PKNCA convention)")
            else:
                row.update(mean=float(x.mean()))
                if (x > 0).all():
                    row["geomean"], row["geocv_pct"] = _geo(x)
                else:
                    notes.append("geometric statistics need every value > 0")
                if len(x) > 1:
                    row["sd"] = float(x.std(ddof=1))
                else:
                    notes.append("SD and CV need n >= 2")
        if len(x) < len(subjects):
            notes.append(f"{len(subjects) - len(x)} subject(s) without a value (see flag)")
        row["note"] = "; ".join(notes)
        rows.append(row)
    out = pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))
    out["n"] = out["n"].astype(int)
    return out


def _check_settings(auc_method: str, min_points: int, adj_r2_factor: float) -> None:
    if auc_method not in AUC_METHODS:
        raise input_error("--auc-method", auc_method, f"one of {', '.join(AUC_METHODS)}")
    if isinstance(min_points, bool) or int(min_points) != min_points or min_points < 2:
        raise input_error("--min-points", min_points, "an integer >= 2 (PKNCA min.hl.points)")
    if not (math.isfinite(adj_r2_factor) and 0 <= adj_r2_factor < 1):
        raise input_error("--adj-r2-factor", adj_r2_factor, "a number in [0, 1)")


def run_nca(
    frame_or_path: str | Path | pd.DataFrame | NCAInput,
    *,
    auc_method: str = "lin-up-log-down",
    blq: str | dict[str, str] | None = None,
    route: str = "auto",
    dose_column: str = "dose_mg",
    min_points: int = 3,
    adj_r2_factor: float = 1e-4,
    allow_tmax: bool = False,
) -> NCAResult:
    """Non-compartmental analysis of every subject (PKNCA / WinNonlin conventions).

    Parameters
    ----------
    frame_or_path : path, DataFrame or NCAInput
        A long CSV (``subject, time_h, conc`` [, ``dose_mg, infusion_h, blq, lloq``]) or a
        NONMEM dataset; see :mod:`brexsim.analysis.nca.data`.
    auc_method : {"lin-up-log-down", "linear"}
        PKNCA ``auc.method`` ("lin up/log down" is its default and this one's).
    blq : str or dict, optional
        BLQ rule, e.g. ``"first=keep,middle=drop,last=keep"`` (PKNCA's default ``conc.blq``).
    route : {"auto", "iv", "extravascular"}
    dose_column : str
        Long CSV dose column (mg).
    min_points, adj_r2_factor, allow_tmax
        λz selection: PKNCA ``min.hl.points`` (3), ``adj.r.squared.factor`` (1e-4),
        ``allow.tmax.in.half.life`` (False).

    Returns
    -------
    NCAResult

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> t = np.array([0.5, 1, 2, 4, 8, 12])
    >>> df = pd.DataFrame({"subject": "S1", "time_h": t, "conc": 50 * np.exp(-0.2 * t),
    ...                    "dose_mg": 2.0})
    >>> res = run_nca(df, route="iv")
    >>> row = res.subjects.iloc[0]
    >>> [round(float(row[k]), 8) for k in ("lambda_z", "aucinf", "cl", "vz")]
    [0.2, 250.0, 8.0, 40.0]
    """
    _check_settings(auc_method, min_points, adj_r2_factor)
    rule = parse_blq_rule(blq)
    inp = (
        frame_or_path
        if isinstance(frame_or_path, NCAInput)
        else read_nca_input(frame_or_path, route=route, dose_column=dose_column)
    )
    profiles: dict[str, SubjectNCA] = {}
    for sid, g in inp.samples.groupby("subject", sort=False):
        sid = str(sid)
        t, c = apply_blq_rule(
            g["time_h"].to_numpy(), g["conc"].to_numpy(), g["blq"].to_numpy(), rule
        )
        if not (c > 0).any():
            raise input_error(
                "conc",
                "no positive value",
                "at least one measurable (positive, not BLQ) concentration per subject",
                f"{inp.info.get('source', 'input')}, subject {sid}",
            )
        profiles[sid] = compute_subject_nca(
            sid,
            t,
            c,
            inp.dosing[sid],
            auc_method=auc_method,
            min_points=int(min_points),
            adj_r2_factor=adj_r2_factor,
            allow_tmax=allow_tmax,
        )
    if not profiles:
        raise input_error("observations", "none", "at least one concentration record")
    for sid in inp.dosing:
        if sid not in profiles:
            raise input_error(
                "observations",
                "none",
                "concentration records for every subject with doses",
                f"{inp.info.get('source', 'input')}, subject {sid}",
            )
    subjects = pd.DataFrame([p.params for p in profiles.values()], columns=list(PARAMETER_UNITS))
    settings = {
        "auc_method": auc_method,
        "blq": rule,
        "route": route,
        "min_points": int(min_points),
        "adj_r2_factor": adj_r2_factor,
        "allow_tmax": allow_tmax,
    }
    return NCAResult(
        subjects=subjects,
        summary=get_nca_summary(subjects),
        units=dict(PARAMETER_UNITS),
        settings=settings,
        profiles=profiles,
        info=dict(inp.info),
    )
