"""Timings of compute.kac_rice (theory §5.4, §5.5); nothing here is asserted.

Targets: expected_critical_points_phi at N = 100 with 2000 samples under 2 s; modulation_factor
on a 200-point u grid under 5 ms.  Reports the best of several repeats (and the median).

    .venv/bin/python bench/bench_kac_rice.py
"""

from __future__ import annotations

import math
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from compute.complexity import e_inf  # noqa: E402
from compute.kac_rice import expected_critical_points_phi, modulation_factor  # noqa: E402


def _time(fn, repeat: int) -> tuple[float, float]:
    fn()  # warm-up (quadrature tables, imports)
    ts = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return min(ts), statistics.median(ts)


def main() -> None:
    coeffs = [0.6, 0.3]
    cases = [
        ("N=100, 2000 samples, all indices, u_max=inf (goe)", dict(u_max=math.inf, k=None)),
        ("N=100, 2000 samples, k=0, u_max=inf (goe)", dict(u_max=math.inf, k=0)),
        ("N=100, 2000 samples, k=1, u_max=-1.5 (goe)", dict(u_max=-1.5, k=1)),
        ("N=100, 2000 samples, k=0, u_max=-1.7 (level)", dict(u_max=-1.7, k=0)),
        ("N=100, 2000 samples, all indices, u_max=-1.7 (level)", dict(u_max=-1.7, k=None)),
    ]
    print("expected_critical_points_phi (H = 3, coeffs = [0.6, 0.3]); target < 2 s")
    for name, kw in cases:
        best, med = _time(lambda kw=kw: expected_critical_points_phi(100, 3, coeffs, samples=2000, seed=0, **kw), 5)
        print(f"  {name:55s} best {best * 1e3:8.1f} ms   median {med * 1e3:8.1f} ms")
    print("modulation_factor on 200 u points; target < 5 ms")
    for H, c, note in [(3, [0.6, 0.3], "quadratic phi: closed form"), (4, [0.2, -1.0, 0.5], "cubic: panels"),
                       (5, [0.1, 0.2, 0.3, -0.1], "quartic: panels")]:
        u = np.linspace(-3.0, -e_inf(H) - 1e-3, 200)
        best, med = _time(lambda u=u, H=H, c=c: modulation_factor(u, H, c, 0), 50)
        print(f"  H = {H} ({note:27s}) best {best * 1e3:7.3f} ms   median {med * 1e3:7.3f} ms")


if __name__ == "__main__":
    main()
