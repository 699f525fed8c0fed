"""The PDF renderer's worker process: one kaleido (one Chromium) kept open for many figures.

Run as ``python -m components.pdf_worker`` by :mod:`components.renderer`, which talks to it
over stdin/stdout with length-prefixed messages:

* request: 4-byte big-endian length, then JSON ``{"figure", "format", "width", "height"}``;
  a zero length asks the worker to stop;
* reply: 1 status byte (``0`` ok, ``1`` error), 4-byte length, then the image bytes (ok)
  or a UTF-8 error text.

The worker imports nothing of the application: only kaleido (and plotly's bundled plotly.js,
so that no page is fetched from the network; MathJax is off).
"""

from __future__ import annotations

import asyncio
import json
import os
import struct
import sys


def _read_exact(stream, n: int) -> bytes | None:
    data = b""
    while len(data) < n:
        chunk = stream.read(n - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def _read_request(stream):
    head = _read_exact(stream, 4)
    if head is None:
        return None
    (size,) = struct.unpack(">I", head)
    if size == 0:
        return None
    body = _read_exact(stream, size)
    return None if body is None else json.loads(body)


def _reply(stream, ok: bool, payload: bytes) -> None:
    stream.write(struct.pack(">BI", 0 if ok else 1, len(payload)))
    stream.write(payload)
    stream.flush()


def _plotlyjs() -> str | None:
    try:
        import plotly  # noqa: PLC0415

        path = os.path.join(os.path.dirname(plotly.__file__), "package_data", "plotly.min.js")
        return path if os.path.isfile(path) else None
    except Exception:  # noqa: BLE001 - kaleido then uses its own default
        return None


async def _serve(stdin, stdout) -> None:
    import kaleido  # noqa: PLC0415

    loop = asyncio.get_running_loop()
    async with kaleido.Kaleido(n=1, timeout=60, mathjax=False, plotlyjs=_plotlyjs()) as k:
        _reply(stdout, True, b"ready")
        while True:
            request = await loop.run_in_executor(None, _read_request, stdin)
            if request is None:
                return
            try:
                data = await k.calc_fig(
                    request["figure"],
                    opts={"format": request["format"], "width": int(request["width"]),
                          "height": int(request["height"])},
                )
                _reply(stdout, True, data)
            except Exception as exc:  # noqa: BLE001 - reported to the caller
                _reply(stdout, False, f"{type(exc).__name__}: {exc}".encode()[:2000])


def _end_with_parent() -> None:
    """End this worker and its browser (its process group) when the server process dies.

    EOF on stdin ends it too; this also covers a server killed while a render runs, and a
    pipe kept open by some other process.  The parent is watched by polling (not
    ``PR_SET_PDEATHSIG``, which fires when the *thread* that started the worker ends).
    """
    import signal  # noqa: PLC0415
    import threading  # noqa: PLC0415
    import time  # noqa: PLC0415

    def stop(signum=None, frame=None):
        try:
            if os.getpgrp() == os.getpid():  # started in its own session by the renderer
                os.killpg(os.getpgrp(), signal.SIGKILL)
        finally:
            os._exit(1)

    signal.signal(signal.SIGTERM, stop)
    expected = os.environ.get("PDF_WORKER_PARENT", "")
    if not expected.isdigit():
        return
    parent = int(expected)

    def watch():
        while True:
            if os.getppid() != parent:
                stop()
            time.sleep(1.0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def main() -> int:
    _end_with_parent()
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing else may write into the reply stream
    try:
        asyncio.run(_serve(stdin, stdout))
    except Exception as exc:  # noqa: BLE001 - the parent reads the status
        try:
            _reply(stdout, False, f"{type(exc).__name__}: {exc}".encode()[:2000])
        except Exception:  # noqa: BLE001
            pass
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
