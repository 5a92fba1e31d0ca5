"""Readers and writers: long-format tables, NONMEM datasets, atomic output folders."""

from brexsim.io.outputs import atomic_output_dir, to_long_frame, write_json

__all__ = ["atomic_output_dir", "to_long_frame", "write_json"]
