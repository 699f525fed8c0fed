"""The tables the browser draws from while a slider moves (components/views/redraw.py)."""

from __future__ import annotations

import base64
import gzip
import json
import math

import numpy as np
import pytest

from components.data.analytic import exact_total, finite_grid, loss_window
from components.state import activation_of, default_state
from components.views import analytic as views
from components.views import redraw as tables
from compute import complexity

RENDER = {"complexity": views.render_complexity, "layered": views.render_layered,
          "activation": views.render_activation}


def _no_units(state):
    return None


def _array(values) -> np.ndarray:
    if isinstance(values, dict) and "bdata" in values:
        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=np.dtype(values["dtype"]))
    return np.asarray(values, dtype=float)


def _unpack(bundle: dict, packed: dict) -> dict:
    """What assets/redraw.js does with a packed figure (pool and template references)."""
    data = []
    for trace in packed["data"]:
        trace = dict(trace)
        for axis in ("x", "y"):
            if isinstance(trace.get(axis), dict) and "$" in trace[axis]:
                trace[axis] = _array(bundle["pool"][trace[axis]["$"]])
        data.append(trace)
    layout = dict(packed["layout"])
    layout["template"] = bundle["templates"][layout["template"]["$t"]]
    return {"data": data, "layout": layout}


def _json(value) -> str:
    return json.dumps(value, cls=tables.PlotlyJSONEncoder, sort_keys=True)


def _same_figure(drawn: dict, server: dict, rtol: float) -> None:
    server = json.loads(json.dumps(server, cls=tables.PlotlyJSONEncoder))
    assert len(drawn["data"]) == len(server["data"])
    for a, b in zip(drawn["data"], server["data"]):
        for key in set(a) | set(b):
            if key in ("x", "y") and not isinstance(b[key], list):
                np.testing.assert_allclose(_array(a[key]), _array(b[key]), rtol=rtol, atol=1e-30)
            else:
                assert _json(a.get(key)) == _json(b.get(key)), key
    assert json.loads(json.dumps(drawn["layout"])) == server["layout"]


@pytest.fixture(scope="module")
def complexity_bundle():
    return tables.build_tables("complexity", {**default_state(), "H": 7}, RENDER, _no_units)


@pytest.mark.parametrize("H", [2, 3, 12])
def test_complexity_tables_hold_the_servers_figure_for_every_index(H):
    b = tables.build_tables("complexity", {**default_state(), "H": H}, RENDER, _no_units)
    assert set(b["figures"]) == {str(K) for K in range(11)} and b["H"] == H
    for K in (0, 5, 10):
        server = views.render_complexity(H, K)["figures"]["complexity"]
        _same_figure(_unpack(b, b["figures"][str(K)]["complexity"]), server,
                     rtol=tables.F4_RELATIVE_ERROR)


def test_layered_tables_hold_both_figures(complexity_bundle):
    b = tables.build_tables("layered", {**default_state(), "H": 5, "theme": "dark"}, RENDER,
                            _no_units)
    server = views.render_layered(5, 3, None, "dark")["figures"]
    for plot in ("layered-k", "layered-h"):
        _same_figure(_unpack(b, b["figures"]["3"][plot]), server[plot], rtol=tables.F4_RELATIVE_ERROR)


def test_curves_are_stored_once_and_compressed(complexity_bundle):
    b = complexity_bundle
    # one grid and 12 curves, shared by the 11 figures
    assert len(b["pool"]) == 13
    assert len(b["templates"]) == 1
    body = tables.encode(b)
    assert len(body) < 40_000 < len(gzip.decompress(body))


def test_tables_do_not_depend_on_the_drag_settings():
    base = default_state()
    moved = {**base, "K": 1, "N": 77, "seed": 5}
    for view in tables.TABLE_VIEWS:
        assert tables.coarse_query(view, moved) == tables.coarse_query(view, base)
    ranged = {**base, "u_auto": False, "u_min": -2.0, "u_max": -1.0}
    assert tables.coarse_query("complexity", ranged) == tables.coarse_query("complexity", base)
    assert tables.coarse_query("finite", ranged) != tables.coarse_query("finite", base)
    # one table per depth, except for the activation view (all depths in one)
    for view in ("complexity", "layered", "finite"):
        assert tables.coarse_state(view, {**base, "H": 9})["H"] == 9
    assert "H" not in tables.coarse_state("activation", base)
    with pytest.raises(ValueError, match="view must be one of"):
        tables.coarse_state("lab", base)


