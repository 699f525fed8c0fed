"""The presenter's state channel: in-process and Redis implementations of one interface."""

from __future__ import annotations

import shutil
import socket
import subprocess
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
