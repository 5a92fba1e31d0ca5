"""The self-contained HTML report page every brexsim report writes (trial, analysis, NCA, VPC,
fit, decision): headings, escaped text, tables and base64-embedded PNG figures, with the
disclaimer and a provenance table. A writer at the floor of the package (no model imports).
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

__all__ = ["DISCLAIMER", "figure_to_png", "render_html_report"]

#: Printed on every report.
DISCLAIMER = (
    "Research output of brexsim. Not a diagnostic test and not dosing or treatment advice "
    "for any patient."
)


_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:2em;
max-width:1200px;color:#222}
h1{font-size:1.5em}h2{font-size:1.2em;border-bottom:1px solid #ccc;padding-bottom:.2em}
table{border-collapse:collapse;font-size:.8em;margin:.5em 0}
th,td{border:1px solid #ddd;padding:.25em .5em;text-align:right}
th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}
.note{background:#fff8e1;border-left:4px solid #f0b400;padding:.5em 1em}
img{max-width:100%;height:auto;border:1px solid #eee}
code{background:#f5f5f5;padding:0 .2em}
"""


def _fmt_table(df: pd.DataFrame, float_format: str = "{:.4g}") -> str:
    def fmt(v: Any) -> str:
        if isinstance(v, float | np.floating):
            return "" if not np.isfinite(v) else float_format.format(float(v))
        return str(v)

    return df.map(fmt).to_html(index=False, escape=True)


def render_html_report(
    title: str,
    sections: Sequence[tuple[str, Sequence[Any]]],
    provenance: Mapping[str, Any],
) -> str:
    """A self-contained HTML page.

    Parameters
    ----------
    title : str
    sections : sequence of ``(heading, blocks)``
        Each block is a ``str`` (a paragraph of plain text, escaped), a ``DataFrame`` (a
        table), ``bytes`` (a PNG image, embedded as base64) or a ``(caption, bytes)`` pair.
    provenance : mapping
        Printed at the end (version, parameter hash, command, ...).

    Examples
    --------
    >>> page = render_html_report("t", [("A", ["text", pd.DataFrame({"x": [1.0]})])], {"v": 1})
    >>> page.startswith("<!DOCTYPE html>") and "Not a diagnostic test" in page
    True
    """
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        f'<p class="note">{html.escape(DISCLAIMER)}</p>',
    ]
    for heading, blocks in sections:
        parts.append(f"<h2>{html.escape(heading)}</h2>")
        for b in blocks:
            if isinstance(b, pd.DataFrame):
                parts.append(_fmt_table(b))
            elif isinstance(b, bytes):
                parts.append(_img(b, ""))
            elif isinstance(b, tuple) and len(b) == 2 and isinstance(b[1], bytes):
                parts.append(_img(b[1], str(b[0])))
            else:
                parts.append(f"<p>{html.escape(str(b))}</p>")
    parts.append("<h2>Provenance</h2><table>")
    for k, v in provenance.items():
        parts.append(f"<tr><th>{html.escape(str(k))}</th><td>{html.escape(str(v))}</td></tr>")
    parts.append("</table></body></html>")
    return "\n".join(parts)


def _img(png: bytes, caption: str) -> str:
    b64 = base64.b64encode(png).decode("ascii")
    cap = f"<figcaption>{html.escape(caption)}</figcaption>" if caption else ""
    alt = html.escape(caption)
    return f'<figure><img alt="{alt}" src="data:image/png;base64,{b64}">{cap}</figure>'


def figure_to_png(fig: Figure, dpi: int = 110) -> bytes:
    """PNG bytes of a figure.

    Examples
    --------
    >>> figure_to_png(Figure(figsize=(1, 1)))[:4]
    b'\\x89PNG'
    """
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    return buf.getvalue()
