"""The presenter's state channel: in-process and Redis implementations of one interface."""

from __future__ import annotations

import shutil
import socket
import subprocess
import threading
import time

import pytest

from components.channel import (
    MAX_STATE_BYTES,
    InProcessChannel,
    RedisChannel,
    make_channel,
    valid_room,
)

STATE = {"H": 4, "tab": "finite", "theme": "dark"}


def test_ch001_publish_then_latest_in_process():
    ch = InProcessChannel()
    room, key = ch.open_room()
    assert valid_room(room)
    assert ch.latest(room) is None  # nothing published yet
    assert ch.publish(room, key, STATE) == 1
    assert ch.publish(room, key, {**STATE, "H": 5}) == 2
    snap = ch.latest(room)
    assert snap.version == 2 and snap.state == {**STATE, "H": 5}
    snap.state["H"] = 99  # a copy: the room is not changed through it
    assert ch.latest(room).state["H"] == 5


def test_ch002_only_the_key_publishes_and_rooms_are_separate():
    ch = InProcessChannel()
    room, key = ch.open_room()
    other, other_key = ch.open_room()
    assert room != other and key != other_key
    with pytest.raises(PermissionError):
        ch.publish(room, other_key, STATE)
    with pytest.raises(PermissionError):
        ch.publish(room, "", STATE)
    with pytest.raises(KeyError):
        ch.publish("nosuchroom", key, STATE)
    ch.publish(other, other_key, STATE)
    assert ch.latest(room) is None and ch.latest(other).version == 1


@pytest.mark.parametrize("room", ["", "a", "../etc", "x" * 33, None, 5, "room with space"])
def test_ch003_malformed_room_ids_follow_nothing(room):
    ch = InProcessChannel()
    assert not valid_room(room)
    assert ch.latest(room) is None


def test_ch004_rooms_expire_and_are_bounded():
    now = [1000.0]
    ch = InProcessChannel(ttl_s=60, max_rooms=3, clock=lambda: now[0])
    room, key = ch.open_room()
    ch.publish(room, key, STATE)
    now[0] += 59
    assert ch.latest(room).version == 1  # the last state stays while the room lives
    now[0] += 2
    assert ch.latest(room) is None
    with pytest.raises(KeyError):
        ch.publish(room, key, STATE)
    rooms = [ch.open_room() for _ in range(5)]
    assert len(ch._rooms) <= 3
    newest, newest_key = rooms[-1]
    assert ch.publish(newest, newest_key, STATE) == 1


def test_ch005_oversized_state_is_refused():
    ch = InProcessChannel()
    room, key = ch.open_room()
    with pytest.raises(ValueError, match=str(MAX_STATE_BYTES)):
        ch.publish(room, key, {"knots": "x" * (MAX_STATE_BYTES + 1)})
    assert ch.latest(room) is None


def test_ch007_publishing_the_same_state_again_changes_nothing():
    ch = InProcessChannel()
    room, key = ch.open_room()
    assert ch.publish(room, key, STATE) == 1
    assert ch.publish(room, key, dict(STATE)) == 1
    assert ch.latest(room).version == 1
    assert ch.publish(room, key, {**STATE, "H": 5}) == 2
    assert ch.publish(room, key, STATE) == 3  # back to an earlier state is a new step


def _wait_in_thread(ch, room, since, timeout):
    """Start ``ch.wait`` in a thread; returns (thread, result list)."""
    result = []
    thread = threading.Thread(target=lambda: result.append(ch.wait(room, since, timeout)),
                              daemon=True)
    thread.start()
    return thread, result


def _until_waiting(thread, seconds: float = 0.3) -> None:
    """Give a waiting thread the time to reach its wait (it must still be waiting)."""
    time.sleep(seconds)
    assert thread.is_alive(), "returned before anything was published"


def test_ch008_wait_returns_a_newer_state_at_once_or_when_it_is_published():
    ch = InProcessChannel()
    room, key = ch.open_room()
    ch.publish(room, key, STATE)
    assert ch.wait(room, 0, 60).version == 1  # already newer: no wait
    thread, result = _wait_in_thread(ch, room, 1, 60)
    _until_waiting(thread)
    ch.publish(room, key, {**STATE, "H": 6})
    thread.join(30)
    assert not thread.is_alive(), "the publish did not wake the waiting request"
    assert result[0].version == 2 and result[0].state["H"] == 6


