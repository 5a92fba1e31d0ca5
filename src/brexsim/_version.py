"""The package version (single source: also read by pyproject via importlib.metadata)."""

__version__ = "0.1.0"
