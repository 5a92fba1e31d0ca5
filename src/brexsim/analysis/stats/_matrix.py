"""Biomarker statistics, the data side: transforms, input checks and the
``lines x subjects x times`` change matrix (split from ``stats``; see the package docstring).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from brexsim.analysis.data import BASELINE_H, HAMD_ANALYTE, STIMULI
from brexsim.errors import input_error

#: Allowed ``transform`` values.
TRANSFORMS: tuple[str, ...] = ("raw", "induced", "log")
#: Columns of the change table, in order.
TABLE_COLUMNS: tuple[str, ...] = (
    "analyte",
    "stimulus",
    "time_h",
    "n",
    "n_excluded",
    "unit",
    "mean_baseline",
    "mean_post",
    "mean_change",
    "sd_change",
    "mean_change_ci_low",
    "mean_change_ci_high",
    "t",
    "p_ttest",
    "q_fdr",
    "w_statistic",
    "p_wilcoxon",
    "q_fdr_wilcoxon",
    "dz",
    "dz_ci_low",
    "dz_ci_high",
    "n_corr",
    "r_pearson",
    "r_pearson_ci_low",
    "r_pearson_ci_high",
    "p_pearson",
    "r_spearman",
    "r_spearman_ci_low",
    "r_spearman_ci_high",
    "p_spearman",
    "transform",
    "note",
)
_Z975 = float(stats.norm.ppf(0.975))
#: Smallest number of complete pairs for the paired tests (and for correlations: 4, so that
#: the Fisher-z CI is defined).
MIN_PAIRS = 3


def _check_transform(transform: str) -> None:
    if transform not in TRANSFORMS:
        raise input_error("transform", transform, f"one of {', '.join(TRANSFORMS)}")


def _check_frame(data: pd.DataFrame) -> None:
    need = ("subject", "time_h", "analyte", "stimulus", "value")
    if not isinstance(data, pd.DataFrame) or any(c not in data.columns for c in need):
        raise input_error(
            "data",
            type(data).__name__,
            "the canonical long frame from read_biomarkers/validate_biomarkers "
            f"(columns {', '.join(need)})",
        )


def transform_values(data: pd.DataFrame, transform: str = "raw") -> pd.DataFrame:
    """Biomarker rows (HAM-D-17 excluded) on the analysis scale.

    Parameters
    ----------
    data : DataFrame
        Canonical long frame (:func:`~brexsim.analysis.data.validate_biomarkers`).
    transform : ``"raw"``, ``"induced"`` or ``"log"``
        ``induced``: LPS/IMQ values minus the basal value of the same subject, analyte and
        time (missing if either is missing); ``log``: natural logarithm.

    Returns
    -------
    DataFrame
        ``subject, time_h, analyte, stimulus, value, unit``.

    Examples
    --------
    >>> df = pd.DataFrame({"subject": "a", "time_h": [0.0, 0.0], "analyte": "TNFa",
    ...                    "stimulus": ["basal", "LPS"], "value": [5.0, 105.0], "unit": "pg/mL"})
    >>> transform_values(df, "induced")["value"].tolist()
    [5.0, 100.0]
    """
    _check_transform(transform)
    _check_frame(data)
    bio = data.loc[data["analyte"] != HAMD_ANALYTE].copy()
    if "unit" not in bio.columns:
        bio["unit"] = ""
    bio = bio[["subject", "time_h", "analyte", "stimulus", "value", "unit"]]
    if transform == "log":
        bad = bio["value"].notna() & ~(bio["value"] > 0)
        if bad.any():
            rows = bio.loc[bad]
            listed = ", ".join(
                f"{s} {a}/{st} at {t:g} h ({v!r})"
                for s, a, st, t, v in rows[["subject", "analyte", "stimulus", "time_h", "value"]]
                .head(15)
                .itertuples(index=False)
            )
            raise input_error(
                "value",
                f"{int(bad.sum())} value(s) <= 0",
                "values > 0 for --transform log (use raw or induced, or remove them): " + listed,
            )
        bio["value"] = np.log(bio["value"].to_numpy(dtype=float))
        bio["unit"] = [f"log({u})" if u else "log" for u in bio["unit"]]
    elif transform == "induced":
        basal = bio.loc[bio["stimulus"] == "basal"].set_index(["subject", "analyte", "time_h"])
        stim = bio.loc[bio["stimulus"] != "basal"]
        key = pd.MultiIndex.from_frame(stim[["subject", "analyte", "time_h"]])
        base_v = basal["value"].reindex(key).to_numpy(dtype=float)
        base_u = basal["unit"].reindex(key).to_numpy(dtype=object)
        su = stim["unit"].to_numpy(dtype=object)
        clash = pd.notna(base_u) & (base_u != "") & (su != "") & (base_u != su)
        if clash.any():
            raise input_error(
                "unit",
                sorted(set(stim.loc[clash, "analyte"])),
                "the same unit for basal and stimulated values of an analyte, for "
                "--transform induced",
            )
        stim = stim.assign(value=stim["value"].to_numpy(dtype=float) - base_v)
        bio = pd.concat([bio.loc[bio["stimulus"] == "basal"], stim], ignore_index=True)
    return bio.reset_index(drop=True)


@dataclass(frozen=True)
class ChangeMatrix:
    """Values on the analysis scale arranged as ``lines x subjects x times``.

    Attributes
    ----------
    subjects : ndarray of str
    times_h : ndarray of float (first = 0)
    groups : list of (analyte, stimulus)
    values : ndarray, shape (n_groups, n_subjects, n_times); NaN = missing
    present : ndarray of bool, same shape; True where a row exists (value may be NaN)
    hamd : ndarray, shape (n_subjects, n_times); NaN = missing
    units : list of str, one per group
    """

    subjects: np.ndarray
    times_h: np.ndarray
    groups: list[tuple[str, str]]
    values: np.ndarray
    present: np.ndarray
    hamd: np.ndarray
    units: list[str] = field(default_factory=list)


def get_change_matrix(data: pd.DataFrame, transform: str = "raw") -> ChangeMatrix:
    """Arrange the data as a dense ``(analyte x stimulus) x subject x time`` array.

    Examples
    --------
    >>> from brexsim.analysis.data import make_example_dataset
    >>> m = get_change_matrix(make_example_dataset(0))
    >>> m.values.shape, m.times_h.tolist()
    ((10, 11, 4), [0.0, 24.0, 60.0, 168.0])
    """
    _check_frame(data)
    bio = transform_values(data, transform)
    subjects = np.array(sorted(pd.unique(data["subject"].astype(str))), dtype=object)
    times = np.array(sorted(pd.unique(data["time_h"].astype(float))), dtype=float)
    if times.size == 0 or times[0] != BASELINE_H:
        raise input_error("time_h", times[:5].tolist(), "data with baseline rows at time_h = 0")
    order = {s: i for i, s in enumerate(STIMULI)}
    gframe = bio[["analyte", "stimulus"]].drop_duplicates()
    groups = sorted((str(a), str(s)) for a, s in gframe.itertuples(index=False))
    groups.sort(key=lambda g: (g[0], order.get(g[1], 9)))
    g_idx = pd.MultiIndex.from_tuples(groups).get_indexer(
        pd.MultiIndex.from_frame(bio[["analyte", "stimulus"]].astype(str))
    )
    s_idx = pd.Index(subjects).get_indexer(bio["subject"].astype(str))
    t_idx = pd.Index(times).get_indexer(bio["time_h"].astype(float))
    values = np.full((len(groups), subjects.size, times.size), np.nan)
    present = np.zeros(values.shape, dtype=bool)
    values[g_idx, s_idx, t_idx] = bio["value"].to_numpy(dtype=float)
    present[g_idx, s_idx, t_idx] = True
    hamd = np.full((subjects.size, times.size), np.nan)
    h = data.loc[data["analyte"] == HAMD_ANALYTE]
    if len(h):
        hamd[
            pd.Index(subjects).get_indexer(h["subject"].astype(str)),
            pd.Index(times).get_indexer(h["time_h"].astype(float)),
        ] = h["value"].to_numpy(dtype=float)
    uf = bio.loc[bio["unit"].astype(str) != "", ["analyte", "stimulus", "unit"]]
    first_unit = uf.drop_duplicates(["analyte", "stimulus"]).set_index(["analyte", "stimulus"])
    units = [str(first_unit["unit"].get(g, "")) for g in groups]
    return ChangeMatrix(subjects, times, groups, values, present, hamd, units)
