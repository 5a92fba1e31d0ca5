"""Running code that reads the packaged tables under a hypothesis.

Most layers and every validation check call :func:`brexsim.params.load_parameters` themselves.
:func:`use_hypothesis` makes that call return the packaged tables with a hypothesis overlay for
the duration of a ``with`` block (in this process; code that receives the parameter set
explicitly, such as the trial workers, gets it through its ``params`` argument). ``gaba`` changes
nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from brexsim.hypotheses.registry import apply_hypothesis, get_hypothesis
from brexsim.params import ParameterSet

__all__ = ["use_hypothesis"]


@contextmanager
def use_hypothesis(name: str) -> Iterator[ParameterSet]:
    """Within the block, :func:`brexsim.params.load_parameters` returns the packaged tables with
    the overlay of hypothesis ``name``; yields that parameter set.

    >>> from brexsim.params import load_parameters
    >>> with use_hypothesis("null-immune") as ps:
    ...     load_parameters().value("hamd.immune_weight")
    0.0
    >>> load_parameters().value("hamd.immune_weight") > 0
    True
    """
    from brexsim.params import load_parameters, use_default_parameters

    get_hypothesis(name)  # unknown names raise before anything changes
    with use_default_parameters(apply_hypothesis(load_parameters(), name)) as ps:
        yield ps
