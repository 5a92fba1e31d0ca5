"""Reading and validating biomarker files (brexsim.analysis.data)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from brexsim.analysis.data import (
    ALLOWED_UNITS,
    BiomarkerDataError,
    get_analyte_class,
    make_example_dataset,
    read_biomarkers,
    validate_biomarkers,
)
from brexsim.errors import BrexsimInputError

DATA = Path(__file__).parent / "data"


def _good() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "subject": ["a", "a", "b", "b", "a", "a", "b", "b"],
            "time_h": [0, 60, 0, 60, 0, 60, 0, 60],
            "analyte": ["TNFa"] * 4 + ["HAMD17"] * 4,
            "stimulus": ["basal"] * 8,
            "value": [10.0, 7.0, 12.0, 9.0, 28, 12, 26, 20],
            "unit": ["pg/mL"] * 4 + ["points"] * 4,
        }
    )


def test_long_csv_is_read_with_canonical_columns() -> None:
    df = read_biomarkers(DATA / "handmade_long.csv")
    assert list(df.columns) == [
        "subject",
        "time_h",
        "analyte",
        "stimulus",
        "value",
        "unit",
        "arm",
        "visit",
    ]
    assert set(df["analyte"]) == {"TNFa", "IL6", "HAMD17"}
    assert set(df["stimulus"]) == {"basal", "LPS"}
    # the empty cells stay as missing values, they are not dropped
    assert int(df["value"].isna().sum()) == 2
    assert len(df) == 95
    # a HAM-D row with an empty unit gets the unit 'points'
    assert set(df.loc[df["analyte"] == "HAMD17", "unit"]) == {"points"}


def test_wide_csv_gives_the_same_measurements_as_long() -> None:
    long = read_biomarkers(DATA / "handmade_long.csv")
    wide = read_biomarkers(DATA / "handmade_wide.csv")
    key = ["subject", "time_h", "analyte", "stimulus"]
    a = long.dropna(subset=["value"]).set_index(key)["value"].sort_index()
    b = wide.dropna(subset=["value"]).set_index(key)["value"].sort_index()
    pd.testing.assert_series_equal(a, b)
    assert (wide.loc[wide["analyte"] == "TNFa", "unit"] == "pg/mL").all()


def test_parquet_round_trip(tmp_path: Path) -> None:
    df = make_example_dataset(seed=2)
    p = tmp_path / "d.parquet"
    df.to_parquet(p)
    got = read_biomarkers(p)
    assert len(got) == len(df)
    assert np.allclose(np.sort(got["value"].to_numpy()), np.sort(df["value"].to_numpy()))


def test_aliases_and_case_are_normalised() -> None:
    df = _good().assign(analyte=["TNF-alpha"] * 4 + ["HAM-D"] * 4, stimulus="Basal")
    df["unit"] = ["PG/ML"] * 4 + ["points"] * 4
    out = validate_biomarkers(df)
    assert set(out["analyte"]) == {"TNFa", "HAMD17"}
    assert set(out["unit"]) == {"pg/mL", "points"}
    assert get_analyte_class("IL-1β") == "cytokine"


def _problem(exc: BiomarkerDataError, field: str) -> str:
    hits = [p.describe() for p in exc.problems if p.field == field]
    assert hits, f"no problem for field {field!r} in {exc}"
    return hits[0]


def test_missing_columns_are_named() -> None:
    with pytest.raises(BiomarkerDataError) as ei:
        validate_biomarkers(_good().drop(columns=["stimulus", "value"]))
    msg = str(ei.value)
    assert "missing required column(s) stimulus, value" in msg
    assert isinstance(ei.value, BrexsimInputError) and isinstance(ei.value, ValueError)


def test_duplicate_rows_are_listed() -> None:
    df = pd.concat([_good(), _good().iloc[[1]]], ignore_index=True)
    with pytest.raises(BiomarkerDataError) as ei:
        validate_biomarkers(df)
    msg = _problem(ei.value, "subject, time_h, analyte, stimulus")
    assert "duplicate" in msg and "row 1 (a, 60 h, TNFa, basal)" in msg and "row 8" in msg


def test_non_numeric_value_is_listed_with_csv_line(tmp_path: Path) -> None:
    p = tmp_path / "bad.csv"
    text = (DATA / "handmade_long.csv").read_text().splitlines()
    text[4] = text[4].replace("9.8", "<LOD")  # line 5 of the file
    p.write_text("\n".join(text) + "\n")
    with pytest.raises(BiomarkerDataError) as ei:
        read_biomarkers(p)
    msg = _problem(ei.value, "value")
    assert "not a number" in msg and "line 5 ('<LOD')" in msg
    assert "bad.csv" in str(ei.value)


def test_unknown_unit_lists_rows_and_the_allowed_vocabulary() -> None:
    df = _good()
    df.loc[2, "unit"] = "mg/dL"
    df.loc[5, "unit"] = "pg/mL"  # HAM-D must be points
    with pytest.raises(BiomarkerDataError) as ei:
        validate_biomarkers(df)
    msg = _problem(ei.value, "unit")
    assert "row 2 ('mg/dL')" in msg and "row 5 ('pg/mL')" in msg
    assert "cytokine: " + ", ".join(ALLOWED_UNITS["cytokine"]) in msg
    assert "score: points" in msg


def test_mixed_units_within_analyte_are_rejected() -> None:
    df = _good()
    df.loc[0, "unit"] = "ng/mL"
    with pytest.raises(BiomarkerDataError) as ei:
        validate_biomarkers(df)
    assert "mixed units" in _problem(ei.value, "unit")


def test_subject_without_baseline_lists_its_rows() -> None:
    df = _good()
    df = df[~((df["subject"] == "b") & (df["time_h"] == 0))].reset_index(drop=True)
    with pytest.raises(BiomarkerDataError) as ei:
        validate_biomarkers(df)
    msg = _problem(ei.value, "time_h")
    assert "subject(s) b have no baseline row (time_h = 0)" in msg
    assert "row 2" in msg and "row 5" in msg


def test_unknown_stimulus_and_hamd_stimulus() -> None:
    df = _good()
    df.loc[1, "stimulus"] = "PMA"
    df.loc[4, "stimulus"] = "LPS"
    with pytest.raises(BiomarkerDataError) as ei:
        validate_biomarkers(df)
    msgs = [p.describe() for p in ei.value.problems if p.field == "stimulus"]
    assert any("unknown stimulus (allowed: basal, LPS, IMQ) at row 1 ('PMA')" in m for m in msgs)
    assert any("HAMD17 rows must have stimulus 'basal' at row 4" in m for m in msgs)


def test_out_of_range_values() -> None:
    df = _good().astype({"value": object})
    df.loc[0, "value"] = -1.0
    df.loc[4, "value"] = 60
    df.loc[1, "value"] = "inf"
    with pytest.raises(BiomarkerDataError) as ei:
        validate_biomarkers(df)
    msg = str(ei.value)
    assert "negative" in msg and "row 0" in msg
    assert "HAMD17 outside 0-52 points at row 4" in msg
    assert "infinite" in msg and "row 1" in msg


def test_all_problems_come_in_one_error() -> None:
    df = _good().astype({"value": object})
    df.loc[0, "value"] = "x"
    df.loc[1, "unit"] = "furlong"
    df = pd.concat([df, df.iloc[[3]]], ignore_index=True)
    with pytest.raises(BiomarkerDataError) as ei:
        validate_biomarkers(df)
    fields = {p.field for p in ei.value.problems}
    assert {"value", "unit", "subject, time_h, analyte, stimulus"} <= fields
    assert str(ei.value).startswith("invalid biomarker data data frame: 3 problems")


def test_wide_column_names_are_checked() -> None:
    w = pd.DataFrame({"subject": ["a"], "time_h": [0], "TNFa:LPS [pg/mL": [1.0]})
    with pytest.raises(BiomarkerDataError, match="wide column"):
        validate_biomarkers(w)


def test_bad_file_types(tmp_path: Path) -> None:
    with pytest.raises(BrexsimInputError, match="existing CSV or Parquet"):
        read_biomarkers(tmp_path / "nope.csv")
    p = tmp_path / "d.xlsx"
    p.write_text("x")
    with pytest.raises(BrexsimInputError, match=r"\.csv, \.tsv or \.parquet"):
        read_biomarkers(p)


def test_example_dataset_is_reproducible_and_valid() -> None:
    a = make_example_dataset(seed=5, missing_fraction=0.1)
    b = make_example_dataset(seed=5, missing_fraction=0.1)
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(make_example_dataset(seed=6, missing_fraction=0.1))
    v = validate_biomarkers(a)
    assert v["value"].isna().sum() > 0
    # baselines are never blanked
    assert v.loc[v["time_h"] == 0, "value"].notna().all()
    # stimulated values are basal + a positive induced part
    w = v.pivot_table(index=["subject", "time_h"], columns="stimulus", values="value")
    assert (w["LPS"].dropna() > 0).all()
    with pytest.raises(BrexsimInputError, match="times_h"):
        make_example_dataset(times_h=(24, 60))
