"""Non-compartmental analysis (NCA) of concentration-time data, PKNCA / WinNonlin style.

Per subject: Cmax, tmax, Clast, tlast, AUClast, AUCall, AUCinf (observed and predicted
Clast), AUC % extrapolated, AUMC, MRT, λz (with its adjusted R², point count and range), t½,
CL, Vz and, after IV dosing, Vss; a summary over subjects. Units: h, ng/mL, mg; AUC ng·h/mL,
CL L/h, volumes L. See ``docs/nca.md`` and :func:`run_nca`.

Modules: :mod:`~brexsim.analysis.nca.core` (AUC, AUMC, λz, C0, BLQ on arrays),
:mod:`~brexsim.analysis.nca.data` (reading a long CSV or NONMEM dataset),
:mod:`~brexsim.analysis.nca.subject` (one profile), :mod:`~brexsim.analysis.nca.run`
(every subject and the summary), :mod:`~brexsim.analysis.nca.report` (plots, HTML).

Examples
--------
>>> from brexsim.analysis.nca import get_auc, select_lambda_z
>>> round(get_auc([0, 1, 2, 3], [0, 8, 4, 2]), 6)   # 4 + 4/ln2 + 2/ln2
12.656170
>>> select_lambda_z([1, 2, 3, 4], [8, 4, 2, 1]).n_points
3
"""

from brexsim.analysis.nca.core import (
    AUC_METHODS,
    DEFAULT_BLQ_RULE,
    LambdaZFit,
    apply_blq_rule,
    get_auc,
    get_aumc,
    get_c0,
    select_lambda_z,
)
from brexsim.analysis.nca.data import ROUTES, NCAInput, SubjectDosing, read_nca_input
from brexsim.analysis.nca.run import (
    SUMMARY_COLUMNS,
    SUMMARY_PARAMETERS,
    NCAResult,
    get_nca_summary,
    parse_blq_rule,
    run_nca,
)
from brexsim.analysis.nca.subject import PARAMETER_UNITS, SubjectNCA, compute_subject_nca

__all__ = [
    "AUC_METHODS",
    "DEFAULT_BLQ_RULE",
    "PARAMETER_UNITS",
    "ROUTES",
    "SUMMARY_COLUMNS",
    "SUMMARY_PARAMETERS",
    "LambdaZFit",
    "NCAInput",
    "NCAResult",
    "SubjectDosing",
    "SubjectNCA",
    "apply_blq_rule",
    "compute_subject_nca",
    "get_auc",
    "get_aumc",
    "get_c0",
    "get_nca_summary",
    "parse_blq_rule",
    "read_nca_input",
    "run_nca",
    "select_lambda_z",
]
