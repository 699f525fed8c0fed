"""What a held K move costs to draw, and what it would cost in place (plain script; prints
figures, asserts nothing).

    .venv/bin/python bench/bench_k_moves.py [--H 3] [--moves 30] [--runs 2]

A K move (the highest index shown) on the complexity plot adds a curve and a level line
and re-samples the colour scale over K + 1, so it is drawn by ``Plotly.react``
(assets/redraw.js: only moves that change numbers are drawn in place).  This script takes
the server's complexity figures at K = 4, 5 and 10 from a running page and times, in that
page, alternating K = 4 and K = 5 draws:

1. ``Plotly.react`` of the figures as a held move prepares them (margins fixed, no
   automargin, no annotations), and variants of them: without the legend, without the
   shapes, with the points thinned to a third, and the same K with only the numbers
   changed (y × 1.001);
2. *slots*: a figure with a curve for every index 0..10 (the K = 10 figure's curves; those
   above K hold one NaN point), drawn once by ``Plotly.react``; each move then writes the
   points into ``gd.calcdata``, the colours into ``_fullData``, ``data`` and the drawn
   paths, and calls ``Plotly.relayout`` of the axis ranges -- the means drawInPlace uses.
   The legend is hidden and the level lines left out: what the slots route would still
   have to draw.

p50 / p95 in ms over the moves after the first four; the slot run also prints the number
of drawn curves and their colours, to be compared with the K = 5 figure's.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_browser import browser, drawn, start_server, wait  # noqa: E402

# The figure on the graph, typed arrays as plain lists.
FIGURE = """
function plain(k, v) {
  if (v && ArrayBuffer.isView(v)) { return Array.from(v); }
  if (v && v._inputArray) {
    var o = v._inputArray, n = Object.keys(o).length, a = [];
    for (var i = 0; i < n; i++) { a.push(o[i]); }
    return a;
  }
  return v;
}
var gd = document.querySelector('#complexity-graph .js-plotly-plot');
return JSON.parse(JSON.stringify({data: gd.data, layout: gd.layout}, plain));
"""

# Shared by both timings: the figure as a held move prepares it.
HELD = """
var gd = document.querySelector('#complexity-graph .js-plotly-plot');
var size = gd._fullLayout._size;
function held(f, variant) {
  f = JSON.parse(JSON.stringify(f));
  f.layout.margin = {l: size.l, r: size.r, t: size.t, b: size.b, autoexpand: false};
  ['xaxis', 'yaxis'].forEach(function (a) {
    f.layout[a] = Object.assign({}, f.layout[a] || {}, {automargin: false});
  });
  f.layout.annotations = [];
  if (variant === 'no legend') { f.layout.showlegend = false; }
  if (variant === 'no shapes') { f.layout.shapes = []; }
  f.data.forEach(function (t) {
    var keep = function (_, i) { return variant !== 'thinned' || i % 3 === 0; };
    t.x = new Float64Array(t.x.filter(keep));
    t.y = new Float64Array(t.y.filter(keep).map(function (v) {
      return variant === 'numbers only' ? v * 1.001 : v;
    }));
  });
  return f;
}
"""

REACT = HELD + """
var figs = arguments[0], variant = arguments[1], n = arguments[2];
var a, b;
if (variant === 'numbers only') { a = held(figs['4'], 'numbers only'); b = held(figs['4'], ''); }
else { a = held(figs['4'], variant); b = held(figs['5'], variant); }
var out = [];
for (var i = 0; i < n; i++) {
  var f = i % 2 ? a : b, t0 = performance.now();
  Plotly.react(gd, f.data, f.layout);
  out.push(performance.now() - t0);
}
return out;
"""

SLOTS = HELD + """
var figs = arguments[0], n = arguments[1];
function slots(K) {
  var f = held(figs['10'], 'no legend'), src = figs[String(K)], last = f.data.length - 1;
  f.layout.shapes = (f.layout.shapes || []).slice(0, 2);
  f.data.forEach(function (t, i) {
    var s = i <= K ? src.data[i] : (i === last ? src.data[src.data.length - 1] : null);
    t.line = Object.assign({}, t.line);
    if (s) {
      t.x = new Float64Array(s.x); t.y = new Float64Array(s.y); t.line.color = s.line.color;
    } else {
      t.x = new Float64Array([NaN]); t.y = new Float64Array([NaN]);
    }
  });
  return f;
}
function setPoints(cd, x, y, m) {
  var head = cd[0];
  cd.length = m;
  for (var i = 0; i < m; i++) {
    cd[i] = isFinite(x[i]) && isFinite(y[i]) ? {x: x[i], y: y[i]} : {x: undefined, y: undefined};
  }
  Object.keys(head).forEach(function (k) { if (k !== 'x' && k !== 'y') { cd[0][k] = head[k]; } });
}
var a = slots(4), b = slots(5);
Plotly.react(gd, a.data, a.layout);
var out = [];
for (var i = 0; i < n; i++) {
  var f = i % 2 ? a : b, t0 = performance.now(), cd = gd.calcdata, fd = gd._fullData;
  f.data.forEach(function (t, j) {
    gd.data[j].x = t.x; gd.data[j].y = t.y;
    fd[j].x = t.x; fd[j].y = t.y; fd[j]._length = t.x.length;
    setPoints(cd[j], t.x, t.y, t.x.length);
    fd[j].line.color = t.line.color; gd.data[j].line.color = t.line.color;
  });
  Plotly.relayout(gd, {'xaxis.range': f.layout.xaxis.range.slice(),
                       'yaxis.range': f.layout.yaxis.range.slice()});
  Array.prototype.forEach.call(gd.querySelectorAll('.scatterlayer .trace'), function (g, j) {
    var p = g.querySelector('path.js-line');
    if (p) { p.style.stroke = f.data[j].line.color; }
  });
  out.push(performance.now() - t0);
}
var shown = n % 2 ? b : a, probe = document.createElementNS('http://www.w3.org/2000/svg', 'path');
function css(c) { probe.style.stroke = c; return probe.style.stroke; }
return {ms: out,
        strokes: Array.prototype.map.call(gd.querySelectorAll('.scatterlayer .trace path.js-line'),
                                          function (p) { return p.style.stroke; }),
        want: shown.data.filter(function (t) { return t.x.length > 1; })
                        .map(function (t) { return css(t.line.color); })};
