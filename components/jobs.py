"""Background jobs under control: admission, isolation, limits, clean shutdown.

The limits live here, in one place, for every job backend (the diskcache manager of a
single host below; a task-queue backend applies the same :class:`JobLimits`,
:func:`admit` and :func:`limit_this_process` in its workers):

* admission (:func:`admit`): at most ``max_jobs`` jobs run at once on the server and at
  most ``max_per_session`` per browser session (a cookie set by components/edge.py, or
  the client address when a request carries none); a job identical to one already
  running (same callback, same arguments) does not compute twice: it waits for its twin
  and then reads the twin's result from the result cache.  A refused job still answers:
  it raises :class:`JobRefused` (a ``ValueError`` whose message names the limit) inside
  the callback, which shows it like any other message;
* isolation (:func:`limit_this_process`, run first thing in the job process): its own
  process group, default signal handlers (SIGTERM ends it), no inherited sockets (in
  particular not the server's listening socket), ``RLIMIT_AS`` of ``max_bytes`` (a
  ``MemoryError`` in the job, shown as a message) and ``RLIMIT_CPU`` as a backstop;
* supervision (a watchdog thread in the job): it exits when ``max_seconds`` have passed,
  when the browser has stopped polling for ``abandon_after`` seconds, or when the server
  process that started it is gone;
* shutdown: :func:`stop_all_jobs` (gunicorn's ``worker_exit``, and ``atexit``) kills the
  process groups this process started; :func:`stop_orphaned_jobs` (gunicorn's
  ``on_exit``) those left in the registry by killed workers.

Environment (components/settings.py reads nothing of this; :meth:`JobLimits.from_env`):
``JOBS_MAX`` (default 2, the machine's cores), ``JOBS_PER_SESSION`` (2: the Landscapes tab starts its count table and its charts together), ``JOB_SECONDS``
(300), ``JOB_MAX_BYTES`` (3 GiB: the largest chart, N = 500 at H = 3, needs 2 GiB),
``JOB_ABANDON_SECONDS`` (20).
"""

from __future__ import annotations

import atexit
import logging
import os
import resource
import secrets
import signal
import stat
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Mapping

__all__ = [
    "JobLimits",
    "JobRefused",
    "Admission",
    "admit",
    "limit_this_process",
    "refusal",
    "guarded",
    "LimitedDiskcacheManager",
    "session_id",
    "SESSION_COOKIE",
    "stop_all_jobs",
    "stop_orphaned_jobs",
]

logger = logging.getLogger(__name__)

#: Cookie naming the browser session (random, set by components/edge.py).
SESSION_COOKIE = "sg_session"
#: Key of the registry of running jobs in the job store.
_REGISTRY = "spinglass:jobs"
_POLL_PREFIX = "spinglass:poll:"
_WATCH_EVERY = 0.25


class JobRefused(ValueError):
    """A job was not admitted; the message names the limit and what to do."""


