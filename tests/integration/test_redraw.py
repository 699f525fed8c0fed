"""The browser's drawing while a slider moves agrees with the server's figures.

A real mouse drag (DevTools input events) holds a slider at a random value; the curves
the page then shows -- drawn in the browser from the server's tables -- are read out of
the plotly graph and compared with the figure the server computes for the same settings
(components/views/analytic.py), to the tolerances stated in components/views/redraw.py.  Releasing the
slider then shows the server's own figure.
"""

from __future__ import annotations

import base64
import math
import time

import numpy as np
import pytest
from dash.testing.wait import until

from components.views import analytic as views
from components.views.redraw import F4_RELATIVE_ERROR, FINITE_INTERPOLATION_ERROR, N_GRID

pytestmark = pytest.mark.browser

LOADED = """
var r = window.dash_clientside && window.dash_clientside.redraw;
return r && r.loaded ? r.loaded() : [];
"""
# The curves shown: names and colours as given, the arrays as plotly decoded them.  A
# figure drawn in the browser holds typed arrays; the server's holds base64 specs.
CURVES = """
var gd = document.querySelector(arguments[0] + ' .js-plotly-plot');
if (!gd || !gd.data || !gd._fullData || gd._fullData.length !== gd.data.length) { return null; }
return gd.data.map(function (t, i) {
  var f = gd._fullData[i];
  return {name: t.name, x: Array.from(f.x || []), y: Array.from(f.y || []),
          color: t.line ? t.line.color : null, browser: ArrayBuffer.isView(t.y)};
});
"""
GEOMETRY = """
var root = document.querySelector(arguments[0] + ' .dash-slider-root');
root.scrollIntoView({block: 'center'});
var r = root.getBoundingClientRect();
var thumb = root.querySelector('[role=slider]');
var t = thumb.getBoundingClientRect();
return {left: r.left, width: r.width, y: t.top + t.height / 2, tx: t.left + t.width / 2,
        min: parseFloat(thumb.getAttribute('aria-valuemin')),
        max: parseFloat(thumb.getAttribute('aria-valuemax'))};
"""


def _mouse(duo, kind: str, x: float, y: float) -> None:
    duo.driver.execute_cdp_cmd("Input.dispatchMouseEvent", {
        "type": kind, "x": x, "y": y, "button": "left",
        "buttons": 0 if kind == "mouseReleased" else 1, "clickCount": 1,
    })


class Drag:
    """Press a slider's thumb, move it to values, read the page, release."""

    def __init__(self, duo, slider: str):
        self.duo = duo
        self.slider = slider
        until(lambda: duo.driver.execute_script(
            "return Boolean(document.querySelector(arguments[0] + ' .dash-slider-root'));", slider),
            timeout=20, msg=f"{slider} is not on the page")
        self.g = duo.driver.execute_script(GEOMETRY, slider)
        self.x = self.g["tx"]
        self.pressed = False

    def now(self) -> float:
        return float(self.duo.driver.execute_script(
            "return document.querySelector(arguments[0] + ' [role=slider]')"
            ".getAttribute('aria-valuenow');", self.slider))

    def to(self, value: float) -> None:
        g = self.g
        if not self.pressed:
            _mouse(self.duo, "mousePressed", g["tx"], g["y"])
            self.pressed = True
        self.x = g["left"] + (value - g["min"]) / (g["max"] - g["min"]) * g["width"]
        _mouse(self.duo, "mouseMoved", self.x, g["y"])
        until(lambda: abs(self.now() - value) < 1e-9, timeout=5,
              msg=f"{self.slider} did not follow the mouse to {value}")

    def release(self) -> None:
        _mouse(self.duo, "mouseReleased", self.x, self.g["y"])


def _array(values) -> np.ndarray:
    if isinstance(values, dict) and "bdata" in values:
        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=np.dtype(values["dtype"]))
    return np.asarray(values, dtype=float)


def _server_curves(figure: dict) -> list[dict]:
    return [{"name": t.get("name"), "x": _array(t["x"]), "y": _array(t["y"]),
             "color": (t.get("line") or {}).get("color")}
            for t in figure["data"] if t.get("mode") != "markers"]


def _shown(curves: list[dict]) -> list[dict]:
    """The curves with points (a held K handle's figure also holds empty slots)."""
    return [c for c in curves if np.isfinite(np.asarray(c["y"], dtype=float)).any()]


def _wait_tables(duo, view: str, H: int | None = None, timeout: float = 240) -> None:
    """Wait for the view's tables (of depth ``H`` if given) to be in the page."""
    def there():
        for url in duo.driver.execute_script(LOADED):
            if f"/_tables/{view}?" in url and (H is None or f"H={H}&" in url + "&"):
                return True
        return False

    until(there, timeout=timeout, msg=f"the {view} tables never reached the page")


