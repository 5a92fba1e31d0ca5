"""MkDocs hooks of the brexsim documentation site (``mkdocs.yml`` → ``hooks:``).

* ``on_config``: puts the interpreter's ``bin`` folder (the virtual environment running mkdocs)
  first on ``PATH`` so the tutorials' ``brexsim ...`` commands run the installed package; makes
  a scratch folder for tutorial outputs (``$BREXSIM_DOCS_WORK``, never inside the repository;
  removed after the build) and fixes the console width and the Matplotlib backend.
* ``on_files``: runs ``brexsim validate`` (every calibration/validation record; exit status 1
  when a record fails is expected and does not stop the build, any other failure does) and
  adds ``evidence/validation.json`` and one PNG per record, plus an overview figure, to the site.
  ``BREXSIM_DOCS_VALIDATION=path/to/validation.json`` reuses an earlier run (for quick local
  rebuilds; CI always runs it).
* ``on_page_markdown``: replaces the marker ``<!-- brexsim:validation -->`` in ``evidence.md``
  with the calibrated-vs-model tables.
"""

from __future__ import annotations

import base64
import io
import json
import logging
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File

log = logging.getLogger("mkdocs.plugins.brexsim_docs")

MARKER = "<!-- brexsim:validation -->"
_STATE: dict[str, Any] = {}


def on_config(config):  # type: ignore[no-untyped-def]
    helpers = str(Path(__file__).resolve().parent)
    if helpers not in sys.path:
        sys.path.insert(0, helpers)  # docs_helpers, for the executed code blocks
    bindir = str(Path(sys.executable).parent)
    path = os.environ.get("PATH", "")
    if not path.startswith(bindir + os.pathsep):
        os.environ["PATH"] = bindir + os.pathsep + path
    work = _STATE.get("work")
    if not work or not Path(work).is_dir():
        work = tempfile.mkdtemp(prefix="brexsim-docs-")
        _STATE["work"] = work
    os.environ["BREXSIM_DOCS_WORK"] = work
    os.environ["BREXSIM_DOCS_ROOT"] = str(Path(config.config_file_path).resolve().parent)
    os.environ["MPLBACKEND"] = "Agg"
    # Brian2 (imported by the excitability tutorial) uses pyparsing names deprecated upstream
    warnings.filterwarnings("ignore", message=r".*deprecated.*use '?\w+'?", module=r"pyparsing")
    warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"brian2(\.|$)")
    try:
        from pyparsing import PyparsingDeprecationWarning
    except ImportError:  # older pyparsing: nothing to silence
        pass
    else:
        warnings.filterwarnings("ignore", category=PyparsingDeprecationWarning)
    os.environ["COLUMNS"] = "110"
    os.environ.setdefault("NO_COLOR", "1")
    return config


