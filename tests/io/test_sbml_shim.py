"""The old import path of the SBML export (:mod:`brexsim.io.sbml`, now :mod:`brexsim.sbml`)
still gives the same objects."""

import brexsim.io.sbml as old
import brexsim.sbml as new


def test_old_path_reexports_the_same_objects() -> None:
    assert old.__all__ == new.__all__
    for name in old.__all__:
        assert getattr(old, name) is getattr(new, name), name
