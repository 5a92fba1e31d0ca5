"""brexsim.calibration layer."""
