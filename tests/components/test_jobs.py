"""Job control: admission, isolation of job processes, limits, cleanup."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
import time

import pytest

from components.jobs import Admission, JobLimits, JobRefused, admit, guarded

LIMITS = JobLimits(max_jobs=2, max_per_session=1)


def test_limits_validate_and_read_the_environment():
    assert JobLimits.from_env({"JOBS_MAX": "4", "JOB_SECONDS": "12.5"}) == JobLimits(max_jobs=4, max_seconds=12.5)
    for env in ({"JOBS_MAX": "0"}, {"JOB_SECONDS": "-1"}, {"JOB_MAX_BYTES": "lots"}):
        with pytest.raises(ValueError, match="job limits|must be"):
            JobLimits.from_env(env)


def test_admission_caps_sessions_and_server_and_deduplicates():
    assert admit({}, "k1", "s:a", LIMITS) == Admission(run=True)
    one = {101: {"key": "k1", "session": "s:a"}}
    assert admit(one, "k1", "s:b", LIMITS) == Admission(run=True, wait_for=101)  # twin: wait, no compute
    refused = admit(one, "k2", "s:a", LIMITS)
    assert not refused.run and "per browser session" in refused.message
    assert admit(one, "k2", "s:b", LIMITS).run
    two = {**one, 102: {"key": "k2", "session": "s:b"}}
    busy = admit(two, "k3", "s:c", LIMITS)
    assert not busy.run and "at most 2" in busy.message
    waiting = {**one, 103: {"key": "k1", "session": "s:c", "waiting": True}}
    assert admit(waiting, "k2", "s:b", LIMITS).run  # waiting twins do not count


def test_guarded_raises_only_in_a_refused_job(monkeypatch):
    from components import jobs

    f = guarded(lambda x: x + 1)
    assert f(1) == 2
    monkeypatch.setattr(jobs, "_refusal", "busy")
    with pytest.raises(JobRefused, match="busy"):
        f(1)
    assert isinstance(JobRefused("x"), ValueError)


_CHILD = textwrap.dedent(
    """
    import os, resource, signal, socket, sys, time
    sys.path.insert(0, {root!r})
    from components.jobs import JobLimits, limit_this_process
    listener = socket.socket(); listener.bind(("127.0.0.1", 0)); listener.listen()
    port = listener.getsockname()[1]
    signal.signal(signal.SIGTERM, signal.SIG_IGN)   # what a server installs
    pid = os.fork()
    if pid == 0:
        limit_this_process(JobLimits(max_bytes=2**30, max_seconds=5))
        ok = [os.getpgrp() == os.getpid(),
              signal.getsignal(signal.SIGTERM) == signal.SIG_DFL,
              resource.getrlimit(resource.RLIMIT_AS)[0] == 2**30]
        try:
            bytearray(2**31)
            ok.append(False)
        except MemoryError:
            ok.append(True)
        try:
            listener.fileno(); os.fstat(listener.fileno()); ok.append(False)
        except OSError:
            ok.append(True)
        os._exit(0 if all(ok) else 1)
    _, status = os.waitpid(pid, 0)
    listener.close()
    print(os.waitstatus_to_exitcode(status))
    """
)


def test_job_process_is_isolated_and_limited(tmp_path):
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    out = subprocess.run([sys.executable, "-c", _CHILD.format(root=root)], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "0", out.stderr


def test_manager_refuses_floods_and_cleans_up(tmp_path):
    """Eight identical jobs and four more from one session: at most two processes compute."""
    import diskcache
    from flask import Flask

    from components.jobs import LimitedDiskcacheManager, stop_all_jobs

    store = diskcache.Cache(str(tmp_path / "jobs"))
    manager = LimitedDiskcacheManager(store, JobLimits(max_jobs=2, max_per_session=1, max_seconds=30))
    app = Flask("t")

    def job_fn(result_key, progress_key, args, context):
        from components import jobs

        if jobs.refusal():
            store.set(result_key, {"refused": jobs.refusal()})
            return
        time.sleep(30)

    pids = []
    try:
        for i in range(8):
            with app.test_request_context("/", headers={"Cookie": f"sg_session={'a' * 31}{i % 2}"}):
                args = [0] if i < 4 else [i]  # four identical jobs, then four different ones
                pids.append(manager.call_job_fn(f"key{i}", job_fn, args, {"outputs_list": ["x"]}))
        time.sleep(1.5)
        registry = manager.running_jobs()
        assert len([e for e in registry.values() if not e["waiting"]]) == 2  # the global cap
        assert len([e for e in registry.values() if e["waiting"]]) == 3  # the identical ones wait
        refused = sorted(k for k in (f"key{i}" for i in range(8)) if store.get(k))
        assert refused == ["key4", "key6", "key7"]  # session quota (4, 6) and server cap (7)
    finally:
        stop_all_jobs()
    time.sleep(0.5)
    assert all(_gone(pid) for pid in pids)


def test_abandoned_job_ends_itself(tmp_path):
    import diskcache
    from flask import Flask

    from components.jobs import LimitedDiskcacheManager, stop_all_jobs

    store = diskcache.Cache(str(tmp_path / "jobs"))
    manager = LimitedDiskcacheManager(store, JobLimits(abandon_after=1.0, max_seconds=60))

    def job_fn(result_key, progress_key, args, context):
        time.sleep(60)

    with Flask("t").test_request_context("/"):
        pid = manager.call_job_fn("k", job_fn, [1], {})
    try:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and not _gone(pid):
            time.sleep(0.2)
        assert _gone(pid)
    finally:
        stop_all_jobs()


def test_time_limit_stops_the_job_with_a_message(tmp_path):
    import diskcache
    from flask import Flask

    from components.jobs import LimitedDiskcacheManager, stop_all_jobs

    store = diskcache.Cache(str(tmp_path / "jobs"))
    manager = LimitedDiskcacheManager(store, JobLimits(max_seconds=1.0))

    def job_fn(result_key, progress_key, args, context):
        try:
            while True:
                time.sleep(0.05)
        except ValueError as exc:  # what the lab's callbacks do: show the message
            store.set(result_key, str(exc))

    with Flask("t").test_request_context("/"):
        pid = manager.call_job_fn("k", job_fn, [1], {})
    try:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and not store.get("k"):
            manager._touch("k")
            time.sleep(0.2)
        assert "JOB_SECONDS" in store.get("k")
    finally:
        stop_all_jobs()


def _gone(pid: int) -> bool:
    from components.jobs import _reap

    _reap(pid)
    return _zombie(pid)


def _zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(")")[-1].split()[0] == "Z"
    except OSError:
        return True


_HELD = threading.Lock()


def test_job_starts_while_a_server_thread_holds_a_lock(tmp_path):
    """A job does not inherit locks held by the server's other threads when it starts.

    Forking the multi-threaded server copied such a lock in its held state, and a job
    that needed it (the cache's, SQLite's) waited for ever.  Here the lock is held for
    the whole test, so a job forked from this process could never finish.
    """
    import diskcache
    import psutil
    from flask import Flask

    from components.jobs import LimitedDiskcacheManager, stop_all_jobs

    store = diskcache.Cache(str(tmp_path / "jobs"))
    manager = LimitedDiskcacheManager(store, JobLimits(max_seconds=60))

    def job_fn(result_key, progress_key, args, context):
        with _HELD:
            store.set(result_key, "done")

    with _HELD:
        with Flask("t").test_request_context("/"):
            pid = manager.call_job_fn("k", job_fn, [1], {})
        try:
            assert psutil.Process(pid).ppid() != os.getpid()
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and store.get("k") is None:
                manager._touch("k")
                time.sleep(0.1)
            assert store.get("k") == "done"
        finally:
            stop_all_jobs()


def test_default_limits_admit_the_two_jobs_one_tab_starts_together():
    """Opening Landscapes starts its count table and its charts at once: both must run."""
    registry: dict = {}
    for pid, key in ((101, "counts"), (102, "charts")):
        admission = admit(registry, key, "s:one", JobLimits())
        assert admission.run and admission.wait_for is None
        registry[pid] = {"key": key, "session": "s:one", "waiting": False}
    assert not admit(registry, "descents", "s:one", JobLimits()).run