def _page_curves(duo, graph: str, expect) -> list[dict]:
    """The graph's curves once they satisfy ``expect`` (the drawing is asynchronous)."""
    box = {}

    def ok():
        box["c"] = duo.driver.execute_script(CURVES, graph)
        return box["c"] is not None and expect(box["c"])

    try:
        until(ok, timeout=10)
    except Exception as exc:  # noqa: BLE001 - say what the page showed instead
        shown = [(c["name"], c["browser"], len(c["y"])) for c in box.get("c") or []][:2]
        shown.append(duo.driver.execute_script("return window.__redrawLog"))
        raise AssertionError(f"{graph} never showed the expected curves; it shows {shown}") from exc
    return box["c"]


def _compare(page: list[dict], server: list[dict], rtol: float, atol: float,
             exact_atol: float | None = None) -> float:
    """Largest deviation; every server curve must be in the page with the same points."""
    assert [c["name"] for c in page] == [c["name"] for c in server]
    worst = 0.0
    for p, s in zip(page, server):
        assert p["color"] == s["color"]
        np.testing.assert_allclose(p["x"], s["x"], rtol=1e-6, atol=1e-7)
        tol_a = exact_atol if (exact_atol is not None and "exact" in (s["name"] or "")) else atol
        y_p, y_s = np.asarray(p["y"], dtype=float), np.asarray(s["y"], dtype=float)
        finite = np.isfinite(y_s)
        np.testing.assert_array_equal(np.isfinite(y_p), finite)
        np.testing.assert_allclose(y_p[finite], y_s[finite], rtol=rtol, atol=tol_a)
        worst = max(worst, float(np.max(np.abs(y_p[finite] - y_s[finite]), initial=0.0)))
    return worst


def test_redraw001_complexity_and_layered_while_dragging(shared_duo):
    duo = shared_duo
    rng = np.random.default_rng(14)
    duo.wait_for_page(duo.server_url + "/", timeout=30)
    until(lambda: duo.driver.execute_script(CURVES, "#complexity-graph"), timeout=30)
    current = 3
    for _ in range(3):
        H, K = int(rng.choice([h for h in range(2, 13) if h != current])), int(rng.integers(0, 11))
        current = H
        drag = Drag(duo, "#max-index-slider")
        drag.to(K)
        drag.release()
        until(lambda: f"K={K}" in duo.driver.execute_script("return location.search") or K == 5,
              timeout=15)
        time.sleep(0.3)
        _wait_tables(duo, "complexity", H)  # one table per depth
        drag = Drag(duo, "#depth-slider")
        drag.to(H + 1 if H < 12 else H - 1)  # pass by another depth: the slider must move
        drag.to(H)
        server = _server_curves(views.render_complexity(H, K)["figures"]["complexity"])
        page = _page_curves(duo, "#complexity-graph",
                            lambda c: len(c) == K + 2 and f",{H}</sub>" in (c[0]["name"] or "")
                            and c[0]["browser"])
        _compare(page, server, rtol=4 * F4_RELATIVE_ERROR, atol=1e-7)
        drag.release()
        # on release the server's own figure (exact, full precision) replaces the drawing
        exact = _page_curves(duo, "#complexity-graph", lambda c: not c[0]["browser"])
        _compare(exact, server, rtol=1e-15, atol=0.0)
    assert duo.get_logs() == []


def test_redraw002_finite_n_while_dragging_n(shared_duo):
    duo = shared_duo
    rng = np.random.default_rng(41)
    H, K = 4, 2
    duo.wait_for_page(duo.server_url + f"/?tab=finite&H={H}&K={K}&N=5000", timeout=30)
    until(lambda: duo.driver.execute_script(CURVES, "#finite-graph"), timeout=30)
    _wait_tables(duo, "finite")
    # Slider positions (log10 N on a 0.05 grid): on and between the table's N grid, and
    # beyond the exact range (N > 10^4: leading order only).
    positions = [round(float(x), 2) for x in rng.choice(np.arange(2.4, 6.0001, 0.05), 4, replace=False)]
    positions += [1.15, 3.35]
    drag = Drag(duo, "#n-slider")
    worst = 0.0
    for x in positions:
        N = min(max(int(round(10.0 ** x)), 10), 10**6)
        drag.to(x)
        title = f"N = {N:,})"
        until(lambda: title in (duo.driver.execute_script(
            "var gd = document.querySelector('#finite-graph .js-plotly-plot');"
            "return gd && gd.layout.yaxis.title.text;") or ""), timeout=10,
            msg=f"the finite-N plot never showed N = {N}")
        # the label beside the slider follows it (the exact N of the box within a step)
        shown = 5000 if abs(math.log10(5000) - x) < 0.026 else N
        until(lambda: duo.find_element("#n-label").text == f"N = {shown:,}", timeout=5,
              msg=f"the N label never showed N = {shown:,}")
        payload = views.render_finite(H, K, N, 1, None, None)
        server = _server_curves(payload["figures"]["finite"])
        page = _page_curves(duo, "#finite-graph",
                            lambda c: len(c) == len(server) and c[0]["browser"])
        worst = max(worst, _compare(page, server, rtol=1e-12, atol=1e-9,
                                    exact_atol=FINITE_INTERPOLATION_ERROR))
        if N in N_GRID:  # on the table's grid the exact total is picked, not interpolated
            exact = [(p, s) for p, s in zip(page, server) if "exact" in (s["name"] or "")]
            for p, s in exact:
                np.testing.assert_allclose(p["y"], s["y"], rtol=1e-12, atol=1e-9)
    drag.release()
    assert math.isfinite(worst)
    assert duo.get_logs() == []


