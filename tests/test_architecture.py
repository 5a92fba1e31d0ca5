"""Architecture rules of the source tree (issue 19): small modules, no import by string, and no
import cycle between brexsim's modules.

The import graph is read from the source with :mod:`ast` (nothing is imported): an edge for each
module-level ``import`` / ``from ... import`` (function-local imports are deliberate lazy
imports and are not edges; ``if TYPE_CHECKING:`` blocks are skipped). Importing ``a.b.c`` from
outside the package ``a.b`` also runs ``a/b/__init__.py``, so it is an edge to ``a.b`` too (the
root package ``brexsim`` excepted: every module would reach it).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "brexsim"
MAX_LINES = 450

#: Files allowed over MAX_LINES: none (issue 19 split the last ones); never add to it.
OVER_LIMIT_ALLOWED: set[str] = set()

#: Import cycles (each as the sorted set of its modules) in files that other work of this
#: session is changing; empty: none is known.
CYCLES_ALLOWED: set[frozenset[str]] = set()


def _sources() -> dict[str, Path]:
    """Module name -> file for every module under src/brexsim."""
    out: dict[str, Path] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def _top_level_imports(tree: ast.Module) -> list[ast.Import | ast.ImportFrom]:
    """The import statements that run when the module is imported (module level, including
    inside module-level ``try`` / ``if`` blocks, except ``if TYPE_CHECKING:``)."""
    found: list[ast.Import | ast.ImportFrom] = []

    def walk(body: list[ast.stmt]) -> None:
        for node in body:
            if isinstance(node, ast.Import | ast.ImportFrom):
                found.append(node)
            elif isinstance(node, ast.If):
                if "TYPE_CHECKING" not in ast.unparse(node.test):
                    walk(node.body)
                walk(node.orelse)
            elif isinstance(node, ast.Try):
                walk(node.body)
                for handler in node.handlers:
                    walk(handler.body)
                walk(node.orelse)
                walk(node.finalbody)

    walk(tree.body)
    return found


def _import_graph() -> dict[str, set[str]]:
    modules = _sources()
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for name, path in modules.items():
        is_pkg = path.name == "__init__.py"
        here = name if is_pkg else name.rpartition(".")[0]
        for node in _top_level_imports(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            else:
                base = node.module or ""
                if node.level:
                    anchor = here.split(".")
                    anchor = anchor[: len(anchor) - (node.level - 1)]
                    base = ".".join([*anchor, base] if base else anchor)
                targets = [base]
                # ``from pkg import sub`` imports the submodule pkg.sub
                targets += [f"{base}.{a.name}" for a in node.names if f"{base}.{a.name}" in modules]
            for target in targets:
                if not target.startswith("brexsim"):
                    continue
                parts = target.split(".")
                for k in range(2, len(parts) + 1):
                    parent = ".".join(parts[:k])
                    # the packages on the way run too, unless the importer is inside them
                    inside = name == parent or name.startswith(parent + ".")
                    if parent in modules and parent != name and (k == len(parts) or not inside):
                        graph[name].add(parent)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan), each as one cycle."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    counter = 0

    def visit(v: str) -> None:
        nonlocal counter
        index[v] = low[v] = counter
        counter += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                components.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return components


def _one_cycle(graph: dict[str, set[str]], component: list[str]) -> list[str]:
    """A shortest path from the component's first module back to itself (breadth first)."""
    members = set(component)
    start = component[0]
    prev: dict[str, str | None] = {start: None}
    frontier = [start]
    while frontier:
        nxt = []
        for v in frontier:
            for w in sorted(graph[v] & members):
                if w == start:
                    path = [v]
                    while (p := prev[path[-1]]) is not None:
                        path.append(p)
                    return [*reversed(path), start]
                if w not in prev:
                    prev[w] = v
                    nxt.append(w)
        frontier = nxt
    return component


def test_no_source_file_over_the_line_limit() -> None:
    over = {}
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE).as_posix()
        n = len(path.read_text(encoding="utf-8").splitlines())
        if n > MAX_LINES and rel not in OVER_LIMIT_ALLOWED:
            over[rel] = n
    assert not over, f"split these modules along their seams (> {MAX_LINES} lines): {over}"


