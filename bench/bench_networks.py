"""Benchmark of compute.networks: many small networks trained at once.

Run:  .venv/bin/python bench/bench_networks.py [--quick] [--skip-memory]

Prints, with the machine's load (``uptime``) before and after:
* this machine's matrix-multiply peak in the same run (float32 and float64, 1 BLAS thread
  and all threads; best of repeated 1000 × 1000 and 2000 × 2000 products, measured at the
  start and the end, the larger kept);
* per width (digits, ReLU, H = 2, 100 restarts, float32, 1 BLAS thread) and per matrix
  formulation (block / batched / loop): model-epochs per second, achieved GFLOP/s counted
  as 6 N per sample (forward 2 N, backward 4 N) and the fraction of the 1-thread float32 peak,
  both per second of wall time and per second of CPU time (on a machine shared with other
  jobs the wall-time figures measure the load as much as the code; the CPU-time figures
  compare the code with a sustained 1-thread product measured the same way);
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
    """Best GFLOP/s of square products, per second of wall time (1 thread: also CPU time)."""
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
    out = {
        (dt.__name__, th): matmul_peak(dt, th)
        for dt in (np.float32, np.float64)
        for th in (1, None)
    }
    out[("float32", "cpu")] = matmul_cpu_rate(np.float32)
    return out


def matmul_cpu_rate(dtype, seconds: float = 3.0) -> float:
    """Sustained 1-thread GFLOP per CPU second of 1000 × 1000 products (insensitive to load)."""
    rng = np.random.default_rng(1)
    n = 1000
    a = rng.standard_normal((n, n)).astype(dtype)
    b = rng.standard_normal((n, n)).astype(dtype)
    with threadpool_limits(limits=1, user_api="blas"):
        a @ b
        c0, t0, k = time.process_time(), time.perf_counter(), 0
        while time.perf_counter() - t0 < seconds:
            a @ b
            k += 1
        cpu = time.process_time() - c0
    return 2.0 * n**3 * k / cpu / 1e9


def bench_widths(widths, restarts, epochs, formulations) -> list[dict]:
    rows = []
    for w in widths:
        for form in formulations:
            if form == "loop" and w < 100:
                continue  # 100 separate tiny networks: dominated by Python overhead
            t, c = time.perf_counter(), time.process_time()
            r = nw.train_networks("digits", "relu", 2, w, restarts, epochs, 0, formulation=form,
                                  measure_pieces=False)
            dt, cpu = time.perf_counter() - t, time.process_time() - c
            rows.append(dict(width=w, N=r.n_weights, form=form, seconds=dt, cpu=cpu,
                             model_epochs=restarts * epochs / dt, gflops=r.flops / dt / 1e9,
                             cpu_gflops=r.flops / cpu / 1e9))
            print(f"  width {w:4d} N {r.n_weights:6d} {form:8s} {dt:7.2f} s wall {cpu:7.2f} s CPU "
                  f"{rows[-1]['model_epochs']:8.1f} model-epochs/s {rows[-1]['gflops']:6.1f} GFLOP/s wall "
                  f"{rows[-1]['cpu_gflops']:6.1f} GFLOP/CPU-s", flush=True)
    return rows


def default_experiment() -> dict:
    times = []
    c0 = time.process_time()
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
    return dict(wall=wall, cpu=time.process_time() - c0, per_width=times, first_progress=first.get("t"),
                flops=total)


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
        what = {1: "1 thread, best wall", None: "all threads, best wall", "cpu": "1 thread, per CPU second"}[th]
        print(f"  {dt} {what}: {v:.1f}")
    ref = peak[("float32", 1)]
    ref_cpu = peak[("float32", "cpu")]
    print("\n| width | N | formulation | model-epochs/s (wall) | GFLOP/s (wall) | % of best-wall peak | "
          "GFLOP per CPU-s | % of per-CPU-s peak |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['width']} | {r['N']} | {r['form']} | {r['model_epochs']:.1f} | {r['gflops']:.1f} | "
              f"{100 * r['gflops'] / ref:.0f} % | {r['cpu_gflops']:.1f} | {100 * r['cpu_gflops'] / ref_cpu:.0f} % |")
    print(f"\ndefault experiment: {d['wall']:.1f} s "
          f"({', '.join(f'h={w}: {t:.1f} s' for w, t in d['per_width'])}); "
          f"{d['cpu']:.1f} s CPU; {d['flops'] / d['wall'] / 1e9:.1f} GFLOP/s overall; first progress after training "
          f"started: {1e3 * d['first_progress']:.0f} ms")
    if not args.skip_memory:
        for case in MEMORY_CASES:
            out = subprocess.run([sys.executable, os.path.abspath(__file__), "--memory-child", case],
                                 capture_output=True, text=True, check=False)
            print((out.stdout or out.stderr).strip().splitlines()[-1])


if __name__ == "__main__":
    main()
