"""What a held K move costs to draw: by ``Plotly.react``, and in place with a slot per
index, as the page draws it (plain script; prints figures, asserts nothing).

    .venv/bin/python bench/bench_k_moves.py [--H 3] [--moves 30] [--runs 2] [--view complexity]

A K move (the highest index shown) adds or takes away a curve and a level line and
re-samples the colour scale over K + 1.  assets/redraw.js draws a held K handle's figures
with a slot for every index up to 10, so that such a move is drawn in place (points and
colours written in, ``Plotly.relayout`` of the ranges, the legend's entries arranged).
This script loads a page at K = 4, waits for its tables and times, in the page,
alternating K = 5 and K = 4 draws through the page's own code
(``dash_clientside.redraw.held``, the function a held handle's move calls):

1. ``Plotly.react`` of the figure at K (slots and drawing in place switched off: what a
   K move cost before the slots);
2. in place with slots (as shipped).

p50 / p95 in ms over the moves after the first four (the time of the drawing call; the
browser's paint comes after it in both cases), and what the plot shows at the end: curves
with points, level lines, legend entries, which should be K + 2, K + 4 and K + 2 on the
complexity plot (K + 3, K + 4, K + 3 on the finite-N plot, with its exact total).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_browser import browser, drawn, start_server, tables_ready, wait  # noqa: E402

TIME = """
var r = window.dash_clientside.redraw, graph = arguments[0], n = arguments[1], slots = arguments[2];
r.inPlace(slots, slots);
var out = [], how = {};
for (var i = 0; i < n; i++) {
  var t0 = performance.now();
  var drew = r.held({K: i % 2 ? 4 : 5, slots: slots});
  out.push(performance.now() - t0);
  Object.keys(drew).forEach(function (p) { how[drew[p]] = (how[drew[p]] || 0) + 1; });
}
r.inPlace(true, true);
var gd = document.querySelector(graph + ' .js-plotly-plot');
var legend = gd.querySelector('.infolayer > g.legend');
var paths = gd.querySelectorAll('.scatterlayer .trace path.js-line');
return {ms: out, how: how,
        curves: Array.prototype.filter.call(paths,
          function (p) { return /L/.test(p.getAttribute('d') || ''); }).length,
        lines: Array.prototype.filter.call(gd.querySelectorAll('.shapelayer path'),
          function (p) { return parseFloat(getComputedStyle(p).opacity) !== 0; }).length,
        legend: legend ? legend.querySelectorAll('g.traces').length : 0};
"""


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(q * len(s)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--H", type=int, default=3, help="depth")
    parser.add_argument("--moves", type=int, default=30, help="draws per measurement (even)")
    parser.add_argument("--runs", type=int, default=2, help="rounds of both measurements")
    parser.add_argument("--view", default="complexity", choices=("complexity", "finite"))
    args = parser.parse_args()
    graph = f"#{args.view}-graph"
    proc, base = start_server(tempfile.mkdtemp())
    driver = browser()
    try:
        driver.get(f"{base}/?tab={args.view}&K=4&H={args.H}&N=300")
        wait(lambda: drawn(driver, graph))
        tables_ready(driver, args.view, need=1)
        time.sleep(2)
        print(f"{args.view} plot, H = {args.H}, K = 4 <-> 5, {args.moves} draws "
              f"(first 4 dropped); ms")
        for run in range(args.runs):
            for label, slots in (("Plotly.react", False), ("in place, slots", True)):
                res = driver.execute_script(TIME, graph, args.moves, slots)
                ms = res["ms"][4:]
                print(f"  run {run + 1}  {label:16s} "
                      f"p50 {pct(ms, 0.5):5.1f}  p95 {pct(ms, 0.95):5.1f}"
                      f"   drawn {res['how']}; at K = 4: {res['curves']} curves, "
                      f"{res['lines']} shapes, {res['legend']} legend entries")
    finally:
        driver.quit()
        proc.terminate()


if __name__ == "__main__":
    main()
