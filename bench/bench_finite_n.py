"""Timings of the exact finite-N counts (theory §4).

Run from the repository root::

    .venv/bin/python bench/bench_finite_n.py

Prints the best and the median of several repeats (time.perf_counter) for the
deterministic total count at N = 100, 1000, 10000 (H = 3, all critical points and
below u = -1.6), a 200-point loss grid at N = 1000, and the index-0 and index-5
Monte Carlo counts at N = 100 with 20000 samples.  Nothing here is asserted.
"""

from __future__ import annotations

import math
import pathlib
import statistics
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from compute.finite_n import expected_critical_points, log_expected_total_count  # noqa: E402


def bench(label, fn, repeats):
    fn()  # warm-up (imports, caches)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    print(
        f"{label:<70s} best {min(times) * 1e3:9.2f} ms   "
        f"median {statistics.median(times) * 1e3:9.2f} ms   ({repeats} repeats)"
    )


def main():
    for N, reps in ((100, 30), (1000, 20), (10_000, 5)):
        bench(f"total count, N = {N}, H = 3, u_max = inf",
              lambda N=N: expected_critical_points(N, 3), reps)
        bench(f"total count, N = {N}, H = 3, u_max = -1.6",
              lambda N=N: expected_critical_points(N, 3, -1.6), reps)
    bench("total count, N = 1000, H = 2, u_max = inf", lambda: expected_critical_points(1000, 2), 20)
    grid = np.linspace(-2.0, 1.0, 200)
    bench("total count on a 200-point u grid, N = 1000, H = 3",
          lambda: log_expected_total_count(1000, 3, grid), 10)
    bench("index 0, Monte Carlo, N = 100, H = 3, 20000 samples, u_max = inf",
          lambda: expected_critical_points(100, 3, math.inf, k=0, samples=20000, seed=0), 5)
    bench("index 0, N = 100, H = 3, 20000 samples, u_max = -1.6 (total - higher)",
          lambda: expected_critical_points(100, 3, -1.6, k=0, samples=20000, seed=0), 5)
    for u in (math.inf, -1.6):
        r = expected_critical_points(100, 3, u, k=0)
        print(f"  u_max = {u}: index 0 {r.value:.6g} +- {r.stderr:.2g}, "
              f"all indices {expected_critical_points(100, 3, u).value:.6g}  [{r.method}]")
    bench("index 5, Monte Carlo, N = 100, H = 3, 20000 samples, u_max = inf",
          lambda: expected_critical_points(100, 3, math.inf, k=5, samples=20000, seed=0), 3)

if __name__ == "__main__":
    main()