def test_redraw003_held_handle_draws_directly_and_release_in_place_is_exact(shared_duo):
    """While a handle is held the page draws the table's figure with no Dash callback
    (a move runs no clientside callback of the redraw); a handle released where it was
    pressed brings back the server's exact figure, since no new settings follow."""
    duo = shared_duo
    H, K = 5, 3
    duo.wait_for_page(duo.server_url + f"/?H={H}&K={K}", timeout=30)
    until(lambda: duo.driver.execute_script(CURVES, "#complexity-graph"), timeout=30)
    _wait_tables(duo, "complexity", H)
    _wait_tables(duo, "complexity", H + 1)
    exact = _server_curves(views.render_complexity(H, K)["figures"]["complexity"])
    other = _server_curves(views.render_complexity(H + 1, K)["figures"]["complexity"])
    _compare(_page_curves(duo, "#complexity-graph", lambda c: not c[0]["browser"]), exact,
             rtol=1e-15, atol=0.0)
    # Count the redraw callbacks Dash runs from here on.
    duo.driver.execute_script("""
        var r = window.dash_clientside.redraw;
        window.__figureCalls = 0;
        if (!r.__counted) {
          var f = r.figures;
          r.figures = function () { window.__figureCalls += 1; return f.apply(this, arguments); };
          r.__counted = true;
        }
    """)
    drag = Drag(duo, "#depth-slider")
    drag.to(H + 1)
    page = _page_curves(duo, "#complexity-graph",
                        lambda c: f",{H + 1}</sub>" in (c[0]["name"] or "") and c[0]["browser"])
    _compare(page, other, rtol=4 * F4_RELATIVE_ERROR, atol=1e-7)
    assert duo.driver.execute_script("return window.__figureCalls") == 0
    # Held: no level labels; the legend is the kept copy, naming the curves drawn (H + 1).
    held = duo.driver.execute_script(LEGEND, "#complexity-graph")
    assert held["annotations"] == 0 and held["drawn"] == []
    assert held["kept"] == held["names"] and all(f",{H + 1}" in n for n in held["names"][:-1])
    drag.to(H)
    _page_curves(duo, "#complexity-graph",
                 lambda c: f",{H}</sub>" in (c[0]["name"] or "") and c[0]["browser"])
    drag.release()
    back = _page_curves(duo, "#complexity-graph", lambda c: not c[0]["browser"])
    _compare(back, exact, rtol=1e-15, atol=0.0)
    # Released: the exact figure's own legend and labels, the kept copy gone.
    shown = duo.driver.execute_script(LEGEND, "#complexity-graph")
    assert shown["kept"] == [] and shown["drawn"] == shown["names"]
    assert shown["annotations"] >= K + 2  # -E_0 .. -E_K and -E_inf
    assert duo.get_logs() == []


# The legend entries plotly drew, those of the copy kept while a handle is held, and the
# curves' names as the legend writes them (markup dropped).
LEGEND = """
var gd = document.querySelector(arguments[0] + ' .js-plotly-plot');
function texts(sel) {
  return Array.prototype.map.call(gd.querySelectorAll(sel + ' text.legendtext'), function (e) {
    return e.textContent.replace(/\\u200b/g, ''); });
}
return {drawn: texts('.infolayer g.legend'), kept: texts('.live-legend'),
        names: gd.data.map(function (t) { return String(t.name).replace(/<[^>]*>/g, ''); }),
        annotations: gd.querySelectorAll('.annotation').length};
"""

SWITCH = """
document.getElementById(arguments[0]).click();
var panel = document.getElementById(arguments[1]);
var gd = document.querySelector(arguments[2] + ' .js-plotly-plot');
var tab = document.querySelector('#view-tabs .tab--selected');
return {hidden: panel.hidden, kept: gd ? gd.__kept || null : null,
        name: gd && gd.data && gd.data[0] ? gd.data[0].name : null,
        browser: Boolean(gd && gd.data && gd.data[0] && ArrayBuffer.isView(gd.data[0].y)),
        selected: tab ? tab.id : null};
"""


