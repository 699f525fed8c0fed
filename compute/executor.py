r"""Heavy work as seed-blocked units, run in-process, in a process pool or on Celery.

A *plan* is one heavy computation cut into *units*: ``kind`` names a unit function of
:data:`UNIT_KINDS`, ``params`` its plain settings (JSON values), ``seed`` the user's
seed, and ``sizes`` how many items (descent runs, sampled matrices, ...) each unit
computes.  Unit ``i`` receives the seed sequence

.. math::

    \texttt{SeedSequence(seed).spawn(n)[i]} = \texttt{SeedSequence(seed, spawn\_key=(i,))},

which depends on ``(seed, i)`` only, never on how many units exist or where they run.
Each unit runs with one BLAS thread (:func:`run_unit`): the floating-point result of a
matrix product can depend on how many threads share it, so this is what makes a unit's
result a function of its arguments alone.  The plan's result concatenates the units'
arrays in unit order and adds their scalar counters.  So a result depends only on
(settings, seed) and the unit size of its plan, which is a fixed constant of each
computation (e.g. :data:`compute.landscape.DESCENT_BLOCK` runs per descent unit),
never on the backend or the number of workers.

Backends (:class:`LocalExecutor`, :class:`CeleryExecutor`) share one entry point,
``run(plan, progress=None, cancel=None, timeout=None)``:

* ``progress(fraction)`` receives the share of finished work (units weighted by size;
  units in flight report their own progress where they can);
* ``cancel()`` is polled; when it returns true, the units not finished are dropped
  (local pool: its processes are killed; Celery: the group is revoked, running units
  terminated) and :class:`Cancelled` is raised;
* ``timeout`` (seconds) bounds the whole plan the same way and raises
  :class:`PlanTimeout` naming the limit.

Units travel as JSON (arrays as dtype, shape and base64 bytes: bit-exact), never pickle.
Unit functions are looked up by name in :data:`UNIT_KINDS`: a message naming anything
else is refused.  This module needs only numpy and threadpoolctl; the Celery backend
takes a configured ``celery.Celery`` application (see components/tasks.py).
"""

from __future__ import annotations

import base64
import importlib
import math
import os
import signal
import threading
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing import get_context
from typing import Any, Callable, Iterator, Mapping, Sequence

import numpy as np
from threadpoolctl import ThreadpoolController

__all__ = [
    "UNIT_KINDS",
    "COMPUTE_QUEUE",
    "UNIT_TASK",
    "Plan",
    "Cancelled",
    "PlanTimeout",
    "UnitFailed",
    "block_sizes",
    "unit_seed",
    "run_unit",
    "one_blas_thread",
    "combine",
    "encode",
    "decode",
    "execute_unit_message",
    "LocalExecutor",
    "CeleryExecutor",
]

#: Unit functions by kind: ``module:function``.  A unit function is called as
#: ``fn(params, seed, seed_sequence, size, progress=...)`` and returns a dict of numpy
#: arrays (leading axis = ``size``) and scalar counters.
UNIT_KINDS: dict[str, str] = {
    "descent": "compute.landscape:descent_unit",
    "finite_n_index": "compute.finite_n:index_unit",
    "kac_rice": "compute.kac_rice:count_unit",
    "probe": "compute.executor:_probe_unit",
}
#: The Celery queue of compute units and the name of the unit task.
COMPUTE_QUEUE = "compute"
UNIT_TASK = "spinglass.compute_unit"
#: How often waiting loops look at the units, the cancel flag and the clock (seconds).
_POLL = 0.1


class Cancelled(BaseException):
    """The plan was cancelled; its unfinished units were dropped.

    Like ``KeyboardInterrupt`` it is not an ``Exception``: handlers that turn errors into
    messages for the page let it through, so a cancelled job ends without a result."""


class PlanTimeout(ValueError):
    """The plan did not finish within its time limit; its unfinished units were dropped.

    A ``ValueError`` whose text names the limit and what to lower: the page shows it."""


class UnitFailed(RuntimeError):
    """A unit raised; ``str()`` is its message (a ``ValueError`` text stays readable)."""


