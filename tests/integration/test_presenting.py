"""Presenting in a real browser: the slide layout at projector sizes, one plot full screen
(f), the keys overlay (?)."""

from __future__ import annotations

import time

import pytest
from dash.testing.wait import until

pytestmark = pytest.mark.browser

# The plot's data area (plotly's drag rectangle), the legend and the axis titles.
GEOMETRY = """
const gd = document.querySelector(arguments[0] + ' .js-plotly-plot');
if (!gd || !gd.querySelector('.nsewdrag')) return null;
const box = e => { if (!e) return null; const r = e.getBoundingClientRect();
                   return {top: r.top, bottom: r.bottom, left: r.left, right: r.right}; };
return {vw: innerWidth, vh: innerHeight, doc: document.documentElement.scrollWidth,
        data: box(gd.querySelector('.nsewdrag')), legend: box(gd.querySelector('.legend')),
        xtitle: box(gd.querySelector('.g-xtitle')), ytitle: box(gd.querySelector('.g-ytitle'))};
"""


def _viewport(duo, width: int, height: int) -> None:
    duo.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                               {"width": width, "height": height, "deviceScaleFactor": 1,
                                "mobile": False})


def _geometry(duo, graph: str):
    return duo.driver.execute_script(GEOMETRY, "#" + graph)


def _drawn(duo, graph: str):
    until(lambda: _geometry(duo, graph) is not None, timeout=40, msg=f"{graph} never drawn")
    time.sleep(1.0)  # the responsive resize after the first draw
    return _geometry(duo, graph)


def _press(duo, key: str) -> None:
    duo.driver.execute_script("document.activeElement && document.activeElement.blur();")
    duo.find_element("body").send_keys(key)


def test_pre001_f_puts_one_plot_on_the_screen_and_esc_brings_it_back(shared_duo):
    duo = shared_duo
    _viewport(duo, 1280, 720)
    try:
        duo.wait_for_page(duo.server_url + "/?lecture=1", timeout=30)
        before = _drawn(duo, "complexity-graph")
        _press(duo, "f")
        until(lambda: duo.driver.execute_script(
            "const g = document.querySelector('.plot-focus'); return g && g.id;")
            == "complexity-graph",
            timeout=10)
        time.sleep(0.8)
        full = _geometry(duo, "complexity-graph")
        def height(g):
            return g["data"]["bottom"] - g["data"]["top"]

        assert height(full) > height(before)
        assert full["legend"]["bottom"] <= full["vh"] + 0.5
        _press(duo, "\ue00c")  # Escape: back to the slide, still in lecture mode
        until(lambda: duo.driver.execute_script("return !document.querySelector('.plot-focus');"),
              timeout=10)
        assert "lecture" in duo.find_element("#page").get_attribute("class")
        # ? opens the list of keys as a dialog with the focus on its button; Esc closes it
        _press(duo, "?")
        until(lambda: duo.driver.execute_script(
            "const d = document.getElementById('keys-dialog'); return d && !d.hidden;"), timeout=10)
        assert duo.driver.execute_script("return document.activeElement.className;") == "keys-close"
        text = duo.find_element("#keys-dialog").text
        for key in ("n / p", "l", "t", "f", "Esc", "?"):
            assert key in text
        duo.driver.switch_to.active_element.send_keys("\ue00c")
        until(lambda: duo.driver.execute_script(
            "return document.getElementById('keys-dialog').hidden;"),
              timeout=10)
        assert "lecture" in duo.find_element("#page").get_attribute("class")
        assert duo.get_logs() == []
    finally:
        duo.driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


