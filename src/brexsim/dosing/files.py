"""Regimen files (TOML) and presets.

A regimen file is TOML, validated with pydantic; unknown keys are errors. Example::

    name = "my-regimen"
    drug = "brexanolone"          # or "zuranolone"
    setting = "inpatient"         # optional
    start_clock_h = 8.0           # optional
    segments = [ { start_h = 0.0, end_h = 4.0, rate_ug_per_kg_h = 30.0 } ]
    # oral: oral_doses = [ { time_h = 0.0, mg = 30.0, with_food = true } ]
    # or    oral_schedule = { first_h = 0.0, interval_h = 24.0, n = 14, mg = 30.0 }
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import tomlkit
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from brexsim.dosing.regimen import IVSegment, OralDose, Regimen
from brexsim.errors import BrexsimInputError, input_error

__all__ = ["get_preset", "get_preset_names", "load_regimen", "read_regimen_file", "regimen_to_toml"]


class _Segment(BaseModel):
    model_config = ConfigDict(extra="forbid")
    start_h: float
    end_h: float
    rate_ug_per_kg_h: float


class _Dose(BaseModel):
    model_config = ConfigDict(extra="forbid")
    time_h: float
    mg: float
    with_food: bool = True


class _Schedule(BaseModel):
    model_config = ConfigDict(extra="forbid")
    first_h: float = 0.0
    interval_h: float = Field(gt=0)
    n: int = Field(ge=1, le=1000)
    mg: float
    with_food: bool = True


class _RegimenFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = "custom"
    description: str = ""
    source: str = ""
    drug: str
    setting: str | None = None
    start_clock_h: float | None = None
    allow_above_studied: bool = False
    segments: list[_Segment] = []
    oral_doses: list[_Dose] = []
    oral_schedule: _Schedule | None = None


def _from_mapping(data: dict[str, Any], where: str) -> Regimen:
    try:
        spec = _RegimenFile.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(x) for x in err["loc"]) or "regimen"
        raise input_error(field, err.get("input"), err["msg"], where) from None
    try:  # every dose, segment and regimen error names the file
        doses = [OralDose(d.time_h, d.mg, d.with_food) for d in spec.oral_doses]
        if spec.oral_schedule is not None:
            s = spec.oral_schedule
            doses += [OralDose(s.first_h + i * s.interval_h, s.mg, s.with_food) for i in range(s.n)]
        return Regimen(
            drug=spec.drug,
            segments=tuple(
                IVSegment(x.start_h, x.end_h, x.rate_ug_per_kg_h) for x in spec.segments
            ),
            oral_doses=tuple(doses),
            setting=spec.setting,
            start_clock_h=spec.start_clock_h,
            name=spec.name,
            allow_above_studied=spec.allow_above_studied,
        )
    except BrexsimInputError as exc:
        ctx = f"{where}; {exc.context}" if exc.context else where
        raise input_error(exc.field, exc.value, exc.allowed, ctx) from None


def read_regimen_file(path: str | Path) -> Regimen:
    """Read a regimen TOML file (see the module docstring for the format)."""
    from brexsim.io.toml import read_toml

    return _from_mapping(read_toml(path, "regimen file", "a readable file"), str(path))


def get_preset_names() -> list[str]:
    """Names of the packaged regimen presets.

    >>> get_preset_names()
    ['placebo', 'placebo-oral', 'study1-brx60', 'zulresso', 'zuranolone-30mg', 'zuranolone-50mg']
    """
    root = resources.files("brexsim.dosing") / "presets"
    return sorted(str(p.name)[:-5] for p in root.iterdir() if str(p.name).endswith(".toml"))


def get_preset(name: str) -> Regimen:
    """A packaged regimen by name.

    >>> get_preset("zulresso").end_of_treatment_h
    60.0
    """
    names = get_preset_names()
    if name not in names:
        raise input_error("regimen", name, f"one of the presets {names} or a regimen file")
    path = resources.files("brexsim.dosing") / "presets" / f"{name}.toml"
    return read_regimen_file(Path(str(path)))


def load_regimen(name_or_path: str | Path) -> Regimen:
    """A preset name, a regimen TOML file, or a single-ID NONMEM CSV file.

    >>> load_regimen("placebo").is_placebo
    True
    """
    s = str(name_or_path)
    if s in get_preset_names():
        return get_preset(s)
    p = Path(s)
    if p.suffix.lower() in {".csv", ".txt", ".dat"} and p.exists():
        from brexsim.dosing.nonmem import read_nonmem

        ds = read_nonmem(p)
        if len(ds.regimens) != 1:
            raise input_error(
                "ID", sorted(ds.regimens), "exactly one ID in a file used as one regimen"
            )
        return next(iter(ds.regimens.values()))
    if p.exists():
        return read_regimen_file(p)
    raise input_error(
        "regimen", s, f"a preset name {get_preset_names()}, a .toml regimen file or a NONMEM .csv"
    )


def regimen_to_toml(regimen: Regimen) -> str:
    """Serialise a regimen as TOML (round-trips through :func:`read_regimen_file`)."""
    doc = tomlkit.document()
    doc["name"] = regimen.name
    doc["drug"] = regimen.drug
    doc["setting"] = regimen.setting
    doc["start_clock_h"] = regimen.start_clock_h
    if regimen.allow_above_studied:
        doc["allow_above_studied"] = True
    if regimen.segments:
        arr = tomlkit.array()
        for s in regimen.segments:
            t = tomlkit.inline_table()
            t.update(
                {"start_h": s.start_h, "end_h": s.end_h, "rate_ug_per_kg_h": s.rate_ug_per_kg_h}
            )
            arr.append(t)
        arr.multiline(True)
        doc["segments"] = arr
    if regimen.oral_doses:
        arr = tomlkit.array()
        for d in regimen.oral_doses:
            t = tomlkit.inline_table()
            t.update({"time_h": d.time_h, "mg": d.mg, "with_food": d.with_food})
            arr.append(t)
        arr.multiline(True)
        doc["oral_doses"] = arr
    return tomlkit.dumps(doc)
