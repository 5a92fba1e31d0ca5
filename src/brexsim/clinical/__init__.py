"""brexsim.clinical layer."""