@dataclass(frozen=True)
class Plan:
    """One computation cut into units: ``kind``, JSON ``params``, ``seed``, unit ``sizes``."""

    kind: str
    params: Mapping[str, Any]
    seed: int
    sizes: tuple[int, ...]
    weights: tuple[float, ...] = field(default=())

    def __post_init__(self) -> None:
        if self.kind not in UNIT_KINDS:
            raise ValueError(f"unknown unit kind {self.kind!r}; known: {', '.join(sorted(UNIT_KINDS))}")
        if isinstance(self.seed, bool) or not isinstance(self.seed, (int, np.integer)) or self.seed < 0:
            raise ValueError(f"seed must be an integer >= 0, got {self.seed!r}")
        if not self.sizes or any(int(s) < 1 for s in self.sizes):
            raise ValueError(f"a plan needs at least one unit, each of size >= 1, got {self.sizes!r}")
        object.__setattr__(self, "seed", int(self.seed))
        object.__setattr__(self, "sizes", tuple(int(s) for s in self.sizes))
        object.__setattr__(self, "params", dict(self.params))
        if not self.weights:
            object.__setattr__(self, "weights", tuple(float(s) for s in self.sizes))

    @property
    def units(self) -> int:
        return len(self.sizes)

    def message(self, index: int) -> dict:
        """The JSON message of unit ``index`` (what a Celery worker receives)."""
        return {"kind": self.kind, "params": self.params, "seed": self.seed, "index": index,
                "size": self.sizes[index]}


def block_sizes(total: int, block: int) -> tuple[int, ...]:
    """``total`` items in units of ``block`` (the last one smaller): ``(block, …, rest)``.

    >>> block_sizes(68, 25)
    (25, 25, 18)
    """
    if total < 1 or block < 1:
        raise ValueError(f"total and block must be >= 1, got {total}, {block}")
    full, rest = divmod(total, block)
    return (block,) * full + ((rest,) if rest else ())


def unit_seed(seed: int, index: int) -> np.random.SeedSequence:
    """``SeedSequence(seed).spawn(n)[index]`` for any ``n > index``."""
    return np.random.SeedSequence(int(seed), spawn_key=(int(index),))


def _resolve(kind: str) -> Callable:
    try:
        target = UNIT_KINDS[kind]
    except KeyError:
        raise ValueError(f"unknown unit kind {kind!r}") from None
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)


_controller: ThreadpoolController | None = None


def one_blas_thread():
    """A context in which BLAS uses one thread (the libraries are looked up once per process)."""
    global _controller
    if _controller is None:
        _controller = ThreadpoolController()
    return _controller.limit(limits=1, user_api="blas")


def run_unit(kind: str, params: Mapping, seed: int, index: int, size: int,
             progress: Callable[[float], None] | None = None) -> dict:
    """Compute unit ``index`` of a plan here, with one BLAS thread (see the module docstring)."""
    fn = _resolve(kind)
    with one_blas_thread():
        out = fn(dict(params), int(seed), unit_seed(seed, index), int(size), progress=progress)
    return {key: (np.asarray(v) if isinstance(v, np.ndarray) else v) for key, v in out.items()}


def combine(parts: Sequence[Mapping]) -> dict:
    """Units' results in unit order: arrays concatenated along axis 0, scalars added."""
    if not parts:
        return {}
    out: dict = {}
    for key in parts[0]:
        values = [p[key] for p in parts]
        if isinstance(values[0], np.ndarray) and values[0].ndim >= 1:
            out[key] = np.concatenate(values, axis=0)
        else:
            out[key] = sum(values)
    return out


# ----------------------------------------------------------------------------- JSON codec


def encode(result: Mapping) -> dict:
    """A unit result as JSON values; arrays keep dtype, shape and every bit."""
    out = {}
    for key, v in result.items():
        if isinstance(v, np.ndarray):
            a = np.ascontiguousarray(v)
            out[key] = {"__array__": a.dtype.str, "shape": list(a.shape),
                        "data": base64.b64encode(a.tobytes()).decode("ascii")}
        elif isinstance(v, (np.integer, int)) and not isinstance(v, bool):
            out[key] = int(v)
        elif isinstance(v, (np.floating, float)):
            out[key] = float(v)
        else:
            out[key] = v
    return out


def decode(payload: Mapping) -> dict:
    """Inverse of :func:`encode`."""
    out = {}
    for key, v in payload.items():
        if isinstance(v, Mapping) and "__array__" in v:
            dtype = np.dtype(v["__array__"])
            if dtype.hasobject:
                raise ValueError("object arrays are not accepted")
            out[key] = np.frombuffer(base64.b64decode(v["data"]), dtype=dtype).reshape(v["shape"]).copy()
        else:
            out[key] = v
    return out


