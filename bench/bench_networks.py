"""Benchmark of compute.networks: many small networks trained at once.

Run:  .venv/bin/python bench/bench_networks.py [--quick] [--epochs 10] [--skip-tab] [--skip-memory]
          [--tree PATH]

``--tree PATH`` measures the code of another checkout with this same script (for a
before/after comparison run back to back).  Prints, with the machine's load (``uptime``)
before and after:
* this machine's matrix-multiply peak in the same process and with the same BLAS thread
  count as the training (1 thread), and with all threads for reference (float32 and float64;
  best of repeated 1000 × 1000 and 2000 × 2000 products, measured at the start and the end,
  the larger kept; and a sustained 1-thread rate per second of CPU time);
* per width (digits, ReLU, H = 2, 100 restarts, 10 epochs, float32, 1 BLAS thread) and per
  matrix formulation (block / batched / loop): model-epochs per second, achieved GFLOP/s
  counted as 6 N per sample (forward 2 N, backward 4 N) and as the products really executed
  (:func:`executed_flops`: no input gradient for the first layer), against the 1-thread
  float32 peak, per second of wall time and per second of CPU time (on a machine shared with
  other jobs the wall-time figures measure the load as much as the code; the CPU-time figures
  compare the code with a sustained 1-thread product measured the same way).  The time
  includes starting the restarts and the final passes over the training and test sets;
  the work counts only the training steps;
* a fixed experiment (digits, ReLU, H = 2, widths 10/25/50/100, 100 restarts, 30 epochs):
  wall time and the time to the first progress report after training started;
* the default experiment of the "Real networks" view as its job runs it (the page's
  default settings: H = 3, Hessian at the end points, piece statistics, the spin-glass
  descents), without the cache: wall and CPU time (this process's, and that of the worker
  processes of the descents), per width;
* peak resident memory of child processes at the settings where the memory bounds bind
  (:data:`MEMORY_CASES`; float64, with piece statistics).  Memory does not grow with the
  number of restarts beyond one chunk (restarts are trained chunk after chunk).

Targets (not asserted): ≥ 30 % of the matmul peak at width ≥ 100; default experiment < 30 s;
first progress < 1 s; memory < 2 GB.
"""

from __future__ import annotations

import argparse
import itertools
import os
import resource
import subprocess
import sys
import time

import numpy as np


def _tree() -> str:
    """The checkout whose code is measured: ``--tree PATH`` (default: this script's own)."""
    for i, a in enumerate(sys.argv):
        if a == "--tree" and i + 1 < len(sys.argv):
            return os.path.abspath(sys.argv[i + 1])
        if a.startswith("--tree="):
            return os.path.abspath(a.split("=", 1)[1])
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")


sys.path.insert(0, _tree())

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


def executed_flops(sizes, samples: float) -> float:
    """Multiply-add work of the products one training step really does, per restart.

    Forward: 2 k_in k_out per layer and sample; backward: the weight gradient (2 k_in k_out)
    for every layer and the gradient of the layer's input (2 k_in k_out) for all but the
    first (the data need none).  Biases and element-wise work are not counted.  The 6 N
    convention counts the first layer's input gradient too, so it exceeds this figure.
    """
    pairs = list(itertools.pairwise(sizes))
    per_sample = sum(4 * a * b for a, b in pairs) + sum(2 * a * b for a, b in pairs[1:])
    return per_sample * samples


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
            samples = r.flops / nw.work_flops(r.n_weights, 1, 1, 1)  # restarts × epochs × n_train
            ex = executed_flops(r.sizes, samples)
            rows.append(dict(width=w, N=r.n_weights, form=form, seconds=dt, cpu=cpu,
                             model_epochs=restarts * epochs / dt, gflops=r.flops / dt / 1e9,
                             cpu_gflops=r.flops / cpu / 1e9, ex_cpu_gflops=ex / cpu / 1e9))
            print(f"  width {w:4d} N {r.n_weights:6d} {form:8s} {dt:7.2f} s wall {cpu:7.2f} s CPU "
                  f"{rows[-1]['model_epochs']:8.1f} model-epochs/s {rows[-1]['gflops']:6.1f} GFLOP/s wall "
                  f"{rows[-1]['cpu_gflops']:6.1f} GFLOP/CPU-s (6N) {rows[-1]['ex_cpu_gflops']:6.1f} (executed)",
                  flush=True)
    return rows


