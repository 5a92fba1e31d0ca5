"""The shipped ranges table and its checks."""

import numpy as np
import pytest

from brexsim.decision.ranges import apply_sample, get_problem, load_ranges, to_values
from brexsim.errors import BrexsimInputError
from brexsim.params import load_parameters


def test_every_row_is_uncertain_contains_its_value_and_says_why():
    ps = load_parameters()
    rs = load_ranges()
    assert len(rs) >= 10
    for r in rs:
        assert ps[r.name].confidence in "AUC"
        assert r.low < ps.value(r.name) < r.high
        assert r.rule.strip() and r.source.strip()


def test_a_rows_without_a_stated_bound_are_times_or_divided_by_two():
    for r in load_ranges():
        if r.confidence == "A" and r.rule.startswith("A row: x/÷ 2") and r.scale == "log":
            assert r.low == pytest.approx(r.value / 2, rel=1e-6)
            assert r.high == pytest.approx(r.value * 2, rel=1e-6)


def test_sample_rows_map_back_to_table_units():
    rs = load_ranges()
    p = get_problem(rs)
    mid = np.array([(lo + hi) / 2 for lo, hi in p["bounds"]])
    vals = to_values(rs, mid)
    r0 = rs[0]
    assert vals[r0.name] == pytest.approx(
        np.sqrt(r0.low * r0.high) if r0.scale == "log" else (r0.low + r0.high) / 2
    )
    ps = apply_sample(rs, mid)
    assert ps.value(r0.name) == pytest.approx(vals[r0.name])


def test_bad_rows_give_one_error(tmp_path):
    f = tmp_path / "r.toml"
    f.write_text(
        '["brexanolone_pk.fu_plasma"]\nlow = 0.001\nhigh = 0.1\n'
        'scale = "log"\nrule = "x"\nsource = "y"\n'
    )
    with pytest.raises(BrexsimInputError, match="confidence"):
        load_ranges(f)
    f.write_text(
        '["hamd.fast_rate_per_h"]\nlow = 0.6\nhigh = 1.0\nscale = "log"\nrule = "x"\nsource = "y"\n'
    )
    with pytest.raises(BrexsimInputError, match="low < table value"):
        load_ranges(f)
    with pytest.raises(BrexsimInputError, match="--params"):
        load_ranges(names=["hamd.fast_rate_per_h", "nope.x"])
