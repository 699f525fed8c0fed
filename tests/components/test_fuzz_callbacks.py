"""Every callback of the page, fed arbitrary values through the Flask test client.

Values: None, booleans, integers up to 400 digits, floats including NaN, ±inf and
subnormals, strings, and lists and dicts nesting them; settings stores get real keys with
arbitrary values.  A request must give 200 (the page shows a message), 204 (nothing to
update) or 400 (the edge refused it with one log line) -- never a 500 or a logged
traceback.  Background callbacks are fuzzed in-request (a page without a job manager),
so no job processes are started; the PDF export is left out (it starts Chromium).
"""

from __future__ import annotations

import json
import logging
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from components.settings import Settings
from components.state import default_state
from tests.components.dash_payload import make_payload

KEYS = sorted(default_state())

leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**400), max_value=10**400),
    st.sampled_from([0, 1, -1, 2**31, 2**63, 10**309, -(10**309)]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([math.nan, math.inf, -math.inf, 5e-324, 1e308, -0.0]),
    st.text(max_size=40),
    st.sampled_from(["", "nan", "inf", "1e400", "custom", "relu", "lab", "-1", "0x10", "1_000", "\x00"]),
)
values = st.recursive(
    leaves,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=8,
)
stores = st.dictionaries(st.sampled_from(KEYS + ["tab", "zz"]), values, max_size=12)
anything = st.one_of(values, stores)


def _client_and_deps(app):
    client = app.server.test_client()
    deps = client.get("/_dash-dependencies").get_json()
    usable = [d for d in deps if not d.get("clientside_function") and "pdf" not in d["output"]]
    return client, usable


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    """The whole page (analytic views, sync) and the job views without a job manager."""
    from app import create_app
    from tests.integration.one_view import one_view_app

    folder = tmp_path_factory.mktemp("fuzz")
    settings_ = Settings(cache_type="SimpleCache", cache_dir=str(folder / "c"))
    full = create_app(settings_)
    out = []
    client, deps = _client_and_deps(full)
    out.append((client, [d for d in deps if not d.get("background")]))
    for name in ("lab", "effect"):
        app = one_view_app(name, {**default_state(), "tab": name}, settings_, None)
        from components.edge import register_edge

        register_edge(app, settings_)
        out.append(_client_and_deps(app))
    return out


def _post(client, dep, draw_value, data):
    keys = [f"{i['id']}.{i['property']}" for i in dep["inputs"] + dep["state"]]
    chosen = {k: data.draw(stores if k.endswith(".data") else anything, label=k) for k in keys}
    changed = [data.draw(st.sampled_from(keys[: len(dep["inputs"])] or keys), label="trigger")]
    body = json.dumps(make_payload(dep, chosen, changed), allow_nan=True)
    return client.post("/_dash-update-component", data=body, content_type="application/json")


def _check(response, caplog, dep):
    assert response.status_code in (200, 204, 400), (dep["output"][:80], response.status_code, response.data[:300])
    tracebacks = [r for r in caplog.records if r.exc_info and r.levelno >= logging.ERROR]
    assert not tracebacks, [r.getMessage() for r in tracebacks]


def _one_random_request(pages, data, caplog) -> None:
    """Any page, any of its callbacks, values drawn by ``data``: never a server error."""
    client, deps = data.draw(st.sampled_from(pages), label="page")
    dep = data.draw(st.sampled_from(deps), label="callback")
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        response = _post(client, dep, values, data)
    _check(response, caplog, dep)


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(data=st.data())
def test_any_values_for_any_callback_never_give_a_server_error(pages, data, caplog):
    _one_random_request(pages, data, caplog)


@pytest.mark.slow
@settings(max_examples=500, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_many_values_for_any_callback_never_give_a_server_error(pages, data, caplog):
    _one_random_request(pages, data, caplog)


EXTREMES = [None, True, 10**310, -(10**310), math.nan, math.inf, -math.inf, 5e-324, "1e400", "", [], {},
            [[[[[1]]]]], {"H": 10**310}, {"H": math.nan, "mu": "x", "sigma": [1], "knots": {"a": 1}}]


@pytest.mark.parametrize("value", EXTREMES, ids=[repr(v)[:20] for v in EXTREMES])
def test_every_callback_takes_each_extreme_value(pages, value, caplog):
    for client, deps in pages:
        for dep in deps:
            keys = [f"{i['id']}.{i['property']}" for i in dep["inputs"] + dep["state"]]
            body = json.dumps(make_payload(dep, {k: value for k in keys}), allow_nan=True)
            caplog.clear()
            with caplog.at_level(logging.WARNING):
                response = client.post("/_dash-update-component", data=body, content_type="application/json")
            _check(response, caplog, dep)
