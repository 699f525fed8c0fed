"""The scale-out deployment on loopback ports: Redis, Celery workers, gunicorn web processes.

Used by tests/integration/test_scale_out.py and bench/bench_load.py.  Every process is
started in its own session and stopped (SIGTERM, then SIGKILL) by :meth:`Stack.close`;
Redis runs without persistence in a temporary folder.  :class:`DashClient` speaks the
Dash renderer's protocol over HTTP, including background callbacks (start, poll with
progress, cancel), so a job can be started through one web process and polled through
another.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import requests

from tests.components.dash_payload import find_callback, make_payload

ROOT = Path(__file__).resolve().parents[2]
PY = sys.executable
CONFIG_RE = re.compile(r'<script id="_dash-config" type="application/json">(.*?)</script>', re.S)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def redis_server() -> str | None:
    return shutil.which("redis-server") or (
        "/usr/bin/redis-server" if os.access("/usr/bin/redis-server", os.X_OK) else None
    )


@dataclass
class Proc:
    name: str
    popen: subprocess.Popen
    log: Path

    @property
    def pid(self) -> int:
        return self.popen.pid

    def children(self) -> list[int]:
        """PIDs of this process's direct children (pool processes, gunicorn workers)."""
        try:
            text = Path(f"/proc/{self.pid}/task/{self.pid}/children").read_text()
        except OSError:
            return []
        return [int(x) for x in text.split()]

    def stop(self, timeout: float = 10.0) -> None:
        if self.popen.poll() is not None:
            return
        try:
            os.killpg(self.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.popen.wait(5)


@dataclass
class Stack:
    """Redis, ``compute`` and ``jobs`` Celery workers and web processes, all on loopback."""

    root: Path
    redis_url: str = ""
    procs: dict[str, Proc] = field(default_factory=dict)
    web: list[str] = field(default_factory=list)
    env: dict = field(default_factory=dict)

    @classmethod
    def create(cls) -> "Stack":
        return cls(root=Path(tempfile.mkdtemp(prefix="spinglass-stack-")))

    def _start(self, name: str, cmd: list[str], env: Mapping[str, str] | None = None) -> Proc:
        log = self.root / f"{name}.log"
        handle = open(log, "w")  # noqa: SIM115 - closed with the process
        popen = subprocess.Popen(
            cmd, cwd=ROOT, env={**os.environ, **self.env, **(env or {})}, stdout=handle,
            stderr=subprocess.STDOUT, start_new_session=True,
        )
        proc = Proc(name, popen, log)
        self.procs[name] = proc
        return proc

    def start_redis(self) -> None:
        exe = redis_server()
        if exe is None:
            raise RuntimeError("redis-server is not installed (apt-get install -y redis-server)")
        port = free_port()
        self._start("redis", [exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                              "--appendonly", "no", "--dir", str(self.root)])
        self.redis_url = f"redis://127.0.0.1:{port}/0"
        self.env = {"REDIS_URL": self.redis_url, "CACHE_DIR": str(self.root / "cache"),
                    "PYTHONUNBUFFERED": "1", "JOBS_PER_SESSION": "1"}
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                    s.sendall(b"PING\r\n")
                    if s.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("redis-server did not answer PING")

    def start_worker(self, name: str, app: str, queue: str, concurrency: int) -> Proc:
        return self._start(name, [
            PY, "-m", "celery", "-A", app, "worker", "-Q", queue, "-c", str(concurrency),
            "-P", "prefork", "-n", f"{name}@%h", "--without-gossip", "--without-mingle",
            "--without-heartbeat", "-l", "INFO",
        ])

    def start_compute_worker(self, name: str = "compute", concurrency: int = 1) -> Proc:
        return self.start_worker(name, "components.tasks:celery_app", "compute", concurrency)

    def start_job_worker(self, name: str = "jobs", concurrency: int = 2) -> Proc:
        return self.start_worker(name, "app:celery_app", "celery", concurrency)

    def start_web(self, name: str, workers: int = 1) -> str:
        port = free_port()
        self._start(name, [PY, "-m", "gunicorn", "--no-control-socket", "-b", f"127.0.0.1:{port}",
                           "-w", str(workers), "--timeout", "60", "app:server"])
        base = f"http://127.0.0.1:{port}"
        self.web.append(base)
        return base

    def wait_ready(self, timeout: float = 90.0) -> None:
        """Every web process answers /health and every worker is consuming its queue."""
        deadline = time.monotonic() + timeout
        for base in self.web:
            while True:
                self._check_alive()
                try:
                    if requests.get(base + "/health", timeout=2).status_code == 200:
                        break
                except requests.RequestException:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{base}/health did not answer in time")
                time.sleep(0.2)
        for proc in self.procs.values():
            if proc.name == "redis" or proc.name.startswith("web"):
                continue
            while "ready." not in proc.log.read_text():
                self._check_alive()
                if time.monotonic() > deadline:
                    raise RuntimeError(f"worker {proc.name} did not start:\n{proc.log.read_text()[-3000:]}")
                time.sleep(0.2)

    def _check_alive(self) -> None:
        for proc in self.procs.values():
            if proc.popen.poll() is not None:
                raise RuntimeError(f"{proc.name} exited with {proc.popen.returncode}:\n{proc.log.read_text()[-3000:]}")

    def logs(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.log.read_text()[-4000:]}" for p in self.procs.values())

    def close(self) -> None:
        for name in sorted(self.procs, key=lambda n: n == "redis"):  # redis last
            self.procs[name].stop()
        shutil.rmtree(self.root, ignore_errors=True)


def redis_command(url: str, *args: str) -> Any:
    """One command on a Redis server (through redis-py)."""
    import redis  # noqa: PLC0415

    client = redis.Redis.from_url(url)
    try:
        return client.execute_command(*args)
    finally:
        client.close()


class DashClient:
    """The renderer's side of the protocol, against any of several web processes."""

    def __init__(self, bases: list[str], timeout: float = 30.0):
        self.bases = list(bases)
        self.session = requests.Session()
        self.timeout = timeout
        page = self.session.get(self.bases[0] + "/", timeout=timeout)
        page.raise_for_status()
        self.end_id = json.loads(CONFIG_RE.search(page.text).group(1))["end_id"]
        self.deps = self.session.get(self.bases[0] + "/_dash-dependencies", timeout=timeout).json()

    def callback(self, output_id: str) -> dict:
        return find_callback(self.deps, output_id)

    def post(self, base: str, dep: dict, values: Mapping, changed=None, **args) -> requests.Response:
        params = {"endId": self.end_id, **args}
        return self.session.post(base + "/_dash-update-component", params=params,
                                 json=make_payload(dep, values, changed), timeout=self.timeout)

    def start_job(self, base: str, dep: dict, values: Mapping, changed=None) -> dict:
        r = self.post(base, dep, values, changed)
        r.raise_for_status()
        handles = r.json()
        if "cacheKey" not in handles or "job" not in handles:
            raise RuntimeError(f"not a background job answer: {r.text[:300]}")
        return handles

    def poll(self, base: str, dep: dict, handles: dict, changed=None) -> tuple[int, dict | None]:
        """One poll: (HTTP status, JSON body or None).  The body holds ``progress`` while
        the job runs and ``response`` (the outputs) when it is done."""
        r = self.post(base, dep, {}, changed, cacheKey=handles["cacheKey"], job=handles["job"])
        body = r.json() if r.content and r.headers.get("content-type", "").startswith("application/json") else None
        return r.status_code, body

    def cancel(self, base: str, cancel_dep: dict, handles: dict) -> int:
        r = self.post(base, cancel_dep, {f"{cancel_dep['inputs'][0]['id']}.n_clicks": 1},
                      cancelJob=handles["job"])
        return r.status_code
