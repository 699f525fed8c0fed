"""Scale-out mode: a job no page polls any more is ended, with its compute units.

Its own small deployment (Redis, one compute worker, one Dash job worker, one gunicorn
process) with ``JOB_ABANDON_SECONDS=4``; needs Debian's redis-server (``pytest -m scale_out``).
"""

from __future__ import annotations

import time

import pytest

from tests.integration.stack import DashClient, Stack, redis_command, redis_server

pytestmark = pytest.mark.scale_out

ABANDON = 4


@pytest.fixture(scope="module")
def stack():
    if redis_server() is None:
        pytest.fail("redis-server is not installed: apt-get install -y redis-server")
    s = Stack.create()
    try:
        s.start_redis()
        s.env["JOB_ABANDON_SECONDS"] = str(ABANDON)
        s.start_compute_worker("compute", concurrency=1)
        s.start_job_worker("jobs", concurrency=1)
        s.start_web("web")
        s.wait_ready()
        yield s
    except Exception:
        print(s.logs())
        raise
    finally:
        s.close()


def _units(app) -> list:
    active = app.control.inspect(timeout=1.0).active() or {}
    return [t for tasks in active.values() for t in tasks if t["name"] == "spinglass.compute_unit"]


def test_an_abandoned_job_is_revoked_with_its_units(stack):
    from components.tasks import make_celery

    client = DashClient(stack.web)
    dep = client.callback("lab-descent-graph")
    base = stack.web[0]
    # a long job (minutes on one compute process): N = 250 (68 runs) and N = 25, 50, 100 at 100 runs
    raw = {"H": 3, "lab_N": 250, "runs": 100, "seed": 8, "tab": "lab"}
    handles = client.start_job(base, dep, {"lab-descent-run.n_clicks": 1,
                                           "settings-store.data": raw})
    app = make_celery(stack.redis_url)
    deadline = time.monotonic() + 60
    while not _units(app):  # the page polls while the units start
        assert time.monotonic() < deadline, "no compute unit started"
        status, _ = client.poll(base, dep, handles)
        assert status in (200, 204)
        time.sleep(0.5)
    # the page's handle is signed; the task's own id is in its result key
    keys = redis_command(stack.redis_url, "KEYS", "celery-task-meta-job-*")
    assert len(keys) == 1, keys
    job = app.AsyncResult(keys[0].decode().removeprefix("celery-task-meta-"))
    assert job.state not in ("REVOKED", "SUCCESS", "FAILURE")
    stopped = time.monotonic()  # the page goes away: no more polls
    deadline = stopped + ABANDON + 40
    def queued() -> int:
        return redis_command(stack.redis_url, "LLEN", "compute")

    while time.monotonic() < deadline:
        if job.state == "REVOKED" and not _units(app) and queued() == 0:
            break
        time.sleep(0.5)
    else:
        pytest.fail(f"job {job.state}, units {_units(app)}, queue {queued()}\n{stack.logs()}")
    assert time.monotonic() - stopped >= ABANDON - 1  # not before the page was gone that long
    assert "no page asked for it" in stack.procs["jobs"].log.read_text()
    # the revoked job is not re-queued: the job worker takes a new job at once
    assert redis_command(stack.redis_url, "LLEN", "celery") == 0
