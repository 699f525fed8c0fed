"""gunicorn settings of the dashboard: ``gunicorn -c gunicorn.conf.py app:server``.

The image's command uses this file; values can still be overridden on the command line
(e.g. ``-b 0.0.0.0:8050``).  Environment: ``HOST``/``PORT`` (bind address, default
127.0.0.1:8050), ``WEB_CONCURRENCY`` (workers, default 2), ``WEB_THREADS`` (threads per
worker, default 8).

* Worker type ``gthread``: idle connections wait in the worker's poller, and a client that
  trickles its request pins one thread, not the worker; the worker's heartbeat runs in its
  main thread, so a long request is never mistaken for a hung worker.  Many deliberately
  slow clients can still occupy all threads: put a buffering reverse proxy (nginx,
  Caddy) in front of a public deployment.
* Timeouts agree with the app's own: no request computes for long (heavy work runs as
  background jobs with their own time limit, components/jobs.py), the PDF export waits at
  most 20 s for Chromium (components/export.py); ``timeout`` (60 s) only catches a hung
  worker; ``graceful_timeout`` lets requests finish on SIGTERM.
* ``limit_request_line`` is gunicorn's maximum, 8190 bytes: the longest link the page
  writes (a custom activation with 64 knots, every setting changed) is about 3.6 kB
  (components/permalink.py); headers keep gunicorn's default limits.
* Shutdown: every job process lives in its own process group and is ended when its worker
  exits (``worker_exit``) and when the master stops (``on_exit``), so nothing keeps the
  listening socket after gunicorn is gone.
"""

import os

bind = [f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8050')}"]
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = int(os.environ.get("WEB_THREADS", "8"))
timeout = 60
graceful_timeout = 20
keepalive = 5
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190
# The control socket is shared between gunicorns by default; this server needs none.
control_socket_disable = True
# Errors to stderr; no access log (a deployment's proxy keeps one).
errorlog = "-"
loglevel = "info"


def worker_exit(server, worker):
    """End the job processes this worker started (they are in their own process groups)."""
    try:
        from components.jobs import stop_all_jobs
    except ImportError:  # pragma: no cover - the jobs module is part of the app
        return
    stop_all_jobs()


def on_exit(server):
    """Last resort when the master stops: end job processes left by killed workers."""
    try:
        from components.jobs import stop_orphaned_jobs
    except ImportError:  # pragma: no cover
        return
    stop_orphaned_jobs()
