import pytest

from brexsim.dosing import (
    NonmemDataset,
    Regimen,
    get_preset,
    interrupt,
    read_nonmem,
    write_nonmem,
)
from brexsim.errors import BrexsimInputError

HEADER = "ID,TIME,AMT,RATE,EVID,CMT,WT\n"


def _write(tmp_path, text, name="d.csv"):
    p = tmp_path / name
    p.write_text(text)
    return p


@pytest.mark.parametrize(
    "regimen",
    [
        get_preset("zulresso"),
        get_preset("study1-brx60"),
        get_preset("placebo"),
        get_preset("zuranolone-50mg"),
        get_preset("placebo-oral"),
        interrupt(get_preset("zulresso"), 30.0, 31.5, resume_rate_ug_per_kg_h=60.0),
        interrupt(get_preset("zulresso"), 10.0),
    ],
    ids=lambda r: r.name + ("-interrupted" if r.interruptions else ""),
)
def test_exact_round_trip_regimen_file_regimen(tmp_path, regimen):
    p = write_nonmem({7: regimen}, tmp_path / "x.csv", weights_kg=63.5)
    back = read_nonmem(p).regimens[7]
    assert back.segments == regimen.segments
    assert back.oral_doses == regimen.oral_doses
    assert back.drug == regimen.drug
    # and file -> dataset -> file is byte-identical
    text = p.read_text()
    p2 = write_nonmem(read_nonmem(p), tmp_path / "y.csv")
    assert p2.read_text() == text


def test_round_trip_with_observations_and_several_ids(tmp_path):
    text = (
        "ID,TIME,AMT,RATE,EVID,CMT,MDV,DV,WT\n"
        "1,0,2.1,0.525,1,2,1,0,70\n1,2,0,0,0,2,0,12.5,70\n1,4,4.2,0.525,1,2,1,0,70\n"
        "2,0,30,.,1,1,1,0,.\n2,5,0,.,0,2,0,80.25,.\n"
    )
    ds = read_nonmem(_write(tmp_path, text))
    assert sorted(ds.regimens) == [1, 2]
    assert ds.regimens[1].drug == "brexanolone" and ds.regimens[2].drug == "zuranolone"
    assert ds.regimens[1].segments[0].rate_ug_per_kg_h == 7.5  # 0.525 mg/h * 1000 / 70 kg
    assert ds.regimens[1].segments[1].start_h == 4.0
    assert ds.observations["DV"].tolist() == [12.5, 80.25]
    out = write_nonmem(ds, tmp_path / "o.csv")
    assert read_nonmem(out) == ds


def test_addl_ii_expand_identically_to_explicit_records(tmp_path):
    addl = _write(tmp_path, "ID,TIME,AMT,EVID,CMT,ADDL,II\n1,0,30,1,1,13,24\n", "a.csv")
    explicit = "ID,TIME,AMT,EVID,CMT\n" + "".join(f"1,{24 * k},30,1,1\n" for k in range(14))
    e = _write(tmp_path, explicit, "e.csv")
    assert read_nonmem(addl).regimens == read_nonmem(e).regimens
    assert read_nonmem(addl).regimens[1].oral_doses == tuple(
        d for d in get_preset("zuranolone-30mg").oral_doses
    )


def test_food_column_and_zero_rate_frame(tmp_path):
    p = _write(tmp_path, "ID,TIME,AMT,EVID,CMT,FOOD\n1,0,30,1,1,0\n", "f.csv")
    assert read_nonmem(p).regimens[1].oral_doses[0].with_food is False
    p = _write(tmp_path, HEADER + "1,0,0,0,1,2,70\n1,60,0,0,2,2,70\n", "z.csv")
    r = read_nonmem(p).regimens[1]
    assert r.is_placebo and r.end_of_treatment_h == 60.0


