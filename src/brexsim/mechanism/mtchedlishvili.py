"""The Mtchedlishvili 2001 experiment, simulated.

Mtchedlishvili, Bertram & Kapur (J Physiol 2001;537:453) acutely isolated dentate granule cells
(DGCs) from control and chronically epileptic rats, applied a sub-maximal GABA concentration with
a series of allopregnanolone concentrations and measured the PEAK whole-cell current. The
apparent EC50 of the enhancement was 12.9 +/- 2.3 nM (control) and 92.7 +/- 13.4 nM (epileptic).

Here the same experiment is run on the model cell: its peak test current is the sum of the
currents of its receptor subtypes (alpha1beta-gamma2, alpha4beta-gamma2, alpha4beta-delta), each
potentiated by its own Hill curve plus direct gating (:mod:`brexsim.mechanism.gabaa`); the
enhancement curve is then fitted with a Hill function (``scipy.optimize.curve_fit``), exactly as
an experimenter would, to give the APPARENT EC50, Hill slope and Emax. The ``epileptic`` cell
differs from the ``control`` cell only by its receptor composition (alpha1 -> alpha4 partner
switch, fewer delta receptors, more gamma2 receptors in proportion to the larger maximal GABA
current), never by a typed-in EC50.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from scipy.optimize import OptimizeWarning, curve_fit

from brexsim.errors import input_error
from brexsim.mechanism.gabaa import (
    DRUGS,
    SENSITIVITIES,
    GabaaParams,
    _subtype_e,
    compute_direct_gating,
    get_gabaa_params,
)
from brexsim.params import ParameterSet, load_parameters

__all__ = [
    "ExperimentResult",
    "fit_hill",
    "get_cell_composition",
    "get_concentration_series",
    "run_mtchedlishvili",
    "simulate_enhancement_pct",
]


@dataclass(frozen=True)
class ExperimentResult:
    """Outcome of one simulated experiment.

    Attributes
    ----------
    sensitivity : str
        ``control`` or ``epileptic``.
    conc_nM : ndarray
        Allopregnanolone concentrations applied (free, nM).
    enhancement_pct : ndarray
        Enhancement of the peak test current, % of the current without steroid.
    ec50_nM, hill, emax_pct : float
        Hill fit of the simulated curve (apparent EC50, slope, maximal enhancement in %).
    composition : dict
        Share of the control-free test current carried by each subtype.
    """

    sensitivity: str
    conc_nM: np.ndarray
    enhancement_pct: np.ndarray
    ec50_nM: float
    hill: float
    emax_pct: float
    composition: dict[str, float]


def get_concentration_series(params: ParameterSet | None = None) -> np.ndarray:
    """The allopregnanolone series of the simulated experiment (nM, log-spaced).

    >>> get_concentration_series()[[0, -1]]
    array([   1., 1000.])
    """
    g = (params or load_parameters()).get_layer("gabaa")
    return np.geomspace(g["mtch_conc_min_nM"], g["mtch_conc_max_nM"], int(g["mtch_n_conc"]))


def get_cell_composition(
    sensitivity: str = "control", params: ParameterSet | None = None
) -> dict[str, float]:
    """Shares of the peak test current carried by each receptor subtype in an isolated DGC.

    Control: delta share ``mtch_delta_share_control``; gamma2 receptors split by
    ``a4_share_gamma2_control``. Epileptic: delta receptors scaled by
    ``delta_retained_epileptic``; gamma2 receptors scaled so that the total maximal current rises
    by the measured 1394/765; gamma2 split by ``a4_share_gamma2_epileptic``. Shares are of the
    cell's own drug-free current (they sum to 1).

    >>> comp = get_cell_composition("epileptic")
    >>> round(sum(comp.values()), 12), comp["a4g2"] > get_cell_composition()["a4g2"]
    (1.0, True)
    """
    if sensitivity not in SENSITIVITIES:
        raise input_error("sensitivity", sensitivity, f"one of {list(SENSITIVITIES)}")
    g = (params or load_parameters()).get_layer("gabaa")
    s_d = g["mtch_delta_share_control"]
    if sensitivity == "control":
        x = g["a4_share_gamma2_control"]
        raw = {"a1g2": (1 - s_d) * (1 - x), "a4g2": (1 - s_d) * x, "delta": s_d}
    else:
        x = g["a4_share_gamma2_epileptic"]
        ratio = g["mtch_gaba_max_current_epileptic_pA"] / g["mtch_gaba_max_current_control_pA"]
        d = s_d * g["delta_retained_epileptic"]
        g2 = ratio - d
        raw = {"a1g2": g2 * (1 - x), "a4g2": g2 * x, "delta": d}
    total = sum(raw.values())
    return {k: v / total for k, v in raw.items()}


def simulate_enhancement_pct(
    conc_nM,
    sensitivity: str = "control",
    params: ParameterSet | None = None,
    drug: str = "brexanolone",
    gabaa: GabaaParams | None = None,
) -> np.ndarray:
    """Enhancement (%) of the peak current to the test GABA concentration in an isolated DGC.

    ``I(c)/I(0) = sum_j s_j * (1 + E_j(c) + D_j(c)/f)`` with subtype shares ``s_j``, subtype
    potentiation ``E_j``, direct gating ``D_j`` and the test fraction ``f`` of maximal current.

    >>> e = simulate_enhancement_pct([0.0, 12.9, 1000.0])
    >>> float(e[0]), bool(0 < e[1] < e[2])
    (0.0, True)
    """
    if drug not in DRUGS:
        raise input_error("drug", drug, f"one of {list(DRUGS)}")
    c = np.asarray(conc_nM, dtype=float)
    if not np.all(np.isfinite(c)) or np.any(c < 0):
        raise input_error("conc_nM", conc_nM, "finite concentrations >= 0 nM")
    ps = params or load_parameters()
    p = gabaa if gabaa is not None else get_gabaa_params(ps, sensitivity)
    f = ps.value("gabaa.mtch_gaba_test_fraction")
    allo, zur = (c, np.zeros_like(c)) if drug == "brexanolone" else (np.zeros_like(c), c)
    comp = get_cell_composition(sensitivity, ps)
    rel = np.zeros_like(c)
    for sub, share in comp.items():
        d_max = p.direct_max_delta if sub == "delta" else p.direct_max_gamma2
        e = np.asarray(_subtype_e(allo, zur, p, sub))
        d = np.asarray(compute_direct_gating(allo, zur, p, d_max))
        rel = rel + share * (1.0 + e + d / f)
    return 100.0 * (rel - 1.0)


def _hill(c, emax, log_ec50, n):
    cn = np.power(c, n)
    return emax * cn / (cn + np.exp(n * log_ec50))


def fit_hill(conc_nM, enhancement_pct) -> tuple[float, float, float]:
    """Fit ``Emax c^n / (c^n + EC50^n)`` to an enhancement curve; returns (EC50 nM, n, Emax %).

    >>> c = np.geomspace(1, 1000, 7)
    >>> ec50, n, emax = fit_hill(c, 200 * c / (c + 20.0))
    >>> round(ec50, 3), round(n, 3), round(emax, 3)
    (20.0, 1.0, 200.0)
    """
    c = np.asarray(conc_nM, dtype=float)
    y = np.asarray(enhancement_pct, dtype=float)
    keep = c > 0
    c, y = c[keep], y[keep]
    if c.size < 3:
        raise input_error("conc_nM", conc_nM, "at least 3 concentrations > 0 nM")
    ymax = float(np.max(y))
    half = np.interp(0.5 * ymax, y, np.log(c)) if np.all(np.diff(y) > 0) else np.log(np.median(c))
    p0 = (ymax * 1.1, half, 1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", OptimizeWarning)
        popt, _ = curve_fit(
            _hill,
            c,
            y,
            p0=p0,
            bounds=([0.0, np.log(c.min()) - 5, 0.2], [np.inf, np.log(c.max()) + 5, 5.0]),
            maxfev=20000,
        )
    emax, log_ec50, n = popt
    return float(np.exp(log_ec50)), float(n), float(emax)


def run_mtchedlishvili(
    sensitivity: str = "control",
    params: ParameterSet | None = None,
    conc_nM=None,
) -> ExperimentResult:
    """Run the simulated experiment and fit the apparent EC50.

    Parameters
    ----------
    sensitivity : {"control", "epileptic"}
        Receptor composition of the cell.
    params : ParameterSet, optional
        Parameter set (defaults to the packaged tables).
    conc_nM : array, optional
        Allopregnanolone series (nM); defaults to :func:`get_concentration_series`.

    Examples
    --------
    >>> r = run_mtchedlishvili("control")
    >>> abs(r.ec50_nM / 12.9 - 1) < 0.05
    True
    """
    ps = params or load_parameters()
    c = get_concentration_series(ps) if conc_nM is None else np.asarray(conc_nM, dtype=float)
    enh = simulate_enhancement_pct(c, sensitivity, ps)
    ec50, n, emax = fit_hill(c, enh)
    return ExperimentResult(
        sensitivity=sensitivity,
        conc_nM=c,
        enhancement_pct=enh,
        ec50_nM=ec50,
        hill=n,
        emax_pct=emax,
        composition=get_cell_composition(sensitivity, ps),
    )
