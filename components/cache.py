"""The one module of the UI that knows flask-caching.

Callbacks never call ``compute/`` directly: they go through :func:`memoize`d adapters
(components/data.py) whose arguments are plain hashable values (ints, floats, strings,
tuples) and whose results are plain numbers and numpy arrays, so any cache backend can
store them.  The default backend is a file-system cache, shared by all gunicorn workers.  It outlives
the process, so cache keys carry a fingerprint of the code that produced the results:
after an upgrade (or any edit of compute/ or components/) old entries are never served.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path
from typing import Callable, TypeVar

from flask import Flask
from flask_caching import Cache

from components.settings import VERSION, Settings

__all__ = ["init_cache", "memoize", "code_fingerprint"]

F = TypeVar("F", bound=Callable)

# Largest number of entries the file-system cache keeps before pruning old ones.
_THRESHOLD = 5000


def init_cache(server: Flask, settings: Settings) -> Cache:
    """Create the compute cache of ``server`` from ``settings`` (type, folder, timeout)."""
    config = {
        "CACHE_TYPE": settings.cache_type,
        "CACHE_DEFAULT_TIMEOUT": settings.cache_timeout,
    }
    if settings.cache_type == "FileSystemCache":
        config["CACHE_DIR"] = settings.cache_dir
        config["CACHE_THRESHOLD"] = _THRESHOLD
    elif settings.cache_type == "SimpleCache":
        config["CACHE_THRESHOLD"] = _THRESHOLD
    return Cache(server, config=config)


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """Short hash of the version and of every source file under compute/ and components/."""
    root = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256(VERSION.encode())
    for folder in ("compute", "components"):
        for path in sorted((root / folder).rglob("*.py")):
            digest.update(str(path.relative_to(root)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def memoize(cache: Cache | None, func: F) -> F:
    """``func`` with its results cached by argument values (``func`` itself if no cache).

    Keys are namespaced by :func:`code_fingerprint`, so results of older code are ignored.
    """
    if cache is None:
        return func
    prefix = code_fingerprint()
    return cache.memoize(make_name=lambda name: f"{prefix}.{name}")(func)
