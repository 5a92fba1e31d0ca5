"""The NONMEM-format branch of the NCA reader: dose and observation records per subject."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from brexsim.analysis.nca._parse import (
    _NM_KNOWN,
    _NM_REQUIRED,
    NCAInput,
    SubjectDosing,
    _check_times,
    _flags,
    _numbers,
    _order,
    _where,
)
from brexsim.errors import BrexsimInputError, input_error


def _read_nonmem_records(
    df: pd.DataFrame, src: str, route: str, obs_cmt: int, path: Path | None
) -> NCAInput:
    df = df.rename(columns={c: c.strip().upper() for c in df.columns})
    missing = [c for c in _NM_REQUIRED if c not in df.columns]
    if missing:
        raise input_error("columns", missing, f"NONMEM columns {list(_NM_REQUIRED)} present", src)
    num = {c: _numbers(df, c, src, True, "a finite number") for c in _NM_REQUIRED}
    for c in ("RATE", "MDV", "DV", "ADDL", "II", "SS", "LLOQ"):
        if c in df.columns:
            num[c] = _numbers(df, c, src, False, "a finite number or '.'")
    n = len(df)
    rate = np.nan_to_num(num.get("RATE", np.zeros(n)), nan=0.0)
    mdv = np.nan_to_num(num.get("MDV", np.zeros(n)), nan=0.0)
    addl = np.nan_to_num(num.get("ADDL", np.zeros(n)), nan=0.0)
    ii = np.nan_to_num(num.get("II", np.zeros(n)), nan=0.0)
    blq = _flags(df, "BLQ", src) if "BLQ" in df.columns else np.zeros(n, dtype=bool)
    dv = num.get("DV", np.full(n, np.nan))
    ids, time, amt, evid, cmt = (num[c] for c in _NM_REQUIRED)

    def bad(col: str, i: int, allowed: str) -> BrexsimInputError:
        return input_error(col, df[col].iloc[i], allowed, _where(src, i + 1))

    for i in range(n):
        if ids[i] != int(ids[i]) or ids[i] < 0:
            raise bad("ID", i, "a non-negative integer")
        if evid[i] not in (0, 1, 2):
            raise bad(
                "EVID",
                i,
                "0 (observation), 1 (dose) or 2 (other event; EVID 3/4 resets are not supported)",
            )
        if amt[i] < 0:
            raise bad("AMT", i, "an amount >= 0 mg")
        if "SS" in num and not np.isnan(num["SS"][i]) and num["SS"][i] != 0:
            raise bad("SS", i, "0 or '.' (steady-state records are not supported)")
        if rate[i] < 0:
            raise bad(
                "RATE",
                i,
                "a rate >= 0 mg/h (RATE -1/-2, modelled rate/duration, are not supported)",
            )
        if mdv[i] not in (0, 1):
            raise bad("MDV", i, "0 or 1")
        if addl[i] < 0 or addl[i] != int(addl[i]):
            raise bad("ADDL", i, "a non-negative integer")
        if addl[i] > 0 and (ii[i] <= 0 or evid[i] != 1):
            raise bad("II", i, "a dosing interval > 0 h on a dose record when ADDL > 0")
        if evid[i] == 1 and amt[i] > 0 and cmt[i] not in (1, 2):
            raise bad("CMT", i, "1 (oral/extravascular depot) or 2 (IV central) for doses")
        if evid[i] == 1 and cmt[i] == 1 and rate[i] != 0:
            raise bad("RATE", i, "0 for doses into CMT 1 (oral)")
    subj = np.array([str(int(x)) for x in ids])
    _check_times(subj, time, np.arange(n), df, "TIME", src, strict=False)
    is_obs = (evid == 0) & (cmt == obs_cmt) & ((mdv == 0) | blq)
    lloq = num.get("LLOQ")
    if lloq is not None:
        for i in np.flatnonzero(is_obs & (lloq <= 0)):
            raise bad("LLOQ", int(i), "> 0 ng/mL")
        blq = blq | (dv < np.nan_to_num(lloq, nan=-np.inf))
    for i in np.flatnonzero(is_obs & ~blq):
        if np.isnan(dv[i]):
            raise bad(
                "DV",
                int(i),
                "a concentration >= 0 ng/mL on an EVID 0, MDV 0 record "
                "(set MDV 1 for a missing sample or BLQ 1)",
            )
        if dv[i] < 0:
            raise bad("DV", int(i), "a concentration >= 0 ng/mL")
    obs_idx = np.flatnonzero(is_obs)
    seen: dict[tuple[str, float], int] = {}
    for i in obs_idx:
        key = (subj[i], time[i])
        if key in seen:
            raise bad(
                "TIME",
                int(i),
                f"one observation per time within ID {subj[i]} (duplicate of row {seen[key] + 1})",
            )
        seen[key] = int(i)
    records: dict[str, list[tuple[float, float, float, int]]] = {}
    for i in np.flatnonzero((evid == 1) & (amt > 0)):
        dur = amt[i] / rate[i] if rate[i] > 0 else 0.0
        for j in range(int(addl[i]) + 1):
            records.setdefault(subj[i], []).append(
                (float(time[i] + j * ii[i]), float(amt[i]), float(dur), int(cmt[i]))
            )
    reader = "the NCA reader"
    if path is not None:
        from brexsim.dosing.nonmem import read_nonmem

        try:
            ds = read_nonmem(path, allow_above_studied=True)
        except BrexsimInputError as exc:
            reader = f"the NCA reader (brexsim.dosing.read_nonmem declined: {exc})"
        else:
            records = _records_from_regimens(ds)
            reader = "brexsim.dosing.read_nonmem"
    dosing = {
        s: _dosing_from_records(s, records.get(s, []), route, src) for s in dict.fromkeys(subj)
    }
    t_rel = time - np.array([dosing[s].first_dose_h for s in subj])
    keep = is_obs & (t_rel >= 0)
    samples = pd.DataFrame(
        {
            "subject": subj[keep],
            "time_h": t_rel[keep],
            "conc": np.where(blq, np.nan, dv)[keep],
            "blq": blq[keep],
        }
    )
    info = {
        "format": "nonmem",
        "ignored_columns": [c for c in df.columns if c not in _NM_KNOWN],
        "dose_reader": reader,
        "observation_cmt": obs_cmt,
        "predose_samples_dropped": int((is_obs & (t_rel < 0)).sum()),
        "records_not_used": int(n - is_obs.sum() - ((evid == 1) & (amt > 0)).sum()),
    }
    return NCAInput(_order(samples), dosing, info)


def _records_from_regimens(ds: Any) -> dict[str, list[tuple[float, float, float, int]]]:
    """Dose records ``(time h, mg, duration h, cmt)`` from read_nonmem's regimens."""
    out: dict[str, list[tuple[float, float, float, int]]] = {}
    for sid, reg in ds.regimens.items():
        recs = out.setdefault(str(sid), [])
        w = ds.weights_kg.get(sid)
        for s in reg.segments:
            if s.rate_ug_per_kg_h > 0 and w is not None:
                recs.append((s.start_h, s.dose_ug_per_kg * w / 1000.0, s.duration_h, 2))
        recs.extend((d.time_h, d.mg, 0.0, 1) for d in reg.oral_doses if d.mg > 0)
    return out


