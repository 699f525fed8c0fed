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
