"""Real-browser test of the "Real networks" tab (dash_duo, headless Chromium).

The tab runs in a minimal app of its own (components registry contract, a DiskcacheManager
in a temporary folder): pressing "Train networks" starts the background job, the progress
bar moves, the figures, tables and CSV links appear, and the browser logs no error.
"""

from __future__ import annotations

import pytest
from dash import DiskcacheManager
from dash.testing.wait import until

from components import ids
from components.settings import Settings
from components.state import default_state
from tests.integration.one_view import one_view_app

pytestmark = pytest.mark.browser


def _app(tmp_path, **overrides):
    import diskcache

    state = default_state()
    state.update({"tab": "networks", **overrides})
    manager = DiskcacheManager(diskcache.Cache(str(tmp_path / "jobs")))
    return one_view_app("networks", state, Settings(cache_dir=str(tmp_path / "cache")), manager)


def _progress(dash_duo) -> float:
    try:
        return float(dash_duo.find_element(f"#{ids.NET_PROGRESS}").get_attribute("value") or 0)
    except Exception:  # noqa: BLE001 - element being re-rendered
        return -1.0


def test_net001_train_shows_figures_tables_and_csv(dash_duo, tmp_path):
    dash_duo.start_server(
        _app(tmp_path, H=2, net_widths="5, 10", net_restarts=8, net_epochs=3, seed=2)
    )
    dash_duo.wait_for_contains_text(f"#{ids.NET_PLAN}", "h = 10 (N = 760)", timeout=30)
    run = dash_duo.find_element(f"#{ids.NET_RUN}")
    run.click()
    until(lambda: _progress(dash_duo) > 0, timeout=120, msg="progress never moved")
    dash_duo.wait_for_contains_text(f"#{ids.NET_STATUS}", "Trained 16 networks", timeout=240)
    summary = dash_duo.find_element(f"#{ids.NET_SUMMARY}").text
    assert "corr(train, test)" in summary and "760" in summary
    for plot in ("histograms", "spread", "correlation", "pieces", "hessian"):
        dash_duo.wait_for_element(f"#{ids.net_graph(plot)} .main-svg", timeout=30)
        dash_duo.find_element(f"#{ids.export_button(f'networks-{plot}', 'csv')}")
    assert "h = 10" in dash_duo.find_element(f"#{ids.net_graph('correlation')}").text
    assert dash_duo.find_element(f"#{ids.NET_RUN_ALERT}").text == ""
    assert dash_duo.get_logs() == []
