"""brexsim.mechanism layer."""
