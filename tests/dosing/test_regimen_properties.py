"""Property-based tests (Hypothesis) of regimens, regimen files and NONMEM event tables.

The properties:

* any segments/doses given to :class:`~brexsim.dosing.Regimen` either give a regimen whose
  invariants hold (sorted, non-overlapping, finite non-negative rates inside the time limit,
  total dose the sum of the parts) or one :class:`~brexsim.errors.BrexsimInputError`;
* a valid regimen round-trips exactly through its TOML file and through a NONMEM file
  (regimen -> file -> regimen, and file -> dataset -> file byte for byte);
* an interruption of a valid IV regimen keeps the schedule's end and never adds drug, or is
  one clear error;
* a random NONMEM file (missing columns, non-numeric cells, negative or unsorted times, RATE/AMT
  combinations, bad EVID/CMT/WT/ADDL/FOOD ...) is either read into valid regimens that
  round-trip exactly, or is one BrexsimInputError that names the file; a single bad cell in a
  valid file is an error naming that column.

No model is solved here. The Hypothesis profile is the suite's (``tests/conftest.py``: fixed
examples, no example database), so CI runs the same examples every time.
"""

from __future__ import annotations

import math
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from brexsim.dosing import (
    IVSegment,
    OralDose,
    Regimen,
    get_total_dose,
    interrupt,
    read_nonmem,
    read_regimen_file,
    regimen_to_nonmem,
    regimen_to_toml,
    write_nonmem,
)
from brexsim.dosing.regimen import MAX_STUDIED_ORAL_MG, MAX_STUDIED_RATE_UG_PER_KG_H, MAX_TIME_H
from brexsim.dosing.weights import WEIGHT_RANGE_KG
from brexsim.errors import BrexsimInputError

# -- strategies ----------------------------------------------------------------------------
#: Any scalar a user might put in a number field.
junk = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**6), max_value=10**6),
    st.sampled_from(["", "abc", "1e400", "nan", "-0", "12"]),
    st.booleans(),
    st.none(),
)
quarter_h = st.integers(min_value=1, max_value=400).map(lambda k: k / 4.0)  # 0.25-100 h
rate = st.one_of(st.just(0.0), st.integers(0, 540).map(lambda k: k / 2.0))  # 0-270 µg/kg/h
weight = st.integers(int(WEIGHT_RANGE_KG[0] * 2), int(WEIGHT_RANGE_KG[1] * 2)).map(lambda k: k / 2)


@st.composite
def iv_regimens(draw: st.DrawFn) -> Regimen:
    """A valid IV regimen: 1-6 segments on a 0.25-h grid, gaps allowed, rates 0-270."""
    t = draw(st.integers(0, 40)) / 4.0
    segs = []
    for _ in range(draw(st.integers(1, 6))):
        t += draw(st.sampled_from([0.0, 0.0, 0.25, 2.0, 10.0]))  # mostly contiguous
        dur = draw(quarter_h)
        segs.append(IVSegment(t, t + dur, draw(rate)))
        t += dur
    return Regimen("brexanolone", segments=tuple(segs), name="iv")


@st.composite
def oral_regimens(draw: st.DrawFn) -> Regimen:
    """A valid oral regimen: 1-20 doses of 0-66 mg on a 0.5-h grid, fed or fasted."""
    times = sorted(draw(st.lists(st.integers(0, 2 * 720), min_size=1, max_size=20)))
    doses = tuple(
        OralDose(k / 2.0, draw(st.integers(0, 132)) / 2.0, draw(st.booleans())) for k in times
    )
    return Regimen("zuranolone", oral_doses=doses, name="oral")


valid_regimens = st.one_of(iv_regimens(), oral_regimens())


