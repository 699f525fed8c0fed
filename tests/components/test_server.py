"""The app over HTTP (Flask test client): forged callback payloads, /health, the page."""

from __future__ import annotations

import json
import math

import pytest

from components import ids
from components.export import read_csv
from components.settings import VERSION
from compute import complexity
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
    for cid in (
        ids.DEPTH,
        ids.COMPLEXITY_GRAPH,
        ids.ENERGY_TABLE,
        ids.ACTIVATION_GRAPH,
        ids.NOTICE,
    ):
        assert cid in text


def test_complexity_callback_over_http(client, deps):
    dep = find_callback(deps, ids.COMPLEXITY_GRAPH)
    r = post_callback(client, dep, {f"{ids.COMPLEXITY_STATE}.data": {"H": 4, "K": 3}})
    assert r.status_code == 200
    resp = r.get_json()["response"]
    assert len(resp[ids.COMPLEXITY_GRAPH]["figure"]["data"]) == 5
    e0 = format(complexity.ground_state_energies(4, 0)[0], "#.6g")
    assert f'id="{ids.E0_VALUE}">{e0}<' in " ".join(_strings(resp[ids.ENERGY_TABLE]))


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
    state = {
        "H": 3,
        "activation": "custom",
        "param": None,
        "pieces": 4,
        "mu": 0,
        "sigma": 1,
        "knots": "0, 0\nexec('x'), 1",
    }
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
    cache_dir = tmp_path / "cache" / "results"
    before = set(cache_dir.iterdir()) if cache_dir.exists() else set()
    first = post_callback(client, dep, {f"{ids.COMPLEXITY_STATE}.data": {"H": 6, "K": 2}})
    after = set(cache_dir.iterdir())
    assert len(after - before) >= 1
    second = post_callback(client, dep, {f"{ids.COMPLEXITY_STATE}.data": {"H": 6, "K": 2}})
    assert json.loads(first.data) == json.loads(second.data)


# ---------------------------------------------------------------------------------------
# The views, the address bar and the exports over HTTP
# ---------------------------------------------------------------------------------------

VIEW_OUTPUTS = [
    (ids.LAYERED_STATE, "layered-k-graph", ids.LAYERED_ALERT),
    (ids.FINITE_STATE, "finite-graph", ids.FINITE_ALERT),
    (ids.ACTIVATION_STATE, ids.ACTIVATION_GRAPH, ids.ACTIVATION_ALERT),
]


@pytest.mark.parametrize("store,graph,alert", VIEW_OUTPUTS)
@pytest.mark.parametrize("bad", [99, "abc", None, [1, 2], -5, True])
def test_forged_payload_of_every_view_gives_200_and_a_message(
    client, deps, store, graph, alert, bad
):
    dep = find_callback(deps, graph)
    r = post_callback(client, dep, {f"{store}.data": {"H": bad, "N": bad, "seed": bad}})
    assert r.status_code == 200
    resp = r.get_json()["response"]
    assert any("Depth H" in s for s in _strings(resp[alert]))
    assert resp[graph]["figure"]["data"]


def test_forged_address_bar_gives_200_and_a_notice(client, deps):
    dep = find_callback(deps, ids.SETTINGS)
    for search in ("?H=abc&K=-4&x=1", "?" + "H=1&" * 5000, "not a query", 12345):
        r = post_callback(client, dep, {f"{ids.URL}.search": search}, [f"{ids.URL}.search"])
        assert r.status_code == 200
        resp = r.get_json()["response"]
        assert resp[ids.NOTICE]["children"]
        assert 2 <= resp[ids.SETTINGS]["data"]["H"] <= 12


def test_the_address_bar_opens_the_linked_state(client, deps):
    dep = find_callback(deps, ids.SETTINGS)
    r = post_callback(client, dep, {f"{ids.URL}.search": "?H=7&tab=layered"}, [f"{ids.URL}.search"])
    resp = r.get_json()["response"]
    assert resp[ids.SETTINGS]["data"]["H"] == 7
    assert resp[ids.LAYERED_STATE]["data"]["H"] == 7  # the visible view gets its slice
    assert ids.COMPLEXITY_STATE not in resp  # the hidden one does not


def test_forged_export_requests_give_200(client, deps):
    for plot in ("complexity", "finite"):
        button, download = f"{plot}-export-csv", f"{plot}-download-csv"
        dep = find_callback(deps, download)
        r = post_callback(
            client, dep, {f"{button}.n_clicks": 1, f"{ids.SETTINGS}.data": {"H": "x", "N": 1e12}}
        )
        assert r.status_code == 200
        content = r.get_json()["response"][download]["data"]["content"]
        doc = read_csv(content)
        assert doc.header["Depth H"] == "3" and doc.header["link"].startswith("http://")
        assert (doc.header.get("Number of weights N") == "1000000") == (plot == "finite")


def _layout_values(client) -> dict:
    """``"id.prop" -> value`` of every component prop in the initial layout."""
    values = {}

    def walk(node):
        if isinstance(node, dict):
            props = node.get("props")
            if isinstance(props, dict) and isinstance(props.get("id"), str):
                for key, value in props.items():
                    values[f"{props['id']}.{key}"] = value
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(client.get("/_dash-layout").get_json())
    return values


_SLICES = {ids.view_state(view): view for view in ids.VIEW_STATES}


def _server_callbacks_reading_settings(deps):
    """Server callbacks fed by the settings: the view callbacks, through their slice stores."""
    return [
        d
        for d in deps
        if not d.get("clientside_function")
        and any(i["id"] in _SLICES for i in d["inputs"])
    ]


@pytest.mark.parametrize(
    "preset", [p.name for p in __import__("components.presets", fromlist=["PRESETS"]).PRESETS]
)
def test_every_tab_serves_every_preset(client, deps, preset):
    """Each callback that reads the settings store (all tabs) answers 200 for each preset."""
    from components.presets import apply_preset
    from components.state import default_state, resolve_range, sanitize, view_slice

    state = resolve_range(sanitize(apply_preset(default_state(), preset))[0])
    callbacks = _server_callbacks_reading_settings(deps)
    assert len(callbacks) >= 2
    initial = _layout_values(client)
    slices = {f"{store}.data": view_slice(state, view) for store, view in _SLICES.items()}
    for dep in callbacks:
        values = {**initial, f"{ids.SETTINGS}.data": state, **slices}
        changed = [f"{i['id']}.{i['property']}" for i in dep["inputs"] if i["id"] in _SLICES]
        r = post_callback(client, dep, values, changed)
        assert r.status_code in (200, 204), (
            f"{dep['output'][:60]} answered {r.status_code} for {preset}"
        )
