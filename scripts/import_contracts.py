"""An import-linter contract type: no import cycles between modules, anywhere in the package.

import-linter's own ``acyclic_siblings`` (beside this one in pyproject.toml, from the root down)
treats each sibling package as one unit: it keeps the rooms, and the packages inside them,
importing one way (issue 15, item 1), but names a tangle only by the siblings in it and a guess
at which of their imports to drop. This contract reports the module-level cycles themselves:
each set of modules that reach each other through imports, with one cycle spelled out line by
line. A module cycle is always a sibling cycle too, so the two break together and this report
says where to look. grimp's graph counts imports under ``TYPE_CHECKING`` and inside functions
(we keep ``exclude_type_checking_imports = false``), so a cycle hidden from the interpreter
still counts.

Registered in pyproject.toml under ``contract_types``; ``lint-imports`` finds it because it puts
the working directory (the repository root) on ``sys.path``. Run it through
``scripts/check-imports``.
"""

from __future__ import annotations

import itertools
from typing import Any

from importlinter.application import output
from importlinter.domain import fields
from importlinter.domain.contract import Contract, ContractCheck


class ModuleCyclesContract(Contract):
    """Kept when no module under ``containers`` imports itself back through other modules."""

    type_name = "acyclic_modules"

    containers = fields.SetField(subfield=fields.StringField())

    def check(self, graph: Any, verbose: bool) -> ContractCheck:
        """Find every strongly connected group of two or more modules and one cycle in each."""
        prefixes = tuple(f"{c}." for c in self.containers)  # type: ignore[attr-defined]
        names = set(self.containers)  # type: ignore[attr-defined]
        modules = sorted(m for m in graph.modules if m in names or m.startswith(prefixes))
        inside = set(modules)
        imports = {m: sorted(graph.find_modules_directly_imported_by(m) & inside) for m in modules}
        cycles = []
        for group in _strongly_connected(modules, imports):
            if len(group) < 2:
                continue
            cycles.append({"modules": group, "cycle": _one_cycle(group, imports, graph)})
        return ContractCheck(kept=not cycles, metadata={"cycles": cycles})

    def render_broken_contract(self, check: ContractCheck) -> None:
        """One paragraph per cycle: its modules, then one cycle with the importing lines."""
        for found in check.metadata["cycles"]:
            group = found["modules"]
            output.print_error(f"Import cycle between {len(group)} modules: {', '.join(group)}")
            output.print_error("One cycle among them:")
            for step in found["cycle"]:
                output.indent_cursor()
                output.print_error(step)
            output.new_line()


def _strongly_connected(nodes: list[str], edges: dict[str, list[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative (no recursion limit to meet), groups sorted for output."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    for root in nodes:
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, child = work.pop()
            if child == 0:
                index[node] = low[node] = len(index)
                stack.append(node)
                on_stack.add(node)
            targets = edges[node]
            if child < len(targets):
                work.append((node, child + 1))
                target = targets[child]
                if target not in index:
                    work.append((target, 0))
                elif target in on_stack:
                    low[node] = min(low[node], index[target])
                continue
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                groups.append(sorted(group))
    return sorted(groups)


def _one_cycle(group: list[str], edges: dict[str, list[str]], graph: Any) -> list[str]:
    """A shortest cycle through the group's first module, each step with its import line."""
    start = group[0]
    members = set(group)
    # Breadth-first from start's imports back to start, staying inside the group.
    came_from: dict[str, str] = {}
    frontier = [start]
    while frontier and start not in came_from:
        following = []
        for node in frontier:
            for target in edges[node]:
                if target in members and target not in came_from:
                    came_from[target] = node
                    following.append(target)
        frontier = following
    path = [start]
    node = came_from[start]
    while node != start:
        path.append(node)
        node = came_from[node]
    path.append(start)
    path.reverse()
    steps = []
    for importer, imported in itertools.pairwise(path):
        details = graph.get_import_details(importer=importer, imported=imported)
        where = ""
        if details:
            where = f" (l.{details[0]['line_number']}: {details[0]['line_contents']})"
        steps.append(f"{importer} -> {imported}{where}")
    return steps
