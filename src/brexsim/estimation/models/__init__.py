"""Shipped estimation models and the loader of a user's model file.

``load_model("pheno")``, ``load_model("brexanolone_pk")``, ``load_model("zuranolone_pk")``,
``load_model("hamd")``, ``load_model("cytokine")`` or ``load_model("path/model.py")``: a
Python file that defines ``model`` (an :class:`~brexsim.estimation.model.NLMEModel`) or a
function ``get_model()`` returning one.

``zuranolone_pk`` (:func:`~brexsim.estimation.model.from_population_model`) takes oral dose
records only: ``load_model("zuranolone_pk", data)`` checks ``data`` first
(:func:`brexsim.estimation.pk.check_oral_doses`: a ``RATE`` > 0 record is one input error).
``cytokine`` (:mod:`brexsim.estimation.models.cytokine`): plasma TNF-α / IL-6 log folds under
brexanolone infusions; ``load_model("cytokine", data)`` checks ``data`` the same way.

``hamd`` (:mod:`brexsim.estimation.models.hamd`) tabulates its drug input (the remission state)
per dosing pattern: ``load_model("hamd")`` covers the preset patterns (placebo, zulresso,
study1-brx60); ``load_model("hamd", data)`` every pattern of ``data`` (what ``brexsim fit``
uses).

Examples
--------
>>> load_model("pheno").name
'pheno'
>>> sorted(SHIPPED)
['brexanolone_pk', 'cytokine', 'hamd', 'pheno', 'zuranolone_pk']
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from brexsim.errors import input_error
from brexsim.estimation.model import NLMEModel

__all__ = ["SHIPPED", "load_model"]

SHIPPED = ("pheno", "brexanolone_pk", "zuranolone_pk", "hamd", "cytokine")


def load_model(spec: str, data=None, params=None) -> NLMEModel:  # type: ignore[no-untyped-def]
    """The model named ``spec`` (one of :data:`SHIPPED`) or defined in the file ``spec``.

    ``data`` (an :class:`~brexsim.estimation.data.EstimationData`) and ``params`` (a parameter
    set, default the packaged tables) are used by the layer models: ``params`` gives their
    initial values, ``data`` the dosing patterns of ``hamd`` and the dose records that
    ``zuranolone_pk`` and ``cytokine`` check; other models ignore them.
    """
    if spec == "pheno":
        from brexsim.estimation.models.pheno import model

        return model
    if spec == "brexanolone_pk":
        from brexsim.estimation.model import from_population_model

        return from_population_model("brexanolone_pk", params)
    if spec == "zuranolone_pk":
        from brexsim.estimation.model import from_population_model
        from brexsim.estimation.pk import check_oral_doses

        if data is not None:
            check_oral_doses(data, spec)
        return from_population_model(spec, params)
    if spec == "hamd":
        from brexsim.estimation.models.hamd import make_hamd_model

        return make_hamd_model(data, params)
    if spec == "cytokine":
        from brexsim.estimation.models.cytokine import make_cytokine_model

        return make_cytokine_model(data, params)
    path = Path(spec)
    if path.suffix != ".py" or not path.is_file():
        raise input_error("--model", spec, f"one of {list(SHIPPED)} or an existing .py file")
    mod_spec = importlib.util.spec_from_file_location(f"brexsim_user_model_{path.stem}", path)
    mod = importlib.util.module_from_spec(mod_spec)  # type: ignore[arg-type]
    try:
        mod_spec.loader.exec_module(mod)  # type: ignore[union-attr]
    except Exception as exc:  # a user's file: report any failure as one input error
        raise input_error(
            "--model", spec, f"a Python file that runs ({type(exc).__name__}: {exc})"
        ) from None
    m = getattr(mod, "model", None)
    if m is None and callable(getattr(mod, "get_model", None)):
        m = mod.get_model()
    if not isinstance(m, NLMEModel):
        raise input_error("--model", spec, "a file defining `model` (an NLMEModel) or get_model()")
    return m
