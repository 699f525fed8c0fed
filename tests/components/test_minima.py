"""The "where the minima are" view (theory §5.6) and the regime gate of the activation-effect view.

References: theory §3 (compute.complexity) for ReLU, where φ ≡ 0 and nothing may move; the
ground state of compute.overlap for the deterministic sigmoid; forged settings for robustness.
"""

from __future__ import annotations

import base64
import json
import math

import numpy as np
import plotly.graph_objects as go
import pytest
from plotly.io.json import to_json_plotly
from plotly.utils import PlotlyJSONEncoder

from components.data import effect as ed
from components.data import minima as dm
from components.figures.minima import profile_figure
from components.permalink import parse_query, query_from_state
from components.state import Activation, default_state, sanitize, view_slice
from components.views import effect as ev
from components.views import minima as mv
from compute.complexity import ground_state_energies, theta

RELU = Activation("relu", None, 2, 0.0, 1.0, None, 1.0)
SIGMOID = Activation("sigmoid", None, 8, 0.0, 1.0, None, 1.0)
GELU = Activation("gelu", None, 8, 0.0, 1.0, None, 1.0)


def test_relu_reproduces_the_spin_glass():
    d = dm.profile_data(RELU, 3, 1000, None)
    assert d["spin_glass"] and d["regime0"] == "spin-glass" and d["m0_phi"] == 0.0
    assert abs(d["e0_phi"] - float(ground_state_energies(3, 0)[0])) < 1e-12
    assert np.allclose(d["lead"], theta(d["u"], 3), atol=1e-13)
    assert np.allclose(d["lead_min"], theta(d["u"], 3, 0), atol=1e-13)
    assert np.allclose(d["layered"], ground_state_energies(3, 3), rtol=1e-12)
    assert d["level"] == -d["e0_phi"] and d["level_auto"]
    # the heat map's window holds the ground state and the threshold
    assert d["u"][0] < -d["e0_phi"] < -d["e_inf"] < d["u"][-1]


def test_sigmoid_h6_is_deterministic_with_a_pole_minimum():
    d = dm.profile_data(SIGMOID, 6, 100, None)
    assert d["regime0"] == "deterministic" and d["m0_phi"] < -0.999
    assert 1600 < d["e0_phi"] < 1700
    assert d["level_regime"] == "deterministic"


def test_gamma_map_relu_and_gelu():
    g = dm.gamma_map(RELU, 3, 1000, -2.0, 0.0)
    e0 = float(ground_state_energies(3, 0)[0])
    below = g["u"] < -e0 - 1e-3
    assert np.all(g["codes"][:, below] == dm.NONE) and np.all(g["codes"][:, ~below & (g["u"] > -e0 + 1e-3)] == 0)
    gm = dm.gamma_map(GELU, 4, 1000, -10.0, 0.0)
    assert np.any(gm["codes"] == 2) and np.all(gm["codes"][0] != 2)  # γ = 0: φ ≡ 0


def test_n_map_grows_the_deterministic_regime():
    n = dm.n_map(Activation("gelu", None, 8, 0.0, 1.0, None, 0.5), 4, -6.0, 0.0)
    assert n["codes"].shape == (n["N"].size, n["u"].size)
    assert np.all(np.diff(n["e0_phi"]) >= -1e-9)  # E_0^φ(N) grows with N (cubic φ)
    deep = n["u"] < -3.0
    assert np.all(n["codes"][-1, deep] == 2)


@pytest.mark.parametrize("theme, lecture", [("light", False), ("dark", True), ("contrast", False)])
def test_laid_out_is_update_layout_without_validation(theme, lecture):
    """The unvalidated layout gives the very figure update_layout gives (template included)."""
    from plotly.utils import PlotlyJSONEncoder

    from components.figures.style import figure_style, laid_out

    st = figure_style(theme, lecture)
    base = go.Figure(go.Scatter(x=[0.0, 1.0], y=[1.0, 2.0], name="a"))
    layout = dict(height=None, title=dict(text="t"), xaxis=dict(title=dict(text="x"), range=[0.0, 1.0]),
                  shapes=[dict(type="line", x0=0, x1=1, y0=0, y1=0, line=dict(color=st.muted))],
                  legend=dict(orientation="h", y=-0.2), margin=dict(b=130))
    slow = go.Figure(base)
    slow.update_layout(template=st.template, **layout)
    fast = laid_out(base, st, **layout)

    def text(fig):
        return json.dumps(fig.to_plotly_json(), cls=PlotlyJSONEncoder, sort_keys=True)

    assert text(fast) == text(slow)
    assert fast.layout.title.text == "t"


