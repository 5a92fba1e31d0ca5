"""SBML export: the document of one typical patient on one brexanolone IV regimen, its
consistency check, and the writer.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import libsbml

from brexsim.dosing.regimen import Regimen
from brexsim.errors import input_error
from brexsim.model.sbml._builder import PATIENT_PARAMETERS, _Builder
from brexsim.model.sbml._immune_mood import _add_bdnf, _add_hamd, _add_tlr
from brexsim.model.sbml._pk_tone import _add_gabaa, _add_patient, _add_pk
from brexsim.params import ParameterSet, load_parameters


def build_sbml_document(
    regimen: Regimen,
    weight_kg: float = 70.0,
    params: ParameterSet | None = None,
    sensitivity: str = "control",
    hamd_baseline: float = 28.6,
) -> libsbml.SBMLDocument:
    """Build the SBML document of one typical patient on one brexanolone IV regimen.

    Parameters
    ----------
    regimen : Regimen
        A brexanolone (IV) regimen (e.g. ``get_preset("zulresso")``).
    weight_kg : float, kg
        Body weight of the patient (20-250 kg).
    params : ParameterSet, optional
        Parameter tables (default: packaged).
    sensitivity : "control" or "epileptic"
        GABA-A receptor composition (as :func:`brexsim.model.simulate`).
    hamd_baseline : float, points
        Baseline HAM-D-17 (the typical patient of :func:`brexsim.model.simulate`: 28.6).

    Examples
    --------
    >>> from brexsim.dosing import get_preset
    >>> doc = build_sbml_document(get_preset("zulresso"))
    >>> m = doc.getModel()
    >>> m.getNumEvents(), m.getParameter("weight_kg").getValue()
    (5, 70.0)
    """
    from brexsim.mechanism.gabaa import get_gabaa_params

    ps = params or load_parameters()
    if not isinstance(regimen, Regimen):
        raise input_error("regimen", regimen, "a brexsim Regimen")
    if regimen.drug != "brexanolone":
        raise input_error(
            "regimen",
            regimen.name or regimen.drug,
            "a brexanolone (IV) regimen: zuranolone's oral absorption is not exported",
        )
    w = float(weight_kg)
    if not math.isfinite(w) or not (20.0 <= w <= 250.0):
        raise input_error("weight_kg", weight_kg, "a body weight in [20, 250] kg")
    b = float(hamd_baseline)
    if not math.isfinite(b) or not (0.0 < b <= 52.0):
        raise input_error("hamd_baseline", hamd_baseline, "a HAM-D-17 score in (0, 52]")
    gp = get_gabaa_params(ps, sensitivity)  # validates sensitivity

    doc = libsbml.SBMLDocument(3, 2)
    m = doc.createModel()
    name = regimen.name or "custom"
    m.setId("brexsim_in_vivo_" + "".join(c if c.isalnum() else "_" for c in name))
    m.setName(f"brexsim in vivo model, {name} regimen, typical patient")
    bl = _Builder(m)
    m.setTimeUnits(bl.unit("h"))
    m.setSubstanceUnits(bl.unit("ug"))
    m.setExtentUnits(bl.unit("ug"))
    m.setVolumeUnits(bl.unit("L"))
    from brexsim._version import __version__

    bl._notes(
        m,
        [
            f"Exported by brexsim {__version__} (parameter set {ps.hash}) with "
            f"brexsim export-sbml; regimen {name}: "
            + "; ".join(
                f"{s.start_h:g}-{s.end_h:g} h at {s.rate_ug_per_kg_h:g} ug/kg/h"
                for s in regimen.segments
            ),
            "Deterministic in vivo model of one patient: exact two-compartment brexanolone PK "
            "with effect site, GABA-A tone index, TLR/cytokine in vivo states, serum BDNF, "
            "HAM-D-17 remission state and expected score. Time in hours.",
            "Left out: patient sampling and all between-subject and residual variability, "
            "the label's monitoring rules and sedation, observed (noisy, integer) HAM-D "
            "scores, response/remission, zuranolone (oral absorption), the minute-scale cell "
            "model and ex vivo assays.",
            "Per-patient parameters that may be changed before a run: "
            + ", ".join(PATIENT_PARAMETERS),
        ],
    )

    def T(key: str) -> str:  # a table row's SBML id
        return bl.table_parameter(ps, key)

    _add_patient(bl, w, b)
    _add_pk(bl, T, m, regimen)
    _add_gabaa(bl, T, gp, sensitivity)
    _add_tlr(bl, T, ps)
    _add_bdnf(bl, T)
    _add_hamd(bl, T, regimen)
    return doc


def check_sbml_document(doc: libsbml.SBMLDocument) -> dict[str, Any]:
    """Run libsbml's consistency checks (all categories, units included).

    Returns ``{"errors": [...], "warnings": [...]}`` (messages; errors include fatal ones).
    """
    doc.setConsistencyChecks(libsbml.LIBSBML_CAT_UNITS_CONSISTENCY, True)
    doc.setConsistencyChecks(libsbml.LIBSBML_CAT_MODELING_PRACTICE, True)
    doc.checkConsistency()
    errors, warnings = [], []
    for i in range(doc.getNumErrors()):
        e = doc.getError(i)
        msg = (
            f"{e.getErrorId()} line {e.getLine()}: {e.getShortMessage()}: {e.getMessage().strip()}"
        )
        (errors if e.getSeverity() >= libsbml.LIBSBML_SEV_ERROR else warnings).append(msg)
    return {"errors": errors, "warnings": warnings}


def get_sbml_string(regimen: Regimen, **kwargs: Any) -> str:
    """The SBML document (XML text) of :func:`build_sbml_document`."""
    return libsbml.writeSBMLToString(build_sbml_document(regimen, **kwargs))


def export_sbml(
    out: str | Path,
    regimen: Regimen,
    weight_kg: float = 70.0,
    params: ParameterSet | None = None,
    sensitivity: str = "control",
    hamd_baseline: float = 28.6,
) -> Mapping[str, Any]:
    """Write the SBML file ``out`` (atomically); returns a summary (counts, check results).

    Refuses to write a document with consistency errors.
    """
    doc = build_sbml_document(regimen, weight_kg, params, sensitivity, hamd_baseline)
    checks = check_sbml_document(doc)
    if checks["errors"]:
        raise RuntimeError("SBML consistency errors: " + "; ".join(checks["errors"][:5]))
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    if not libsbml.writeSBMLToFile(doc, str(tmp)):
        raise OSError(f"could not write {tmp}")
    tmp.replace(out)
    m = doc.getModel()
    return {
        "path": str(out),
        "species": m.getNumSpecies(),
        "parameters": m.getNumParameters(),
        "rate_rules": sum(1 for r in m.getListOfRules() if r.isRate()),
        "assignment_rules": sum(1 for r in m.getListOfRules() if r.isAssignment()),
        "reactions": m.getNumReactions(),
        "events": m.getNumEvents(),
        "warnings": len(checks["warnings"]),
    }