def execute_unit_message(message: Mapping, progress: Callable[[float], None] | None = None) -> dict:
    """Run one unit described by its JSON ``message`` (:meth:`Plan.message`); JSON result."""
    kind = message.get("kind")
    if not isinstance(kind, str) or kind not in UNIT_KINDS:
        raise ValueError(f"unknown unit kind {kind!r}")
    result = run_unit(kind, message["params"], int(message["seed"]), int(message["index"]),
                      int(message["size"]), progress=progress)
    return encode(result)


def _probe_unit(params: Mapping, seed: int, seq: np.random.SeedSequence, size: int,
                progress: Callable[[float], None] | None = None) -> dict:
    """A small unit for tests and benchmarks: ``size`` normal draws of this unit's stream,
    optionally after ``params["sleep"]`` seconds, and failing on ``params["fail"] == index``."""
    delay = float(params.get("sleep", 0.0))
    if delay:
        end = time.monotonic() + delay
        while time.monotonic() < end:
            time.sleep(min(0.05, max(0.0, end - time.monotonic())))
            if progress is not None:
                progress(1.0 - max(0.0, end - time.monotonic()) / delay)
    if params.get("fail") is not None and int(params["fail"]) == seq.spawn_key[0]:
        raise ValueError(f"probe unit {seq.spawn_key[0]} fails on request")
    x = np.random.default_rng(seq).standard_normal(size)
    return {"x": x, "pid": np.full(size, os.getpid()), "count": size}


# ----------------------------------------------------------------------------- progress


class _Progress:
    """Share of finished work, from per-unit fractions weighted by the plan's weights."""

    def __init__(self, plan: Plan, callback: Callable[[float], None] | None):
        self.weights = np.asarray(plan.weights, dtype=float) / float(sum(plan.weights))
        self.done = np.zeros(plan.units)
        self.callback = callback
        self.last = -1.0
        self.lock = threading.Lock()

    def unit(self, index: int, fraction: float) -> None:
        with self.lock:
            self.done[index] = max(self.done[index], min(1.0, max(0.0, float(fraction))))
            total = float(self.weights @ self.done)
        if self.callback is not None and (total >= self.last + 0.01 or total >= 1.0 > self.last):
            self.last = total
            self.callback(total)


def _check_timeout(timeout: float | None) -> float | None:
    if timeout is None:
        return None
    if not (isinstance(timeout, (int, float)) and math.isfinite(timeout) and timeout > 0):
        raise ValueError(f"timeout must be a positive number of seconds, got {timeout!r}")
    return time.monotonic() + float(timeout)


def _timeout_message(timeout: float) -> str:
    return (f"the computation did not finish within its time limit of {timeout:g} s; "
            "lower the number of runs or the size N")


