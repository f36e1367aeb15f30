"""The package's layout, checked over the ``ast`` of every module.

Imports are counted wherever they are written (inside functions and under
``if TYPE_CHECKING:`` too): a lower layer never imports a higher one, no two
modules or subpackages import each other, no ``_private`` name crosses a module,
no module is over 600 lines and no command module over 150.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "positions"

# Lowest first.  A module may import from its own layer and the ones before it;
# ``positions`` itself (the lazy façade exports) and ``positions.api`` (the
# façade) may import any layer, and no layer imports them.
LAYERS = [
    {"errors", "progress", "wording"},
    {"rdf"},
    {"sparql"},
    {"base"},
    {"checking"},
    {"adding"},
    {"output"},
    {"remote"},
    {"web"},
    {"api"},
    {"cli", "__main__"},
]
RANK = {group: rank for rank, groups in enumerate(LAYERS) for group in groups}


def module_name(path: Path) -> str:
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@lru_cache(maxsize=1)
def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(SRC.rglob("*.py"))}


def imported(name: str) -> Iterator[tuple[str, str | None]]:
    """(module, name imported from it or None) for each import of the package."""
    path = modules()[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from ((alias.name, None) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([node.module] if node.module else []))
            for alias in node.names:
                full = f"{base}.{alias.name}"
                yield (full, None) if full in modules() else (base, alias.name)


def owner(target: str) -> str | None:
    """The package module that ``target`` names, or None outside the package."""
    while target and target not in modules():
        target = target.rpartition(".")[0]
    return target or None


@lru_cache(maxsize=1)
def edges() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for name, path in modules().items():
        targets = {owner(t) for t, _ in imported(name)} - {None, name}
        if path.name == "__init__.py":  # a package importing its own modules
            targets = {t for t in targets if not t.startswith(name + ".")}
        graph[name] = targets  # type: ignore[assignment]
    return graph


def group(name: str) -> str:
    parts = name.split(".")
    return parts[1] if len(parts) > 1 else ""


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in graph.get(node, ()):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in graph:
        if node not in index:
            visit(node)
    return found


def test_every_subpackage_belongs_to_a_layer() -> None:
    groups = {group(name) for name in modules()} - {""}
    assert groups <= set(RANK), f"not in LAYERS: {sorted(groups - set(RANK))}"


def test_no_module_imports_a_higher_layer() -> None:
    wrong = [
        f"{name} imports {target}"
        for name, targets in edges().items()
        if group(name)
        for target in targets
        if group(target) and RANK[group(target)] > RANK[group(name)]
    ]
    assert wrong == []


def test_no_import_circle_among_modules() -> None:
    assert cycles(edges()) == []


def test_no_import_circle_among_subpackages() -> None:
    graph: dict[str, set[str]] = {}
    for name, targets in edges().items():
        if group(name):
            graph.setdefault(group(name), set()).update(
                group(t) for t in targets if group(t) and group(t) != group(name)
            )
    assert cycles(graph) == []


def private_uses(name: str) -> Iterator[str]:
    """``_private`` names of other modules that ``name`` imports or reads."""
    aliases: dict[str, str] = {}
    for target, imported_name in imported(name):
        home = owner(target)
        if home is None or home == name:
            continue
        if imported_name is None:
            aliases[target.rpartition(".")[2]] = home
        elif imported_name.startswith("_") and not imported_name.startswith("__"):
            yield f"{name} imports {home}.{imported_name}"
    for node in ast.walk(ast.parse(modules()[name].read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                if full in modules() and full != name:
                    aliases[alias.asname or alias.name] = full
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in aliases
            and node.attr.startswith("_")
            and not node.attr.startswith("__")
        ):
            yield f"{name} uses {aliases[node.value.id]}.{node.attr}"


def test_no_private_name_crosses_a_module() -> None:
    assert [use for name in modules() for use in private_uses(name)] == []


@pytest.mark.parametrize("name", sorted(modules()))
def test_module_is_at_most_600_lines(name: str) -> None:
    lines = len(modules()[name].read_text(encoding="utf-8").splitlines())
    assert lines <= 600, f"{name}: {lines} lines"


def test_command_modules_are_thin() -> None:
    long = {
        name: lines
        for name, path in modules().items()
        if name.startswith("positions.cli.commands.")
        and (lines := len(path.read_text(encoding="utf-8").splitlines())) >= 150
    }
    assert long == {}


def test_every_module_says_what_it_is_for() -> None:
    missing = [n for n, p in modules().items() if not ast.get_docstring(ast.parse(p.read_text()))]
    assert missing == []


def test_the_checker_finds_a_circle_and_a_private_name() -> None:
    # The checks above must be able to fail: a graph with a circle has one.
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []
