"""Latency in a real browser (plain script; prints figures, asserts nothing).

    .venv/bin/python bench/bench_browser.py [--moves 24] [--only complexity,finite,...]
                                            [--before REV]

With ``--before REV`` the same measurements also run against the code of git revision
``REV`` (exported with ``git archive`` into a temporary folder, served from there), each
measurement on both servers back to back, and a before/after table closes the output:
both columns are measured in one run, under the same load.

Starts ``python app.py`` on a free port with a fresh cache (the server is running before
anything is measured) and drives headless Chromium through selenium and the DevTools
protocol:

1. First page load: navigation start → the complexity figure drawn (a MutationObserver
   installed before the page's own scripts records ``performance.now()`` when the graph
   first holds data), and → E₀ printed; 9 loads (the first fills the server cache).
2. Dragging a slider: real mouse events (``Input.dispatchMouseEvent``: press on the
   thumb, then one move per slider step, sweeping back and forth, then release).  A
   capture-phase ``pointermove`` listener stamps ``performance.now()``; the watched
   graph's ``plotly_afterplot`` event stamps the end.  "while dragging" is that latency
   per move (a move not redrawn within 1.5 s counts as not redrawn); "release" is the
   mouse release → the figure drawn after it (the exact server result), measured on
   short drags.  Sliders: depth H, highest index K, log₁₀ N and the lower end of the
   loss range u on each analytic view they change.
3. Tab switch between the analytic views: a click on the tab → its figure drawn
   (MutationObserver), cycling Complexity → Layered → Finite N → Activation.
4. Payloads: every response of ``/_dash-update-component`` and of the table routes is
   recorded in the page (a ``fetch`` wrapper), its size as received and after gzip
   (``CompressionStream``); printed per route and, for the callbacks, per output.
5. Callback round trips seen by the browser (Resource Timing).

Targets: p95 < 50 ms input → redraw while dragging; tab switch p95 < 100 ms; first load
no slower than before.
"""

from __future__ import annotations

import argparse
import json
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
// In-page time of each Plotly.react (call → its promise resolved), by graph: the drawing
// itself, apart from the page's event and callback handling and the server's load.
window.__react = [];
(function () {
  var P;
  function wrap(v) {
    if (!v || !v.react || v.react.__timed) { return; }
    var orig = v.react;
    var timed = function (gd) {
      var t0 = performance.now();
      var id = gd && gd.parentElement ? (gd.closest('[id]') || {}).id || '' : '';
      var r = orig.apply(this, arguments);
      Promise.resolve(r).then(function () {
        window.__react.push({id: id, ms: performance.now() - t0, at: t0});
      });
      return r;
    };
    timed.__timed = true;
    v.react = timed;
  }
  Object.defineProperty(window, 'Plotly', {
    configurable: true,
    get: function () { return P; },
    set: function (v) { P = v; wrap(v); }
  });
}());
// Payload sizes: raw and gzip of each callback / table response.
window.__payloads = [];
(function () {
  var orig = window.fetch;
  if (!orig) { return; }
  function gzipSize(buf) {
    if (typeof CompressionStream === 'undefined') { return Promise.resolve(null); }
    var cs = new CompressionStream('gzip');
    var stream = new Blob([buf]).stream().pipeThrough(cs);
    return new Response(stream).arrayBuffer().then(function (b) { return b.byteLength; });
  }
  window.fetch = function (input, init) {
    var url = typeof input === 'string' ? input : (input && input.url) || '';
    var body = init && typeof init.body === 'string' ? init.body : null;
    return orig.apply(this, arguments).then(function (resp) {
      if (url.indexOf('_dash-update-component') >= 0 || url.indexOf('/_tables/') >= 0) {
        var outputs = null;
        try { outputs = body ? JSON.parse(body).output : null; } catch (e) { outputs = null; }
        resp.clone().arrayBuffer().then(function (buf) {
          return gzipSize(buf).then(function (gz) {
            var per = {};
            if (url.indexOf('_dash-update-component') >= 0) {
              try {
                var parsed = JSON.parse(new TextDecoder().decode(buf)).response || {};
                Object.keys(parsed).forEach(function (id) { per[id] = JSON.stringify(parsed[id]).length; });
              } catch (e) { per = {}; }
            }
            window.__payloads.push({url: url.split('?')[0].replace(/^https?:\\/\\/[^/]+/, ''),
                                    outputs: outputs, raw: buf.byteLength, gzip: gz, per: per});
          });
        });
      }
      return resp;
    });
  };
}());
"""

ARM = """
var graph = arguments[0];
window.__lat = []; window.__t0 = null; window.__watch = graph;
if (!window.__armed) {
  window.addEventListener('pointermove', function () { window.__t0 = performance.now(); }, true);
  window.addEventListener('pointerup', function () { window.__t0 = performance.now(); }, true);
  window.__armed = true;
}
var gd = document.querySelector(graph + ' .js-plotly-plot');
if (gd && !gd.__benchHooked) {
  gd.__benchHooked = true;
  gd.on('plotly_afterplot', function () {
    if (window.__t0 !== null && window.__watch === graph) {
      window.__lat.push(performance.now() - window.__t0); window.__t0 = null;
    }
  });
}
performance.clearResourceTimings();
performance.setResourceTimingBufferSize(10000);
"""

ROUND_TRIPS = """
return performance.getEntriesByType('resource')
  .filter(function (e) { return e.name.indexOf('_dash-update-component') >= 0; })
  .map(function (e) { return e.responseEnd - e.requestStart; });
"""

TAB_ARM = """
window.__tabT0 = null; window.__tabLat = []; window.__tabTarget = null;
if (!window.__tabObserver) {
  window.__tabObserver = new MutationObserver(function () {
    if (window.__tabT0 === null || !window.__tabTarget) { return; }
    var gd = document.querySelector(window.__tabTarget + ' .js-plotly-plot');
    if (gd && gd._fullData && gd._fullData.length && gd.querySelector('.main-svg .scatterlayer .trace')) {
      window.__tabLat.push(performance.now() - window.__tabT0); window.__tabT0 = null;
    }
  });
  window.__tabObserver.observe(document, {subtree: true, childList: true, attributes: true});
}
"""

TAB_CLICK = """
window.__tabTarget = arguments[1];
window.__tabT0 = performance.now();
var t0 = window.__tabT0;
window.__tabPaint = window.__tabPaint || [];
// the next frame after the click's work (its layout and paint included)
requestAnimationFrame(function () {
  setTimeout(function () { window.__tabPaint.push(performance.now() - t0); }, 0);
});
document.getElementById(arguments[0]).click();
"""

#: (view, query, slider, graph, label) for every slider that changes an analytic view.
DRAGS = [
    ("complexity", "", "#depth-slider", "#complexity-graph", "depth H"),
    ("complexity", "", "#max-index-slider", "#complexity-graph", "highest index K"),
    ("complexity", "", "#u-range-slider", "#complexity-graph", "loss range u (lower end)"),
    ("layered", "?tab=layered", "#depth-slider", "#layered-k-graph", "depth H"),
    ("layered", "?tab=layered", "#max-index-slider", "#layered-k-graph", "highest index K"),
    ("finite", "?tab=finite", "#depth-slider", "#finite-graph", "depth H"),
    ("finite", "?tab=finite", "#max-index-slider", "#finite-graph", "highest index K"),
    ("finite", "?tab=finite", "#n-slider", "#finite-graph", "log₁₀ N"),
    ("finite", "?tab=finite", "#u-range-slider", "#finite-graph", "loss range u (lower end)"),
    ("activation", "?tab=activation", "#depth-slider", "#phi-graph", "depth H"),
    ("minima", "?tab=minima&activation=gelu&H=4&gamma=0.5", "#gamma-slider", "#minima-profile-graph",
     "strength γ (GELU, H = 4)"),
    ("minima", "?tab=minima&activation=gelu&H=4&gamma=0.5", "#depth-slider", "#minima-profile-graph",
     "depth H (GELU)"),
]


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


def start_server(cache_dir: str, root: Path = ROOT) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "PORT": str(port), "HOST": "127.0.0.1", "CACHE_DIR": cache_dir}
    proc = subprocess.Popen([sys.executable, "app.py"], cwd=root, env=env,
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


def drawn(driver, graph: str) -> bool:
    return driver.execute_script(
        "var g = document.querySelector(arguments[0] + ' .js-plotly-plot');"
        "return Boolean(g && g._fullData && g._fullData.length > 0);", graph)


def settle(driver, seconds: float = 0.6) -> None:
    """Wait until no callback has been in flight for ``seconds``."""
    deadline = time.monotonic() + 30
    quiet_since = time.monotonic()
    while time.monotonic() < deadline:
        busy = driver.execute_script(
            "return Boolean(document.querySelector('[data-dash-is-loading=\"true\"]'));")
        if busy:
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since >= seconds:
            return
        time.sleep(0.05)


def first_loads(driver, base: str, n: int = 9) -> dict:
    plots, e0s = [], []
    for i in range(n):
        navigate(driver, base + "/")
        wait(lambda: driver.execute_script("return window.__firstPlot !== null && window.__firstE0 !== null"))
        plots.append(driver.execute_script("return window.__firstPlot"))
        e0s.append(driver.execute_script("return window.__firstE0"))
        if i == 0:  # the later loads are measured with warm server caches, tables included
            try:
                waited = tables_ready(driver, "complexity")
                if waited is not None:
                    tables_ready(driver, "layered", need=1)
                    print(f"  (tables of the first page built in {waited:.1f} s after its figure)")
            except TimeoutError:
                print("  (the tables of the first page were not built within the time limit)")
            settle(driver, 1.0)
    print("first page load, server running (navigation start →):")
    print(f"  complexity figure drawn  first {plots[0]:7.1f} ms (server cache cold);  then {summary(plots[1:])}")
    print(f"  E₀ printed               first {e0s[0]:7.1f} ms;  then {summary(e0s[1:])}")
    return {"first_load": plots[1:], "first_load_cold": plots[:1]}


def _mouse(driver, kind: str, x: float, y: float) -> None:
    driver.execute_cdp_cmd("Input.dispatchMouseEvent", {
        "type": kind, "x": x, "y": y, "button": "left",
        "buttons": 0 if kind == "mouseReleased" else 1, "clickCount": 1,
    })


def _geometry(driver, slider: str) -> dict:
    return driver.execute_script("""
        var root = document.querySelector(arguments[0] + ' .dash-slider-root');
        root.scrollIntoView({block: 'center'});
        var r = root.getBoundingClientRect();
        var thumb = root.querySelector('[role=slider]');
        var t = thumb.getBoundingClientRect();
        return {left: r.left, width: r.width, y: t.top + t.height / 2, tx: t.left + t.width / 2,
                min: parseFloat(thumb.getAttribute('aria-valuemin')),
                max: parseFloat(thumb.getAttribute('aria-valuemax')),
                now: parseFloat(thumb.getAttribute('aria-valuenow'))};
    """, slider)


def _steps(slider: str, now: float, lo: float, hi: float, moves: int) -> list[float]:
    """Values visited by a drag: one slider step per move, sweeping back and forth."""
    step = {"#n-slider": 0.05, "#u-range-slider": 0.01}.get(slider, 1.0)
    if slider == "#u-range-slider":
        span = (now - 0.15, now + 0.05)
    elif slider == "#n-slider":
        span = (max(lo, 2.0), min(hi, 3.8))
    else:
        span = (lo, hi)
    values, v, direction = [], now, +1
    for _ in range(moves):
        if v + direction * step > span[1] + 1e-9 or v + direction * step < span[0] - 1e-9:
            direction = -direction
        v = round(v + direction * step, 6)
        values.append(v)
    return values


_HARVEST: list = []


def navigate(driver, url: str) -> None:
    """Open ``url``, keeping the payloads recorded on the page being left."""
    try:
        _HARVEST.extend(driver.execute_script("return window.__payloads || []") or [])
    except Exception:  # noqa: BLE001 - no page yet
        pass
    driver.get(url)


#: Views drawn from tables in the browser (components/views/redraw.py TABLE_VIEWS); the
#: others (the minima view) draw on the server only.
TABLE_VIEWS = ("complexity", "layered", "finite", "activation")

LOADED = """
var r = window.dash_clientside && window.dash_clientside.redraw;
return r && r.loaded ? r.loaded() : null;
"""


def tables_ready(driver, view: str, timeout: float = 300.0, need: int | None = None) -> float | None:
    """Wait until the page holds ``need`` tables of ``view`` (default: every depth, what a
    drag of H uses); seconds waited, ``None`` when the page draws on the server only."""
    if view not in TABLE_VIEWS or driver.execute_script(LOADED) is None:
        return None
    if need is None:
        need = 1 if view == "activation" else 11  # tables per depth
    t0 = time.monotonic()
    wait(lambda: sum(f"/_tables/{view}?" in u for u in driver.execute_script(LOADED)) >= need,
         timeout=timeout, step=0.2)
    return time.monotonic() - t0


def drag(driver, base: str, view: str, query: str, slider: str, graph: str, label: str,
         moves: int) -> dict:
    navigate(driver, base + "/" + query)
    wait(lambda: drawn(driver, graph))
    waited = tables_ready(driver, view)
    if waited is not None:
        print(f"  ({view} tables in the page {waited:.1f} s after the figure)")
    settle(driver)
    driver.execute_script(ARM, graph)
    g = _geometry(driver, slider)
    x_of = lambda v: g["left"] + (v - g["min"]) / (g["max"] - g["min"]) * g["width"]  # noqa: E731
    values = _steps(slider, g["now"], g["min"], g["max"], moves)
    driver.execute_script("window.__lat = []; window.__t0 = null; performance.clearResourceTimings();")
    _mouse(driver, "mousePressed", g["tx"], g["y"])
    _mouse(driver, "mouseMoved", x_of(g["now"]), g["y"])
    time.sleep(0.3)
    settle(driver, 0.3)
    driver.execute_script("window.__lat = []; window.__t0 = null; window.__react = [];")
    misses = 0
    for i, v in enumerate(values):
        seen = driver.execute_script("return window.__lat.length")
        _mouse(driver, "mouseMoved", x_of(v), g["y"])
        try:
            wait(lambda: driver.execute_script("return window.__lat.length") > seen, timeout=1.5)
        except TimeoutError:
            misses += 1
            driver.execute_script("window.__t0 = null;")
            if misses >= 3 and i < 4:
                break  # the slider does not redraw while dragging
        time.sleep(0.03)
    during = driver.execute_script("return window.__lat")
    reacts = driver.execute_script(
        "var g = arguments[0];"
        "return window.__react.filter(function (r) { return '#' + r.id === g; })"
        ".map(function (r) { return r.ms; });", graph)
    trips = driver.execute_script(ROUND_TRIPS)
    _mouse(driver, "mouseReleased", x_of(values[min(len(values), max(i, 0)) - 1] if values else g["now"]), g["y"])
    settle(driver)
    # release → exact figure: short drags of one step each
    releases = []
    for j in range(6):
        g = _geometry(driver, slider)
        step = {"#n-slider": 0.05, "#u-range-slider": 0.01}.get(slider, 1.0)
        target = g["now"] + (step if j % 2 == 0 else -step)
        _mouse(driver, "mousePressed", g["tx"], g["y"])
        _mouse(driver, "mouseMoved", x_of(target), g["y"])
        time.sleep(0.2)
        settle(driver, 0.3)
        driver.execute_script("window.__lat = []; window.__t0 = null;")
        _mouse(driver, "mouseReleased", x_of(target), g["y"])
        try:
            wait(lambda: driver.execute_script("return window.__lat.length") > 0, timeout=3)
            releases.append(driver.execute_script("return window.__lat[0]"))
        except TimeoutError:
            pass
        settle(driver, 0.3)
    redrawn = len(during)
    print(f"{view} tab, {label}:")
    if redrawn:
        print(f"  move → figure redrawn while dragging   {summary(during)}   "
              f"({misses} of {len(values)} moves not redrawn within 1.5 s)")
    else:
        print("  move → figure redrawn while dragging   never (the figure changes on release only)")
    print(f"  Plotly.react in the page while dragging {summary(reacts)}")
    print(f"  release → figure drawn                 {summary(releases)}")
    print(f"  callback round trips during the drag   {summary(trips)}")
    return {"during": during, "misses": misses, "moves": len(values), "release": releases,
            "react": reacts}


def tab_switches(driver, base: str, cycles: int) -> dict:
    navigate(driver, base + "/")
    wait(lambda: drawn(driver, "#complexity-graph"))
    settle(driver, 1.0)
    order = [("layered", "#layered-k-graph"), ("finite", "#finite-graph"),
             ("activation", "#activation-graph"), ("complexity", "#complexity-graph")]
    driver.execute_script(TAB_ARM)
    for view in ("complexity", "layered", "activation"):
        try:
            tables_ready(driver, view, timeout=120, need=1)  # the shown depth
        except TimeoutError:
            pass
    first, later = [], []
    paint = {"first": [], "later": []}
    for c in range(cycles + 1):
        for tab, graph in order:
            n = driver.execute_script("return window.__tabLat.length")
            p = driver.execute_script("return (window.__tabPaint || []).length")
            driver.execute_script(TAB_CLICK, f"tab-{tab}", graph)
            try:
                wait(lambda: driver.execute_script("return window.__tabLat.length") > n, timeout=20)
                (first if c == 0 else later).append(driver.execute_script("return window.__tabLat[window.__tabLat.length - 1]"))
                wait(lambda: driver.execute_script("return window.__tabPaint.length") > p, timeout=20)
                paint["first" if c == 0 else "later"].append(
                    driver.execute_script("return window.__tabPaint[window.__tabPaint.length - 1]"))
            except TimeoutError:
                pass
            settle(driver, 0.3)
    print("tab switch between analytic views (click → figure drawn; click → next frame painted):")
    print(f"  first visit of each tab  {summary(first)}")
    print(f"                   paint   {summary(paint['first'])}")
    print(f"  later switches           {summary(later)}")
    print(f"                   paint   {summary(paint['later'])}")
    return {"tab_first": first, "tab": later, "tab_first_paint": paint["first"],
            "tab_paint": paint["later"]}


def payloads(driver) -> dict:
    items = _HARVEST + (driver.execute_script("return window.__payloads || []") or [])
    groups: dict[str, list] = {}
    for it in items:
        if "tables" in it["url"]:
            key = it["url"]
        else:
            outs = it.get("outputs") or ""
            key = "callback " + (outs if len(outs) < 70 else outs[:67] + "...")
        groups.setdefault(key, []).append(it)
    print("payloads (kB as received / gzip; largest response per route or callback):")
    out = {}
    for key, its in sorted(groups.items(), key=lambda kv: -max(i["raw"] for i in kv[1])):
        big = max(its, key=lambda i: i["raw"])
        if big["raw"] < 2000:
            continue
        gz = big["gzip"] / 1000 if big["gzip"] else float("nan")
        print(f"  {big['raw'] / 1000:8.1f} / {gz:6.1f} kB  ({len(its)}×)  {key}")
        out[key] = (big["raw"], big["gzip"])
    return out


def export_revision(rev: str, folder: str) -> Path:
    """The tree of git revision ``rev`` unpacked into ``folder``."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev], check=True,
                             capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", folder], input=archive, check=True)
    return Path(folder)


def run_all(driver, base: str, args, only: set) -> dict:
    results: dict = {}
    results.update(first_loads(driver, base))
    for view, query, slider, graph, label in DRAGS:
        if only and view not in only:
            continue
        results[f"{view} tab, {label}"] = drag(driver, base, view, query, slider, graph,
                                                label, args.moves)
    results.update(tab_switches(driver, base, args.cycles))
    results["payloads"] = payloads(driver)
    return results


def _cell(values) -> str:
    if not values:
        return "—"
    return f"{statistics.median(values):.0f} / {pct(values, 0.95):.0f}"


def table(runs: dict[str, dict]) -> None:
    names = list(runs)
    print()
    print("| measurement (p50 / p95 ms) | " + " | ".join(names) + " |")
    print("|---|" + "---|" * len(names))
    first = runs[names[0]]
    print("| first page load → complexity figure | "
          + " | ".join(_cell(runs[n].get("first_load")) for n in names) + " |")
    for key, value in first.items():
        if not isinstance(value, dict) or "during" not in value:
            continue
        cells = []
        for n in names:
            r = runs[n].get(key, {})
            during = r.get("during") or []
            cells.append(_cell(during) if during else "no redraw while dragging")
        print(f"| {key}: move → redrawn while dragging | " + " | ".join(cells) + " |")
        print(f"| {key}: Plotly.react in the page | "
              + " | ".join(_cell(runs[n].get(key, {}).get("react")) for n in names) + " |")
        print(f"| {key}: release → figure | "
              + " | ".join(_cell(runs[n].get(key, {}).get("release")) for n in names) + " |")
    print("| tab switch, later switches | " + " | ".join(_cell(runs[n].get("tab")) for n in names) + " |")
    print("| tab switch, first visit | " + " | ".join(_cell(runs[n].get("tab_first")) for n in names) + " |")
    print("| tab switch, first visit: next frame painted | "
          + " | ".join(_cell(runs[n].get("tab_first_paint")) for n in names) + " |")
    print("| tab switch, later switches: next frame painted | "
          + " | ".join(_cell(runs[n].get("tab_paint")) for n in names) + " |")


def alternating_loads(args) -> None:
    """First page loads only, alternating between the servers (the same load for both)."""
    with tempfile.TemporaryDirectory() as tmp:
        roots = {}
        if args.before:
            roots[f"before ({args.before})"] = export_revision(args.before, tempfile.mkdtemp(dir=tmp))
        roots["after (this tree)" if args.before else "this tree"] = ROOT
        servers = {name: start_server(tempfile.mkdtemp(dir=tmp), root) for name, root in roots.items()}
        driver = browser()
        try:
            for name, (_, base) in servers.items():  # warm: the cold load, then its tables
                navigate(driver, base + "/")
                wait(lambda: driver.execute_script("return window.__firstPlot !== null"), timeout=120)
                try:
                    tables_ready(driver, "complexity", timeout=300)
                    tables_ready(driver, "layered", need=1)
                except TimeoutError:
                    pass
                settle(driver, 1.0)
            times: dict[str, list[float]] = {name: [] for name in servers}
            for _ in range(args.loads):
                for name, (_, base) in servers.items():
                    navigate(driver, base + "/")
                    wait(lambda: driver.execute_script("return window.__firstPlot !== null"), timeout=120)
                    times[name].append(driver.execute_script("return window.__firstPlot"))
                    settle(driver, 0.5)
        finally:
            driver.quit()
            for proc, _ in servers.values():
                proc.terminate()
                proc.wait(timeout=20)
    print("first page load, caches warm, loads alternating between the servers "
          "(navigation start → complexity figure drawn):")
    for name, values in times.items():
        print(f"  {name:24s} {summary(values)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--moves", type=int, default=24, help="moves per drag")
    parser.add_argument("--cycles", type=int, default=4, help="tab-switch cycles after the first")
    parser.add_argument("--only", default="", help="comma-separated views to drag on")
    parser.add_argument("--before", default="", help="git revision to compare with")
    parser.add_argument("--json", default="", help="also write the raw figures to this file")
    parser.add_argument("--loads", type=int, default=0,
                        help="only first page loads: this many per server, alternating "
                             "between the servers (with --before), caches warm")
    args = parser.parse_args()
    if args.loads:
        alternating_loads(args)
        return
    only = set(filter(None, args.only.split(",")))
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, headless Chromium")
    runs: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        roots = {}
        if args.before:
            roots[f"before ({args.before})"] = export_revision(args.before, tempfile.mkdtemp(dir=tmp))
        roots["after (this tree)" if args.before else "this tree"] = ROOT
        for name, root in roots.items():
            print(f"\n=== {name} ===")
            proc, base = start_server(tempfile.mkdtemp(dir=tmp), root)
            driver = browser()
            try:
                _HARVEST.clear()
                runs[name] = run_all(driver, base, args, only)
            finally:
                driver.quit()
                proc.terminate()
                proc.wait(timeout=20)
    table(runs)
    if args.json:
        Path(args.json).write_text(json.dumps(runs, indent=1))


if __name__ == "__main__":
    main()
