"""Writing ``validation.json`` and an HTML page with one figure per record."""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from brexsim.validation.records import Record

__all__ = ["plot_record", "write_validation_html"]

#: Status -> (row class, label, figure colour). Known discrepancies have their own colour.
_STYLE = {
    "passed": ("pass", "pass", "C2"),
    "failed": ("fail", "FAIL", "C3"),
    "known discrepancy": ("known", "known discrepancy", "C1"),
    "unexpected pass": ("fail", "FAIL: unexpected pass", "C3"),
}
#: Report sections in order: (title, statuses).
_SECTIONS = (
    ("Failing records", ("failed", "unexpected pass")),
    ("Known discrepancies of the hypothesis (not passed)", ("known discrepancy",)),
    ("Passing records", ("passed",)),
)


def plot_record(rec: Record) -> str:
    """A small PNG (base64) showing the accepted interval, the target and the model value."""
    fig, ax = plt.subplots(figsize=(4.2, 0.9), constrained_layout=True)
    if rec.lower is not None and rec.upper is not None and isinstance(rec.model, float):
        lo, hi = rec.lower, rec.upper
        span = max(hi - lo, 1e-12)
        vals = [lo, hi, rec.model] + ([float(rec.target)] if isinstance(rec.target, float) else [])
        a, b = min(vals) - 0.15 * span, max(vals) + 0.15 * span
        colour = _STYLE[rec.status][2]
        ax.axvspan(lo, hi, color=colour, alpha=0.25, label="accepted")
        if isinstance(rec.target, float):
            ax.axvline(rec.target, color="k", lw=1, ls="--", label="published")
        ax.plot([rec.model], [0.5], "o", color="C0" if rec.passed else colour, label="model")
        ax.set_xlim(a, b)
        ax.set_xlabel(rec.unit or "value", fontsize=7)
    else:
        ax.text(
            0.5,
            0.5,
            "not computed: " + (rec.note or "?")[:70],
            ha="center",
            va="center",
            fontsize=7,
            color="C3",
            transform=ax.transAxes,
        )
        ax.set_xticks([])
    ax.set_yticks([])
    ax.tick_params(labelsize=7)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90)
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode()


def _row(r: Record) -> str:
    css, status, _ = _STYLE[r.status]
    model = f"{r.model:.4g}" if isinstance(r.model, float) else html.escape(str(r.model))
    target = f"{r.target:.4g}" if isinstance(r.target, float) else html.escape(str(r.target))
    return (
        f"<tr class='{css}'><td><b>{html.escape(r.id)}</b><br>"
        f"<small>{html.escape(r.description)}</small></td><td>{target}</td>"
        f"<td>{html.escape(r.tolerance)}</td><td>{model} {html.escape(r.unit)}</td>"
        f"<td>{status}</td><td><img src='data:image/png;base64,{plot_record(r)}'></td>"
        f"<td><small>{html.escape(r.source)}<br>{html.escape(r.note)}</small></td></tr>"
    )


def write_validation_html(records: list[Record], path: Path, provenance: dict[str, Any]) -> Path:
    """Self-contained HTML page: a summary line, then the failing records, the known
    discrepancies of the hypothesis (own section and colour, never counted as passed) and the
    passing records, one row per record with its figure."""
    n_pass = sum(r.status == "passed" for r in records)
    n_known = sum(r.status == "known discrepancy" for r in records)
    head = (
        "<tr><th>record</th><th>published</th><th>tolerance</th><th>model</th><th>result</th>"
        "<th>figure</th><th>source / note</th></tr>"
    )
    sections = []
    for title, statuses in _SECTIONS:
        rows = [_row(r) for r in records if r.status in statuses]
        if rows:
            sections.append(f"<h2>{title} ({len(rows)})</h2><table>{head}{''.join(rows)}</table>")
    hyp = html.escape(str(provenance.get("hypothesis", "gaba")))
    prov = "".join(
        f"<li>{html.escape(k)}: {html.escape(str(v))}</li>" for k, v in provenance.items()
    )
    page = f"""<!doctype html><html><head><meta charset="utf-8"><title>brexsim validation</title>
<style>body{{font-family:sans-serif;margin:1.5em}} table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:4px;vertical-align:top;font-size:13px}}
tr.fail{{background:#fde8e8}} tr.pass{{background:#eefaf0}}
tr.known{{background:#fff3dc}}</style></head><body>
<h1>brexsim validation (hypothesis {hyp})</h1>
<p><b>{n_pass} of {len(records)} records pass; {n_known} known discrepancies of the hypothesis
(not passed).</b> Research output, not dosing advice.</p>
{"".join(sections)}
<h2>Provenance</h2><ul>{prov}</ul></body></html>"""
    path.write_text(page, encoding="utf-8")
    return path