def test_redraw004_analytic_tabs_switch_at_the_click_with_current_figures(shared_duo):
    """The analytic views stay mounted: a click on the tab of one shows it at once (in
    the click's own task), redrawn from the tables if the settings changed while it was
    hidden, and with the figure it had if they did not; the tab then reaches the server
    as any tab change (the address, then the server's exact figure)."""
    duo = shared_duo
    H = 3
    duo.wait_for_page(duo.server_url + f"/?H={H}&K=4", timeout=30)
    until(lambda: duo.driver.execute_script(CURVES, "#complexity-graph"), timeout=30)
    duo.find_element("#tab-layered").click()
    _page_curves(duo, "#layered-k-graph", lambda c: bool(c) and not c[0]["browser"])
    duo.driver.execute_script("document.querySelector('#layered-k-graph .js-plotly-plot').__kept = 'yes';")
    duo.find_element("#tab-complexity").click()
    until(lambda: "tab=" not in duo.driver.execute_script("return location.search"), timeout=15)
    # a new depth on the complexity tab; the layered view, hidden, still shows H = 3
    _wait_tables(duo, "complexity", H + 1)
    drag = Drag(duo, "#depth-slider")
    drag.to(H + 1)
    drag.release()
    until(lambda: f"H={H + 1}" in duo.driver.execute_script("return location.search"), timeout=15)
    _page_curves(duo, "#complexity-graph",
                 lambda c: f",{H + 1}</sub>" in (c[0]["name"] or "") and not c[0]["browser"])
    _wait_tables(duo, "layered", H + 1)
    time.sleep(0.5)
    shown = duo.driver.execute_script(SWITCH, "tab-layered", "layered-panel", "#layered-k-graph")
    assert shown == {"hidden": False, "kept": "yes", "name": f"E<sub>k</sub> at H = {H + 1}",
                     "browser": True, "selected": "tab-layered"}, shown
    assert duo.driver.execute_script("return document.getElementById('complexity-panel').hidden")
    until(lambda: "tab=layered" in duo.driver.execute_script("return location.search"), timeout=15)
    exact = _server_curves(views.render_layered(H + 1, 4)["figures"]["layered-k"])
    _compare(_page_curves(duo, "#layered-k-graph", lambda c: not c[0]["browser"]), exact,
             rtol=1e-15, atol=0.0)
    # back to complexity, whose figure is up to date: shown as it is, no new figure
    duo.driver.execute_script("""
        var gd = document.querySelector('#complexity-graph .js-plotly-plot');
        gd.__kept = 'yes'; window.__data = gd.data;
    """)
    shown = duo.driver.execute_script(SWITCH, "tab-complexity", "complexity-panel", "#complexity-graph")
    assert shown["hidden"] is False and shown["kept"] == "yes" and not shown["browser"], shown
    assert shown["selected"] == "tab-complexity"
    until(lambda: "tab=" not in duo.driver.execute_script("return location.search"), timeout=15)
    time.sleep(1.0)
    assert duo.driver.execute_script(
        "return document.querySelector('#complexity-graph .js-plotly-plot').data === window.__data")
    assert duo.find_element("#tab-complexity").get_attribute("aria-selected") == "true"
    assert duo.get_logs() == []


# What a graph shows, as drawn: the curves' paths, the axes' ticks, grid lines, the level
# lines and the titles (the markup plotly drew of them).
DRAWN = """
var gd = document.querySelector(arguments[0] + ' .js-plotly-plot');
function html(sel) {
  return Array.prototype.map.call(gd.querySelectorAll(sel), function (e) { return e.outerHTML; });
}
return {curves: html('.scatterlayer .trace path'), xticks: html('.xaxislayer-above > *'),
        yticks: html('.yaxislayer-above > *'), grid: html('.gridlayer path'),
        zero: html('.zerolinelayer path'), shapes: html('.shapelayer path'),
        titles: Array.prototype.map.call(gd.querySelectorAll(
          '.infolayer .g-gtitle text, .infolayer .g-xtitle text, .infolayer .g-ytitle text'), function (e) {
            return {text: e.textContent, markup: e.getAttribute('data-unformatted'),
                    x: parseFloat(e.getAttribute('x')), y: parseFloat(e.getAttribute('y')),
                    transform: (e.getAttribute('transform') || '').replace(/[-0-9.]+/g, '#')}; }),
        legend: html('.live-legend text.legendtext'),
        names: gd.data.map(function (t) { return t.name; }),
        ranges: [gd._fullLayout.xaxis.range, gd._fullLayout.yaxis.range]};
"""
def _settled(duo, script: str, graph: str, ready, what: str) -> dict:
    """What ``script`` reads of ``graph`` once two readings 0.15 s apart agree and
    ``ready`` holds for it (a held figure is drawn asynchronously)."""
    box = {}

    def settled():
        box["a"] = a = duo.driver.execute_script(script, graph)
        time.sleep(0.15)
        box["d"] = b = duo.driver.execute_script(script, graph)
        return a == b and bool(ready(b))

    try:
        until(settled, timeout=10)
    except Exception as exc:  # noqa: BLE001 - say what kept changing or was missing
        a, b = box.get("a") or {}, box.get("d") or {}
        moving = sorted(k for k in b if a.get(k) != b[k])
        raise AssertionError(f"{what} never settled: still changing {moving}, ready "
                             f"{bool(b) and bool(ready(b))}; log "
                             f"{duo.driver.execute_script('return window.__redrawLog')}") from exc
    return box["d"]


IN_PLACE_SLOTS = """
var r = window.dash_clientside.redraw;
return r.inPlace(arguments[0] === null ? undefined : arguments[0],
                 arguments[1] === null ? undefined : arguments[1],
                 arguments[2] === undefined || arguments[2] === null ? undefined : arguments[2]);
"""
IN_PLACE = """
var r = window.dash_clientside.redraw;
return r.inPlace(arguments[0] === null ? undefined : arguments[0]);
"""


