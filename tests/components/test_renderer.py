"""The long-lived PDF renderer: renders, survives a dead worker, and leaves no process behind."""

from __future__ import annotations

import os
import signal

import psutil
import pytest

from components.export import find_chromium
from components.renderer import PdfRenderer, RendererError

FIGURE = {"data": [{"type": "scatter", "x": [1, 2, 3], "y": [3, 1, 2]}],
          "layout": {"title": {"text": "renderer check"}}}

pytestmark = pytest.mark.skipif(find_chromium() is None,
                                reason="needs Chromium (apt-get install chromium)")


def _alive(procs):
    out = []
    for p in procs:
        try:
            if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                out.append(p.pid)
        except psutil.NoSuchProcess:
            pass
    return out


def test_ren001_many_figures_one_worker_then_a_clean_close():
    r = PdfRenderer()
    try:
        first = r.render(FIGURE)
        pid = r.worker_pid()
        second = r.render({**FIGURE, "layout": {"title": {"text": "another"}}}, "svg", 400, 300)
        assert first.startswith(b"%PDF-") and b"<svg" in second[:400]
        assert r.worker_pid() == pid and r.starts == 1  # the same worker drew both
        family = [psutil.Process(pid)] + psutil.Process(pid).children(recursive=True)
        assert len(family) > 1  # the worker and its Chromium
    finally:
        r.close()
    assert _alive(family) == []
    with pytest.raises(RendererError, match="closed"):
        r.render(FIGURE)


def test_ren002_a_dead_worker_is_replaced():
    r = PdfRenderer()
    try:
        r.render(FIGURE)
        pid = r.worker_pid()
        family = [psutil.Process(pid)] + psutil.Process(pid).children(recursive=True)
        os.killpg(os.getpgid(pid), signal.SIGKILL)
        psutil.wait_procs(family, timeout=10)
        assert r.render(FIGURE).startswith(b"%PDF-")
        assert r.starts == 2 and r.worker_pid() != pid
    finally:
        r.close()


def test_ren003_a_bad_figure_is_an_error_not_a_dead_worker():
    r = PdfRenderer()
    try:
        with pytest.raises(RendererError):
            r.render(FIGURE, "no-such-format", 100, 100)
        assert r.render(FIGURE).startswith(b"%PDF-")
        assert r.starts == 1
    finally:
        r.close()


_SERVER = """
import sys, time
from components.renderer import PdfRenderer
r = PdfRenderer()
r.render({"data": [], "layout": {}})
print(r.worker_pid(), flush=True)
fork = __import__("os").fork()  # a child holding the worker's pipes open keeps EOF away
if fork == 0:
    time.sleep(60)
    raise SystemExit(0)
time.sleep(60)
"""


def test_ren004_the_worker_ends_when_its_server_is_killed():
    """A server killed outright (SIGKILL, no cleanup) takes its PDF worker and browser with it."""
    import subprocess
    import sys
    import time

    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    server = subprocess.Popen([sys.executable, "-c", _SERVER], cwd=root, stdout=subprocess.PIPE,
                              text=True, env={**os.environ, "PYTHONPATH": root})
    keeper = None
    try:
        pid = int(server.stdout.readline())
        family = [psutil.Process(pid)] + psutil.Process(pid).children(recursive=True)
        keeper = [c for c in psutil.Process(server.pid).children() if c.pid != pid]
        os.kill(server.pid, signal.SIGKILL)
        server.wait(10)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and _alive(family):
            time.sleep(0.2)
        assert _alive(family) == []
    finally:
        for p in keeper or []:
            try:
                p.kill()
            except psutil.NoSuchProcess:
                pass
        if server.poll() is None:
            server.kill()
