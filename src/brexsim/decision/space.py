"""Search spaces of ``brexsim optimize`` (``SPACE.toml``), validated with pydantic.

An IV (brexanolone) space has an ``[infusion]`` table, an oral (zuranolone) space an ``[oral]``
table; each dimension is ``[low, high]`` (a fixed value: ``low == high``). Unknown keys are
errors, and the first bad field gives one error naming it. Example::

    name = "shorter-infusion"
    drug = "brexanolone"
    [infusion]
    duration_h = [12.0, 60.0]                 # whole schedule, ramps included
    plateau_rate_ug_per_kg_h = [30.0, 120.0]
    ramp_steps = [0, 2]                       # steps up (and as many down) before the plateau
    step_h = [2.0, 8.0]                       # length of each ramp step
    start_clock_h = [6.0, 14.0]               # clock time of the start

    # oral:  drug = "zuranolone"
    # [oral]
    # dose_mg = [20.0, 50.0]
    # days = [7, 14]
    # timing = ["evening", "morning"]
    # food = [true, false]

:func:`make_regimen` turns one point of a space into a :class:`~brexsim.dosing.Regimen`.
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import tomlkit
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

from brexsim.dosing.regimen import (
    MAX_STUDIED_ORAL_MG,
    MAX_STUDIED_RATE_UG_PER_KG_H,
    IVSegment,
    OralDose,
    Regimen,
)
from brexsim.errors import input_error

__all__ = ["POINT_COLUMNS", "Space", "get_space_names", "load_space", "make_regimen"]

#: The dimensions of a point (infusion, then oral), as they appear in the trials table.
POINT_COLUMNS = ("duration_h", "plateau_rate_ug_per_kg_h", "ramp_steps", "step_h",
                 "start_clock_h", "dose_mg", "days", "timing", "food")  # fmt: skip


def _check_pair(v: list[float], lo: float, hi: float) -> list[float]:
    if len(v) != 2 or not lo <= v[0] <= v[1] <= hi:
        raise ValueError(f"[low, high] with {lo:g} <= low <= high <= {hi:g}")
    return v


class _Infusion(BaseModel):
    model_config = ConfigDict(extra="forbid")
    duration_h: list[float]
    plateau_rate_ug_per_kg_h: list[float]
    ramp_steps: list[int] = [0, 0]
    step_h: list[float] = [4.0, 4.0]
    start_clock_h: list[float] = [8.0, 8.0]

    @field_validator("duration_h")
    @classmethod
    def _duration(cls, v: list[float]) -> list[float]:
        return _check_pair(v, 1.0, 168.0)

    @field_validator("plateau_rate_ug_per_kg_h")
    @classmethod
    def _rate(cls, v: list[float]) -> list[float]:
        return _check_pair(v, 1.0, MAX_STUDIED_RATE_UG_PER_KG_H)

    @field_validator("ramp_steps")
    @classmethod
    def _steps(cls, v: list[int]) -> list[int]:
        return [int(x) for x in _check_pair(v, 0, 4)]  # type: ignore[arg-type]

    @field_validator("step_h")
    @classmethod
    def _step(cls, v: list[float]) -> list[float]:
        return _check_pair(v, 0.5, 24.0)

    @field_validator("start_clock_h")
    @classmethod
    def _clock(cls, v: list[float]) -> list[float]:
        return _check_pair(v, 0.0, 23.99)


class _Oral(BaseModel):
    model_config = ConfigDict(extra="forbid")
    dose_mg: list[float]
    days: list[int]
    timing: list[Literal["evening", "morning"]] = ["evening"]
    food: list[bool] = [True]

    @field_validator("dose_mg")
    @classmethod
    def _dose(cls, v: list[float]) -> list[float]:
        return _check_pair(v, 1.0, MAX_STUDIED_ORAL_MG)

    @field_validator("days")
    @classmethod
    def _days(cls, v: list[int]) -> list[int]:
        return [int(x) for x in _check_pair(v, 1, 28)]  # type: ignore[arg-type]

    @field_validator("timing", "food")
    @classmethod
    def _choices(cls, v: list[Any]) -> list[Any]:
        if not v or len(set(v)) != len(v):
            raise ValueError("a non-empty list of distinct choices")
        return v


class Space(BaseModel):
    """A validated search space (see the module docstring for the file format)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = "custom"
    description: str = ""
    drug: Literal["brexanolone", "zuranolone"]
    infusion: _Infusion | None = None
    oral: _Oral | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> Space:
        want = "infusion" if self.drug == "brexanolone" else "oral"
        if getattr(self, want) is None or (self.infusion and self.oral):
            raise ValueError(f"exactly one [{want}] table for {self.drug}")
        return self

    @property
    def is_iv(self) -> bool:
        """True for an infusion space."""
        return self.drug == "brexanolone"


