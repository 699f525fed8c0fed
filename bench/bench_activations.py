"""Timings of the activation fit and the network expansion (theory §5.1–§5.3).

Run: ``python bench/bench_activations.py`` (from the project root). Prints, for each preset,
the median wall time of a cold PL fit (memo cleared, so the chain of fits for 2..L pieces is
included) and of a memoized call, plus describe_activation. Nothing is asserted.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from compute.activations import (  # noqa: E402
    PRESETS,
    clear_fit_cache,
    evaluate,
    fit_piecewise_linear,
)
from compute.network import describe_activation  # noqa: E402

REPEATS = 5
PIECES = (2, 4, 8, 16, 32)
SHAPES = ((0.0, 1.0), (0.5, 2.0))


def _median_ms(fn, repeats: int = REPEATS, cold: bool = True) -> float:
    times = []
    for _ in range(repeats):
        if cold:
            clear_fit_cache()
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return 1e3 * statistics.median(times)


def main() -> None:
    presets = [n for n in PRESETS if n != "custom"]
    print(f"cold fit_piecewise_linear, median of {REPEATS} (ms); columns: L = {PIECES}")
    worst8 = 0.0
    for mu, sigma in SHAPES:
        print(f"  mu = {mu}, sigma = {sigma}")
        for name in presets:
            row = []
            for L in PIECES:
                ms = _median_ms(lambda: fit_piecewise_linear(name, None, L, mu, sigma))
                row.append(ms)
                if L == 8:
                    worst8 = max(worst8, ms)
            print(f"    {name:11s}" + "".join(f"{ms:9.2f}" for ms in row))
    print(f"worst cold L = 8 fit: {worst8:.1f} ms (target < 50 ms)")

    fit_piecewise_linear("gelu", None, 8, 0.0, 1.0)
    warm = _median_ms(lambda: fit_piecewise_linear("gelu", None, 8, 0.0, 1.0), 200, cold=False)
    print(f"memoized fit_piecewise_linear: {1e3 * warm:.1f} µs")

    def describe():
        return describe_activation("softplus", None, 8, 0.0, 1.0, 5)

    cold = _median_ms(describe)
    describe()
    warm = _median_ms(describe, 200, cold=False)
    print(
        f"describe_activation(softplus, L = 8, H = 5): cold {cold:.1f} ms, "
        f"with the fit memoized {1e3 * warm:.1f} µs"
    )

    z = np.linspace(-6, 6, 2000)
    ev = _median_ms(lambda: [evaluate(n, z) for n in presets], 50, cold=False)
    print(f"evaluate, all {len(presets)} presets on 2000 points: {ev:.2f} ms")


if __name__ == "__main__":
    main()