@dataclass(frozen=True)
class JobLimits:
    """Limits of background jobs (see the module docstring)."""

    max_jobs: int = 2
    max_per_session: int = 2
    max_seconds: float = 300.0
    max_bytes: int = 3 * 2**30
    abandon_after: float = 20.0

    def __post_init__(self) -> None:
        for name in ("max_jobs", "max_per_session", "max_bytes"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ValueError(f"{name} must be an integer >= 1, got {v!r}")
        for name in ("max_seconds", "abandon_after"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 < v < 1e7:
                raise ValueError(f"{name} must be a positive number of seconds, got {v!r}")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "JobLimits":
        env = os.environ if environ is None else environ
        names = {"JOBS_MAX": ("max_jobs", int), "JOBS_PER_SESSION": ("max_per_session", int),
                 "JOB_SECONDS": ("max_seconds", float), "JOB_MAX_BYTES": ("max_bytes", int),
                 "JOB_ABANDON_SECONDS": ("abandon_after", float)}
        kwargs: dict[str, Any] = {}
        for var, (name, kind) in names.items():
            if env.get(var):
                try:
                    kwargs[name] = kind(env[var].strip())
                except ValueError:
                    raise ValueError(f"{var} must be a positive {kind.__name__}, got {env[var]!r}") from None
        try:
            return cls(**kwargs)
        except ValueError as exc:
            raise ValueError(f"job limits from the environment: {exc}") from None


# ---------------------------------------------------------------------------------------
# Admission (pure: the registry is a dict pid -> entry)
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Admission:
    """What to do with a new job: run it, let it ``wait_for`` a twin's pid, or refuse."""

    run: bool
    wait_for: int | None = None
    message: str | None = None


def admit(registry: Mapping[int, Mapping], key: str, session: str, limits: JobLimits) -> Admission:
    """Decide on a job with cache key ``key`` from ``session`` given the running jobs.

    An identical running job makes this one wait for it (no second computation; waiting
    jobs count against neither cap); otherwise the per-session quota and then the global
    cap apply.
    """
    running = {pid: e for pid, e in registry.items() if not e.get("waiting")}
    for pid, e in running.items():
        if e.get("key") == key:
            return Admission(run=True, wait_for=int(pid))
    mine = sum(1 for e in running.values() if e.get("session") == session)
    if mine >= limits.max_per_session:
        return Admission(
            run=False,
            message=(
                f"This page already runs {mine} background computation(s) (at most {limits.max_per_session} "
                "per browser session): wait for it to finish or cancel it, then start this one again."
            ),
        )
    if len(running) >= limits.max_jobs:
        return Admission(
            run=False,
            message=(
                f"The server is busy: {len(running)} background computations are running (at most "
                f"{limits.max_jobs}). Try again in a minute."
            ),
        )
    return Admission(run=True)


# ---------------------------------------------------------------------------------------
# In the job process
# ---------------------------------------------------------------------------------------

_refusal: str | None = None


def refusal() -> str | None:
    """The refusal message of this job process (``None`` when admitted)."""
    return _refusal


def guarded(func: Callable) -> Callable:
    """``func`` that raises :class:`JobRefused` in a refused job process (otherwise itself).

    Wrap the heavy data functions with it *inside* the cache (``memoize(cache,
    guarded(f))``), so a refused job still serves results that are already cached.
    """

    def call(*args, **kwargs):
        if _refusal is not None:
            raise JobRefused(_refusal)
        return func(*args, **kwargs)

    call.__name__ = getattr(func, "__name__", "guarded")
    call.__qualname__ = getattr(func, "__qualname__", "guarded")
    call.__module__ = getattr(func, "__module__", __name__)
    call.__doc__ = func.__doc__
    call.__wrapped__ = func
    return call


def _close_inherited_sockets() -> None:
    """Close every socket inherited from the server (listening and client connections)."""
    try:
        fds = [int(name) for name in os.listdir("/proc/self/fd")]
    except OSError:
        fds = list(range(3, 1024))
    for fd in fds:
        if fd <= 2:
            continue
        try:
            if stat.S_ISSOCK(os.fstat(fd).st_mode):
                os.close(fd)
        except OSError:
            pass


_HANDLED = ("SIGTERM", "SIGINT", "SIGQUIT", "SIGHUP", "SIGUSR1", "SIGUSR2", "SIGWINCH", "SIGTTIN", "SIGTTOU",
            "SIGCHLD")


def limit_this_process(limits: JobLimits) -> None:
    """Isolate and limit the current (job) process; see the module docstring."""
    try:
        os.setpgid(0, 0)
    except OSError:
        pass
    for name in _HANDLED:
        sig = getattr(signal, name, None)
        if sig is not None:
            try:
                signal.signal(sig, signal.SIG_DFL)
            except (OSError, ValueError):
                pass
    try:
        signal.pthread_sigmask(signal.SIG_SETMASK, set())
    except (AttributeError, OSError):
        pass
    _close_inherited_sockets()
    try:
        resource.setrlimit(resource.RLIMIT_AS, (limits.max_bytes, limits.max_bytes))
    except (ValueError, OSError):
        logger.warning("could not set the memory limit of a job")
    cpu = int(limits.max_seconds) + 30
    try:
        soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
        if hard == resource.RLIM_INFINITY or hard > cpu:
            resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5 if hard == resource.RLIM_INFINITY else hard))
    except (ValueError, OSError):
        pass


