"""Real-browser tests (one headless Chromium and one server for the module)."""

from __future__ import annotations

import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest
from dash.testing.wait import until
from selenium.webdriver.common.keys import Keys

from components.export import read_csv
from components.figures.style import figure_style
from compute.complexity import ground_state_energies, theta

pytestmark = pytest.mark.browser

# The page prints E_k with 6 significant digits: |shown - exact| <= half a unit in the last place.
SHOWN_TOLERANCE = 5.0000001e-6
LIGHT_PAPER = figure_style("light").paper
DARK_PAPER = figure_style("dark").paper


def _open(duo, query: str = "") -> None:
    duo.wait_for_page(duo.server_url + "/" + query, timeout=30)


def _text(duo, selector: str) -> str | None:
    try:
        return duo.find_element(selector).text
    except Exception:  # noqa: BLE001 - element being re-rendered
        return None


def _wait_for_e0(duo, H: int, timeout: float = 20) -> float:
    exact = float(ground_state_energies(H, 0)[0])

    def matches():
        shown = _text(duo, "#e0-value")
        try:
            return shown is not None and abs(float(shown) - exact) <= SHOWN_TOLERANCE
        except ValueError:
            return False

    until(matches, timeout=timeout, msg=f"E_0 for H = {H} ({exact:.6g}) never shown")
    return exact


def _search(duo) -> str:
    return duo.driver.execute_script("return window.location.search;")


def _traces(duo, graph_id: str) -> int:
    return duo.driver.execute_script(
        "const gd = document.querySelector(arguments[0] + ' .js-plotly-plot');"
        "return gd && gd.data ? gd.data.length : 0;",
        "#" + graph_id,
    )


def _layout(duo, graph_id: str, key: str):
    return duo.driver.execute_script(
        "const gd = document.querySelector(arguments[0] + ' .js-plotly-plot');"
        "return gd && gd._fullLayout ? gd._fullLayout[arguments[1]] : null;",
        "#" + graph_id, key,
    )


def _press(duo, *keys) -> None:
    body = duo.find_element("body")
    duo.driver.execute_script("document.activeElement && document.activeElement.blur();")
    body.send_keys(*keys)


TABS = [
    ("layered", ["layered-k-graph", "layered-h-graph"]),
    ("finite", ["finite-graph"]),
    ("activation", ["activation-graph", "pieces-graph", "phi-graph"]),
    ("effect", []),
    ("lab", []),
    ("complexity", ["complexity-graph"]),
]


def test_ui001_every_view_renders_without_console_errors(shared_duo):
    duo = shared_duo
    _open(duo)
    _wait_for_e0(duo, 3, timeout=30)
    assert duo.find_element("#e0-value").text == "1.65700"  # theory §3: E_0(3) ≈ 1.657
    assert duo.find_element("#settings-notice").text == ""
    until(lambda: _traces(duo, "complexity-graph") == 7, timeout=20)  # K = 5: 6 + total
    for tab, graphs in TABS:
        duo.find_element(f"#tab-{tab}").click()
        until(lambda tab=tab: f"tab={tab}" in _search(duo) or tab == "complexity", timeout=10)
        for graph in graphs:
            until(lambda graph=graph: _traces(duo, graph) > 0, timeout=30,
                  msg=f"{graph} never drawn")
            assert _text(duo, f"#{graph}") is not None
        assert duo.find_element("#settings-notice").text == ""
    # back on the default view: the link is the bare address (the figure may be drawn
    # from the browser's tables before the settings round trip rewrites the address)
    until(lambda: _search(duo) == "", timeout=10)
    assert duo.get_logs() == []


def test_ui002_depth_slider_moves_e0_and_the_link(shared_duo):
    duo = shared_duo
    _open(duo)
    before = _wait_for_e0(duo, 3, timeout=30)
    thumb = duo.find_element("#depth-slider [role=slider]")
    thumb.click()
    thumb.send_keys(Keys.ARROW_RIGHT, Keys.ARROW_RIGHT)
    after = _wait_for_e0(duo, 5)
    assert after > before
    assert thumb.get_attribute("aria-valuenow") == "5"
    until(lambda: _search(duo) == "?H=5", timeout=10)
    assert duo.get_logs() == []


