"""The old import path of the covariates (:mod:`brexsim.population.covariates`, now
:mod:`brexsim.covariates`) still gives the same objects."""

import brexsim.covariates as new
import brexsim.population.covariates as old
from brexsim.population import sample_covariates


def test_old_path_reexports_the_same_objects() -> None:
    assert old.__all__ == new.__all__
    for name in old.__all__:
        assert getattr(old, name) is getattr(new, name), name
    assert sample_covariates is new.sample_covariates
