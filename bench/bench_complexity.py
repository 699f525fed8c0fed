"""Benchmark of the leading-order complexity (theory §3), printed, never asserted.

Run: ``.venv/bin/python bench/bench_complexity.py``

* Θ_{k,H} for 6 indices on a 2,000-point u grid (target < 2 ms);
* ground_state_energies(H, 10) for every H = 3..12 in a cold process, i.e. a fresh
  interpreter that has imported the module but evaluated nothing yet (target < 20 ms in all).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from compute.complexity import ground_state_energies, theta  # noqa: E402

COLD = """
import time
from compute.complexity import ground_state_energies
t0 = time.perf_counter()
for H in range(3, 13):
    ground_state_energies(H, 10)
print((time.perf_counter() - t0) * 1e3)
"""


def _repeat(func, n: int) -> list[float]:
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        func()
        out.append((time.perf_counter() - t0) * 1e3)
    return out


def main() -> None:
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    u = np.linspace(-3.0, 1.0, 2000)
    for H in (3, 12):
        times = _repeat(lambda: [theta(u, H, k) for k in range(6)], 200)
        print(f"theta, 6 indices x 2000 points, H={H}: median {statistics.median(times):.3f} ms, "
              f"min {min(times):.3f} ms (target < 2 ms)")
    cold = []
    for _ in range(7):
        res = subprocess.run([sys.executable, "-c", COLD], cwd=ROOT, capture_output=True, text=True,
                             check=True)
        cold.append(float(res.stdout.strip()))
    print(f"ground_state_energies(H, 10), H = 3..12, cold process: median {statistics.median(cold):.2f} ms, "
          f"min {min(cold):.2f} ms over 7 processes (target < 20 ms)")
    warm = _repeat(lambda: [ground_state_energies(H, 10) for H in range(3, 13)], 100)
    print(f"same, warm: median {statistics.median(warm):.2f} ms")


if __name__ == "__main__":
    main()
