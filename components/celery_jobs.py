"""Dash's Celery job manager under the job limits of components/jobs.py (scale-out mode).

The same :class:`~components.jobs.JobLimits` and :func:`~components.jobs.admit` as the
embedded mode, with the registry of running jobs in Redis (a hash, changed under a Redis
lock, so every web process on every machine sees the same jobs):

* admission: at most ``max_jobs`` jobs at once and ``max_per_session`` per browser
  session; a refused job still runs as a task whose heavy data functions raise
  :class:`~components.jobs.JobRefused` (:func:`~components.jobs.guarded`), so the page
  shows the refusal like any other message;
* deduplication: a job identical to a running one (same callback, same arguments) waits
  for its twin's task, then reads the twin's result from the shared result cache;
* time: a job's heavy work gets what is left of ``max_seconds`` (:func:`components.tasks.time_left`; its
  units are then revoked and the page names the limit), and Celery kills a task still
  running 30 s after it;
* memory: every worker process runs under ``RLIMIT_AS`` of ``max_bytes``
  (components/tasks.py);
* clean-up: finished, failed, revoked or overdue jobs leave the registry on the next
  admission; results expire (``expire`` seconds for a session's result, an hour for
  Celery's); cancel revokes the job and its compute units;
* abandonment: every poll of a job through any web process stamps the time in Redis; a
  watch thread in the job's worker process revokes the job (terminating it: its executor
  then revokes its compute units) when no page asked for it for ``abandon_after`` seconds,
  and kills it :data:`_ABANDON_GRACE` seconds later if it is still running.  A revoked job
  is not re-queued.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from typing import Any, Mapping

from celery.signals import task_postrun, task_prerun
from dash import CeleryManager

from components import jobs, tasks
from components.jobs import JobLimits, admit, session_id

__all__ = ["LimitedCeleryManager", "CONTEXT_KEY"]

logger = logging.getLogger(__name__)

_REGISTRY = "spinglass:celery-jobs"
_SEQUENCE = "spinglass:celery-jobs:seq"
_LOCK = "spinglass:celery-jobs:lock"
#: Key of the job's admission in the context Dash sends with the task.
CONTEXT_KEY = "spinglass_admission"
_FINAL = ("SUCCESS", "FAILURE", "REVOKED")
_WAIT_EVERY = 0.25
#: Redis key prefix of the time of a job's last poll (by its result key).
_POLL_PREFIX = "spinglass:celery-poll:"
#: Seconds between terminating an abandoned job (SIGTERM) and killing it.
_ABANDON_GRACE = 5.0
_WATCH_EVERY = 0.5


class LimitedCeleryManager(jobs.PollStamped, CeleryManager):
    """:class:`dash.CeleryManager` with :class:`JobLimits` (see the module docstring)."""

    def __init__(self, celery_app, limits: JobLimits | None = None, expire: float = 600.0, client=None):
        super().__init__(celery_app, cache_by=[session_id], expire=int(expire))
        self.limits = limits or JobLimits()
        self._client = client

    @property
    def client(self):
        if self._client is None:
            from components.cache import _redis_client  # noqa: PLC0415

            self._client = _redis_client(self.handle.conf.broker_url)
        return self._client

    def _registry(self) -> dict[int, dict]:
        """Running jobs: number -> entry; finished or overdue ones are dropped."""
        alive = {}
        now = time.time()
        for number, blob in self.client.hgetall(_REGISTRY).items():
            entry = json.loads(blob)
            state = self.handle.AsyncResult(entry["task"]).state
            if state in _FINAL or now - entry["created"] > self.limits.max_seconds + 60:
                self.client.hdel(_REGISTRY, number)
                continue
            alive[int(number)] = entry
        return alive

    def running_jobs(self) -> dict[int, dict]:
        with self.client.lock(_LOCK, timeout=10, blocking_timeout=10):
            return self._registry()

    def _touch(self, key) -> None:
        """Stamp the time a page asked for the job of result key ``key`` (abandonment)."""
        try:
            self.client.set(_POLL_PREFIX + key, repr(time.time()), ex=3600)
        except Exception:  # noqa: BLE001 - a busy store must not fail the poll
            pass

    def call_job_fn(self, key, job_fn, args, context):
        self._touch(key)
        session = session_id()
        twin = jobs._twin_key(args, context)  # noqa: SLF001 - the one definition of "identical"
        number = int(self.client.incr(_SEQUENCE))
        task_id = f"job-{number}-{key[:16]}"
        with self.client.lock(_LOCK, timeout=10, blocking_timeout=10):
            registry = self._registry()
            admission = admit(registry, twin, session, self.limits)
            if admission.run:
                entry = {"task": task_id, "key": twin, "session": session, "created": time.time(),
                         "waiting": admission.wait_for is not None}
                self.client.hset(_REGISTRY, number, json.dumps(entry))
        if not admission.run:
            logger.info("job refused for session %s: %s", session[:10], admission.message)
        wait_for = registry[admission.wait_for]["task"] if admission.wait_for is not None else None
        context = dict(context)
        context[CONTEXT_KEY] = {"refusal": None if admission.run else admission.message,
                                "wait_for": wait_for, "seconds": self.limits.max_seconds,
                                "poll": _POLL_PREFIX + key, "abandon": self.limits.abandon_after}
        job_fn.apply_async(args=(key, self._make_progress_key(key), args, context), task_id=task_id,
                           time_limit=self.limits.max_seconds + 30)
        return task_id

    def terminate_job(self, job):
        if job is None:
            return
        for number, blob in self.client.hgetall(_REGISTRY).items():
            if json.loads(blob).get("task") == job:
                self.client.hdel(_REGISTRY, number)
        super().terminate_job(job)
        try:
            _mark_revoked(self.handle, job, "cancelled")
        except Exception:  # noqa: BLE001 - the job is stopped either way
            logger.exception("could not record job %s as revoked", job)


def _admission(args: Any, kwargs: Mapping) -> Mapping | None:
    context = args[3] if args and len(args) > 3 else (kwargs or {}).get("context")
    return context.get(CONTEXT_KEY) if isinstance(context, Mapping) else None


def _mark_revoked(app, task_id: str, reason: str) -> None:
    """Record a job that was ended (cancelled or abandoned) as revoked unless it already
    ended otherwise: a job that stops on SIGTERM raises the executor's ``Cancelled``, which
    its worker cannot store as a failure, so the job would otherwise stay pending."""
    if app.AsyncResult(task_id).state not in _FINAL:
        app.backend.mark_as_revoked(task_id, reason=reason)


def _watch_abandonment(app, task_id: str, poll_key: str, abandon_after: float) -> threading.Event:
    """In the job's worker process: revoke the job ``task_id`` when no page polled it
    (``poll_key``) for ``abandon_after`` seconds; set the returned event to stop watching."""
    stop = threading.Event()
    started = time.time()

    def run() -> None:
        client = None
        while not stop.wait(_WATCH_EVERY):
            try:
                if client is None:
                    from components.cache import _redis_client  # noqa: PLC0415

                    client = _redis_client(app.conf.broker_url)
                raw = client.get(poll_key)
                seen = max(float(raw), started) if raw else started
            except Exception:  # noqa: BLE001 - the store may be busy; look again
                continue
            if time.time() - seen <= abandon_after:
                continue
            logger.warning("ending job %s: no page asked for it for %g s", task_id, abandon_after)
            try:  # SIGTERM: the executor revokes the job's compute units on its way out
                _mark_revoked(app, task_id, "abandoned")  # first: the job may not outlive SIGTERM
                app.control.terminate(task_id)
                stop.wait(_ABANDON_GRACE)  # set when the job has ended
                app.control.terminate(task_id, signal="SIGKILL")  # nothing if it has ended
            except Exception:  # noqa: BLE001
                logger.exception("could not end the abandoned job %s", task_id)
            return

    threading.Thread(target=run, name="job-abandon-watch", daemon=True).start()
    return stop


_watching: threading.Event | None = None


@task_prerun.connect
def _before_job(task=None, args=None, kwargs=None, task_id=None, **_: Any) -> None:
    """In the worker: apply the job's admission (refusal, waiting for a twin, deadline) and
    watch for its abandonment."""
    global _watching
    if task is None or not str(task.name).startswith("background_callback_"):
        return
    info = _admission(args or (), kwargs or {}) or {}
    if info.get("poll") and info.get("abandon") and task_id:
        _watching = _watch_abandonment(task.app, task_id, str(info["poll"]), float(info["abandon"]))
    jobs._refusal = info.get("refusal")  # noqa: SLF001 - what guarded() reads
    seconds = float(info.get("seconds") or JobLimits().max_seconds)
    deadline = tasks.set_deadline(seconds)
    twin = info.get("wait_for")
    if twin:
        result = task.app.AsyncResult(twin)
        while time.monotonic() < deadline and result.state not in _FINAL:
            time.sleep(_WAIT_EVERY)


@task_postrun.connect
def _after_job(task=None, **_: Any) -> None:
    global _watching
    if task is not None and str(task.name).startswith("background_callback_"):
        jobs._refusal = None  # noqa: SLF001
        tasks.set_deadline(None)
        if _watching is not None:
            _watching.set()
            _watching = None
