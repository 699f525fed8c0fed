"""Figures carry the right data: compared with compute/ and with closed forms."""

from __future__ import annotations

import math

import numpy as np
import pytest

from compute import complexity
from components.data import activation_data, complexity_data, complexity_grid
from components.figures import activation_figure, complexity_figure, label_rows, message_figure
from components.views import render_activation, render_complexity


def _traces(fig):
    return {t.name: t for t in fig.data}


@pytest.mark.parametrize("H,K", [(2, 0), (3, 5), (7, 10), (12, 3)])
def test_complexity_figure_has_one_curve_per_index_plus_total(H, K):
    d = complexity_data(H, K)
    fig = complexity_figure(d["u"], d["theta_k"], d["theta_total"], d["energies"], d["e_inf"], H,
                            d["x_window"], d["y_window"])
    assert len(fig.data) == K + 2
    u = np.asarray(fig.data[0].x)
    for k in range(K + 1):
        np.testing.assert_allclose(fig.data[k].y, complexity.theta(u, H, k), rtol=0, atol=0)
    np.testing.assert_allclose(fig.data[-1].y, complexity.theta(u, H), rtol=0, atol=0)
    assert "all critical points" in fig.data[-1].name


def test_complexity_curves_match_closed_form_of_theory_section_3():
    """Independent transcription of theory §3 (different algebra from compute/)."""
    H, K = 4, 3
    d = complexity_data(H, K)
    u = d["u"]
    einf = 2 * math.sqrt((H - 1) / H)
    below = u <= -einf
    root = np.sqrt(np.where(below, u * u - einf**2, 0.0))
    i1 = np.where(below, -(u / einf**2) * root - np.log(-u + root) + math.log(einf), 0.0)
    base = 0.5 * math.log(H - 1) - (H - 2) / (4 * (H - 1)) * u**2
    for k in range(K + 1):
        expected = np.where(below, base - (k + 1) * i1, 0.5 * math.log(H - 1) - (H - 2) / H)
        np.testing.assert_allclose(d["theta_k"][k], expected, rtol=1e-9, atol=1e-12)
    total = np.where(u >= 0, 0.5 * math.log(H - 1), base - i1)
    np.testing.assert_allclose(d["theta_total"], total, rtol=1e-9, atol=1e-12)


def test_complexity_figure_marks_energies_band_and_zero_line():
    H, K = 3, 4
    d = complexity_data(H, K)
    fig = complexity_figure(d["u"], d["theta_k"], d["theta_total"], d["energies"], d["e_inf"], H,
                            d["x_window"], d["y_window"])
    shapes = fig.layout.shapes
    band = [s for s in shapes if s.type == "rect"]
    assert len(band) == 1
    assert band[0].x0 == pytest.approx(-d["energies"][0]) and band[0].x1 == pytest.approx(-d["e_inf"])
    vlines = sorted(s.x0 for s in shapes if s.type == "line" and s.xref == "x")
    expected = sorted([-e for e in d["energies"]] + [-d["e_inf"]])
    np.testing.assert_allclose(vlines, expected)
    zero = [s for s in shapes if s.type == "line" and s.yref == "y"]
    assert len(zero) == 1 and zero[0].y0 == 0 == zero[0].y1
    texts = {a.text for a in fig.layout.annotations}
    assert "−E<sub>0</sub>" in texts and "−E<sub>∞</sub>" in texts
    assert fig.layout.hovermode == "x unified"


def test_published_check_values_for_depth_three():
    """Theory §3: H = 3 gives E_0 ≈ 1.657 and E_∞ ≈ 1.633."""
    d = complexity_data(3, 0)
    assert d["energies"][0] == pytest.approx(1.657, abs=5e-4)
    assert d["e_inf"] == pytest.approx(1.633, abs=5e-4)


@pytest.mark.parametrize("H", range(3, 13))
def test_ground_state_curve_crosses_zero_at_minus_e0_inside_the_window(H):
    d = complexity_data(H, 2)
    u, th0 = d["u"], d["theta_k"][0]
    e0 = d["energies"][0]
    lo, hi = d["x_window"]
    assert lo < -e0 < -d["e_inf"] < hi
    assert np.all(th0[u < -e0 - 1e-9] < 0) and np.all(th0[(u > -e0 + 1e-9)] > 0)
    assert np.any(np.isclose(u, -e0, rtol=0, atol=0))  # -E_0 is on the grid
    assert d["y_window"][0] < 0 < d["plateau"] < d["y_window"][1]


def test_grid_is_sorted_and_dense_in_the_window():
    energies = complexity.ground_state_energies(5, 3)
    u, (lo, hi), width = complexity_grid(energies, complexity.e_inf(5))
    assert np.all(np.diff(u) > 0)
    inside = (u >= lo) & (u <= hi)
    assert inside.sum() > 300 and u[-1] == pytest.approx(0.1)
    assert width == pytest.approx(energies[0] - complexity.e_inf(5))


def test_label_rows_spread_crowded_labels():
    assert label_rows([0.0, 0.5, 1.0], min_gap=0.1) == [0, 0, 0]
    assert label_rows([0.0, 0.01, 0.02, 0.03], min_gap=0.1, rows=3) == [0, 1, 2, None]
    assert label_rows([0.03, 0.0], min_gap=0.1) == [1, 0]