def test_ch009_wait_ends_with_the_latest_state_after_its_timeout_or_on_close():
    ch = InProcessChannel()
    room, key = ch.open_room()
    assert ch.wait(room, 0, 0.05) is None  # nothing published
    ch.publish(room, key, STATE)
    assert ch.wait(room, 1, 0.05).version == 1  # nothing newer: the latest
    assert ch.wait("bad room", 0, 0.05) is None
    other, _ = ch.open_room()
    thread, result = _wait_in_thread(ch, other, 0, 60)
    _until_waiting(thread)
    ch.close()
    thread.join(30)
    assert not thread.is_alive(), "closing the channel did not end the waiting request"
    assert result == [None]


def test_ch006_make_channel_without_redis_is_in_process():
    assert isinstance(make_channel(None), InProcessChannel)
    assert isinstance(make_channel(""), InProcessChannel)


# ---------------------------------------------------------------------------------------
# Redis: a private redis-server on a loopback port.
# ---------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("redis-server is not installed (apt-get install -y redis-server)")
    redis = pytest.importorskip("redis")
    port = _free_port()
    workdir = tmp_path_factory.mktemp("redis")
    proc = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(workdir)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    client = redis.Redis(host="127.0.0.1", port=port)
    deadline = time.time() + 10
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            if time.time() > deadline:
                proc.kill()
                raise
            time.sleep(0.05)
    client.close()
    yield f"redis://127.0.0.1:{port}/0"
    proc.terminate()
    proc.wait(timeout=10)


def test_ch101_redis_reaches_another_process_within_a_second(redis_url):
    presenter = RedisChannel(redis_url, prefix="t1:")
    audience = RedisChannel(redis_url, prefix="t1:")  # another web process
    try:
        room, key = presenter.open_room()
        assert audience.latest(room) is None
        presenter.publish(room, key, STATE)
        start = time.monotonic()
        while audience.latest(room) is None or audience.latest(room).version < 1:
            assert time.monotonic() - start < 10.0, "not delivered"
            time.sleep(0.02)
        presenter.publish(room, key, {**STATE, "H": 7})
        start = time.monotonic()
        while audience.latest(room).version < 2:
            assert time.monotonic() - start < 10.0, "second publish not delivered"
            time.sleep(0.02)
        assert audience.latest(room).state["H"] == 7
        # a process started after the last publish reads the room from Redis
        late = RedisChannel(redis_url, prefix="t1:")
        try:
            assert late.latest(room).version == 2
        finally:
            late.close()
    finally:
        presenter.close()
        audience.close()


def test_ch102_redis_checks_the_key_and_the_room(redis_url):
    ch = RedisChannel(redis_url, prefix="t2:")
    try:
        room, key = ch.open_room()
        _, other_key = ch.open_room()
        with pytest.raises(PermissionError):
            ch.publish(room, other_key, STATE)
        with pytest.raises(PermissionError):
            ch.publish(room, "short", STATE)
        with pytest.raises(KeyError):
            ch.publish("nosuchroom1", key, STATE)
        assert ch.latest(room) is None
        assert ch.publish(room, key, STATE) == 1
        assert ch.latest("bad room") is None
    finally:
        ch.close()


def test_ch103_redis_wait_wakes_on_another_process_publish(redis_url):
    presenter = RedisChannel(redis_url, prefix="t3:")
    audience = RedisChannel(redis_url, prefix="t3:")  # another web process
    try:
        room, key = presenter.open_room()
        assert presenter.publish(room, key, STATE) == 1
        assert presenter.publish(room, key, dict(STATE)) == 1  # the same state: no new step
        assert audience.wait(room, 0, 60).version == 1
        thread, result = _wait_in_thread(audience, room, 1, 60)
        _until_waiting(thread)
        assert presenter.publish(room, key, {**STATE, "H": 9}) == 2
        thread.join(30)
        assert not thread.is_alive(), "the pub/sub message did not wake the waiting request"
        assert result[0].version == 2 and result[0].state["H"] == 9
    finally:
        presenter.close()
        audience.close()
