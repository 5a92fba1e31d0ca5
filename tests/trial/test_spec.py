"""Trial spec files: the shipped default, and one clear error for every bad spec."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from brexsim.dosing import get_preset, regimen_to_toml
from brexsim.errors import BrexsimInputError
from brexsim.trial.spec import MAX_VISIT_H, get_default_spec_path, load_trial_spec, parse_trial_spec

GOOD = {
    "trial": {"name": "t", "seed": 1},
    "population": {"hamd_baseline_min": 26, "hamd_baseline_max": 52},
    "arms": [
        {"name": "BRX90", "regimen": "zulresso", "n": 4},
        {"name": "placebo", "regimen": "placebo", "n": 4},
    ],
    "visits": {"times_h": [0, 24, 60]},
}


def _bad(mutate) -> BrexsimInputError:  # type: ignore[no-untyped-def]
    data = copy.deepcopy(GOOD)
    mutate(data)
    with pytest.raises(BrexsimInputError) as exc:
        parse_trial_spec(data, where="spec.toml")
    return exc.value


def test_default_spec_is_study1_like() -> None:
    spec = load_trial_spec(get_default_spec_path())
    assert [(a.name, a.regimen_name, a.n) for a in spec.arms] == [
        ("BRX90", "zulresso", 41),
        ("BRX60", "study1-brx60", 38),
        ("placebo", "placebo", 43),
    ]
    assert spec.visits_h == (0.0, 24.0, 60.0, 72.0, 168.0, 720.0)
    assert spec.reference == "placebo"
    assert spec.population.hamd_baseline_min == 26
    assert spec.arms[0].regimen == get_preset("zulresso")
    assert spec.n_patients == 122


def test_good_spec_defaults() -> None:
    spec = parse_trial_spec(copy.deepcopy(GOOD))
    assert spec.replicates == 1 and spec.reference == "placebo" and spec.horizon_h == 60.0
    assert spec.arms[0].dropout == 0.0
    # the baseline visit is added when missing
    data = copy.deepcopy(GOOD)
    data["visits"]["times_h"] = [24, 60]
    assert parse_trial_spec(data).visits_h == (0.0, 24.0, 60.0)


@pytest.mark.parametrize(
    ("mutate", "field", "words"),
    [
        (lambda d: d.update(extra={"x": 1}), "extra", "unknown key"),
        (lambda d: d["trial"].update(colour="red"), "trial.colour", "unknown key"),
        (lambda d: d["arms"][0].update(dose=3), "arms.0.dose", "unknown key"),
        (lambda d: d["population"].update(bmi_max=30), "population.bmi_max", "unknown key"),
        (lambda d: d["arms"][1].update(n=-5), "arms.1.n", "greater than or equal to 2"),
        (lambda d: d["arms"][0].update(n=2.5), "arms.0.n", "integer"),
        (lambda d: d["arms"][0].update(regimen="brx-typo"), "arms.0.regimen", "preset"),
        (lambda d: d.update(arms=[]), "arms", "at least 1"),
        (lambda d: d["visits"].update(times_h=[0, 24, 2200]), "visits.times_h.2", "2160"),
        (lambda d: d["visits"].update(times_h=[-1, 24]), "visits.times_h.0", "2160"),
        (lambda d: d["visits"].update(times_h=[0, 60, 24]), "visits.times_h", "increasing"),
        (lambda d: d["visits"].update(times_h=[0]), "visits.times_h", "after 0 h"),
        (lambda d: d["arms"][1].update(name="control"), "trial.reference", "placebo"),
        (lambda d: d["trial"].update(reference="nobody"), "trial.reference", "one of the arms"),
        (lambda d: d["arms"][1].update(name="BRX90"), "arms.name", "unique"),
        (lambda d: d.pop("visits"), "visits", "missing"),
        (lambda d: d["trial"].pop("seed"), "trial.seed", "missing"),
        (lambda d: d["trial"].update(seed=-1), "trial.seed", "greater than or equal to 0"),
        (lambda d: d["trial"].update(replicates=0), "trial.replicates", "greater than"),
        (lambda d: d["arms"][0].update(dropout=1.0), "arms.0.dropout", "less than 1"),
        (
            lambda d: d["population"].update(hamd_baseline_min=30, hamd_baseline_max=28),
            "population.hamd_baseline_min",
            "<=",
        ),
        (
            lambda d: d["population"].update(hamd_baseline_max=60),
            "population.hamd_baseline_max",
            "52",
        ),
        (
            lambda d: d["population"].update(antidepressant="sometimes"),
            "population.antidepressant",
            "allowed",
        ),
        (
            lambda d: d["population"].update(iiv={"effects": ["pk_cl"], "omega": [[0.1]]}),
            "population.iiv.effects.0",
            "simulate() uses",
        ),
        (
            lambda d: d["population"].update(
                iiv={"effects": ["eta_drug", "infl_ic50_scale"], "omega": [[1, 2], [2, 1]]}
            ),
            "population.iiv.omega",
            "positive semi-definite",
        ),
        (
            lambda d: d["population"].update(iiv={"effects": ["eta_drug"], "omega": [[1, 0]]}),
            "population.iiv.omega",
            "1 x 1",
        ),
    ],
)
def test_bad_specs_raise_one_clear_error(mutate, field: str, words: str) -> None:  # type: ignore[no-untyped-def]
    err = _bad(mutate)
    assert err.field == field
    assert words in str(err), str(err)
    assert str(err).startswith(f"invalid {field}=")


def test_unknown_key_lists_allowed_keys() -> None:
    err = _bad(lambda d: d["arms"][0].update(size=3))
    assert "allowed: ['dropout', 'n', 'name', 'regimen']" in str(err)
    assert "spec.toml" in str(err)


def test_visit_limit_is_90_days() -> None:
    assert MAX_VISIT_H == 2160.0
    data = copy.deepcopy(GOOD)
    data["visits"]["times_h"] = [0, 2160]
    assert parse_trial_spec(data).horizon_h == 2160.0


def test_regimen_file_relative_to_spec(tmp_path: Path) -> None:
    (tmp_path / "regs").mkdir()
    (tmp_path / "regs" / "short.toml").write_text(
        regimen_to_toml(get_preset("study1-brx60")), encoding="utf-8"
    )
    spec_file = tmp_path / "trial.toml"
    spec_file.write_text(
        '[trial]\nname = "f"\nseed = 2\n'
        '[[arms]]\nname = "A"\nregimen = "regs/short.toml"\nn = 3\n'
        '[[arms]]\nname = "placebo"\nregimen = "placebo"\nn = 3\n'
        "[visits]\ntimes_h = [0, 24]\n",
        encoding="utf-8",
    )
    spec = load_trial_spec(spec_file)
    assert spec.arms[0].regimen.segments == get_preset("study1-brx60").segments


def test_bad_files(tmp_path: Path) -> None:
    with pytest.raises(BrexsimInputError, match="readable"):
        load_trial_spec(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[trial\nname=", encoding="utf-8")
    with pytest.raises(BrexsimInputError, match="valid TOML"):
        load_trial_spec(bad)


def test_shipped_replicate_spec_is_the_default_times_20() -> None:
    from brexsim.trial.spec import get_spec_names

    assert get_spec_names() == ["study1", "study1-x20"]
    one, many = load_trial_spec("study1"), load_trial_spec("study1-x20")
    assert many.replicates == 20 and one.replicates == 1
    assert (many.arms, many.visits_h, many.seed) == (one.arms, one.visits_h, one.seed)
