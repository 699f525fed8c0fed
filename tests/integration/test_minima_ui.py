"""The "where the minima are" view in a real browser (dash_duo, headless Chromium)."""

from __future__ import annotations

import pytest
from dash import Dash

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
    dash_duo.wait_for_contains_text(f"#{ids.MINIMA_PROFILE_GRAPH}", "Σ_N(u, m) at N", timeout=60)
    dash_duo.wait_for_contains_text(f"#{ids.MINIMA_COMPLEXITY_GRAPH}", "sup over m of Σ_N", timeout=30)
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
