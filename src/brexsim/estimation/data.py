"""NONMEM-format subject-level data for estimation, as padded arrays that :func:`jax.vmap` takes.

Columns
-------
Required: ``ID, TIME, AMT, DV``. Optional: ``RATE`` (AMT unit/h; 0 or absent = bolus),
``MDV``, ``EVID`` (0 observation, 1 dose, 2 other: ignored), ``CMT``, ``DVID``, ``BLQ``,
``LLOQ``. Without ``EVID``, a record with ``AMT > 0`` is a dose and any other record an
observation unless ``MDV = 1`` (NONMEM's default when ``EVID`` is absent). Every other column is
a covariate; a model reads the first non-missing value of each subject (time-constant
covariates; a model that needs a time-varying column gets a clear error). The file is
parsed by the same table reader as :func:`brexsim.dosing.nonmem.read_nonmem` (CSV or
whitespace, ``#``/``@`` comment lines); that reader's stricter record rules (CMT 1-3, no IV
boluses, WT needed) fit simulation inputs, not general estimation data, hence this reader.

Observation type: ``DVID`` if given, else ``CMT`` if given, else 1 for every observation.
BLQ: an observation with ``BLQ = 1`` or with ``DV < LLOQ`` (``LLOQ`` given) is flagged; the
likelihoods treat it by the M3 method (probability of being below the LLOQ) where the method
allows (Laplace, NUTS) and FOCE-I excludes it with a named warning (see
:mod:`brexsim.estimation.focei`). ``ADDL``/``II``/``SS`` are not supported (clear error).

Examples
--------
>>> import pathlib, tempfile
>>> p = pathlib.Path(tempfile.mkdtemp()) / "d.csv"
>>> _ = p.write_text("ID,TIME,AMT,DV,WT\\n1,0,10,0,70\\n1,1,0,5.2,70\\n")
>>> d = read_estimation_data(p)
>>> d.n_subjects, d.n_obs, d.covariates["WT"].tolist()
(1, 1, [70.0])
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from brexsim.dosing._nonmem_table import read_table
from brexsim.errors import input_error

__all__ = ["EstimationData", "Subject", "read_estimation_data"]

_CORE = ("ID", "TIME", "AMT", "DV", "RATE", "MDV", "EVID", "CMT", "DVID", "BLQ", "LLOQ")
_UNSUPPORTED = ("ADDL", "II", "SS")


class Subject(NamedTuple):
    """One subject's arrays as a model's prediction function sees them (a JAX pytree).

    ``obs_time`` (J,) h; ``dose_time``, ``amt``, ``rate`` (K,); ``dose_before`` (J, K) bool:
    dose k precedes observation j in record order; ``cov``: covariate name → scalar;
    ``dvid`` (J,) observation type. Padded entries have ``dose_before`` False.
    """

    obs_time: object
    dose_time: object
    amt: object
    rate: object
    dose_before: object
    cov: dict
    dvid: object = None


@dataclass(frozen=True)
class EstimationData:
    """Padded arrays of N subjects (J observations, K doses at most)."""

    ids: np.ndarray
    obs_time: np.ndarray
    dv: np.ndarray
    obs_mask: np.ndarray
    blq: np.ndarray
    lloq: np.ndarray
    dvid: np.ndarray
    dose_time: np.ndarray
    amt: np.ndarray
    rate: np.ndarray
    dose_before: np.ndarray
    covariates: dict[str, np.ndarray] = field(default_factory=dict)
    source: str = ""
    time_varying: frozenset[str] = frozenset()

    @property
    def n_subjects(self) -> int:
        """Number of subjects with at least one observation."""
        return int(self.ids.size)

    @property
    def n_obs(self) -> int:
        """Number of observation records (BLQ included)."""
        return int(self.obs_mask.sum())

    def get_subjects(self, cov_names: tuple[str, ...] | None = None) -> Subject:
        """All subjects as one :class:`Subject` whose arrays have a leading subject axis."""
        import jax.numpy as jnp

        names = tuple(self.covariates) if cov_names is None else cov_names
        missing = [c for c in names if c not in self.covariates]
        if missing:
            raise input_error(
                "covariates",
                missing,
                f"columns of the data file (it has {sorted(self.covariates)})",
            )
        varying = [c for c in names if c in self.time_varying]
        if varying:
            raise input_error("covariates", varying, "one value per subject (time-constant)")
        empty = [c for c in names if np.isnan(self.covariates[c]).any()]
        if empty:
            raise input_error("covariates", empty, "a value for every subject")
        return Subject(
            obs_time=jnp.asarray(self.obs_time),
            dose_time=jnp.asarray(self.dose_time),
            amt=jnp.asarray(self.amt),
            rate=jnp.asarray(self.rate),
            dose_before=jnp.asarray(self.dose_before),
            cov={c: jnp.asarray(self.covariates[c]) for c in names},
            dvid=jnp.asarray(self.dvid),
        )


def _numbers(df: pd.DataFrame, col: str, where: str) -> np.ndarray:
    raw = df[col].fillna("").astype(str).str.strip()
    missing = raw.isin(("", ".", "nan", "NaN", "NA"))
    vals = pd.to_numeric(raw.where(~missing), errors="coerce")
    bad = vals.isna() & ~missing
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise input_error(
            col, raw.iloc[i], "a number (or . for missing)", f"{where} record {i + 1}"
        )
    out = vals.to_numpy(dtype=float)
    if not np.isfinite(out[~missing.to_numpy()]).all():
        raise input_error(col, "inf", "finite numbers", where)
    return out


def _col(df: pd.DataFrame, cols: dict, name: str, default: float) -> np.ndarray:
    if name in cols:
        v = cols[name]
        return np.where(np.isnan(v), default, v)
    return np.full(len(df), default)


def frame_to_data(df: pd.DataFrame, where: str = "data") -> EstimationData:
    """Build :class:`EstimationData` from a table of text or numbers (see the module doc)."""
    df = df.copy()
    df.columns = [str(c).strip().upper() for c in df.columns]
    for c in ("ID", "TIME", "AMT", "DV"):
        if c not in df.columns:
            raise input_error("columns", sorted(df.columns), f"a table with column {c}", where)
    for c in _UNSUPPORTED:
        if c in df.columns:
            raise input_error(
                "columns", c, "no ADDL/II/SS (write doses as explicit records)", where
            )
    cols = {c: _numbers(df.astype(str), c, where) for c in df.columns}
    ids, time = cols["ID"], cols["TIME"]
    if np.isnan(ids).any() or np.isnan(time).any():
        raise input_error("ID/TIME", "missing", "a value on every record", where)
    amt, rate, dv = _col(df, cols, "AMT", 0.0), _col(df, cols, "RATE", 0.0), cols["DV"]
    if (amt < 0).any() or (rate < 0).any():
        raise input_error("AMT/RATE", "negative", ">= 0 (RATE -1/-2 not supported)", where)
    if "EVID" in cols:
        evid = _col(df, cols, "EVID", 0.0)
        if not np.isin(evid, (0, 1, 2)).all():
            raise input_error("EVID", sorted(set(evid) - {0, 1, 2}), "0, 1 or 2", where)
        mdv = _col(df, cols, "MDV", 0.0)
    else:
        evid = np.where(amt > 0, 1.0, 0.0)
        mdv = np.where(amt > 0, 1.0, _col(df, cols, "MDV", 0.0))
    is_obs = (evid == 0) & (mdv == 0)
    is_dose = (evid == 1) & (amt > 0)
    if not is_obs.any():
        raise input_error(
            "DV", "no observation records", "at least one EVID 0, MDV 0 record", where
        )
    if np.isnan(dv[is_obs]).any():
        raise input_error("DV", "missing", "a value on every observation record (or MDV 1)", where)
    dvid = cols.get("DVID", cols.get("CMT", np.ones(len(df))))
    dvid = np.where(np.isnan(dvid), 1.0, dvid)
    lloq = _col(df, cols, "LLOQ", np.nan)
    blq = (_col(df, cols, "BLQ", 0.0) == 1) | (np.isfinite(lloq) & (dv < lloq))
    covs = [c for c in df.columns if c not in _CORE]
    subj_ids = [s for s in pd.unique(ids) if is_obs[ids == s].any()]
    rows = [np.flatnonzero(ids == s) for s in subj_ids]
    for s, r in zip(subj_ids, rows, strict=True):
        if (np.diff(time[r]) < 0).any():
            raise input_error(
                "TIME", f"ID {s:g}", "non-decreasing times within each subject", where
            )
    n, j = len(rows), max(int(is_obs[r].sum()) for r in rows)
    k = max(1, max(int(is_dose[r].sum()) for r in rows))
    arr = {nm: np.zeros((n, j)) for nm in ("obs_time", "dv", "lloq", "dvid")}
    mask, blq_a = np.zeros((n, j), bool), np.zeros((n, j), bool)
    dose = {nm: np.zeros((n, k)) for nm in ("dose_time", "amt", "rate")}
    before = np.zeros((n, j, k), bool)
    cov_out = {c: np.full(n, np.nan) for c in covs}
    varying: set[str] = set()
    for i, r in enumerate(rows):
        o, d = r[is_obs[r]], r[is_dose[r]]
        arr["obs_time"][i, : o.size], arr["dv"][i, : o.size] = time[o], dv[o]
        arr["lloq"][i, : o.size], arr["dvid"][i, : o.size] = lloq[o], dvid[o]
        mask[i, : o.size], blq_a[i, : o.size] = True, blq[o]
        dose["dose_time"][i, : d.size], dose["amt"][i, : d.size] = time[d], amt[d]
        dose["rate"][i, : d.size] = rate[d]
        before[i, : o.size, : d.size] = d[None, :] < o[:, None]
        for c in covs:
            v = cols[c][r]
            v = v[~np.isnan(v)]
            if v.size and not np.allclose(v, v[0]):
                varying.add(c)
            cov_out[c][i] = v[0] if v.size else np.nan
    return EstimationData(
        ids=np.asarray(subj_ids, float), obs_mask=mask, blq=blq_a, dose_before=before,
        dvid=arr["dvid"].astype(int), covariates=cov_out, source=where,
        time_varying=frozenset(varying),
        obs_time=arr["obs_time"], dv=arr["dv"], lloq=arr["lloq"], **dose,
    )  # fmt: skip


def read_estimation_data(path: str | Path) -> EstimationData:
    """Read a NONMEM-format file (CSV or whitespace table) for estimation.

    Parameters
    ----------
    path : str or Path
        The data file (columns: see the module docstring).

    Returns
    -------
    EstimationData
        Padded per-subject arrays; subjects without observations are left out.
    """
    p = Path(path)
    return frame_to_data(read_table(p), p.name)