@pytest.mark.parametrize(
    ("text", "field", "value"),
    [
        ("ID,TIME,AMT,EVID,CMT,FOO\n1,0,30,1,1,x\n", "FOO", "x"),
        ("ID,TIME,AMT,EVID,CMT,AGE,AGE\n1,0,30,1,1,3,3\n", "columns", "AGE"),
        ("ID,TIME,AMT,EVID,CMT,AGE\n1,0,30,1,1,31\n1,24,30,1,1,32\n", "AGE", "31.0"),
        ("ID,TIME,AMT,EVID,CMT,BLQ\n1,0,30,1,1,2\n", "BLQ", "2"),
        ("ID,TIME,AMT,EVID,CMT,LLOQ\n1,0,30,1,1,-1\n", "LLOQ", "-1"),
        ("ID,TIME,AMT,EVID,CMT,DVID\n1,0,30,1,1,1.5\n", "DVID", "1.5"),
        (HEADER + "1,0,8.4,2.1,1,2,300\n", "WT", "300"),
        (HEADER + "1,0,8.4,2.1,1,2,15\n", "WT", "15"),
        ("ID,TIME,AMT,EVID\n1,0,30,1\n", "columns", "CMT"),
        ("ID,TIME,AMT,EVID,CMT\n1,0,30,3,1\n", "EVID", "3"),
        ("ID,TIME,AMT,EVID,CMT\n1,0,30,7,1\n", "EVID", "7"),
        (HEADER + "1,0,30,-1,1,2,70\n", "RATE", "-1"),
        (HEADER + "1,0,30,-2,1,2,70\n", "RATE", "-2"),
        ("ID,TIME,AMT,EVID,CMT,SS\n1,0,30,1,1,1\n", "SS", "1"),
        ("ID,TIME,AMT,EVID,CMT\n1,0,-30,1,1\n", "AMT", "-30"),
        ("ID,TIME,AMT,EVID,CMT\n1,0,abc,1,1\n", "AMT", "abc"),
        ("ID,TIME,AMT,EVID,CMT\n1,nan,30,1,1\n", "TIME", "nan"),
        ("ID,TIME,AMT,EVID,CMT\n1,-2,30,1,1\n", "TIME", "-2"),
        ("ID,TIME,AMT,RATE,EVID,CMT\n1,0,8.4,2.1,1,2\n", "WT", "missing"),
        (HEADER + "1,0,8.4,0,1,2,70\n", "RATE", "0"),
        (HEADER + "1,0,80,20,1,2,70\n", "rate_ug_per_kg_h", "285.714"),
        ("ID,TIME,AMT,EVID,CMT,ADDL,II\n1,0,30,1,1,3,0\n", "II", "0"),
        ("ID,TIME,AMT,EVID,CMT\n1,24,30,1,1\n1,0,30,1,1\n", "TIME", "0"),
        ("ID,TIME,AMT,EVID,CMT\n1,0,30,1,5\n", "CMT", "5"),
        ("ID,TIME,AMT,EVID,CMT\n1,0,120,1,1\n", "mg", "120"),
    ],
)
def test_bad_records_give_one_clear_error(tmp_path, text, field, value):
    with pytest.raises(BrexsimInputError) as e:
        read_nonmem(_write(tmp_path, text))
    assert e.value.field == field
    assert value in str(e.value)
    assert "d.csv" in str(e.value)


def test_dataset_equality_is_structural():
    a = NonmemDataset({1: Regimen("zuranolone", oral_doses=((0, 30),))})
    b = NonmemDataset({1: Regimen("zuranolone", oral_doses=((0, 30),))})
    assert a == b


def test_covariate_and_observation_columns_round_trip_exactly(tmp_path):
    text = (
        "ID,TIME,AMT,RATE,EVID,CMT,MDV,DV,WT,AGE,SEX,BLQ,LLOQ,DVID,CRCL\n"
        "1,0,2.1,0.525,1,2,1,.,70,31,1,.,.,.,95.5\n"
        "1,2,0,0,0,2,0,12.5,70,31,1,0,0.5,1,95.5\n"
        "1,4,0,0,0,2,0,.,70,31,1,1,0.5,1,95.5\n"
        "2,0,30,.,1,1,1,.,.,28,.,.,.,.,.\n"
        "2,5,0,.,0,2,0,80.25,.,28,.,0,0.5,2,.\n"
    )
    ds = read_nonmem(_write(tmp_path, text))
    assert list(ds.covariates.columns) == ["ID", "AGE", "SEX", "CRCL"]
    cov = ds.covariates.set_index("ID")
    assert cov.loc[1].tolist() == [31.0, 1.0, 95.5]
    assert cov.loc[2, "AGE"] == 28.0 and cov.loc[2, ["SEX", "CRCL"]].isna().all()
    assert list(ds.observations.columns) == ["ID", "TIME", "CMT", "DV", "DVID", "LLOQ", "BLQ"]
    assert ds.observations["BLQ"].tolist() == [0.0, 1.0, 0.0]
    assert ds.observations["DVID"].tolist() == [1.0, 1.0, 2.0]
    assert ds.observations["DV"].isna().tolist() == [False, True, False]
    assert ds.weights_kg == {1: 70.0}
    out = write_nonmem(ds, tmp_path / "o.csv")
    back = read_nonmem(out)
    assert back == ds
    assert write_nonmem(back, tmp_path / "o2.csv").read_text() == out.read_text()
    # a changed covariate or observation flag is a different dataset
    other = read_nonmem(_write(tmp_path, text.replace(",28,", ",29,"), "d2.csv"))
    assert other != ds
    other = read_nonmem(_write(tmp_path, text.replace(",1,0.5,1,", ",0,0.5,1,"), "d3.csv"))
    assert other != ds


def test_files_without_covariates_keep_an_empty_covariate_table(tmp_path):
    ds = read_nonmem(_write(tmp_path, HEADER + "1,0,8.4,2.1,1,2,70\n"))
    assert list(ds.covariates.columns) == ["ID"]
    assert list(ds.observations.columns) == ["ID", "TIME", "CMT", "DV"]
    assert ds == NonmemDataset(ds.regimens, ds.weights_kg)


def test_binary_and_non_utf8_files_give_one_clear_error(tmp_path):
    latin = "ID,TIME,é\n".encode("latin-1")
    for name, data in (("b.csv", bytes(range(256)) * 4), ("l.csv", latin)):
        p = tmp_path / name
        p.write_bytes(data)
        with pytest.raises(BrexsimInputError, match=r"a text file .*byte \d+ is binary") as e:
            read_nonmem(p)
        assert e.value.field == "NONMEM file"


def test_a_trailing_separator_column_is_ignored(tmp_path):
    ds = read_nonmem(_write(tmp_path, "ID,TIME,AMT,EVID,CMT,\n1,0,30,1,1,\n"))
    assert list(ds.covariates.columns) == ["ID"]
