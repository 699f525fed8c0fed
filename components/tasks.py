"""The Celery application: Dash's background jobs and the compute units, over Redis.

Only used when ``REDIS_URL`` is set (components/settings.py).  Processes:

* web: ``gunicorn app:server`` -- serves the page, queues background jobs;
* Dash job worker: ``celery -A app:celery_app worker -Q celery`` -- runs the background
  callbacks (it imports app.py, which registers them as tasks); a heavy job fans its
  work out as a group of units on the ``compute`` queue and waits for it;
* compute worker: ``celery -A components.tasks:celery_app worker -Q compute`` -- runs
  the units (:func:`compute.executor.execute_unit_message`); it needs neither Dash nor
  the web server, and any number of them may run on any number of machines that reach
  the same Redis.

Delivery: tasks are acknowledged after they ran (``task_acks_late``) and a task whose
worker process died is put back on its queue (``task_reject_on_worker_lost``), so a
killed worker's unit or job is re-run by another one; a unit's result depends only on
its message, so a re-run gives the same bits.  A message a worker took but never
acknowledged (its whole worker died) returns to the queue after
:data:`VISIBILITY_TIMEOUT`; every unit must finish well within it
(:data:`UNIT_TIME_LIMIT`).  Messages are JSON only.

:func:`configure` chooses the executor of heavy work for this process
(:func:`executor`): local (in-process or a process pool) without Redis, Celery with it.
"""

from __future__ import annotations

import logging
import math
import os
import resource
import time
from typing import Any

from celery import Celery
from celery.signals import worker_process_init
from threadpoolctl import threadpool_limits

from compute.executor import (
    COMPUTE_QUEUE,
    UNIT_TASK,
    CeleryExecutor,
    LocalExecutor,
    execute_unit_message,
)

__all__ = [
    "VISIBILITY_TIMEOUT",
    "UNIT_TIME_LIMIT",
    "JOB_QUEUE",
    "make_celery",
    "celery_app",
    "configure",
    "executor",
    "local_workers",
    "set_deadline",
    "time_left",
]

logger = logging.getLogger(__name__)

#: Seconds after which a message taken by a worker that vanished is delivered again.
VISIBILITY_TIMEOUT = 300
#: Hard time limit of one compute unit (seconds): well within the visibility timeout.
UNIT_TIME_LIMIT = 240
#: The queue of Dash's background jobs (Celery's default queue).
JOB_QUEUE = "celery"
#: How often a unit reports its own progress at most (seconds).
_PROGRESS_EVERY = 0.5


def make_celery(broker_url: str, backend_url: str | None = None) -> Celery:
    """A Celery application on ``broker_url`` (results in ``backend_url``, default the same)
    with the compute-unit task registered."""
    app = Celery("spinglass", broker=broker_url, backend=backend_url or broker_url, set_as_current=False)
    app.conf.update(
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_track_started=True,
        worker_prefetch_multiplier=1,
        task_default_queue=JOB_QUEUE,
        task_routes={UNIT_TASK: {"queue": COMPUTE_QUEUE}},
        broker_transport_options={"visibility_timeout": VISIBILITY_TIMEOUT},
        result_backend_transport_options={"visibility_timeout": VISIBILITY_TIMEOUT},
        result_expires=3600,
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
    )

    @app.task(name=UNIT_TASK, bind=True, time_limit=UNIT_TIME_LIMIT)
    def compute_unit(self, message: dict) -> dict:
        last = [0.0]

        def progress(fraction: float) -> None:
            now = time.monotonic()
            if self.request.id and now - last[0] >= _PROGRESS_EVERY:
                last[0] = now
                self.update_state(state="PROGRESS", meta={"fraction": float(fraction)})

        return execute_unit_message(message, progress)

    return app


@worker_process_init.connect
def _worker_process(**_: Any) -> None:
    """Worker processes keep BLAS at one thread (units are the parallelism, and a unit's
    bits must not depend on a thread count: compute/executor.py) and run under the memory
    limit of background jobs (``JOB_MAX_BYTES``, components/jobs.py)."""
    threadpool_limits(limits=1, user_api="blas")  # for the process's life
    try:
        from components.jobs import JobLimits  # noqa: PLC0415

        limit = JobLimits.from_env().max_bytes
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ValueError, OSError) as exc:
        logger.warning("could not set the memory limit of a worker process: %s", exc)


_deadline: float | None = None


def set_deadline(seconds: float | None) -> float:
    """Start (or with ``None`` end) the time limit of the job this process runs."""
    global _deadline
    _deadline = None if seconds is None else time.monotonic() + float(seconds)
    return _deadline if _deadline is not None else math.inf


def time_left(default: float) -> float:
    """Seconds the current job's heavy work may still take: ``default``, or less near the
    job's time limit (at least one second, so the refusal comes from the executor)."""
    if _deadline is None:
        return default
    return max(1.0, min(default, _deadline - time.monotonic()))


def _app_from_env() -> Celery:
    url = os.environ.get("REDIS_URL", "").strip()
    if url:
        return make_celery(url)
    # Without Redis: an in-process application (tests); workers need REDIS_URL.
    return make_celery("memory://", "cache+memory://")


#: The application of this deployment (``REDIS_URL``); workers start from it.
celery_app = _app_from_env()

_executor: Any = None


def local_workers() -> int:
    """Processes of the local executor: ``COMPUTE_WORKERS`` or the CPUs of this machine."""
    text = os.environ.get("COMPUTE_WORKERS", "").strip()
    if text:
        try:
            n = int(text)
        except ValueError:
            raise ValueError(f"COMPUTE_WORKERS must be an integer from 1 to 64, got {text!r}") from None
        if not 1 <= n <= 64:
            raise ValueError(f"COMPUTE_WORKERS must be an integer from 1 to 64, got {n}")
        return n
    return max(1, min(os.cpu_count() or 1, 64))


def configure(redis_url: str | None, app: Celery | None = None, workers: int | None = None):
    """Choose the executor of heavy work for this process and return it: Celery (the
    ``compute`` queue of ``app``, default :data:`celery_app`) when ``redis_url`` is set,
    else a local pool of ``workers`` processes (default :func:`local_workers`)."""
    global _executor
    if redis_url:
        _executor = CeleryExecutor(app or celery_app, unit_time_limit=UNIT_TIME_LIMIT)
    else:
        _executor = LocalExecutor(workers or local_workers())
    return _executor


def executor():
    """The executor chosen by :func:`configure` (a local one if none was chosen)."""
    global _executor
    if _executor is None:
        _executor = LocalExecutor(local_workers())
    return _executor
