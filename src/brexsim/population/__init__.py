"""Virtual patients: covariates, baseline severity and inter-individual variability."""

from brexsim.population.virtual import (
    Population,
    get_patient_rng,
    get_typical_population,
    sample_covariates,
    sample_population,
)

__all__ = [
    "Population",
    "get_patient_rng",
    "get_typical_population",
    "sample_covariates",
    "sample_population",
]
