"""Immutable dosing regimens: IV infusion segments, oral doses, interruptions.

Units: time in hours from t = 0 (the start of the first dose); IV rates in µg/kg/h (per kg of body
weight); oral doses in mg; clock time of t = 0 in hours after midnight.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field, replace
from typing import Literal

from brexsim.errors import input_error

__all__ = [
    "DRUGS",
    "IVSegment",
    "Interruption",
    "OralDose",
    "Regimen",
    "get_segment_doses_ug_per_kg",
    "get_total_dose",
    "interrupt",
]

Drug = Literal["brexanolone", "zuranolone"]
Setting = Literal["inpatient", "outpatient"]
DRUGS: tuple[str, ...] = ("brexanolone", "zuranolone")
SETTINGS: tuple[str, ...] = ("inpatient", "outpatient")

#: Highest IV rate studied (Zulresso PI §12.3; also in params brexanolone_pk.max_rate_ug_per_kg_h).
MAX_STUDIED_RATE_UG_PER_KG_H = 270.0
#: Highest single oral zuranolone dose studied (Hoffmann 2020; params zuranolone_pk.max_dose_mg).
MAX_STUDIED_ORAL_MG = 66.0
#: Longest schedule accepted (h): 90 days, the longest horizon the trial layer allows.
MAX_TIME_H = 2160.0


def _check_number(name: str, value: object, lo: float, hi: float, context: str = "") -> float:
    if isinstance(value, bool):
        raise input_error(name, value, f"a finite number in [{lo:g}, {hi:g}]", context)
    try:
        x = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise input_error(name, value, f"a finite number in [{lo:g}, {hi:g}]", context) from None
    if not math.isfinite(x) or x < lo or x > hi:
        raise input_error(name, value, f"a finite number in [{lo:g}, {hi:g}]", context)
    return x


@dataclass(frozen=True)
class IVSegment:
    """A constant-rate IV infusion from ``start_h`` to ``end_h`` at ``rate_ug_per_kg_h``.

    >>> IVSegment(0.0, 4.0, 30.0).dose_ug_per_kg
    120.0
    """

    start_h: float
    end_h: float
    rate_ug_per_kg_h: float

    def __post_init__(self) -> None:
        ctx = f"IV segment {self.start_h}-{self.end_h} h"
        object.__setattr__(
            self, "start_h", _check_number("start_h", self.start_h, 0.0, MAX_TIME_H, ctx)
        )
        object.__setattr__(self, "end_h", _check_number("end_h", self.end_h, 0.0, MAX_TIME_H, ctx))
        object.__setattr__(
            self,
            "rate_ug_per_kg_h",
            _check_number("rate_ug_per_kg_h", self.rate_ug_per_kg_h, 0.0, math.inf, ctx),
        )
        if self.end_h <= self.start_h:
            raise input_error("end_h", self.end_h, f"greater than start_h={self.start_h}", ctx)

    @property
    def duration_h(self) -> float:
        """Length of the segment, h."""
        return self.end_h - self.start_h

    @property
    def dose_ug_per_kg(self) -> float:
        """Amount delivered, µg/kg."""
        return self.rate_ug_per_kg_h * self.duration_h


@dataclass(frozen=True)
class OralDose:
    """One oral dose of ``mg`` at ``time_h``, with or without food.

    >>> OralDose(20.0, 50.0).with_food
    True
    """

    time_h: float
    mg: float
    with_food: bool = True

    def __post_init__(self) -> None:
        ctx = f"oral dose at {self.time_h} h"
        object.__setattr__(
            self, "time_h", _check_number("time_h", self.time_h, 0.0, MAX_TIME_H, ctx)
        )
        object.__setattr__(self, "mg", _check_number("mg", self.mg, 0.0, math.inf, ctx))
        if not isinstance(self.with_food, bool):
            raise input_error("with_food", self.with_food, "true or false", ctx)


@dataclass(frozen=True)
class Interruption:
    """A pause from ``start_h`` to ``end_h``, resumed at ``resume_rate_ug_per_kg_h``.

    ``resume_rate_ug_per_kg_h`` is ``None`` when the infusion resumes at the scheduled rate, and
    ``end_h`` equal to the end of the schedule means it was stopped for good.
    """

    start_h: float
    end_h: float
    resume_rate_ug_per_kg_h: float | None = None
    reason: str = ""


@dataclass(frozen=True)
class Regimen:
    """A dosing regimen (immutable; change it with :func:`dataclasses.replace` or verbs).

    Parameters
    ----------
    drug : {"brexanolone", "zuranolone"}
        Brexanolone is given IV only (oral bioavailability <5 %); zuranolone orally only.
    segments : tuple of IVSegment
        Non-overlapping IV infusion segments, sorted by start. Zero-rate segments are allowed
        (a placebo infusion frame).
    oral_doses : tuple of OralDose
        Oral doses, sorted by time. Zero-mg doses are allowed (placebo tablets).
    setting : {"inpatient", "outpatient"}, optional
        Care setting (the placebo course depends on it). Default: inpatient for IV, outpatient
        for oral.
    start_clock_h : float, optional
        Clock time of t = 0 in hours after midnight. Default 8.0 for IV (the label advises
        starting early in the day), 20.0 for oral (evening dosing).
    name : str
        A label.
    allow_above_studied : bool
        Accept rates above 270 µg/kg/h or oral doses above 66 mg (the studied maxima).
    interruptions : tuple of Interruption
        Record of pauses applied with :func:`interrupt`.

    Examples
    --------
    >>> r = Regimen("brexanolone", segments=(IVSegment(0, 4, 30), IVSegment(4, 24, 60)))
    >>> r.setting, r.start_clock_h, r.end_of_treatment_h
    ('inpatient', 8.0, 24.0)
    >>> get_total_dose(r, weight_kg=70.0)  # mg
    92.4
    """

    drug: str
    segments: tuple[IVSegment, ...] = ()
    oral_doses: tuple[OralDose, ...] = ()
    setting: str | None = None
    start_clock_h: float | None = None
    name: str = "custom"
    allow_above_studied: bool = False
    interruptions: tuple[Interruption, ...] = field(default=())

    def __post_init__(self) -> None:
        if self.drug not in DRUGS:
            raise input_error("drug", self.drug, f"one of {list(DRUGS)}")
        segs = tuple(s if isinstance(s, IVSegment) else IVSegment(*s) for s in self.segments)
        doses = tuple(d if isinstance(d, OralDose) else OralDose(*d) for d in self.oral_doses)
        segs = tuple(sorted(segs, key=lambda s: s.start_h))
        doses = tuple(sorted(doses, key=lambda d: d.time_h))
        object.__setattr__(self, "segments", segs)
        object.__setattr__(self, "oral_doses", doses)
        object.__setattr__(self, "interruptions", tuple(self.interruptions))
        if not segs and not doses:
            raise input_error("regimen", self.name, "at least one IV segment or oral dose")
        if self.drug == "brexanolone" and doses:
            raise input_error(
                "oral_doses", len(doses), "none for brexanolone (IV only; oral F <5 %)"
            )
        if self.drug == "zuranolone" and segs:
            raise input_error("segments", len(segs), "none for zuranolone (oral only)")
        for a, b in itertools.pairwise(segs):
            if b.start_h < a.end_h - 1e-12:
                raise input_error(
                    "segments",
                    f"{a.start_h}-{a.end_h} h and {b.start_h}-{b.end_h} h",
                    "non-overlapping infusion segments",
                )
        if not self.allow_above_studied:
            for s in segs:
                if s.rate_ug_per_kg_h > MAX_STUDIED_RATE_UG_PER_KG_H:
                    raise input_error(
                        "rate_ug_per_kg_h",
                        s.rate_ug_per_kg_h,
                        f"at most {MAX_STUDIED_RATE_UG_PER_KG_H:g} µg/kg/h (studied maximum, "
                        "Zulresso PI §12.3) unless allow_above_studied=True",
                        f"IV segment {s.start_h}-{s.end_h} h",
                    )
            for d in doses:
                if d.mg > MAX_STUDIED_ORAL_MG:
                    raise input_error(
                        "mg",
                        d.mg,
                        f"at most {MAX_STUDIED_ORAL_MG:g} mg per dose (studied maximum, "
                        "Hoffmann 2020) unless allow_above_studied=True",
                        f"oral dose at {d.time_h} h",
                    )
        setting = self.setting or ("inpatient" if segs else "outpatient")
        if setting not in SETTINGS:
            raise input_error("setting", self.setting, f"one of {list(SETTINGS)}")
        object.__setattr__(self, "setting", setting)
        clock = self.start_clock_h
        if clock is None:
            clock = 8.0 if segs else 20.0
        object.__setattr__(
            self, "start_clock_h", _check_number("start_clock_h", clock, 0.0, 24.0 - 1e-9)
        )

    # -- queries -------------------------------------------------------------------------
    @property
    def is_iv(self) -> bool:
        """True for an IV regimen."""
        return bool(self.segments)

    @property
    def is_placebo(self) -> bool:
        """True when no drug is delivered (zero rates / zero-mg doses)."""
        return get_total_dose(self, weight_kg=1.0) == 0.0

    @property
    def dosing_interval_h(self) -> float | None:
        """Median spacing of oral doses (h), or None for IV or a single dose."""
        if len(self.oral_doses) < 2:
            return None
        gaps = sorted(
            b.time_h - a.time_h for a, b in zip(self.oral_doses, self.oral_doses[1:], strict=False)
        )
        return gaps[len(gaps) // 2]

    @property
    def end_of_treatment_h(self) -> float:
        """End of the last infusion, or last oral dose + one dosing interval (24 h if single)."""
        if self.segments:
            return max(s.end_h for s in self.segments)
        last = self.oral_doses[-1].time_h
        return last + (self.dosing_interval_h or 24.0)

    @property
    def jump_times_h(self) -> tuple[float, ...]:
        """Times where the input changes (solver jump times), sorted and unique."""
        t = {s.start_h for s in self.segments} | {s.end_h for s in self.segments}
        t |= {d.time_h for d in self.oral_doses}
        return tuple(sorted(t))

    def get_rate_ug_per_kg_h(self, t_h: float) -> float:
        """Infusion rate in effect at ``t_h`` (segments are [start, end)).

        >>> Regimen("brexanolone", segments=((0, 4, 30),)).get_rate_ug_per_kg_h(3.9)
        30.0
        """
        for s in self.segments:
            if s.start_h <= t_h < s.end_h:
                return s.rate_ug_per_kg_h
        return 0.0


def get_total_dose(regimen: Regimen, weight_kg: float | None = None) -> float:
    """Total dose: mg for oral regimens; mg for IV when ``weight_kg`` is given, else µg/kg.

    >>> get_total_dose(Regimen("zuranolone", oral_doses=((0, 50), (24, 50))))
    100.0
    """
    if regimen.oral_doses:
        return float(sum(d.mg for d in regimen.oral_doses))
    per_kg = float(sum(s.dose_ug_per_kg for s in regimen.segments))
    if weight_kg is None:
        return per_kg
    w = _check_number("weight_kg", weight_kg, 1e-9, 500.0)
    return per_kg * w / 1000.0


def get_segment_doses_ug_per_kg(regimen: Regimen) -> tuple[float, ...]:
    """Dose of each IV segment, µg/kg.

    >>> from brexsim.dosing import get_preset
    >>> get_segment_doses_ug_per_kg(get_preset("zulresso"))
    (120.0, 1200.0, 2520.0, 240.0, 120.0)
    """
    return tuple(s.dose_ug_per_kg for s in regimen.segments)


def interrupt(
    regimen: Regimen,
    start_h: float,
    end_h: float | None = None,
    resume_rate_ug_per_kg_h: float | None = None,
    reduce_later: bool = False,
    reason: str = "",
) -> Regimen:
    """Pause an IV regimen from ``start_h`` to ``end_h`` and resume at the same or a lower rate.

    The schedule's end is unchanged (the label does not extend the 60-h course), so a pause
    lowers the delivered dose.

    Parameters
    ----------
    regimen : Regimen
        An IV regimen.
    start_h, end_h : float, h
        The pause window. ``end_h=None`` stops the infusion for good (e.g. hypoxia).
    resume_rate_ug_per_kg_h : float, optional
        Rate after the pause for the rest of the interrupted segment; must not exceed the
        scheduled rate ("same or lower", Zulresso PI §2.1). ``None`` resumes as scheduled.
    reduce_later : bool
        Also cap every later segment at ``resume_rate_ug_per_kg_h``.

    Examples
    --------
    >>> from brexsim.dosing import get_preset
    >>> r = interrupt(get_preset("zulresso"), 30.0, 31.0, resume_rate_ug_per_kg_h=60.0)
    >>> [(s.start_h, s.end_h, s.rate_ug_per_kg_h) for s in r.segments[2:6]]
    [(24.0, 30.0, 90.0), (30.0, 31.0, 0.0), (31.0, 52.0, 60.0), (52.0, 56.0, 60.0)]
    >>> get_total_dose(r)  # µg/kg: 4200 - 90 (1 h paused) - 21 h x 30
    3480.0
    """
    if not regimen.segments:
        raise input_error("regimen", regimen.name, "an IV regimen (oral doses cannot be paused)")
    end_of = regimen.end_of_treatment_h
    start = _check_number("start_h", start_h, 0.0, end_of)
    stop = end_of if end_h is None else _check_number("end_h", end_h, start, end_of)
    if stop <= start:
        raise input_error("end_h", end_h, f"greater than start_h={start}")
    sched_at_resume = regimen.get_rate_ug_per_kg_h(stop)
    cap: float | None = None
    if resume_rate_ug_per_kg_h is not None:
        cap = _check_number("resume_rate_ug_per_kg_h", resume_rate_ug_per_kg_h, 0.0, math.inf)
        if stop < end_of and cap > sched_at_resume + 1e-12:
            raise input_error(
                "resume_rate_ug_per_kg_h",
                resume_rate_ug_per_kg_h,
                f"at most the scheduled rate {sched_at_resume:g} µg/kg/h at {stop:g} h "
                "(resume at the same or a lower dose, Zulresso PI §2.1)",
            )
    new: list[IVSegment] = []
    for s in regimen.segments:
        if s.start_h < start:
            new.append(IVSegment(s.start_h, min(s.end_h, start), s.rate_ug_per_kg_h))
        if s.end_h > stop:
            lo = max(s.start_h, stop)
            in_effect_at_resume = s.start_h <= stop < s.end_h
            capped = cap is not None and (in_effect_at_resume or reduce_later)
            rate = min(s.rate_ug_per_kg_h, cap) if capped else s.rate_ug_per_kg_h  # type: ignore[type-var]
            new.append(IVSegment(lo, s.end_h, rate))
    new.append(IVSegment(start, stop, 0.0))  # the pause keeps the treatment frame
    rec = Interruption(start, stop, resume_rate_ug_per_kg_h, reason)
    return replace(regimen, segments=tuple(new), interruptions=(*regimen.interruptions, rec))
