"""The one module of the UI that knows flask-caching, and the owner of CACHE_DIR.

Callbacks never call ``compute/`` directly: they go through :func:`memoize`d adapters
(components/data/) whose arguments are plain hashable values (ints, floats, strings,
tuples) and whose results are plain numbers and numpy arrays, so any cache backend can
store them.  The default backend is a file-system cache shared by all gunicorn workers.  It
outlives the process, so cache keys carry a fingerprint of the code that produced the
results: after an upgrade (or any edit of compute/ or components/) old entries are never
served.

Trust (:func:`open_storage`): CACHE_DIR is created with mode 0700 and refused, with one
log line naming it, when another user owns it or others may write to it; the server then
runs without a file cache and keeps its job store in a fresh private folder.  Inside it:

* ``results/`` -- the result cache (:class:`SignedFileCache`): every entry carries an
  HMAC-SHA256 of its key and bytes under the secret key, and nothing is unpickled unless
  that signature verifies, so bytes planted by anyone without the key are never loaded;
  entries that fail to load (bad signature, truncated, wrong shape) are deleted and
  recomputed.  The folder is bounded in bytes (``CACHE_MAX_BYTES``), least recently used
  entries go first.  A full or unwritable disk turns writes off with one log line; the
  page keeps working without the cache.
* ``jobs/`` -- the background-job store (diskcache), kept apart from the results so that
  pruning one never touches the other.
* ``secret-key`` -- generated (32 random bytes) with mode 0600 when ``SECRET_KEY`` is not
  set; it signs cache entries and, as the Flask secret key, Dash's job handles.

With ``REDIS_URL`` (scale-out mode, components/settings.py) the result cache is
:class:`SignedRedisCache`: the same signed entries, in Redis, shared by every web process
on every machine, each with a lifetime (``CACHE_TIMEOUT``, else :data:`REDIS_DEFAULT_TIMEOUT`)
so that Redis run with ``maxmemory-policy volatile-lru`` evicts old results and never its
queues.  :func:`shared_secret_key` gives every process the same key: ``SECRET_KEY``, or
one created in Redis by the first process that asks.
"""

from __future__ import annotations

import errno
import hashlib
import hmac
import logging
import os
import pickle
import secrets
import struct
import tempfile
import threading
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, TypeVar

from flask import Flask
from flask_caching.backends.base import BaseCache
from flask_caching.backends.simplecache import SimpleCache

from components.settings import VERSION, Settings

__all__ = [
    "UnsafeCacheDir",
    "Storage",
    "private_dir",
    "open_storage",
    "SignedFileCache",
    "SignedRedisCache",
    "REDIS_PREFIX",
    "REDIS_DEFAULT_TIMEOUT",
    "shared_secret_key",
    "init_cache",
    "memoize",
    "peek",
    "NotCached",
    "code_fingerprint",
]

logger = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable)

#: Entries of the in-memory cache (one process; bounded by count).
_MEMORY_THRESHOLD = 500
#: Entry file layout: magic, expiry (unix seconds, 0 = never), HMAC-SHA256, pickle.
_MAGIC = b"SGC1"
_HEADER = struct.Struct(">4sd32s")
#: Evict down to this fraction of the byte bound, so pruning is not needed at every write.
_LOW_WATER = 0.8
#: Seconds writes stay off after the disk refused one (full, read-only, no permission).
_RETRY_WRITES_AFTER = 300.0


class UnsafeCacheDir(ValueError):
    """CACHE_DIR belongs to another user or others may write to it."""


