"""Shared helpers of the estimation tests."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from brexsim.estimation.model import get_initial_vector, split_natural


def _predict_at_initial_values(m, data, eta):  # type: ignore[no-untyped-def]
    """``m``'s predictions (subjects × records) at its initial θ and the given η (N, q)."""
    theta, _, _ = split_natural(m, jnp.asarray(get_initial_vector(m)))
    subj = data.get_subjects(m.covariates)
    return np.asarray(jax.vmap(lambda e, s: m.predict(theta, e, s))(jnp.asarray(eta), subj))


@pytest.fixture
def predict():  # type: ignore[no-untyped-def]
    """The function ``(model, data, eta) -> predictions`` at the model's initial values."""
    return _predict_at_initial_values
