"""Presenting: the audience's room route (waiting for a newer state, a bounded number of
waiting requests per process) and what the settings callback shows on a presenting page."""

from __future__ import annotations

import threading
import time

import pytest
from dash import Dash, html, no_update

from components.channel import InProcessChannel
from components.presenter import MAX_WAIT_S, presenter_outputs, register_presenter, room_state
from components.state import default_state


@pytest.fixture
def room():
    ch = InProcessChannel()
    room_id, key = ch.open_room()
    yield ch, room_id, key
    ch.close()


def _publish_soon(ch, room_id, key, state, delay=0.3):
    timer = threading.Timer(delay, lambda: ch.publish(room_id, key, state))
    timer.start()
    return timer


def test_prs001_room_state_answers_at_once_when_it_may_not_wait(room):
    ch, room_id, key = room
    assert room_state(ch, "no room!", "0", "5", threading.BoundedSemaphore(1))[0] == 404
    assert room_state(ch, room_id, "0", "0", None) == (204, None, False)
    ch.publish(room_id, key, {"H": 3})
    status, body, waited = room_state(ch, room_id, "0", "5", threading.BoundedSemaphore(1))
    assert (status, body["version"], body["state"], waited) == (200, 1, {"H": 3}, False)
    # nothing newer and no budget for waiting: answered at once, without waiting
    assert room_state(ch, room_id, "1", "5", None) == (204, None, False)
    full = threading.BoundedSemaphore(1)
    full.acquire()
    assert room_state(ch, room_id, "1", "5", full) == (204, None, False)


@pytest.mark.parametrize("since, wait", [("x", "y"), ("", "nan"), ("-3", "-1"), (None, None),
                                         ("1e9", "inf")])
def test_prs002_bad_numbers_in_the_query_are_harmless(room, since, wait):
    ch, room_id, key = room
    ch.publish(room_id, key, {"H": 3})
    slots = threading.BoundedSemaphore(1)
    timer = _publish_soon(ch, room_id, key, {"H": 4}, delay=0.2)  # ends an infinite wait
    try:
        status, body, _ = room_state(ch, room_id, since, wait, slots)
    finally:
        timer.join()
    assert status in (200, 204)
    assert slots.acquire(blocking=False)  # the slot was given back


def test_prs003_a_waiting_request_returns_the_state_published_meanwhile(room):
    ch, room_id, key = room
    ch.publish(room_id, key, {"H": 3})
    slots = threading.BoundedSemaphore(1)
    timer = _publish_soon(ch, room_id, key, {"H": 7})
    try:
        status, body, waited = room_state(ch, room_id, "1", str(MAX_WAIT_S), slots)
    finally:
        timer.join()
    assert (status, body["version"], body["state"]["H"], waited) == (200, 2, 7, True)
    # a wait that sees no publish ends with 204 (and says it waited)
    assert room_state(ch, room_id, "2", "0.05", slots) == (204, None, True)


def _client(ch, waiters):
    app = Dash(__name__)
    app.layout = html.Div()
    register_presenter(app, ch, waiters=waiters)
    return app.server.test_client()


def test_prs004_route_headers_tell_the_browser_whether_the_request_waited(room):
    ch, room_id, key = room
    ch.publish(room_id, key, {"H": 3})
    client = _client(ch, waiters=2)
    r = client.get(f"/presenter/{room_id}/state?since=0&wait=5")
    assert r.status_code == 200 and r.get_json() == {"version": 1, "state": {"H": 3}}
    assert r.headers["Cache-Control"] == "no-store" and "X-Follow-Waited" not in r.headers
    r = client.get(f"/presenter/{room_id}/state?since=1&wait=0.05")
    assert r.status_code == 204 and r.headers["X-Follow-Waited"] == "1"
    r = client.get(f"/presenter/{room_id}/state?since=1")  # the old polling request
    assert r.status_code == 204 and "X-Follow-Waited" not in r.headers
    assert client.get("/presenter/x/state").status_code == 404
    # a process that lets no request wait answers at once, without the header
    r = _client(ch, waiters=0).get(f"/presenter/{room_id}/state?since=1&wait=5")
    assert r.status_code == 204 and "X-Follow-Waited" not in r.headers


def test_prs005_the_budget_of_waiting_requests_is_per_process(room):
    ch, room_id, key = room
    ch.publish(room_id, key, {"H": 3})
    slots = threading.BoundedSemaphore(1)
    first = []
    thread = threading.Thread(
        target=lambda: first.append(room_state(ch, room_id, "1", "60", slots)), daemon=True)
    thread.start()
    time.sleep(0.3)
    assert thread.is_alive()
    # the one slot is taken: the next request is answered at once
    assert room_state(ch, room_id, "1", "60", slots) == (204, None, False)
    ch.publish(room_id, key, {"H": 8})
    thread.join(30)
    assert first[0][0] == 200 and first[0][2] is True


def test_prs006_presenter_outputs_publish_and_show_notes_only_when_presenting(room):
    ch, room_id, key = room
    state = default_state()
    assert presenter_outputs(ch, None, state) == {
        "presenter_status": no_update, "notes_title": no_update, "notes": no_update}
    assert presenter_outputs(ch, {"room": room_id}, None)["notes"] is no_update
    assert ch.latest(room_id) is None
    presenter = {"room": room_id, "key": key, "shown": True}
    out = presenter_outputs(ch, presenter, state)
    assert ch.latest(room_id).version == 1 and ch.latest(room_id).state["tab"] == state["tab"]
    assert "update 1" in out["presenter_status"]
    assert out["notes_title"].startswith("Speaker notes") and out["notes"]
    # the same settings again (the presenter's status callback, a reload): no new step
    assert "update 1" in presenter_outputs(ch, presenter, dict(state))["presenter_status"]
    wrong = presenter_outputs(ch, {**presenter, "key": "k" * 24}, state)
    assert "key does not open" in wrong["presenter_status"]


def test_prs007_a_failing_channel_does_not_break_the_presenters_page(room):
    _, room_id, key = room

    class Broken(InProcessChannel):
        def publish(self, room, key, state):
            raise ConnectionError("no Redis")

    out = presenter_outputs(Broken(), {"room": room_id, "key": key}, default_state())
    assert "cannot be reached" in out["presenter_status"]
    assert out["notes"]
