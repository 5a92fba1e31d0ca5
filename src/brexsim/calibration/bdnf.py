"""Calibration of the BDNF layer (re-runnable; writes ``gaba_weight`` and ``inflammation_weight``).

Target: under the ``zulresso`` regimen (70 kg), the rise of serum BDNF at day 30 (720 h) equals
the Brunoni 2008 prior, +0.62 SD (SD 8.33 ng/mL; post- vs pre-treatment SMD, 95 % CI 0.36-0.88,
from studies that measured BDNF after weeks of treatment, so day 30 is the matching time point),
with the drive split by ``gaba_share`` between the GABAergic tone (default index) and lower
inflammation (TLR layer's plasma TNF-a fold change), the split defined on the drive AUC over the
30 days. The model is linear in the two weights, so the fit is two unit-weight simulations and
one division.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from brexsim.calibration.tables import write_parameter_values
from brexsim.params import load_parameters, override_parameters

__all__ = ["BdnfCalibration", "calibrate_bdnf", "get_reference_inputs"]

REFERENCE_REGIMEN = "zulresso"
REFERENCE_WEIGHT_KG = 70.0
HORIZON_H = 720.0
#: Time of the calibration target (day 30), h.
TARGET_H = 720.0


def get_reference_inputs(params=None):  # type: ignore[no-untyped-def]
    """Time grid, plasma drug, default GABAergic tone and TNF fold change under zulresso."""
    from brexsim.dosing import get_preset
    from brexsim.mechanism.bdnf import get_default_gaba_tone
    from brexsim.mechanism.tlr import simulate_inflammation
    from brexsim.pk import simulate_pk

    ps = params or load_parameters()
    t = np.arange(0.0, HORIZON_H + 1.0, 1.0)
    regimen = get_preset(REFERENCE_REGIMEN)
    c = simulate_pk(regimen, REFERENCE_WEIGHT_KG, t, ps).plasma_drug_ng_per_ml
    g = get_default_gaba_tone(c, regimen.drug, None)
    infl = simulate_inflammation(t, c, ps, regimen.drug).get_fold_change("tnf")
    return t, c, g, infl


@dataclass(frozen=True)
class BdnfCalibration:
    """Result of :func:`calibrate_bdnf`."""

    gaba_weight: float
    inflammation_weight: float
    day30_change_sd: float
    h60_change_sd: float
    day7_change_sd: float
    peak_change_sd: float
    peak_day: float


def calibrate_bdnf(write: bool = True) -> BdnfCalibration:
    """Fit the two drive weights to the Brunoni prior at day 30; write them into ``bdnf.toml``."""
    from brexsim.mechanism.bdnf import get_bdnf_parameters, simulate_bdnf

    ps = load_parameters()
    p = get_bdnf_parameters(ps)
    t, _, g, infl = get_reference_inputs(ps)
    auc_g = float(np.trapezoid(g - g[0], t))
    auc_i = float(np.trapezoid(1.0 - infl, t))
    share = p["gaba_share"]
    w_g1, w_i1 = share / auc_g, (1.0 - share) / auc_i
    unit = override_parameters(ps, {"bdnf.gaba_weight": w_g1, "bdnf.inflammation_weight": w_i1})
    res = simulate_bdnf(t, gaba_tone=g, inflammation_index=infl, params=unit)
    a = p["prior_smd"] / float(np.interp(TARGET_H, t, res.get_change_sd()))
    w_g, w_i = a * w_g1, a * w_i1
    if write:
        write_parameter_values({"bdnf.gaba_weight": w_g, "bdnf.inflammation_weight": w_i})
    check = simulate_bdnf(
        t,
        gaba_tone=g,
        inflammation_index=infl,
        params=override_parameters(ps, {"bdnf.gaba_weight": w_g, "bdnf.inflammation_weight": w_i}),
    )
    d = check.get_change_sd()
    return BdnfCalibration(
        gaba_weight=w_g,
        inflammation_weight=w_i,
        day30_change_sd=float(np.interp(TARGET_H, t, d)),
        h60_change_sd=float(np.interp(60.0, t, d)),
        day7_change_sd=float(np.interp(168.0, t, d)),
        peak_change_sd=float(d.max()),
        peak_day=float(t[int(np.argmax(d))] / 24.0),
    )