def _check_invariants(r: Regimen) -> None:
    """What every constructed regimen must satisfy."""
    assert r.drug in ("brexanolone", "zuranolone")
    assert bool(r.segments) != bool(r.oral_doses)
    for s in r.segments:
        assert 0.0 <= s.start_h < s.end_h <= MAX_TIME_H
        assert math.isfinite(s.rate_ug_per_kg_h) and s.rate_ug_per_kg_h >= 0.0
        if not r.allow_above_studied:
            assert s.rate_ug_per_kg_h <= MAX_STUDIED_RATE_UG_PER_KG_H
    for a, b in zip(r.segments, r.segments[1:], strict=False):
        assert b.start_h >= a.end_h - 1e-12
    for d in r.oral_doses:
        assert 0.0 <= d.time_h <= MAX_TIME_H and math.isfinite(d.mg) and d.mg >= 0.0
    assert [d.time_h for d in r.oral_doses] == sorted(d.time_h for d in r.oral_doses)
    total = get_total_dose(r)
    assert math.isfinite(total) and total >= 0.0
    parts = sum(s.dose_ug_per_kg for s in r.segments) + sum(d.mg for d in r.oral_doses)
    assert total == pytest.approx(parts, rel=1e-12, abs=0.0)
    assert r.is_placebo == (total == 0.0)
    assert math.isfinite(r.end_of_treatment_h) and 0.0 <= r.start_clock_h < 24.0


# -- regimen constructors ------------------------------------------------------------------
@given(
    drug=st.sampled_from(["brexanolone", "zuranolone", "alcohol", ""]),
    segments=st.lists(st.tuples(junk, junk, junk), max_size=4),
    doses=st.lists(st.tuples(junk, junk), max_size=4),
    setting=st.one_of(st.none(), st.sampled_from(["inpatient", "outpatient", "home"])),
    clock=st.one_of(st.none(), junk),
    above=st.booleans(),
)
def test_any_regimen_input_is_valid_or_one_clear_error(
    drug, segments, doses, setting, clock, above
):
    try:
        r = Regimen(
            drug,
            segments=tuple(segments),
            oral_doses=tuple(doses),
            setting=setting,
            start_clock_h=clock,
            allow_above_studied=above,
        )
    except BrexsimInputError as exc:
        assert exc.field and exc.allowed and str(exc).startswith(f"invalid {exc.field}=")
        return
    _check_invariants(r)


@given(
    segments=st.lists(
        st.fixed_dictionaries(
            {"start_h": junk, "end_h": junk, "rate_ug_per_kg_h": junk},
            optional={"extra": st.integers()},
        ),
        max_size=3,
    ),
    schedule=st.one_of(
        st.none(),
        st.fixed_dictionaries(
            {"interval_h": junk, "n": st.integers(-2, 2000), "mg": junk},
            optional={"first_h": junk},
        ),
    ),
    drug=st.sampled_from(["brexanolone", "zuranolone"]),
)
def test_any_regimen_file_is_valid_or_one_clear_error(segments, schedule, drug):
    import tomlkit

    doc: dict = {"name": "prop", "drug": drug}
    clean = lambda v: v if v is not None else "none"  # noqa: E731  (TOML has no null)
    if segments:
        doc["segments"] = [{k: clean(v) for k, v in s.items()} for s in segments]
    if schedule is not None:
        doc["oral_schedule"] = {k: clean(v) for k, v in schedule.items()}
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "r.toml"
        p.write_text(tomlkit.dumps(doc))
        try:
            r = read_regimen_file(p)
        except BrexsimInputError as exc:
            assert exc.field and str(exc).startswith(f"invalid {exc.field}=")
            assert str(p) in str(exc), f"{exc} does not name the file"
            return
    _check_invariants(r)


@given(reg=valid_regimens)
def test_valid_regimen_round_trips_through_its_toml_file(reg):
    _check_invariants(reg)
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "r.toml"
        p.write_text(regimen_to_toml(reg))
        back = read_regimen_file(p)
    assert back == reg


