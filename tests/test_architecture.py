"""The layout keeps its direction and its size: no import cycle between the project's modules (module-level,
function-level and `if TYPE_CHECKING:` imports alike: a type-only import is still a dependency), `assistant` never
imports the TUI, and no module is over 500 lines."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import PROJECT

PACKAGES = ("assistant", "tui")


def module_name(path: Path) -> str:
    parts = path.relative_to(PROJECT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, known: set[str]) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out: set[str] = set()
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        out |= {n for n in names if n in known}
    return out


def graph() -> dict[str, set[str]]:
    files = [p for pkg in PACKAGES for p in (PROJECT / pkg).rglob("*.py")]
    known = {module_name(p) for p in files}
    return {module_name(p): imports_of(p, known) - {module_name(p)} for p in files}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected component of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            part = []
            while True:
                w = stack.pop()
                on.discard(w)
                part.append(w)
                if w == v:
                    break
            if len(part) > 1:
                found.append(sorted(part))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def test_no_import_cycles() -> None:
    edges = graph()
    # a package's __init__ re-exporting its submodules is the package, not a cycle
    for name in list(edges):
        edges[name] = {m for m in edges[name] if not (m.startswith(name + ".") or name.startswith(m + "."))}
    assert cycles(edges) == []


def test_the_finder_sees_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_assistant_never_imports_the_tui() -> None:
    edges = graph()
    assert not [(m, d) for m, deps in edges.items() if m.startswith("assistant") for d in deps if d.startswith("tui")]


def test_stack_discovery_imports_nothing_from_the_knowledge_base() -> None:
    """Stack discovery reads the repo walker in `inputs/`; the index builds on the stack, never the other way."""
    edges = graph()
    assert not [
        (m, d)
        for m, deps in edges.items()
        if m.startswith("assistant.stack")
        for d in deps
        if d.startswith("assistant.knowledge_base")
    ]


def test_a_type_only_import_is_an_edge(tmp_path: Path) -> None:
    hinted = tmp_path / "m.py"
    hinted.write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from assistant.models import Answer\n")
    assert imports_of(hinted, {"assistant.models", "assistant.models.Answer"}) == {
        "assistant.models",
        "assistant.models.Answer",
    }


MAX_MODULE_LINES = 500  # a module longer than this has more than one job (issue #22)


def test_no_module_is_over_500_lines() -> None:
    files = [p for pkg in PACKAGES for p in (PROJECT / pkg).rglob("*.py")]
    long = {
        str(p.relative_to(PROJECT)): n
        for p in files
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert long == {}
