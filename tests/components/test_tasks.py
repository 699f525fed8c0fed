"""The Celery backend with Celery's in-memory broker and result store (no server).

The workers here are threads of the test process: the BLAS thread limit is held at one
for the whole module, as components/tasks.py does in real worker processes.
"""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest
from celery.contrib.testing.worker import start_worker
from threadpoolctl import threadpool_limits

from components import tasks
from compute import landscape
from compute.executor import (
    COMPUTE_QUEUE,
    Cancelled,
    CeleryExecutor,
    LocalExecutor,
    Plan,
    PlanTimeout,
)
from tests.compute.test_executor import digest


@pytest.fixture(scope="module")
def one_blas_thread():
    with threadpool_limits(limits=1, user_api="blas"):
        yield


@pytest.fixture(scope="module")
def app():
    return tasks.make_celery("memory://", "cache+memory://")


def worker(app, concurrency: int):
    return start_worker(app, pool="threads", concurrency=concurrency, queues=[COMPUTE_QUEUE],
                        perform_ping_check=False, loglevel="WARNING", shutdown_timeout=30)


@pytest.fixture(scope="module")
def plan():
    return landscape.descent_plan(14, 3, 60, seed=11, coeffs=[0.3, -0.2])


@pytest.fixture(scope="module")
def reference(plan, one_blas_thread):
    return digest(LocalExecutor(1).run(plan))


@pytest.mark.parametrize("concurrency", [1, 4])
def test_same_seed_same_bits_through_celery(app, plan, reference, concurrency):
    with worker(app, concurrency):
        result = CeleryExecutor(app).run(plan, timeout=120)
    assert digest(result) == reference


def test_same_bits_through_a_local_pool(plan, reference):
    assert digest(LocalExecutor(4).run(plan)) == reference


def test_progress_and_result_through_celery(app):
    seen = []
    plan = Plan("probe", {"sleep": 0.6}, 9, (3, 3, 2))
    with worker(app, 2):
        out = CeleryExecutor(app).run(plan, progress=seen.append, timeout=60)
    expected = np.concatenate([np.random.default_rng(np.random.SeedSequence(9).spawn(3)[i]).standard_normal(n)
                               for i, n in enumerate((3, 3, 2))])
    assert np.array_equal(out["x"], expected) and out["count"] == 8
    assert seen[-1] == pytest.approx(1.0)
    assert any(0.0 < f < 1.0 for f in seen)  # units report progress while they run


def test_cancel_revokes_the_units(app):
    flag = threading.Event()
    plan = Plan("probe", {"sleep": 1.5}, 9, (1,) * 8)
    threading.Timer(0.5, flag.set).start()
    t0 = time.monotonic()
    with worker(app, 1):
        with pytest.raises(Cancelled):
            CeleryExecutor(app).run(plan, cancel=flag.is_set, timeout=60)
        elapsed = time.monotonic() - t0
    # one worker, 8 units of 1.5 s: the revoked units never ran
    assert elapsed < 6.0


def test_a_failing_unit_fails_the_plan(app):
    with worker(app, 2):
        with pytest.raises(ValueError, match="probe unit 1 fails"):
            CeleryExecutor(app).run(Plan("probe", {"fail": 1}, 9, (1, 1, 1)), timeout=60)


def test_no_worker_ends_with_a_clear_message(app):
    with pytest.raises(PlanTimeout, match="compute workers"):
        CeleryExecutor(app).run(Plan("probe", {}, 9, (1,)), timeout=0.5)


def test_configure_chooses_the_backend(app, monkeypatch):
    monkeypatch.setattr(tasks, "_executor", None)
    assert isinstance(tasks.configure("redis://127.0.0.1:1/0", app=app), CeleryExecutor)
    assert isinstance(tasks.executor(), CeleryExecutor)
    local = tasks.configure(None, workers=3)
    assert isinstance(local, LocalExecutor) and local.workers == 3


def test_compute_workers_setting(monkeypatch):
    monkeypatch.setenv("COMPUTE_WORKERS", "3")
    assert tasks.local_workers() == 3
    for bad in ("0", "x", "65"):
        monkeypatch.setenv("COMPUTE_WORKERS", bad)
        with pytest.raises(ValueError, match="COMPUTE_WORKERS"):
            tasks.local_workers()


def test_messages_are_json_only(app):
    assert app.conf.accept_content == ["json"]
    assert app.conf.task_acks_late and app.conf.task_reject_on_worker_lost


@pytest.mark.parametrize("concurrency", [1, 4])
def test_monte_carlo_counts_same_bits_through_celery(app, one_blas_thread, concurrency):
    """The finite-N and activation counts: the same seed gives the same bits on Celery with 1
    or 4 workers as in-process and in a local pool."""
    from tests.compute.test_executor import mc_plans

    plans = mc_plans()
    with worker(app, concurrency):
        for name, plan in plans.items():
            reference = digest(LocalExecutor(1).run(plan))
            assert digest(CeleryExecutor(app).run(plan, timeout=120)) == reference, name
            assert digest(LocalExecutor(2).run(plan)) == reference, name