def private_dir(path: str) -> str:
    """``path`` as a folder only this user can use: created 0700, else checked.

    Raises :class:`UnsafeCacheDir` when it exists but another user owns it, or group or
    others may write to it (what they planted there cannot be trusted), or it is not a
    folder; ``OSError`` when it cannot be created.  Read or search permission for others
    on a folder of ours is removed.
    """
    path = os.path.abspath(path)
    try:
        os.mkdir(path, 0o700)
    except FileExistsError:
        pass
    except FileNotFoundError:
        os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
        try:
            os.mkdir(path, 0o700)
        except FileExistsError:
            pass
    st = os.stat(path)
    if not os.path.isdir(path):
        raise UnsafeCacheDir(f"CACHE_DIR {path} is not a folder")
    if st.st_uid != os.geteuid():
        raise UnsafeCacheDir(
            f"CACHE_DIR {path} is owned by uid {st.st_uid}, not by this server's uid "
            f"{os.geteuid()}; "
            "point CACHE_DIR to a folder of this user"
        )
    if st.st_mode & 0o022:
        raise UnsafeCacheDir(
            f"CACHE_DIR {path} can be written by other users (mode {st.st_mode & 0o777:o}); "
            "use a private folder (chmod 700) or another CACHE_DIR"
        )
    if st.st_mode & 0o077:
        os.chmod(path, 0o700)
    return path


@dataclass(frozen=True)
class Storage:
    """Where the server keeps its state: ``results_dir`` (``None``: no file cache),
    ``jobs_dir`` (the job store) and the ``secret`` key (bytes)."""

    results_dir: str | None
    jobs_dir: str
    secret: bytes


def _read_or_create_secret(root: str) -> bytes:
    """The key in ``root/secret-key`` (0600), created atomically by the first worker."""
    path = os.path.join(root, "secret-key")
    for _ in range(3):
        try:
            st = os.stat(path)
        except FileNotFoundError:
            fd, tmp = tempfile.mkstemp(dir=root, prefix=".secret-")  # mode 0600
            try:
                os.write(fd, secrets.token_hex(32).encode())
                os.fsync(fd)
            finally:
                os.close(fd)
            try:
                os.link(tmp, path)  # fails if another worker was first: then read theirs
            except FileExistsError:
                pass
            finally:
                os.unlink(tmp)
            continue
        if st.st_uid != os.geteuid() or st.st_mode & 0o077:
            logger.warning("replacing %s: it was readable by others or not ours", path)
            os.unlink(path)
            continue
        with open(path, "rb") as fh:
            key = fh.read().strip()
        if len(key) >= 32:
            return key
        os.unlink(path)  # truncated: make a new one
    raise OSError(f"could not create the secret key file {path}")


def open_storage(settings: Settings) -> Storage:
    """Prepare CACHE_DIR (see the module docstring); never raises for a bad folder.

    An unsafe, unwritable or full CACHE_DIR gives one log line and a server without a file
    cache (jobs then live in a fresh private temporary folder of this process)."""
    secret = settings.secret_key.encode() if settings.secret_key else None
    try:
        root = private_dir(settings.cache_dir)
        jobs = private_dir(os.path.join(root, "jobs"))
        results = None
        if settings.cache_type == "FileSystemCache":
            results = private_dir(os.path.join(root, "results"))
        if secret is None:
            secret = _read_or_create_secret(root)
        return Storage(results_dir=results, jobs_dir=jobs, secret=secret)
    except UnsafeCacheDir as exc:
        logger.error("refusing CACHE_DIR: %s; running without a file cache", exc)
    except OSError as exc:
        logger.error(
            "CACHE_DIR %s is not usable (%s); running without a file cache",
            settings.cache_dir,
            exc.strerror or exc,
        )
    jobs = tempfile.mkdtemp(prefix="spinglass-jobs-")
    return Storage(results_dir=None, jobs_dir=jobs, secret=secret or secrets.token_hex(32).encode())


