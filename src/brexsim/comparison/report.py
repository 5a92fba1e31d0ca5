"""Tables and figures of ``brexsim compare-hypotheses``: the record × hypothesis table, the
sample-size curve and the HTML report.

Statuses are the validation statuses (:mod:`brexsim.validation.hypothesis`): ``passed``,
``known discrepancy`` (a listed miss of that hypothesis), ``failed`` and ``unexpected pass``.
The report shows known discrepancies in their own colour, never as passed.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["build_compare_html", "get_record_table", "plot_power_curves"]

_COLOURS = {"passed": "#d8f0d8", "known discrepancy": "#fff0b3", "failed": "#f6c6c6",
            "unexpected pass": "#f6c6c6"}  # fmt: skip


def _status(r: Mapping[str, Any]) -> str:
    return str(r.get("status") or ("passed" if r.get("passed") else "failed"))


def get_record_table(records: Mapping[str, Sequence[Mapping[str, Any]]]) -> pd.DataFrame:
    """One row per validation record id, a model value and a status column per hypothesis.

    ``records``: hypothesis → the ``records`` list of its ``validation.json``. A record that one
    hypothesis did not compute is NaN / ``"not run"`` there.

    >>> t = get_record_table({"gaba": [{"id": "a", "target": 1.0, "tolerance": "5 %",
    ...     "unit": "", "model": 1.01, "passed": True, "status": "passed"}]})
    >>> list(t.columns), t.loc[0, "status_gaba"]
    (['id', 'target', 'tolerance', 'unit', 'model_gaba', 'status_gaba'], 'passed')
    """
    ids: dict[str, dict[str, Any]] = {}
    for recs in records.values():
        for r in recs:
            ids.setdefault(str(r["id"]), {k: r.get(k) for k in ("target", "tolerance", "unit")})
    rows = []
    for rid, meta in ids.items():
        row: dict[str, Any] = {"id": rid, **meta}
        for h, recs in records.items():
            by = {str(r["id"]): r for r in recs}
            r = by.get(rid)
            row[f"model_{h}"] = r.get("model") if r is not None else np.nan
            row[f"status_{h}"] = _status(r) if r is not None else "not run"
        rows.append(row)
    return pd.DataFrame(rows)


def plot_power_curves(correlation: pd.DataFrame, discrimination: pd.DataFrame):  # type: ignore[no-untyped-def]
    """Two panels against study size (log axis): the power of the correlation test and the share
    of replicates whose ΔOFV prefers ``neuroimmune``, one line per generating hypothesis, with
    Wilson 95 % intervals (inside [0, 1] by construction)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(10, 4))
    axes = fig.subplots(1, 2)
    panels = (
        (correlation, "power", "power_lo", "power_hi",
         "P(p < 0.05, published sign)\n24-h TNF-α fall vs day-30 improvement"),
        (discrimination, "prefer_neuroimmune", "lo", "hi",
         "P(ΔOFV > 3.84): data prefer neuroimmune\n(joint NLME fits, FOCE-I)"),
    )  # fmt: skip
    for ax, (df, y, lo, hi, title) in zip(axes, panels, strict=True):
        for k, (h, d) in enumerate(df.groupby("hypothesis", sort=False)):
            d = d.sort_values("n")
            yerr = np.clip(np.vstack([d[y] - d[lo], d[hi] - d[y]]), 0.0, None)
            x = d["n"] * 1.04**k  # a small offset so that equal curves stay visible
            ax.errorbar(x, d[y], yerr=yerr, marker="os^dv"[k % 5], ls=("-", "--", ":")[k % 3],
                        capsize=3, label=f"data from {h}")  # fmt: skip
        ax.axhline(0.8, color="grey", lw=0.8, ls="--")
        ax.axhline(0.05, color="grey", lw=0.8, ls=":")
        ax.set_xscale("log")
        ax.set_ylim(-0.02, 1.02)
        ax.set_xlabel("patients per study (drug arm)")
        ax.set_title(title, fontsize=9)
        ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def _status_cell(s: str) -> str:
    return f'<td style="background:{_COLOURS.get(s, "#eee")}">{html.escape(s)}</td>'


def build_compare_html(
    records: pd.DataFrame, predictions: pd.DataFrame, correlation: pd.DataFrame,
    discrimination: pd.DataFrame, power_png: bytes, summary: Mapping[str, Any],
) -> str:  # fmt: skip
    """The HTML report (self-contained: the figure is embedded)."""
    import base64

    hyps = [c[len("status_") :] for c in records.columns if c.startswith("status_")]
    head = "".join(f"<th>{html.escape(h)}</th><th>status</th>" for h in hyps)
    body = []
    for _, r in records.iterrows():
        cells = "".join(
            f"<td>{_fmt(r[f'model_{h}'])}</td>{_status_cell(str(r[f'status_{h}']))}" for h in hyps
        )
        body.append(f"<tr><td>{html.escape(str(r['id']))}</td><td>{_fmt(r['target'])}</td>"
                    f"<td>{html.escape(str(r['tolerance']))}</td>{cells}</tr>")  # fmt: skip
    counts = "".join(
        f"<li>{html.escape(h)}: " + ", ".join(
            f"{k} {v}" for k, v in records[f"status_{h}"].value_counts().items()) + "</li>"
        for h in hyps
    )  # fmt: skip
    img = base64.b64encode(power_png).decode("ascii")
    prov = html.escape(str(summary.get("provenance", {})))
    return f"""<!doctype html><html><head><meta charset="utf-8">
<title>brexsim compare-hypotheses</title>
<style>body{{font-family:sans-serif;margin:2em;max-width:1300px}}table{{border-collapse:collapse;
font-size:12px}}td,th{{border:1px solid #ccc;padding:2px 6px}}</style></head><body>
<h1>Mechanism hypotheses compared</h1>
<p>Research output: not dosing advice for any patient. Known discrepancies (yellow) are misses a
hypothesis declares with their analysis (validation.json notes); they are not passes.</p>
<h2>Validation records × hypothesis</h2><ul>{counts}</ul>
<table><tr><th>record</th><th>target</th><th>tolerance</th>{head}</tr>{"".join(body)}</table>
<h2>Where the hypotheses diverge</h2>{predictions.to_html(index=False, float_format="%.4g")}
<h2>Sample-size curve</h2><img src="data:image/png;base64,{img}" style="max-width:100%">
<h3>Correlation test</h3>{correlation.to_html(index=False, float_format="%.4g")}
<h3>Model comparison (ΔOFV)</h3>{discrimination.to_html(index=False, float_format="%.4g")}
<h2>Provenance</h2><pre>{prov}</pre></body></html>"""


def _fmt(x: Any) -> str:
    if isinstance(x, float | np.floating):
        return "" if not np.isfinite(x) else f"{float(x):.4g}"
    return html.escape("" if x is None else str(x))
