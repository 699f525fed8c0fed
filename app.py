"""Composition root: settings -> Dash app -> caches -> layout -> callbacks.

``server`` is the Flask application for gunicorn (``gunicorn app:server``);
``python app.py`` serves on HOST:PORT (default 127.0.0.1:8050).  Configuration is read
from environment variables, see components/settings.py.

Two deployments, chosen by ``REDIS_URL``:

* unset (embedded): long jobs of the "Landscapes" tab run as Dash background callbacks
  queued in a disk cache under ``CACHE_DIR/jobs`` (the results cache is
  ``CACHE_DIR/results``; see components/cache.py); their heavy work runs in a process pool
  on this machine (compute/executor.py);
* set (scale-out): the results cache is Redis, background callbacks run on Celery workers
  (``celery -A app:celery_app worker -Q celery``) and their heavy work as units on the
  ``compute`` queue (``celery -A components.tasks:celery_app worker -Q compute``);
  see components/tasks.py.  ``celery_app`` is ``None`` in embedded mode.
"""

from __future__ import annotations

from dataclasses import replace

import diskcache
from dash import Dash

from components import tasks
from components.cache import init_cache, open_storage, shared_secret_key
from components.callbacks import register_callbacks
from components.celery_jobs import LimitedCeleryManager
from components.channel import make_channel
from components.edge import quiet_dev_server, register_edge
from components.jobs import JobLimits, LimitedDiskcacheManager
from components.layout import build_layout
from components.routes import register_routes
from components.settings import APP_NAME, Settings

#: Byte bound of the job store (progress and results of background jobs).
_JOB_STORE_BYTES = 256 * 2**20

#: The HTML page around the Dash app: the document's language for screen readers and
#: hyphenation, and Dash's scripts in a plain <div> (Dash's default wraps them in a second
#: <footer>, a duplicate "contentinfo" landmark next to the page's own footer).
INDEX_STRING = """<!DOCTYPE html>
<html lang="en">
    <head>
        {%metas%}
        <title>{%title%}</title>
        {%favicon%}
        {%css%}
    </head>
    <body>
        {%app_entry%}
        <div class="dash-scripts">
            {%config%}
            {%scripts%}
            {%renderer%}
        </div>
    </body>
</html>"""


def create_app(settings: Settings | None = None) -> Dash:
    """Build the dashboard for ``settings`` (default: from the environment)."""
    settings = Settings.from_env() if settings is None else settings
    storage = open_storage(settings)
    celery = None
    if settings.redis_url:
        # one key for every web process on every machine (not a per-machine file)
        storage = replace(storage, secret=shared_secret_key(settings))
        celery = tasks.make_celery(settings.redis_url)
        manager = LimitedCeleryManager(celery, JobLimits.from_env())
    else:
        jobs = diskcache.Cache(storage.jobs_dir, size_limit=_JOB_STORE_BYTES)
        manager = LimitedDiskcacheManager(jobs, JobLimits.from_env())
    tasks.configure(settings.redis_url, app=celery)
    app = Dash(__name__, title=APP_NAME, update_title=None, background_callback_manager=manager)
    app.celery_app = celery
    app.index_string = INDEX_STRING
    app.server.secret_key = storage.secret  # signs Dash's job handles (not the job store's copy)
    cache = init_cache(app.server, settings, storage)
    app.layout = build_layout
    # The presenter's state channel: in this process, or in Redis (shared by every web
    # process) when REDIS_URL is set.
    channel = make_channel(settings.redis_url)
    register_callbacks(app, cache, manager, channel)
    register_routes(app.server)
    register_edge(app, settings)
    return app


settings = Settings.from_env()
app = create_app(settings)
server = app.server
celery_app = app.celery_app

if __name__ == "__main__":
    quiet_dev_server()
    app.run(host=settings.host, port=settings.port, debug=settings.debug)