class SignedFileCache(BaseCache):
    """A flask-caching backend: HMAC-signed pickles in a folder, bounded in bytes (LRU).

    ``get`` verifies the signature before unpickling and deletes entries that fail to load;
    a hit refreshes the entry's modification time, which orders the eviction.  Writes that
    the disk refuses (full, read-only, no permission) are dropped with one log line, and
    writes stay off for a few minutes.
    """

    def __init__(self, directory: str, secret: bytes, max_bytes: int, default_timeout: int = 0):
        super().__init__(default_timeout=default_timeout)
        self.directory = directory
        self.secret = bytes(secret)
        self.max_bytes = int(max_bytes)
        self._added = 0
        self._lock = threading.Lock()
        self._writes_off_until = 0.0
        self._warned = False
        self._prune()

    # -- files
    def _path(self, key: str) -> str:
        return os.path.join(self.directory, hashlib.sha256(key.encode()).hexdigest())

    def _mac(self, key: str, expires: float, payload: bytes) -> bytes:
        mac = hmac.new(self.secret, key.encode(), hashlib.sha256)
        mac.update(struct.pack(">d", expires))
        mac.update(payload)
        return mac.digest()

    def _drop(self, path: str) -> None:
        try:
            os.unlink(path)
        except OSError:
            pass

    # -- flask-caching interface
    def get(self, key: str) -> Any:
        path = self._path(key)
        try:
            with open(path, "rb") as fh:
                blob = fh.read()
        except OSError:
            return None
        try:
            magic, expires, mac = _HEADER.unpack_from(blob)
            payload = blob[_HEADER.size :]
            if magic != _MAGIC or not hmac.compare_digest(mac, self._mac(key, expires, payload)):
                raise ValueError("bad signature")
            if expires and expires < time.time():
                self._drop(path)
                return None
            value = pickle.loads(payload)  # signed by this server: not attacker-made
        except Exception as exc:  # noqa: BLE001 - a broken entry is a miss, never an error
            logger.warning(
                "dropping cache entry %s that failed to load (%s)", os.path.basename(path), exc
            )
            self._drop(path)
            return None
        try:
            os.utime(path)
        except OSError:
            pass
        return value

    def has(self, key: str) -> bool:
        return self.get(key) is not None

    def set(self, key: str, value: Any, timeout: int | None = None) -> bool:
        if time.monotonic() < self._writes_off_until:
            return False
        timeout = self._normalize_timeout(timeout)
        expires = float(time.time() + timeout) if timeout else 0.0
        payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        blob = _HEADER.pack(_MAGIC, expires, self._mac(key, expires, payload)) + payload
        if len(blob) > self.max_bytes // 8:
            return False  # one entry may not crowd out the rest
        tmp = None
        try:
            fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".tmp-")
            with os.fdopen(fd, "wb") as fh:
                fh.write(blob)
            os.replace(tmp, self._path(key))
            tmp = None
        except OSError as exc:
            self._writes_failed(exc)
            return False
        finally:
            if tmp is not None:
                self._drop(tmp)
        with self._lock:
            self._added += len(blob)
            full = self._added > (1.0 - _LOW_WATER) * self.max_bytes
        if full:
            self._prune()
        return True

    def add(self, key: str, value: Any, timeout: int | None = None) -> bool:
        return False if self.has(key) else self.set(key, value, timeout)

    def delete(self, key: str) -> bool:
        path = self._path(key)
        existed = os.path.exists(path)
        self._drop(path)
        return existed

    def clear(self) -> bool:
        for entry in self._entries():
            self._drop(entry[2])
        return True

    # -- bound
    def _writes_failed(self, exc: OSError) -> None:
        self._writes_off_until = time.monotonic() + _RETRY_WRITES_AFTER
        if not self._warned:
            self._warned = True
            kind = "full" if exc.errno in (errno.ENOSPC, errno.EDQUOT) else "not writable"
            logger.error(
                "result cache %s is %s (%s); results are computed without caching",
                self.directory,
                kind,
                exc.strerror or exc,
            )

    def _entries(self) -> list[tuple[float, int, str]]:
        out = []
        try:
            with os.scandir(self.directory) as it:
                for e in it:
                    if len(e.name) == 64 or e.name.startswith(".tmp-"):
                        try:
                            st = e.stat()
                        except OSError:
                            continue
                        out.append((st.st_mtime, st.st_size, e.path))
        except OSError:
            return []
        return out

    def total_bytes(self) -> int:
        return sum(size for _, size, _ in self._entries())

    def _prune(self) -> None:
        """Evict least recently used entries down to the low-water mark if over the bound."""
        with self._lock:
            self._added = 0
        entries = self._entries()
        total = sum(size for _, size, _ in entries)
        if total <= self.max_bytes * _LOW_WATER:
            return
        now = time.time()
        for mtime, size, path in sorted(entries):
            if total <= self.max_bytes * _LOW_WATER:
                break
            if os.path.basename(path).startswith(".tmp-") and now - mtime < 60:
                continue  # another worker is writing it
            self._drop(path)
            total -= size