"""


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(q * len(s)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--H", type=int, default=3, help="depth of the figures")
    parser.add_argument("--moves", type=int, default=30, help="draws per measurement")
    parser.add_argument("--runs", type=int, default=2, help="rounds of all measurements")
    args = parser.parse_args()
    proc, base = start_server(tempfile.mkdtemp())
    driver = browser()
    try:
        figs = {}
        for K in (4, 5, 10):
            driver.get(f"{base}/?K={K}&H={args.H}")
            wait(lambda: drawn(driver, "#complexity-graph"))
            time.sleep(2)
            figs[str(K)] = driver.execute_script(FIGURE)
        print(f"complexity plot, H = {args.H}, K = 4 <-> 5, "
              f"{args.moves} draws (first 4 dropped); ms")
        for run in range(args.runs):
            for variant in ("as drawn", "no legend", "no shapes", "thinned", "numbers only"):
                ms = driver.execute_script(REACT, figs, variant, args.moves)[4:]
                print(f"  run {run + 1}  Plotly.react, {variant:13s} "
                      f"p50 {pct(ms, 0.5):5.1f}  p95 {pct(ms, 0.95):5.1f}")
            res = driver.execute_script(SLOTS, figs, args.moves)
            ms = res["ms"][4:]
            same = res["strokes"] == res["want"]
            print(f"  run {run + 1}  slots in place          "
                  f"p50 {pct(ms, 0.5):5.1f}  p95 {pct(ms, 0.95):5.1f}  ({len(res['strokes'])} "
                  f"curves drawn, colours {'as' if same else 'NOT as'} the figure's)")
    finally:
        driver.quit()
        proc.terminate()


if __name__ == "__main__":
    main()
