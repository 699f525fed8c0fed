"""CACHE_DIR is trusted only when private; signed, byte-bounded, self-healing result cache."""

from __future__ import annotations

import errno
import logging
import os
import pickle
import stat

import pytest
from flask import Flask

from components import cache as cache_module
from components.cache import (
    SignedFileCache,
    UnsafeCacheDir,
    init_cache,
    memoize,
    open_storage,
    private_dir,
)
from components.settings import Settings


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_cache_dir_is_created_private_with_separate_job_store_and_secret(tmp_path):
    storage = open_storage(Settings(cache_dir=str(tmp_path / "c")))
    root = tmp_path / "c"
    assert _mode(root) == 0o700
    assert storage.jobs_dir == str(root / "jobs") and storage.results_dir == str(root / "results")
    assert _mode(storage.jobs_dir) == _mode(storage.results_dir) == 0o700
    assert _mode(root / "secret-key") == 0o600
    assert len(storage.secret) >= 32
    # a second worker reads the same key back
    assert open_storage(Settings(cache_dir=str(root))).secret == storage.secret


def test_secret_from_environment_is_used_and_not_written(tmp_path):
    storage = open_storage(Settings(cache_dir=str(tmp_path / "c"), secret_key="x" * 40))
    assert storage.secret == b"x" * 40
    assert not (tmp_path / "c" / "secret-key").exists()


def test_world_writable_cache_dir_is_refused_with_one_line(tmp_path, caplog):
    planted = tmp_path / "shared"
    planted.mkdir()
    os.chmod(planted, 0o777)
    with pytest.raises(UnsafeCacheDir, match="written by other users"):
        private_dir(str(planted))
    with caplog.at_level(logging.ERROR, logger="components.cache"):
        storage = open_storage(Settings(cache_dir=str(planted)))
    assert storage.results_dir is None
    assert not str(storage.jobs_dir).startswith(str(planted))
    assert _mode(storage.jobs_dir) == 0o700
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and str(planted) in errors[0].getMessage() and not errors[0].exc_info


def test_cache_dir_of_another_user_is_refused(tmp_path, monkeypatch):
    d = tmp_path / "theirs"
    d.mkdir(mode=0o700)
    monkeypatch.setattr(os, "geteuid", lambda: os.stat(d).st_uid + 1)
    with pytest.raises(UnsafeCacheDir, match="owned by uid"):
        private_dir(str(d))


def test_readable_folder_of_ours_is_made_private(tmp_path):
    d = tmp_path / "ours"
    d.mkdir()
    os.chmod(d, 0o755)
    private_dir(str(d))
    assert _mode(d) == 0o700


def test_secret_file_readable_by_others_is_replaced(tmp_path):
    root = tmp_path / "c"
    first = open_storage(Settings(cache_dir=str(root))).secret
    os.chmod(root / "secret-key", 0o644)
    second = open_storage(Settings(cache_dir=str(root))).secret
    assert second != first and _mode(root / "secret-key") == 0o600


def test_unwritable_cache_dir_degrades_to_no_cache(tmp_path, caplog):
    parent = tmp_path / "ro"
    parent.mkdir()
    os.chmod(parent, 0o500)
    try:
        if os.access(parent, os.W_OK):  # root ignores permissions: simulate the refusal
            pytest.skip("running as root: permissions are not enforced")
        settings = Settings(cache_dir=str(parent / "cache"))
        with caplog.at_level(logging.ERROR):
            assert init_cache(Flask("x"), settings) is None
        assert any("not usable" in r.getMessage() for r in caplog.records)
    finally:
        os.chmod(parent, 0o700)


def test_unwritable_cache_dir_degrades_even_as_root(tmp_path, monkeypatch, caplog):
    real_mkdir, real_makedirs = os.mkdir, os.makedirs
    target = str(tmp_path / "nope")

    def refusing(real):
        def call(path, *args, **kwargs):
            if str(path).startswith(target):
                raise PermissionError(errno.EACCES, "Permission denied", path)
            return real(path, *args, **kwargs)

        return call

    monkeypatch.setattr(os, "mkdir", refusing(real_mkdir))
    monkeypatch.setattr(os, "makedirs", refusing(real_makedirs))
    with caplog.at_level(logging.ERROR, logger="components.cache"):
        storage = open_storage(Settings(cache_dir=str(tmp_path / "nope" / "cache")))
    monkeypatch.undo()
    assert storage.results_dir is None
    assert len([r for r in caplog.records if r.levelno >= logging.ERROR]) == 1


def _signed(tmp_path, max_bytes=2**20):
    d = tmp_path / "results"
    d.mkdir(mode=0o700, exist_ok=True)
    return SignedFileCache(str(d), b"k" * 32, max_bytes)


class _Boom:
    def __reduce__(self):
        return (os.system, ("touch planted-ran",))


