"""The browser's tables (components/views/redraw.py): build time, size and interpolation error.

    .venv/bin/python bench/bench_tables.py [--quick]

1. For the default settings, each analytic view's tables: time to build them on the
   server (cold: nothing cached in the process) and their size as JSON and gzip-compressed
   (what the browser downloads once per page and coarse setting).
2. The finite-N interpolation: the exact total of theory §4 is tabulated at
   N_j = round(10^(1 + j/10)) and interpolated linearly in log₁₀ N (of the correction to
   the leading order).  Against the exact total at every position of the N slider
   (log₁₀ N on a 0.05 grid, 10 ≤ N ≤ 10⁴), for H = 2..12, on the automatic loss range
   and on the whole range (−3, 0.5): the largest error in log₁₀ of the count.
   ``--quick``: H = 3, 7, 12 only.
"""

from __future__ import annotations

import argparse
import gzip
import math
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from components.data.analytic import exact_total, finite_grid, loss_window  # noqa: E402
from components.state import default_state  # noqa: E402
from components.views import analytic as views  # noqa: E402
from components.views import redraw as tables  # noqa: E402
from compute import complexity  # noqa: E402


def sizes() -> None:
    render = {"complexity": views.render_complexity, "layered": views.render_layered,
              "activation": views.render_activation}
    print("tables of the default settings (one request each: one depth, H = 3, except "
          "activation: every depth):")
    print("| view | build (s) | JSON (kB) | gzip (kB) | figures | arrays |")
    print("|---|---|---|---|---|---|")
    for view in tables.TABLE_VIEWS:
        t0 = time.perf_counter()
        bundle = tables.build_tables(view, default_state(), render, lambda state: None)
        built = time.perf_counter() - t0
        body = tables.encode(bundle)
        print(f"| {view} | {built:.2f} | {len(gzip.decompress(body)) / 1e3:.0f} | "
              f"{len(body) / 1e3:.1f} | {len(bundle['figures'])} | {len(bundle['pool'])} |")


def interpolation(depths) -> float:
    print("\nfinite-N interpolation error, max |Δ log10 count| over every slider position "
          "N = 10 … 10^4:")
    print("| H | automatic range | range (−3, 0.5) | worst N |")
    print("|---|---|---|---|")
    ln10 = math.log(10.0)
    slider = sorted({int(round(10.0 ** x)) for x in np.arange(1.0, 4.0001, 0.05)})
    grid_x = np.log10(np.array(tables.N_GRID, dtype=float))
    worst_all = 0.0
    for H in depths:
        cells, worst_n = [], None
        for window in (loss_window(H), (-3.0, 0.5)):
            u = finite_grid(H, window)
            total = complexity.theta(u, H) / ln10
            corr = np.array([exact_total(N, H, u) - N * total for N in tables.N_GRID])
            worst = 0.0
            for N in slider:
                x = math.log10(N)
                j = min(max(int(np.searchsorted(grid_x, x, side="right")) - 1, 0), len(grid_x) - 2)
                t = (x - grid_x[j]) / (grid_x[j + 1] - grid_x[j])
                approx = N * total + (1 - t) * corr[j] + t * corr[j + 1]
                exact = exact_total(N, H, u)
                ok = np.isfinite(exact)
                err = float(np.max(np.abs(approx[ok] - exact[ok]), initial=0.0))
                if err > worst:
                    worst, worst_n = err, N
            cells.append(f"{worst:.1e}")
            worst_all = max(worst_all, worst)
        print(f"| {H} | {cells[0]} | {cells[1]} | {worst_n} |", flush=True)
    print(f"largest: {worst_all:.2e} (stated bound: {tables.FINITE_INTERPOLATION_ERROR:g})")
    return worst_all


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--skip-sizes", action="store_true")
    parser.add_argument("--sizes-only", action="store_true")
    args = parser.parse_args()
    if not args.skip_sizes:
        sizes()
    if args.sizes_only:
        return
    interpolation((3, 7, 12) if args.quick else range(2, 13))


if __name__ == "__main__":
    main()
