"""Server-side timings of the dashboard (plain script; prints figures, asserts nothing).

    .venv/bin/python bench/bench_app.py

1. The complexity callback through the Flask test client (POST /_dash-update-component
   with the payload the browser sends): uncached (fresh cache folder, every (H, K) new)
   and cached (the same requests again); median and 95th percentile over the calls.
   The same for the activation callback.
2. Process start to first served page: spawn ``python app.py`` on a free port and poll
   ``GET /`` until it answers 200.

Targets (issue: first live page): uncached < 50 ms, cached < 5 ms, start < 2 s.
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.components.dash_payload import find_callback, make_payload  # noqa: E402


def summary(times: list[float]) -> str:
    ms = sorted(t * 1e3 for t in times)
    p95 = ms[min(len(ms) - 1, int(round(0.95 * (len(ms) - 1))))]
    return f"median {statistics.median(ms):7.2f} ms   p95 {p95:7.2f} ms   (n = {len(ms)})"


def time_posts(client, payloads: list[dict]) -> list[float]:
    times = []
    for body in payloads:
        t0 = time.perf_counter()
        r = client.post("/_dash-update-component", json=body)
        times.append(time.perf_counter() - t0)
        assert r.status_code == 200, r.status_code
    return times


def bench_callbacks() -> None:
    from app import create_app
    from components import ids
    from components.settings import Settings

    with tempfile.TemporaryDirectory() as cache_dir:
        app = create_app(Settings(cache_dir=cache_dir))
        client = app.server.test_client()
        deps = client.get("/_dash-dependencies").get_json()

        dep = find_callback(deps, ids.COMPLEXITY_GRAPH)
        key = f"{ids.COMPLEXITY_STATE}.data"
        # warm the process (imports, plotly validators) on settings not measured below
        time_posts(client, [make_payload(dep, {key: {"H": 2, "K": 0}})])
        combos = [(H, K) for K in (5, 10, 3) for H in range(3, 13)]  # 30 distinct settings
        bodies = [make_payload(dep, {key: {"H": H, "K": K}}) for H, K in combos]
        print("complexity callback (Θ_k for k = 0..K, table), Flask test client:")
        print("  uncached  ", summary(time_posts(client, bodies)))
        print("  cached    ", summary(time_posts(client, bodies)))

        dep = find_callback(deps, ids.ACTIVATION_GRAPH)
        key = f"{ids.ACTIVATION_STATE}.data"
        base = {"H": 3, "activation": "tanh", "param": None, "pieces": 8, "mu": 0.0,
                "sigma": 1.0, "knots": ""}
        time_posts(client, [make_payload(dep, {key: {**base, "activation": "relu"}})])
        mus = [round(-1.5 + 0.1 * i, 2) for i in range(30)]  # moving the μ slider
        bodies = [make_payload(dep, {key: {**base, "mu": mu}}) for mu in mus]
        print("activation callback (tanh, L = 8, 30 values of μ), Flask test client:")
        print("  uncached  ", summary(time_posts(client, bodies)))
        print("  cached    ", summary(time_posts(client, bodies)))
        body = make_payload(dep, {key: {**base, "pieces": 32, "mu": 0.25}})
        print("activation callback, tanh with L = 32 from cold (worst case):")
        print("  uncached  ", summary(time_posts(client, [body])))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_to_first_page() -> float:
    port = free_port()
    with tempfile.TemporaryDirectory() as cache_dir:
        env = {**os.environ, "PORT": str(port), "HOST": "127.0.0.1", "CACHE_DIR": cache_dir}
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "app.py"], cwd=ROOT, env=env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        try:
            while True:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as r:
                        if r.status == 200:
                            return time.perf_counter() - t0
                except (urllib.error.URLError, ConnectionError, OSError):
                    if proc.poll() is not None:
                        raise RuntimeError("app.py exited before serving") from None
                    if time.perf_counter() - t0 > 60:
                        raise RuntimeError("no page within 60 s") from None
                    time.sleep(0.02)
        finally:
            proc.terminate()
            proc.wait(timeout=20)


def main() -> None:
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    bench_callbacks()
    starts = [start_to_first_page() for _ in range(5)]
    print("process start -> first page (python app.py, GET / = 200):")
    print("  ", summary(starts))


if __name__ == "__main__":
    main()