@pytest.mark.parametrize("query, slider, graph, values", [
    ("/?H=5&K=3", "#depth-slider", "#complexity-graph", [7, 9]),
    ("/?tab=finite&H=4&K=2&N=300", "#n-slider", "#finite-graph", [2.8, 3.3]),
    ("/?tab=finite&H=4&K=2&N=300", "#u-range-slider", "#finite-graph", None),
    # the layered view: stated ranges, markers coloured point by point (K changes their number)
    ("/?tab=layered&H=5&K=3", "#depth-slider", "#layered-k-graph", [7, 9]),
    ("/?tab=layered&H=5&K=3", "#depth-slider", "#layered-h-graph", [7, 9]),
    ("/?tab=layered&H=5&K=3&theme=dark", "#max-index-slider", "#layered-k-graph", [6, 9]),
])
def test_redraw005_a_move_drawn_in_place_is_the_figure_plotly_draws(shared_duo, query, slider,
                                                                    graph, values):
    """A held move that changes only numbers (curves, ranges, level lines, a title's digits)
    is drawn in place by plotly's axis-range path, not by Plotly.react; what it draws is,
    element for element, what Plotly.react draws for the same figure."""
    duo = shared_duo
    view = next((v for v in ("finite", "layered") if v in query), "complexity")
    duo.wait_for_page(duo.server_url + query, timeout=30)
    until(lambda: duo.driver.execute_script(CURVES, graph), timeout=30)
    _wait_tables(duo, view)
    if slider == "#depth-slider":
        for h in range(5, 10):
            _wait_tables(duo, view, h)
    drag = Drag(duo, slider)
    if values is None:  # the u range's lower end, two steps up
        low = float(duo.driver.execute_script(
            "return document.querySelector(arguments[0] + ' [role=slider]')"
            ".getAttribute('aria-valuenow');", slider))
        values = [round(round(low, 2) + 0.01, 2), round(round(low, 2) + 0.02, 2)]
    first, target = values

    def drawn_at(expect_names=None):
        return _settled(duo, DRAWN, graph, lambda d: d["curves"] and (
            expect_names is None or d["names"] != expect_names), "the held figure")

    duo.driver.execute_script(IN_PLACE, True)
    before = duo.driver.execute_script(IN_PLACE, None)
    drag.to(first)                      # the first held move: Plotly.react (live layout)
    drawn_at()
    drag.to(target)                     # then in place
    drawn_at()
    drag.to(first)
    at_first = drawn_at()
    drag.to(target)
    in_place = drawn_at()
    counts = duo.driver.execute_script(IN_PLACE, None)
    assert counts["drawn"] > before["drawn"], (counts, duo.driver.execute_script("return window.__redrawLog"))
    assert in_place != at_first
    duo.driver.execute_script(IN_PLACE, False)
    drag.to(first)
    drawn_at()
    drag.to(target)                     # the same figure by Plotly.react
    reacted = drawn_at()
    duo.driver.execute_script(IN_PLACE, True)
    drag.release()
    assert duo.driver.execute_script(IN_PLACE, None)["reacted"] > counts["reacted"]
    assert in_place["ranges"] == reacted["ranges"], (in_place["ranges"], reacted["ranges"], at_first["ranges"])
    for part in ("curves", "legend", "names"):
        assert in_place[part] == reacted[part], part
    # the titles: the same text, in the same place to within a pixel (a y title sits beside
    # its tick labels, whose width the page measures)
    assert len(in_place["titles"]) == len(reacted["titles"]) >= 2
    for a, b in zip(in_place["titles"], reacted["titles"]):
        assert (a["text"], a["markup"], a["transform"]) == (b["text"], b["markup"], b["transform"])
        assert abs(a["x"] - b["x"]) < 1.0 and abs(a["y"] - b["y"]) < 1.0, (a, b)
    for part in ("xticks", "yticks", "grid", "zero", "shapes"):  # (the same, maybe in another order)
        assert sorted(in_place[part]) == sorted(reacted[part]), part
    assert duo.get_logs() == []