def test_profile_grids_travel_in_single_precision():
    act = Activation("gelu", None, 8, 0.0, 1.0, None, 0.5)
    d = dm.profile_data(act, 4, 1000, None)
    fig = profile_figure(d).to_plotly_json()
    grids = [t["z"] for t in fig["data"] if "z" in t]
    assert len(grids) >= 2 and all(z["dtype"] == "f4" for z in grids)
    # the zero contour is drawn from the same rates, rounded to single precision
    contour = next(t for t in fig["data"] if t["type"] == "contour")
    z = np.frombuffer(base64.b64decode(contour["z"]["bdata"]), dtype=np.float32).reshape(d["sigma"].shape)
    np.testing.assert_allclose(z, d["sigma"], rtol=2.0 ** -23, equal_nan=True)


def test_outputs_for_good_and_forged_settings():
    good = {**default_state(), "activation": "gelu", "H": 4, "gamma": 0.5}
    out = mv.minima_outputs(good)
    assert out["alert"] is None  # nothing to repair, nothing failed
    maps = mv.map_outputs(good)
    assert "(γ, u)" in maps["gamma"].layout.title.text and "(N, u)" in maps["n"].layout.title.text
    assert "Σ<sub>N</sub>(u, m) at N" in out["profile"].layout.title.text
    assert any("deterministic" in str(p) for p in out["summary"])
    forged = mv.minima_outputs({"H": "x", "N": -5, "gamma": float("nan"), "level": "abc", "level_auto": "maybe",
                                "activation": "<script>"})
    text = str(forged["alert"])
    assert "Depth H" in text and "Number of weights N" in text and "Level u" in text
    assert forged["profile"] is not None
    assert mv.map_outputs({"H": "x", "level": "abc"})["gamma"] is not None
    assert mv.map_outputs("garbage")["n"] is not None
    assert mv.minima_outputs(None)["profile"] is not None
    assert mv.minima_outputs("garbage")["profile"] is not None


def test_bad_custom_activation_is_a_visible_message():
    out = mv.minima_outputs({**default_state(), "activation": "custom", "knots": "z, f\n1, 2\n0, 1"})
    assert "knot table" in str(out["alert"])
    assert out["summary"] is None
    maps = mv.map_outputs({**default_state(), "activation": "custom", "knots": "z, f\n1, 2\n0, 1"})
    assert "knot table" in maps["gamma"].layout.annotations[0].text


def test_manual_level_and_clamping():
    state = {**default_state(), "activation": "sigmoid", "H": 3, "N": 100, "level": -1.7, "level_auto": False}
    out = mv.minima_outputs(state)
    assert any("u = -1.7" in str(p) for p in out["summary"])
    clean, msgs = sanitize({**state, "level": -1e12})
    assert clean["level"] == -1e7 and msgs


@pytest.mark.parametrize("lecture, level, listed", [
    (True, None, False),   # a slide at the automatic level: the ring circles the star, no legend row
    (True, -1.7, True),    # a level of one's own keeps its row
    (False, None, True),   # the desktop legend keeps every row
])
def test_level_marker_has_a_legend_row_unless_automatic_on_a_slide(lecture, level, listed):
    from components.figures.style import figure_style

    d = dm.profile_data(SIGMOID, 3, 100, level)
    fig = profile_figure(d, figure_style("light", lecture)).to_plotly_json()
    ring = [t for t in fig["data"] if t.get("marker", {}).get("symbol") == "circle-open"]
    assert len(ring) == 1
    assert ring[0].get("showlegend", True) is listed
    if level is None:  # the automatic level is the ground state: the ring sits on the star
        # (within 1e-3 in m, half a pixel of the plot's m axis, which spans 2 over ~800 px)
        star = [t for t in fig["data"] if t.get("marker", {}).get("symbol") == "star"][0]
        assert ring[0]["y"] == star["y"]
        assert abs(ring[0]["x"][0] - star["x"][0]) < 1e-3


def test_permalink_and_slice_carry_the_new_settings():
    state = {**default_state(), "level": -2.5, "level_auto": False, "tab": "minima"}
    query = query_from_state(state)
    assert "level=-2.5" in query and "level_auto" in query
    back, msgs = parse_query(query)
    back, _ = sanitize(back)
    assert back["level"] == -2.5 and back["level_auto"] is False and not msgs
    sl = view_slice(back, "minima")
    assert {"H", "N", "gamma", "level", "level_auto"} <= set(sl)
    assert "N" in view_slice(back, "effect")


