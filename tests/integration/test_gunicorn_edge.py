"""gunicorn with gunicorn.conf.py: slow clients do not pin it, the app's own long links
reopen, oversized request lines are refused, SIGTERM frees the port."""

from __future__ import annotations

import socket
import threading
import time
import urllib.error

import pytest

from components.permalink import query_from_state
from components.state import default_state
from tests.integration.test_serve import BIN, free_port, get, serve, stop, wait_healthy


@pytest.fixture(scope="module")
def gunicorn_base(tmp_path_factory):
    port = free_port()
    proc = serve(
        [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "-b", f"127.0.0.1:{port}", "app:server"],
        {},
        tmp_path_factory.mktemp("gunicorn"),
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(base, proc)
        yield base, port, proc
    finally:
        stop(proc)


def _trickle(port: int, stop_at: float, opened: list) -> None:
    """A client that sends its request headers one byte at a time, never finishing."""
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    opened.append(s)
    header = b"GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 10_000
    for byte in header:
        if time.monotonic() > stop_at:
            break
        try:
            s.send(bytes([byte]))
        except OSError:
            break
        time.sleep(0.2)


def test_slow_clients_do_not_block_health(gunicorn_base):
    base, port, _ = gunicorn_base
    stop_at = time.monotonic() + 12
    opened: list = []
    threads = [threading.Thread(target=_trickle, args=(port, stop_at, opened), daemon=True) for _ in range(4)]
    for t in threads:
        t.start()
    time.sleep(1.5)
    answered = 0
    try:
        for _ in range(9):
            t0 = time.monotonic()
            status, _ = get(base + "/health", timeout=5)
            answered += status == 200 and time.monotonic() - t0 < 5
            time.sleep(0.5)
    finally:
        for s in opened:
            s.close()
    assert answered == 9


def _longest_link() -> str:
    """Every setting changed and a custom table of 64 knots with the longest numbers."""
    zs = [-(10.0 ** (5 - i * 22 / 31)) * 1.2345678901234567 for i in range(32)]
    zs = zs + [-z for z in reversed(zs)]
    knots = "# " + "comment " * 600 + "\n" + "\n".join(f"{z!r}, {-z * 0.98765432101234567!r}" for z in zs)
    state = {**default_state(), "activation": "custom", "knots": knots, "H": 11, "K": 7, "mu": -0.12345678901234567,
             "sigma": 3.2109876543210987, "gamma": 0.12345678901234567, "lecture": True, "theme": "dark"}
    return "/" + query_from_state(state)


def test_the_longest_link_the_app_writes_reopens(gunicorn_base):
    base, _, _ = gunicorn_base
    link = _longest_link()
    assert 2000 < len(link) < 8190 - 100
    status, page = get(base + link)
    assert status == 200 and b"_dash-renderer" in page


def test_request_lines_beyond_the_limit_are_refused_cleanly(gunicorn_base):
    base, _, proc = gunicorn_base
    with pytest.raises(urllib.error.HTTPError) as info:
        get(base + "/?x=" + "a" * 9000)
    assert info.value.code in (400, 414)
    assert get(base + "/health")[0] == 200
    assert proc.poll() is None


def test_server_header_has_no_version(gunicorn_base):
    base, _, _ = gunicorn_base
    import urllib.request

    with urllib.request.urlopen(base + "/health", timeout=5) as r:
        server = r.headers.get("Server", "")
    assert not any(ch.isdigit() for ch in server)


def test_sigterm_leaves_the_port_free(tmp_path):
    port = free_port()
    proc = serve([str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "-b", f"127.0.0.1:{port}", "app:server"],
                 {}, tmp_path)
    wait_healthy(f"http://127.0.0.1:{port}", proc)
    stop(proc)
    assert proc.returncode == 0
    from tests.integration.test_job_shutdown import _port_free

    assert _port_free(port)  # a new server binds it, as gunicorn does (SO_REUSEADDR)