def test_ui003_permalink_restores_the_state(shared_duo):
    duo = shared_duo
    _open(duo, "?H=7")
    _wait_for_e0(duo, 7, timeout=30)
    assert duo.find_element("#depth-slider [role=slider]").get_attribute("aria-valuenow") == "7"
    assert duo.find_element("#settings-notice").text == ""
    # several settings and another view
    _open(duo, "?N=50&seed=3&K=1&tab=finite&theme=dark")
    until(lambda: _traces(duo, "finite-graph") > 0, timeout=30)
    assert duo.find_element("#tab-finite").get_attribute("aria-selected") in ("true", None)
    assert "N = 50" in duo.find_element("#n-label").text
    assert duo.find_element("#seed-input").get_attribute("value") == "3"
    legend = duo.find_element("#finite-graph").text
    assert "seed 3" in legend
    assert "theme-dark" in duo.find_element("#page").get_attribute("class")
    assert _layout(duo, "finite-graph", "paper_bgcolor") == DARK_PAPER
    assert _search(duo) == "?K=1&N=50&seed=3&theme=dark&tab=finite"
    assert duo.get_logs() == []


def test_ui004_bad_link_shows_the_notice(shared_duo):
    duo = shared_duo
    url = duo.server_url + "/?H=abc&K=99&foo=1"
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.status == 200
    _open(duo, "?H=abc&K=99&foo=1")
    _wait_for_e0(duo, 3, timeout=30)
    until(lambda: "Depth H" in (_text(duo, "#settings-notice") or ""), timeout=10)
    notice = duo.find_element("#settings-notice").text
    assert "repaired" in notice and "Highest index K" in notice and "foo" in notice
    until(lambda: _search(duo) == "?K=10", timeout=10)  # the address shows what is used
    assert duo.get_logs() == []