@given(reg=valid_regimens, wt=weight, sid=st.integers(0, 10**6))
def test_valid_regimen_round_trips_exactly_through_nonmem(reg, wt, sid):
    with tempfile.TemporaryDirectory() as d:
        p = write_nonmem({sid: reg}, Path(d) / "x.csv", weights_kg=wt)
        ds = read_nonmem(p)
        assert list(ds.regimens) == [sid]
        back = ds.regimens[sid]
        assert back.segments == reg.segments
        assert back.oral_doses == reg.oral_doses
        assert back.drug == reg.drug
        if reg.segments:
            assert ds.weights_kg == {sid: wt}
        text = p.read_text()
        assert write_nonmem(ds, Path(d) / "y.csv").read_text() == text
    table = regimen_to_nonmem(reg, sid, wt)
    # mg and mg/h of the table are the regimen's µg/kg/h at this weight
    iv = table[(table["EVID"] == 1) & (table["CMT"] == 2)]
    assert iv["AMT"].sum() == pytest.approx(get_total_dose(reg, wt) if reg.segments else 0.0)


@given(
    reg=iv_regimens(),
    start_frac=st.floats(0.0, 1.0),
    length=st.one_of(st.none(), st.floats(0.0, 50.0)),
    resume=st.one_of(st.none(), rate),
    reduce_later=st.booleans(),
)
def test_interruption_keeps_the_end_and_never_adds_drug(
    reg, start_frac, length, resume, reduce_later
):
    start = start_frac * reg.end_of_treatment_h
    end = None if length is None else start + length
    try:
        r = interrupt(reg, start, end, resume_rate_ug_per_kg_h=resume, reduce_later=reduce_later)
    except BrexsimInputError as exc:
        assert exc.field in {"start_h", "end_h", "resume_rate_ug_per_kg_h"}, exc
        return
    _check_invariants(r)
    assert r.end_of_treatment_h == reg.end_of_treatment_h
    assert get_total_dose(r) <= get_total_dose(reg) + 1e-9
    stop = reg.end_of_treatment_h if end is None else end
    assert r.get_rate_ug_per_kg_h((start + stop) / 2.0) == 0.0  # paused in the window


# -- NONMEM files ----------------------------------------------------------------------------
def _num(lo: float, hi: float) -> st.SearchStrategy[str]:
    """A number in [lo, hi] as written in a file, integral or not."""
    return st.one_of(
        st.integers(int(lo), int(hi)).map(str),
        st.floats(lo, hi, allow_nan=False).map(lambda x: f"{x:.6g}"),
    )


#: Per column: plausible cells, and bad or missing ones.
CELLS: dict[str, tuple[st.SearchStrategy[str], list[str]]] = {
    "ID": (st.sampled_from(["1", "2", "3"]), ["-1", "1.5", "x", "."]),
    "TIME": (_num(0, 500), ["-0.5", "abc", "inf", "1e400", "3000", "."]),
    "AMT": (_num(0, 60), ["-3", "x", "500", "."]),
    "RATE": (st.sampled_from(["0", "0", "1.5", "2.1", "6.3", "12"]), ["-1", "-2", "99", "."]),
    "EVID": (st.sampled_from(["0", "1", "1", "1", "2"]), ["3", "4", "5", "1.5", "."]),
    "CMT": (st.sampled_from(["1", "2"]), ["0", "3", "9", "."]),
    "WT": (_num(40, 160), ["0", "heavy", "300", "."]),
    "ADDL": (st.sampled_from(["0", "0", "1", "3"]), ["-1", "1.5", "100", "."]),
    "II": (st.sampled_from(["12", "24"]), ["0", "-24", "."]),
    "SS": (st.just("0"), ["1", "."]),
    "FOOD": (st.sampled_from(["0", "1"]), ["2", "."]),
    "MDV": (st.sampled_from(["0", "1"]), ["."]),
    "DV": (_num(0, 500), ["abc", "."]),
    "DVID": (st.sampled_from(["0", "1", "2"]), ["-1", "0.5", "."]),
    "LLOQ": (_num(0, 1), ["-1", "."]),
    "BLQ": (st.sampled_from(["0", "1"]), ["2", "."]),
    "AGE": (_num(18, 45), ["old", "."]),
}
REQUIRED = ["ID", "TIME", "AMT", "EVID", "CMT"]


