"""Latency in a real browser (plain script; prints figures, asserts nothing).

    .venv/bin/python bench/bench_browser.py [--moves 40]

Starts ``python app.py`` on a free port with a fresh cache (the server is running before
anything is measured) and drives headless Chromium through selenium:

1. First page load: navigation start → the complexity figure drawn (a MutationObserver
   installed before the page's own scripts records ``performance.now()`` when the graph
   first holds data), and → E₀ printed; 5 loads (the first fills the server cache).
2. Slider change → updated figure: arrow keys on a slider thumb; a capture-phase
   ``keydown`` listener stamps ``performance.now()``, the graph's ``plotly_afterplot``
   event stamps the end.  Depth H on the Complexity and Layered-structure tabs (the
   analytic views), μ on the Activation tab.  Moves sweep the slider back and forth, so
   the first sweep is uncached on the server and later ones are cached.
3. Callback round trips seen by the browser (Resource Timing of
   ``/_dash-update-component``: request start → response end) during the moves.

Targets: p95 < 300 ms for the analytic views, first load < 2 s.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from selenium import webdriver  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402

FIRST_PLOT = """
window.__firstPlot = null; window.__firstE0 = null;
new MutationObserver(function () {
  if (window.__firstPlot === null) {
    var gd = document.querySelector('#complexity-graph .js-plotly-plot');
    if (gd && gd._fullData && gd._fullData.length && gd.querySelector('.main-svg .scatterlayer .trace')) {
      window.__firstPlot = performance.now();
    }
  }
  if (window.__firstE0 === null) {
    var e0 = document.getElementById('e0-value');
    if (e0 && e0.textContent) { window.__firstE0 = performance.now(); }
  }
}).observe(document, {subtree: true, childList: true, characterData: true});
"""

ARM = """
var gd = document.querySelector(arguments[0] + ' .js-plotly-plot');
window.__lat = []; window.__t0 = null;
if (!window.__armed) {
  document.addEventListener('keydown', function () { window.__t0 = performance.now(); }, true);
  window.__armed = true;
}
gd.on('plotly_afterplot', function () {
  if (window.__t0 !== null) { window.__lat.push(performance.now() - window.__t0); window.__t0 = null; }
});
performance.clearResourceTimings();
performance.setResourceTimingBufferSize(10000);
"""

ROUND_TRIPS = """
return performance.getEntriesByType('resource')
  .filter(function (e) { return e.name.indexOf('_dash-update-component') >= 0; })
  .map(function (e) { return e.responseEnd - e.requestStart; });
"""


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def summary(ms: list[float]) -> str:
    if not ms:
        return "no data"
    return (f"p50 {statistics.median(ms):7.1f} ms   p95 {pct(ms, 0.95):7.1f} ms   "
            f"max {max(ms):7.1f} ms   (n = {len(ms)})")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(cache_dir: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "PORT": str(port), "HOST": "127.0.0.1", "CACHE_DIR": cache_dir}
    proc = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(base + "/health", timeout=2) as r:
                if r.status == 200:
                    return proc, base
        except (urllib.error.URLError, OSError):
            time.sleep(0.1)
    proc.terminate()
    raise RuntimeError("the server did not start")


def browser() -> webdriver.Chrome:
    from tests.conftest import pytest_setup_options

    options = pytest_setup_options()
    options.add_argument("--headless")
    options.add_argument("--window-size=1600,1200")
    driver = webdriver.Chrome(options=options)
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": FIRST_PLOT})
    return driver


def wait(predicate, timeout=30.0, step=0.01):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    raise TimeoutError("condition not met")


def first_loads(driver, base: str, n: int = 5) -> None:
    plots, e0s = [], []
    for _ in range(n):
        driver.get(base + "/")
        wait(lambda: driver.execute_script("return window.__firstPlot !== null && window.__firstE0 !== null"))
        plots.append(driver.execute_script("return window.__firstPlot"))
        e0s.append(driver.execute_script("return window.__firstE0"))
    print("first page load, server running (navigation start →):")
    print(f"  complexity figure drawn  first {plots[0]:7.1f} ms (server cache cold);  then {summary(plots[1:])}")
    print(f"  E₀ printed               first {e0s[0]:7.1f} ms;  then {summary(e0s[1:])}")


def slider_moves(driver, base: str, query: str, slider: str, graph: str, moves: int,
                 lo: int, hi: int, label: str) -> None:
    driver.get(base + "/" + query)
    wait(lambda: driver.execute_script(
        "var g = document.querySelector(arguments[0] + ' .js-plotly-plot');"
        "return g && g._fullData && g._fullData.length > 0;", graph))
    time.sleep(0.5)
    driver.execute_script(ARM, graph)
    thumb = driver.find_element("css selector", f"{slider} [role=slider]")
    thumb.click()
    time.sleep(0.3)
    driver.execute_script("window.__lat = []; window.__t0 = null; performance.clearResourceTimings();")
    direction = +1
    steps = 0
    while steps < moves:
        value = float(thumb.get_attribute("aria-valuenow"))
        index = round((value - float(thumb.get_attribute("aria-valuemin"))) /
                      ((float(thumb.get_attribute("aria-valuemax")) -
                        float(thumb.get_attribute("aria-valuemin"))) / (hi - lo)))
        if index >= hi - lo:
            direction = -1
        elif index <= 0:
            direction = +1
        thumb.send_keys(Keys.ARROW_RIGHT if direction > 0 else Keys.ARROW_LEFT)
        steps += 1
        wait(lambda: driver.execute_script("return window.__lat.length") >= steps, timeout=20)
        time.sleep(0.05)
    lat = driver.execute_script("return window.__lat")
    trips = driver.execute_script(ROUND_TRIPS)
    sweep = hi - lo
    print(f"{label}:")
    print(f"  slider change → figure updated, all moves     {summary(lat)}")
    print(f"  first sweep (server cache cold)               {summary(lat[:sweep])}")
    print(f"  later moves (server cache warm)               {summary(lat[sweep:])}")
    print(f"  callback round trips (settings + view)        {summary(trips)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--moves", type=int, default=40, help="moves per slider (>= 30)")
    args = parser.parse_args()
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, headless Chromium")
    with tempfile.TemporaryDirectory() as cache_dir:
        proc, base = start_server(cache_dir)
        driver = browser()
        try:
            first_loads(driver, base)
            slider_moves(driver, base, "", "#depth-slider", "#complexity-graph", args.moves, 2, 12,
                         "Complexity tab, depth H (Θ curves, energy table, table view)")
            slider_moves(driver, base, "?tab=layered", "#depth-slider", "#layered-k-graph",
                         args.moves, 2, 12, "Layered-structure tab, depth H (two figures)")
            slider_moves(driver, base, "?tab=activation&activation=tanh&mu=-0.3", "#mu-slider",
                         "#activation-graph", args.moves, 0, 120,
                         "Activation tab, mean μ (tanh, L = 8: PL fit, three figures)")
        finally:
            driver.quit()
            proc.terminate()
            proc.wait(timeout=20)


if __name__ == "__main__":
    main()