def test_ui005_csv_download_in_the_browser(shared_duo):
    duo = shared_duo
    _open(duo, "?H=4&K=2")
    _wait_for_e0(duo, 4, timeout=30)
    target = Path(duo.download_path) / "spinglass-complexity-H4-K2.csv"
    if target.exists():
        target.unlink()
    duo.find_element("#complexity-export-csv").click()
    until(lambda: target.exists() and target.stat().st_size > 0, timeout=20)
    time.sleep(0.2)
    text = target.read_text()
    doc = read_csv(text)
    assert doc.header["Depth H"] == "4" and doc.header["Highest index K"] == "2"
    assert doc.header["link"] == f"{duo.server_url}/?H=4&K=2"  # a full address: opens the page
    assert doc.columns == ["u", "Theta_k0", "Theta_k1", "Theta_k2", "Theta_total"]
    data = np.array(doc.rows, dtype=float)
    assert len(data) > 400
    for k in range(3):
        np.testing.assert_allclose(data[:, 1 + k], theta(data[:, 0], 4, k), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(data[:, 4], theta(data[:, 0], 4), rtol=1e-12, atol=1e-15)
    assert duo.get_logs() == []


def test_ui006_presets_step_with_the_dropdown_buttons_and_keys(shared_duo):
    duo = shared_duo
    _open(duo)
    _wait_for_e0(duo, 3, timeout=30)
    duo.select_dcc_dropdown("#preset-dropdown", value="leaky ReLU (a = 0.1), H = 4")
    # a preset opens the view where its point shows: the activation's fit
    until(lambda: _search(duo) == "?H=4&activation=leaky_relu&param=0.1&tab=activation", timeout=10)
    until(lambda: _traces(duo, "activation-graph") > 0, timeout=20)
    assert "Leaky ReLU" in duo.find_element("#preset-note").text
    _press(duo, "n")  # next preset: GELU with shifted inputs, H = 4
    until(lambda: "Smooth activation" in duo.find_element("#preset-note").text, timeout=10)
    assert duo.find_element("#activation-dropdown").text.startswith("GELU")
    _press(duo, "n")  # next: N = 50, H = 3, on the finite-N view
    until(lambda: _search(duo) == "?N=50&tab=finite", timeout=10)
    assert "N = 50" in duo.find_element("#n-label").text
    until(lambda: "N = 50" in (_text(duo, "#finite-graph") or ""), timeout=20)
    _press(duo, "p")
    until(lambda: "Smooth activation" in duo.find_element("#preset-note").text, timeout=10)
    duo.find_element("#preset-prev").click()
    until(lambda: _search(duo) == "?H=4&activation=leaky_relu&param=0.1&tab=activation", timeout=10)
    thumb = duo.find_element("#depth-slider [role=slider]")  # leaving the preset's settings
    thumb.click()
    thumb.send_keys(Keys.ARROW_RIGHT)
    until(lambda: "H=5" in _search(duo), timeout=10)
    until(lambda: duo.find_element("#preset-note").text == "", timeout=10)
    assert duo.get_logs() == []


def test_ui007_lecture_mode_and_dark_theme_restyle_the_page_and_figures(shared_duo):
    duo = shared_duo
    _open(duo)
    _wait_for_e0(duo, 3, timeout=30)
    assert _layout(duo, "complexity-graph", "paper_bgcolor") == LIGHT_PAPER
    font = _layout(duo, "complexity-graph", "font")["size"]
    _press(duo, "l")
    until(lambda: "lecture" in duo.find_element("#page").get_attribute("class"), timeout=10)
    assert not duo.find_element(".settings-panel").is_displayed()
    until(lambda: _layout(duo, "complexity-graph", "font")["size"] > font, timeout=15)
    _press(duo, "t")
    until(lambda: _layout(duo, "complexity-graph", "paper_bgcolor") == DARK_PAPER, timeout=15)
    assert "theme-dark" in duo.find_element("#page").get_attribute("class")
    assert "lecture=1" in _search(duo) and "theme=dark" in _search(duo)
    _press(duo, Keys.ESCAPE)
    until(lambda: "lecture" not in duo.find_element("#page").get_attribute("class"), timeout=10)
    assert duo.find_element(".settings-panel").is_displayed()
    assert duo.get_logs() == []


def test_ui008_preset_switch_shows_its_parameter(shared_duo):
    duo = shared_duo
    _open(duo, "?tab=activation")
    until(lambda: _traces(duo, "activation-graph") > 0, timeout=30)
    row = duo.find_element("#activation-param-row")
    assert not row.is_displayed()  # ReLU has no parameter
    duo.select_dcc_dropdown("#activation-dropdown", value="ELU")
    until(lambda: duo.find_element("#activation-param-row").is_displayed(), timeout=10)
    label = duo.find_element("#activation-param-label").text
    assert "α" in label and "ELU" in label
    thumb = duo.find_element("#activation-param-slider [role=slider]")
    assert float(thumb.get_attribute("aria-valuenow")) == 1.0  # ELU's default α
    assert float(thumb.get_attribute("aria-valuemax")) == 5.0
    duo.wait_for_contains_text("#activation-graph", "ELU", timeout=10)
    assert duo.find_element("#settings-notice").text == ""
    assert duo.get_logs() == []


def test_ui009_number_boxes_set_depth_and_weights(shared_duo):
    duo = shared_duo
    _open(duo, "?tab=finite")
    until(lambda: _traces(duo, "finite-graph") > 0, timeout=30)
    box = duo.find_element("#depth-slider input[type=number]")
    box.send_keys(Keys.CONTROL, "a")
    box.send_keys("12", Keys.TAB)
    until(lambda: "H=12" in _search(duo), timeout=10)
    n_box = duo.find_element("#n-input")
    n_box.send_keys(Keys.CONTROL, "a")
    n_box.send_keys("2500", Keys.TAB)
    until(lambda: "N=2500" in _search(duo), timeout=10)
    assert "N = 2,500" in duo.find_element("#n-label").text
    until(lambda: "N = 2,500" in (_text(duo, "#finite-graph") or ""), timeout=20)
    assert duo.get_logs() == []


def test_ui010_svg_and_pdf_downloads(shared_duo):
    duo = shared_duo
    _open(duo, "?tab=layered&H=6")
    until(lambda: _traces(duo, "layered-h-graph") > 0, timeout=30)
    folder = Path(duo.download_path)
    for name in ("spinglass-layered-h-H6.svg", "spinglass-layered-h-H6.pdf"):
        if (folder / name).exists():
            (folder / name).unlink()
    duo.find_element("#layered-h-export-svg").click()
    svg = folder / "spinglass-layered-h-H6.svg"
    until(lambda: svg.exists() and svg.stat().st_size > 1000, timeout=20)
    time.sleep(0.2)
    assert svg.read_text().lstrip().startswith("<svg") and "depth" in svg.read_text()
    assert "Depth H = 6" in svg.read_text()  # the figure carries its title and parameters
    duo.find_element("#layered-h-export-pdf").click()
    pdf = folder / "spinglass-layered-h-H6.pdf"
    until(lambda: (pdf.exists() and pdf.stat().st_size > 1000)
          or bool(_text(duo, "#layered-h-export-message")), timeout=60)
    message = _text(duo, "#layered-h-export-message")
    assert not message, message  # Chromium is installed wherever these tests run
    time.sleep(0.2)
    assert pdf.read_bytes().startswith(b"%PDF")
    assert duo.get_logs() == []


RECORD_CALLBACKS = """
window.__outputs = [];
var send = window.fetch;
window.fetch = function (url, options) {
  try {
    if (String(url).indexOf('_dash-update-component') >= 0) {
      window.__outputs.push(JSON.parse(options.body).output);
    }
  } catch (e) {}
  return send.apply(this, arguments);
};
"""


def test_ui011_a_linked_page_draws_without_a_settings_round_trip(shared_duo):
    """The layout is built from the page's link, so the settings callback does not run at
    page load (the first figure waited for its round trip); a move of a control runs it."""
    duo = shared_duo
    script = duo.driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument",
                                        {"source": RECORD_CALLBACKS})
    try:
        _open(duo, "?H=7&K=2")
        _wait_for_e0(duo, 7, timeout=30)
        time.sleep(1.0)
        outputs = duo.driver.execute_script("return window.__outputs")
        assert any("complexity-graph.figure" in o for o in outputs), outputs
        assert not any("settings-store.data" in o for o in outputs), outputs
        thumb = duo.find_element("#depth-slider [role=slider]")
        thumb.click()
        thumb.send_keys(Keys.ARROW_RIGHT)
        _wait_for_e0(duo, 8)
        assert any("settings-store.data" in o
                   for o in duo.driver.execute_script("return window.__outputs"))
        assert _search(duo) == "?H=8&K=2"
    finally:
        duo.driver.execute_cdp_cmd("Page.removeScriptToEvaluateOnNewDocument",
                                   {"identifier": script["identifier"]})
    assert duo.get_logs() == []


