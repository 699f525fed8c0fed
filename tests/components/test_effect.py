"""The activation-effect view (theory §5.4–§5.5): data adapters, figures and callbacks called
as plain functions, plus one pass through the real Dash request machinery.

The factors K_0, K_1 are checked against an independent 30-digit mpmath evaluation of the
definition in theory §5.5 (built here from the closed forms of theory §3, not from
compute/kac_rice.py); finite-N counts at N = 2 against the exact counts of theory §4.
"""

from __future__ import annotations

import json
import math

import mpmath as mp
import numpy as np
import plotly
import plotly.graph_objects as go
import pytest
from dash import Dash, dcc, html

from components import ids
from components.cache import init_cache
from components.data import effect as ed
from components.export import csv_document, from_figure, read_csv
from components.figures.effect import comparison_figure, modulation_figure, use_log_axis
from components.registry import Services
from components.settings import Settings
from components.state import FIELDS, Activation, activation_of, default_state, sanitize
from components.views import effect
from compute import finite_n
from compute.complexity import e_inf, ground_state_energies
from tests.components.dash_payload import find_callback, post_callback, walk

# A linear "custom activation" f(z) = -1.8 z + 1.62: ᾱ = -1.8, β̄ = 1.62, so at H = 3
# κ = (β̄/ᾱ², β̄/ᾱ) = (0.5, -0.9), the divergent example of theory §5.5.
DIVERGENT_KNOTS = "z, f\n-1, 3.42\n1, -0.18"


def _state(**changes) -> dict:
    return {**default_state(), **changes}


# ---------------------------------------------------------------------------------------
# Independent reference for theory §5.5 (mpmath, 30 digits)
# ---------------------------------------------------------------------------------------


def _theta0_prime_mp(u, H):
    """d/du Θ_{0,H}(u) below -E_∞, by mpmath differentiation of the closed form of theory §3."""
    E = 2 * mp.sqrt(mp.mpf(H - 1) / H)

    def theta0(v):
        r = mp.sqrt(v * v - E * E)
        i1 = -(v / E**2) * r - mp.log(-v + r) + mp.log(E)
        return mp.log(H - 1) / 2 - mp.mpf(H - 2) / (4 * (H - 1)) * v * v - i1

    return mp.diff(theta0, mp.mpf(u))


def reference_K(u: float, H: int, kappa, k: int) -> float:
    """K_k(u) of theory §5.5 by mpmath quadrature of its definition."""
    with mp.workdps(30):
        c = [mp.mpf(0)] + [mp.mpf(x) for x in kappa]
        phi = lambda s: sum(c[d] * s**d for d in range(len(c)))  # noqa: E731
        d1 = lambda s: sum(d * c[d] * s ** (d - 1) for d in range(1, len(c)))  # noqa: E731
        d2 = lambda s: sum(d * (d - 1) * c[d] * s ** (d - 2) for d in range(2, len(c)))  # noqa: E731
        E = 2 * mp.sqrt(mp.mpf(H - 1) / H)
        x = mp.sqrt(2) * mp.mpf(u) / E
        g = -x - mp.sqrt(x * x - 2)
        a = mp.sqrt(2 * H * (H - 1))
        tp = _theta0_prime_mp(u, H)

        def f(s):
            A = -d1(s) ** 2 / (2 * H) - tp * phi(s) - g * s * d1(s) / a
            spike = 1 + d2(s) * g / a
            part = max(spike, 0) if k == 0 else max(-spike, 0)
            return mp.exp(A - s * s / 2) * part / mp.sqrt(2 * mp.pi)

        points = [-mp.inf, -12, -6, -3, -1, 0, 1, 3, 6, 12, mp.inf]
        if len(c) > 3:  # the spike is not constant: split at its real roots
            coeffs = [d * (d - 1) * c[d] * g / a for d in range(2, len(c))]
            coeffs[0] += 1
            roots = np.roots([float(v) for v in coeffs[::-1]])
            points += [mp.mpf(float(r.real)) for r in roots if abs(r.imag) < 1e-12]
        points = sorted(set(points), key=lambda p: float(p))
        return float(mp.quad(f, points))


# ---------------------------------------------------------------------------------------
# Settings
# ---------------------------------------------------------------------------------------


