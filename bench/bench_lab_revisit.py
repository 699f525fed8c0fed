"""Opening the "Landscapes" tab again when nothing changed (plain script; prints figures,
asserts nothing).

    .venv/bin/python bench/bench_lab_revisit.py [--visits 5] [--url http://127.0.0.1:8050]

Without ``--url`` it starts ``python app.py`` from this checkout on a free port with a fresh
cache.  In headless Chromium it opens the page on the Landscapes tab and waits until the
globe, the two charts and the profile are drawn (the first visit, computing), then
``--visits`` times: a click on the Complexity tab (its figure drawn), then a click on the
Landscapes tab → every figure of the tab drawn and visible (polled each animation frame,
timed with ``performance.now()`` in the page).  Prints the first visit and each revisit in
milliseconds, and their median.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_browser import browser, start_server  # noqa: E402
from components import ids  # noqa: E402

LAB_GRAPHS = (ids.LAB_GLOBE_GRAPH, ids.LAB_CHART_HEATMAP, ids.LAB_CHART_SURFACE,
              ids.LAB_PROFILE_GRAPH, ids.LAB_DESCENT_GRAPH)
#: The graphs that hold data once the tab has computed (the descents wait for their button).
DATA_GRAPHS = LAB_GRAPHS[:4]

# Click a tab, then poll each animation frame until the graphs are drawn and visible.
OPEN_TAB = """
const [tabId, graphs, withData, done] = [arguments[0], arguments[1], arguments[2],
                                         arguments[arguments.length - 1]];
function ready() {
  return graphs.every(function (id) {
    const root = document.getElementById(id);
    const gd = root && root.querySelector('.js-plotly-plot');
    if (!gd || !gd._fullLayout || root.offsetParent === null) { return false; }
    if (withData.indexOf(id) >= 0 && !(gd._fullData && gd._fullData.length)) { return false; }
    return gd.getBoundingClientRect().height > 0;
  });
}
let t0 = null;
(function start() {
  const tab = document.getElementById(tabId);
  if (!tab) { setTimeout(start, 50); return; }
  t0 = performance.now();
  tab.click();
  poll();
})();
function poll() {
  if (ready()) { requestAnimationFrame(function () { done(performance.now() - t0); }); return; }
  if (performance.now() - t0 > 120000) { done(null); return; }
  requestAnimationFrame(poll);
}
"""


def open_tab(driver, tab: str, graphs, with_data) -> float | None:
    return driver.execute_async_script(OPEN_TAB, ids.tab(tab), list(graphs), list(with_data))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visits", type=int, default=5)
    parser.add_argument("--url", default=None, help="a running server (default: start one)")
    args = parser.parse_args()
    proc = None
    with tempfile.TemporaryDirectory() as cache:
        if args.url:
            base = args.url.rstrip("/")
        else:
            proc, base = start_server(cache)
        driver = browser()
        driver.set_script_timeout(180)
        try:
            driver.get(base + "/?tab=complexity")
            first = open_tab(driver, "complexity", ["complexity-graph"], ["complexity-graph"])
            t = time.perf_counter()
            first = open_tab(driver, "lab", LAB_GRAPHS, DATA_GRAPHS)
            print(f"first visit (computing): {first:.0f} ms "
                  f"(wall {1000 * (time.perf_counter() - t):.0f} ms)")
            time.sleep(2.0)
            revisits = []
            for _ in range(args.visits):
                open_tab(driver, "complexity", ["complexity-graph"], ["complexity-graph"])
                time.sleep(0.5)
                ms = open_tab(driver, "lab", LAB_GRAPHS, DATA_GRAPHS)
                revisits.append(ms)
                time.sleep(0.5)
            shown = ", ".join("never" if m is None else f"{m:.0f}" for m in revisits)
            print(f"revisits (ms): {shown}")
            done = [m for m in revisits if m is not None]
            if done:
                print(f"revisit median: {statistics.median(done):.0f} ms, max {max(done):.0f} ms")
        finally:
            driver.quit()
            if proc is not None:
                proc.terminate()
                proc.wait(timeout=20)


if __name__ == "__main__":
    main()
