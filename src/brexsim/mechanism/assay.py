"""Ex vivo whole-blood stimulation assays (LPS -> TLR4, imiquimod -> TLR7, poly(I:C) -> TLR3).

A blood sample taken at some time carries the subject's state into the tube: the slow innate
state, the cells' quasi-steady signalling state, the plasma cytokines and the drug. In the tube
the blood is diluted by the assay medium (blood fraction ``fb``, default 0.5 = 1:1, dilution
factor 2), so the drug the cells see is the sample's TOTAL concentration x ``fb``. The stimulus
is added at t = 0 and the minute-scale cell model (:func:`brexsim.mechanism.tlr.simulate_cells`)
runs for the incubation time.

Read-outs per cytokine: secreted (pg/mL of culture supernatant), cell-associated (pg per mL of
blood, the whole-blood cell lysate that Balan 2023 measured), and the fold change of each from the
same subject's baseline sample.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from brexsim.errors import input_error
from brexsim.mechanism.tlr import (
    CYTOKINES,
    CellInputs,
    InflammationResult,
    _freeze,
    _steady_state_cached,
    convert_ng_per_ml_to_uM,
    get_tlr_parameters,
    simulate_cells,
)
from brexsim.params import ParameterSet

__all__ = ["STIMULI", "AssayResult", "BloodSample", "get_blood_sample", "simulate_assay"]

#: Stimuli and the unit of their dose.
STIMULI: dict[str, str] = {"LPS": "ng/mL", "IMQ": "ug/mL", "pIC": "uM (model units)", "basal": "-"}


@dataclass(frozen=True)
class BloodSample:
    """A subject's blood at a sampling time.

    Attributes
    ----------
    time_h : float, h
    drug_total_ng_per_ml : float, ng/mL
        Total drug concentration in the sample's plasma (carried into the tube).
    innate_state : float
        Slow innate state (coupling capacity, 1 = baseline).
    plasma_pg_per_ml : tuple of 3 floats, optional
        Plasma TNF-a, IL-1b, IL-6 (carried into the tube); default the table baselines.
    drug : str
    basal_tone_scale : float
        Subject multiplier on the basal TLR tone.
    """

    time_h: float
    drug_total_ng_per_ml: float = 0.0
    innate_state: float = 1.0
    plasma_pg_per_ml: tuple[float, float, float] | None = None
    drug: str = "brexanolone"
    basal_tone_scale: float = 1.0

    def __post_init__(self) -> None:
        for name in ("drug_total_ng_per_ml", "innate_state", "basal_tone_scale", "time_h"):
            v = getattr(self, name)
            if not (isinstance(v, int | float) and math.isfinite(v) and v >= 0):
                raise input_error(name, v, "a finite number >= 0")
        if self.innate_state > 1.0 + 1e-9:
            raise input_error("innate_state", self.innate_state, "a number in [0, 1]")
        if self.plasma_pg_per_ml is not None and (
            len(self.plasma_pg_per_ml) != 3
            or not all(math.isfinite(x) and x >= 0 for x in self.plasma_pg_per_ml)
        ):
            raise input_error("plasma_pg_per_ml", self.plasma_pg_per_ml, "3 finite values >= 0")


def get_blood_sample(
    result: InflammationResult, time_h: float, basal_tone_scale: float = 1.0
) -> BloodSample:
    """The blood state at ``time_h`` (linear interpolation in an in vivo result).

    >>> import numpy as np
    >>> from brexsim.mechanism.tlr import simulate_inflammation
    >>> t = np.arange(0.0, 73.0)
    >>> s = get_blood_sample(simulate_inflammation(t, np.where(t < 60, 80.0, 0.0)), 60.0)
    >>> s.innate_state < 1.0
    True
    """
    t = result.time_h
    if not (t[0] <= time_h <= t[-1]):
        raise input_error("time_h", time_h, f"a time within the simulation [{t[0]}, {t[-1]}] h")

    def at(v: np.ndarray) -> float:
        return float(np.interp(time_h, t, v))

    return BloodSample(
        time_h=float(time_h),
        drug_total_ng_per_ml=max(at(result.plasma_total_ng_per_ml), 0.0),
        innate_state=min(max(at(result.innate_state), 0.0), 1.0),
        plasma_pg_per_ml=tuple(at(getattr(result, f"{c}_pg_per_ml")) for c in CYTOKINES),  # type: ignore[arg-type]
        drug=result.drug,
        basal_tone_scale=basal_tone_scale,
    )


@dataclass(frozen=True)
class AssayResult:
    """Output of :func:`simulate_assay` (dicts keyed by cytokine: tnf, il1b, il6).

    ``fold_secreted`` / ``fold_cell`` are ``None`` without a baseline sample.
    """

    time_h: float
    stimulus: str
    dose: float
    incubation_h: float
    blood_fraction: float
    drug_in_tube_uM: float
    secreted_pg_per_ml: dict[str, float]
    cell_pg_per_ml_blood: dict[str, float]
    fold_secreted: dict[str, float] | None = field(default=None)
    fold_cell: dict[str, float] | None = field(default=None)


def _run(
    sample: BloodSample,
    stimulus: str,
    dose: float,
    incubation_h: float,
    fb: float,
    p: dict,
) -> tuple[dict[str, float], dict[str, float], float]:
    c_uM = float(convert_ng_per_ml_to_uM(sample.drug_total_ng_per_ml, sample.drug, p))
    in_vivo = CellInputs(
        drug_total_uM=c_uM,
        innate_state=sample.innate_state,
        basal_tone_scale=sample.basal_tone_scale,
    )
    y0 = _steady_state_cached(in_vivo, _freeze(p)).copy()
    plasma = sample.plasma_pg_per_ml or tuple(p[f"{c}_baseline_pg_per_ml"] for c in CYTOKINES)
    for j, c in enumerate(CYTOKINES):  # plasma cytokine carried into the tube, diluted
        y0[-3 + j] = fb * plasma[j] / p[f"{c}_scale_pg_per_ml"]
    tube = CellInputs(
        lps_ng_per_ml=dose if stimulus == "LPS" else 0.0,
        imq_ug_per_ml=dose if stimulus == "IMQ" else 0.0,
        pic_uM=dose if stimulus == "pIC" else 0.0,
        drug_total_uM=c_uM * fb,
        innate_state=sample.innate_state,
        basal_tone_scale=sample.basal_tone_scale,
        blood_fraction=fb,
    )
    out = simulate_cells(np.array([0.0, 60.0 * incubation_h]), tube, y0=y0, params=p)
    sec = {c: float(out[f"{c}_secreted_pg_per_ml"][-1]) for c in CYTOKINES}
    cell = {c: float(out[f"{c}_cell_pg_per_ml_blood"][-1]) for c in CYTOKINES}
    return sec, cell, c_uM * fb


def simulate_assay(
    sample: BloodSample,
    stimulus: str = "LPS",
    dose: float | None = None,
    incubation_h: float | None = None,
    blood_fraction: float | None = None,
    baseline: BloodSample | None = None,
    params: ParameterSet | None = None,
) -> AssayResult:
    """Stimulate a blood sample ex vivo and read out cytokines.

    Parameters
    ----------
    sample : BloodSample
        The subject's blood at the sampling time (see :func:`get_blood_sample`).
    stimulus : "LPS", "IMQ", "pIC" or "basal"
        LPS (TLR4, dose ng/mL), imiquimod (TLR7, ug/mL), poly(I:C) (TLR3/TRIF only, model
        units), or no stimulus.
    dose : float, optional
        Stimulus concentration in the tube (defaults from ``tlr.toml``: LPS 10 ng/mL,
        IMQ 5 ug/mL; pIC 10).
    incubation_h : float, optional
        Incubation time (default 4 h).
    blood_fraction : float, optional
        Blood volume fraction in the tube (default 0.5: blood:medium 1:1, so the drug carried
        with the blood is diluted 2-fold).
    baseline : BloodSample, optional
        The same subject's baseline sample; if given, fold changes are reported.

    >>> s0 = BloodSample(0.0)
    >>> s1 = BloodSample(60.0, drug_total_ng_per_ml=80.0, innate_state=0.8)
    >>> r = simulate_assay(s1, "LPS", baseline=s0)
    >>> r.fold_secreted["tnf"] < 1.0
    True
    """
    p = get_tlr_parameters(params)
    if stimulus not in STIMULI:
        raise input_error("stimulus", stimulus, f"one of {sorted(STIMULI)}")
    defaults = {
        "LPS": p["assay_lps_ng_per_ml"],
        "IMQ": p["assay_imq_ug_per_ml"],
        "pIC": 10.0,
        "basal": 0.0,
    }
    d = defaults[stimulus] if dose is None else float(dose)
    if not (math.isfinite(d) and 0.0 <= d <= 1e5):
        raise input_error("dose", dose, "a finite concentration in [0, 1e5]")
    inc = p["assay_incubation_h"] if incubation_h is None else float(incubation_h)
    if not (math.isfinite(inc) and 0.0 <= inc <= 72.0):
        raise input_error("incubation_h", incubation_h, "a time in [0, 72] h")
    fb = p["assay_blood_fraction"] if blood_fraction is None else float(blood_fraction)
    if not (math.isfinite(fb) and 0.0 < fb <= 1.0):
        raise input_error("blood_fraction", blood_fraction, "a fraction in (0, 1]")
    if not isinstance(sample, BloodSample):
        raise input_error("sample", type(sample).__name__, "a BloodSample")
    sec, cell, c_tube = _run(sample, stimulus, d, inc, fb, p)
    fold_s = fold_c = None
    if baseline is not None:
        sec0, cell0, _ = _run(baseline, stimulus, d, inc, fb, p)
        if min(*sec0.values(), *cell0.values()) <= 0.0:
            raise input_error("baseline", baseline, "a sample with non-zero baseline read-outs")
        fold_s = {c: sec[c] / sec0[c] for c in CYTOKINES}
        fold_c = {c: cell[c] / cell0[c] for c in CYTOKINES}
    return AssayResult(
        time_h=sample.time_h,
        stimulus=stimulus,
        dose=d,
        incubation_h=inc,
        blood_fraction=fb,
        drug_in_tube_uM=c_tube,
        secreted_pg_per_ml=sec,
        cell_pg_per_ml_blood=cell,
        fold_secreted=fold_s,
        fold_cell=fold_c,
    )