def test_finite_tables_interpolate_within_the_stated_error():
    state = {**default_state(), "H": 4}
    b = tables.build_tables("finite", state, RENDER, _no_units)
    assert b["H"] == 4 and list(b["figures"]) == [str(K) for K in range(11)]
    u = finite_grid(4, loss_window(4))
    total = _array(b["pool"][b["lead_total"]["$"]])
    np.testing.assert_allclose(total, complexity.theta(u, 4) / math.log(10), rtol=1e-15)
    grid = np.array(b["exact_log10_n"])
    for N in (10, 13, 178, 200, 1000, 2512, 7943, 10_000):  # on and between grid points
        x = math.log10(N)
        j = min(int(np.searchsorted(grid, x, side="right")) - 1, grid.size - 2)
        t = (x - grid[j]) / (grid[j + 1] - grid[j])
        c0 = _array(b["pool"][b["exact_correction"][j]["$"]])
        c1 = _array(b["pool"][b["exact_correction"][j + 1]["$"]])
        drawn = N * total + (1 - t) * c0 + t * c1
        exact = exact_total(N, 4, u)
        tol = 1e-9 if N in tables.N_GRID else tables.FINITE_INTERPOLATION_ERROR
        np.testing.assert_allclose(drawn, exact, rtol=0, atol=tol)
    # the N-dependent curves are left to the browser; the rest is the server's figure
    fig = b["figures"]["2"]
    assert [t["y"] for t in fig["data"]] == [{"lead": 0}, {"lead": 1}, {"lead": 2},
                                             {"lead": "total"}, {"exact": 1}]
    assert b["y_titles"]["2"].endswith("(N = {N})")


def test_interpolation_is_not_needed_where_it_would_be_visible():
    """The stated bound is below a pixel of the finite-N plot (12 decades over the plot)."""
    assert tables.FINITE_INTERPOLATION_ERROR < 12 / 400 / 10


def test_activation_tables_follow_the_depth():
    b = tables.build_tables("activation", {**default_state(), "activation": "tanh"}, RENDER,
                            _no_units)
    assert list(b["figures"]) == [str(H) for H in range(2, 13)]
    act = activation_of({**default_state(), "activation": "tanh"})
    server = views.render_activation(act, 6)["figures"]
    for plot in ("activation", "pieces", "phi"):
        _same_figure(_unpack(b, b["figures"]["6"][plot]), server[plot], rtol=tables.F4_RELATIVE_ERROR)


def test_the_route_serves_gzip_json_and_refuses_clearly(make_app):
    app = make_app(cache_type="SimpleCache")
    client = app.server.test_client()
    r = client.get("/_tables/layered?units=spin&theme=dark", headers={"Accept-Encoding": "gzip"})
    assert r.status_code == 200 and r.headers["Content-Encoding"] == "gzip"
    bundle = json.loads(gzip.decompress(r.data))
    assert bundle["view"] == "layered" and bundle["key"]["theme"] == "dark"
    again = client.get("/_tables/layered?units=spin&theme=dark",
                       headers={"Accept-Encoding": "gzip", "If-None-Match": r.headers["ETag"]})
    assert again.status_code == 304
    plain = client.get("/_tables/layered?theme=dark&units=spin&K=7")  # K is a drag key
    assert plain.status_code == 200 and "Content-Encoding" not in plain.headers
    assert json.loads(plain.data)["key"] == bundle["key"]
    assert client.get("/_tables/lab").status_code == 404
    forged = client.get("/_tables/complexity?H=abc&theme=%3Cscript%3E&lecture=2")
    assert forged.status_code == 200  # repaired like a link: defaults for what is unreadable
    assert json.loads(forged.data)["key"]["theme"] == "light"


@pytest.mark.parametrize("view", sorted(tables.INDEX_SLOTS))
def test_index_slots_say_where_each_index_is_in_every_figure(view):
    """assets/redraw.js draws a held K handle's figures with a slot for every index, from
    INDEX_SLOTS: curve ``traces`` + k and level line ``shapes`` + k are those of index k,
    and every other curve and shape comes after them, the same at every K."""
    H = 4
    state = {**default_state(), "H": H, "lecture": True}
    b = tables.build_tables(view, state, RENDER, _no_units)
    at = tables.INDEX_SLOTS[view]
    config = tables.redraw_config()
    assert config["index_slots"][view] == at and config["k_max"] == 10
    energies = complexity.ground_state_energies(H, 10)
    rest = set()
    for K in range(11):
        packed = b["figures"][str(K)]
        fig = packed[view] if view == "complexity" else packed
        data, shapes = fig["data"], fig["layout"]["shapes"]
        for k in range(K + 1):
            trace, line = data[at["traces"] + k], shapes[at["shapes"] + k]
            assert f"(index {k}" in trace["name"]
            assert line["type"] == "line" and line["x0"] == line["x1"]
            assert line["x0"] == pytest.approx(-energies[k], rel=1e-12)
            assert line["line"]["color"] == trace["line"]["color"]
        others = [t["name"] for t in data[at["traces"] + K + 1:]]
        assert all("(index" not in name for name in others)
        assert not any(s.get("type") == "line" and s["x0"] == s["x1"] and
                       s["x0"] == pytest.approx(-energies[k], rel=1e-12)
                       for s in shapes[at["shapes"] + K + 1:] for k in range(11))
        rest.add((len(data) - K, len(shapes) - K, json.dumps(others)))
    assert len(rest) == 1, rest
