"""The activation-effect view in a real browser (dash_duo, headless Chromium)."""

from __future__ import annotations

import pytest
from dash import Dash, dcc, html
from dash.testing.wait import until

from components import effect, ids
from components.validation import default_state

pytestmark = pytest.mark.browser


def _effect_app(state: dict) -> Dash:
    """A page with only the settings store and the view, as the dashboard's tab hosts it."""
    app = Dash(__name__)
    app.layout = html.Div([dcc.Store(id=ids.SETTINGS, data=state), effect.effect_layout(state)])
    effect.register_effect_callbacks(app, None)
    return app


def test_eff001_effect_view_renders_and_runs(dash_duo):
    state = {**default_state(), "activation": "softplus", "H": 4, "seed": 5}
    dash_duo.start_server(_effect_app(state))

    dash_duo.wait_for_element(f"#{effect.MODULATION_GRAPH} .main-svg", timeout=30)
    dash_duo.wait_for_contains_text(f"#{effect.MODULATION_GRAPH}", "K₀(u): minima", timeout=30)
    dash_duo.wait_for_contains_text(f"#{effect.COMPARE_GRAPH}", "Softplus (current)", timeout=30)
    dash_duo.wait_for_contains_text(f"#{effect.SUMMARY}", "κ = (", timeout=10)
    assert "pole" in dash_duo.find_element(f"#{effect.MODULATION_NOTES}").text
    assert dash_duo.find_element(f"#{effect.ALERT}").text == ""

    box = dash_duo.find_element(f"#{effect.N_INPUT}")
    box.send_keys("20")
    dash_duo.find_element(f"#{effect.RUN}").click()
    dash_duo.wait_for_contains_text(f"#{effect.COUNTS_TABLE}", "Seed 5", timeout=60)
    dash_duo.wait_for_contains_text(f"#{effect.COUNTS_GRAPH}", "N = 20", timeout=10)
    until(
        lambda: len(dash_duo.find_elements(f"#{effect.COUNTS_GRAPH} .bars .point")) == 4,
        timeout=10,
        msg="the bar chart never showed four bars",
    )
    assert dash_duo.find_element(f"#{effect.COUNTS_STALE}").text == ""
    assert dash_duo.get_logs() == []