def test_the_allow_list_names_only_files_over_the_limit() -> None:
    # an entry whose file has been split (or removed) must leave the list
    stale = [
        rel
        for rel in sorted(OVER_LIMIT_ALLOWED)
        if not (PACKAGE / rel).is_file()
        or len((PACKAGE / rel).read_text(encoding="utf-8").splitlines()) <= MAX_LINES
    ]
    assert not stale, f"remove from OVER_LIMIT_ALLOWED: {stale}"


def test_no_import_by_string() -> None:
    hits = [
        f"{path.relative_to(SRC)}:{k}"
        for path in sorted(PACKAGE.rglob("*.py"))
        for k, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if "__import__(" in line
    ]
    assert not hits, f"import modules by name, not by string: {hits}"


def test_no_import_cycle() -> None:
    graph = _import_graph()
    cycles = [c for c in _cycles(graph) if frozenset(c) not in CYCLES_ALLOWED]
    shown = [" -> ".join(_one_cycle(graph, c)) for c in cycles]
    assert not cycles, "import cycles between brexsim modules:\n" + "\n".join(shown)


def test_the_cycle_finder_finds_a_cycle() -> None:
    # the checker itself: a two-module and a three-module cycle, and an acyclic graph
    g = {"a": {"b"}, "b": {"a"}, "c": {"d"}, "d": {"e"}, "e": {"c"}, "f": {"a"}}
    assert sorted(_cycles(g)) == [["a", "b"], ["c", "d", "e"]]
    assert _one_cycle(g, ["c", "d", "e"]) == ["c", "d", "e", "c"]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_the_graph_sees_module_level_imports_only() -> None:
    graph = _import_graph()
    # brexsim.trial.spec imports the dosing layer at module level
    assert "brexsim.dosing.regimen" in graph["brexsim.trial.spec"]
    # brexsim.population.virtual composes the layers' samplers at module level
    assert {"brexsim.clinical.hamd", "brexsim.clinical"} <= graph["brexsim.population.virtual"]


def _package_graph() -> dict[str, set[str]]:
    """Layer graph: ``brexsim.<layer>`` -> the layers it imports anywhere in its files, the
    function-local (lazy) imports included (a lazy import still is a dependency)."""
    graph: dict[str, set[str]] = {}
    for name, path in _sources().items():
        if name == "brexsim":
            continue
        layer = ".".join(name.split(".")[:2])
        deps = graph.setdefault(layer, set())
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level:
                base = node.module or ""
                targets = [f"{base}.{a.name}" for a in node.names] if base == "brexsim" else [base]
            else:
                continue
            for target in targets:
                parts = target.split(".")
                if parts[0] == "brexsim" and len(parts) > 1:
                    other = ".".join(parts[:2])
                    if other != layer:
                        deps.add(other)
    for deps in list(graph.values()):
        for d in deps:
            graph.setdefault(d, set())
    return graph


def test_the_layers_form_no_cycle_even_through_lazy_imports() -> None:
    graph = _package_graph()
    assert "brexsim.io" in graph["brexsim.trial"]  # the checker sees the trial report writer
    cycles = _cycles(graph)
    shown = [" -> ".join(_one_cycle(graph, c)) for c in cycles]
    assert not cycles, "import cycles between brexsim layers:\n" + "\n".join(shown)


def _public_simulation_functions() -> set[str]:
    """Module-level public functions named ``simulate*``, ``solve*`` or ``run*`` in src/,
    without the command handlers (cli) and the app's tab functions (app)."""
    found: set[str] = set()
    for name, path in _sources().items():
        if name.split(".")[1:2] in (["cli"], ["app"]):
            continue
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.FunctionDef) and not node.name.startswith("_"):
                if node.name.split("_")[0] in ("simulate", "solve", "run"):
                    found.add(node.name)
    return found


def test_every_function_that_simulates_is_listed_beside_simulate() -> None:
    """One documented entry point (``brexsim.model.simulate``); every other public
    simulate/solve/run function has a row saying what it is for (docs/model/index.md)."""
    doc = (SRC.parent / "docs" / "model" / "index.md").read_text(encoding="utf-8")
    section = doc.split("### Functions that simulate beside `simulate`")[1].split("\n## ")[0]
    listed = set(re.findall(r"`(\w+)`", section))
    found = _public_simulation_functions()
    assert {"simulate", "simulate_pk", "run_trial"} <= found  # the scan sees them
    assert not found - listed, f"not listed in docs/model/index.md: {sorted(found - listed)}"
