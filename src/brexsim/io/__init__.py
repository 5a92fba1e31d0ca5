"""Readers and writers: long-format tables, NONMEM datasets, atomic output folders, and the
HTML report page (:mod:`brexsim.io.html`, imported on use: it loads matplotlib)."""

from brexsim.io.outputs import atomic_output_dir, to_long_frame, write_json

__all__ = ["atomic_output_dir", "to_long_frame", "write_json"]