def get_space_names() -> list[str]:
    """Names of the shipped spaces (``brexsim/decision/spaces/*.toml``).

    >>> "shorter-infusion" in get_space_names()
    True
    """
    root = resources.files("brexsim.decision") / "spaces"
    return sorted(Path(str(p)).stem for p in root.iterdir() if str(p).endswith(".toml"))


def load_space(spec: str | Path) -> Space:
    """A shipped space by name, or a ``SPACE.toml`` file; one error per bad field.

    >>> load_space("shorter-infusion").drug
    'brexanolone'
    """
    p = Path(spec)
    if not p.is_file():
        if str(spec) not in get_space_names():
            raise input_error("--space", str(spec), f"a TOML file or one of {get_space_names()}")
        p = Path(str(resources.files("brexsim.decision") / "spaces" / f"{spec}.toml"))
    try:
        data = tomlkit.parse(p.read_text(encoding="utf-8")).unwrap()
    except Exception as exc:  # tomlkit raises several types
        raise input_error("--space", p.name, f"valid TOML ({exc})") from None
    try:
        return Space.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(x) for x in err["loc"]) or "space"
        raise input_error(field, err.get("input"), err["msg"], p.name) from None


def make_regimen(space: Space, point: Mapping[str, Any]) -> Regimen:
    """The regimen of one point of ``space``.

    Infusion: ``ramp_steps`` steps of ``step_h`` up at ``k / (steps + 1)`` of the plateau rate,
    the plateau, and the same steps down; ramps longer than the schedule allows (a plateau of
    at least 1 h) are shortened. Oral: once daily for ``days`` at 20:00 (evening) or 08:00
    (morning), with or without food.

    >>> s = load_space("shorter-infusion")
    >>> r = make_regimen(s, {"duration_h": 60, "plateau_rate_ug_per_kg_h": 90, "ramp_steps": 2,
    ...                      "step_h": 4, "start_clock_h": 8})
    >>> [(g.start_h, g.end_h, g.rate_ug_per_kg_h) for g in r.segments][:3]
    [(0.0, 4.0, 30.0), (4.0, 8.0, 60.0), (8.0, 52.0, 90.0)]
    """
    if space.is_iv:
        dur, rate = float(point["duration_h"]), float(point["plateau_rate_ug_per_kg_h"])
        n = int(point.get("ramp_steps", 0))
        step = min(float(point.get("step_h", 4.0)), (dur - 1.0) / (2 * n)) if n else 0.0
        segs, t = [], 0.0
        for k in range(1, n + 1):
            segs.append(IVSegment(t, t + step, round(rate * k / (n + 1), 3)))
            t += step
        segs.append(IVSegment(t, dur - n * step, rate))
        t = dur - n * step
        for k in range(n, 0, -1):
            segs.append(IVSegment(t, t + step, round(rate * k / (n + 1), 3)))
            t += step
        return Regimen(
            "brexanolone",
            segments=tuple(segs),
            setting="inpatient",
            start_clock_h=float(point.get("start_clock_h", 8.0)),
            name=f"iv {dur:g} h at {rate:g}, {n} ramp steps",
        )
    mg, days = float(point["dose_mg"]), int(point["days"])
    food = bool(point.get("food", True))
    timing = str(point.get("timing", "evening"))
    doses = tuple(OralDose(24.0 * i, mg, food) for i in range(days))
    return Regimen(
        "zuranolone",
        oral_doses=doses,
        setting="outpatient",
        start_clock_h=20.0 if timing == "evening" else 8.0,
        name=f"oral {mg:g} mg x {days} d, {timing}, {'fed' if food else 'fasted'}",
    )
