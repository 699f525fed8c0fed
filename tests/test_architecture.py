"""Import direction app.py -> components/ -> compute/ -> numpy, scipy (AST scan)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

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
