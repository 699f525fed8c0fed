"""The HTTP edge: limits, malformed requests, error pages, security headers, no versions."""

from __future__ import annotations

import json
import logging

import pytest

from components import edge, ids
from components.edge import MAX_BODY_BYTES, _json_depth_ok
from tests.components.dash_payload import find_callback, make_payload


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    from app import create_app
    from components.settings import Settings

    app = create_app(Settings(cache_dir=str(tmp_path_factory.mktemp("edge") / "c")))
    return app.server.test_client()


@pytest.fixture(scope="module")
def deps(client):
    return client.get("/_dash-dependencies").get_json()


def _post(client, body: bytes | str):
    return client.post("/_dash-update-component", data=body, content_type="application/json")


def _refusals(caplog):
    return [r for r in caplog.records if r.name == "components.edge"]


def test_page_has_security_headers_that_dash_tolerates(client):
    r = client.get("/")
    h = r.headers
    assert r.status_code == 200
    assert h["X-Content-Type-Options"] == "nosniff"
    assert h["Referrer-Policy"] == "same-origin"
    csp = h["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'self'" in csp and "object-src 'none'" in csp
    assert "'unsafe-eval'" not in csp and "script-src 'self' 'sha256-" in csp
    assert "''" not in csp
    assert h["X-Frame-Options"] == "SAMEORIGIN"
    for path in ("/health", "/_dash-layout", "/_dash-dependencies"):
        assert client.get(path).headers["X-Content-Type-Options"] == "nosniff"


def test_frame_ancestors_come_from_the_environment(tmp_path):
    from app import create_app
    from components.settings import Settings

    s = Settings.from_env({"CACHE_DIR": str(tmp_path / "c"), "FRAME_ANCESTORS": "'self' https://slides.example.org"})
    h = create_app(s).server.test_client().get("/").headers
    assert "frame-ancestors 'self' https://slides.example.org" in h["Content-Security-Policy"]
    assert "X-Frame-Options" not in h  # the CSP alone decides who may embed the page


def test_no_versions_in_headers_or_page_config(client):
    r = client.get("/")
    text = r.data.decode()
    config = json.loads(text.split('<script id="_dash-config" type="application/json">')[1].split("</script>")[0])
    for key in ("dash_version", "python_version", "plotly_version", "dash_version_url"):
        assert key not in config
    import sys

    assert sys.version.split()[0] not in text
    assert "Werkzeug" not in r.headers.get("Server", "") and "Python" not in r.headers.get("Server", "")


def test_dev_server_header_names_no_versions():
    from werkzeug.serving import WSGIRequestHandler

    edge.quiet_dev_server()
    assert "Werkzeug" not in WSGIRequestHandler.server_version
    assert WSGIRequestHandler.sys_version == ""


def test_oversized_body_is_413_without_reading_it(client, caplog):
    with caplog.at_level(logging.WARNING):
        r = _post(client, b"{" + b" " * (MAX_BODY_BYTES + 10) + b"}")
    assert r.status_code == 413
    assert len(_refusals(caplog)) == 1 and not any(rec.exc_info for rec in caplog.records)


def test_body_limit_is_far_above_the_largest_real_request(client, deps):
    knots = "\n".join(f"{z / 7:.17g}, {z / 9:.17g}" for z in range(-32, 32))
    dep = find_callback(deps, ids.SETTINGS)
    values = {f"{ids.KNOTS}.value": knots, f"{ids.URL}.search": "?" + "H=3&" * 1000}
    body = json.dumps(make_payload(dep, values)).encode()
    assert len(body) * 10 < MAX_BODY_BYTES
    assert _post(client, body).status_code == 200


@pytest.mark.parametrize(
    "body, code",
    [
        ("[" * 100_000 + "]" * 100_000, 400),
        ('{"a":' * 100 + "1" + "}" * 100, 400),
        ("not json", 400),
        ("{}", 400),
        ("[]", 400),
        ('{"output": 1}', 400),
        ('{"output": "nope.children", "outputs": {}, "inputs": []}', 400),
        ("\x00\xff", 400),
    ],
    ids=["nested-1e5", "nested-100", "not-json", "empty-object", "array", "output-int", "unknown-output", "binary"],
)
def test_malformed_bodies_are_400_with_one_line(client, caplog, body, code):
    with caplog.at_level(logging.WARNING):
        r = _post(client, body)
    assert r.status_code == code
    assert b"Traceback" not in r.data
    assert len(_refusals(caplog)) == 1
    assert not any(rec.exc_info for rec in caplog.records)


def test_malformed_envelope_of_a_real_callback_is_400(client, deps, caplog):
    dep = find_callback(deps, ids.COMPLEXITY_GRAPH)
    good = make_payload(dep, {f"{ids.COMPLEXITY_STATE}.data": {"H": 4, "K": 2}})
    bad = [
        {**good, "inputs": "x"},
        {**good, "inputs": [1, 2]},
        {**good, "inputs": [{"id": 5, "property": "data"}]},
        {**good, "state": {"a": 1}},
        {**good, "outputs": 7},
        {**good, "changedPropIds": [1]},
        {k: v for k, v in good.items() if k != "inputs"},
    ]
    for body in bad:
        caplog.clear()
        with caplog.at_level(logging.WARNING):
            r = _post(client, json.dumps(body))
        assert r.status_code == 400, body
        assert not any(rec.exc_info for rec in caplog.records)


@pytest.mark.parametrize("digits", [310, 5000])
def test_giant_json_integers_are_settings_messages_not_errors(client, deps, digits):
    dep = find_callback(deps, ids.COMPLEXITY_GRAPH)
    body = json.dumps(make_payload(dep, {f"{ids.COMPLEXITY_STATE}.data": {"H": 4, "K": 2}}))
    body = body.replace('"H": 4', '"H": ' + "9" * digits)
    r = _post(client, body)
    assert r.status_code in (200, 400)
    assert r.status_code == 200  # the page repairs H with a visible message


@pytest.mark.parametrize(
    "path",
    [
        "/_dash-component-suites/dash/../../etc/passwd",
        "/_dash-component-suites/nope/x.js",
        "/_dash-component-suites/dash/dcc/nope.js",
        "/_dash-component-suites/dash/x",
        "/_dash-component-suites/plotly/%2e%2e/%2e%2e/app.py",
    ],
)
def test_bad_component_suite_paths_are_404_with_one_line(client, caplog, path):
    with caplog.at_level(logging.WARNING):
        r = client.get(path)
    assert r.status_code in (404, 400)
    assert len(_refusals(caplog)) == 1 and not any(rec.exc_info for rec in caplog.records)
    assert b"registered paths" not in r.data


def test_wrong_method_is_a_short_page(client):
    r = client.delete("/health")
    assert r.status_code == 405 and len(r.data) < 200


def test_depth_scan_ignores_brackets_in_strings():
    assert _json_depth_ok(b'{"a": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\\"[[[[[[["}', 3)
    assert not _json_depth_ok(b"[[[[" + b"1" + b"]]]]", 3)
    assert _json_depth_ok(b'["\\\\", ["x"]]', 2)


def test_long_permalink_of_many_repeated_keys_gives_few_notices(client, deps):
    dep = find_callback(deps, ids.NOTICE)
    search = "?" + "&".join(["H=3"] * 3000 + [f"zz{i}=1" for i in range(500)])
    assert len(search) > 15_000
    r = _post(client, json.dumps(make_payload(dep, {f"{ids.URL}.search": search}, [f"{ids.URL}.search"])))
    assert r.status_code == 200
    assert len(r.data) < 60_000
    notice = json.dumps(r.get_json()["response"].get(ids.NOTICE, ""))
    assert notice.count("more than once") == 1
    assert notice.count("is unknown") <= 5 and "495 more" in notice
