"""brexsim.analysis layer."""
