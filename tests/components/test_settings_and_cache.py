"""Typed settings from the environment, and the memoizing cache adapter."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from flask import Flask

from components.cache import init_cache, memoize
from components.settings import Settings


def test_defaults():
    s = Settings.from_env({})
    assert (s.host, s.port, s.cache_type, s.debug, s.cache_timeout) == (
        "127.0.0.1", 8050, "FileSystemCache", False, 0,
    )
    assert Path(s.cache_dir) == Path.home() / ".cache" / "spinglass-landscapes"
    assert not s.cache_dir.startswith(tempfile.gettempdir())
    xdg = Settings.from_env({"XDG_CACHE_HOME": "/srv/cache"})
    assert xdg.cache_dir == "/srv/cache/spinglass-landscapes"


def test_values_from_environment(tmp_path):
    s = Settings.from_env(
        {"HOST": "0.0.0.0", "PORT": "9001", "CACHE_DIR": str(tmp_path), "CACHE_TYPE": "SimpleCache",
         "DEBUG": "no", "CACHE_TIMEOUT": "60", "FRAME_ANCESTORS": "'self' https://slides.example.org"}
    )
    assert (s.host, s.port, s.cache_dir, s.cache_type, s.debug, s.cache_timeout) == (
        "0.0.0.0", 9001, str(tmp_path), "SimpleCache", False, 60,
    )
    assert s.frame_ancestors == "'self' https://slides.example.org"
    assert Settings.from_env({"HOST": "::1", "DEBUG": "yes"}).debug


@pytest.mark.parametrize(
    "env,word",
    [
        ({"PORT": "http"}, "PORT"),
        ({"PORT": "70000"}, "PORT"),
        ({"PORT": "0"}, "PORT"),
        ({"CACHE_TYPE": "RedisCluster"}, "CACHE_TYPE"),
        ({"DEBUG": "maybe"}, "DEBUG"),
        ({"CACHE_TIMEOUT": "-1"}, "CACHE_TIMEOUT"),
        ({"CACHE_MAX_BYTES": "12"}, "CACHE_MAX_BYTES"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY"),
        ({"FRAME_ANCESTORS": "'self'; script-src *"}, "FRAME_ANCESTORS"),
        ({"DEBUG": "1", "HOST": "0.0.0.0"}, "DEBUG"),
    ],
)
def test_bad_environment_names_the_variable(env, word):
    with pytest.raises(ValueError, match=word):
        Settings.from_env(env)


def _counting():
    calls = []

    def square(x: int) -> int:
        calls.append(x)
        return x * x

    return square, calls


@pytest.mark.parametrize("cache_type", ["FileSystemCache", "SimpleCache"])
def test_memoize_serves_repeated_arguments_from_the_cache(tmp_path, cache_type):
    server = Flask(__name__)
    cache = init_cache(server, Settings(cache_type=cache_type, cache_dir=str(tmp_path)))
    square, calls = _counting()
    cached = memoize(cache, square)
    assert [cached(3), cached(3), cached(4), cached(3)] == [9, 9, 16, 9]
    assert calls == [3, 4]
    if cache_type == "FileSystemCache":
        assert any((tmp_path / "results").iterdir())


def test_null_cache_and_no_cache_always_compute(tmp_path):
    server = Flask(__name__)
    cache = init_cache(server, Settings(cache_type="NullCache", cache_dir=str(tmp_path)))
    square, calls = _counting()
    cached = memoize(cache, square)
    cached(2), cached(2)
    assert calls == [2, 2]
    assert memoize(None, square) is square


def test_file_cache_is_shared_between_app_instances(tmp_path):
    """Two workers (two Flask apps) with one CACHE_DIR see each other's results."""
    settings = Settings(cache_dir=str(tmp_path))
    square, calls = _counting()
    first = memoize(init_cache(Flask("a"), settings), square)
    second = memoize(init_cache(Flask("b"), settings), square)
    assert first(7) == second(7) == 49
    assert calls == [7]


def test_errors_are_not_cached(tmp_path):
    server = Flask(__name__)
    cache = init_cache(server, Settings(cache_dir=str(tmp_path)))
    calls = []

    def fragile(x):
        calls.append(x)
        raise ValueError("x must be positive")

    cached = memoize(cache, fragile)
    for _ in range(2):
        with pytest.raises(ValueError):
            cached(-1)
    assert calls == [-1, -1]


def test_results_of_other_code_versions_are_not_served(tmp_path, monkeypatch):
    """A persistent cache must not hand out figures computed by older code."""
    from components import cache as cache_module

    settings = Settings(cache_dir=str(tmp_path))
    square, calls = _counting()
    memoize(init_cache(Flask("a"), settings), square)(5)
    monkeypatch.setattr(cache_module, "code_fingerprint", lambda: "edited-code")
    memoize(init_cache(Flask("b"), settings), square)(5)
    assert calls == [5, 5]


def test_code_fingerprint_is_stable_within_a_process():
    from components.cache import code_fingerprint

    assert code_fingerprint() == code_fingerprint() and len(code_fingerprint()) == 16
