"""The presenter's state channel: how one browser's settings reach every browser following it.

A *room* is opened by a presenter; the presenter publishes the page's validated settings to
it, and every audience browser asks the room for a state newer than the one it has, the
request waiting (:meth:`StateChannel.wait`) until there is one.  The channel keeps only the
latest state of each room (a late joiner gets the current slide; a closed presenter tab
leaves the room, and so its audience, on the last state until the room expires).
Publishing the state a room already has changes nothing (same version, no announcement).

Two implementations of one interface (:class:`StateChannel`):

* :class:`InProcessChannel` — a dictionary behind a lock: one process serves the presenter
  and the audience (``python app.py``, or gunicorn with one worker);
* :class:`RedisChannel` — with ``REDIS_URL``: the room lives in Redis (so every web process
  sees it), each publish is announced on a Redis pub/sub channel, and every process keeps a
  local copy of the rooms it has seen, updated by its subscriber thread, so that the
  audience's requests are answered from memory and a waiting request wakes when the
  subscriber hears of a publish.

Only the presenter holds a room's *key* (a random token; the channel stores its SHA-256
digest): publishing needs it, following needs only the room id.  Every count is bounded:
rooms per process, the size of a published state and the life of an idle room.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Mapping, Protocol

__all__ = [
    "Snapshot",
    "StateChannel",
    "InProcessChannel",
    "RedisChannel",
    "make_channel",
    "valid_room",
    "ROOM_TTL_S",
    "MAX_ROOMS",
    "MAX_STATE_BYTES",
]

logger = logging.getLogger(__name__)

#: An idle room (no publish) is forgotten after this many seconds (12 hours).
ROOM_TTL_S = 12 * 3600
#: Rooms one in-process channel keeps at most (the oldest idle one is dropped first).
MAX_ROOMS = 500
#: Largest published state, as JSON.
MAX_STATE_BYTES = 16_000

_ROOM_RE = re.compile(r"^[A-Za-z0-9_-]{6,32}$")
_KEY_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def valid_room(room: object) -> bool:
    """True for a well-formed room id (what a hand-edited link may carry is checked here)."""
    return isinstance(room, str) and bool(_ROOM_RE.match(room))


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _encode(state: Mapping) -> str:
    text = json.dumps(dict(state), sort_keys=True, separators=(",", ":"))
    if len(text) > MAX_STATE_BYTES:
        raise ValueError(
            f"a published state may have at most {MAX_STATE_BYTES} bytes, got {len(text)}")
    return text


@dataclass(frozen=True)
class Snapshot:
    """The latest state of a room: its version (1, 2, … per publish) and the settings."""

    version: int
    state: dict
    published_at: float


class StateChannel(Protocol):
    """What the presenter and audience callbacks need from a channel."""

    def open_room(self) -> tuple[str, str]:
        """A new room: ``(room id, presenter key)``."""

    def publish(self, room: str, key: str, state: Mapping) -> int:
        """Make ``state`` the room's latest; returns its version.  PermissionError for a
        wrong key, KeyError for an unknown (or expired) room."""

    def latest(self, room: str) -> Snapshot | None:
        """The room's latest state, or None (no such room, or nothing published yet)."""

    def wait(self, room: str, since: int, timeout: float) -> Snapshot | None:
        """The room's latest state as soon as its version is above ``since``, waiting at most
        ``timeout`` seconds; then the latest state, whatever its version (or None)."""

    def close(self) -> None:
        """Release threads and connections (and wake every waiting request)."""


