"""Real-browser tests of the landscapes lab (dash_duo, headless Chromium).

The lab runs in a minimal app of its own (the settings store, the lab's layout, its
callbacks with a DiskcacheManager in a temporary folder), so these tests depend only on
the lab's contract: it reads its settings slice and draws itself.
"""

from __future__ import annotations

import time

import psutil
import pytest
from dash import DiskcacheManager
from dash.testing.wait import until

from components import ids
from components.settings import Settings
from components.state import default_state
from tests.integration.one_view import one_view_app

pytestmark = pytest.mark.browser


@pytest.fixture
def lab_app(tmp_path):
    """Factory of minimal apps holding only the lab, for given settings overrides."""
    import diskcache

    def factory(**overrides):
        state = default_state()
        state.update({"tab": "lab", **overrides})
        manager = DiskcacheManager(diskcache.Cache(str(tmp_path / "jobs")))
        return one_view_app("lab", state, Settings(cache_dir=str(tmp_path / "cache")), manager)

    return factory


def _progress(dash_duo, element_id: str) -> float:
    try:
        return float(dash_duo.find_element(f"#{element_id}").get_attribute("value") or 0)
    except Exception:  # noqa: BLE001 - element being re-rendered
        return -1.0


def _jobs(before: frozenset[int] = frozenset()) -> list[psutil.Process]:
    """Live child processes of this test process (the background jobs), except those in
    ``before`` (processes earlier tests of the session left, such as a worker pool)."""
    return [p for p in psutil.Process().children(recursive=True)
            if p.pid not in before and p.is_running() and p.status() != psutil.STATUS_ZOMBIE
            and "chrom" not in p.name()]


def test_lab001_globe_renders_without_console_errors(dash_duo, lab_app):
    # Seed 1 at H = 3 has 3 minima, 4 saddles and 3 maxima (tests/components/test_lab.py).
    dash_duo.start_server(lab_app(seed=1, H=3))
    dash_duo.wait_for_contains_text(f"#{ids.LAB_GLOBE_INFO}", "Seed 1:", timeout=30)
    dash_duo.wait_for_element(f"#{ids.LAB_GLOBE_GRAPH} .gl-container", timeout=20)
    legend = dash_duo.find_element(f"#{ids.LAB_GLOBE_GRAPH}").text
    for name in ("minima (index 0): 3", "saddles (index 1): 4", "maxima (index 2): 3"):
        assert name in legend
    dash_duo.wait_for_contains_text(f"#{ids.LAB_COUNT_TABLE}", "theory §4", timeout=30)
    dash_duo.wait_for_contains_text(f"#{ids.LAB_CHART_INFO}", "distinct minima", timeout=60)
    assert dash_duo.find_element(f"#{ids.LAB_GLOBE_ALERT}").text == ""
    assert dash_duo.get_logs() == []


def test_lab002_descent_progress_moves_and_cancel_stops_it(dash_duo, lab_app):
    # N = 250 with the cost cap is tens of seconds of descents: long enough to watch.  The
    # settings name another view, so the globe and the charts stay idle and the descent job
    # (started by its button) is the only background process.
    before = frozenset(p.pid for p in _jobs())
    dash_duo.start_server(lab_app(seed=3, H=3, lab_N=250, runs=500, tab="complexity"))
    dash_duo.wait_for_element(f"#{ids.LAB_DESCENT_RUN}", timeout=30)
    assert not _jobs(before)
    run = dash_duo.find_element(f"#{ids.LAB_DESCENT_RUN}")
    cancel = dash_duo.find_element(f"#{ids.LAB_DESCENT_CANCEL}")
    assert cancel.get_attribute("disabled") is not None
    run.click()
    until(lambda: run.get_attribute("disabled") is not None, timeout=10, msg="run button not disabled")
    until(lambda: _progress(dash_duo, ids.LAB_DESCENT_PROGRESS) > 0, timeout=60, msg="progress never moved")
    first = _progress(dash_duo, ids.LAB_DESCENT_PROGRESS)
    until(lambda: _progress(dash_duo, ids.LAB_DESCENT_PROGRESS) > first, timeout=60, msg="progress stuck")
    moved = _progress(dash_duo, ids.LAB_DESCENT_PROGRESS)
    assert 0 < first < moved < 100
    assert "N = " in dash_duo.find_element(f"#{ids.LAB_DESCENT_PROGRESS_LABEL}").text
    assert _jobs(before), "no background job is running"

    cancel.click()
    until(lambda: run.get_attribute("disabled") is None, timeout=15, msg="run button not re-enabled")
    until(lambda: not _jobs(before), timeout=15, msg="the job process is still alive after cancel")
    until(lambda: _progress(dash_duo, ids.LAB_DESCENT_PROGRESS) == 0, timeout=10, msg="progress not reset")
    time.sleep(2.0)  # a job that kept running would now report progress or a result
    assert _progress(dash_duo, ids.LAB_DESCENT_PROGRESS) == 0
    assert "Press" in dash_duo.find_element(f"#{ids.LAB_DESCENT_STATUS}").text
    note = dash_duo.find_element(f"#{ids.lab_job_note('descents')}").text
    assert note.startswith("Cancelled.") and "Run descents" in note
    assert dash_duo.find_element(f"#{ids.LAB_QUANTILE_TABLE}").text == ""
    assert dash_duo.get_logs() == []


def test_lab003_average_button_and_charts(dash_duo, lab_app):
    dash_duo.start_server(lab_app(seed=1, H=3, lab_N=40))
    dash_duo.wait_for_contains_text(f"#{ids.LAB_COUNT_TABLE}", "press", timeout=30)
    dash_duo.find_element(f"#{ids.LAB_AVERAGE_RUN}").click()
    # seeds 1..200 at H = 3 (tests/components/test_lab.py checks the numbers against theory §4)
    dash_duo.wait_for_contains_text(f"#{ids.LAB_COUNT_TABLE}", "mean over seeds 1…200", timeout=60)
    assert "±" in dash_duo.find_element(f"#{ids.LAB_COUNT_TABLE}").text
    until(lambda: dash_duo.find_element(f"#{ids.LAB_AVERAGE_RUN}").get_attribute("disabled") is None, timeout=10)
    dash_duo.wait_for_contains_text(f"#{ids.LAB_CHART_INFO}", "seed 1", timeout=60)
    for graph in (ids.LAB_CHART_HEATMAP, ids.LAB_PROFILE_GRAPH):
        dash_duo.wait_for_element(f"#{graph} .main-svg .xtitle", timeout=20)
        assert "radians" in dash_duo.find_element(f"#{graph} .xtitle").text
    dash_duo.wait_for_element(f"#{ids.LAB_CHART_SURFACE} .gl-container", timeout=20)
    assert dash_duo.find_element(f"#{ids.LAB_CHART_ALERT}").text == ""
    assert dash_duo.get_logs() == []
