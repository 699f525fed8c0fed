"""Real-browser tests (dash_duo, headless Chromium)."""

from __future__ import annotations

import pytest
from dash.testing.wait import until
from selenium.webdriver.common.keys import Keys

from compute.complexity import ground_state_energies

pytestmark = pytest.mark.browser

# The page prints E_k with 6 significant digits: |shown - exact| <= half a unit in the last place.
SHOWN_TOLERANCE = 5.0000001e-6


def _shown_e0(dash_duo) -> float | None:
    try:
        return float(dash_duo.find_element("#e0-value").text)
    except Exception:  # noqa: BLE001 - element being re-rendered
        return None


def _wait_for_e0(dash_duo, H: int, timeout: float = 15) -> float:
    exact = float(ground_state_energies(H, 0)[0])

    def matches():
        shown = _shown_e0(dash_duo)
        return shown is not None and abs(shown - exact) <= SHOWN_TOLERANCE

    until(matches, timeout=timeout, msg=f"E_0 for H = {H} ({exact:.6g}) never shown")
    return exact


def test_ui001_page_loads_without_console_errors(dash_duo, make_app):
    dash_duo.start_server(make_app())
    _wait_for_e0(dash_duo, 3, timeout=30)
    dash_duo.wait_for_element("#complexity-graph .main-svg", timeout=20)
    dash_duo.wait_for_element("#activation-graph .main-svg", timeout=20)
    assert dash_duo.find_element("#e0-value").text == "1.65700"  # theory §3: E_0(3) ≈ 1.657
    assert dash_duo.find_element("#settings-notice").text == ""
    assert dash_duo.find_element("#complexity-alert").text == ""
    assert dash_duo.get_logs() == []


def test_ui002_depth_slider_moves_e0(dash_duo, make_app):
    dash_duo.start_server(make_app())
    before = _wait_for_e0(dash_duo, 3, timeout=30)
    thumb = dash_duo.find_element("#depth-slider [role=slider]")
    thumb.click()
    thumb.send_keys(Keys.ARROW_RIGHT, Keys.ARROW_RIGHT)
    after = _wait_for_e0(dash_duo, 5)
    assert after > before
    assert thumb.get_attribute("aria-valuenow") == "5"
    assert dash_duo.get_logs() == []


def test_ui003_depth_number_box_moves_e0(dash_duo, make_app):
    dash_duo.start_server(make_app())
    _wait_for_e0(dash_duo, 3, timeout=30)
    box = dash_duo.find_element("#depth-slider input[type=number]")
    box.send_keys(Keys.CONTROL, "a")
    box.send_keys("12", Keys.TAB)
    _wait_for_e0(dash_duo, 12)
    assert dash_duo.get_logs() == []


def test_ui004_preset_switch_shows_its_parameter(dash_duo, make_app):
    dash_duo.start_server(make_app())
    _wait_for_e0(dash_duo, 3, timeout=30)
    row = dash_duo.find_element("#activation-param-row")
    assert not row.is_displayed()  # ReLU has no parameter
    dash_duo.select_dcc_dropdown("#activation-dropdown", value="ELU")
    until(lambda: dash_duo.find_element("#activation-param-row").is_displayed(), timeout=10)
    label = dash_duo.find_element("#activation-param-label").text
    assert "α" in label and "ELU" in label
    thumb = dash_duo.find_element("#activation-param-slider [role=slider]")
    assert float(thumb.get_attribute("aria-valuenow")) == 1.0  # ELU's default α
    assert float(thumb.get_attribute("aria-valuemax")) == 5.0
    dash_duo.wait_for_contains_text("#activation-graph", "ELU", timeout=10)
    assert dash_duo.find_element("#settings-notice").text == ""
    assert dash_duo.get_logs() == []