def test_redraw006_a_zoom_by_hand_stays_while_the_figure_keeps_its_axes(shared_duo):
    """A zoom by hand (a mouse drag on the plot) stays through new figures that state the
    same axis ranges as the one zoomed into -- a held K handle's figures and the server's
    figure after its release -- and goes when a figure moves the axes (a new depth H),
    after which held moves are drawn in place again (assets/uistate.js)."""
    duo = shared_duo
    duo.wait_for_page(duo.server_url + "/?H=5&K=3", timeout=30)
    until(lambda: duo.driver.execute_script(CURVES, "#complexity-graph"), timeout=30)
    for h in (5, 6, 7):
        _wait_tables(duo, "complexity", h)
    box = duo.driver.execute_script("""
        var gd = document.querySelector('#complexity-graph .js-plotly-plot');
        gd.scrollIntoView({block: 'center'});
        var r = gd.querySelector('.nsewdrag').getBoundingClientRect();
        return {left: r.left, top: r.top, width: r.width, height: r.height};""")
    x0, y0 = box["left"] + 0.3 * box["width"], box["top"] + 0.3 * box["height"]
    x1, y1 = box["left"] + 0.6 * box["width"], box["top"] + 0.7 * box["height"]
    ranges = ("var gd = document.querySelector('#complexity-graph .js-plotly-plot');"
              "return [gd._fullLayout.xaxis.range, gd._fullLayout.yaxis.range];")
    unzoomed = duo.driver.execute_script(ranges)
    _mouse(duo, "mousePressed", x0, y0)
    for f in (0.25, 0.5, 0.75, 1.0):
        _mouse(duo, "mouseMoved", x0 + f * (x1 - x0), y0 + f * (y1 - y0))
    _mouse(duo, "mouseReleased", x1, y1)
    until(lambda: duo.driver.execute_script(ranges) != unzoomed, timeout=10, msg="the plot was not zoomed")
    time.sleep(0.5)
    zoomed = duo.driver.execute_script(ranges)
    # K: the figures keep their axes, and the zoom stays, held and released
    drag = Drag(duo, "#max-index-slider")
    for k in (4, 5):
        drag.to(k)
        _page_curves(duo, "#complexity-graph",
                     lambda c, k=k: len(_shown(c)) == k + 2 and c[0]["browser"])
        time.sleep(0.2)
        assert duo.driver.execute_script(ranges) == zoomed
    drag.release()
    _page_curves(duo, "#complexity-graph", lambda c: len(c) == 7 and not c[0]["browser"])
    time.sleep(0.5)
    assert duo.driver.execute_script(ranges) == zoomed
    # H: the figure moves the axes; the zoom goes and held moves are drawn in place again
    counted = duo.driver.execute_script(IN_PLACE, None)
    drag = Drag(duo, "#depth-slider")
    for h in (6, 7, 6):
        drag.to(h)
        _page_curves(duo, "#complexity-graph",
                     lambda c, h=h: f",{h}</sub>" in (c[0]["name"] or "") and c[0]["browser"])
        time.sleep(0.2)
        assert duo.driver.execute_script(ranges) != zoomed
    after = duo.driver.execute_script(IN_PLACE, None)
    drag.release()
    assert after["drawn"] > counted["drawn"]
    assert duo.get_logs() == []


# What a graph shows of a figure with curves per index: the curves with points, the level
# lines not transparent, and the legend entries shown, with their place and colour.
DRAWN_K = """
var gd = document.querySelector(arguments[0] + ' .js-plotly-plot');
// (an element's attributes, its style's declarations in order: one restyled in place
// lists them in another order)
function html(els) {
  return Array.prototype.map.call(els, function (e) {
    return Array.prototype.map.call(e.attributes, function (a) {
      var v = a.name === 'style' ? a.value.split(';').map(function (d) { return d.trim(); })
        .filter(function (d) { return d && d !== 'opacity: 1'; }).sort().join('; ') : a.value;
      return a.name === 'data-index' ? '' : a.name + '=' + v;
    }).filter(Boolean).sort().join(' ');
  });
}
function shown(e) {
  var r = e.getBoundingClientRect();
  return parseFloat(window.getComputedStyle(e).opacity) !== 0 && r.right > 0 && r.bottom > 0;
}
var legend = gd.querySelector('.infolayer > g.legend');
var bg = legend && legend.querySelector('rect.bg');
return {
  curves: html(Array.prototype.filter.call(gd.querySelectorAll('.scatterlayer .trace path.js-line'),
    function (p) { return /L/.test(p.getAttribute('d') || ''); })),
  shapes: html(Array.prototype.filter.call(gd.querySelectorAll('.shapelayer path'),
    function (p) { return parseFloat(window.getComputedStyle(p).opacity) !== 0; })),
  legend: Array.prototype.filter.call(legend ? legend.querySelectorAll('g.traces') : [], shown)
    .map(function (g) {
      var line = g.querySelector('path.js-line'), r = g.getBoundingClientRect();
      return {text: g.querySelector('text.legendtext').textContent,
              stroke: line ? window.getComputedStyle(line).stroke : null,
              x: r.left, y: r.top};
    }),
  box: bg ? (function () { var r = bg.getBoundingClientRect();
                           return [r.left, r.top, r.width, r.height]; })() : null,
  // the clip path of the entries (plotly's, as big as the box)
  clip: (function () {
    var box = legend && legend.querySelector('g.scrollbox');
    var ref = box && /#([^)"']+)/.exec(box.getAttribute('clip-path') || '');
    var rect = ref && document.getElementById(ref[1]).querySelector('rect');
    return rect ? [parseFloat(rect.getAttribute('width')), parseFloat(rect.getAttribute('height'))] : null;
  })(),
  xtitle: gd.querySelector('.infolayer .g-xtitle text').getBoundingClientRect().top,
  names: gd.data.map(function (t) { return t.name; }),
  ranges: [gd._fullLayout.xaxis.range, gd._fullLayout.yaxis.range]};
"""


