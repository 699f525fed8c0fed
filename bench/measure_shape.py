"""Shape figures of the user interface: lines per file, the largest UI file, import loops,
component ids spelled outside components/ids.py, and lines over 100 columns.

    python bench/measure_shape.py [ROOT]     # ROOT: a checkout (default: this one)

Reads files as text (AST for imports and ids); runs nothing of the project.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

_ID_KEYWORDS = {"id", "htmlFor", "html_for", "target_id", "row_id", "label_id", "table_id"}
_ID_CALLS = {"Input", "Output", "State"}


def _module(root: Path, path: Path) -> str:
    rel = path.relative_to(root).with_suffix("")
    parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
    return ".".join(parts)


def _imports(path: Path) -> set[str]:
    names: set[str] = set()

    def visit(node):
        if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING":
            return
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{a.name}" for a in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text()))
    return names


def import_loops(root: Path) -> list[list[str]]:
    """Cycles of the import graph of app.py, components/ and compute/ (lazy imports count)."""
    files = [root / "app.py", *sorted((root / "components").rglob("*.py")),
             *sorted((root / "compute").rglob("*.py"))]
    modules = {_module(root, p): p for p in files if p.exists()}
    graph = {m: {n for n in _imports(p) if n in modules and n != m} for m, p in modules.items()}
    return cycles(graph)


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The cycles a depth-first walk of ``graph`` (module -> imported modules) runs into."""
    state: dict[str, int] = {}
    stack: list[str] = []
    loops: list[list[str]] = []

    def visit(node):
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                loops.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    return loops


def literal_ids(path: Path) -> list[int]:
    """Lines of ``path`` that spell a component id as a string literal."""
    hits = []
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.Call):
            continue
        values = [k.value for k in node.keywords if k.arg in _ID_KEYWORDS]
        name = getattr(node.func, "attr", None) or getattr(node.func, "id", "")
        if name in _ID_CALLS and node.args:
            values.append(node.args[0])
        for value in values:
            literal = isinstance(value, ast.JoinedStr) or (
                isinstance(value, ast.Constant) and isinstance(value.value, str))
            if literal:
                hits.append(node.lineno)
    return hits


def constant_ids(path: Path) -> int:
    """Module-level ``NAME = "...-..."`` id constants outside ids.py (the old per-view ids)."""
    count = 0
    for node in ast.parse(path.read_text()).body:
        if (isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
                and isinstance(node.value.value, str) and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name) and node.targets[0].id.isupper()
                and node.value.value.replace("-", "").isalnum() and "-" in node.value.value
                and " " not in node.value.value):
            count += 1
    return count


def main(root: Path) -> None:
    ui = sorted((root / "components").rglob("*.py"))
    sizes = sorted(((len(p.read_text().splitlines()), p.relative_to(root)) for p in ui), reverse=True)
    print(f"components/: {len(ui)} files, {sum(n for n, _ in sizes)} lines")
    for n, p in sizes:
        print(f"  {n:5d}  {p}")
    print(f"largest UI file: {sizes[0][1]} ({sizes[0][0]} lines)")
    loops = import_loops(root)
    print(f"import loops: {len(loops)}" + "".join(f"\n  {' -> '.join(c)}" for c in loops))
    outside = [p for p in ui if p.name != "ids.py"] + [root / "app.py"]
    literal = sum(len(literal_ids(p)) for p in outside)
    consts = sum(constant_ids(p) for p in outside)
    print(f"ids outside ids.py: {literal} literal id arguments, {consts} id constants")
    py = [root / "app.py", *ui, *sorted((root / "compute").rglob("*.py")),
          *sorted((root / "tests").rglob("*.py")), *sorted((root / "bench").rglob("*.py"))]
    long = sum(1 for p in py if p.exists() for line in p.read_text().splitlines() if len(line) > 100)
    print(f"lines over 100 columns (app, components, compute, tests, bench): {long}")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parents[1]))
