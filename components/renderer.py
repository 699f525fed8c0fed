"""One long-lived PDF renderer per web process, shut down cleanly.

Rendering a figure with a fresh kaleido costs a Chromium start (1.5–5 s).  The renderer
keeps one kaleido open in a worker process (:mod:`components.pdf_worker`) and sends it one
figure at a time, so every export after the first costs only the drawing.

Stopping a kaleido that lives in the web process itself can block for good; a separate
process can always be stopped: :meth:`PdfRenderer.close` asks the worker to stop, waits a
little, then terminates and finally kills the worker and every process it started (its
Chromium), found through psutil.  The renderer closes itself at interpreter exit.  A worker
that dies or does not answer within the timeout is stopped the same way and started again
for the next export.
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import select
import struct
import subprocess
import sys
import threading
import time
from typing import Mapping

__all__ = ["PdfRenderer", "RendererError", "shared_renderer"]

logger = logging.getLogger(__name__)

_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class RendererError(RuntimeError):
    """The worker failed, died or did not answer; the message is for the log."""


class PdfRenderer:
    """A kaleido worker process, started on first use, shared by the threads of a process."""

    def __init__(self, timeout_s: float = 60.0, start_timeout_s: float = 60.0,
                 browser_path: str | None = None) -> None:
        self.timeout_s = float(timeout_s)
        self.start_timeout_s = float(start_timeout_s)
        self.browser_path = browser_path
        self._lock = threading.Lock()
        self._proc: subprocess.Popen | None = None
        self._closed = False
        self.starts = 0
        atexit.register(self.close)

    # ---------------------------------------------------------------- the worker
    def _start(self) -> None:
        env = dict(os.environ)
        env["PYTHONPATH"] = _ROOT + os.pathsep + env.get("PYTHONPATH", "")
        if self.browser_path:
            env["BROWSER_PATH"] = self.browser_path
        env["PDF_WORKER_PARENT"] = str(os.getpid())
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "components.pdf_worker"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            cwd=_ROOT, env=env, start_new_session=True,
        )
        self.starts += 1
        ok, payload = self._receive(self.start_timeout_s)
        if not ok or payload != b"ready":
            self._stop_worker()
            raise RendererError(f"the PDF worker did not start: {payload[:300]!r}")

    def _read(self, n: int, deadline: float) -> bytes:
        out = self._proc.stdout
        fd = out.fileno()
        data = b""
        while len(data) < n:
            left = deadline - time.monotonic()
            if left <= 0:
                raise RendererError("the PDF worker did not answer in time")
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                continue
            chunk = os.read(fd, n - len(data))
            if not chunk:
                raise RendererError("the PDF worker stopped")
            data += chunk
        return data

    def _receive(self, timeout: float) -> tuple[bool, bytes]:
        deadline = time.monotonic() + timeout
        status, size = struct.unpack(">BI", self._read(5, deadline))
        return status == 0, self._read(size, deadline)

    def _stop_worker(self, grace_s: float = 3.0) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        try:
            import psutil  # noqa: PLC0415

            family = psutil.Process(proc.pid).children(recursive=True)
        except Exception:  # noqa: BLE001 - already gone
            family = []
        try:
            if proc.poll() is None:
                proc.stdin.write(struct.pack(">I", 0))
                proc.stdin.flush()
        except (BrokenPipeError, OSError, ValueError):
            pass
        try:
            proc.wait(timeout=grace_s)
        except subprocess.TimeoutExpired:
            proc.terminate()
            try:
                proc.wait(timeout=2)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
        for child in family:  # Chromium and its helpers, if the worker left any behind
            try:
                if child.is_running():
                    child.kill()
            except Exception:  # noqa: BLE001 - gone meanwhile
                pass
        for stream in (proc.stdin, proc.stdout):
            try:
                stream.close()
            except Exception:  # noqa: BLE001
                pass

    # ---------------------------------------------------------------- public
    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def worker_pid(self) -> int | None:
        return self._proc.pid if self.running else None

    def render(self, figure: Mapping, fmt: str = "pdf", width: int = 1100,
               height: int = 680) -> bytes:
        """The figure as ``fmt`` bytes.  RendererError when the worker fails."""
        request = json.dumps({"figure": figure, "format": fmt, "width": int(width),
                              "height": int(height)}, default=_jsonable).encode()
        with self._lock:
            if self._closed:
                raise RendererError("the PDF renderer is closed")
            if not self.running:
                self._stop_worker(grace_s=0.1)
                self._start()
            try:
                self._proc.stdin.write(struct.pack(">I", len(request)) + request)
                self._proc.stdin.flush()
                ok, payload = self._receive(self.timeout_s)
            except (RendererError, BrokenPipeError, OSError) as exc:
                self._stop_worker(grace_s=0.5)
                raise RendererError(str(exc)) from None
            if not ok:
                raise RendererError(payload.decode("utf-8", "replace"))
            return payload

    def close(self) -> None:
        """Stop the worker and its Chromium; later renders are refused."""
        with self._lock:
            self._closed = True
            self._stop_worker()


def _jsonable(x):
    """numpy arrays and scalars inside a figure dict, for json.dumps."""
    tolist = getattr(x, "tolist", None)
    if callable(tolist):
        return tolist()
    raise TypeError(f"not JSON serializable: {type(x).__name__}")


_SHARED: PdfRenderer | None = None
_SHARED_LOCK = threading.Lock()


def shared_renderer(timeout_s: float = 60.0) -> PdfRenderer:
    """The process's renderer (created on first use, with ``timeout_s`` a figure; a forked
    child makes its own)."""
    global _SHARED  # noqa: PLW0603 - one per process by design
    with _SHARED_LOCK:
        if _SHARED is None or getattr(_SHARED, "_pid", None) != os.getpid():
            _SHARED = PdfRenderer(timeout_s=timeout_s)
            _SHARED._pid = os.getpid()  # noqa: SLF001
        return _SHARED