@pytest.mark.parametrize("size", [(1280, 720), (1024, 768)])
def test_pre002_effect_slide_gives_the_data_more_than_half_the_screen(shared_duo, size):
    """Lecture mode on a projector: the activation-effect plot's upper data area takes at
    least 55 % of the screen's height, its legend and axis titles on the screen; the job
    buttons of the other tabs are as large as the rail's."""
    duo = shared_duo
    width, height = size
    _viewport(duo, width, height)
    try:
        duo.wait_for_page(duo.server_url + "/?lecture=1&tab=effect", timeout=30)
        until(lambda: (_geometry(duo, "effect-modulation-graph") or {}).get("legend") is not None,
              timeout=60, msg="the modulation figure was never drawn")
        time.sleep(1.0)  # the responsive resize after the first draw
        g = _geometry(duo, "effect-modulation-graph")
        fraction = (g["data"]["bottom"] - g["data"]["top"]) / g["vh"]
        assert fraction >= 0.55, g
        assert g["legend"]["bottom"] <= g["vh"] and g["legend"]["right"] <= g["vw"], g
        for title in ("xtitle", "ytitle"):
            assert 0 <= g[title]["top"] and g[title]["bottom"] <= g["vh"], (title, g)
        assert g["doc"] <= g["vw"]

        duo.wait_for_page(duo.server_url + "/?lecture=1&tab=networks", timeout=30)
        until(lambda: duo.driver.execute_script(
            "return document.getElementById('networks-run') !== null;"), timeout=30)
        sizes = duo.driver.execute_script("""
            const px = id => { const e = document.getElementById(id);
                               return [e.getBoundingClientRect().height,
                                       parseFloat(getComputedStyle(e).fontSize)]; };
            return {run: px('networks-run'), cancel: px('networks-cancel'),
                    reset: px('reset-button')};""")
        for name in ("run", "cancel"):
            assert sizes[name][0] >= sizes["reset"][0] - 1, sizes
            assert sizes[name][1] >= sizes["reset"][1] - 0.5, sizes
        assert duo.get_logs() == []
    finally:
        duo.driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


@pytest.mark.parametrize("size", [(1280, 720), (1024, 768)])
def test_pre003_minima_slide_opens_with_the_profile(shared_duo, size):
    """Lecture mode on "Where the minima are": the overlap profile comes first, its data area
    at least 55 % of the screen's height, legend and axis titles on the screen; the summary
    follows the plot."""
    duo = shared_duo
    width, height = size
    _viewport(duo, width, height)
    try:
        duo.wait_for_page(duo.server_url + "/?lecture=1&tab=minima&activation=gelu&H=4&gamma=0.5",
                          timeout=30)
        until(lambda: (_geometry(duo, "minima-profile-graph") or {}).get("legend") is not None,
              timeout=60, msg="the overlap profile was never drawn")
        time.sleep(1.0)  # the responsive resize after the first draw
        g = _geometry(duo, "minima-profile-graph")
        fraction = (g["data"]["bottom"] - g["data"]["top"]) / g["vh"]
        assert fraction >= 0.55, g
        assert g["legend"]["bottom"] <= g["vh"] and g["legend"]["right"] <= g["vw"], g
        for title in ("xtitle", "ytitle"):
            assert 0 <= g[title]["top"] and g[title]["bottom"] <= g["vh"], (title, g)
        assert g["doc"] <= g["vw"]
        below = duo.driver.execute_script("""
            const s = document.getElementById('minima-summary').getBoundingClientRect();
            const p = document.getElementById('minima-profile-graph').getBoundingClientRect();
            return s.top >= p.bottom - 1;""")
        assert below
        assert duo.get_logs() == []
    finally:
        duo.driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def test_pre004_touch_screen_mode_bar_appears_on_touch_not_over_the_title(shared_duo):
    """On a screen without hover (a phone; headless Chromium reports the same) plotly would
    show every mode bar all the time, over the plot's title: it is hidden (and takes no
    taps) until the plot is touched or hovered."""
    duo = shared_duo
    _viewport(duo, 390, 844)
    try:
        duo.wait_for_page(duo.server_url + "/?tab=minima&activation=gelu&H=4&gamma=0.5", timeout=30)
        assert duo.driver.execute_script("return matchMedia('(hover: none)').matches;")
        until(lambda: (_geometry(duo, "minima-profile-graph") or {}).get("xtitle") is not None,
              timeout=60, msg="the overlap profile was never drawn")
        duo.driver.execute_script(
            "document.getElementById('minima-profile-graph').scrollIntoView({block: 'center'});")
        state = """
            const gd = document.querySelector('#minima-profile-graph .js-plotly-plot');
            const g = gd.querySelector('.modebar-group'); const s = getComputedStyle(g);
            const t = gd.querySelector('.g-gtitle').getBoundingClientRect();
            const m = gd.querySelector('.modebar').getBoundingClientRect();
            return {opacity: s.opacity, events: s.pointerEvents,
                    overlap: m.left < t.right && m.bottom > t.top,
                    x: (t.left + t.right) / 2, y: (t.top + t.bottom) / 2};"""
        before = duo.driver.execute_script(state)
        assert before["overlap"]  # the case the rule is for: the bar's place is over the title
        assert before["opacity"] == "0" and before["events"] == "none", before
        duo.driver.execute_cdp_cmd("Input.dispatchMouseEvent", {
            "type": "mouseMoved", "x": before["x"], "y": before["y"]})
        until(lambda: duo.driver.execute_script(state)["opacity"] == "1", timeout=5,
              msg="the mode bar never appeared on hover")
        assert duo.driver.execute_script(state)["events"] == "auto"
        assert duo.get_logs() == []
    finally:
        duo.driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


