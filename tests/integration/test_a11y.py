"""Accessibility: axe-core finds no serious or critical violation on any view, in the normal
and the lecture layout, in the light and dark themes; every control is reachable by keyboard."""

from __future__ import annotations

import time

import pytest
from dash.testing.wait import until

from tests.integration.a11y import axe_source, describe, failing, run_axe

pytestmark = pytest.mark.browser

VIEWS = ("complexity", "layered", "finite", "activation", "effect", "lab", "minima", "networks")


@pytest.fixture(scope="module")
def axe():
    return axe_source()


def _settled(duo) -> bool:
    return duo.driver.execute_script(
        "return document.querySelectorAll('.js-plotly-plot .main-svg').length > 0;"
    )


# Light normal and dark lecture pages cover both layouts and both palettes in the default
# run; the other two combinations run with the slow tests.
MODES = [
    pytest.param("", id="normal"),
    pytest.param("&lecture=1&theme=dark", id="lecture-dark"),
    pytest.param("&theme=dark", id="dark", marks=pytest.mark.slow),
    pytest.param("&lecture=1", id="lecture", marks=pytest.mark.slow),
]


@pytest.mark.parametrize("query", MODES)
@pytest.mark.parametrize("view", VIEWS)
def test_a11y001_no_serious_or_critical_violation(shared_duo, axe, view, query):
    duo = shared_duo
    duo.wait_for_page(f"{duo.server_url}/?tab={view}{query}", timeout=30)
    until(lambda: _settled(duo), timeout=40, msg=f"the {view} view never finished drawing")
    time.sleep(1.0)  # let the remaining callbacks of the view land
    found = run_axe(duo.driver, axe)
    bad = failing(found)
    assert not bad, f"axe on ?tab={view}{query}:\n{describe(bad)}"


def test_a11y002_views_and_theme_from_the_keyboard(shared_duo):
    """The view tabs are one tab stop (roving tabindex); arrows move between views, and the
    theme radios keep working as native radio buttons."""
    duo = shared_duo
    duo.wait_for_page(f"{duo.server_url}/?tab=complexity", timeout=30)
    until(lambda: _settled(duo), timeout=40)
    def tabs():
        return duo.driver.find_elements("css selector", "#view-tabs [role=tab]")

    n_tabs = len(VIEWS)
    until(lambda: len(tabs()) == n_tabs, timeout=10)
    stops = [t.get_attribute("tabindex") for t in tabs()]
    assert stops == ["0"] + ["-1"] * (n_tabs - 1), stops
    assert duo.find_element("#view-tabs").get_attribute("role") == "tablist"
    first = duo.find_element("#tab-complexity")
    duo.driver.execute_script("arguments[0].focus();", first)
    first.send_keys("\ue014")  # ArrowRight
    def selected(tab: str) -> bool:
        return duo.find_element(f"#tab-{tab}").get_attribute("aria-selected") == "true"

    until(lambda: selected("layered"), timeout=10)
    until(lambda: "tab=layered" in duo.driver.execute_script("return location.search;"), timeout=10)
    assert duo.driver.execute_script("return document.activeElement.id;") == "tab-layered"
    duo.find_element("#tab-layered").send_keys("\ue011")  # Home
    until(lambda: selected("complexity"), timeout=10)
    # theme radios: a real radio group, operated with the space bar
    group = duo.find_element("#theme-radio")
    assert group.get_attribute("role") == "radiogroup"
    assert group.get_attribute("aria-labelledby") == "theme-radio-label"
    dark = duo.driver.find_elements("css selector", "#theme-radio input")[1]
    duo.driver.execute_script("arguments[0].focus();", dark)
    dark.send_keys(" ")
    until(lambda: "theme-dark" in duo.find_element("#page").get_attribute("class"), timeout=10)
    assert duo.get_logs() == []