def _slice_callbacks(duo, view: str) -> set[str]:
    """The outputs of the server callbacks run by view ``view``'s settings slice."""
    deps = duo.driver.execute_async_script(
        "var done = arguments[0]; fetch('/_dash-dependencies').then(r => r.json()).then(done);")
    store = f"{view}-state-store"
    return {d["output"] for d in deps if not d.get("clientside_function")
            and any(i["id"] == store for i in d["inputs"])}


@pytest.mark.parametrize("query, tab, drawn", [
    ("", "complexity", "complexity-graph"),
    ("?tab=minima", "minima", "minima-profile-graph"),
    ("?tab=effect", "effect", "effect-modulation-graph"),
])
def test_ui012_page_load_runs_only_the_shown_views_callbacks(shared_duo, query, tab, drawn):
    """At load the page asks the server for the shown view's figures and for nothing else:
    the hidden views, the presenter's panel and the settings callback send no request (each
    one answered "nothing to do" but held the browser's connections and the renderer, and
    the shown figure's request went out behind them).  Opening another tab runs its view."""
    duo = shared_duo
    script = duo.driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument",
                                        {"source": RECORD_CALLBACKS})
    try:
        _open(duo, query)  # (a canonical link: a repaired one is rewritten, a change)
        until(lambda: duo.driver.execute_script(
            "var g = document.querySelector('#%s .js-plotly-plot');"
            "return !!(g && g._fullData && g._fullData.length);" % drawn), timeout=30)
        time.sleep(1.5)
        expected = _slice_callbacks(duo, tab)
        assert expected, f"no callback reads the {tab} slice"
        outputs = duo.driver.execute_script("return window.__outputs")
        assert set(outputs) == expected, sorted(set(outputs) ^ expected)
        assert len(outputs) == len(expected), outputs  # each once
        other = "layered" if tab != "layered" else "finite"
        duo.find_element(f"#tab-{other}").click()
        until(lambda: _slice_callbacks(duo, other)
              <= set(duo.driver.execute_script("return window.__outputs")), timeout=30)
    finally:
        duo.driver.execute_cdp_cmd("Page.removeScriptToEvaluateOnNewDocument",
                                   {"identifier": script["identifier"]})
    assert duo.get_logs() == []