def test_planted_pickle_is_never_loaded(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    c = _signed(tmp_path)
    c.set("key", 1)
    path = c._path("key")
    with open(path, "wb") as fh:  # another user's bytes: a pickle that runs a command
        fh.write(pickle.dumps(_Boom()))
    assert c.get("key") is None
    assert not (tmp_path / "planted-ran").exists()
    assert not os.path.exists(path)  # dropped, will be recomputed
    # a re-signed forgery with another key fails too
    other = SignedFileCache(c.directory, b"z" * 32, 2**20)
    other.set("key", _Boom())
    assert c.get("key") is None and not (tmp_path / "planted-ran").exists()


def test_truncated_and_wrong_shaped_entries_are_dropped_and_recomputed(tmp_path):
    c = _signed(tmp_path)
    calls = []

    def f(x):
        calls.append(x)
        return {"x": x}

    g = memoize(c, f)
    assert g(1) == {"x": 1}
    (path,) = [p for p in os.listdir(c.directory) if len(p) == 64]
    full = os.path.join(c.directory, path)
    with open(full, "r+b") as fh:
        fh.truncate(10)
    assert g(1) == {"x": 1} and calls == [1, 1]
    assert g(1) == {"x": 1} and calls == [1, 1]  # caching works again
    # a correctly signed entry of the wrong shape under the key of g(2)
    g(2)
    c.set(next(_keys(g, 2)), "not a pair")
    assert g(2) == {"x": 2} and calls == [1, 1, 2, 2]
    assert g(2) == {"x": 2} and calls == [1, 1, 2, 2]


def _keys(g, *args):
    import hashlib

    prefix = f"{cache_module.code_fingerprint()}.{g.__wrapped__.__module__}.{g.__wrapped__.__qualname__}"
    text = repr((args, []))
    yield f"{prefix}:{hashlib.sha256(text.encode()).hexdigest()}"


def test_cache_is_bounded_in_bytes_and_evicts_least_recently_used(tmp_path):
    c = _signed(tmp_path, max_bytes=2**20)  # 1 MiB
    blob = b"x" * 50_000
    c.set("keep", blob)
    for i in range(60):  # 3 MB written
        c.set(f"k{i}", blob)
        assert c.get("keep") == blob  # used all the time: survives
    assert c.total_bytes() <= 2**20
    assert c.get("k0") is None  # old and unused: evicted
    assert c.get("k59") == blob


def test_oversized_entry_is_not_stored(tmp_path):
    c = _signed(tmp_path, max_bytes=2**20)
    assert c.set("big", b"x" * 2**18) is False
    assert c.get("big") is None


def test_full_disk_degrades_to_computing_with_one_log_line(tmp_path, monkeypatch, caplog):
    c = _signed(tmp_path)
    calls = []

    def f(x):
        calls.append(x)
        return x + 1

    g = memoize(c, f)

    def enospc(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(cache_module.tempfile, "mkstemp", enospc)
    with caplog.at_level(logging.ERROR, logger="components.cache"):
        assert [g(1), g(2), g(3), g(1)] == [2, 3, 4, 2]
    assert calls == [1, 2, 3, 1]
    lines = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(lines) == 1 and "full" in lines[0].getMessage() and not lines[0].exc_info


def test_write_failing_half_way_leaves_no_partial_entry(tmp_path, monkeypatch):
    """A write that fails half way (disk full) leaves no partial entry behind."""
    c = _signed(tmp_path)
    real_fdopen = os.fdopen

    class Short:
        def __init__(self, fh):
            self.fh = fh

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.fh.close()

        def write(self, data):
            self.fh.write(data[:10])
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(cache_module.os, "fdopen", lambda fd, mode: Short(real_fdopen(fd, mode)))
    assert c.set("a", b"x" * 1000) is False
    assert os.listdir(c.directory) == []


@pytest.fixture
def tiny_tmpfs(tmp_path):
    """A 256 KiB tmpfs (needs root and mount); the folder is full after a few entries."""
    import shutil
    import subprocess

    mnt = tmp_path / "tiny"
    mnt.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k,mode=0700", "tmpfs", str(mnt)],
                          capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs: {done.stderr.decode().strip()}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def test_really_full_disk_keeps_serving_with_one_log_line(tiny_tmpfs, caplog):
    storage = open_storage(Settings(cache_dir=str(tiny_tmpfs / "cache")))
    cache = SignedFileCache(storage.results_dir, storage.secret, 64 * 2**20)  # bound above the disk
    calls = []

    def f(x):
        calls.append(x)
        return bytes(30_000) + bytes([x])

    g = memoize(cache, f)
    with caplog.at_level(logging.ERROR, logger="components.cache"):
        results = [g(i) for i in range(20)]
    assert [r[-1] for r in results] == list(range(20))
    lines = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(lines) == 1 and "full" in lines[0].getMessage()
    assert not [n for n in os.listdir(storage.results_dir) if n.startswith(".tmp-")]
    assert g(0)[-1] == 0  # entries written before the disk filled are still served
    assert calls.count(0) == 1