def test_valid_settings_pass_silently():
    state, messages = sanitize(_state(gamma=2.5, seed=7, lab_N=120))
    assert messages == []
    assert (state["gamma"], state["seed"], state["lab_N"]) == (2.5, 7, 120)


def test_missing_extras_take_defaults_silently():
    defaults = {key: FIELDS[key].default for key in ("gamma", "seed", "lab_N")}
    # the page-wide defaults win
    defaults.update({k: v for k, v in default_state().items() if k in defaults})
    bare = {k: v for k, v in default_state().items() if k not in defaults}
    state, messages = sanitize(bare)
    assert messages == []
    assert {k: state[k] for k in defaults} == defaults
    assert state["gamma"] == 1.0 and state["lab_N"] == ed.DEFAULT_N


@pytest.mark.parametrize(
    "key, bad, fixed",
    [
        ("gamma", -1, 0.0),
        ("gamma", "x", 1.0),
        ("gamma", math.inf, 1.0),
        ("seed", 2.5, 2),
        ("seed", -3, 0),
        ("lab_N", True, ed.DEFAULT_N),
        ("lab_N", [1], ed.DEFAULT_N),
    ],
)
def test_forged_extras_are_repaired_with_a_message(key, bad, fixed):
    state, messages = sanitize(_state(**{key: bad}))
    assert state[key] == fixed
    assert len(messages) == 1


# ---------------------------------------------------------------------------------------
# Data: K_0, K_1 and their domain
# ---------------------------------------------------------------------------------------


def test_relu_has_no_effect():
    d = ed.modulation_data(Activation("relu", None, 2, 0.0, 1.0), 3)
    assert d["spin_glass"] and d["kappa"] == (0.0, 0.0)
    assert np.all(d["reason0"] == ed.OK) and np.all(d["reason1"] == ed.OK)
    np.testing.assert_allclose(d["K0"], 1.0, rtol=1e-12)
    np.testing.assert_array_equal(d["K1"], 0.0)
    np.testing.assert_array_equal(d["share"], 0.0)


def test_grid_sits_below_the_threshold_and_contains_minus_e0():
    for H in (2, 3, 7, 12):
        u, e0, einf = ed.u_grid(H)
        assert np.all(np.diff(u) > 0) and u[-1] < -einf
        assert e0 == pytest.approx(float(ground_state_energies(H, 0)[0]))
        assert np.any(u == -e0) == (H > 2)


