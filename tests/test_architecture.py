"""Import direction app.py -> components/ -> compute/ -> numpy, scipy (AST scan)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from bench.measure_shape import cycles

ROOT = Path(__file__).resolve().parents[1]
WEB = {"dash", "plotly", "flask", "flask_caching", "werkzeug", "gunicorn"}


def imported_modules(path: Path) -> set[str]:
    """Top-level dotted names imported anywhere in ``path`` (absolute imports only)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def roots(names: set[str]) -> set[str]:
    return {name.split(".")[0] for name in names}


def sources(folder: str) -> list[Path]:
    files = sorted((ROOT / folder).rglob("*.py"))
    assert files, f"no Python files under {folder}/"
    return files


def test_scanner_sees_every_import_form(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text(
        "import dash.html\nfrom flask import Flask\n"
        "def f():\n    import plotly.graph_objects as go\n    from flask_caching import Cache\n"
        "from . import sibling\n"
    )
    assert roots(imported_modules(probe)) == {"dash", "flask", "plotly", "flask_caching"}


@pytest.mark.parametrize("path", sources("compute"), ids=lambda p: p.name)
def test_compute_imports_no_web_framework(path):
    assert not roots(imported_modules(path)) & WEB
    assert "components" not in roots(imported_modules(path))
    assert "app" not in roots(imported_modules(path))


@pytest.mark.parametrize("path", sources("components"), ids=lambda p: p.name)
def test_components_never_import_app(path):
    assert "app" not in roots(imported_modules(path))


@pytest.mark.parametrize("path", sources("components"), ids=lambda p: p.name)
def test_only_cache_module_knows_flask_caching(path):
    uses = "flask_caching" in roots(imported_modules(path))
    assert uses == (path.name == "cache.py")


# ---------------------------------------------------------------------------------------
# The shape of components/ (docs/architecture.md)
# ---------------------------------------------------------------------------------------


def module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
    return ".".join(parts)


def _guarded(node: ast.If) -> bool:
    """``if TYPE_CHECKING:`` -- imports for annotations only, never executed."""
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def runtime_imports(path: Path) -> set[str]:
    """Modules ``path`` imports when it runs (lazy imports included, TYPE_CHECKING not)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()

    def visit(node):
        if isinstance(node, ast.If) and _guarded(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return names


def project_graph() -> dict[str, set[str]]:
    """Import graph of app.py and every module under components/ and compute/."""
    files = [ROOT / "app.py", *sources("components"), *sources("compute")]
    modules = {module_name(p): p for p in files}
    graph = {}
    for name, path in modules.items():
        graph[name] = {m for m in runtime_imports(path) if m in modules and m != name}
    return graph


def test_scanner_skips_type_checking_imports(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                     "    from components.state import Activation\nimport numpy\n")
    assert roots(runtime_imports(probe)) == {"typing", "numpy"}


def test_no_import_cycles():
    assert cycles(project_graph()) == []


def test_cycle_finder_finds_a_loop():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == [["a", "b", "c", "a"]]


def _components(folder: str) -> list[Path]:
    return [p for p in sources(f"components/{folder}") if p.name != "__init__.py"]


@pytest.mark.parametrize("path", _components("figures"), ids=lambda p: p.name)
def test_figures_import_neither_compute_nor_dash(path):
    names = runtime_imports(path)
    assert not roots(names) & {"compute", "dash", "flask", "flask_caching"}
    inside = {n for n in names if n.startswith("components.")}
    assert all(n.startswith(("components.figures", "components.data.reasons")) for n in inside), inside


@pytest.mark.parametrize("path", sources("components/data"), ids=lambda p: p.name)
def test_data_imports_neither_dash_nor_plotly(path):
    names = runtime_imports(path)
    assert not roots(names) & {"dash", "plotly", "flask", "flask_caching"}
    inside = {n for n in names if n.startswith("components.")}
    # data may hand heavy work to the executor of this process (components/tasks.py)
    assert all(n.startswith(("components.data", "components.tasks")) for n in inside), inside


@pytest.mark.parametrize("path", sources("components/views"), ids=lambda p: p.name)
def test_views_import_no_sync_layout_or_callbacks(path):
    names = runtime_imports(path)
    banned = ("components.sync", "components.layout", "components.callbacks")
    assert not [n for n in names if n.startswith(banned)]


_ID_KEYWORDS = {"id", "htmlFor", "html_for", "target_id", "row_id", "label_id", "table_id"}
_ID_CALLS = {"Input", "Output", "State"}


def _literal_ids(path: Path) -> list[str]:
    """Component ids spelled as literals: ``id="..."``, ``Input("...", ...)`` and the like."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        values = [k.value for k in node.keywords if k.arg in _ID_KEYWORDS]
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if name in _ID_CALLS and node.args:
            values.append(node.args[0])
        for value in values:
            if isinstance(value, (ast.Constant, ast.JoinedStr)) and not (
                    isinstance(value, ast.Constant) and value.value is None):
                found.append(f"{path.name}:{node.lineno}")
    return found


def test_the_id_scanner_sees_literal_ids(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text('html.Div(id="x")\nOutput("y", "figure")\nhtml.Div(id=f"{p}-block")\n'
                     "html.Div(id=ids.X)\nhtml.Div(id=None)\n")
    assert len(_literal_ids(probe)) == 3


def test_component_ids_are_spelled_only_in_ids_py():
    files = [p for p in sources("components") if p.name != "ids.py"] + [ROOT / "app.py"]
    assert [hit for path in files for hit in _literal_ids(path)] == []


def test_ids_the_browser_script_uses_exist():
    from components import ids

    script = (ROOT / "assets" / "app.js").read_text()
    used = set(re.findall(r'getElementById\("([^"]+)"\)', script))
    used |= set(re.findall(r'set_props\("([^"]+)"', script))
    known = {v for v in vars(ids).values() if isinstance(v, str)}
    assert used and used <= known


def test_every_registered_view_has_a_layout_and_a_register():
    from components.registry import VIEWS, module_of

    names = [v.name for v in VIEWS]
    assert len(names) == len(set(names))
    for view in VIEWS:
        module = module_of(view)
        assert module.__name__.startswith("components.views.")
        assert callable(module.layout) and callable(module.register)