@pytest.mark.parametrize("query, graph, values", [
    ("/?H=4&K=3", "#complexity-graph", [7, 2]),
    ("/?H=7&K=0&theme=dark", "#complexity-graph", [10, 0]),
    ("/?tab=finite&H=4&K=2&N=300", "#finite-graph", [6, 1]),
])
def test_redraw008_a_held_k_move_drawn_in_place_is_the_figure_plotly_draws(shared_duo, query,
                                                                           graph, values):
    """A held K handle draws its figures with a slot for every index, so that a move is
    drawn in place: the curves, level lines and legend it shows are, element for element,
    what Plotly.react draws for the figure at that K (the legend's entries in the same
    places to within a pixel)."""
    duo = shared_duo
    view = "finite" if "finite" in query else "complexity"
    duo.wait_for_page(duo.server_url + query, timeout=30)
    until(lambda: duo.driver.execute_script(CURVES, graph), timeout=30)
    _wait_tables(duo, view)
    drag = Drag(duo, "#max-index-slider")

    def drawn_at(K):
        return _settled(duo, DRAWN_K, graph,
                        lambda d: len(d["curves"]) >= K + 2 and len(d["legend"]) >= K + 2,
                        f"the held figure at K = {K}")

    one, other = values
    before = duo.driver.execute_script(IN_PLACE_SLOTS, True, True)
    drag.to(one)                      # the first held move: Plotly.react of the slots
    drawn_at(one)
    drag.to(other)                    # then in place
    drawn_at(other)
    drag.to(one)
    in_place = {one: drawn_at(one)}
    drag.to(other)
    in_place[other] = drawn_at(other)
    counts = duo.driver.execute_script(IN_PLACE_SLOTS, None, None)
    assert counts["drawn"] >= before["drawn"] + 3, (counts, duo.driver.execute_script("return window.__redrawLog"))
    # (and plotly's own legend: a move to the K already drawn would keep it as a picture)
    duo.driver.execute_script(IN_PLACE_SLOTS, False, False, False)
    reacted = {}
    for K in (one, other):              # the figures at K as the tables hold them, by Plotly.react
        drag.to(K)
        reacted[K] = drawn_at(K)
    duo.driver.execute_script(IN_PLACE_SLOTS, True, True, True)
    drag.to(one)                      # slots again; then the server's figure at release
    drawn_at(one)
    drag.release()
    _page_curves(duo, graph, lambda c: not c[0]["browser"])
    released = drawn_at(one)            # (with the Monte Carlo estimates on the finite-N plot)
    texts = [e["text"] for e in in_place[one]["legend"]]
    assert [e["text"] for e in released["legend"]][:len(texts)] == texts
    for K in (one, other):
        a, b = in_place[K], reacted[K]
        assert len(b["names"]) < len(a["names"]) or K == 10
        assert a["ranges"] == b["ranges"], K
        assert a["curves"] == b["curves"], K
        assert sorted(a["shapes"]) == sorted(b["shapes"]), K
        assert len(b["shapes"]) == K + 4  # the band, y = 0, −E_0 … −E_K, −E_∞
        assert [(e["text"], e["stroke"]) for e in a["legend"]] == \
            [(e["text"], e["stroke"]) for e in b["legend"]], K
        assert len(a["legend"]) == len(b["names"])
        for e, f in zip(a["legend"], b["legend"]):
            assert abs(e["x"] - f["x"]) < 1.0 and abs(e["y"] - f["y"]) < 1.0, (K, e, f)
        assert all(abs(p - q) < 1.0 for p, q in zip(a["box"], b["box"])), (K, a["box"], b["box"])
        assert a["clip"] == b["clip"], (K, a["clip"], b["clip"])
        assert abs(a["xtitle"] - b["xtitle"]) < 1.0, (K, a["xtitle"], b["xtitle"])
    assert duo.get_logs() == []


# Every frame for a while: the first curve's name on the layered plot while its panel shows.
WATCH_LAYERED = """
window.__seen = [];
var stop = Date.now() + arguments[0];
(function tick() {
  var panel = document.getElementById('layered-panel');
  var gd = document.querySelector('#layered-k-graph .js-plotly-plot');
  if (panel && !panel.hidden && gd && gd.data && gd.data[0]) { window.__seen.push(gd.data[0].name); }
  if (Date.now() < stop) { window.requestAnimationFrame(tick); }
})();
"""


