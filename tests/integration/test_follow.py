"""Following the lecturer with two real browsers: one presents, the other follows."""

from __future__ import annotations

import time

import pytest
from dash.testing.wait import until
from selenium import webdriver

from tests.conftest import pytest_setup_options

pytestmark = pytest.mark.browser


@pytest.fixture
def audience():
    """A second headless Chromium (another person's browser)."""
    options = pytest_setup_options()
    options.add_argument("--headless=new")
    driver = webdriver.Chrome(options=options)
    yield driver
    driver.quit()


def _search(driver) -> str:
    return driver.execute_script("return window.location.search;")


def _class(driver) -> str:
    return driver.execute_script("return document.getElementById('page').className;")


def _text(driver, selector: str) -> str:
    try:
        return driver.find_element("css selector", selector).text
    except Exception:  # noqa: BLE001 - being re-rendered
        return ""


def _selected_tab(driver) -> str:
    return driver.execute_script(
        "const t = document.querySelector('#view-tabs .tab--selected'); return t ? t.id : '';")


def _press(driver, key: str) -> None:
    driver.execute_script("document.activeElement && document.activeElement.blur();")
    driver.find_element("css selector", "body").send_keys(key)


def _wait_for(check, timeout: float, what: str) -> float:
    start = time.monotonic()
    until(check, timeout=timeout, msg=what)
    return time.monotonic() - start


def test_fol001_audience_follows_detaches_rejoins_and_keeps_the_last_state(shared_duo, audience):
    duo = shared_duo
    presenter = duo.driver
    duo.wait_for_page(duo.server_url + "/", timeout=30)
    presenter.execute_script("window.sessionStorage.clear();")
    duo.wait_for_page(duo.server_url + "/", timeout=30)
    duo.find_element("#present-button").click()
    until(lambda: "follow=" in (presenter.find_element("css selector", "#audience-link")
                                .get_attribute("href") or ""), timeout=20)
    link = presenter.find_element("css selector", "#audience-link").get_attribute("href")
    assert link.startswith(duo.server_url) and "?follow=" in link
    assert presenter.find_element("css selector", "#presenter-qr").get_attribute("src").startswith(
        "data:image/svg+xml;base64,")
    until(lambda: "Followers see this page" in _text(presenter, "#presenter-status"), timeout=20)
    # a reload keeps presenting: the room comes back from the tab's session, with its panel
    duo.wait_for_page(duo.server_url + "/", timeout=30)
    until(lambda: presenter.find_element("css selector", "#audience-link")
          .get_attribute("href") == link, timeout=20)
    until(lambda: "Followers see this page" in _text(presenter, "#presenter-status"), timeout=20)
    assert presenter.find_element("css selector", "#presenter-panel").is_displayed()

    audience.get(link)
    until(lambda: "Following the lecturer" in _text(audience, "#follow-status"), timeout=30)
    # the audience asks the room with requests that wait on the server for the next step
    until(lambda: audience.execute_script(
        "return performance.getEntriesByType('resource').some(e => "
        "e.name.indexOf('/presenter/') >= 0 && e.name.indexOf('wait=') >= 0);"), timeout=30)
    assert not audience.find_elements("css selector", "#speaker-notes") or \
        _text(audience, "#speaker-notes") == ""  # notes stay on the presenter's screen
    assert "Start here" in _text(presenter, "#speaker-notes")

    # a preset (key n) reaches the audience: depth, view and note, within a second of publishing
    _press(presenter, "n")  # → "ReLU, H = 5", which opens the layered view
    until(lambda: "H=5" in _search(presenter), timeout=10)
    # (how fast is measured by bench/bench_follow.py, not asserted here)
    _wait_for(
        lambda: _selected_tab(audience) == "tab-layered" and "H=5" in _search(audience),
        timeout=40, what="the audience never followed the preset")
    # the theme too, but not the presenter's lecture mode
    _press(presenter, "t")
    _press(presenter, "l")
    until(lambda: "theme-dark" in _class(audience), timeout=40)
    time.sleep(1.0)
    assert "lecture" in _class(presenter) and "lecture" not in _class(audience)

    # detach: the audience explores on its own; the presenter's next step waits
    audience.find_element("css selector", "#follow-toggle").click()
    until(lambda: "Exploring on your own" in _text(audience, "#follow-status"), timeout=10)
    _press(presenter, "n")  # → deep ReLU, H = 10
    until(lambda: "H=10" in _search(presenter), timeout=10)
    time.sleep(1.5)
    assert "H=10" not in _search(audience)
    # rejoin: the latest state arrives
    audience.find_element("css selector", "#follow-toggle").click()
    until(lambda: "H=10" in _search(audience), timeout=40)

    # the presenter's tab closes: the audience stays on the last state
    presenter.get("about:blank")
    time.sleep(2.0)
    assert "H=10" in _search(audience) and "theme-dark" in _class(audience)
    assert "Following the lecturer" in _text(audience, "#follow-status")
    logs = [e for e in audience.get_log("browser") if e.get("level") == "SEVERE"]
    assert logs == [], logs