def _dosing_from_records(
    s: str, recs: list[tuple[float, float, float, int]], route: str, src: str
) -> SubjectDosing:
    if not recs:
        return SubjectDosing("iv-bolus" if route == "iv" else "extravascular")
    recs = sorted(recs)
    cmts = {r[3] for r in recs}
    if len(cmts) > 1:
        raise input_error(
            "CMT", sorted(cmts), f"one route per subject (ID {s} has oral and IV doses)", src
        )
    if 1 in cmts:
        if route == "iv":
            raise input_error(
                "--route", route, f"auto or extravascular: ID {s} has CMT 1 doses", src
            )
        r = "extravascular"
    else:
        if route == "extravascular":
            raise input_error("--route", route, f"auto or iv: ID {s} has CMT 2 (IV) doses", src)
        r = "iv-infusion" if any(x[2] > 0 for x in recs) else "iv-bolus"
    t0 = recs[0][0]
    total = sum(x[1] for x in recs)
    ends = [x[0] + x[2] for x in recs]
    mit = sum(x[1] * (x[0] - t0 + x[2] / 2.0) for x in recs) / total
    dur = max(ends) - t0 if r == "iv-infusion" else 0.0
    return SubjectDosing(r, float(total), float(max(ends) - t0), float(dur), float(mit), t0)