@st.composite
def nonmem_texts(draw: st.DrawFn) -> str:
    """A NONMEM file: required columns (rarely one dropped), some optional ones, 1-8 plausible
    records, in half of the files 1-3 cells replaced by bad or missing values, sorted by ID
    and TIME or not, comma- or whitespace-separated."""
    cols = [c for c in REQUIRED if draw(st.integers(0, 49)) > 0]
    cols += [c for c in CELLS if c not in REQUIRED and draw(st.booleans())]
    rows = [[draw(CELLS[c][0]) for c in cols] for _ in range(draw(st.integers(1, 8)))]
    for c in ("WT", "AGE"):  # mostly one value per ID, as the reader requires
        if c in cols and "ID" in cols and draw(st.integers(0, 3)) > 0:
            i, j = cols.index("ID"), cols.index(c)
            first: dict[str, str] = {}
            for r in rows:
                r[j] = first.setdefault(r[i], r[j])
    if cols and draw(st.booleans()):
        for _ in range(draw(st.integers(1, 3))):
            i, j = draw(st.integers(0, len(rows) - 1)), draw(st.integers(0, len(cols) - 1))
            rows[i][j] = draw(st.sampled_from(CELLS[cols[j]][1]))
    if draw(st.integers(0, 3)) > 0 and "ID" in cols and "TIME" in cols:
        i, j = cols.index("ID"), cols.index("TIME")

        def key(r: list[str]) -> tuple[float, float]:
            try:
                return (float(r[i]), float(r[j]))
            except ValueError:
                return (math.inf, math.inf)

        rows.sort(key=key)
    sep = draw(st.sampled_from([",", " "]))
    return "\n".join(sep.join(r) for r in [cols, *rows]) + "\n"


def _read(text: str | bytes, name: str = "d.csv"):  # type: ignore[no-untyped-def]
    """``read_nonmem`` of ``text`` and that file's round trip; (dataset or error, name)."""
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / name
        p.write_bytes(text if isinstance(text, bytes) else text.encode())
        try:
            ds = read_nonmem(p)
        except BrexsimInputError as exc:
            return exc
        _check_dataset(ds)
        # the dataset of any file, foreign or written by brexsim, reads back exactly
        assert read_nonmem(write_nonmem(ds, Path(d) / "again.csv")) == ds
        return ds


def _check_dataset(ds) -> None:  # type: ignore[no-untyped-def]
    assert ds.regimens
    for sid, reg in ds.regimens.items():
        assert isinstance(sid, int) and sid >= 0
        _check_invariants(reg)
        if reg.segments:
            assert WEIGHT_RANGE_KG[0] <= ds.weights_kg[sid] <= WEIGHT_RANGE_KG[1]
    obs = ds.observations
    assert np.isfinite(obs["TIME"].to_numpy(dtype=float)).all()
    assert (obs["TIME"].to_numpy(dtype=float) >= 0).all()
    assert set(obs["ID"]) <= set(ds.regimens)
    assert sorted(ds.covariates["ID"]) == sorted(ds.regimens)


@given(text=nonmem_texts())
def test_random_nonmem_file_is_read_exactly_or_one_clear_error(text):
    res = _read(text)
    if isinstance(res, BrexsimInputError):
        assert res.field and str(res).startswith(f"invalid {res.field}=")
        assert "d.csv" in str(res), f"{res} does not name the file"


@given(data=st.binary(min_size=1, max_size=200))
def test_random_bytes_are_an_error_or_a_dataset(data):
    res = _read(data)
    if isinstance(res, BrexsimInputError):
        assert res.field


@st.composite
def valid_tables(draw: st.DrawFn) -> pd.DataFrame:
    """The NONMEM table of 1-3 valid regimens (written as the writer writes them)."""
    frames = []
    for sid in range(1, draw(st.integers(1, 3)) + 1):
        reg, wt = draw(valid_regimens), draw(weight)
        frames.append(regimen_to_nonmem(reg, sid, wt))
    return pd.concat(frames, ignore_index=True)