#: Seconds a job may take to stop after its time limit raised in it, before it is killed.
_STOP_GRACE = 5.0


def _time_limit(signum, frame):
    raise JobRefused(
        "the computation was stopped after the server's time limit for background jobs "
        "(JOB_SECONDS); choose smaller settings"
    )


def _server_gone(server: int, parent: int) -> bool:
    """Whether the server process that asked for this job has gone (or its fork server)."""
    if os.getppid() != parent:
        return True
    try:
        os.kill(server, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        pass
    return False


def _watchdog(limits: JobLimits, server: int, last_poll: Callable[[], float | None]) -> None:
    """End the job process on its time limit, when abandoned, or when its server is gone.

    At the time limit the job's main thread gets :class:`JobRefused` (via SIGUSR1), so the
    callback can show why it stopped; it is killed if it has not stopped ``_STOP_GRACE``
    seconds later.  Abandoned jobs and jobs whose server is gone exit at once.
    """
    start = time.monotonic()
    started_wall = time.time()
    parent = os.getppid()  # the fork server, which ends with the server
    signal.signal(signal.SIGUSR1, _time_limit)

    def run():
        warned = False
        while True:
            time.sleep(_WATCH_EVERY)
            why = None
            elapsed = time.monotonic() - start
            if _server_gone(server, parent):
                why = "its server process is gone"
            elif elapsed > limits.max_seconds + _STOP_GRACE:
                why = f"it ran longer than {limits.max_seconds:g} s"
            elif elapsed > limits.max_seconds:
                if not warned:
                    warned = True
                    os.kill(os.getpid(), signal.SIGUSR1)
                continue
            else:
                try:
                    seen = last_poll()
                except Exception:  # noqa: BLE001 - the store may be busy; try again
                    seen = None
                seen = started_wall if seen is None else max(seen, started_wall)
                if time.time() - seen > limits.abandon_after:
                    why = f"no page asked for it for {limits.abandon_after:g} s"
            if why:
                logger.warning("ending job process %d: %s", os.getpid(), why)
                try:  # the whole group: the job and any pool it started
                    if os.getpgrp() == os.getpid():
                        os.killpg(os.getpid(), signal.SIGKILL)
                except OSError:
                    pass
                os._exit(3)

    threading.Thread(target=run, name="job-watchdog", daemon=True).start()


# ---------------------------------------------------------------------------------------
# In the server process
# ---------------------------------------------------------------------------------------

_started: dict[int, float] = {}  # pid -> create time, jobs started by this process
_started_lock = threading.Lock()


def session_id() -> str:
    """The browser session of the current request (cookie, else client address)."""
    try:
        from flask import has_request_context, request

        if has_request_context():
            sid = request.cookies.get(SESSION_COOKIE, "")
            if 16 <= len(sid) <= 64 and sid.isalnum():
                return "s:" + sid
            return "a:" + str(request.remote_addr)
    except Exception:  # noqa: BLE001
        pass
    return "a:local"


def new_session_token() -> str:
    return secrets.token_hex(16)


def _create_time(pid: int) -> float | None:
    try:
        import psutil

        p = psutil.Process(pid)
        if p.status() == psutil.STATUS_ZOMBIE:
            return None
        return p.create_time()
    except Exception:  # noqa: BLE001
        return None


def _reap(pid: int) -> None:
    try:
        os.waitpid(pid, os.WNOHANG)
    except (ChildProcessError, OSError):
        pass


def _kill_group(pid: int, created: float | None) -> None:
    """SIGKILL the job's process group if ``pid`` is still the process that was started."""
    now = _create_time(pid)
    if now is None or (created is not None and abs(now - created) > 1e-3):
        _reap(pid)
        return
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    _reap(pid)


def stop_all_jobs() -> None:
    """Kill the job process groups started by this process (at worker exit)."""
    with _started_lock:
        items = list(_started.items())
        _started.clear()
    for pid, created in items:
        _kill_group(pid, created)


atexit.register(stop_all_jobs)


def stop_orphaned_jobs(jobs_dir: str | None = None) -> None:
    """Kill jobs still in the registry of the job store (master exit; workers may be gone)."""
    try:
        import diskcache

        if jobs_dir is None:
            from components.cache import open_storage
            from components.settings import Settings

            jobs_dir = open_storage(Settings.from_env()).jobs_dir
        with diskcache.Cache(jobs_dir) as store:
            registry = store.get(_REGISTRY, {}) or {}
            for pid, entry in list(registry.items()):
                _kill_group(int(pid), entry.get("created"))
            store.set(_REGISTRY, {})
    except Exception as exc:  # noqa: BLE001 - best effort at exit
        logger.warning("could not read the job registry at exit: %s", exc)


try:  # the manager extends Dash's; without dash[diskcache] only the limits above exist
    from dash import DiskcacheManager as _DiskcacheManager
except ImportError:  # pragma: no cover
    _DiskcacheManager = object  # type: ignore[assignment,misc]


def _job_main(job_fn, limits: JobLimits, parent: int, store_dir: str, key: str, admission: Admission,
              args: tuple) -> None:
    """Entry point of a job process: isolate, limit, wait for a twin, then run Dash's job."""
    global _refusal
    with _started_lock:
        _started.clear()  # the server's other jobs are not this process's to stop
    limit_this_process(limits)
    import diskcache

    store = diskcache.Cache(store_dir)

    def last_poll():
        return store.get(_POLL_PREFIX + key)

    _watchdog(limits, parent, last_poll)
    if not admission.run:
        _refusal = admission.message
    elif admission.wait_for is not None:
        while _create_time(admission.wait_for) is not None:
            time.sleep(_WATCH_EVERY)
    job_fn(*args)


#: Packages a job process finds already imported (loaded once, in the fork server).
_PRELOAD_PACKAGES = ("numpy", "scipy", "diskcache", "dash", "plotly", "compute", "components")
_context_lock = threading.Lock()
_context = None


def _job_context():
    """The ``forkserver`` start method of ``multiprocess`` (dill pickling), set up once.

    A job process is never forked from the server itself: the server runs many threads,
    and a fork copies whatever lock one of them holds at that instant (SQLite's file-lock
    mutex under the job store, the cache's lock), which the child then waits on forever.
    The fork server is a separate single-threaded process started by exec; it imports the
    modules the server has loaded from :data:`_PRELOAD_PACKAGES` once, and forks each job
    from that clean state, so a job starts in milliseconds.  It exits with the server.
    """
    global _context
    with _context_lock:
        if _context is None:
            import sys

            import multiprocess  # type: ignore

            ctx = multiprocess.get_context("forkserver")
            preload = sorted(
                name for name in list(sys.modules)
                if name.split(".")[0] in _PRELOAD_PACKAGES and name != "components.pdf_worker"
                and not name.endswith("__main__")
            )
            ctx.set_forkserver_preload(preload)
            _context = ctx
        return _context


_REFUSED_PREFIX = "spinglass:refused:"
#: Seconds a reserved slot (admitted, process not started yet) is kept in the registry.
_RESERVATION_SECONDS = 30.0


class PollStamped:
    """Stamps the time a page last asked about a job (``_touch``), so abandoned jobs end.

    Mixed into a job manager before Dash's class; the manager defines ``_touch(key)``.
    """

    def get_progress(self, key):
        self._touch(key)
        return super().get_progress(key)

    def result_ready(self, key):
        self._touch(key)
        return super().result_ready(key)


class LimitedDiskcacheManager(PollStamped, _DiskcacheManager):
    """Dash's diskcache job manager with :class:`JobLimits` applied to every job.

    Job results are keyed by browser session too (``cache_by``), so two sessions asking
    for the same computation never read or delete each other's results; identical jobs
    are recognised by their callback and arguments (:func:`_twin_key`).  A session's
    finished result stays readable for ``expire`` seconds (the same request is then
    answered without a job), except refusals, which are dropped once shown.
    """

    def __init__(self, cache, limits: JobLimits | None = None, expire: float = 600.0):
        super().__init__(cache, cache_by=[session_id], expire=expire)
        self.limits = limits or JobLimits()

    # -- registry: pid (or a negative reservation number) -> entry
    def _registry(self) -> dict:
        reg = self.handle.get(_REGISTRY, {}) or {}
        alive = {}
        now = time.time()
        for pid, entry in reg.items():
            pid = int(pid)
            if pid < 0:
                if now - entry.get("created", 0) < _RESERVATION_SECONDS:
                    alive[pid] = entry
                continue
            created = _create_time(pid)
            if created is not None and abs(created - entry.get("created", created)) < 1e-3:
                alive[pid] = entry
            else:
                _reap(pid)
        return alive

    def running_jobs(self) -> dict:
        with self.handle.transact():
            return self._registry()

    def call_job_fn(self, key, job_fn, args, context):
        Process = _job_context().Process

        session = session_id()
        twin = _twin_key(args, context)
        ticket = -int.from_bytes(secrets.token_bytes(6), "big") - 1
        with self.handle.transact():  # decide and reserve the slot atomically (all workers)
            registry = self._registry()
            admission = admit(registry, twin, session, self.limits)
            if admission.run:
                registry[ticket] = {"key": twin, "session": session, "created": time.time(),
                                    "waiting": admission.wait_for is not None}
            self.handle.set(_REGISTRY, registry)
        self.handle.set(_POLL_PREFIX + key, time.time(), expire=3600)
        if not admission.run:
            self.handle.set(_REFUSED_PREFIX + key, 1, expire=3600)
            logger.info("job refused for session %s: %s", session[:10], admission.message)
        process = Process(  # forked outside the store's transaction
            target=_job_main,
            args=(job_fn, self.limits, os.getpid(), self.handle.directory, key, admission,
                  (key, self._make_progress_key(key), args, context)),
            daemon=False,
        )
        process.start()
        created = _create_time(process.pid) or time.time()
        with _started_lock:
            _started[process.pid] = created
        with self.handle.transact():
            registry = self.handle.get(_REGISTRY, {}) or {}
            entry = registry.pop(ticket, None)
            if entry is not None:
                registry[process.pid] = {**entry, "created": created}
            self.handle.set(_REGISTRY, registry)
        return process.pid

    def _touch(self, key) -> None:
        try:
            self.handle.set(_POLL_PREFIX + key, time.time(), expire=3600)
        except Exception:  # noqa: BLE001
            pass

    def get_result(self, key, job):
        self._touch(key)
        result = super().get_result(key, job)
        if result is not self.UNDEFINED and self.handle.pop(_REFUSED_PREFIX + key, None) is not None:
            self.clear_cache_entry(key)  # a refusal is shown once, never served from the cache
        return result

    def terminate_job(self, job):
        if job is None:
            return
        try:
            pid = int(job)
        except (TypeError, ValueError):
            return
        with _started_lock:
            created = _started.pop(pid, None)
        with self.handle.transact():
            registry = self.handle.get(_REGISTRY, {}) or {}
            entry = registry.pop(pid, None)
            self.handle.set(_REGISTRY, registry)
        if created is None and entry is not None:
            created = entry.get("created")
        if created is None:
            return  # not a job of this server: never signal it
        _kill_group(pid, created)

    def job_running(self, job):
        if job is None:
            return False
        try:
            pid = int(job)
        except (TypeError, ValueError):
            return False
        if _create_time(pid) is None:
            _reap(pid)
            return False
        return True


def _twin_key(args: Any, context: Mapping) -> str:
    """Identity of a computation across sessions: the callback's outputs and its arguments."""
    import hashlib

    outputs = context.get("outputs_list") if isinstance(context, Mapping) else None
    text = repr((outputs, args))
    return hashlib.sha256(text.encode()).hexdigest()