def _run_validate() -> tuple[list[dict[str, Any]], dict[str, Any], float]:
    reuse = os.environ.get("BREXSIM_DOCS_VALIDATION")
    if reuse:
        path = Path(reuse)
        log.info("brexsim_docs: reusing %s (BREXSIM_DOCS_VALIDATION)", path)
        elapsed = float("nan")
    else:
        out = Path(_STATE["work"]) / "validation"
        shutil.rmtree(out, ignore_errors=True)
        t0 = time.perf_counter()
        proc = subprocess.run(
            [str(Path(sys.executable).parent / "brexsim"), "validate", "--out", str(out)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            check=False,
        )
        elapsed = time.perf_counter() - t0
        path = out / "validation.json"
        if proc.returncode not in (0, 1) or not path.is_file():
            raise PluginError(
                f"brexsim validate failed (exit {proc.returncode}):\n{proc.stdout[-4000:]}"
            )
        log.info("brexsim_docs: brexsim validate took %.0f s", elapsed)
    data = json.loads(path.read_text(encoding="utf-8"))
    return data["records"], data.get("provenance", {}), elapsed


def _overview_png(records: list[dict[str, Any]]) -> bytes:
    """Every interval record on one axis: the accepted interval mapped to [0, 1]."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [r for r in records if _is_interval(r)]
    fig, ax = plt.subplots(figsize=(8.5, 0.6 + 0.19 * len(rows)), constrained_layout=True)
    ax.axvspan(0.0, 1.0, color="0.88", zorder=0)
    for i, r in enumerate(reversed(rows)):
        lo, hi = float(r["lower"]), float(r["upper"])
        span = max(hi - lo, 1e-300)
        x = (float(r["model"]) - lo) / span
        xc = min(max(x, -0.95), 1.95)
        color = "C2" if r["passed"] else "C3"
        ax.plot([xc], [i], "o" if xc == x else ">" if x > 1.95 else "<", color=color, ms=5)
        if isinstance(r["target"], int | float) and not isinstance(r["target"], bool):
            t = (float(r["target"]) - lo) / span
            if -1.0 <= t <= 2.0:
                ax.plot([t], [i], "|", color="k", ms=7)
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels([r["id"] for r in reversed(rows)], fontsize=6.5)
    ax.set_xlim(-1.0, 2.0)
    ax.set_ylim(-0.7, len(rows) - 0.3)
    ax.set_xticks([0.0, 0.5, 1.0])
    ax.set_xticklabels(["lower", "middle", "upper"], fontsize=8)
    ax.set_xlabel(
        "model value within the accepted interval (grey); | published target; "
        "green pass, red fail",
        fontsize=8,
    )
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    plt.close(fig)
    return buf.getvalue()


def _is_interval(r: dict[str, Any]) -> bool:
    vals = (r.get("lower"), r.get("upper"), r.get("model"))
    return all(isinstance(v, int | float) and math.isfinite(v) for v in vals) and (
        r["upper"] > r["lower"]
    )


def on_files(files, config):  # type: ignore[no-untyped-def]
    from brexsim.validation.records import Record
    from brexsim.validation.report import plot_record

    records, prov, elapsed = _run_validate()
    if not records:
        raise PluginError("brexsim validate wrote no records")
    figures: dict[str, str] = {}
    for r in records:
        rec = Record(**{k: r.get(k) for k in Record.__dataclass_fields__ if k in r})
        name = f"evidence/figures/{_slug(r['id'])}.png"
        files.append(File.generated(config, name, content=base64.b64decode(plot_record(rec))))
        figures[r["id"]] = name
    files.append(
        File.generated(config, "evidence/figures/overview.png", content=_overview_png(records))
    )
    files.append(
        File.generated(
            config,
            "evidence/validation.json",
            content=json.dumps({"records": records, "provenance": prov}, indent=1),
        )
    )
    _STATE["validation"] = (records, prov, figures, elapsed)
    return files


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() or c in "._-" else "_" for c in text)


def _fmt(v: Any) -> str:
    from brexsim.params.markdown import markdown_cell

    if v is None:
        return "–"
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, int | float):
        return f"{v:.4g}"
    return markdown_cell(str(v))


def _validation_markdown() -> str:
    from brexsim.params.markdown import markdown_cell

    records, prov, figures, elapsed = _STATE["validation"]
    n_pass = sum(bool(r["passed"]) for r in records)
    failed = [r for r in records if not r["passed"]]
    lines = [
        f"**{n_pass} of {len(records)} records pass; {len(failed)} fail.** "
        f"brexsim {prov.get('brexsim_version', '?')}, parameter-set hash "
        f"`{prov.get('parameter_hash', '?')}`, computed by `brexsim validate`"
        + (f" while this site was built ({elapsed:.0f} s)." if math.isfinite(elapsed) else ".")
        + " The records as JSON: [validation.json](evidence/validation.json).",
        "",
    ]
    if failed:
        lines += [
            '!!! failure "Failing records"',
            "",
            "    "
            + ", ".join(f"[`{r['id']}`](#{_anchor(r['id'])})" for r in failed)
            + ". They are reported, never dropped; the reasons are in each row's note.",
            "",
        ]
    lines += [
        "### All records at a glance",
        "",
        "![Every interval record: model value within the accepted interval]"
        "(evidence/figures/overview.png)",
        "",
    ]
    layers: dict[str, list[dict[str, Any]]] = {}
    for r in records:
        layers.setdefault(str(r["layer"]), []).append(r)
    for layer, rows in layers.items():
        n_ok = sum(bool(r["passed"]) for r in rows)
        lines += [
            f"### {markdown_cell(layer)} ({n_ok} of {len(rows)} pass)",
            "",
            "| id | layer | description | source | target | tolerance | model | passed | figure |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for r in rows:
            ok = bool(r["passed"])
            desc = markdown_cell(r.get("description", ""))
            if r.get("note"):
                desc += " *Note: " + markdown_cell(r["note"]) + "*"
            model = _fmt(r.get("model"))
            if r.get("unit") and r.get("model") is not None:
                model += " " + markdown_cell(r["unit"])
            lines.append(
                "| "
                + " | ".join(
                    [
                        f'<span id="{_anchor(r["id"])}"></span>`{r["id"]}`',
                        markdown_cell(str(r.get("layer", ""))),
                        desc,
                        markdown_cell(r.get("source", "")),
                        _fmt(r.get("target")),
                        markdown_cell(r.get("tolerance", "")),
                        model,
                        "pass" if ok else "**FAIL**",
                        f"![{'pass' if ok else 'fail'}: {r['id']}]({figures[r['id']]})",
                    ]
                )
                + " |"
            )
        lines.append("")
    return "\n".join(lines)


def _anchor(record_id: str) -> str:
    return "rec-" + _slug(record_id).replace(".", "-")


def on_page_markdown(markdown, page, config, files):  # type: ignore[no-untyped-def]
    if MARKER in markdown:
        if "validation" not in _STATE:
            raise PluginError("the validation records were not computed (on_files)")
        markdown = markdown.replace(MARKER, _validation_markdown())
    return markdown


def on_post_build(config):  # type: ignore[no-untyped-def]
    work = _STATE.pop("work", None)
    if work:
        shutil.rmtree(work, ignore_errors=True)
    _STATE.pop("validation", None)


def on_build_error(error):  # type: ignore[no-untyped-def]
    on_post_build(None)