def test_effect_view_hides_k_outside_the_spin_glass_regime():
    d = ed.modulation_data(SIGMOID._replace(), 6, 100)
    assert np.all(np.isnan(d["K0"])) and np.all(d["reason0"] != ed.OK)
    assert np.any(d["reason0"] == ed.REGIME)
    relu = ed.modulation_data(RELU, 3, 1000)
    assert np.all(relu["reason0"] != ed.REGIME)
    # κ small enough for the spin-glass regime at N = 1000: K shown in the band, as before
    s3 = ed.modulation_data(SIGMOID, 3, 1000)
    assert np.any(np.isfinite(s3["K0"]))
    assert np.all(s3["regime"][np.isfinite(s3["K0"])] == "spin-glass")
    out = ev.effect_outputs({**default_state(), "activation": "sigmoid", "H": 6, "N": 100})
    assert "Σ<sub>N</sub>(u, m) at N" in out["modulation_figure"].layout.title.text
    notes = " ".join(str(n) for n in out["modulation_notes"])
    assert "overlap profile" in notes and "spin-glass regime" in notes


@pytest.mark.parametrize("name,H,N", [("relu", 3, 10), ("softplus", 4, 10**6), ("elu", 12, 1000), ("gelu", 2, 50)])
def test_no_nan_reaches_the_page(name, H, N):
    act = Activation(name, 1.0 if name == "elu" else None, 8, 0.0, 1.0, None, 1.0)
    d = dm.profile_data(act, H, N, None)
    for key in ("lead", "lead_min", "u", "m"):
        assert np.all(np.isfinite(d[key])), key
    assert math.isfinite(d["e0_phi"]) and math.isfinite(d["level_value"])


def test_rate_is_readable_at_any_size():
    from components.views.minima import _rate

    assert _rate(0.0123) == "rate +0.0123 per weight"
    assert _rate(4.0265663853e37) == "rate +4.027e+37 per weight"
    assert _rate(0.0) == "rate 0: O(1) of them"


def test_table_writes_a_numerically_zero_rate_as_zero():
    """The pole minimum's rate is 0 up to ~1e-7 (theory §5.6): the table says 0, not -2.9e-12."""
    d = dm.profile_data(SIGMOID, 6, 100, None)
    lead_min = np.asarray(d["lead_min"])
    tiny = (lead_min != 0) & (np.abs(lead_min) <= 1e-6)
    assert np.any(tiny)  # the case has numerically-zero rates on the grid
    text = json.dumps(mv._data_table(d, default_state()), cls=PlotlyJSONEncoder)
    assert "e-1" not in text and "e-0" not in text  # no 1e-7-sized rate is written out
    assert mv._fmt_rate(-2.8666e-12) == "0" and mv._fmt_rate(0.0123) == "0.0123"
    assert mv._fmt_rate(float("nan")) == "—" and mv._fmt_rate(None) == "—"


def test_rates_below_the_arithmetic_resolution_are_not_written_as_numbers():
    """At a strong sigmoid (γ = 5, H = 12, N = 10⁶) the ground state sits at |u| ≈ 1.2·10²⁸,
    where Σ_N is a sum of terms of size ~u² and its rounding error ~10⁴⁰: the rate found at
    the ground state (−4.1·10³⁹) is rounding, and the summary says rate 0, not that number."""
    act = Activation("sigmoid", None, 8, 0.0, 1.0, None, 5.0)
    d = dm.profile_data(act, 12, 10**6, None)
    assert d["e0_phi"] > 1e27 and d["level_value"] == 0.0
    assert d["level_resolution"] > 1e40
    text = json.dumps(mv._summary(d), cls=PlotlyJSONEncoder)
    assert "rate 0: O(1) of them" in text and "e+39" not in text
    # the same level given by the user: whatever rounding leaves of the rate is below the
    # resolution, and no number of that size is written
    mine = dm.profile_data(act, 12, 10**6, -d["e0_phi"])
    assert abs(mine["level_value"]) < mine["level_resolution"]
    said = mv._rate(mine["level_value"], mine["level_resolution"])
    assert said.startswith("rate 0") and "e+" not in said
    # a rate of rounding's size (the −4.1·10³⁹ computed here before Φ was evaluated without
    # cancellation) is said to be 0 to within rounding, with the resolution
    assert "to within rounding" in mv._rate(-4.1e39, mine["level_resolution"])
    # at ordinary scales the resolution is the pole tolerance, and a real rate is a number
    assert mv._rate(0.0123, 1e-6) == "rate +0.0123 per weight"
    assert mv._fmt_rate(3e39, 1e41) == "0" and mv._fmt_rate(3e39, 1e-6) == "3e+39"


