"""Display helpers for the executed code blocks of the docs (imported on hidden lines).

Only presentation lives here: a figure or a data frame turned into page content. What the
tutorials compute is in their visible code.
"""

from __future__ import annotations

import base64
import html
import io
import os
from pathlib import Path

__all__ = ["figure_html", "md_table", "param_table", "png_html", "readme_block", "work_dir"]


def work_dir(*parts: str) -> Path:
    """The build's scratch folder (``$BREXSIM_DOCS_WORK``, outside the repository)."""
    return Path(os.environ["BREXSIM_DOCS_WORK"], *parts)


def _img(data: bytes, alt: str, width: str) -> str:
    b64 = base64.b64encode(data).decode()
    return (
        f'<img alt="{html.escape(alt)}" style="width:{width};max-width:100%" '
        f'src="data:image/png;base64,{b64}">\n'
    )


def png_html(path: str | os.PathLike, alt: str = "", width: str = "100%") -> str:
    """A PNG file as an inline image (HTML with a data URI); print it in an executed block."""
    return _img(Path(path).read_bytes(), alt, width)


def figure_html(fig, alt: str = "", width: str = "100%") -> str:  # type: ignore[no-untyped-def]
    """A Matplotlib figure as an inline PNG (HTML); the figure is closed."""
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight")
    plt.close(fig)
    return _img(buf.getvalue(), alt, width)


def _fmt(v, digits: int) -> str:  # type: ignore[no-untyped-def]
    if isinstance(v, float):
        return "" if v != v else f"{v:.{digits}g}"
    return str(v)


def md_table(df, digits: int = 4, index: bool = False, max_rows: int = 60) -> str:  # type: ignore[no-untyped-def]
    """A pandas DataFrame as a Markdown table (numbers to ``digits`` significant digits)."""
    from brexsim.params.markdown import markdown_cell

    frame = df.reset_index() if index else df
    frame = frame.head(max_rows)
    cols = [str(c) for c in frame.columns]
    lines = ["| " + " | ".join(markdown_cell(c) for c in cols) + " |"]
    lines.append("|" + "---|" * len(cols))
    for row in frame.itertuples(index=False):
        lines.append("| " + " | ".join(markdown_cell(_fmt(v, digits)) for v in row) + " |")
    if len(df) > max_rows:
        lines.append(f"\n*… {len(df) - max_rows} more rows*")
    return "\n".join(lines) + "\n"


def readme_block(section: str, root: str | Path | None = None) -> list[str]:
    """The lines of the first fenced code block under ``## <section>`` in the README (of
    ``root``, default ``$BREXSIM_DOCS_ROOT``), read as ``.ci/run`` reads it."""
    base = os.environ["BREXSIM_DOCS_ROOT"] if root is None else root
    readme = Path(base, "README.md").read_text(encoding="utf-8")
    block: list[str] = []
    inside = in_section = False
    for line in readme.splitlines():
        if line.startswith("## "):
            if inside:
                break
            in_section = line.strip() == f"## {section}"
        elif in_section and line.startswith("```"):
            if inside:
                return block
            inside = True
        elif inside:
            block.append(line)
    raise ValueError(f"README.md has no code block under '## {section}'")


def param_table(*names: str) -> str:
    """Markdown table of some parameters (value, unit, confidence, description), read from the
    packaged tables at build time, so the numbers quoted on a page are the code's."""
    from brexsim.params import load_parameters
    from brexsim.params.markdown import markdown_cell

    ps = load_parameters()
    lines = ["| parameter | value | unit | confidence | description |", "|---|---|---|---|---|"]
    for name in names:
        p = ps[name]
        lines.append(
            f"| `{p.name}` | {p.value:.6g} | {markdown_cell(p.unit)} | {p.confidence} | "
            f"{markdown_cell(p.description)} |"
        )
    return "\n".join(lines) + "\n"