#: Prefix of this application's keys in Redis (cache entries and the shared secret).
REDIS_PREFIX = "spinglass:"
_REDIS_SECRET = REDIS_PREFIX + "secret-key"
#: Lifetime of a Redis cache entry when CACHE_TIMEOUT is 0 (seconds; one week).
REDIS_DEFAULT_TIMEOUT = 7 * 24 * 3600


def _redis_client(url: str):
    import redis  # noqa: PLC0415 - only in scale-out mode

    return redis.Redis.from_url(
        url, socket_timeout=5, socket_connect_timeout=5, health_check_interval=30
    )


def shared_secret_key(settings: Settings, client=None) -> bytes | None:
    """The key every process signs with in scale-out mode: ``SECRET_KEY`` if given, else
    one random key created by the first process that asks and read back by all others
    (``SET NX`` in Redis); ``None`` without ``REDIS_URL`` (then :func:`open_storage` keeps it)."""
    if settings.secret_key:
        return settings.secret_key.encode()
    if not settings.redis_url:
        return None
    client = _redis_client(settings.redis_url) if client is None else client
    client.set(_REDIS_SECRET, secrets.token_hex(32), nx=True)
    value = client.get(_REDIS_SECRET)
    return value if isinstance(value, bytes) else str(value).encode()


class SignedRedisCache(BaseCache):
    """Signed result entries in Redis (the format of :class:`SignedFileCache`): nothing is
    unpickled unless its HMAC under the secret key verifies; a bad entry is a miss and is
    deleted.  Every entry expires (``default_timeout`` or :data:`REDIS_DEFAULT_TIMEOUT`).
    A Redis that does not answer costs the caching, never the page (:func:`memoize`)."""

    def __init__(
        self,
        client,
        secret: bytes,
        default_timeout: int = 0,
        prefix: str = REDIS_PREFIX + "cache:",
        max_entry_bytes: int = 64 * 2**20,
    ):
        super().__init__(default_timeout=default_timeout)
        self.client = client
        self.secret = bytes(secret)
        self.prefix = prefix
        self.max_entry_bytes = int(max_entry_bytes)

    def _key(self, key: str) -> str:
        return self.prefix + hashlib.sha256(key.encode()).hexdigest()

    def _mac(self, key: str, expires: float, payload: bytes) -> bytes:
        mac = hmac.new(self.secret, key.encode(), hashlib.sha256)
        mac.update(struct.pack(">d", expires))
        mac.update(payload)
        return mac.digest()

    def get(self, key: str) -> Any:
        blob = self.client.get(self._key(key))
        if blob is None:
            return None
        try:
            magic, expires, mac = _HEADER.unpack_from(blob)
            payload = blob[_HEADER.size :]
            if magic != _MAGIC or not hmac.compare_digest(mac, self._mac(key, expires, payload)):
                raise ValueError("bad signature")
            return pickle.loads(payload)  # signed by this deployment: not attacker-made
        except Exception as exc:  # noqa: BLE001 - a broken entry is a miss, never an error
            logger.warning("dropping Redis cache entry that failed to load (%s)", exc)
            self.client.delete(self._key(key))
            return None

    def has(self, key: str) -> bool:
        return bool(self.client.exists(self._key(key)))

    def set(self, key: str, value: Any, timeout: int | None = None) -> bool:
        timeout = self._normalize_timeout(timeout) or REDIS_DEFAULT_TIMEOUT
        expires = float(time.time() + timeout)
        payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        if len(payload) > self.max_entry_bytes:
            return False
        blob = _HEADER.pack(_MAGIC, expires, self._mac(key, expires, payload)) + payload
        return bool(self.client.set(self._key(key), blob, ex=int(timeout)))

    def add(self, key: str, value: Any, timeout: int | None = None) -> bool:
        return False if self.has(key) else self.set(key, value, timeout)

    def delete(self, key: str) -> bool:
        return bool(self.client.delete(self._key(key)))

    def clear(self) -> bool:
        for k in self.client.scan_iter(match=self.prefix + "*", count=500):
            self.client.delete(k)
        return True


