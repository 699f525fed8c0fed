"""compose.yaml: the scale-out deployment from the one image (checked as text: no YAML
parser among the dependencies)."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEXT = (ROOT / "compose.yaml").read_text()


def services() -> list[str]:
    block = TEXT.split("\nservices:\n", 1)[1]
    return re.findall(r"^  ([a-z]+):$", block, flags=re.M)


def test_the_four_services():
    assert services() == ["redis", "web", "jobs", "compute"]


def test_app_services_share_one_image_and_redis():
    assert TEXT.count("<<: *app") == 3
    assert "build: ." in TEXT and "REDIS_URL: redis://redis:6379/0" in TEXT


def test_worker_commands_name_real_celery_apps_and_queues():
    commands = re.findall(r'"-A", "([\w.]+):(\w+)", "worker", "-Q", "(\w+)"', TEXT)
    assert sorted(commands) == sorted([("app", "celery_app", "celery"),
                                       ("components.tasks", "celery_app", "compute")])
    tasks = importlib.import_module("components.tasks")
    assert tasks.JOB_QUEUE == "celery" and hasattr(tasks, "celery_app")
    assert "app.py" in {p.name for p in ROOT.iterdir()}
    assert "celery_app = " in (ROOT / "app.py").read_text()


def test_compute_scales_one_process_per_container():
    compute = TEXT.split("\n  compute:\n", 1)[1]
    assert '"-c", "1"' in compute
    assert "--scale compute=8" in TEXT