class _Changes:
    """Wakes the requests waiting for a newer state when a room changes in this process."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._closed = False

    def notify(self) -> None:
        with self._cond:
            self._cond.notify_all()

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def wait_for(self, newer, timeout: float):
        """``newer()`` (a snapshot, or None) once it is not None, or after ``timeout``
        seconds (None), or when the channel closes (None)."""
        deadline = time.monotonic() + max(0.0, float(timeout))
        with self._cond:
            while True:
                found = newer()
                if found is not None:
                    return found
                left = deadline - time.monotonic()
                if left <= 0 or self._closed:
                    return None
                self._cond.wait(left)


def _new_ids() -> tuple[str, str]:
    return secrets.token_urlsafe(8), secrets.token_urlsafe(18)


class InProcessChannel:
    """Rooms in this process's memory."""

    def __init__(self, ttl_s: float = ROOM_TTL_S, max_rooms: int = MAX_ROOMS, clock=time.time):
        self._ttl = float(ttl_s)
        self._max = int(max_rooms)
        self._clock = clock
        self._lock = threading.Lock()
        # room -> [key digest, version, state, published_at, touched_at]
        self._rooms: dict[str, list] = {}
        self._changes = _Changes()

    def _expire(self, now: float) -> None:
        for room in [r for r, v in self._rooms.items() if now - v[4] > self._ttl]:
            del self._rooms[room]
        while len(self._rooms) >= self._max:
            oldest = min(self._rooms, key=lambda r: self._rooms[r][4])
            del self._rooms[oldest]

    def open_room(self) -> tuple[str, str]:
        room, key = _new_ids()
        now = self._clock()
        with self._lock:
            self._expire(now)
            self._rooms[room] = [_digest(key), 0, None, 0.0, now]
        return room, key

    def publish(self, room: str, key: str, state: Mapping) -> int:
        text = _encode(state)
        now = self._clock()
        with self._lock:
            entry = self._rooms.get(room) if valid_room(room) else None
            if entry is None or now - entry[4] > self._ttl:
                raise KeyError(f"no presenter room {room!r} (it may have expired)")
            if not (isinstance(key, str) and hmac.compare_digest(entry[0], _digest(key))):
                raise PermissionError("wrong presenter key for this room")
            entry[4] = now
            state = json.loads(text)
            if entry[2] == state:
                return entry[1]  # already the room's state
            entry[1] += 1
            entry[2] = state
            entry[3] = now
            version = entry[1]
        self._changes.notify()
        return version

    def latest(self, room: str) -> Snapshot | None:
        if not valid_room(room):
            return None
        with self._lock:
            entry = self._rooms.get(room)
            if entry is None or entry[2] is None or self._clock() - entry[4] > self._ttl:
                return None
            return Snapshot(entry[1], dict(entry[2]), entry[3])

    def wait(self, room: str, since: int, timeout: float) -> Snapshot | None:
        def newer():
            snap = self.latest(room)
            return snap if snap is not None and snap.version > since else None

        return self._changes.wait_for(newer, timeout) or self.latest(room)

    def close(self) -> None:
        with self._lock:
            self._rooms.clear()
        self._changes.close()


