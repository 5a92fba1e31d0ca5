"""brexsim.dosing layer."""
