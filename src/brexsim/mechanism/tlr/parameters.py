"""Parameters of the TLR layer: the ``tlr`` table, unit conversion, drug inhibition and the
subject random effects (between-subject variability).

Part of :mod:`brexsim.mechanism.tlr` (model, equations and states: the package docstring and
``docs/mechanism_inflammation.md``); :mod:`brexsim.mechanism.tlr.cells` and
:mod:`brexsim.mechanism.tlr.in_vivo` build on it.
"""

from __future__ import annotations

from collections.abc import Mapping

import jax
import jax.numpy as jnp
import numpy as np

from brexsim.errors import input_error
from brexsim.params import ParameterSet, load_parameters

jax.config.update("jax_enable_x64", True)

__all__ = [
    "CYTOKINES",
    "RANDOM_EFFECTS",
    "convert_ng_per_ml_to_uM",
    "get_drug_inhibition",
    "get_random_effects_from_normals",
    "get_tlr_parameters",
    "sample_inflammation_random_effects",
]

#: Cytokines in the order used by every array in this module.
CYTOKINES: tuple[str, ...] = ("tnf", "il1b", "il6")

#: Subject random effects of this layer: name -> the ``tlr.toml`` row holding its log-SD. Each is
#: log-normal with median 1 (a multiplier on the typical value).
RANDOM_EFFECTS: dict[str, str] = {
    "infl_basal_tone_scale": "bsv_basal_tone_logsd",
    "infl_ic50_scale": "bsv_ic50_logsd",
    "infl_reprogram_scale": "bsv_reprogram_logsd",
    "infl_donor_output_scale": "bsv_lps_response_logsd",
}

_LIP_KEYS = (
    "kprod_uM_per_s", "kdeg_per_s", "k1_per_s", "k2_per_uM_s", "k3_per_s", "a1_per_uM_s",
    "a2_per_uM_s", "t1_per_s", "a3_per_uM_s", "t2_per_s", "c1a_uM_per_s", "c3a_per_s",
    "c4a_per_s", "c5a_per_s", "c6a_per_s", "c1_uM_per_s", "c3_per_s", "c4_per_s", "c5_per_s",
    "i1_per_s", "e2a_per_s", "i1a_per_s", "e1a_per_s",
)  # fmt: skip


def get_tlr_parameters(params: ParameterSet | None = None) -> dict[str, float]:
    """The ``tlr`` table as ``{key: value}`` plus derived per-minute rates.

    Derived keys: Lipniacki rates ``lip_<name>`` converted to per minute under ``m_<name>``,
    ``traf6_gain`` (1 / the TRAF6 activity at saturated MyD88), the drug molecular masses.

    >>> p = get_tlr_parameters()
    >>> round(p["m_k1"], 4)  # 2.5e-3 /s = 0.15 /min
    0.15
    """
    ps = params if params is not None else load_parameters()
    p = dict(ps.get_layer("tlr"))
    for key in _LIP_KEYS:
        p[f"m_{key.split('_')[0]}"] = p[f"lip_{key}"] * 60.0
    kam, ki6 = p["traf6_kact_myd88_per_min"], p["traf6_ki_per_min"]
    p["traf6_gain"] = (kam + ki6) / kam
    p["mw_brexanolone"] = ps.value("brexanolone_pk.mw_g_per_mol")
    p["mw_zuranolone"] = ps.value("zuranolone_pk.mw_g_per_mol")
    return p


def convert_ng_per_ml_to_uM(conc_ng_per_ml, drug: str = "brexanolone", params=None):  # type: ignore[no-untyped-def]
    """Convert a total drug concentration from ng/mL to uM (1 ng/mL brexanolone = 3.14 nM).

    >>> round(float(convert_ng_per_ml_to_uM(318.5)), 6)
    1.0
    """
    p = params if isinstance(params, Mapping) else get_tlr_parameters(params)
    if drug not in ("brexanolone", "zuranolone"):
        raise input_error("drug", drug, "'brexanolone' or 'zuranolone'")
    return conc_ng_per_ml / p[f"mw_{drug}"]


def get_drug_inhibition(conc_total_uM, p: Mapping[str, float]):  # type: ignore[no-untyped-def]
    """Fraction of the MyD88 pool kept from TLR coupling: ``Imax C^n / (IC50^n + C^n)``.

    Works on floats, numpy and jax arrays. ``conc_total_uM`` is the TOTAL concentration
    (plasma, or in the tube for assays).

    >>> p = get_tlr_parameters()
    >>> float(get_drug_inhibition(0.0, p))
    0.0
    >>> 0.0 < float(get_drug_inhibition(1.0, p)) < p["drug_imax"]
    True
    """
    xp = jnp if isinstance(conc_total_uM, jax.Array) else np
    c = xp.maximum(xp.asarray(conc_total_uM, dtype=float), 0.0)
    n = p["drug_hill"]
    cn = c**n
    return p["drug_imax"] * cn / (p["drug_ic50_uM"] ** n + cn)


def get_random_effects_from_normals(
    z: np.ndarray, params: ParameterSet | Mapping[str, float] | None = None
) -> dict[str, np.ndarray]:
    """Map standard normal draws ``z`` (shape ``(n, 4)``, columns in :data:`RANDOM_EFFECTS`
    order) to the layer's multipliers ``exp(sd_k z_k)``.

    ``params``: a :class:`~brexsim.params.ParameterSet` (its ``tlr`` layer is used), the
    layer's ``{key: value}`` dict (:func:`get_tlr_parameters`), or ``None`` (the defaults).

    >>> z = np.zeros((1, len(RANDOM_EFFECTS)))
    >>> get_random_effects_from_normals(z, load_parameters())["infl_ic50_scale"].tolist()
    [1.0]
    """
    if params is None or isinstance(params, ParameterSet):
        p = get_tlr_parameters(params)
    else:  # the layer's own {key: value} (a ParameterSet is a Mapping too: test it first)
        p = params
    z = np.asarray(z, dtype=float)
    if z.ndim != 2 or z.shape[1] != len(RANDOM_EFFECTS):
        raise input_error("z", z.shape, f"an array of shape (n, {len(RANDOM_EFFECTS)})")
    return {name: np.exp(p[row] * z[:, k]) for k, (name, row) in enumerate(RANDOM_EFFECTS.items())}


def sample_inflammation_random_effects(n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Between-subject variability of the inflammation layer (log-normal multipliers, median 1).

    Keys (see :data:`RANDOM_EFFECTS`): ``infl_basal_tone_scale`` (pass as ``basal_tone_scale``),
    ``infl_ic50_scale`` and ``infl_reprogram_scale`` (pass to :func:`make_in_vivo_args` /
    :func:`simulate_inflammation`), ``infl_donor_output_scale`` (multiplies the ex vivo
    stimulated output; :mod:`brexsim.calibration.balan`). The log-SDs are the ``bsv_*`` rows of
    ``tlr.toml`` (calibrated to Balan 2023 by ``brexsim calibrate-balan``). Draws ``4 n``
    standard normals from ``rng``.

    >>> re = sample_inflammation_random_effects(3, np.random.default_rng(0))
    >>> sorted(re)[0], re["infl_ic50_scale"].shape
    ('infl_basal_tone_scale', (3,))
    """
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 0:
        raise input_error("n", n, "an integer >= 0")
    return get_random_effects_from_normals(rng.standard_normal((int(n), len(RANDOM_EFFECTS))))
