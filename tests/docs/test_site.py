"""The documentation site's sources: nav, the README command CI runs, version, changelog, citation.

The site itself is built (with every tutorial executed) by the README's Documentation command,
which `.ci/run` runs; these tests check the cheap invariants without building it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

import brexsim

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"


def _readme_block(section: str) -> list[str]:
    """The lines of the first fenced code block under ``## <section>`` (as .ci/run reads it)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "docs_helpers", DOCS / "_hooks" / "docs_helpers.py"
    )
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.readme_block(section, root=ROOT)


def _nav_files() -> list[str]:
    text = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    nav = text[text.index("\nnav:") : text.index("\nplugins:")]
    return re.findall(r":\s*([\w./-]+\.md)\s*$", nav, flags=re.M)


def test_every_nav_page_exists_and_every_page_is_in_the_nav() -> None:
    nav = _nav_files()
    assert len(nav) == len(set(nav)), "a page is listed twice"
    for page in nav:
        assert (DOCS / page).is_file(), page
    pages = {
        str(p.relative_to(DOCS))
        for p in DOCS.rglob("*.md")
        if not p.relative_to(DOCS).parts[0].startswith("_")
    }
    assert pages == set(nav), pages ^ set(nav)


def test_the_existing_layer_pages_are_in_the_nav() -> None:
    nav = set(_nav_files())
    for page in (
        "mechanism_gabaa.md",
        "mechanism_inflammation.md",
        "clinical_hamd.md",
        "clinical_sedation.md",
        "analysis.md",
        "trials.md",
        "sbml.md",
        "app.md",
    ):
        assert page in nav, page


def test_readme_documentation_command_builds_the_site_in_strict_mode() -> None:
    block = _readme_block("Documentation")
    assert len(block) == 1, block
    cmd = block[0]
    assert "python3 -m venv .venv" in cmd
    assert '.venv/bin/pip install -q -e ".[dev,docs]"' in cmd
    assert ".venv/bin/mkdocs build --strict" in cmd
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert '"## Documentation"' in ci and 'eval "$doc"' in ci


def test_quick_start_still_has_two_lines_and_the_test_line_is_second() -> None:
    block = _readme_block("Quick start")
    assert len(block) == 2, block
    assert "pytest" in block[1]


def test_docs_extra_lists_the_site_tools() -> None:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    start = text.index("\ndocs = [")
    extra = text[start : text.index("\n]", start)]
    for pkg in ("mkdocs", "mkdocs-material", "mkdocstrings[python]", "markdown-exec"):
        assert f'"{pkg}' in extra, pkg


def test_version_command_changelog_and_citation_agree() -> None:
    from brexsim.cli import app

    res = CliRunner().invoke(app, ["--version"])
    assert res.exit_code == 0, res.output
    assert res.output.strip() == f"brexsim {brexsim.__version__}"
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "## [Unreleased]" in changelog
    assert re.search(
        rf"^## \[{re.escape(brexsim.__version__)}\] - \d{{4}}-\d\d-\d\d$", changelog, re.M
    )
    cff = (ROOT / "CITATION.cff").read_text(encoding="utf-8")
    assert re.search(rf"^version: {re.escape(brexsim.__version__)}$", cff, re.M)
    assert re.search(r"^cff-version: 1\.2\.0$", cff, re.M)


def test_tutorial_code_blocks_are_executed() -> None:
    """Every shell or Python block in a tutorial runs during the build (markdown-exec), except
    the app's server command, which cannot run in a build."""
    for page in sorted((DOCS / "tutorials").glob("*.md")):
        text = page.read_text(encoding="utf-8")
        fences = re.findall(r"^```(\w+)([^\n]*)$", text, flags=re.M)
        opening = [(lang, opts) for lang, opts in fences if lang in ("bash", "python")]
        assert opening, page.name
        for lang, opts in opening:
            if page.name == "app.md" and lang == "bash" and 'exec="on"' not in opts:
                continue  # `brexsim app` serves until Ctrl+C
            assert 'exec="on"' in opts, (page.name, lang, opts)


@pytest.mark.parametrize("helper", ["brexsim_docs.py", "docs_helpers.py"])
def test_hooks_compile(helper: str) -> None:
    source = (DOCS / "_hooks" / helper).read_text(encoding="utf-8")
    compile(source, helper, "exec")


def test_griffe_extension_doctests() -> None:
    """The API reference's docstring rewriting (docs/_hooks/griffe_doctests.py)."""
    import doctest
    import importlib.util

    import griffe  # noqa: F401  (dev extra; the extension imports it)

    spec = importlib.util.spec_from_file_location(
        "griffe_doctests", DOCS / "_hooks" / "griffe_doctests.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    result = doctest.testmod(module)
    assert result.attempted >= 2 and result.failed == 0
    text = module.add_examples_headers("Summary.\n\nParameters\n----------\nx : int\n\n>>> 1\n1")
    assert "Examples\n--------\n>>> 1" in text


def test_executed_shell_blocks_stop_at_the_first_failing_command() -> None:
    """markdown-exec checks only a block's exit status, which is its last command's: every
    executed bash block starts with ``set -euo pipefail`` so any failing command fails the
    build."""
    for page in sorted(DOCS.rglob("*.md")):
        text = page.read_text(encoding="utf-8")
        for m in re.finditer(r'^```bash exec="on"[^\n]*\n([^\n]*)', text, flags=re.M):
            assert m.group(1).startswith("set -euo pipefail"), (page.name, m.group(1))
