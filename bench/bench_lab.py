"""Benchmark of the landscapes lab's callbacks (theory §4, §6), without a cache.

Run:  .venv/bin/python bench/bench_lab.py [--repeat 5] [--chart-N 50 100 250] [--runs 100]
          [--lab-N 250]

Prints, per part, the wall time of the plain callback functions (what a request or a
background job spends, cache misses only) and the size of the JSON sent to the browser:

* globe: ``globe_outputs`` for H = 3, 6, 12 (N = 3, 200 × 100 grid + every critical point,
  plus building the figure and serialising it), median over seeds;
* count table: one landscape plus the theory §4 column, and the average over 200 seeds;
* charts: ``chart_outputs`` (8 seeded descents at N, chart 101 × 101, great-circle profile);
* descent experiment: ``descent_outputs`` for lab_N and runs (the sizes 25, 50, 100, 250
  up to lab_N under the cost cap), with the end-point quantiles per N.

Nothing is asserted; the figures go into docs/lab.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

import numpy as np
import plotly.io as pio

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from components.data import lab as lab_data  # noqa: E402
from components.views import lab  # noqa: E402


def _timed(fn, *args, **kwargs):
    t = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - t


def _json_kb(fig) -> float:
    return len(pio.to_json(fig, validate=False)) / 1024.0


def bench_globe(repeat: int) -> None:
    for H in (3, 6, 12):
        times, size = [], 0.0
        for seed in range(repeat):
            t = time.perf_counter()
            out = lab.globe_outputs({"H": H, "seed": seed})
            size = _json_kb(out["figure"])
            times.append(time.perf_counter() - t)
        print(f"globe  H = {H:2d}: median {1e3 * statistics.median(times):7.1f} ms "
              f"(max {1e3 * max(times):.1f} ms, incl. JSON), figure {size:.0f} kB")


def bench_counts() -> None:
    _, t1 = _timed(lab.count_table_outputs, {"H": 3, "seed": 1}, False)
    _, t2 = _timed(lab.count_table_outputs, {"H": 3, "seed": 1}, True)
    print(f"count table H = 3: sample + theory {t1:.2f} s; average over "
          f"{lab_data.AVERAGE_SEEDS} seeds {t2:.2f} s")


def bench_charts(sizes: list[int]) -> None:
    for N in sizes:
        out, t = _timed(lab.chart_outputs, {"H": 3, "seed": 1, "lab_N": N})
        print(f"charts N = {N:3d}, H = 3: {t:6.2f} s — {out['info']}")


def bench_descent(lab_N: int, runs: int) -> None:
    marks = []
    out, t = _timed(lab.descent_outputs, {"H": 3, "seed": 1, "lab_N": lab_N, "runs": runs},
                    lambda p: marks.append(p))
    print(f"descent experiment lab_N = {lab_N}, runs = {runs}, H = 3: {t:.1f} s "
          f"({len(marks)} progress reports) — {out['status']}")
    fig = out["figure"]
    for trace in fig.data:
        u = np.asarray(trace.x)
        q = np.quantile(u, [0.0, 0.1, 0.5, 0.9, 1.0])
        print(f"  {trace.name:>22s}: min {q[0]:.4f}  10% {q[1]:.4f}  median {q[2]:.4f}  "
              f"90% {q[3]:.4f}  max {q[4]:.4f}  IQR {np.subtract(*np.quantile(u, [0.75, 0.25])):.4f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--chart-N", type=int, nargs="*", default=[50, 100, 250])
    parser.add_argument("--lab-N", type=int, default=250)
    parser.add_argument("--runs", type=int, default=100)
    args = parser.parse_args()
    print(f"cores: {os.cpu_count()}")
    bench_globe(args.repeat)
    bench_counts()
    bench_charts(args.chart_N)
    bench_descent(args.lab_N, args.runs)


if __name__ == "__main__":
    main()
