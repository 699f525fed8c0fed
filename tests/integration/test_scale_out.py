"""The scale-out deployment end to end: Redis, a compute worker, a Dash job worker and two
gunicorn processes on loopback ports.

A background job started through one web process is polled through the other (progress,
then the result, bit-identical to the local backend), a job is cancelled (its compute
units are revoked), a compute worker's pool process killed mid-job is replaced and the
job still ends with the same result, and a cached value written by one web process is
read by the other.

Needs Debian's redis-server: run with ``pytest -m scale_out`` (.ci/run installs it).
"""

from __future__ import annotations

import base64
import time

import numpy as np
import pytest

from compute.executor import LocalExecutor
from compute.landscape import descent_plan
from tests.integration.stack import DashClient, Stack, redis_command, redis_server

pytestmark = pytest.mark.scale_out

DESCENT_GRAPH = "lab-descent-graph"
DESCENT_RUN = "lab-descent-run"
DESCENT_CANCEL = "lab-descent-cancel"


@pytest.fixture(scope="module")
def stack():
    if redis_server() is None:
        pytest.fail("redis-server is not installed: apt-get install -y redis-server")
    s = Stack.create()
    try:
        s.start_redis()
        s.start_compute_worker("compute", concurrency=2)
        s.start_job_worker("jobs", concurrency=2)
        s.start_web("webA")
        s.start_web("webB")
        s.wait_ready()
        yield s
    except Exception:
        print(s.logs())
        raise
    finally:
        s.close()


@pytest.fixture(scope="module")
def client(stack):
    return DashClient(stack.web)


def values(raw: dict) -> dict:
    return {f"{DESCENT_RUN}.n_clicks": 1, "settings-store.data": raw}


def decode_array(x) -> np.ndarray:
    if isinstance(x, dict) and "bdata" in x:
        return np.frombuffer(base64.b64decode(x["bdata"]), dtype=np.dtype(x["dtype"]))
    return np.asarray(x, dtype=float)


def run_job(client: DashClient, raw: dict, timeout: float = 240.0, on_poll=None):
    """Start the descent job through the first web process, poll through the second.
    Returns (outputs, progress values seen)."""
    dep = client.callback(DESCENT_GRAPH)
    a, b = client.bases
    handles = client.start_job(a, dep, values(raw))
    seen: list[int] = []
    deadline = time.monotonic() + timeout
    polls = 0
    while time.monotonic() < deadline:
        status, body = client.poll(b if polls % 2 == 0 else a, dep, handles)
        polls += 1
        assert status in (200, 204), status
        if body and "progress" in body:
            seen.append(int(body["progress"][f"{'lab-descent-progress'}.value"]))
        if body and "response" in body:
            return body["response"], seen
        if on_poll is not None:
            on_poll(polls)
        time.sleep(0.3)
    raise AssertionError(f"the job did not end within {timeout} s (progress seen: {seen})")


def test_cache_hit_across_web_processes(stack, client):
    """A value computed and cached by web process A is read, not recomputed, by B."""
    dep = client.callback("complexity-graph")
    a, b = client.bases
    body_values = {"complexity-state-store.data": {"H": 7, "K": 4}}

    def writes() -> int:
        stats = redis_command(stack.redis_url, "INFO", "commandstats")
        return sum(int(v["calls"]) for k, v in stats.items()
                   if k.split("_", 1)[1] in ("set", "setex", "psetex", "mset", "setnx"))

    before = writes()
    ra = client.post(a, dep, body_values)
    assert ra.status_code == 200, ra.text[:300]
    after_a = writes()
    assert after_a > before  # A computed and stored
    keys = redis_command(stack.redis_url, "KEYS", "spinglass:cache:*")
    assert keys
    rb = client.post(b, dep, body_values)
    assert rb.status_code == 200
    assert writes() == after_a  # B wrote nothing: every value came from the shared cache
    assert rb.json() == ra.json()


def test_background_job_end_to_end(client):
    raw = {"H": 3, "lab_N": 50, "runs": 60, "seed": 5, "K": 3, "tab": "lab"}
    outputs, seen = run_job(client, raw)
    figure = outputs[DESCENT_GRAPH]["figure"]
    traces = [t for t in figure["data"] if t.get("type") == "histogram"]
    assert len(traces) == 2
    # bit-identical to the same plan on the local backend, whatever worker ran each unit
    for trace, N in zip(traces, (25, 50)):
        local = LocalExecutor(1).run(descent_plan(N, 3, 60, 5))["u"]
        assert np.array_equal(decode_array(trace["x"]), local)
    assert "120 descents" in outputs["lab-descent-status"]["children"]
    assert seen, "no progress was reported"
    assert seen == sorted(seen) and max(seen) <= 100


