"""SIGTERM with a background job running: the server stops, the port is free, no job is left.

Both start commands: gunicorn with gunicorn.conf.py and ``python app.py``.  The job is the
descent experiment (lab size 250: about half a minute of work), started over HTTP the way
the page starts it.
"""

from __future__ import annotations

import json
import signal
import socket
import sys
import time
import urllib.request

import psutil
import pytest

from tests.components.dash_payload import find_callback, make_payload
from tests.integration.test_serve import BIN, free_port, get, serve, wait_healthy

DESCENT_GRAPH = "lab-descent-graph"
DESCENT_RUN = "lab-descent-run"
SETTINGS = {"tab": "lab", "H": 3, "lab_N": 250, "runs": 100, "seed": 3}


def _start_job(base: str) -> dict:
    _, body = get(base + "/_dash-dependencies")
    dep = find_callback(json.loads(body), DESCENT_GRAPH)
    settings_key = next(f"{s['id']}.{s['property']}" for s in dep["state"])
    payload = make_payload(dep, {f"{DESCENT_RUN}.n_clicks": 1, settings_key: SETTINGS})
    req = urllib.request.Request(base + "/_dash-update-component", data=json.dumps(payload).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read())


def _descendants(server_pid: int) -> dict[int, psutil.Process]:
    return {p.pid: p for p in psutil.Process(server_pid).children(recursive=True)}


def _port_free(port: int) -> bool:
    """Nothing listens on ``port`` and a new server can bind it (as gunicorn does, with
    SO_REUSEADDR: connections of the old server in TIME_WAIT do not count)."""
    if any(c.laddr and c.laddr.port == port and c.status == psutil.CONN_LISTEN
           for c in psutil.net_connections(kind="tcp")):
        return False
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
            s.listen()
            return True
        except OSError:
            return False


@pytest.mark.parametrize("command", ["gunicorn", "python"])
def test_sigterm_with_a_job_running_frees_the_port_and_ends_the_job(tmp_path, command):
    port = free_port()
    if command == "gunicorn":
        cmd = [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "-b", f"127.0.0.1:{port}", "app:server"]
        env = {}
    else:
        cmd = [sys.executable, "app.py"]
        env = {"PORT": str(port), "HOST": "127.0.0.1"}
    proc = serve(cmd, env, tmp_path)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(base, proc)
        time.sleep(1.0)
        before = _descendants(proc.pid)
        reply = _start_job(base)
        assert "job" in reply and "cacheKey" in reply
        deadline = time.monotonic() + 20
        jobs: list = []
        while time.monotonic() < deadline and not jobs:
            jobs = [p for pid, p in _descendants(proc.pid).items() if pid not in before]
            time.sleep(0.2)
        assert jobs, "no job process was started"
        seen = {p.pid: p for p in jobs}
        until = time.monotonic() + 4  # the job's own workers (a process pool) start a little later
        while time.monotonic() < until:
            seen.update({pid: p for pid, p in _descendants(proc.pid).items() if pid not in before})
            time.sleep(0.2)
        jobs = list(seen.values())
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=40)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and (any(j.is_running() and j.status() != psutil.STATUS_ZOMBIE for j in jobs)
                                           or not _port_free(port)):
        time.sleep(0.1)
    assert not [j.pid for j in jobs if j.is_running() and j.status() != psutil.STATUS_ZOMBIE]
    assert _port_free(port)
