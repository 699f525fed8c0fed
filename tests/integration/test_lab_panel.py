"""The Landscapes tab in a real browser: its figures stay mounted while other tabs are shown,
so opening it again draws nothing anew (bench/bench_lab_revisit.py measures the time)."""

from __future__ import annotations

import pytest
from dash.testing.wait import until

from components import ids

pytestmark = pytest.mark.browser

GLOBE = f"#{ids.LAB_GLOBE_GRAPH} .js-plotly-plot"
SHOWN = """
const e = document.getElementById(arguments[0]);
if (!e) return null;
const r = e.getBoundingClientRect();
return {height: r.height, visible: getComputedStyle(e).visibility === 'visible'};
"""


def _shown(duo, element_id: str):
    return duo.driver.execute_script(SHOWN, element_id)


@pytest.mark.parametrize("query", ["", "&lecture=1"])
def test_lpn001_landscapes_keep_their_figures_across_tab_switches(shared_duo, query):
    duo = shared_duo
    duo.wait_for_page(duo.server_url + "/?tab=lab&lab_N=10" + query, timeout=30)
    duo.wait_for_contains_text(f"#{ids.LAB_GLOBE_INFO}", "Seed 1:", timeout=60)
    duo.wait_for_element(f"#{ids.LAB_GLOBE_GRAPH} .gl-container", timeout=30)
    duo.driver.execute_script(f"document.querySelector('{GLOBE}').__kept = 'yes';")
    panel = ids.kept_panel("lab")
    assert _shown(duo, panel)["visible"] and _shown(duo, panel)["height"] > 200

    duo.find_element(f"#{ids.tab('complexity')}").click()
    duo.wait_for_element("#complexity-graph .js-plotly-plot", timeout=30)
    until(lambda: not _shown(duo, panel)["visible"], timeout=10, msg="the lab stayed visible")
    assert _shown(duo, panel)["height"] == 0
    assert _shown(duo, ids.card("complexity"))["visible"]

    duo.find_element(f"#{ids.tab('lab')}").click()
    until(lambda: _shown(duo, panel)["visible"], timeout=10, msg="the lab was not shown again")
    # the very same plot: nothing was mounted or drawn anew
    assert duo.driver.execute_script(f"return document.querySelector('{GLOBE}').__kept;") == "yes"
    assert duo.driver.execute_script(
        "return document.querySelector(arguments[0]).getBoundingClientRect().height;", GLOBE) > 200
    assert duo.find_element(f"#{ids.tab('lab')}").get_attribute("aria-selected") == "true"
    assert duo.get_logs() == []
