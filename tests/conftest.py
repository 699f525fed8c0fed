"""Shared test configuration: headless Chromium options for dash_duo, app fixtures."""

from __future__ import annotations

import pytest
from selenium.webdriver.chrome.options import Options


def pytest_setup_options():
    """Chrome options for dash_duo: no sandbox (root), no GPU, and no network chatter."""
    options = Options()
    for flag in (
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE 127.0.0.1",
        "--window-size=1400,1000",
    ):
        options.add_argument(flag)
    return options


@pytest.fixture
def make_app(tmp_path):
    """Factory of fresh dashboards with a private file-system cache under ``tmp_path``."""
    from app import create_app
    from components.settings import Settings

    def factory(**overrides):
        settings = Settings(cache_dir=str(tmp_path / "cache"), **overrides)
        return create_app(settings)

    return factory