def test_activation_data_for_relu_is_exact():
    d = activation_data("relu", None, 2, 0.0, 1.0, 3)
    np.testing.assert_allclose(d["fit"], np.maximum(d["z"], 0.0), atol=1e-9)
    np.testing.assert_allclose(d["f"], np.maximum(d["z"], 0.0), atol=0)
    assert d["alpha_bar"] == pytest.approx(0.5, abs=1e-9)
    assert d["beta_bar"] == pytest.approx(0.0, abs=1e-9)
    assert d["loss_scale"] == pytest.approx(0.25, abs=1e-9)
    assert d["error"] == pytest.approx(0.0, abs=1e-9)
    # the density is N(mu, sigma^2): its mass on mu +- 4 sigma is erf(4 / sqrt 2)
    mass = np.trapezoid(d["density"], d["z"])
    assert mass == pytest.approx(math.erf(4 / math.sqrt(2)), abs=1e-4)


def test_activation_figure_traces():
    d = activation_data("relu", None, 2, 0.5, 2.0, 3)
    fig = activation_figure(d["z"], d["f"], d["fit"], d["breakpoints"], d["breakpoint_values"],
                            d["density"], "ReLU", d["pieces"])
    names = [t.name for t in fig.data]
    assert names[0].startswith("density") and fig.data[0].yaxis == "y2"
    assert any(n.startswith("f(z)") for n in names) and any(n.startswith("PL fit") for n in names)
    marks = [t for t in fig.data if t.mode == "markers"]
    assert len(marks) == 1 and list(marks[0].x) == pytest.approx([0.0])
    assert fig.layout.yaxis2.overlaying == "y" and fig.layout.yaxis2.side == "right"
    assert fig.layout.xaxis.range == (pytest.approx(0.5 - 8.0), pytest.approx(0.5 + 8.0))


def test_message_figure_shows_escaped_text_and_no_data():
    fig = message_figure("bad <b>value</b> " + "x" * 100)
    assert len(fig.data) == 0
    text = fig.layout.annotations[0].text
    assert "&lt;b&gt;" in text and "<b>" not in text and "<br>" in text


def test_renderers_return_serialisable_figures():
    import json

    import plotly.io as pio

    c = render_complexity(3, 2)
    assert c["energies"][0] == pytest.approx(complexity.ground_state_energies(3, 0)[0])
    a = render_activation("relu", None, 2, 0.0, 1.0, 3, None)
    for fig in (c["figure"], a["figure"]):
        text = pio.to_json(fig)
        assert json.loads(text)["data"]


def test_tanh_fit_is_piecewise_linear_with_marked_breakpoints():
    from scipy import integrate

    d = activation_data("tanh", None, 4, 0.0, 1.0, 3)
    z, fit = d["z"], d["fit"]
    a = np.asarray(d["breakpoints"])
    assert d["pieces"] == 4 and len(a) == 3
    np.testing.assert_allclose(d["f"], np.tanh(z), atol=1e-15)
    # collinear between breakpoints: the local slopes are constant on each piece
    edges = np.concatenate(([-np.inf], a, [np.inf]))
    for lo, hi, slope in zip(edges[:-1], edges[1:], d["slopes"]):
        inside = (z > lo + 1e-9) & (z < hi - 1e-9)
        zi, fi = z[inside], fit[inside]
        np.testing.assert_allclose(np.diff(fi) / np.diff(zi), slope, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(d["breakpoint_values"], np.interp(a, z, fit), atol=1e-12)
    # tanh is odd at mu = 0, so is its fit: beta_bar = 0 (theory §5.3)
    assert abs(d["beta_bar"]) < 1e-12
    # the reported MSE agrees with an independent quadrature of E[(tanh Z - f^(Z))^2]
    slopes, intercepts = np.asarray(d["slopes"]), np.asarray(d["intercepts"])

    def sq_err(t):
        piece = np.searchsorted(a, t, side="left")
        return (np.tanh(t) - slopes[piece] * t - intercepts[piece]) ** 2 * math.exp(-t * t / 2)

    mse = sum(
        integrate.quad(sq_err, lo, hi, epsabs=1e-14, epsrel=1e-10)[0]
        for lo, hi in zip(edges[:-1], edges[1:])
    ) / math.sqrt(2 * math.pi)
    assert d["error"] == pytest.approx(mse, rel=1e-6)


def test_hard_tanh_is_reproduced_exactly_with_beta_bar_zero():
    d = activation_data("hard_tanh", None, 8, 0.0, 1.5, 5)
    assert d["exact"] and d["pieces"] == 3
    np.testing.assert_allclose(d["fit"], np.clip(d["z"], -1, 1), atol=1e-12)
    assert list(d["breakpoints"]) == [-1.0, 1.0]
    assert abs(d["beta_bar"]) < 1e-12 and all(abs(k) < 1e-12 for k in d["kappa"])
    # alpha_bar = P(|Z| < 1) for the slopes (0, 1, 0)
    assert d["alpha_bar"] == pytest.approx(math.erf(1 / (1.5 * math.sqrt(2))), rel=1e-12)
    assert d["loss_scale"] == pytest.approx(d["alpha_bar"] ** 4, rel=1e-12)


def test_custom_knots_are_drawn_through_the_knots():
    knots = ((-2.0, -1.0), (-0.5, -0.5), (0.5, 0.8), (2.0, 1.0))
    d = activation_data("custom", None, 8, 0.0, 1.0, 3, knots)
    zk, fk = zip(*knots)
    inside = (d["z"] >= -2) & (d["z"] <= 2)
    np.testing.assert_allclose(d["f"][inside], np.interp(d["z"][inside], zk, fk), atol=1e-12)
    np.testing.assert_allclose(d["fit"], d["f"], atol=1e-12)
    assert list(d["breakpoints"]) == [-0.5, 0.5]