def test_cancel_revokes_the_units(stack, client):
    from components.tasks import make_celery

    dep = client.callback(DESCENT_GRAPH)
    cancel_dep = next(d for d in client.deps if d["output"] == f"{DESCENT_CANCEL}.id")
    a, b = client.bases
    # a long job: N = 250 (68 runs) and N = 100, 25, 50 at 100 runs
    handles = client.start_job(a, dep, values({"H": 3, "lab_N": 250, "runs": 100, "seed": 8, "tab": "lab"}))
    app = make_celery(stack.redis_url)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # wait until units are running on the compute worker
        active = app.control.inspect(timeout=1.0).active() or {}
        if any(t["name"] == "spinglass.compute_unit" for tasks in active.values() for t in tasks):
            break
        time.sleep(0.5)
    else:
        pytest.fail("no compute unit started")
    assert client.cancel(b, cancel_dep, handles) in (200, 204)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        active = app.control.inspect(timeout=1.0).active() or {}
        running = [t for tasks in active.values() for t in tasks]
        queued = redis_command(stack.redis_url, "LLEN", "compute")
        if not running and queued == 0:
            break
        time.sleep(0.5)
    else:
        pytest.fail(f"units still running or queued after cancel: {running}, queue {queued}")
    status, body = client.poll(a, dep, handles)
    assert status in (200, 204)
    assert not (body and "response" in body and DESCENT_GRAPH in body["response"])


def test_job_survives_a_killed_compute_process(stack, client):
    """SIGKILL of the compute worker's pool process mid-job: the unit is re-delivered,
    the pool process replaced, and the job ends with the same bits."""
    import os
    import signal

    compute = stack.procs["compute"]
    killed: list[int] = []

    def kill_once(polls: int) -> None:
        if killed or polls < 3:
            return
        children = compute.children()
        if children:
            os.kill(children[0], signal.SIGKILL)
            killed.append(children[0])

    raw = {"H": 3, "lab_N": 100, "runs": 50, "seed": 9, "tab": "lab"}
    outputs, _ = run_job(client, raw, on_poll=kill_once)
    assert killed, "no compute pool process was killed"
    traces = [t for t in outputs[DESCENT_GRAPH]["figure"]["data"] if t.get("type") == "histogram"]
    for trace, N in zip(traces, (25, 50, 100)):
        local = LocalExecutor(1).run(descent_plan(N, 3, 50, 9))["u"]
        assert np.array_equal(decode_array(trace["x"]), local)


def test_admission_limits_hold_in_scale_out_mode(stack):
    """JOBS_PER_SESSION (1 in this stack): a second job of the same browser session, while the first
    runs, ends with the refusal message; the first still ends with its result."""
    client = DashClient(stack.web)  # one session (cookie) for both jobs
    dep = client.callback(DESCENT_GRAPH)
    a, b = client.bases
    first = client.start_job(a, dep, values({"H": 3, "lab_N": 100, "runs": 100, "seed": 21, "tab": "lab"}))
    time.sleep(1.0)
    second = client.start_job(b, dep, values({"H": 3, "lab_N": 30, "runs": 20, "seed": 22, "tab": "lab"}))
    ends = {}
    deadline = time.monotonic() + 240
    while len(ends) < 2 and time.monotonic() < deadline:
        for name, handles in (("first", first), ("second", second)):
            if name in ends:
                continue
            status, body = client.poll(a, dep, handles)
            if body and "response" in body:
                ends[name] = str(body["response"]["lab-descent-status"]["children"])
        time.sleep(0.3)
    assert "per browser session" in ends["second"]
    assert "descents" in ends["first"]


def test_activation_counts_job_end_to_end(client, monkeypatch):
    """The activation view's counts: started through one web process, polled through the
    other with progress, their Monte Carlo units on the compute worker; the numbers are
    bit-identical to the same counts computed here."""
    from components.data import effect as ed
    from components.state import activation_or_error, default_state

    dep = client.callback("effect-counts-graph")
    a, b = client.bases
    state = {**default_state(), "activation": "softplus", "seed": 7, "H": 3}
    handles = client.start_job(a, dep, {"effect-run.n_clicks": 1, "effect-state-store.data": state,
                                        "effect-n.value": 60, "effect-u.value": -1.5})
    seen, outputs = [], None
    deadline = time.monotonic() + 240
    while outputs is None and time.monotonic() < deadline:
        status, body = client.poll(b, dep, handles)
        assert status in (200, 204), status
        if body and "progress" in body:
            seen.append(int(body["progress"]["effect-progress.value"]))
        if body and "response" in body:
            outputs = body["response"]
        time.sleep(0.3)
    assert outputs is not None, f"the counts job did not end (progress seen: {seen})"
    act, error = activation_or_error(state)
    assert error is None
    # The reference runs in this process: a pool forked from this multi-threaded test
    # process could deadlock, and backends agree bit for bit (tests/compute/test_executor.py).
    from components import tasks
    from compute.executor import LocalExecutor

    monkeypatch.setattr(tasks, "_executor", LocalExecutor(1))
    local = ed.finite_n_counts(act, 3, 60, -1.5, 7, ed.SAMPLES)
    bars = [t for t in outputs["effect-counts-graph"]["figure"]["data"] if t.get("type") == "bar"]
    assert decode_array(bars[1]["y"]).tolist() == [local["minima"]["value"], local["saddles"]["value"]]
    assert decode_array(bars[0]["y"]).tolist() == [local["minima"]["phi0_value"], local["saddles"]["phi0_value"]]
    assert seen == sorted(seen) and max(seen, default=0) <= 100