def init_cache(
    server: Flask, settings: Settings, storage: Storage | None = None
) -> BaseCache | None:
    """The result cache of ``server`` for ``settings`` (``None`` for NullCache or no folder).

    ``storage`` is what :func:`open_storage` prepared (made here when omitted).  With
    ``CACHE_TYPE=RedisCache`` (the default when ``REDIS_URL`` is set) the cache is
    :class:`SignedRedisCache`, signed with ``storage.secret``.
    """
    if settings.cache_type == "NullCache":
        return None
    if settings.cache_type == "SimpleCache":
        return SimpleCache(threshold=_MEMORY_THRESHOLD, default_timeout=settings.cache_timeout)
    if settings.cache_type == "RedisCache":
        secret = storage.secret if storage is not None else shared_secret_key(settings)
        return SignedRedisCache(_redis_client(settings.redis_url), secret, settings.cache_timeout)
    storage = open_storage(settings) if storage is None else storage
    if storage.results_dir is None:
        return None
    return SignedFileCache(
        storage.results_dir, storage.secret, settings.cache_max_bytes, settings.cache_timeout
    )


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


_cache_errors_logged: set[str] = set()


def _log_once(what: str, exc: BaseException) -> None:
    if what not in _cache_errors_logged:
        _cache_errors_logged.add(what)
        logger.error(
            "result cache %s failed (%s: %s); computing without it", what, type(exc).__name__, exc
        )


def memoize(cache: BaseCache | None, func: F) -> F:
    """``func`` with its results cached by argument values (``func`` itself if no cache).

    Keys are namespaced by :func:`code_fingerprint`, so results of older code are ignored.
    Each entry stores its full key next to the result; an entry that does not (a wrong
    shape, a hash collision) is deleted and the result recomputed.  Errors are not cached,
    and a failing cache only costs the caching, never the result.
    """
    if cache is None:
        return func
    prefix = f"{code_fingerprint()}.{func.__module__}.{func.__qualname__}"

    def lookup(args, kwargs) -> tuple[str, str, Any]:
        """The entry's key text, key and cached result (``_MISSING`` when absent)."""
        text = repr((args, sorted(kwargs.items())))
        key = f"{prefix}:{hashlib.sha256(text.encode()).hexdigest()}"
        try:
            hit = cache.get(key)
        except Exception as exc:  # noqa: BLE001
            _log_once("read", exc)
            hit = None
        if hit is not None:
            if isinstance(hit, tuple) and len(hit) == 2 and hit[0] == text:
                return text, key, hit[1]
            try:
                cache.delete(key)
            except Exception:  # noqa: BLE001
                pass
        return text, key, _MISSING

    def cached(*args, **kwargs):
        text, key, result = lookup(args, kwargs)
        if result is not _MISSING:
            return result
        result = func(*args, **kwargs)
        try:
            cache.set(key, (text, result))
        except Exception as exc:  # noqa: BLE001
            _log_once("write", exc)
        return result

    cached.__name__ = getattr(func, "__name__", "cached")
    cached.__qualname__ = getattr(func, "__qualname__", "cached")
    cached.__doc__ = func.__doc__
    cached.__wrapped__ = func

    def look(*args, **kwargs):
        result = lookup(args, kwargs)[2]
        if result is _MISSING:
            raise NotCached("not computed yet: draw it on the page first")
        return result

    cached.peek = look
    return cached  # type: ignore[return-value]


_MISSING = object()


class NotCached(ValueError):
    """A result :func:`peek` was asked for that has not been computed (the message says so)."""


def peek(func: Callable, *args, **kwargs) -> Any:
    """The result of the memoized ``func`` for these arguments if it is cached, without
    computing it (:class:`NotCached` otherwise); a function that is not memoized (no cache)
    is called."""
    look = getattr(func, "peek", None)
    return func(*args, **kwargs) if look is None else look(*args, **kwargs)
