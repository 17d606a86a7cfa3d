"""The package's layout holds: floors (imports only point down), no import circles, small modules, few at
the top.

The floors are those of the README's folder tree: ground floor ``paths``, ``errors``, ``indicators``,
``schemas``; then ``counts`` and ``provenance``; then the readers (``io``), the words (``text``) and the
sample; ``stats``; ``plots``; ``report``; ``notebook``; ``runner`` (the parts of the run); and ``run`` (with
``cli`` dispatching by name).
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "analysis"
#: Floor of each top-level part of the package: a module may import its own part or a lower floor only.
FLOORS = {
    "paths": 0,
    "errors": 0,
    "indicators": 0,
    "schemas": 0,
    "counts": 1,
    "provenance": 1,
    "io": 2,
    "text": 2,
    "sample": 2,
    "stats": 3,
    "plots": 4,
    "report": 5,
    "notebook": 6,
    "runner": 7,
    "run": 8,
    "cli": 9,
    "__main__": 10,
}
MAX_LINES = 400
#: Modules being split right now (the runner's rework); empty once it lands.
SPLITTING: set[str] = set()
MAX_TOP_MODULES = 12


def _module(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _imports(name: str) -> set[str]:
    """Modules of the package that ``name`` imports (function-local imports included)."""
    found = set()
    for node in ast.walk(ast.parse(MODULES[name].read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "analysis")
        elif (
            isinstance(node, ast.ImportFrom)
            and node.level == 0
            and (node.module or "").startswith("analysis")
        ):
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                found.add(sub if sub in MODULES else node.module)
    return {m for m in found if m in MODULES and m != name}


def _part(name: str) -> str:
    parts = name.split(".")
    return parts[1] if len(parts) > 1 else "analysis"


def test_every_part_has_a_floor():
    parts = {_part(m) for m in MODULES} - {"analysis"}
    assert parts <= set(FLOORS), (
        f"give these parts a floor (and a line in the README tree): {parts - set(FLOORS)}"
    )


@pytest.mark.parametrize("name", sorted(m for m in MODULES if _part(m) != "analysis"))
def test_imports_point_down(name):
    """A module imports its own part or a part on a lower floor, never one that stands above it."""
    own = FLOORS[_part(name)]
    up = sorted(
        m for m in _imports(name) if _part(m) not in {_part(name), "analysis"} and FLOORS[_part(m)] >= own
    )
    assert up == [], f"{name} (floor {own}) imports {up}"


def test_no_import_circles():
    graph = {m: _imports(m) - {"analysis"} for m in MODULES}
    state: dict[str, int] = {}
    cycles = []

    def visit(m: str, stack: list[str]) -> None:
        state[m] = 1
        for n in sorted(graph[m]):
            if state.get(n) == 1:
                cycles.append(stack[stack.index(n) :] + [n] if n in stack else [m, n])
            elif n not in state:
                visit(n, [*stack, n])
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m, [m])
    assert cycles == [], f"import circles: {cycles}"


@pytest.mark.parametrize("name", sorted(set(MODULES) - SPLITTING))
def test_modules_stay_small(name):
    lines = len(MODULES[name].read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{name}: {lines} lines; split it by responsibility (limit {MAX_LINES})"


def test_few_modules_at_the_package_top():
    top = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(top) <= MAX_TOP_MODULES, top


@pytest.mark.parametrize(
    "old, name",
    [("analysis.figures", "save_figure"), ("analysis.context", "setup"),
     ("analysis.params", "ParameterError"), ("analysis.site", "write_index"),
     ("analysis.aggregate", "aggregate_sql")],
)
def test_first_layout_module_paths_still_import(old, name):
    """Outside callers of the first layout keep working: the old path is the same module as the new one."""
    module = importlib.import_module(old)
    assert hasattr(module, name)
    from analysis import LEGACY_MODULES

    assert module is importlib.import_module(LEGACY_MODULES[old])
    assert module.__spec__.name == LEGACY_MODULES[old]
