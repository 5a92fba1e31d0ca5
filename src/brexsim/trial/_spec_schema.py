"""The raw schema of a trial spec file (pydantic models: field types and simple bounds), before
the checks of :mod:`brexsim.trial._spec_parts` and the public dataclasses of
:mod:`brexsim.trial.spec`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt


class _Trial(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1)
    seed: StrictInt = Field(ge=0, lt=2**63)
    replicates: StrictInt = Field(default=1, ge=1, le=10_000)
    reference: str | None = None
    description: str = ""


class _IIV(BaseModel):
    model_config = ConfigDict(extra="forbid")
    effects: list[str] = Field(min_length=1)
    omega: list[list[float]]


class _Population(BaseModel):
    model_config = ConfigDict(extra="forbid")
    hamd_baseline_min: StrictInt = Field(default=26, ge=0, le=52)
    hamd_baseline_max: StrictInt = Field(default=52, ge=0, le=52)
    weight_min_kg: float | None = Field(default=None, gt=0)
    weight_max_kg: float | None = Field(default=None, gt=0)
    antidepressant: Literal["allowed", "excluded", "only"] = "allowed"
    pk_variability: bool = True
    iiv: _IIV | None = None
    covariates: dict[str, dict[str, float]] | None = None


class _Arm(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1)
    regimen: str = Field(min_length=1)
    n: StrictInt = Field(ge=2, le=1_000_000)
    dropout: float = Field(default=0.0, ge=0.0, lt=1.0)


class _Visits(BaseModel):
    model_config = ConfigDict(extra="forbid")
    times_h: list[float] = Field(min_length=1)


class _Observations(BaseModel):
    model_config = ConfigDict(extra="forbid")
    pk_times_h: list[float] = Field(default_factory=list)
    dvids: list[str] | None = None


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    trial: _Trial
    population: _Population = _Population()
    arms: list[_Arm] = Field(min_length=1)
    visits: _Visits
    observations: _Observations | None = None
