"""The package's layers depend one way: the workshop on the cloud, the control plane on the
data plane, and the code that runs inside an execution environment on nothing else.

Cycles between the parts hide which piece owns a fact; and everything ``lambdalab.runtime``
imports is paid at every cold start.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "lambdalab"


def part_of(module: str) -> str:
    """``lambdalab.invoke.service`` -> ``invoke``; a top-level module is its own part."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "lambdalab"


def imports() -> dict[str, set[str]]:
    """Which parts each part imports (at any depth of the file, lazy imports included)."""
    found: dict[str, set[str]] = defaultdict(set)
    for path in PACKAGE.rglob("*.py"):
        module = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        module = module.removesuffix(".__init__")
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            for name in names:
                if name.startswith("lambdalab.") and part_of(name) != part_of(module):
                    found[part_of(module)].add(part_of(name))
    return found


def test_no_two_parts_import_each_other_even_through_others():
    graph = imports()

    def reachable(start: str) -> set[str]:
        seen, todo = set(), [start]
        while todo:
            for nxt in graph.get(todo.pop(), ()):
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return seen

    cycles = sorted(part for part in graph if part in reachable(part))
    assert cycles == [], f"parts on an import cycle: {cycles}; graph: {dict(graph)}"


def test_each_layer_imports_only_what_lies_below_it():
    graph = imports()
    assert graph.get("runtime", set()) == set()  # an environment loads nothing else
    assert "control" not in graph.get("invoke", set())
    assert not {"workshop", "cloud"} & (graph.get("invoke", set()) | graph.get("control", set()))
    users_of_workshop = {part for part, used in graph.items() if "workshop" in used}
    assert users_of_workshop == set()