@contextmanager
def _terminated_as_cancel() -> Iterator[None]:
    """Within the block, SIGTERM (how job managers stop a job) raises :class:`Cancelled`,
    so the caller's clean-up (killing a pool, revoking units) runs.  Main thread only."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):  # noqa: ARG001
        raise Cancelled("the job was stopped")

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not allowed here (embedded interpreter)
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


# ----------------------------------------------------------------------------- local backend


def _pool_unit(message: dict) -> dict:
    return run_unit(message["kind"], message["params"], message["seed"], message["index"], message["size"])


class LocalExecutor:
    """Units on this machine: one after another in this process (``workers=1``) or in a
    pool of ``workers`` processes (forked, so a job's process and its pool die together)."""

    name = "local"

    def __init__(self, workers: int = 1):
        if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
            raise ValueError(f"workers must be an integer >= 1, got {workers!r}")
        self.workers = workers

    def run(self, plan: Plan, progress: Callable[[float], None] | None = None,
            cancel: Callable[[], bool] | None = None, timeout: float | None = None) -> dict:
        deadline = _check_timeout(timeout)
        tracker = _Progress(plan, progress)
        if self.workers == 1 or plan.units == 1:
            return self._serial(plan, tracker, cancel, deadline, timeout)
        return self._pool(plan, tracker, cancel, deadline, timeout)

    @staticmethod
    def _serial(plan, tracker, cancel, deadline, timeout) -> dict:
        parts = []

        def check() -> None:
            if cancel is not None and cancel():
                raise Cancelled("cancelled")
            if deadline is not None and time.monotonic() > deadline:
                raise PlanTimeout(_timeout_message(timeout))

        tracker.unit(0, 0.0)
        for i in range(plan.units):
            check()

            def unit_progress(f: float, i=i) -> None:
                tracker.unit(i, f)
                check()  # a unit's own progress reports are where a long unit can stop

            m = plan.message(i)
            try:
                parts.append(run_unit(m["kind"], m["params"], m["seed"], i, m["size"], progress=unit_progress))
            except (Cancelled, PlanTimeout):
                raise
            except ValueError:
                raise
            except Exception as exc:  # noqa: BLE001 - reported with the unit's number
                raise UnitFailed(f"unit {i} of {plan.units} failed: {exc}") from exc
            tracker.unit(i, 1.0)
        return combine(parts)

    def _pool(self, plan, tracker, cancel, deadline, timeout) -> dict:
        ctx = get_context("fork")
        pool = ProcessPoolExecutor(max_workers=min(self.workers, plan.units), mp_context=ctx)
        futures = {}
        ok = False
        try:
            with _terminated_as_cancel():
                futures = {pool.submit(_pool_unit, plan.message(i)): i for i in range(plan.units)}
                parts: dict[int, dict] = {}
                tracker.unit(0, 0.0)
                pending = set(futures)
                while pending:
                    finished, pending = wait(pending, timeout=_POLL, return_when=FIRST_COMPLETED)
                    for fut in finished:
                        i = futures[fut]
                        exc = fut.exception()
                        if isinstance(exc, ValueError):
                            raise exc
                        if exc is not None:
                            raise UnitFailed(f"unit {i} of {plan.units} failed: {exc}") from exc
                        parts[i] = fut.result()
                        tracker.unit(i, 1.0)
                    if pending and cancel is not None and cancel():
                        raise Cancelled("cancelled")
                    if pending and deadline is not None and time.monotonic() > deadline:
                        raise PlanTimeout(_timeout_message(timeout))
                ok = True
                return combine([parts[i] for i in range(plan.units)])
        finally:
            if not ok:
                for fut in futures:
                    fut.cancel()
                for proc in list(getattr(pool, "_processes", {}).values()):
                    if proc.is_alive():
                        proc.kill()
            pool.shutdown(wait=True, cancel_futures=True)


# ----------------------------------------------------------------------------- Celery backend


class CeleryExecutor:
    """Units as one Celery group on the ``compute`` queue (:data:`COMPUTE_QUEUE`), served
    by any number of workers on any number of machines (``celery -A components.tasks
    worker -Q compute``).  ``app`` is a configured ``celery.Celery`` with a result backend
    and the unit task :data:`UNIT_TASK` (components/tasks.py registers it)."""

    name = "celery"

    def __init__(self, app, queue: str = COMPUTE_QUEUE, unit_time_limit: float | None = None):
        self.app = app
        self.queue = queue
        self.unit_time_limit = unit_time_limit

    def run(self, plan: Plan, progress: Callable[[float], None] | None = None,
            cancel: Callable[[], bool] | None = None, timeout: float | None = None) -> dict:
        from celery import group  # noqa: PLC0415 - optional dependency, only for this backend

        deadline = _check_timeout(timeout)
        tracker = _Progress(plan, progress)
        options: dict = {"queue": self.queue}
        if self.unit_time_limit:
            options["time_limit"] = self.unit_time_limit
        sig = group(self.app.signature(UNIT_TASK, args=(plan.message(i),), **options) for i in range(plan.units))
        result = sig.apply_async()
        ok = False
        try:
            with _terminated_as_cancel():
                tracker.unit(0, 0.0)
                parts: dict[int, dict] = {}
                while len(parts) < plan.units:
                    for i, unit in enumerate(result.results):
                        if i in parts:
                            continue
                        state = unit.state
                        if state == "SUCCESS":
                            parts[i] = decode(unit.get(disable_sync_subtasks=False))
                            unit.forget()
                            tracker.unit(i, 1.0)
                        elif state == "FAILURE":
                            exc = unit.result
                            text = str(exc) if exc is not None else "unknown error"
                            if type(exc).__name__ == "ValueError":
                                raise ValueError(text)
                            raise UnitFailed(f"unit {i} of {plan.units} failed on a compute worker: {text}")
                        elif state == "REVOKED":
                            raise Cancelled(f"unit {i} of {plan.units} was revoked")
                        elif state == "PROGRESS" and isinstance(unit.info, Mapping):
                            tracker.unit(i, float(unit.info.get("fraction", 0.0)))
                    if len(parts) == plan.units:
                        break
                    if cancel is not None and cancel():
                        raise Cancelled("cancelled")
                    if deadline is not None and time.monotonic() > deadline:
                        raise PlanTimeout(_timeout_message(timeout) + " (are compute workers running?)")
                    time.sleep(_POLL)
                ok = True
                return combine([parts[i] for i in range(plan.units)])
        finally:
            if not ok:
                result.revoke(terminate=True, signal="SIGKILL")
                for unit in result.results:
                    unit.forget()
