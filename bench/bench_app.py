"""Server-side timings of the dashboard (plain script; prints figures, asserts nothing).

    .venv/bin/python bench/bench_app.py

1. Every server callback through the Flask test client (POST /_dash-update-component
   with the payload the browser sends), uncached (fresh cache folder, every setting new)
   and cached (the same requests again): median and 95th percentile.
   - settings sync (a control moves: validate, dispatch, write the link);
   - complexity, layered structure, finite N (N = 1000; N = 50 with Monte Carlo;
     N = 10⁴, the largest exact total computed live), activation (tanh, 30 values of μ);
   - CSV export; PDF export (kaleido + Chromium).
2. Process start to first served page: spawn ``python app.py`` on a free port and poll
   ``GET /`` until it answers 200.

Targets: analytic callbacks uncached < 50 ms, cached < 5 ms; start < 2 s.
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
    return f"median {statistics.median(ms):8.2f} ms   p95 {p95:8.2f} ms   (n = {len(ms)})"


def time_posts(client, payloads: list[dict]) -> list[float]:
    times = []
    for body in payloads:
        t0 = time.perf_counter()
        r = client.post("/_dash-update-component", json=body)
        times.append(time.perf_counter() - t0)
        assert r.status_code in (200, 204), r.status_code
    return times


def report(name: str, client, bodies: list[dict], cached: bool = True) -> None:
    print(f"{name}:")
    print("  uncached  ", summary(time_posts(client, bodies)))
    if cached:
        print("  cached    ", summary(time_posts(client, bodies)))


def bench_callbacks() -> None:
    from app import create_app
    from components import ids
    from components.state import default_state, resolve_range, view_slice
    from components.sync import CONTROLS, control_values

    with tempfile.TemporaryDirectory() as cache_dir:
        app = create_app(__import__("components.settings", fromlist=["Settings"]).Settings(cache_dir=cache_dir))
        client = app.server.test_client()
        deps = client.get("/_dash-dependencies").get_json()

        def state(**kw):
            return resolve_range({**default_state(), **kw})

        # warm the process (imports, plotly validators) on settings not measured below
        for store, graph, st in ((ids.COMPLEXITY_STATE, ids.COMPLEXITY_GRAPH, state(H=2, K=0)),
                                 (ids.ACTIVATION_STATE, ids.ACTIVATION_GRAPH, state(activation="relu"))):
            dep = find_callback(deps, graph)
            view = "complexity" if graph == ids.COMPLEXITY_GRAPH else "activation"
            time_posts(client, [make_payload(dep, {f"{store}.data": view_slice(st, view)})])

        dep = find_callback(deps, ids.SETTINGS)
        bodies = []
        before = state()
        for H in list(range(2, 13)) * 3:
            values = {f"{cid}.value": v for key, cid in CONTROLS.items()
                      for k, v in control_values(before).items() if k == key}
            values[f"{ids.DEPTH}.value"] = H
            values[f"{ids.SETTINGS}.data"] = before
            values[f"{ids.URL}.search"] = ""
            bodies.append(make_payload(dep, values, [f"{ids.DEPTH}.value"]))
        print("settings sync (depth slider moves, 33 requests):")
        print("  every call", summary(time_posts(client, bodies)))

        def view_bodies(graph, store, view, states):
            dep = find_callback(deps, graph)
            return [make_payload(dep, {f"{store}.data": view_slice(s, view)}) for s in states]

        combos = [state(H=H, K=K) for K in (5, 10, 3) for H in range(3, 13)]  # 30 settings
        report("complexity callback (Θ_k for k = 0..K, table, table view)", client,
               view_bodies(ids.COMPLEXITY_GRAPH, ids.COMPLEXITY_STATE, "complexity", combos))
        report("layered-structure callback (two figures)", client,
               view_bodies("layered-k-graph", ids.LAYERED_STATE, "layered", combos))
        report("finite-N callback, N = 1000 (leading order + exact total, 30 settings)", client,
               view_bodies("finite-graph", ids.FINITE_STATE, "finite",
                           [state(H=H, K=K, N=1000) for K in (5, 10, 3) for H in range(3, 13)]))
        report("finite-N callback, N = 50 (+ Monte Carlo, 1000 matrices × 7 levels × 2 indices)",
               client, view_bodies("finite-graph", ids.FINITE_STATE, "finite",
                                   [state(H=H, N=50) for H in range(3, 8)]))
        report("finite-N callback, N = 10⁴ (largest exact total computed live)", client,
               view_bodies("finite-graph", ids.FINITE_STATE, "finite",
                           [state(H=H, N=10_000) for H in (3, 6, 9)]))
        base = dict(activation="tanh", pieces=8)
        mus = [round(-1.5 + 0.1 * i, 2) for i in range(30)]  # moving the μ slider
        report("activation callback (tanh, L = 8, 30 values of μ; three figures)", client,
               view_bodies(ids.ACTIVATION_GRAPH, ids.ACTIVATION_STATE, "activation",
                           [state(mu=mu, **base) for mu in mus]))

        dep = find_callback(deps, "complexity-download-csv")
        bodies = [make_payload(dep, {"complexity-export-csv.n_clicks": 1,
                                     f"{ids.SETTINGS}.data": state(H=H)}) for H in range(3, 13)]
        print("CSV export of the complexity plot (renderer cached by the view):")
        print("  every call", summary(time_posts(client, bodies)))
        dep = find_callback(deps, "complexity-download-pdf")
        bodies = [make_payload(dep, {"complexity-export-pdf.n_clicks": 1,
                                     f"{ids.SETTINGS}.data": state(H=H)}) for H in range(3, 9)]
        print("PDF export (kaleido; each export runs its own short-lived Chromium):")
        print("  every call", summary(time_posts(client, bodies)))


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
