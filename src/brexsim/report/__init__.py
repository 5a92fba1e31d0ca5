"""brexsim.report layer."""