PHONE = """
const graph = document.getElementById(arguments[0]);
const gd = graph.querySelector('.js-plotly-plot');
const box = e => { if (!e) return null; const r = e.getBoundingClientRect();
                   return {top: r.top, bottom: r.bottom, left: r.left, right: r.right}; };
const panel = document.getElementById('settings-panel');
return {doc: document.documentElement.scrollWidth, vw: innerWidth,
        panel: panel ? getComputedStyle(panel).display : null,
        graph: box(gd), xtitle: box(gd.querySelector('.g-xtitle')),
        ytitle: box(gd.querySelector('.g-ytitle'))};
"""


@pytest.mark.parametrize("tab, graph", [("complexity", "complexity-graph"),
                                        ("finite", "finite-graph"),
                                        ("minima", "minima-profile-graph")])
def test_pre005_phone_width_no_overflow_drawer_and_whole_axis_titles(shared_duo, tab, graph):
    """At a phone's 390 × 844: the page is no wider than the screen, the settings are a
    closed drawer that the ⚙ button opens, and the axis titles lie inside the plot (plotly
    would cut a desktop-length title at the figure's edge)."""
    duo = shared_duo
    _viewport(duo, 390, 844)
    try:
        duo.wait_for_page(duo.server_url + f"/?tab={tab}", timeout=30)
        until(lambda: (_geometry(duo, graph) or {}).get("xtitle") is not None, timeout=60,
              msg=f"{graph} was never drawn")
        time.sleep(1.0)  # the responsive resize after the first draw
        g = duo.driver.execute_script(PHONE, graph)
        assert g["doc"] <= g["vw"] == 390, g
        assert g["panel"] == "none", g
        for title in ("xtitle", "ytitle"):
            t, box = g[title], g["graph"]
            inside = box["left"] - 0.5 <= t["left"] and t["right"] <= box["right"] + 0.5
            assert inside, (title, g)
        toggle = duo.find_element("#settings-toggle")
        assert toggle.get_attribute("aria-expanded") == "false"
        toggle.click()
        until(lambda: duo.driver.execute_script(PHONE, graph)["panel"] != "none", timeout=5)
        assert toggle.get_attribute("aria-expanded") == "true"
        assert duo.driver.execute_script(PHONE, graph)["doc"] <= 390
        assert duo.get_logs() == []
    finally:
        duo.driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