class RedisChannel:
    """Rooms in Redis, announced over pub/sub; answers polls from a local copy.

    Keys: ``<prefix>room:<id>`` is a hash {key, version, state, at} with a TTL renewed on
    every publish; each publish is announced on ``<prefix>room:<id>`` (pub/sub) with the
    version and the state, which every process's subscriber thread copies into memory.
    """

    # Atomic publish: check the key digest, renew the TTL; unless the state is the stored one,
    # bump the version, store and announce.
    _PUBLISH = """
    local stored = redis.call('HGET', KEYS[1], 'key')
    if not stored then return -1 end
    if stored ~= ARGV[1] then return -2 end
    if redis.call('HGET', KEYS[1], 'state') == ARGV[2] then
        redis.call('EXPIRE', KEYS[1], ARGV[4])
        return tonumber(redis.call('HGET', KEYS[1], 'version'))
    end
    local version = redis.call('HINCRBY', KEYS[1], 'version', 1)
    redis.call('HSET', KEYS[1], 'state', ARGV[2], 'at', ARGV[3])
    redis.call('EXPIRE', KEYS[1], ARGV[4])
    redis.call('PUBLISH', KEYS[1], cjson.encode({version = version, state = ARGV[2], at = ARGV[3]}))
    return version
    """

    def __init__(self, url: str, prefix: str = "spinglass:", ttl_s: int = ROOM_TTL_S,
                 max_rooms: int = MAX_ROOMS, client=None):
        import redis  # noqa: PLC0415 - only in the Redis deployment

        self._redis = client if client is not None else redis.Redis.from_url(url)
        self._prefix = prefix
        self._ttl = int(ttl_s)
        self._max = int(max_rooms)
        self._script = self._redis.register_script(self._PUBLISH)
        self._lock = threading.Lock()
        self._cache: dict[str, Snapshot] = {}
        self._checked: dict[str, float] = {}
        self._pubsub = None
        self._thread = None
        self._changes = _Changes()

    def _subscribe(self) -> None:
        """Start the subscriber on first use, so that building the app (or a process that never
        presents) needs no Redis; a failed attempt is retried on the next use."""
        if self._thread is not None:
            return
        with self._lock:
            if self._thread is not None:
                return
            pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
            pubsub.psubscribe(**{f"{self._prefix}room:*": self._on_message})
            self._pubsub = pubsub
            self._thread = pubsub.run_in_thread(sleep_time=0.5, daemon=True)

    def _name(self, room: str) -> str:
        return f"{self._prefix}room:{room}"

    def _on_message(self, message) -> None:
        try:
            channel = message["channel"]
            channel = channel.decode() if isinstance(channel, bytes) else channel
            room = channel[len(self._prefix) + len("room:"):]
            body = json.loads(message["data"])
            snap = Snapshot(int(body["version"]), json.loads(body["state"]), float(body["at"]))
        except Exception:  # noqa: BLE001 - a malformed message must not stop the thread
            logger.exception("malformed presenter message")
            return
        self._remember(room, snap)

    def _remember(self, room: str, snap: Snapshot) -> None:
        with self._lock:
            old = self._cache.get(room)
            newer = old is None or snap.version > old.version
            if newer:
                if old is None and len(self._cache) >= self._max:
                    self._cache.pop(next(iter(self._cache)))
                self._cache[room] = snap
        if newer:
            self._changes.notify()

    def open_room(self) -> tuple[str, str]:
        self._subscribe()
        room, key = _new_ids()
        self._redis.hset(self._name(room), mapping={"key": _digest(key), "version": 0})
        self._redis.expire(self._name(room), self._ttl)
        return room, key

    def publish(self, room: str, key: str, state: Mapping) -> int:
        text = _encode(state)
        if not valid_room(room):
            raise KeyError(f"no presenter room {room!r}")
        if not (isinstance(key, str) and _KEY_RE.match(key)):
            raise PermissionError("wrong presenter key for this room")
        self._subscribe()
        now = time.time()
        version = int(self._script(keys=[self._name(room)],
                                   args=[_digest(key), text, repr(now), self._ttl]))
        if version == -1:
            raise KeyError(f"no presenter room {room!r} (it may have expired)")
        if version == -2:
            raise PermissionError("wrong presenter key for this room")
        with self._lock:
            old = self._cache.get(room)
        if old is None or old.version < version:
            self._remember(room, Snapshot(version, json.loads(text), now))
        return version

    #: Seconds a room's local copy is trusted without asking Redis (a safety net for a
    #: missed pub/sub message; the subscriber normally keeps the copy current).
    RECHECK_S = 2.0

    def latest(self, room: str) -> Snapshot | None:
        if not valid_room(room):
            return None
        self._subscribe()
        now = time.monotonic()
        with self._lock:
            snap = self._cache.get(room)
            fresh = now - self._checked.get(room, -1e9) < self.RECHECK_S
        if snap is not None and fresh:
            return snap
        stored = self._redis.hgetall(self._name(room))
        with self._lock:
            if len(self._checked) >= self._max and room not in self._checked:
                self._checked.pop(next(iter(self._checked)))
            self._checked[room] = now
        if not stored or b"state" not in stored:
            return snap
        stored_snap = Snapshot(int(stored[b"version"]), json.loads(stored[b"state"]),
                               float(stored[b"at"]))
        self._remember(room, stored_snap)
        with self._lock:
            return self._cache.get(room)

    def wait(self, room: str, since: int, timeout: float) -> Snapshot | None:
        first = self.latest(room)  # asks Redis when the local copy may be stale
        if first is not None and first.version > since:
            return first

        def newer():
            with self._lock:
                snap = self._cache.get(room)
            return snap if snap is not None and snap.version > since else None

        return self._changes.wait_for(newer, timeout) or self.latest(room)

    def close(self) -> None:
        self._changes.close()
        try:
            if self._thread is not None:
                self._thread.stop()
                self._thread.join(timeout=2)
                self._pubsub.close()
        finally:
            self._redis.close()


def make_channel(redis_url: str | None = None) -> StateChannel:
    """The channel of a deployment: Redis with ``REDIS_URL``, else in-process."""
    if redis_url:
        return RedisChannel(redis_url)
    return InProcessChannel()
