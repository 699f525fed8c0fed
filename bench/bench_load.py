"""Load, faults and compute throughput of the scale-out mode (plain script; prints figures,
asserts nothing; loopback only; every phase is bounded in count and time and the script
stops every process it started).

    .venv/bin/python bench/bench_load.py                 # all phases, about 6 minutes
    .venv/bin/python bench/bench_load.py --phases load --clients 30 --seconds 20

Needs Debian's redis-server.  Phases:

1. ``load``: gunicorn with 2 and with 4 workers behind Redis (plus a compute worker with
   two processes and a Dash job worker with two), ``--clients`` concurrent clients for
   ``--seconds``: each client loops over one kind of request -- a cached analytic callback
   (the complexity view at settings computed before the run), an uncached one (the
   finite-N view at an N not asked before) or a background job (start a small descent
   experiment, poll it every 0.25 s until its result arrives; JOBS_MAX is raised to 16
   so that the job clients are not refused).  Reports requests per
   second, p50/p95/p99 latency per kind, errors, and jobs finished.
2. ``faults``: the same with 2 web workers; a third into the run one gunicorn worker is
   killed (SIGKILL, by PID), then one compute pool process, then one Dash job process.
   A request that fails is retried once; a job must end with its result or a clear
   message within 120 s.  Reports what failed, what was retried and how every job ended,
   and checks every job's end points bit for bit against the local backend.
3. ``compute``: the descent experiment (N = 25, 50, 100 at 100 runs, H = 3, seed 1) as
   computed before units existed (all runs in one batch in this process, BLAS threads
   as configured) against the local backend (units of 25 runs, a pool of 2 processes)
   and the Celery backend with 2 compute worker processes; and the cost of an empty unit
   (overhead per unit) on each backend.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import signal
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import requests  # noqa: E402

from tests.integration.stack import DashClient, Stack  # noqa: E402
from tests.integration.test_scale_out import decode_array  # noqa: E402

DESCENT_GRAPH = "lab-descent-graph"
JOB_SETTINGS = {"H": 3, "lab_N": 40, "runs": 50, "K": 3, "tab": "lab"}
JOB_TIMEOUT = 120.0


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, int(round(q * (len(s) - 1))))]


class Recorder:
    def __init__(self):
        self.lock = threading.Lock()
        self.times: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, list[str]] = defaultdict(list)
        self.retried: dict[str, int] = defaultdict(int)
        self.jobs: list[dict] = []
        self.stop = threading.Event()

    def ok(self, kind: str, seconds: float) -> None:
        with self.lock:
            self.times[kind].append(seconds)

    def error(self, kind: str, text: str) -> None:
        with self.lock:
            self.errors[kind].append(text)


def request_with_retry(rec: Recorder, kind: str, fn):
    """``fn()`` -> response; one retry on a connection error or a 5xx answer.  Only
    requests started during the load window are counted (job polls go on after it, until
    their job ends, but are not timed)."""
    for attempt in (0, 1):
        t0 = time.perf_counter()
        counted = not rec.stop.is_set()
        try:
            r = fn()
            if r.status_code < 500:
                if counted:
                    rec.ok(kind, time.perf_counter() - t0)
                if attempt:
                    with rec.lock:
                        rec.retried[kind] += 1
                return r
            err = f"HTTP {r.status_code}"
        except requests.RequestException as exc:
            err = type(exc).__name__
        rec.error(kind + (" (retry)" if attempt else ""), err)
    return None


def client_loop(kind: str, client: DashClient, rec: Recorder, stop: threading.Event, seed: int) -> None:
    rng = random.Random(seed)
    complexity = client.callback("complexity-graph")
    finite = client.callback("finite-graph")
    descent = client.callback(DESCENT_GRAPH)
    while not stop.is_set():
        base = rng.choice(client.bases)
        if kind == "cached":
            H = rng.choice([3, 4, 5, 6])
            request_with_retry(rec, kind, lambda: client.post(
                base, complexity, {"complexity-state-store.data": {"H": H, "K": 3}}))
        elif kind == "uncached":
            N = rng.randrange(300, 10_000)
            request_with_retry(rec, kind, lambda: client.post(
                base, finite, {"finite-state-store.data": {"H": rng.choice([3, 4, 5]), "K": 3, "N": N}}))
        else:
            run_one_job(client, descent, rec, stop, rng)


def run_one_job(client, dep, rec: Recorder, stop: threading.Event, rng: random.Random) -> None:
    seed = rng.randrange(1_000_000)
    raw = {**JOB_SETTINGS, "seed": seed}
    base = rng.choice(client.bases)
    r = request_with_retry(rec, "job start", lambda: client.post(
        base, dep, {"lab-descent-run.n_clicks": 1, "settings-store.data": raw}))
    if r is None:
        rec.jobs.append({"seed": seed, "end": "start failed"})
        return
    handles = r.json()
    t0 = time.monotonic()
    end = "no end within 120 s"
    outputs = None
    while time.monotonic() - t0 < JOB_TIMEOUT:
        time.sleep(0.25)
        base = rng.choice(client.bases)
        p = request_with_retry(rec, "job poll", lambda: client.post(
            base, dep, {}, cacheKey=handles["cacheKey"], job=handles["job"]))
        if p is None:
            continue
        if p.status_code == 204:
            end = "ended without a result"
            break
        body = p.json()
        if "response" in body:
            outputs = body["response"]
            status = outputs.get("lab-descent-status", {}).get("children", "")
            end = "result" if "descents" in str(status) else f"message: {status}"
            break
        if stop.is_set() and time.monotonic() - t0 > JOB_TIMEOUT:
            break
    rec.jobs.append({"seed": seed, "end": end, "seconds": time.monotonic() - t0, "outputs": outputs})


def run_load(stack: Stack, clients: int, seconds: float, kinds_share=(0.4, 0.4, 0.2),
             faults: list | None = None) -> Recorder:
    client0 = DashClient(stack.web)
    rec = Recorder()
    stop = rec.stop = threading.Event()
    # warm the cached requests (every web process computes nothing after this)
    for H in (3, 4, 5, 6):
        client0.post(stack.web[0], client0.callback("complexity-graph"),
                     {"complexity-state-store.data": {"H": H, "K": 3}})
    n_cached = int(round(kinds_share[0] * clients))
    n_uncached = int(round(kinds_share[1] * clients))
    kinds = ["cached"] * n_cached + ["uncached"] * n_uncached + ["job"] * (clients - n_cached - n_uncached)
    threads = []
    for i, kind in enumerate(kinds):
        c = DashClient(stack.web)
        t = threading.Thread(target=client_loop, args=(kind, c, rec, stop, 1000 + i), daemon=True)
        threads.append(t)
    t0 = time.monotonic()
    for t in threads:
        t.start()
    fault_log = []
    for at, action in faults or []:
        delay = t0 + at - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        fault_log.append((round(time.monotonic() - t0, 1), action()))
    remaining = t0 + seconds - time.monotonic()
    if remaining > 0:
        time.sleep(remaining)
    stop.set()
    rec.elapsed = time.monotonic() - t0
    for t in threads:
        t.join(JOB_TIMEOUT + 30)
    rec.fault_log = fault_log
    return rec


def print_table(title: str, rec: Recorder) -> None:
    print(f"\n{title} (load window {rec.elapsed:.0f} s; load average {os.getloadavg()[0]:.1f})")
    print(f"{'request':<12}{'count':>7}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}{'retried ok':>12}")
    total = 0
    for kind in ("cached", "uncached", "job start", "job poll"):
        t = [x * 1e3 for x in rec.times.get(kind, [])]
        total += len(t)
        errs = len(rec.errors.get(kind, [])) + len(rec.errors.get(kind + " (retry)", []))
        print(f"{kind:<12}{len(t):>7}{len(t) / rec.elapsed:>8.1f}{pct(t, .5):>9.1f}{pct(t, .95):>9.1f}"
              f"{pct(t, .99):>9.1f}{errs:>8}{rec.retried.get(kind, 0):>12}")
    print(f"{'all':<12}{total:>7}{total / rec.elapsed:>8.1f}")
    ends = defaultdict(int)
    for j in rec.jobs:
        ends[j["end"] if not j["end"].startswith("message") else "message"] += 1
    print("jobs:", dict(ends), "| error kinds:", {k: sorted(set(v)) for k, v in rec.errors.items()})


def make_stack(web_workers: int) -> Stack:
    stack = Stack.create()
    stack.start_redis()
    stack.env["JOBS_MAX"] = "16"  # the job clients of the load test, not the server's default of 2
    stack.start_compute_worker("compute", concurrency=2)
    stack.start_job_worker("jobs", concurrency=2)
    stack.start_web("web", workers=web_workers)
    stack.wait_ready()
    return stack


def phase_load(args) -> None:
    for workers in (2, 4):
        stack = make_stack(workers)
        try:
            rec = run_load(stack, args.clients, args.seconds)
            print_table(f"gunicorn -w {workers}, {args.clients} clients", rec)
        finally:
            stack.close()


def phase_faults(args) -> None:
    from compute.executor import LocalExecutor
    from compute.landscape import descent_plan

    stack = make_stack(2)
    try:
        web, compute, jobs = stack.procs["web"], stack.procs["compute"], stack.procs["jobs"]

        def kill(proc, what):
            def action():
                children = proc.children()
                if not children:
                    return f"{what}: none running"
                pid = children[0]
                os.kill(pid, signal.SIGKILL)
                return f"{what}: killed PID {pid}"
            return action

        seconds = max(args.seconds, 30)
        faults = [(seconds / 3, kill(web, "gunicorn worker")),
                  (seconds / 3 + 2, kill(compute, "compute pool process")),
                  (seconds / 3 + 4, kill(jobs, "Dash job process"))]
        rec = run_load(stack, args.clients, seconds, faults=faults)
        print_table(f"faults: gunicorn -w 2, {args.clients} clients", rec)
        for at, what in rec.fault_log:
            print(f"  t = {at:5.1f} s  {what}")
        time.sleep(2)
        print("  processes replaced:", {p.name: len(p.children()) for p in (web, compute, jobs)})
        checked = wrong = 0
        for j in rec.jobs:
            if j["end"] != "result":
                continue
            traces = [t for t in j["outputs"][DESCENT_GRAPH]["figure"]["data"] if t.get("type") == "histogram"]
            for trace, N in zip(traces, (25, 40)):
                local = LocalExecutor(1).run(descent_plan(N, 3, 50, j["seed"]))["u"]
                checked += 1
                wrong += not np.array_equal(decode_array(trace["x"]), local)
        slow = sorted(round(j["seconds"], 1) for j in rec.jobs if "seconds" in j)[-3:]
        print(f"  job results checked bit for bit against the local backend: {checked}, different: {wrong}; "
              f"slowest jobs (s): {slow}")
    finally:
        stack.close()


def phase_compute(args) -> None:
    from threadpoolctl import threadpool_info

    from components.tasks import make_celery
    from compute import landscape
    from compute.executor import CeleryExecutor, LocalExecutor, Plan

    sizes = [(25, 100), (50, 100), (100, 100)]
    blas = [i.get("num_threads") for i in threadpool_info() if i.get("user_api") == "blas"]

    def today():
        for n, r in sizes:
            landscape.descent_details(n, 3, r, 1)

    def local():
        ex = LocalExecutor(2)
        for n, r in sizes:
            ex.run(landscape.descent_plan(n, 3, r, 1))

    stack = Stack.create()
    try:
        stack.start_redis()
        stack.start_compute_worker("compute1", concurrency=1)
        stack.start_compute_worker("compute2", concurrency=1)
        stack.wait_ready()
        app = make_celery(stack.redis_url)
        cel = CeleryExecutor(app)

        def celery():
            for n, r in sizes:
                cel.run(landscape.descent_plan(n, 3, r, 1), timeout=600)

        times = defaultdict(list)
        for _ in range(args.repeats):  # interleaved: the machine is shared
            for name, fn in (("batch in-process (before units)", today), ("local pool, 2 processes", local),
                             ("celery, 2 compute workers", celery)):
                t0 = time.perf_counter()
                fn()
                times[name].append(time.perf_counter() - t0)
        runs = sum(r for _, r in sizes)
        print(f"\ndescent experiment H = 3, N = 25/50/100 at 100 runs ({runs} descents, 12 units); "
              f"BLAS threads of this process: {blas}; best of {args.repeats}")
        base = min(times["batch in-process (before units)"])
        loc = min(times["local pool, 2 processes"])
        for name, ts in times.items():
            print(f"  {name:<34} {min(ts):7.2f} s   ({runs / min(ts):6.1f} descents/s)   all: "
                  f"{', '.join(f'{t:.2f}' for t in ts)}")
        print(f"  local / before: time ratio {loc / base:.2f} (below 1: faster)")
        print(f"  celery / local: time ratio {min(times['celery, 2 compute workers']) / loc:.2f} "
              f"(throughput within 20 % means <= 1.25)")

        n_units = 40
        probe = Plan("probe", {}, 1, (1,) * n_units)
        over = {}
        for name, ex in (("in-process", LocalExecutor(1)), ("local pool (2)", LocalExecutor(2)), ("celery (2 workers)", cel)):
            ts = []
            for _ in range(3):
                t0 = time.perf_counter()
                ex.run(probe, timeout=120)
                ts.append(time.perf_counter() - t0)
            over[name] = min(ts) / n_units
        print("  overhead per unit (empty unit, 40 units, best of 3): "
              + ", ".join(f"{k} {v * 1e3:.1f} ms" for k, v in over.items()))
        del cel, app
        gc.collect()  # Celery results unsubscribe while Redis still runs
    finally:
        stack.close()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--phases", default="load,faults,compute")
    p.add_argument("--clients", type=int, default=30, help="concurrent clients, 1..50")
    p.add_argument("--seconds", type=float, default=30.0, help="length of each load run, 5..120")
    p.add_argument("--repeats", type=int, default=2, help="repeats of the compute comparison, 1..5")
    args = p.parse_args()
    args.clients = min(max(args.clients, 1), 50)
    args.seconds = min(max(args.seconds, 5.0), 120.0)
    args.repeats = min(max(args.repeats, 1), 5)
    print(f"{os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.1f}")
    for phase in args.phases.split(","):
        {"load": phase_load, "faults": phase_faults, "compute": phase_compute}[phase.strip()](args)


if __name__ == "__main__":
    main()
