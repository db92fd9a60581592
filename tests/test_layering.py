"""The package's import layering, read from the source: no cycles, and each layer imports only downwards.

DESIGN.md: reading and writing files or the network happen in sources/, sinks/, amocrm/, sandbox/ and the CLI;
the pure core (core/, quality/, drafting/) never imports them; nothing below the CLI imports the CLI; the API
emulator (sandbox/) never imports the client (amocrm/), so it emulates AmoCRM rather than our assumptions.
Every import counts, also one inside a function (a late import still makes the dependency).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "migrate"
MAX_LINES = 450  # DESIGN: "keep modules under ~400 lines"; past this a module has two jobs


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in PACKAGE.rglob("*.py")}


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The project modules `name` imports (absolute names), each resolved to the deepest known module."""
    is_pkg = path.name == "__init__.py"
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".") if is_pkg else name.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            targets = [f"{mod}.{a.name}" if f"{mod}.{a.name}" in known else mod for a in node.names]
        else:
            continue
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    return {name: _imports(name, path, known) for name, path in modules.items()}


def _in(module: str, *packages: str) -> bool:
    return any(module == p or module.startswith(p + ".") for p in packages)


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


GRAPH = _graph()

PURE = ("migrate.core", "migrate.quality", "migrate.drafting", "migrate.base")
IO = ("migrate.sources", "migrate.sinks", "migrate.amocrm", "migrate.sandbox")
CLI = ("migrate.cli",)
EDITOR = ("migrate.editor",)

RULES = [
    ("the pure core never imports I/O packages, the API or the CLI", PURE, (*IO, "migrate.api", *CLI)),
    ("sources, sinks, the client and the emulator never import the CLI or the API", IO, (*CLI, "migrate.api")),
    ("the notebook editor imports only the core, quality, drafting and the readers", EDITOR,
     ("migrate.sinks", "migrate.amocrm", "migrate.sandbox", "migrate.api", *CLI)),
    ("only the package root and the API import the notebook editor", (*PURE, *IO, *CLI), EDITOR),
    ("the emulator never imports the client", ("migrate.sandbox",), ("migrate.amocrm",)),
    ("readers never import writers, the client or the emulator", ("migrate.sources",),
     ("migrate.sinks", "migrate.amocrm", "migrate.sandbox")),
    ("writers never import readers, the client or the emulator", ("migrate.sinks",),
     ("migrate.sources", "migrate.amocrm", "migrate.sandbox")),
]


def test_the_graph_is_read_from_the_real_package():
    assert "migrate.core.mapping" in GRAPH
    assert "migrate.editor" in GRAPH["migrate"] and "migrate.sources" in GRAPH["migrate.editor.opening"]
    assert "migrate.quality.transforms" in GRAPH["migrate.core.mapping"]
    assert "migrate.sandbox.server" in GRAPH["migrate.cli.sandbox"]  # a late import inside a function counts


def test_no_import_cycle_in_the_package():
    assert _cycles(GRAPH) == []


def test_the_cycle_finder_finds_a_planted_cycle():
    planted = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(planted) == [["a", "b", "c"]]


@pytest.mark.parametrize(("rule", "sources", "forbidden"), RULES, ids=[r[0] for r in RULES])
def test_layers_import_only_downwards(rule, sources, forbidden):
    broken = sorted(
        f"{module} imports {target}"
        for module, targets in GRAPH.items()
        if _in(module, *sources)
        for target in targets
        if _in(target, *forbidden)
    )
    assert broken == [], rule


def test_modules_stay_small():
    sizes = {name: len(path.read_text(encoding="utf-8").splitlines()) for name, path in _modules().items()}
    big = {name: n for name, n in sizes.items() if n > MAX_LINES}
    assert big == {}, "split these modules by job"


def test_every_package_says_what_lives_in_it_and_what_it_may_import():
    for init in PACKAGE.rglob("__init__.py"):
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))) or ""
        assert len(doc) > 40, f"{init.relative_to(PACKAGE.parent)} needs a docstring"
