"""Timings of compute.overlap (theory §5.6); nothing here is asserted.

Targets: the profile Σ_N(u, m) on a 400 × 400 (m, u) grid under 30 ms; ground_state under 20 ms;
the (γ, u) phase diagram on 200 × 200 points under 300 ms (uncached).  Reports the best of several
repeats and the median.

    .venv/bin/python bench/bench_overlap.py
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from compute.network import describe_activation  # noqa: E402
from compute.overlap import ground_state, leading_complexity, overlap_profile, phase_diagram  # noqa: E402


def _time(fn, repeat: int) -> tuple[float, float, float]:
    """Best and median wall time, and the best CPU time of this process (robust to a loaded machine)."""
    fn()  # warm-up
    ts, cs = [], []
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        ts.append(time.perf_counter() - t0)
        cs.append(time.process_time() - c0)
    return min(ts), statistics.median(ts), min(cs)


def main() -> None:
    sig3 = list(describe_activation("sigmoid", None, 8, 0.0, 1.0, 3).kappa)
    sig6 = list(describe_activation("sigmoid", None, 8, 0.0, 1.0, 6).kappa)
    gelu = list(describe_activation("gelu", None, 8, 0.0, 1.0, 4).kappa)
    cases = [
        ("H = 3, kappa = (0.5, -0.9), N = 100", 3, [0.5, -0.9], 100),
        ("sigmoid L = 8, H = 3, N = 100", 3, sig3, 100),
        ("GELU L = 8, H = 4, N = 1000", 4, gelu, 1000),
        ("sigmoid L = 8, H = 6, N = 1000", 6, sig6, 1000),
    ]
    m = np.linspace(-0.995, 0.995, 400)
    u = np.linspace(-4.0, 0.5, 400)
    print("overlap_profile on a 400 x 400 (m, u) grid; target < 30 ms")
    for name, H, k, N in cases:
        best, med, cpu = _time(lambda H=H, k=k, N=N: overlap_profile(u[:, None], m[None, :], H, k, N), 10)
        print(f"  {name:38s} best {best * 1e3:7.1f} ms   median {med * 1e3:7.1f} ms   cpu {cpu * 1e3:7.1f} ms")
    print("ground_state (E_0 .. E_3); target < 20 ms")
    for name, H, k, N in cases:
        best, med, cpu = _time(lambda H=H, k=k, N=N: ground_state(H, k, N), 10)
        print(f"  {name:38s} best {best * 1e3:7.1f} ms   median {med * 1e3:7.1f} ms   cpu {cpu * 1e3:7.1f} ms")
    print("leading_complexity (minima) on 400 u points")
    for name, H, k, N in cases:
        best, med, cpu = _time(lambda H=H, k=k, N=N: leading_complexity(u, H, k, N, minima=True), 5)
        print(f"  {name:38s} best {best * 1e3:7.1f} ms   median {med * 1e3:7.1f} ms   cpu {cpu * 1e3:7.1f} ms")
    print("phase_diagram on 200 gamma x 200 u points, uncached; target < 300 ms")
    g = np.linspace(0.0, 3.0, 200)
    uu = np.linspace(-4.0, 0.0, 200)
    for name, H, k, N in cases:
        best, med, cpu = _time(lambda H=H, k=k, N=N: phase_diagram(uu, g, H, k, N), 3)
        print(f"  {name:38s} best {best * 1e3:7.1f} ms   median {med * 1e3:7.1f} ms   cpu {cpu * 1e3:7.1f} ms")


if __name__ == "__main__":
    main()