def _table_text(df: pd.DataFrame) -> str:
    df = df.astype(object).where(df.notna(), ".")
    return df.to_csv(index=False)


@given(
    df=valid_tables(),
    col=st.sampled_from(["ID", "TIME", "AMT", "RATE", "EVID", "CMT", "WT", "DV"]),
    row=st.integers(0, 10**6),
    bad=st.sampled_from(["abc", "1,5", "inf", "-inf", "--1", "1e400"]),  # "nan" means missing
)
def test_one_non_numeric_cell_names_its_column_and_record(df, col, row, bad):
    row %= len(df)
    assert not isinstance(_read(_table_text(df)), BrexsimInputError)  # the table itself reads
    df = df.astype(object)
    df.loc[row, col] = bad.replace(",", ";")
    res = _read(_table_text(df))
    assert isinstance(res, BrexsimInputError)
    assert res.field == col and f"record {row + 1}" in str(res), res


@given(df=valid_tables(), col=st.sampled_from(REQUIRED))
def test_a_missing_required_column_is_named(df, col):
    res = _read(_table_text(df.drop(columns=col)))
    assert isinstance(res, BrexsimInputError) and res.field == "columns" and col in str(res)


@given(df=valid_tables(), row=st.integers(0, 10**6), t=st.floats(-1e6, -1e-6))
def test_a_negative_time_is_named(df, row, t):
    row %= len(df)
    df.loc[row, "TIME"] = t
    res = _read(_table_text(df))
    assert isinstance(res, BrexsimInputError) and res.field == "TIME"
    assert f"record {row + 1}" in str(res)


@given(df=valid_tables(), data=st.data())
def test_unsorted_times_within_an_id_are_an_error(df, data):
    sid = data.draw(st.sampled_from(sorted(set(df["ID"]))))
    idx = df.index[df["ID"] == sid]
    times = df.loc[idx, "TIME"]
    assume(times.nunique() > 1)
    order = list(idx)
    i, j = order.index(times.idxmin()), order.index(times.idxmax())
    order[i], order[j] = order[j], order[i]  # the latest record of the ID first
    df = pd.concat([df.loc[df.index < idx[0]], df.loc[order], df.loc[df.index > idx[-1]]])
    res = _read(_table_text(df.reset_index(drop=True)))
    assert isinstance(res, BrexsimInputError) and res.field == "TIME"
    assert "non-decreasing" in str(res)


@given(amt=st.floats(0.001, 100.0), rate_mg_h=st.floats(0.001, 50.0), wt=weight)
def test_rate_amt_combinations(amt, rate_mg_h, wt):
    head = "ID,TIME,AMT,RATE,EVID,CMT,WT\n"
    # an IV bolus (RATE 0, AMT > 0) and an oral dose with a RATE are errors naming RATE
    for rec in (f"1,0,{amt:.6g},0,1,2,{wt:g}\n", f"1,0,{amt:.6g},{rate_mg_h:.6g},1,1,{wt:g}\n"):
        res = _read(head + rec)
        assert isinstance(res, BrexsimInputError) and res.field == "RATE", res
    # an infusion is AMT / RATE hours at RATE * 1000 / WT µg/kg/h, unless above the studied max
    a, r = float(f"{amt:.6g}"), float(f"{rate_mg_h:.6g}")
    res = _read(head + f"1,0,{a:.6g},{r:.6g},1,2,{wt:g}\n")
    if isinstance(res, BrexsimInputError):
        assert res.field in {"rate_ug_per_kg_h", "end_h"}, res
        too_fast = r * 1000.0 / wt > MAX_STUDIED_RATE_UG_PER_KG_H
        too_long = a / r > MAX_TIME_H
        assert too_fast or too_long, res
        return
    (seg,) = res.regimens[1].segments
    assert seg.duration_h == pytest.approx(a / r, rel=1e-10)
    assert seg.rate_ug_per_kg_h == pytest.approx(r * 1000.0 / wt, rel=1e-10)


