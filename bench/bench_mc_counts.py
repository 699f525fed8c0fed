"""Time of the Monte Carlo counts on each backend (plain script; prints figures, asserts
nothing; loopback only; stops every process it started).

    .venv/bin/python bench/bench_mc_counts.py                   # about 2 minutes
    .venv/bin/python bench/bench_mc_counts.py --before OLD/ --repeats 3

Workloads (the settings the views use):

* ``finite``: the Monte Carlo points of the finite-N plot at N = 200, H = 3 (7 levels in
  [-1.7, -1.55] for k = 0 and 1, 1000 matrices each; components/data/analytic.py);
* ``effect``: the activation view's counts at N = 200, H = 3, softplus, u = -1.5 (minima and
  index-1 saddles, 2000 samples each; components/data/effect.py).

Backends: ``in-process`` (the plan's units one after another in this process), ``local
pool, 2`` (compute/executor.py's process pool), ``celery, 2`` (Redis and two compute worker
processes on loopback; needs Debian's redis-server, skipped without it).  ``--before DIR``
also times the same calls with the ``compute`` package found in ``DIR`` (a checkout from
before the units, e.g. ``git archive OLD compute | tar -x -C DIR``), in a subprocess.
Results of every backend are compared bit for bit.  Interleaved repeats, best time shown
(the machine is shared).
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

LEVELS = [float(x) for x in np.linspace(-1.7, -1.55, 9)[1:-1]]
N, H, U = 200, 3, -1.5

_BEFORE = f"""
import sys, time, json
sys.path.insert(0, sys.argv[1])
from compute import finite_n, kac_rice
from compute.network import describe_activation
kappa = describe_activation("softplus", None, 8, 0.0, 1.0, {H}).kappa
t0 = time.perf_counter()
for k in (0, 1):
    for u in {LEVELS!r}:
        finite_n.expected_critical_points({N}, {H}, u, k, samples=1000, seed=1)
t1 = time.perf_counter()
for k in (0, 1):
    kac_rice.expected_critical_points_phi({N}, {H}, kappa, {U}, k, samples=2000, seed=1)
t2 = time.perf_counter()
print(json.dumps({{"finite": t1 - t0, "effect": t2 - t1}}))
"""


def digest(results) -> str:
    return hashlib.sha256(repr(results).encode()).hexdigest()[:12]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--before", type=Path, default=None)
    ap.add_argument("--no-celery", action="store_true")
    args = ap.parse_args()
    if not 1 <= args.repeats <= 10:
        ap.error("--repeats must be 1 to 10")

    from compute import finite_n, kac_rice
    from compute.executor import LocalExecutor
    from compute.network import describe_activation

    kappa = describe_activation("softplus", None, 8, 0.0, 1.0, H).kappa
    points = [(u, k) for k in (0, 1) for u in LEVELS]

    def finite(ex):
        return finite_n.index_counts(N, H, points, samples=1000, seed=1, executor=ex, timeout=600)

    def effect(ex):
        return [kac_rice.expected_critical_points_phi(N, H, kappa, U, k, samples=2000, seed=1,
                                                      executor=ex, timeout=600) for k in (0, 1)]

    backends = {"in-process": LocalExecutor(1), "local pool, 2": LocalExecutor(2)}
    stack = None
    if not args.no_celery:
        from tests.integration.stack import Stack, redis_server

        if redis_server() is None:
            print("redis-server not installed: Celery skipped")
        else:
            from components.tasks import make_celery
            from compute.executor import CeleryExecutor

            stack = Stack.create()
            stack.start_redis()
            stack.start_compute_worker("compute1", concurrency=1)
            stack.start_compute_worker("compute2", concurrency=1)
            stack.wait_ready()
            backends["celery, 2"] = CeleryExecutor(make_celery(stack.redis_url))
    try:
        times = defaultdict(list)
        digests = defaultdict(set)
        for _ in range(args.repeats):
            if args.before is not None:
                out = subprocess.run([sys.executable, "-c", _BEFORE, str(args.before)],
                                     capture_output=True, text=True, check=True, cwd="/tmp")
                for work, t in json.loads(out.stdout).items():
                    times[(work, "before (one stream, in-process)")].append(t)
            for name, ex in backends.items():
                for work, fn in (("finite", finite), ("effect", effect)):
                    t0 = time.perf_counter()
                    res = fn(ex)
                    times[(work, name)].append(time.perf_counter() - t0)
                    digests[work].add(digest(res))
    finally:
        backends.clear()  # the Celery client's results, before their Redis stops
        gc.collect()
        if stack is not None:
            stack.close()
    units = {"finite": len(finite_n.index_plan(N, H, points, 1000, 1).sizes),
             "effect": 2 * len(kac_rice.count_plan(N, H, kappa, U, 0, samples=2000, seed=1).sizes)}
    titles = {"finite": f"finite-N plot, N = {N}: 14 points x 1000 matrices",
              "effect": f"activation counts, N = {N}, u = {U}: k = 0, 1 x 2000 samples"}
    for work, title in titles.items():
        print(f"\n{title} ({units[work]} units); best of {args.repeats}")
        base = min(times[(work, "in-process")])
        for (w, name), ts in times.items():
            if w != work:
                continue
            print(f"  {name:<34} {min(ts):7.2f} s   ratio to in-process {min(ts) / base:5.2f}   "
                  f"all: {', '.join(f'{t:.2f}' for t in ts)}")
        same = len(digests[work]) == 1
        print(f"  results of every backend bit-identical: {same} "
              f"({', '.join(sorted(digests[work]))})")


if __name__ == "__main__":
    main()
