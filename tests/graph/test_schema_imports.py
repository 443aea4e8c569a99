"""No import cycles between the schema modules, counting every import the code writes.

Imports under `TYPE_CHECKING` and inside functions count, and so does a `strawberry.lazy`
reference: each passes an import-time check, yet ties two modules together all the same.
"""

from __future__ import annotations

import ast
from pathlib import Path

SCHEMA = Path(__file__).resolve().parents[2] / "hmsdesk_graph" / "schema"
PACKAGE = "hmsdesk_graph.schema"


def _module_name(path: Path) -> str:
    parts = path.relative_to(SCHEMA).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join((PACKAGE, *parts))


def _targets(tree: ast.AST, modules: set[str]) -> set[str]:
    """The schema modules one file names in any import statement or `strawberry.lazy` call."""
    found: set[str] = set()
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "lazy"
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            names = [str(node.args[0].value)]
        found.update(name for name in names if name in modules)
    return found


def import_graph() -> dict[str, set[str]]:
    """Schema module -> the schema modules it imports (itself left out)."""
    files = {_module_name(path): path for path in SCHEMA.rglob("*.py")}
    graph = {}
    for name, path in files.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        graph[name] = _targets(tree, set(files)) - {name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Each strongly connected group of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for target in sorted(graph.get(module, ())):
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in on_stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return groups


def test_the_checker_sees_a_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]


def test_the_checker_counts_type_checking_function_and_lazy_imports() -> None:
    modules = {f"{PACKAGE}.x", f"{PACKAGE}.y", f"{PACKAGE}.z"}
    source = (
        "from typing import TYPE_CHECKING\n"
        "import strawberry\n"
        "if TYPE_CHECKING:\n"
        f"    from {PACKAGE}.x import A\n"
        "def f():\n"
        f"    from {PACKAGE} import y\n"
        f"B = strawberry.lazy('{PACKAGE}.z')\n"
    )
    assert _targets(ast.parse(source), modules) == modules


def test_schema_modules_import_one_way() -> None:
    graph = import_graph()
    # The walk found the modules and their imports (an empty graph has no cycles either).
    assert f"{PACKAGE}.prices" in graph[f"{PACKAGE}.providers"]
    assert cycles(graph) == []