@pytest.mark.parametrize(
    "name, H, pick",
    [
        ("softplus", 3, "band"),
        ("sigmoid", 3, "below"),
        ("softplus", 4, "band"),
        ("gelu", 4, "band"),
    ],
)
def test_factors_match_an_independent_mpmath_evaluation(name, H, pick):
    d = ed.modulation_data(Activation(name, None, 8, 0.0, 1.0), H)
    u = d["u"]
    band = np.flatnonzero(u > -d["e0"])
    i = band[len(band) // 2] if pick == "band" else len(u) // 4
    for k, key in ((0, "K0"), (1, "K1")):
        if np.isnan(d[key][i]):
            assert d[f"reason{k}"][i] != ed.OK
            continue
        ref = reference_K(u[i], H, d["kappa"], k)
        assert d[key][i] == pytest.approx(ref, rel=1e-8, abs=1e-300)
    if np.isfinite(d["share"][i]):
        assert d["share"][i] == pytest.approx(d["K1"][i] / (d["K0"][i] + d["K1"][i]), rel=1e-12)


def test_divergent_regime_is_flagged_not_drawn():
    act = activation_of(_state(activation="custom", knots=DIVERGENT_KNOTS))
    d = ed.modulation_data(act, 3)
    np.testing.assert_allclose(d["kappa"], (0.5, -0.9), rtol=1e-9)
    # Independent boundary: the s² coefficient of A(s) reaches 1/2 (theory §5.5, quadratic φ).
    k2 = -0.9
    a = math.sqrt(2 * 3 * 2)
    coef = []
    for u in d["u"]:
        x = math.sqrt(2) * u / e_inf(3)
        g = -x - math.sqrt(x * x - 2)
        coef.append(-2 * k2**2 / 3 - k2 * (float(_theta0_prime_mp(u, 3)) + 2 * g / a))
    expected = np.array(coef) >= 0.5
    assert expected.any()
    np.testing.assert_array_equal(d["reason0"] == ed.DIVERGES, expected)
    np.testing.assert_array_equal(d["reason1"] == ed.DIVERGES, expected)
    assert np.all(np.isnan(d["K0"][expected])) and np.all(np.isnan(d["K1"][expected]))
    assert np.all(np.isnan(d["share"][expected]))


def test_pole_minima_hide_k0_below_the_ground_state_only():
    d = ed.modulation_data(Activation("softplus", None, 8, 0.0, 1.0), 4)
    below = d["u"] < -d["e0"]
    assert below.any() and (~below).any()
    np.testing.assert_array_equal(d["reason0"] == ed.POLE, below)
    assert np.all(np.isnan(d["K0"][below])) and np.all(np.isfinite(d["K0"][~below]))
    assert np.all(np.isfinite(d["K1"])) and np.all(d["reason1"] == ed.OK)  # pole points are minima


def test_rounding_level_beta_bar_counts_as_zero():
    # odd activation at μ = 0 with an odd number of pieces: the least-squares fit is odd, β̄ = 0
    # up to rounding (with even L the best fit is asymmetric and β̄ ≠ 0, see fit_piecewise_linear)
    d = ed.modulation_data(Activation("tanh", None, 7, 0.0, 1.0), 4)
    assert d["beta_bar"] == 0.0 and d["spin_glass"]
    np.testing.assert_allclose(d["K0"], 1.0, rtol=1e-9)


def test_gamma_scales_kappa():
    one = ed.modulation_data(Activation("softplus", None, 8, 0.0, 1.0, None, 1.0), 3)
    half = ed.modulation_data(Activation("softplus", None, 8, 0.0, 1.0, None, 0.5), 3)
    np.testing.assert_allclose(half["kappa"], 0.5 * np.array(one["kappa"]), rtol=1e-12)
    assert ed.modulation_data(Activation("softplus", None, 8, 0.0, 1.0, None, 0.0), 3)["spin_glass"]


def test_spans():
    u = np.arange(6.0)
    assert ed.spans(u, np.array([1, 1, 0, 0, 1, 1], bool)) == [(0.0, 1.5), (3.5, 5.0)]
    assert ed.spans(u, np.zeros(6, bool)) == []


def test_clean_run_inputs():
    state = sanitize(_state(H=4, lab_N=120))[0]
    assert effect.clean_run_inputs(None, "", state) == (120, ed.default_level(4), [])
    N, u, messages = effect.clean_run_inputs("1e9", "abc", state)
    assert (N, u) == (200, ed.default_level(4)) and len(messages) == 2
    assert ed.default_level(4) == pytest.approx(-0.5 * (ground_state_energies(4, 0)[0] + e_inf(4)))


# ---------------------------------------------------------------------------------------
# Finite-N counts
# ---------------------------------------------------------------------------------------


def test_counts_at_n2_match_the_exact_spin_glass_counts():
    u = ed.default_level(3)
    c = ed.finite_n_counts(Activation("relu", None, 2, 0.0, 1.0, None, 1.0), 3, 2, u, 0)
    for key, k in (("minima", 0), ("saddles", 1)):
        exact = finite_n.expected_critical_points(2, 3, u, k).value
        assert c[key]["phi0_value"] == pytest.approx(exact, rel=1e-8)
        assert c[key]["value"] == pytest.approx(exact, rel=1e-8)  # φ ≡ 0 for ReLU
    assert c["K0"] is not None and c["K0"] == pytest.approx(1.0)


def test_counts_above_the_threshold_have_no_large_n_value():
    c = ed.finite_n_counts(Activation("softplus", None, 8, 0.0, 1.0, None, 1.0), 3, 5, -1.0, 3, 200)
    assert c["K0"] is None and "threshold" in c["K0_reason"]
    assert c["seed"] == 3 and c["samples"] == 200
    assert c["minima"]["value"] > 0 and c["minima"]["stderr"] > 0


# ---------------------------------------------------------------------------------------
# Figures
# ---------------------------------------------------------------------------------------


def test_use_log_axis():
    assert not use_log_axis(np.array([1.0, 1.0]), np.array([0.0, 0.0]))
    assert use_log_axis(np.array([1e-5, 1.0]))
    assert not use_log_axis(np.array([np.nan, 0.0]))


def test_modulation_figure_leaves_gaps_and_shades_regions():
    u = np.linspace(-2.0, -1.64, 10)
    K0 = np.where(u < -1.8, np.nan, 1.2)
    fig = modulation_figure(
        u,
        K0,
        0.1 * np.ones(10),
        np.full(10, 0.1 / 1.3),
        [(ed.POLE, -2.0, -1.8)],
        1.8,
        1.633,
        "Softplus",
        4,
    )
    assert fig.data[0].name == "K₀(u): minima"
    assert np.all(np.isnan(np.asarray(fig.data[0].y, float)[:4]))
    data = json.loads(fig.to_json())
    rects = [s for s in data["layout"]["shapes"] if s["type"] == "rect"]
    assert any(s["x0"] == -2.0 and s["x1"] == -1.8 for s in rects)  # the masked region
    assert any(s["x0"] == -1.8 and s["x1"] == -1.633 for s in rects)  # the band
    texts = [a["text"] for a in data["layout"]["annotations"]]
    assert "−E₀" in texts and "−E∞" in texts and any("pole" in t for t in texts)
    assert data["layout"]["xaxis2"]["title"]["text"] == "loss per weight u (spin-glass units)"
    assert data["layout"]["font"]["size"] >= 16


def test_dark_theme_and_lecture_mode_restyle_the_figures():
    out = effect.effect_outputs(_state(activation="softplus", theme="dark", lecture=True))
    for key in ("modulation_figure", "compare_figure"):
        layout = out[key].layout
        assert layout.template.layout.paper_bgcolor not in (None, "white")
        assert layout.font.size >= 22 and layout.legend.font.size >= 22
    light = effect.effect_outputs(_state(activation="softplus"))["modulation_figure"].layout
    assert light.font.size >= 16 and light.legend.font.size >= 16


def test_comparison_figure_highlights_the_current_activation():
    u = np.linspace(-2.0, -1.64, 5)
    curves = [
        {"label": "ReLU", "u": u, "K0": np.ones(5), "share": np.zeros(5), "highlight": False},
        {
            "label": "Softplus",
            "u": u,
            "K0": np.full(5, 1e-3),
            "share": np.full(5, 0.3),
            "highlight": True,
        },
    ]
    fig = comparison_figure(curves, 1.657, 1.633, 3)
    names = [t.name for t in fig.data]
    assert "Softplus (current)" in names
    widths = {t.name: t.line.width for t in fig.data if t.showlegend is not False}
    assert widths["Softplus (current)"] > widths["ReLU"]
    assert fig.layout.yaxis.type == "log"


# ---------------------------------------------------------------------------------------
# Callbacks as plain functions
# ---------------------------------------------------------------------------------------


def _text(node) -> str:
    if node is None:
        return ""
    if isinstance(node, (str, int, float)):
        return str(node)
    if isinstance(node, (list, tuple)):
        return " ".join(_text(c) for c in node)
    return _text(getattr(node, "children", None))


def _is_real_figure(fig) -> bool:
    """A figure with traces, or a message figure that says something (never blank)."""
    fig = fig if isinstance(fig, go.Figure) else go.Figure(fig)
    return bool(fig.data) or any(a.text and a.text.strip() for a in fig.layout.annotations)


def _csv_of(figure, base: str = "http://127.0.0.1:8050/"):
    """The CSV the export row makes of a figure as the page holds it (through JSON)."""
    page = json.loads(json.dumps(figure.to_plotly_json(), cls=plotly.utils.PlotlyJSONEncoder))
    return read_csv(csv_document(from_figure(page), base))


def test_good_input_draws_everything():
    out = effect.effect_outputs(_state(activation="softplus", H=4))
    assert out["alert"] is None
    fig = out["modulation_figure"]
    assert [t.name for t in fig.data][0] == "K₀(u): minima" and fig.data[0].y is not None
    assert "Softplus" in fig.layout.title.text
    assert any("pole" in _text(n) for n in out["modulation_notes"])
    labels = {t.name for t in out["compare_figure"].data}
    assert {"ReLU", "Sigmoid (logistic)", "Softplus (current)"} <= labels
    assert "κ = (" in _text(out["summary"]) and "share of minima" in _text(out["summary"])
    assert out["u_placeholder"] == f"{ed.default_level(4):.4f}"


def test_csv_matches_the_plotted_values():
    state = _state(activation="gelu", H=4)
    out = effect.effect_outputs(state)
    d = ed.modulation_data(Activation("gelu", None, 8, 0.0, 1.0), 4)
    doc = _csv_of(out["modulation_figure"])
    assert doc.header["link"] == "http://127.0.0.1:8050/?H=4&activation=gelu&tab=effect"
    assert doc.header["model"].startswith("theory §5.5") and doc.header["H"] == "4"
    assert doc.columns[:3] == ["series", "x", "y"]
    k0 = [r for r in doc.rows if r[0] == out["modulation_figure"].data[0].name]
    assert len(k0) == len(d["u"])
    got = np.array([float(r[2]) if r[2] else np.nan for r in k0])
    np.testing.assert_allclose(got, d["K0"], rtol=1e-15)
    np.testing.assert_array_equal([float(r[1]) for r in k0], d["u"])
    cmp = _csv_of(out["compare_figure"])
    assert cmp.header["H"] == "4" and cmp.header["current activation"] == "gelu"
    assert {"ReLU", "GELU (exact) (current)"} <= {r[0] for r in cmp.rows}
    assert "not shown" in cmp.header["notes"]


def test_relu_says_phi_is_zero():
    out = effect.effect_outputs(_state(activation="relu"))
    assert "φ ≡ 0" in _text(out["summary"]) and "K₀ ≡ 1" in _text(out["summary"])
    fig = out["modulation_figure"]
    np.testing.assert_allclose(np.asarray(fig.data[0].y, float), 1.0, rtol=1e-12)
    assert any("φ ≡ 0" in a.text for a in fig.layout.annotations)


def test_divergent_regime_is_explained_in_words():
    out = effect.effect_outputs(_state(activation="custom", knots=DIVERGENT_KNOTS))
    notes = _text(out["modulation_notes"])
    assert "diverges" in notes and "macroscopic overlap" in notes
    fig = out["modulation_figure"]
    assert any("diverges" in (a.text or "") for a in fig.layout.annotations)
    assert all(y is None or not np.isfinite(y) for y in np.asarray(fig.data[0].y, float)[:50])


def test_empty_store_gives_the_default_view_silently():
    out = effect.effect_outputs(None)
    assert out["alert"] is None and out["modulation_figure"].data


FORGED = [
    "abc",
    42,
    [1, 2],
    {"H": "DROP TABLE"},
    {"H": 1e308, "activation": 5},
    {"activation": "custom", "knots": "1, 2\nnot a number"},
    {"activation": "custom", "knots": 17},
    {"gamma": math.nan, "seed": "x", "lab_N": -4},
    {"mu": 30, "sigma": 0.0, "activation": "relu"},
    {"pieces": 10**9, "param": "?", "activation": "elu"},
]


@pytest.mark.parametrize("raw", FORGED, ids=[repr(r)[:25] for r in FORGED])
def test_forged_settings_give_a_message_not_an_exception(raw):
    out = effect.effect_outputs(raw)
    assert _is_real_figure(out["modulation_figure"]) and _is_real_figure(out["compare_figure"])
    assert out["alert"] or out["modulation_notes"] or out["compare_notes"]
    counts = effect.counts_outputs(1, raw, "zz", {"u": 1})
    assert _is_real_figure(counts["figure"])
    assert counts["alert"]  # at least the repaired N and u


def test_flat_activation_is_a_message():
    # ReLU with all pre-activations far below 0: ᾱ ≈ 0, the expansion is undefined (theory §5.3).
    out = effect.effect_outputs(_state(activation="relu", mu=-3.0, sigma=0.1))
    assert "ᾱ" in _text(out["alert"])
    assert _is_real_figure(out["modulation_figure"]) and not out["modulation_figure"].data
    assert "ReLU is not shown" in _text(out["compare_notes"])


def test_counts_callback_good_input_shows_seed_and_bars():
    calls = []

    def fake(*args):
        calls.append(args)
        return ed.finite_n_counts(*args[:-1], 200)  # fewer samples: a fast test

    out = effect.counts_outputs(
        1, _state(activation="softplus", seed=11, lab_N=30), None, -1.64, fake
    )
    assert calls[0][2:5] == (30, -1.64, 11)
    assert out["alert"] is None and out["run_key"]["seed"] == 11
    assert "seed 11" in out["figure"].layout.title.text
    assert [t.type for t in out["figure"].data] == ["bar", "bar"]
    assert all(t.error_y.array is not None for t in out["figure"].data)
    assert "Seed 11" in _text(out["table"])


def test_counts_callback_turns_failures_into_messages():
    def broken(*args):
        raise RuntimeError("boom")

    def refused(*args):
        raise ValueError("N must be small")

    out = effect.counts_outputs(1, default_state(), None, None, broken)
    assert "internal error" in _text(out["alert"]) and out["run_key"] is None
    assert _is_real_figure(out["figure"])
    out = effect.counts_outputs(1, default_state(), None, None, refused)
    assert "N must be small" in _text(out["alert"])


def test_lab_n_outside_the_panel_range_is_clamped_with_a_note():
    seen = []
    out = effect.counts_outputs(
        1,
        _state(lab_N=5000),
        None,
        None,
        lambda *a: seen.append(a[2]) or ed.finite_n_counts(*a[:-1], 50),
    )
    assert seen == [ed.N_RANGE[1]]
    assert "5000" in _text(out["alert"])


def test_stale_notice():
    key = effect._run_key(sanitize(default_state())[0])
    assert effect.stale_notice(default_state(), key) is None
    assert effect.stale_notice(default_state(), None) is None
    assert "H" in effect.stale_notice(_state(H=5), key)
    assert effect.stale_notice(_state(K=9), key) is None  # K does not enter the counts


def test_layout_has_the_view_ids():
    layout = effect.layout("effect", default_state())
    found = {getattr(c, "id", None) for c in walk(layout)}
    for cid in (
        ids.EFFECT_MODULATION_GRAPH,
        ids.EFFECT_COMPARE_GRAPH,
        ids.EFFECT_COUNTS_GRAPH,
        ids.EFFECT_RUN,
        ids.EFFECT_N_INPUT,
        ids.EFFECT_U_INPUT,
        ids.EFFECT_ALERT,
        ids.EFFECT_RUN_STORE,
    ):
        assert cid in found and cid.startswith("effect-")
    graphs = [c for c in walk(layout) if isinstance(c, dcc.Graph)]
    assert all(_is_real_figure(g.figure) for g in graphs)  # never blank, even before callbacks
    assert "published" in _text(layout) and "docs/theory.md" in _text(layout)
    effect.layout("effect", {"H": "junk"})  # a bad state still builds


# ---------------------------------------------------------------------------------------
# Through Dash: registration and forged requests
# ---------------------------------------------------------------------------------------


@pytest.fixture(params=[None, "FileSystemCache"])
def client(request, tmp_path):
    app = Dash(__name__)
    app.layout = html.Div(
        [
            dcc.Store(id=ids.EFFECT_STATE, data=default_state()),
            effect.layout("effect", default_state()),
        ]
    )
    cache = None
    if request.param:
        cache = init_cache(app.server, Settings(cache_type=request.param, cache_dir=str(tmp_path)))
    effect.register(app, "effect", Services(cache=cache))
    return app.server.test_client()


def test_good_request_through_dash_twice(client):
    deps = client.get("/_dash-dependencies").get_json()
    dep = find_callback(deps, ids.EFFECT_MODULATION_GRAPH)
    settings = {**default_state(), "activation": "softplus", "H": 4}
    first, second = (
        post_callback(client, dep, {f"{ids.EFFECT_STATE}.data": settings}) for _ in range(2)
    )
    assert first.status_code == second.status_code == 200
    assert (
        first.get_json()["response"] == second.get_json()["response"]
    )  # cached or not, same answer
    resp = first.get_json()["response"]
    assert resp[ids.EFFECT_ALERT]["children"] is None
    assert (
        len(resp[ids.EFFECT_COMPARE_GRAPH]["figure"]["data"]) == 6
    )  # K₀ and share for 3 activations


def test_forged_request_through_dash_gives_200_and_a_message(client):
    deps = client.get("/_dash-dependencies").get_json()
    dep = find_callback(deps, ids.EFFECT_MODULATION_GRAPH)
    r = post_callback(client, dep, {f"{ids.EFFECT_STATE}.data": {"H": "<script>", "gamma": 1e9}})
    assert r.status_code == 200
    resp = r.get_json()["response"]
    alert = json.dumps(resp[ids.EFFECT_ALERT], ensure_ascii=False)
    assert "Depth H" in alert and "γ" in alert
    assert resp[ids.EFFECT_MODULATION_GRAPH]["figure"]["data"]

    run = find_callback(deps, ids.EFFECT_COUNTS_GRAPH)
    r = post_callback(
        client,
        run,
        {
            f"{ids.EFFECT_RUN}.n_clicks": 1,
            f"{ids.EFFECT_STATE}.data": [1],
            f"{ids.EFFECT_N_INPUT}.value": 2,
            f"{ids.EFFECT_U_INPUT}.value": "-9",
        },
    )
    assert r.status_code == 200
    resp = r.get_json()["response"]
    assert "Level u" in json.dumps(resp[ids.EFFECT_COUNTS_ALERT], ensure_ascii=False)
    assert resp[ids.EFFECT_COUNTS_GRAPH]["figure"]["data"]


def test_hidden_view_computes_nothing(client, monkeypatch):
    """The view reads its slice store, which the settings sync fills only while it is shown."""
    deps = client.get("/_dash-dependencies").get_json()
    dep = find_callback(deps, ids.EFFECT_MODULATION_GRAPH)
    assert [i["id"] for i in dep["inputs"]] == [ids.EFFECT_STATE]
    calls = []
    monkeypatch.setattr(effect, "effect_outputs", lambda *a: calls.append(a))
    r = post_callback(client, dep, {f"{ids.EFFECT_STATE}.data": None})
    assert r.status_code == 204 and calls == []


def test_counts_table_flags_an_untrustworthy_estimate():
    def fake(*args):
        counts = ed.finite_n_counts(*args[:-1], 200)
        counts["minima"] = {
            **counts["minima"],
            "reliable": False,
            "ess": 3.0,
            "warning": "one sample carries 80 % of the sum",
        }
        return counts

    out = effect.counts_outputs(
        1, _state(activation="softplus", seed=11, lab_N=30), None, -1.64, fake
    )
    text = _text(out["table"])
    assert "Do not trust the minima count" in text and "80 %" in text


def test_counts_table_says_nothing_when_the_estimates_are_sound():
    def fake(*args):
        counts = ed.finite_n_counts(*args[:-1], 200)
        for key in ("minima", "saddles"):
            counts[key] = {**counts[key], "reliable": True, "warning": ""}
        return counts

    out = effect.counts_outputs(
        1, _state(activation="softplus", seed=11, lab_N=30), None, -1.64, fake
    )
    assert "Do not trust" not in _text(out["table"])


def test_counts_run_through_the_executor_with_progress(monkeypatch):
    """The counts' Monte Carlo units go to this process's executor (here a pool of 2) and
    report their progress; the result equals the in-process one bit for bit."""
    from components import tasks
    from compute.executor import LocalExecutor

    act = Activation("softplus", None, 8, 0.0, 1.0, None, 1.0)
    monkeypatch.setattr(tasks, "_executor", LocalExecutor(1))
    serial = ed.finite_n_counts(act, 3, 20, -1.6, 4, 1200)
    monkeypatch.setattr(tasks, "_executor", LocalExecutor(2))
    seen = []
    out = effect.counts_outputs(1, _state(activation="softplus", seed=4, lab_N=20), None, -1.6,
                                lambda *a: ed.finite_n_counts(*a[:-1], 1200), seen.append)
    assert out["alert"] is None
    assert seen[-1] == "100" and len(seen) >= 4  # 2 × 3 units
    assert [int(x) for x in seen] == sorted(int(x) for x in seen)
    pooled = ed.finite_n_counts(act, 3, 20, -1.6, 4, 1200)
    assert repr(pooled["minima"]) == repr(serial["minima"])
    assert repr(pooled["saddles"]) == repr(serial["saddles"])


def test_counts_csv_holds_every_number_of_the_run():
    out = effect.counts_outputs(1, _state(activation="softplus", seed=4), 2, -1.6)
    doc = _csv_of(out["figure"])
    assert doc.columns[:4] == ["index", "phi0_count", "phi0_stderr", "count"]
    assert [r[0] for r in doc.rows] == ["0", "1"]
    assert doc.header["N"] == "2" and doc.header["u"] == "-1.6" and doc.header["seed"] == "4"
    assert doc.header["link"].endswith("tab=effect") and "seed=4" in doc.header["link"]
    bars = out["figure"].data[1]  # with φ
    assert float(doc.rows[0][3]) == bars.y[0] and float(doc.rows[1][3]) == bars.y[1]
