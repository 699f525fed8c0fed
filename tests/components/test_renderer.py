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
