"""The app over HTTP (Flask test client): forged callback payloads, /health, the page."""

from __future__ import annotations

import json
import math

import pytest

from compute import complexity
from components import ids
from components.settings import VERSION
from tests.components.dash_payload import find_callback, post_callback


@pytest.fixture
def client(make_app):
    return make_app().server.test_client()


@pytest.fixture
def deps(client):
    response = client.get("/_dash-dependencies")
    assert response.status_code == 200
    return response.get_json()


def _strings(node) -> list[str]:
    """All strings inside a JSON response (component children, messages ...)."""
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for v in node.values() for s in _strings(v)]
    if isinstance(node, list):
        return [s for v in node for s in _strings(v)]
    return []


def test_health(client):
    response = client.get("/health")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok" and body["version"] == VERSION


def test_page_and_layout_are_served(client):
    page = client.get("/")
    assert page.status_code == 200 and b"_dash-renderer" in page.data
    layout = client.get("/_dash-layout")
    assert layout.status_code == 200
    text = layout.get_data(as_text=True)
    for cid in (ids.DEPTH, ids.COMPLEXITY_GRAPH, ids.ENERGY_TABLE, ids.ACTIVATION_GRAPH, ids.NOTICE):
        assert cid in text


def test_complexity_callback_over_http(client, deps):
    dep = find_callback(deps, ids.COMPLEXITY_GRAPH)
    r = post_callback(client, dep, {f"{ids.COMPLEXITY_STATE}.data": {"H": 4, "K": 3}})
    assert r.status_code == 200
    resp = r.get_json()["response"]
    assert len(resp[ids.COMPLEXITY_GRAPH]["figure"]["data"]) == 5
    e0 = format(complexity.ground_state_energies(4, 0)[0], "#.6g")
    assert e0 in _strings(resp[ids.ENERGY_TABLE])


FORGED = [99, "abc", None, math.nan, [1, 2], {"a": 1}, -5, 1e300, "12; DROP TABLE", True]


@pytest.mark.parametrize("bad", FORGED, ids=[repr(b)[:15] for b in FORGED])
def test_forged_view_payload_gives_200_and_a_message(client, deps, bad):
    dep = find_callback(deps, ids.COMPLEXITY_GRAPH)
    r = post_callback(client, dep, {f"{ids.COMPLEXITY_STATE}.data": {"H": bad, "K": 5}})
    assert r.status_code == 200
    resp = r.get_json()["response"]
    assert any("Depth H" in s for s in _strings(resp[ids.COMPLEXITY_ALERT]))
    assert resp[ids.COMPLEXITY_GRAPH]["figure"]["data"]  # a real figure, not a blank one


@pytest.mark.parametrize("bad", FORGED, ids=[repr(b)[:15] for b in FORGED])
def test_forged_control_payload_gives_200_and_a_notice(client, deps, bad):
    dep = find_callback(deps, ids.SETTINGS)
    values = {
        f"{ids.DEPTH}.value": bad,
        f"{ids.MAX_INDEX}.value": bad,
        f"{ids.ACTIVATION}.value": bad,
        f"{ids.ACTIVATION_PARAM}.value": bad,
        f"{ids.PIECES}.value": bad,
        f"{ids.MU}.value": bad,
        f"{ids.SIGMA}.value": bad,
        f"{ids.KNOTS}.value": bad,
        f"{ids.SETTINGS}.data": bad,
    }
    r = post_callback(client, dep, values, [f"{ids.DEPTH}.value"])
    assert r.status_code == 200
    resp = r.get_json()["response"]
    notice = " ".join(_strings(resp[ids.NOTICE]))
    assert "Depth H" in notice and "Activation" in notice
    assert 2 <= resp[ids.SETTINGS]["data"]["H"] <= 12


def test_forged_activation_payload_with_bad_knots(client, deps):
    dep = find_callback(deps, ids.ACTIVATION_GRAPH)
    state = {"H": 3, "activation": "custom", "param": None, "pieces": 4, "mu": 0, "sigma": 1,
             "knots": "0, 0\nexec('x'), 1"}
    r = post_callback(client, dep, {f"{ids.ACTIVATION_STATE}.data": state})
    assert r.status_code == 200
    alert = " ".join(_strings(r.get_json()["response"][ids.ACTIVATION_ALERT]))
    assert "line 2" in alert


def test_unparseable_body_is_not_a_server_error(client):
    r = client.post("/_dash-update-component", data="{not json", content_type="application/json")
    assert r.status_code < 500


def test_results_are_cached_on_disk(make_app, tmp_path):
    app = make_app()
    client = app.server.test_client()
    dep = find_callback(client.get("/_dash-dependencies").get_json(), ids.COMPLEXITY_GRAPH)
    cache_dir = tmp_path / "cache"
    before = set(cache_dir.iterdir()) if cache_dir.exists() else set()
    first = post_callback(client, dep, {f"{ids.COMPLEXITY_STATE}.data": {"H": 6, "K": 2}})
    after = set(cache_dir.iterdir())
    assert len(after - before) >= 1
    second = post_callback(client, dep, {f"{ids.COMPLEXITY_STATE}.data": {"H": 6, "K": 2}})
    assert json.loads(first.data) == json.loads(second.data)
