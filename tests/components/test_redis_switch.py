"""REDIS_URL: the one switch between the embedded and the scale-out deployment."""

from __future__ import annotations

import pytest

from components import tasks
from components.cache import REDIS_PREFIX, SignedRedisCache, init_cache, shared_secret_key
from components.celery_jobs import LimitedCeleryManager
from components.jobs import LimitedDiskcacheManager
from components.settings import Settings
from compute.executor import CeleryExecutor, LocalExecutor


def test_unset_means_embedded(tmp_path):
    s = Settings.from_env({"CACHE_DIR": str(tmp_path / "c")})
    assert s.redis_url is None and s.cache_type == "FileSystemCache" and s.secret_key is None


def test_set_means_redis_cache():
    s = Settings.from_env({"REDIS_URL": " redis://127.0.0.1:6379/0 "})
    assert s.redis_url == "redis://127.0.0.1:6379/0" and s.cache_type == "RedisCache"
    # an explicit cache type still wins (e.g. no cache at all)
    assert Settings.from_env({"REDIS_URL": "redis://h:1/0", "CACHE_TYPE": "NullCache"}).cache_type == "NullCache"


@pytest.mark.parametrize("bad", ["http://x", "127.0.0.1:6379", "redis://", "redis"])
def test_bad_redis_url_names_the_variable(bad):
    with pytest.raises(ValueError, match="REDIS_URL"):
        Settings.from_env({"REDIS_URL": bad})


def test_redis_cache_needs_a_url():
    with pytest.raises(ValueError, match="REDIS_URL"):
        Settings.from_env({"CACHE_TYPE": "RedisCache"})


def test_secret_key_is_hidden():
    s = Settings.from_env({"SECRET_KEY": "x" * 32, "REDIS_URL": "redis://h:1/0"})
    assert s.secret_key == "x" * 32 and "xxxx" not in repr(s)


class FakeRedis:
    def __init__(self):
        self.data = {}

    def set(self, key, value, nx=False, ex=None):
        if nx and key in self.data:
            return None
        self.data[key] = value.encode() if isinstance(value, str) else value
        return True

    def get(self, key):
        return self.data.get(key)

    def delete(self, key):
        return 1 if self.data.pop(key, None) is not None else 0

    def exists(self, key):
        return int(key in self.data)


def test_one_shared_secret_for_every_web_process():
    redis = FakeRedis()
    s = Settings(redis_url="redis://h:1/0")
    first, second = shared_secret_key(s, redis), shared_secret_key(s, redis)
    assert first == second and len(first) == 64 and isinstance(first, bytes)
    assert list(redis.data) == [REDIS_PREFIX + "secret-key"]
    # another deployment (another store) gets another key
    assert shared_secret_key(s, FakeRedis()) != first
    # a given key wins; embedded mode without one leaves Dash's own choice
    assert shared_secret_key(Settings(redis_url="redis://h:1/0", secret_key="k" * 20), redis) == b"k" * 20
    assert shared_secret_key(Settings()) is None


def test_redis_cache_configuration():
    from flask import Flask

    settings = Settings(redis_url="redis://127.0.0.1:1/3", cache_type="RedisCache", secret_key="s" * 32)
    cache = init_cache(Flask("t"), settings)
    assert isinstance(cache, SignedRedisCache) and cache.prefix == REDIS_PREFIX + "cache:"
    assert cache.secret == b"s" * 32


def test_signed_redis_entries_round_trip_and_refuse_forgeries():
    import numpy as np

    store = FakeRedis()
    cache = SignedRedisCache(store, b"k" * 32)
    value = {"u": np.arange(3.0)}
    assert cache.set("a", value)
    assert np.array_equal(cache.get("a")["u"], value["u"])
    (key,) = store.data
    assert key.startswith(REDIS_PREFIX + "cache:")
    # an entry written with another key (or planted bytes) is a miss, and is deleted
    other = SignedRedisCache(store, b"x" * 32)
    assert other.get("a") is None and not store.data
    store.data[key] = b"SGC1" + b"\0" * 40 + b"junk"
    assert cache.get("a") is None


def test_create_app_in_both_modes(tmp_path, monkeypatch):
    import app as app_module

    monkeypatch.setattr(tasks, "_executor", None)
    embedded = app_module.create_app(Settings(cache_dir=str(tmp_path / "c")))
    assert isinstance(embedded._background_manager, LimitedDiskcacheManager)
    assert embedded.celery_app is None and isinstance(tasks.executor(), LocalExecutor)

    scaled = app_module.create_app(
        Settings(redis_url="redis://127.0.0.1:1/0", cache_type="RedisCache", secret_key="s" * 32,
                 cache_dir=str(tmp_path / "d"))
    )
    assert isinstance(scaled._background_manager, LimitedCeleryManager)
    assert scaled.server.secret_key == b"s" * 32
    assert scaled.celery_app.conf.broker_url == "redis://127.0.0.1:1/0"
    assert isinstance(tasks.executor(), CeleryExecutor) and tasks.executor().app is scaled.celery_app
    # the Dash job worker finds the background callbacks as tasks of this application
    assert any(name.startswith("background_callback_") for name in scaled.celery_app.tasks)
    monkeypatch.setattr(tasks, "_executor", None)
