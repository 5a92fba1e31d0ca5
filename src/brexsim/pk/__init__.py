"""brexsim.pk layer."""
