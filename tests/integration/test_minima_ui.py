"""The "where the minima are" view in a real browser (dash_duo, headless Chromium)."""

from __future__ import annotations

import pytest
from dash import Dash
from dash.testing.wait import until

from components import ids
from components.state import default_state
from tests.integration.one_view import one_view_app

pytestmark = pytest.mark.browser


def _minima_app(state: dict) -> Dash:
    return one_view_app("minima", {**state, "tab": "minima"})


def test_min001_minima_view_renders_every_panel(dash_duo):
    state = {**default_state(), "activation": "gelu", "H": 4, "gamma": 0.5, "N": 1000}
    dash_duo.start_server(_minima_app(state))
    dash_duo.wait_for_element(f"#{ids.MINIMA_PROFILE_GRAPH} .main-svg", timeout=60)
    dash_duo.wait_for_contains_text(f"#{ids.MINIMA_PROFILE_GRAPH}", "ΣN(u, m) at N = ", timeout=60)
    dash_duo.wait_for_contains_text(f"#{ids.MINIMA_COMPLEXITY_GRAPH}", "sup over m of ΣN at N = ", timeout=30)
    dash_duo.wait_for_contains_text(f"#{ids.MINIMA_GAMMA_GRAPH}", "deterministic", timeout=30)
    dash_duo.wait_for_contains_text(f"#{ids.MINIMA_N_GRAPH}", "number of weights N", timeout=30)
    dash_duo.wait_for_contains_text(f"#{ids.MINIMA_SUMMARY}", "Lowest minima", timeout=10)
    summary = dash_duo.find_element(f"#{ids.MINIMA_SUMMARY}").text
    assert "deterministic" in summary and "E₀ᵠ" in summary
    assert dash_duo.find_element(f"#{ids.MINIMA_ALERT}").text == ""
    assert dash_duo.get_logs() == []


def test_min002_bad_settings_give_a_visible_message(dash_duo):
    state = {**default_state(), "activation": "custom", "knots": "z, f\n1, 2\n0, 1"}
    dash_duo.start_server(_minima_app(state))
    dash_duo.wait_for_contains_text(f"#{ids.MINIMA_ALERT}", "knot table", timeout=60)
    dash_duo.wait_for_contains_text(f"#{ids.MINIMA_PROFILE_GRAPH}", "knot table", timeout=30)
    assert dash_duo.get_logs() == []


# Dash's requests for the minima view's profile panels never get an answer: only the page's
# own request of a released slider (assets/minima.js) can then draw the new figures.
HOLD_CALLBACK = """
if (!window.__heldFetch) {
  var orig = window.fetch;
  window.__heldFetch = true;
  window.fetch = function (input, init) {
    var body = init && typeof init.body === 'string' ? init.body : '';
    if (body.indexOf('minima-profile-graph.figure') >= 0) { return new Promise(function () {}); }
    return orig.apply(this, arguments);
  };
}
"""
REVISION = """
var gd = document.querySelector('#minima-profile-graph .js-plotly-plot');
return gd && gd.layout ? [gd.layout.datarevision || null, gd.data.map(function (t) { return t.name; })] : null;
"""


def _full_app(tmp_path):
    from app import create_app
    from components.settings import Settings

    return create_app(Settings(cache_dir=str(tmp_path / "cache")))


def test_min003_released_gamma_slider_draws_the_servers_figures(dash_duo, tmp_path):
    from components.views import minima as mv
    from tests.integration.test_redraw import Drag

    dash_duo.start_server(_full_app(tmp_path))
    query = "?tab=minima&activation=gelu&H=4&gamma=0.5"
    dash_duo.wait_for_page(dash_duo.server_url + "/" + query, timeout=30)
    dash_duo.wait_for_element(f"#{ids.MINIMA_PROFILE_GRAPH} .main-svg", timeout=60)
    before = mv.released_figures(query)["profile"]
    until(lambda: (dash_duo.driver.execute_script(REVISION) or [None])[0] == before.layout.datarevision,
          timeout=60, msg="the page never drew the profile of γ = 0.5")
    dash_duo.driver.execute_script(HOLD_CALLBACK)
    drag = Drag(dash_duo, f"#{ids.GAMMA}")
    drag.to(1.5)
    drag.release()
    want = mv.released_figures(query.replace("gamma=0.5", "gamma=1.5"))["profile"]
    assert want.layout.datarevision != before.layout.datarevision
    try:
        until(lambda: dash_duo.driver.execute_script(REVISION)[0] == want.layout.datarevision, timeout=30)
    except Exception as exc:  # noqa: BLE001 - say what the page did instead
        log = dash_duo.driver.execute_script("return window.__minimaLog")
        raise AssertionError(f"the released slider's figure was not drawn; page log {log}") from exc
    names = dash_duo.driver.execute_script(REVISION)[1]
    assert names == [t.name for t in want.data]
    # the page's own request carried the sliders' values, the rest of the settings from the link
    log = dash_duo.driver.execute_script("return window.__minimaLog")
    assert any("gamma=1.5" in entry and "activation=gelu" in entry for entry in log)


TABLE_REQUESTS = """
return performance.getEntriesByType('resource').map(function (e) { return e.name; })
  .filter(function (n) { return n.indexOf('/_tables/') >= 0; }).length;
"""


def test_min004_tables_of_other_tabs_wait_until_the_settings_rest(dash_duo, tmp_path):
    """On the minima tab the analytic views' tables (assets/redraw.js) are fetched only once
    the settings have rested: a slider moved there does not share the server with them."""
    import time

    from selenium.webdriver.common.keys import Keys

    dash_duo.start_server(_full_app(tmp_path))
    dash_duo.wait_for_page(dash_duo.server_url + "/?tab=minima&activation=gelu&H=4&gamma=0.5", timeout=30)
    dash_duo.wait_for_element(f"#{ids.MINIMA_PROFILE_GRAPH} .main-svg", timeout=60)
    thumb = dash_duo.find_element(f"#{ids.GAMMA} [role=slider]")
    # one settings change a second: never a rest of three seconds
    for _ in range(6):
        thumb.send_keys(Keys.ARROW_RIGHT)
        time.sleep(1.0)
        assert dash_duo.driver.execute_script(TABLE_REQUESTS) == 0, "tables fetched while the settings moved"
    until(lambda: dash_duo.driver.execute_script(TABLE_REQUESTS) > 0, timeout=30,
          msg="the tables were never fetched once the settings rested")
    assert dash_duo.get_logs() == []
