"""Timings of compute.kac_rice (theory §5.4, §5.5); nothing here is asserted.

Targets: expected_critical_points_phi at N = 100 with 2000 samples under 2 s, at N = 1000 under
5 s; modulation_factor on a 200-point u grid under 5 ms.  Reports the best of several repeats (and
the median) and the load average of the (shared) machine before and after.

    .venv/bin/python bench/bench_kac_rice.py
"""

from __future__ import annotations

import math
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from compute.complexity import e_inf  # noqa: E402
from compute.kac_rice import expected_critical_points_phi, modulation_domain, modulation_factor  # noqa: E402


def _time(fn, repeat: int) -> tuple[float, float, float]:
    """Best and median wall time, and the best process CPU time (threads included), in seconds.

    On a shared machine the wall time includes waiting for a core; the CPU time does not.
    """
    fn()  # warm-up (quadrature tables, imports)
    ts, cs = [], []
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        ts.append(time.perf_counter() - t0)
        cs.append(time.process_time() - c0)
    return min(ts), statistics.median(ts), min(cs)


def _load() -> str:
    try:
        return Path("/proc/loadavg").read_text().split()[0]
    except OSError:  # pragma: no cover - not Linux
        return "?"


def main() -> None:
    print(f"load average (1 min) before: {_load()} on {os.cpu_count()} cores")
    sig4 = (56.682220231017666, 11.711734993836773, 2.4198899762010644)  # sigmoid, L = 4, mu = 0, sigma = 1, H = 4
    cases = [
        (100, 3, [0.6, 0.3], dict(u_max=math.inf, k=None), 5),
        (100, 3, [0.6, 0.3], dict(u_max=math.inf, k=0), 5),
        (100, 3, [0.6, 0.3], dict(u_max=-1.5, k=1), 5),
        (100, 3, [0.6, 0.3], dict(u_max=-1.7, k=0), 5),
        (100, 3, [0.6, 0.3], dict(u_max=-1.7, k=None), 5),
        (100, 4, sig4, dict(u_max=math.inf, k=None), 5),
        (100, 4, sig4, dict(u_max=math.inf, k=0), 5),
        (1000, 4, [0.1, 0.2, 0.3], dict(u_max=math.inf, k=None), 2),
        (1000, 4, sig4, dict(u_max=math.inf, k=None), 2),
        (1000, 3, [0.6, 0.3], dict(u_max=-1.7, k=0), 2),
    ]
    if "--modulation-only" in sys.argv:
        cases = []
    print("expected_critical_points_phi, 2000 samples, default method; targets < 2 s (N = 100), < 5 s (N = 1000)")
    for N, H, coeffs, kw, rep in cases:
        best, med, cpu = _time(lambda N=N, H=H, c=coeffs, kw=kw: expected_critical_points_phi(N, H, c, samples=2000, seed=0, **kw), rep)
        label = f"N={N}, H={H}, coeffs={[round(x, 2) for x in coeffs]}, k={kw['k']}, u_max={kw['u_max']}"
        print(f"  {label:70s} wall best {best:7.2f} s median {med:7.2f} s   CPU best {cpu:7.2f} s", flush=True)
    print("modulation_factor on a 200-point u grid (the points inside its domain); target < 5 ms")
    for H, c, note in [(3, [0.6, 0.3], "quadratic phi: closed form"), (4, [0.2, -1.0, 0.5], "cubic: panels"),
                       (5, [0.1, 0.2, 0.3, -0.1], "quartic: panels")]:
        u = np.linspace(-3.0, -e_inf(H) - 1e-3, 200)
        u = u[modulation_domain(u, H, c)]  # as the UI does: outside its domain K is refused
        best, med, _ = _time(lambda u=u, H=H, c=c: modulation_factor(u, H, c, 0), 50)
        print(f"  H = {H} ({note:27s}, {u.size:3d} points) best {best * 1e3:7.3f} ms   median {med * 1e3:7.3f} ms")
    print(f"load average (1 min) after: {_load()}")


if __name__ == "__main__":
    main()
