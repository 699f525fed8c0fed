"""Benchmark of compute.landscape (theory §6): batched descent and the N = 3 globe.

Run:  .venv/bin/python bench/bench_landscape.py [--runs 200] [--N 100] [--repeat 3]

Prints
* this machine's float64 matrix-multiply rate (numpy, 2000 x 2000, best of 5);
* descent, N = 100, H = 3, 200 runs to convergence: sampling time, descent wall time, the
  flops of the tensor contractions counted by the code (2 n N^H per batched evaluation of n
  points) and the achieved GFLOP/s, iterations and end-point quantiles;
* the globe: N = 3, H = 3, a 200 x 100 grid of loss values plus every critical point
  (median wall time over seeds).

Targets (not asserted): descent < 10 s, globe < 200 ms.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from compute.landscape import descend, find_critical_points, globe_grid, sample_landscape  # noqa: E402


def matmul_gflops(n: int = 2000, repeat: int = 5) -> float:
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((n, n)), rng.standard_normal((n, n))
    a @ b  # warm up
    best = np.inf
    for _ in range(repeat):
        t = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - t)
    return 2.0 * n**3 / best / 1e9


def bench_descent(N: int, H: int, runs: int, seed: int) -> dict:
    t0 = time.perf_counter()
    land = sample_landscape(N, H, seed)
    t1 = time.perf_counter()
    starts = np.random.default_rng([seed, 1]).standard_normal((runs, N))
    starts *= np.sqrt(N) / np.linalg.norm(starts, axis=1, keepdims=True)
    c0 = time.process_time()
    t2 = time.perf_counter()
    res = descend(land, starts)
    t3 = time.perf_counter()
    return {
        "sample_s": t1 - t0,
        "descent_s": t3 - t2,
        "cpu_s": time.process_time() - c0,
        "gflop": res.flops / 1e9,
        "gflops": res.flops / (t3 - t2) / 1e9,
        "steps_total": int(res.steps.sum()),
        "steps_q": np.percentile(res.steps, [50, 90, 100]).astype(int).tolist(),
        "converged": float(res.converged.mean()),
        "index0": float(np.mean(res.index == 0)),
        "u_q": np.round(np.percentile(res.u, [0, 25, 50, 75, 100]), 4).tolist(),
    }


def bench_globe(H: int, seeds: range) -> tuple[float, float, list[int]]:
    sample_landscape(3, H, 0)  # warm up imports and caches
    times, counts = [], []
    for seed in seeds:
        t = time.perf_counter()
        land = sample_landscape(3, H, seed)
        globe_grid(land, 200, 100)
        cp = find_critical_points(land)
        times.append(time.perf_counter() - t)
        counts.append(len(cp.u))
    return float(np.median(times)), float(np.max(times)), counts


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--N", type=int, default=100)
    p.add_argument("--H", type=int, default=3)
    p.add_argument("--runs", type=int, default=200)
    p.add_argument("--repeat", type=int, default=3, help="descent repetitions (seeds 0..repeat-1)")
    args = p.parse_args()

    peak = matmul_gflops()
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    print(f"matmul 2000x2000 float64: {peak:.1f} GFLOP/s")
    for seed in range(args.repeat):
        r = bench_descent(args.N, args.H, args.runs, seed)
        print(
            f"descent N={args.N} H={args.H} runs={args.runs} seed={seed}: sample {r['sample_s']:.3f} s, "
            f"descent {r['descent_s']:.2f} s (cpu {r['cpu_s']:.2f} s), {r['gflop']:.1f} GFLOP counted, "
            f"{r['gflops']:.1f} GFLOP/s = {100 * r['gflops'] / peak:.0f}% of matmul; "
            f"steps total {r['steps_total']}, per run p50/p90/max {r['steps_q']}; "
            f"converged {r['converged']:.0%}, index 0 {r['index0']:.0%}; u quantiles 0/25/50/75/100% {r['u_q']}"
        )
    for H in (3, 6):
        med, worst, counts = bench_globe(H, range(20))
        print(
            f"globe N=3 H={H}: 200x100 grid + critical points: median {1e3 * med:.1f} ms, "
            f"max {1e3 * worst:.1f} ms over 20 seeds; critical points per sample {min(counts)}-{max(counts)}"
        )


if __name__ == "__main__":
    main()
