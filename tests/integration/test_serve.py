"""The start commands work: the image's gunicorn command and ``python app.py``."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from components import ids
from tests.components.dash_payload import find_callback, make_payload

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str, timeout: float = 10):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.status, r.read()


def post_json(url: str, body: dict, timeout: float = 30):
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=timeout) as r:
        return r.status, json.loads(r.read())


def wait_healthy(base: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            out = proc.stdout.read() if proc.stdout else ""
            pytest.fail(f"server exited with {proc.returncode}:\n{out}")
        try:
            if get(base + "/health", timeout=2)[0] == 200:
                return
        except (urllib.error.URLError, ConnectionError, OSError):
            time.sleep(0.2)
    pytest.fail(f"{base}/health did not answer 200 within {timeout} s")


def serve(cmd: list[str], env_extra: dict, tmp_path):
    env = {**os.environ, "CACHE_DIR": str(tmp_path / "cache"), **env_extra}
    return subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


def exercise(base: str) -> None:
    status, body = get(base + "/health")
    assert status == 200 and json.loads(body)["status"] == "ok"
    status, page = get(base + "/")
    assert status == 200 and b"_dash-renderer" in page
    status, body = get(base + "/_dash-dependencies")
    dep = find_callback(json.loads(body), ids.COMPLEXITY_GRAPH)
    for H in (4, 4, 99):  # computed, cached (possibly by the other worker), forged
        status, reply = post_json(
            base + "/_dash-update-component",
            make_payload(dep, {f"{ids.COMPLEXITY_STATE}.data": {"H": H, "K": 2}}),
        )
        assert status == 200
        assert len(reply["response"][ids.COMPLEXITY_GRAPH]["figure"]["data"]) == 4
    assert "Depth H" in json.dumps(reply["response"][ids.COMPLEXITY_ALERT])


def test_gunicorn_command_of_the_image_serves_the_app(tmp_path):
    port = free_port()
    proc = serve(
        [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "--no-control-socket", "-b", f"127.0.0.1:{port}",
         "app:server"],
        {},
        tmp_path,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_healthy(base, proc)
        exercise(base)
    finally:
        stop(proc)
    assert proc.returncode == 0  # gunicorn shuts down cleanly on SIGTERM


def test_python_app_py_serves_on_port_from_environment(tmp_path):
    port = free_port()
    proc = serve([sys.executable, "app.py"], {"PORT": str(port), "HOST": "127.0.0.1"}, tmp_path)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_healthy(base, proc)
        exercise(base)
    finally:
        stop(proc)


def test_ci_runs_exactly_the_readme_test_command():
    readme = (ROOT / "README.md").read_text().splitlines()
    commands = [line for line in readme if line.startswith("apt-get update")]
    assert len(commands) == 2, "README must show exactly two one-line commands"
    # they run as root on a bare Debian, where sudo does not exist
    assert not any("sudo" in c for c in commands)
    run, test = commands
    assert run.endswith(".venv/bin/python app.py") and "requirements.txt" in run
    assert test.endswith(".venv/bin/python -m pytest") and "chromium-driver" in test
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert any(line.startswith(test + " ||") or line == test for line in ci)
    assert os.access(ROOT / ".ci" / "run", os.X_OK)
