"""The activation-effect view in a real browser (dash_duo, headless Chromium)."""

from __future__ import annotations

import pytest
from dash import Dash
from dash.testing.wait import until

from components import ids
from components.state import default_state
from tests.integration.one_view import one_view_app

pytestmark = pytest.mark.browser


def _effect_app(state: dict) -> Dash:
    """A page with only the view, shown, as the dashboard's tab hosts it."""
    return one_view_app("effect", {**state, "tab": "effect"})


def test_eff001_effect_view_renders_and_runs(dash_duo):
    state = {**default_state(), "activation": "softplus", "H": 4, "seed": 5}
    dash_duo.start_server(_effect_app(state))

    dash_duo.wait_for_element(f"#{ids.EFFECT_MODULATION_GRAPH} .main-svg", timeout=30)
    dash_duo.wait_for_contains_text(f"#{ids.EFFECT_MODULATION_GRAPH}", "K₀(u): minima", timeout=30)
    dash_duo.wait_for_contains_text(f"#{ids.EFFECT_COMPARE_GRAPH}", "Softplus (current)", timeout=30)
    dash_duo.wait_for_contains_text(f"#{ids.EFFECT_SUMMARY}", "κ = (", timeout=10)
    assert "pole" in dash_duo.find_element(f"#{ids.EFFECT_MODULATION_NOTES}").text
    assert dash_duo.find_element(f"#{ids.EFFECT_ALERT}").text == ""

    box = dash_duo.find_element(f"#{ids.EFFECT_N_INPUT}")
    box.send_keys("20")
    dash_duo.find_element(f"#{ids.EFFECT_RUN}").click()
    dash_duo.wait_for_contains_text(f"#{ids.EFFECT_COUNTS_TABLE}", "Seed 5", timeout=60)
    dash_duo.wait_for_contains_text(f"#{ids.EFFECT_COUNTS_GRAPH}", "N = 20", timeout=10)
    until(
        lambda: len(dash_duo.find_elements(f"#{ids.EFFECT_COUNTS_GRAPH} .bars .point")) == 4,
        timeout=10,
        msg="the bar chart never showed four bars",
    )
    assert dash_duo.find_element(f"#{ids.EFFECT_COUNTS_STALE}").text == ""
    assert dash_duo.get_logs() == []