def test_redraw007_a_tab_clicked_just_after_a_release_shows_the_released_value(shared_duo):
    """A slider let go of sends its value to the server, and the new settings come back
    one round trip later.  A tab clicked in between waits for them: the view it shows
    never shows the value from before the release, not even for a frame."""
    duo = shared_duo
    duo.wait_for_page(duo.server_url + "/?H=6&K=4", timeout=30)
    until(lambda: duo.driver.execute_script(CURVES, "#complexity-graph"), timeout=30)
    _wait_tables(duo, "layered", 6)
    # the layered view, kept mounted, shows H = 5; the page holds its tables at H = 5 and 6
    drag = Drag(duo, "#depth-slider")
    drag.to(5)
    drag.release()
    until(lambda: "H=5" in duo.driver.execute_script("return location.search"), timeout=15)
    _wait_tables(duo, "layered", 5)
    duo.find_element("#tab-layered").click()
    _page_curves(duo, "#layered-k-graph", lambda c: c[0]["name"] == "E<sub>k</sub> at H = 5")
    duo.find_element("#tab-complexity").click()
    until(lambda: "tab=" not in duo.driver.execute_script("return location.search"), timeout=15)
    time.sleep(0.5)
    # H = 6, and the layered tab clicked as soon as the handle is let go of
    drag = Drag(duo, "#depth-slider")
    drag.to(6)
    duo.driver.execute_script(WATCH_LAYERED, 4000)
    drag.release()
    duo.driver.execute_script("document.getElementById('tab-layered').click();")
    until(lambda: "tab=layered" in duo.driver.execute_script("return location.search"), timeout=15)
    time.sleep(4.2)
    seen = duo.driver.execute_script("return window.__seen")
    assert seen, "the layered view was never shown"
    assert set(seen) == {"E<sub>k</sub> at H = 6"}, sorted(set(seen))
    assert "H=6" in duo.driver.execute_script("return location.search")
    assert duo.get_logs() == []


# A graph's state as a tab click leaves it, read in the click's own task: whether the
# figure is the one drawn before the click (the same data object), what it shows, and
# the width plotly drew it at against the width it is shown at.
SWITCH_DRAWN = """
var gd = document.querySelector(arguments[2] + ' .js-plotly-plot');
var before = gd.data;
document.getElementById(arguments[0]).click();
return {hidden: document.getElementById(arguments[1]).hidden, same: gd.data === before,
        name: gd.data && gd.data[0] ? gd.data[0].name : null,
        browser: Boolean(gd.data && gd.data[0] && ArrayBuffer.isView(gd.data[0].y)),
        drawn_at: gd._fullLayout.width, shown_at: Math.round(gd.getBoundingClientRect().width)};
"""
AHEAD = "return window.dash_clientside.redraw.ahead();"


@pytest.mark.parametrize("query", ["/?H=5&K=3", "/?H=5&K=3&lecture=1"])
def test_redraw009_hidden_views_are_drawn_ahead_at_their_width(shared_duo, query):
    """Once the page is idle, the hidden analytic views are drawn from their tables, each
    at the width it is shown at: the click on its tab only shows it (no drawing, no
    resize).  When the settings change on another tab, they are drawn ahead again."""
    duo = shared_duo
    duo.wait_for_page(duo.server_url + query, timeout=30)
    until(lambda: duo.driver.execute_script(CURVES, "#complexity-graph"), timeout=30)
    for view in ("layered", "finite"):
        _wait_tables(duo, view, 5)
    _wait_tables(duo, "activation")  # (one table for every depth)
    until(lambda: duo.driver.execute_script(AHEAD) >= 3, timeout=30,
          msg="the hidden analytic views were not drawn ahead")
    for tab, panel, graph, name in [
            ("layered", "layered-panel", "#layered-k-graph", "E<sub>k</sub> at H = 5"),
            ("finite", "finite-panel", "#finite-graph", None),
            ("activation", "activation-panel", "#activation-graph", None)]:
        shown = duo.driver.execute_script(SWITCH_DRAWN, f"tab-{tab}", panel, graph)
        assert shown["hidden"] is False and shown["same"] and shown["browser"], (tab, shown)
        assert abs(shown["drawn_at"] - shown["shown_at"]) <= 1, (tab, shown)
        if name:
            assert shown["name"] == name, shown
        until(lambda: f"tab={tab}" in duo.driver.execute_script("return location.search"), timeout=15)
        time.sleep(0.3)
    duo.find_element("#tab-complexity").click()
    until(lambda: "tab=" not in duo.driver.execute_script("return location.search"), timeout=15)
    assert duo.get_logs() == []
    if "lecture" in query:
        return  # (the settings are behind a button there)
    # a new depth on the complexity tab: the layered view is drawn ahead again, at H = 6
    _wait_tables(duo, "complexity", 6)
    done = duo.driver.execute_script(AHEAD)
    drag = Drag(duo, "#depth-slider")
    drag.to(6)
    drag.release()
    until(lambda: "H=6" in duo.driver.execute_script("return location.search"), timeout=15)
    _wait_tables(duo, "layered", 6)
    until(lambda: duo.driver.execute_script(AHEAD) > done, timeout=30,
          msg="the layered view was not drawn ahead for the new depth")
    until(lambda: duo.driver.execute_script(
        "return document.getElementById('layered-panel').classList.contains('kept-panel--drawing')") is False,
        timeout=10)
    shown = duo.driver.execute_script(SWITCH_DRAWN, "tab-layered", "layered-panel", "#layered-k-graph")
    assert shown["same"] and shown["name"] == "E<sub>k</sub> at H = 6", shown
    assert abs(shown["drawn_at"] - shown["shown_at"]) <= 1, shown
    # then the server's exact figure, as after any tab change
    exact = _server_curves(views.render_layered(6, 3)["figures"]["layered-k"])
    _compare(_page_curves(duo, "#layered-k-graph", lambda c: not c[0]["browser"]), exact,
             rtol=1e-15, atol=0.0)
    assert duo.get_logs() == []
