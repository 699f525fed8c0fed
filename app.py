"""Composition root: settings -> Dash app -> cache -> layout -> callbacks.

``server`` is the Flask application for gunicorn (``gunicorn app:server``);
``python app.py`` serves on HOST:PORT (default 127.0.0.1:8050).  Configuration is read
from environment variables, see components/settings.py.
"""

from __future__ import annotations

from dash import Dash

from components.cache import init_cache
from components.callbacks import register_callbacks
from components.layout import build_layout
from components.routes import register_routes
from components.settings import APP_NAME, Settings


def create_app(settings: Settings | None = None) -> Dash:
    """Build the dashboard for ``settings`` (default: from the environment)."""
    settings = Settings.from_env() if settings is None else settings
    app = Dash(__name__, title=APP_NAME, update_title=None)
    cache = init_cache(app.server, settings)
    app.layout = build_layout
    register_callbacks(app, cache)
    register_routes(app.server)
    return app


settings = Settings.from_env()
app = create_app(settings)
server = app.server

if __name__ == "__main__":
    app.run(host=settings.host, port=settings.port, debug=settings.debug)