def tab_default() -> dict:
    """The "Real networks" view's default experiment, as its job runs it (no cache)."""
    from components.state import default_state
    from components.views import networks as view

    parts = []

    def timed(fn, label):
        def run(*args):
            t, c = time.perf_counter(), time.process_time()
            out = fn(*args)
            parts.append((label(args), time.perf_counter() - t, time.process_time() - c))
            return out
        return run

    data = view.NetData(width=timed(view.net_data.width_data, lambda a: f"h={a[5]}"),
                        spin_glass=timed(view.net_data.spin_glass_spreads, lambda a: "spin glass"))
    state = default_state()

    def children_cpu() -> float:  # the spin-glass descents run in worker processes
        ru = resource.getrusage(resource.RUSAGE_CHILDREN)
        return ru.ru_utime + ru.ru_stime

    t, c, k = time.perf_counter(), time.process_time(), children_cpu()
    out = view.experiment_outputs(state, data=data)
    return dict(wall=time.perf_counter() - t, cpu=time.process_time() - c, children=children_cpu() - k, parts=parts,
                status=out["status"], settings={k: state[k] for k in ("H", "activation", "net_widths",
                                                                        "net_restarts", "net_epochs",
                                                                        "net_hessian")})


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


def _git_head(tree: str) -> str:
    try:
        out = subprocess.run(["git", "-C", tree, "log", "-1", "--format=%h %s"], capture_output=True,
                             text=True, check=False).stdout.strip()
    except OSError:
        return ""
    return out[:80]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="fewer widths and epochs")
    ap.add_argument("--skip-memory", action="store_true")
    ap.add_argument("--epochs", type=int, default=None,
                    help="epochs per width in the formulation table (default 10; --quick: 1)")
    ap.add_argument("--skip-tab", action="store_true", help="skip the view's default experiment")
    ap.add_argument("--tree", default=None,
                    help="measure the code of another checkout (same script, e.g. for before/after)")
    ap.add_argument("--memory-child", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.memory_child:
        memory_child(args.memory_child)
        return
    print("code measured:", os.path.abspath(_tree()), _git_head(_tree()))
    print("load before:", uptime())
    p0 = peaks()
    widths = (10, 100) if args.quick else (10, 25, 50, 100, 250, 500)
    epochs = args.epochs or (1 if args.quick else 10)
    print(f"formulations (digits, ReLU, H = 2, 100 restarts, {epochs} epochs, float32, 1 BLAS thread):")
    rows = bench_widths(widths, 100, epochs, ("block", "batched", "loop"))
    print("fixed experiment (H = 2, widths 10/25/50/100, 100 restarts, 30 epochs):", flush=True)
    d = default_experiment()
    tab = None
    if not args.skip_tab:
        print("default experiment of the view (as its job runs it, no cache):", flush=True)
        tab = tab_default()
    p1 = peaks()
    peak = {k: max(p0[k], p1[k]) for k in p0}
    print("load after:", uptime())
    print("matmul peak GFLOP/s (best of start and end):")
    for (dt, th), v in peak.items():
        what = {1: "1 thread, best wall", None: "all threads, best wall", "cpu": "1 thread, per CPU second"}[th]
        print(f"  {dt} {what}: {v:.1f}")
    ref = peak[("float32", 1)]
    ref_cpu = peak[("float32", "cpu")]
    print("\n| width | N | formulation | model-epochs/s (wall) | GFLOP/s (wall, 6N) | % of best-wall peak | "
          "GFLOP per CPU-s (6N) | % of per-CPU-s peak | executed GFLOP per CPU-s | % of per-CPU-s peak |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['width']} | {r['N']} | {r['form']} | {r['model_epochs']:.1f} | {r['gflops']:.1f} | "
              f"{100 * r['gflops'] / ref:.0f} % | {r['cpu_gflops']:.1f} | {100 * r['cpu_gflops'] / ref_cpu:.0f} % | "
              f"{r['ex_cpu_gflops']:.1f} | {100 * r['ex_cpu_gflops'] / ref_cpu:.0f} % |")
    print(f"\nfixed experiment (H = 2): {d['wall']:.1f} s "
          f"({', '.join(f'h={w}: {t:.1f} s' for w, t in d['per_width'])}); "
          f"{d['cpu']:.1f} s CPU; {d['flops'] / d['wall'] / 1e9:.1f} GFLOP/s overall; first progress after training "
          f"started: {1e3 * d['first_progress']:.0f} ms")
    if tab is not None:
        print(f"view default experiment {tab['settings']}: {tab['wall']:.1f} s wall, {tab['cpu']:.1f} s CPU "
              f"+ {tab['children']:.1f} s CPU in worker processes "
              f"({', '.join(f'{k}: {w:.1f} s wall / {c:.1f} s CPU' for k, w, c in tab['parts'])})")
    if not args.skip_memory:
        for case in MEMORY_CASES:
            out = subprocess.run([sys.executable, os.path.abspath(__file__), "--memory-child", case,
                                  "--tree", os.path.abspath(_tree())],
                                 capture_output=True, text=True, check=False)
            print((out.stdout or out.stderr).strip().splitlines()[-1])


if __name__ == "__main__":
    main()