# -- found by the properties above ---------------------------------------------------------
# fixed (was a strict xfail): regimen_to_nonmem wrote the EVID 2 end mark only after the last
# zero-rate segment, so a zero-rate segment followed by a gap was read back lasting to the next one
def test_zero_rate_segment_before_a_gap_round_trips(tmp_path):
    reg = Regimen("brexanolone", segments=((0.0, 4.0, 0.0), (10.0, 20.0, 30.0)))
    back = read_nonmem(write_nonmem({1: reg}, tmp_path / "x.csv", weights_kg=70.0))
    assert back.regimens[1].segments == reg.segments


# fixed (was a strict xfail): for a file's own IV record (AMT 1 mg, RATE 23 mg/h, WT 153 kg) the
# µg/kg/h rate rounded to 12 digits was written back as RATE 23.0000000001 (12 digits) and the
# infusion end moved in the 12th digit; numbers are now written exactly and read as written
def test_foreign_infusion_record_round_trips_exactly(tmp_path):
    p = tmp_path / "d.csv"
    p.write_text("ID,TIME,AMT,RATE,EVID,CMT,WT\n1,0,1,23,1,2,153\n")
    ds = read_nonmem(p)
    assert read_nonmem(write_nonmem(ds, tmp_path / "o.csv")) == ds


# fixed (was a strict xfail): _nonmem_table.check_records: an ADDL > 0 record in a file without an
# II column
def test_addl_without_an_ii_column_is_one_clear_error(tmp_path):
    p = tmp_path / "d.csv"
    p.write_text("ID,TIME,AMT,EVID,CMT,ADDL\n1,0,30,1,1,3\n")
    with pytest.raises(BrexsimInputError) as e:
        read_nonmem(p)
    assert e.value.field == "II" and "d.csv" in str(e.value)


# fixed (was a strict xfail): _nonmem_table.records_to_regimen built OralDose/IVSegment outside
# its try: a dose time beyond 2160 h or an infusion that rounds to zero length was an error that
# named neither the file nor the ID
@pytest.mark.parametrize(
    "text",
    [
        "ID,TIME,AMT,EVID,CMT\n1,3000,30,1,1\n",
        "ID,TIME,AMT,RATE,EVID,CMT,WT\n1,2100,100,1,1,2,70\n",
        "ID,TIME,AMT,RATE,EVID,CMT,WT\n1,44,1e-20,1,1,2,70\n",
    ],
    ids=["oral-after-2160-h", "infusion-past-2160-h", "infusion-of-zero-length"],
)
def test_dose_record_errors_name_the_file_and_id(tmp_path, text):
    p = tmp_path / "d.csv"
    p.write_text(text)
    with pytest.raises(BrexsimInputError) as e:
        read_nonmem(p)
    assert "d.csv, ID 1" in str(e.value)


# fixed (was a strict xfail): dosing.files._from_mapping built the OralDose list before its try:
# an oral dose (or oral_schedule dose) after 2160 h or with negative mg was an error without the
# file name
@pytest.mark.parametrize(
    "body",
    [
        "oral_doses = [ { time_h = 3000.0, mg = 30.0 } ]",
        "oral_doses = [ { time_h = 0.0, mg = -1.0 } ]",
        "oral_schedule = { interval_h = 24.0, n = 100, mg = 30.0 }",
    ],
)
def test_oral_dose_errors_in_a_regimen_file_name_the_file(tmp_path, body):
    p = tmp_path / "r.toml"
    p.write_text(f'drug = "zuranolone"\n{body}\n')
    with pytest.raises(BrexsimInputError) as e:
        read_regimen_file(p)
    assert str(p) in str(e.value)


def test_oral_mg_limit_holds_in_nonmem_files(tmp_path):
    p = tmp_path / "d.csv"
    p.write_text(f"ID,TIME,AMT,EVID,CMT\n1,0,{MAX_STUDIED_ORAL_MG + 1:g},1,1\n")
    with pytest.raises(BrexsimInputError) as e:
        read_nonmem(p)
    assert e.value.field == "mg" and "d.csv" in str(e.value)
