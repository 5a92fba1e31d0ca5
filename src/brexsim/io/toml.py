"""Reading user TOML files with one clear error for an unreadable or malformed file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import tomlkit

from brexsim.errors import input_error

__all__ = ["read_toml"]


def read_toml(path: str | Path, field: str, what: str) -> dict[str, Any]:
    """Parse the TOML file ``path`` into plain Python data.

    ``field`` names the input in the error (e.g. ``"regimen file"``) and ``what`` says what
    was expected of a readable file (e.g. ``"a readable file"``).

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "x.toml"
    >>> _ = p.write_text("a = 1")
    >>> read_toml(p, "file", "a TOML file")
    {'a': 1}
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise input_error(field, str(p), f"{what} ({exc.strerror})") from None
    try:
        return tomlkit.parse(text).unwrap()
    except Exception as exc:  # tomlkit raises several parse error types
        raise input_error(field, str(p), f"valid TOML ({exc})") from None