def _json(figure) -> dict:
    return json.loads(to_json_plotly(figure))


def test_released_figures_are_the_callbacks_figures():
    state, _ = sanitize({**default_state(), "activation": "gelu", "H": 4, "gamma": 1.5, "N": 1000,
                         "theme": "dark", "tab": "minima"})
    out = mv.minima_outputs(view_slice(state, "minima"))
    query = query_from_state(state)
    for q in (query, query + "&follow=room1", query.replace("tab=minima", "tab=complexity")):
        got = mv.released_figures(q)
        assert _json(got["profile"]) == _json(out["profile"])
        assert _json(got["complexity"]) == _json(out["complexity"])
    # the slider's new value in the query is what is drawn
    other = mv.released_figures(query.replace("gamma=1.5", "gamma=2.5"))
    assert _json(other["profile"]) != _json(out["profile"])
    assert other["profile"].layout.datarevision != out["profile"].layout.datarevision
    assert out["profile"].layout.datarevision == out["complexity"].layout.datarevision


def test_data_revision_follows_every_argument_of_the_profile():
    base = mv.data_revision(GELU, 4, 1000, None)
    assert base == mv.data_revision(GELU._replace(), 4, 1000, None)
    changed = {
        mv.data_revision(GELU._replace(gamma=1.5), 4, 1000, None),
        mv.data_revision(GELU._replace(mu=0.5), 4, 1000, None),
        mv.data_revision(GELU, 5, 1000, None),
        mv.data_revision(GELU, 4, 1001, None),
        mv.data_revision(GELU, 4, 1000, -1.5),
        mv.data_revision(SIGMOID, 4, 1000, None),
    }
    assert base not in changed and len(changed) == 6


def test_released_figures_of_bad_settings_are_messages():
    got = mv.released_figures("?activation=custom&knots=z%2C+f%0A1%2C+2%0A0%2C+1")
    assert "knot table" in got["profile"].layout.annotations[0].text
    for q in ("?gamma=banana&H=99&N=-4", "?" + "x=1&" * 50, None, 17, "", "?follow=room"):
        got = mv.released_figures(q)
        assert got["profile"] is not None and got["complexity"] is not None


def test_released_figures_route():
    from tests.integration.one_view import one_view_app

    state = {**default_state(), "activation": "gelu", "H": 4, "gamma": 0.5, "tab": "minima"}
    client = one_view_app("minima", state).server.test_client()
    r = client.get(mv.FIGURES_ROUTE + "?activation=gelu&H=4&gamma=1.5&tab=minima")
    assert r.status_code == 200 and r.mimetype == "application/json"
    body = r.get_json()
    want = mv.released_figures("?activation=gelu&H=4&gamma=1.5")
    assert body["profile"]["layout"]["datarevision"] == want["profile"].layout.datarevision
    assert [t["type"] for t in body["profile"]["data"]][:1] == ["heatmap"]
    bad = client.get(mv.FIGURES_ROUTE + "?activation=custom&knots=zz&gamma=%00")
    assert bad.status_code == 200 and "knot table" in str(bad.get_json()["profile"]["layout"]["annotations"])
    assert client.get(mv.FIGURES_ROUTE + "?" + "a" * 30_000).status_code == 400


def test_a_figure_that_cannot_be_built_says_so_in_its_place(monkeypatch):
    """A failure while building one figure gives a message in its place and in the alert,
    and the other figure and the summary as usual (never an exception out of the callback)."""
    def broken(d, look):
        raise ValueError("no colour for this regime")

    monkeypatch.setattr(mv, "profile_figure", broken)
    state, _ = sanitize({**default_state(), "activation": "gelu", "H": 4, "gamma": 0.5, "N": 1000})
    out = mv.minima_outputs(view_slice(state, "minima"))
    text = json.dumps(out["profile"], cls=PlotlyJSONEncoder).replace("<br>", " ")
    assert "profile figure cannot be drawn" in text and "colour for this regime" in text
    assert "no colour for this regime" in json.dumps(out["alert"], cls=PlotlyJSONEncoder)
    assert out["summary"] and "Σ_N" in json.dumps(out["complexity"].to_plotly_json()["layout"],
                                                  cls=PlotlyJSONEncoder, ensure_ascii=False)
