"""Benchmark of compute.networks: many small networks trained at once.

Run:  .venv/bin/python bench/bench_networks.py [--quick] [--skip-memory]

Prints, with the machine's load (``uptime``) before and after:
* this machine's matrix-multiply peak in the same run (float32 and float64, 1 BLAS thread
  and all threads; best of repeated 1000 × 1000 and 2000 × 2000 products, measured at the
  start and the end, the larger kept);
* per width (digits, ReLU, H = 2, 100 restarts, float32, 1 BLAS thread) and per matrix
  formulation (block / batched / loop): model-epochs per second, achieved GFLOP/s counted
  as 6 N per sample (forward 2 N, backward 4 N) and the fraction of the 1-thread float32 peak;
* the default experiment of the "Real networks" view (digits, ReLU, H = 2, widths
  10/25/50/100, 100 restarts, 30 epochs): wall time and the time to the first progress
  report after training started;
* peak resident memory of child processes at the settings where the memory bounds bind
  (:data:`MEMORY_CASES`; float64, with piece statistics).  Memory does not grow with the
  number of restarts beyond one chunk (restarts are trained chunk after chunk).

Targets (not asserted): ≥ 30 % of the matmul peak at width ≥ 100; default experiment < 30 s;
first progress < 1 s; memory < 2 GB.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from threadpoolctl import threadpool_limits  # noqa: E402

from compute import networks as nw  # noqa: E402


def uptime() -> str:
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()
    except OSError:
        return "uptime unavailable"


def matmul_peak(dtype, threads: int | None, repeat: int = 6) -> float:
    rng = np.random.default_rng(0)
    best = 0.0
    ctx = threadpool_limits(limits=threads, user_api="blas") if threads else threadpool_limits(limits=None)
    with ctx:
        for n in (1000, 2000):
            a = rng.standard_normal((n, n)).astype(dtype)
            b = rng.standard_normal((n, n)).astype(dtype)
            a @ b
            for _ in range(repeat):
                t = time.perf_counter()
                a @ b
                best = max(best, 2.0 * n**3 / (time.perf_counter() - t) / 1e9)
    return best


def peaks() -> dict:
    return {
        (dt.__name__, th): matmul_peak(dt, th)
        for dt in (np.float32, np.float64)
        for th in (1, None)
    }


def bench_widths(widths, restarts, epochs, formulations) -> list[dict]:
    rows = []
    for w in widths:
        for form in formulations:
            if form == "loop" and w < 100:
                continue  # 100 separate tiny networks: dominated by Python overhead
            t = time.perf_counter()
            r = nw.train_networks("digits", "relu", 2, w, restarts, epochs, 0, formulation=form,
                                  measure_pieces=False)
            dt = time.perf_counter() - t
            rows.append(dict(width=w, N=r.n_weights, form=form, seconds=dt,
                             model_epochs=restarts * epochs / dt, gflops=r.flops / dt / 1e9))
            print(f"  width {w:4d} N {r.n_weights:6d} {form:8s} {dt:7.2f} s "
                  f"{rows[-1]['model_epochs']:8.1f} model-epochs/s {rows[-1]['gflops']:6.1f} GFLOP/s",
                  flush=True)
    return rows


def default_experiment() -> dict:
    times = []
    t0 = time.perf_counter()
    first = {}
    total = 0.0
    for w in (10, 25, 50, 100):
        start = time.perf_counter()

        def progress(frac, start=start, w=w):
            if frac > 0 and "t" not in first:
                first["t"] = time.perf_counter() - start
                first["w"] = w

        r = nw.train_networks("digits", "relu", 2, w, 100, 30, 0, progress=progress)
        times.append((w, time.perf_counter() - start))
        total += r.flops
    wall = time.perf_counter() - t0
    return dict(wall=wall, per_width=times, first_progress=first.get("t"), flops=total)


#: Settings where the memory bounds bind: the widest and deepest network with the largest
#: minibatch (one restart per chunk), and the widest H = 2 network with many restarts per chunk.
MEMORY_CASES = {
    "deepest": dict(H=5, width=500, restarts=2, epochs=1, batch_size=4096),
    "widest-chunk": dict(H=2, width=500, restarts=300, epochs=1, batch_size=32),
}


def memory_child(case: str) -> None:
    kw = MEMORY_CASES[case]
    t = time.perf_counter()
    r = nw.train_networks("digits", "relu", seed=0, dtype="float64", lr=1e-4, **kw)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    chunk = nw._chunk_size(r.n_weights, kw["restarts"], r.formulation, min(kw["batch_size"], 1438),
                           kw["width"], kw["H"])
    print(f"MEMORY {case}: {kw}, N = {r.n_weights}, restarts per chunk {chunk}, "
          f"peak RSS {rss:.0f} MB, {time.perf_counter() - t:.1f} s")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="fewer widths and epochs")
    ap.add_argument("--skip-memory", action="store_true")
    ap.add_argument("--memory-child", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.memory_child:
        memory_child(args.memory_child)
        return
    print("load before:", uptime())
    p0 = peaks()
    widths = (10, 100) if args.quick else (10, 25, 50, 100, 250, 500)
    epochs = 1 if args.quick else 3
    print(f"formulations (digits, ReLU, H = 2, 100 restarts, {epochs} epochs, float32, 1 BLAS thread):")
    rows = bench_widths(widths, 100, epochs, ("block", "batched", "loop"))
    print("default experiment (widths 10/25/50/100, 100 restarts, 30 epochs):", flush=True)
    d = default_experiment()
    p1 = peaks()
    peak = {k: max(p0[k], p1[k]) for k in p0}
    print("load after:", uptime())
    print("matmul peak GFLOP/s (best of start and end):")
    for (dt, th), v in peak.items():
        print(f"  {dt} {'1 thread' if th else 'all threads'}: {v:.1f}")
    ref = peak[("float32", 1)]
    print("\n| width | N | formulation | model-epochs/s | GFLOP/s | % of 1-thread fp32 peak |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['width']} | {r['N']} | {r['form']} | {r['model_epochs']:.1f} | {r['gflops']:.1f} | "
              f"{100 * r['gflops'] / ref:.0f} % |")
    print(f"\ndefault experiment: {d['wall']:.1f} s "
          f"({', '.join(f'h={w}: {t:.1f} s' for w, t in d['per_width'])}); "
          f"{d['flops'] / d['wall'] / 1e9:.1f} GFLOP/s overall; first progress after training "
          f"started: {1e3 * d['first_progress']:.0f} ms")
    if not args.skip_memory:
        for case in MEMORY_CASES:
            out = subprocess.run([sys.executable, os.path.abspath(__file__), "--memory-child", case],
                                 capture_output=True, text=True, check=False)
            print((out.stdout or out.stderr).strip().splitlines()[-1])


if __name__ == "__main__":
    main()
