"""Shared test configuration: headless Chromium options for dash_duo, app fixtures."""

from __future__ import annotations

import os
import signal

import psutil
import pytest
from selenium.webdriver.chrome.options import Options

_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
if _WORKER.startswith("gw"):
    # Under pytest-xdist each worker starts its in-process test servers on its own block of
    # ports (dash's runner counts up from one class-wide port otherwise, the same in every
    # worker).
    from dash.testing.application_runners import BaseDashRunner

    BaseDashRunner._next_port = 20000 + 1000 * int(_WORKER[2:])


def pytest_sessionfinish(session, exitstatus):
    """End every process the session left behind (job processes forked by in-process test
    servers, PDF workers and their Chromium) so the run can exit: a forked job that never
    finishes would otherwise keep the interpreter waiting for it at shutdown."""
    me = psutil.Process()
    left = [p for p in me.children(recursive=True) if p.is_running()]
    for proc in left:
        try:
            if proc.pid == os.getpgid(proc.pid) and proc.pid != os.getpgid(0):
                os.killpg(proc.pid, signal.SIGKILL)  # a job's own process group
            else:
                proc.kill()
        except (ProcessLookupError, psutil.Error, OSError):
            pass
    psutil.wait_procs(left, timeout=5)


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


@pytest.fixture(scope="module")
def shared_duo(request, tmp_path_factory):
    """One dashboard server and one headless Chromium for a whole test module.

    Like ``dash_duo`` (same options, downloads into ``shared_duo.download_path``) but
    started once per module: tests navigate with ``shared_duo.wait_for_page(url)``.
    """
    from dash.testing.application_runners import ThreadedRunner
    from dash.testing.composite import DashComposite

    from app import create_app
    from components.settings import Settings

    app = create_app(Settings(cache_dir=str(tmp_path_factory.mktemp("cache"))))
    config = request.config
    with ThreadedRunner() as server:
        with DashComposite(
            server,
            browser=config.getoption("webdriver"),
            remote=config.getoption("remote"),
            remote_url=config.getoption("remote_url"),
            headless=config.getoption("headless"),
            options=config.hook.pytest_setup_options(),
            download_path=str(tmp_path_factory.mktemp("download")),
            percy_assets_root=config.getoption("percy_assets"),
            percy_finalize=config.getoption("nopercyfinalize"),
            pause=config.getoption("pause"),
        ) as duo:
            duo.start_server(app)
            yield duo
