"""brexsim.population layer."""
