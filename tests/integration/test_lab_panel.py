"""The Landscapes tab in a real browser: its figures stay mounted while other tabs are shown,
so opening it again draws nothing anew (bench/bench_lab_revisit.py measures the time)."""

from __future__ import annotations

import json

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


def test_lpn002_descents_say_when_they_are_stale(shared_duo):
    """A result computed for other settings says so, naming the settings it is from; the
    notice goes when a result for the new settings is shown."""
    duo = shared_duo
    duo.wait_for_page(duo.server_url + "/?tab=lab&lab_N=10&runs=10&seed=1", timeout=30)
    duo.wait_for_contains_text(f"#{ids.LAB_COUNT_TABLE}", "seed", timeout=60)
    note = f"#{ids.lab_job_note('descents')}"

    def run_descents():
        # the page's other jobs may still hold its one job slot: try again until admitted
        before = duo.find_element(f"#{ids.LAB_DESCENT_STATUS}").text

        def done():
            status = duo.find_element(f"#{ids.LAB_DESCENT_STATUS}").text
            if "descents on" in status and status != before:
                return True
            button = duo.find_element(f"#{ids.LAB_DESCENT_RUN}")
            if button.get_attribute("disabled") is None:
                duo.driver.execute_script("arguments[0].click();", button)
            return False
        until(done, timeout=120, msg="the descents never finished")

    run_descents()
    assert duo.find_element(note).text == ""
    seed = duo.find_element(f"#{ids.SEED}")
    duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", seed)
    seed.clear()
    seed.send_keys("2\t")
    duo.wait_for_contains_text(note, "Stale — computed for seed = 1", timeout=30)
    assert "Run descents" in duo.find_element(note).text
    run_descents()
    until(lambda: duo.find_element(note).text == "", timeout=30, msg="the notice stayed")
    assert duo.get_logs() == []


def test_lpn003_landscapes_mount_at_their_first_visit_and_stay(shared_duo):
    """A page opened on another tab holds no Landscapes figure (they cost its first load
    nothing); the first click on the tab mounts and draws them, and they stay mounted."""
    duo = shared_duo
    duo.wait_for_page(duo.server_url + "/?lab_N=10", timeout=30)
    duo.wait_for_element("#complexity-graph .js-plotly-plot", timeout=30)
    mounted = f"return Boolean(document.getElementById('{ids.LAB_GLOBE_GRAPH}'));"
    assert duo.driver.execute_script(mounted) is False
    duo.find_element(f"#{ids.tab('lab')}").click()
    duo.wait_for_contains_text(f"#{ids.LAB_GLOBE_INFO}", "Seed 1:", timeout=60)
    duo.wait_for_element(f"#{ids.LAB_GLOBE_GRAPH} .gl-container", timeout=30)
    panel = ids.kept_panel("lab")
    until(lambda: _shown(duo, panel)["visible"] and _shown(duo, panel)["height"] > 200, timeout=10,
          msg="the lab was not shown at its first visit")
    duo.driver.execute_script(f"document.querySelector('{GLOBE}').__kept = 'yes';")
    duo.find_element(f"#{ids.tab('layered')}").click()
    until(lambda: not _shown(duo, panel)["visible"], timeout=10, msg="the lab stayed visible")
    duo.find_element(f"#{ids.tab('lab')}").click()
    until(lambda: _shown(duo, panel)["visible"], timeout=10, msg="the lab was not shown again")
    assert duo.driver.execute_script(f"return document.querySelector('{GLOBE}').__kept;") == "yes"
    # the switch's own tab is never shown
    assert duo.driver.execute_script(
        f"return document.querySelector('#{ids.kept_panel('lab')} .mount-switch')"
        ".getBoundingClientRect().height;") == 0
    assert duo.get_logs() == []


MOUNT_TIMES = """
window.__figureAt = null; window.__mountedAt = {};
new MutationObserver(function () {
  var gd = document.querySelector('#%s .js-plotly-plot');
  if (window.__figureAt === null && gd && gd._fullData && gd._fullData.length
      && gd.querySelector('.scatterlayer .trace')) { window.__figureAt = performance.now(); }
  %s.forEach(function (id) {
    if (!(id in window.__mountedAt) && document.getElementById(id)) {
      window.__mountedAt[id] = performance.now();
    }
  });
}).observe(document, {subtree: true, childList: true});
"""


@pytest.mark.parametrize("tab, graph", [("complexity", ids.graph("complexity")),
                                        ("finite", ids.graph("finite"))])
def test_lpn004_other_analytic_panels_mount_once_the_first_figure_is_drawn(shared_duo, tab, graph):
    """The analytic panels other than the one a page opens on are mounted once its figure
    is drawn and the page is idle (their first visit is then as quick as a later one), not
    during the first load; the Landscapes wait for their tab."""
    duo = shared_duo
    others = [ids.graph(p) for p in ("complexity", "layered-k", "finite", "activation")
              if p != tab]
    script = duo.driver.execute_cdp_cmd(
        "Page.addScriptToEvaluateOnNewDocument",
        {"source": MOUNT_TIMES % (graph, json.dumps([*others, ids.LAB_GLOBE_GRAPH]))})
    try:
        duo.wait_for_page(duo.server_url + ("/" if tab == "complexity" else f"/?tab={tab}"),
                          timeout=30)
        until(lambda: all(g in duo.driver.execute_script("return window.__mountedAt")
                          for g in others), timeout=30, msg="the hidden panels were never mounted")
        drawn = duo.driver.execute_script("return window.__figureAt")
        mounted = duo.driver.execute_script("return window.__mountedAt")
        assert drawn is not None
        assert all(mounted[g] > drawn for g in others), (drawn, mounted)
        assert ids.LAB_GLOBE_GRAPH not in mounted
        duo.find_element(f"#{ids.tab('layered' if tab != 'layered' else 'complexity')}").click()
        duo.wait_for_element(f"#{ids.graph('layered-k')} .js-plotly-plot", timeout=10)
    finally:
        duo.driver.execute_cdp_cmd("Page.removeScriptToEvaluateOnNewDocument",
                                   {"identifier": script["identifier"]})
    assert duo.get_logs() == []
