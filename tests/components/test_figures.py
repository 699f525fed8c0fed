"""Figures carry the right data: compared with compute/ and with closed forms."""

from __future__ import annotations

import math

import numpy as np
import pytest

from components.data.analytic import U_SPAN, activation_data, complexity_data, complexity_grid
from components.figures.analytic import activation_figure, complexity_figure, label_rows
from components.figures.style import message_figure
from components.state import Activation
from components.views.analytic import render_activation, render_complexity
from compute import complexity


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
    assert inside.sum() > 300
    assert u[0] <= U_SPAN[0] and u[-1] == pytest.approx(U_SPAN[1])  # the range control's span
    assert width == pytest.approx(energies[0] - complexity.e_inf(5))


def test_label_rows_spread_crowded_labels():
    assert label_rows([0.0, 0.5, 1.0], min_gap=0.1) == [0, 0, 0]
    assert label_rows([0.0, 0.01, 0.02, 0.03], min_gap=0.1, rows=3) == [0, 1, 2, None]
    assert label_rows([0.03, 0.0], min_gap=0.1) == [1, 0]


def test_activation_data_for_relu_is_exact():
    d = activation_data(Activation("relu", None, 2, 0.0, 1.0), 3)
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
    d = activation_data(Activation("relu", None, 2, 0.5, 2.0), 3)
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
    a = render_activation(Activation("relu", None, 2, 0.0, 1.0), 3)
    figures = [*c["figures"].values(), *a["figures"].values()]
    assert len(figures) == 4
    for fig in figures:
        text = pio.to_json(fig)
        assert json.loads(text)["data"]


def test_tanh_fit_is_piecewise_linear_with_marked_breakpoints():
    from scipy import integrate

    d = activation_data(Activation("tanh", None, 4, 0.0, 1.0), 3)
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
    # tanh is odd at mu = 0, but with an even number of pieces its least-squares fit is not
    # (theory §5.1; the mirror image with beta_bar > 0 is the one returned); odd L: beta_bar = 0
    assert d["beta_bar"] > 1e-4
    assert abs(activation_data(Activation("tanh", None, 5, 0.0, 1.0), 3)["beta_bar"]) < 1e-12
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
    d = activation_data(Activation("hard_tanh", None, 8, 0.0, 1.5), 5)
    assert d["exact"] and d["pieces"] == 3
    np.testing.assert_allclose(d["fit"], np.clip(d["z"], -1, 1), atol=1e-12)
    assert list(d["breakpoints"]) == [-1.0, 1.0]
    assert abs(d["beta_bar"]) < 1e-12 and all(abs(k) < 1e-12 for k in d["kappa"])
    # alpha_bar = P(|Z| < 1) for the slopes (0, 1, 0)
    assert d["alpha_bar"] == pytest.approx(math.erf(1 / (1.5 * math.sqrt(2))), rel=1e-12)
    assert d["loss_scale"] == pytest.approx(d["alpha_bar"] ** 4, rel=1e-12)


def test_custom_knots_are_drawn_through_the_knots():
    knots = ((-2.0, -1.0), (-0.5, -0.5), (0.5, 0.8), (2.0, 1.0))
    d = activation_data(Activation("custom", None, 8, 0.0, 1.0, knots), 3)
    zk, fk = zip(*knots)
    inside = (d["z"] >= -2) & (d["z"] <= 2)
    np.testing.assert_allclose(d["f"][inside], np.interp(d["z"][inside], zk, fk), atol=1e-12)
    np.testing.assert_allclose(d["fit"], d["f"], atol=1e-12)
    assert list(d["breakpoints"]) == [-0.5, 0.5]


# ---------------------------------------------------------------------------------------
# Themes, layered structure, finite N, pieces and φ
# ---------------------------------------------------------------------------------------


def _arr(value) -> np.ndarray:
    """A data array of a figure (plotly may keep it as a base64 typed array)."""
    if isinstance(value, dict) and "bdata" in value:
        import base64

        data = np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
        return data.reshape(value["shape"]) if "shape" in value else data
    return np.asarray(value, dtype=float)


def test_styles_differ_by_theme_and_lecture_mode():
    from components.figures.style import figure_style, figure_template

    light, dark = figure_style("light"), figure_style("dark")
    assert light.paper != dark.paper and light.ink != dark.ink
    assert figure_style("dark", lecture=True).font_size > dark.font_size
    assert figure_template("nonsense") == figure_template("light")
    d = complexity_data(3, 2)
    fig = complexity_figure(d["u"], d["theta_k"], d["theta_total"], d["energies"], d["e_inf"], 3,
                            style=dark)
    assert fig.layout.template.layout.paper_bgcolor == dark.paper
    assert fig.data[-1].line.color == dark.total  # the dashed total stays visible on dark


def test_layered_figures_carry_the_energies():
    from components.data.analytic import layered_data
    from components.figures.analytic import layered_h_figure, layered_k_figure

    d = layered_data(10)
    assert list(d["H"]) == list(range(2, 13))
    for i, H in enumerate(d["H"]):
        np.testing.assert_allclose(d["energies"][i], complexity.ground_state_energies(H, 10), rtol=0)
    assert np.all(d["energies"][0] == pytest.approx(math.sqrt(2)))  # H = 2: every E_k = √2
    fig = layered_k_figure(d["energies"][1, :4], d["e_inf"][1], 3, scale=0.5)
    np.testing.assert_allclose(_arr(fig.data[0].y), 0.5 * complexity.ground_state_energies(3, 3))
    assert _arr(fig.data[1].y)[0] == pytest.approx(0.5 * 2 * math.sqrt(2 / 3))
    fig = layered_h_figure(d["H"], d["energies"], d["e_inf"], 7)
    chosen = fig.data[-1]
    assert list(_arr(chosen.x)) == [7, 7, 7]
    np.testing.assert_allclose(
        _arr(chosen.y), [*complexity.ground_state_energies(7, 1), complexity.e_inf(7)], rtol=1e-15
    )


def test_finite_n_curves_are_n_theta_and_the_exact_total():
    """Leading order log10 e^{NΘ} = NΘ/ln 10 (theory §3); exact total from theory §4."""
    from components.data.analytic import finite_data, loss_window
    from compute.finite_n import log_expected_total_count

    H, K, N = 4, 2, 150
    d = finite_data(H, K, N, 5, loss_window(H))
    u = d["u"]
    for k in range(K + 1):
        np.testing.assert_allclose(d["leading"][k], N * complexity.theta(u, H, k) / math.log(10),
                                   rtol=1e-13)
    np.testing.assert_allclose(d["exact_total"], log_expected_total_count(N, H, u) / math.log(10),
                               rtol=1e-13)
    # the exact count is below the leading order in the band, by a sub-exponential prefactor
    inside = (u > -d["energies"][0]) & (u < -d["e_inf"])
    gap = (d["leading_total"] - d["exact_total"])[inside]
    assert np.all(gap > 0) and np.all(gap < 3)
    # the Monte Carlo levels are grid points, and each index has a value per level
    assert set(d["mc_u"]) <= set(u) and [m[0] for m in d["mc"]] == [0, 1]
    assert all(len(m[1]) == len(d["mc_u"]) for m in d["mc"])


def test_monte_carlo_index_zero_agrees_with_the_exact_total_below_the_bulk():
    """Near −E_0 minima dominate: E Crt_N,0 ≈ E Crt_N (theory §4).

    The index-0 estimate there is the exact total minus sampled higher-index terms
    (compute/finite_n.py), so this checks that the Monte Carlo levels land on the grid
    points they belong to, and that the higher-index part is small (seeded).
    """
    from components.data.analytic import finite_data

    H, N = 3, 60
    e0 = complexity.ground_state_energies(H, 0)[0]
    d = finite_data(H, 1, N, 11, (-e0 - 0.02, -e0 + 0.01))
    k0 = d["mc"][0]
    at = np.searchsorted(d["u"], d["mc_u"])
    exact = 10 ** d["exact_total"][at]
    np.testing.assert_allclose(k0[1], exact, rtol=0.05)


def test_finite_figure_hides_unreliable_monte_carlo_points():
    from components.figures.analytic import MC_MAX_RELATIVE_ERROR, finite_figure

    u = np.linspace(-1.7, -1.6, 5)
    leading = np.vstack([np.linspace(-2, 1, 5)] * 2)
    mc = [(0, np.array([0.1, 0.2, 0.0, 0.4, 0.5]), np.array([0.01, 0.2, 0.0, 0.04, 0.05]), "mc")]
    fig = finite_figure(u, leading, leading[0], None, mc, u, [1.66], 1.63, 3, 50, 7, (-1.7, -1.6))
    marks = [t for t in fig.data if t.mode == "markers"]
    assert len(marks) == 1 and "seed 7" in marks[0].name
    kept = [0, 3, 4]  # 0.2 ± 0.2 is above MC_MAX_RELATIVE_ERROR, 0.0 was never reached
    assert MC_MAX_RELATIVE_ERROR == 0.5
    np.testing.assert_allclose(_arr(marks[0].x), u[kept])
    np.testing.assert_allclose(_arr(marks[0].y), np.log10([0.1, 0.4, 0.5]))
    assert not any("exact" in (t.name or "") for t in fig.data)


def test_piece_probabilities_are_normal_masses_of_the_pieces():
    """Theory §5.2: ρ_ℓ = P(a_{ℓ−1} < Z ≤ a_ℓ), ᾱ = Σ ρ_ℓ α_ℓ, β̄ = Σ ρ_ℓ β_ℓ (scipy reference)."""
    from scipy.stats import norm

    mu, sigma = 0.3, 1.7
    d = activation_data(Activation("softplus", None, 5, mu, sigma), 4)
    edges = np.concatenate(([-np.inf], d["all_breakpoints"], [np.inf]))
    rho = np.diff(norm.cdf(edges, loc=mu, scale=sigma))
    np.testing.assert_allclose(d["rho"], rho, atol=1e-14)
    assert d["alpha_bar"] == pytest.approx(float(np.dot(rho, d["slopes"])), rel=1e-12)
    assert d["beta_bar"] == pytest.approx(float(np.dot(rho, d["intercepts"])), rel=1e-12)


@pytest.mark.parametrize("H,gamma", [(3, 1.0), (5, 0.4), (2, 2.0)])
def test_phi_is_the_polynomial_of_theory_5_3(H, gamma):
    """φ(s) = γ Σ_{d=1}^{H−1} β̄ ᾱ^{d−1}/ᾱ^{H−1} s^d, evaluated here independently."""
    d = activation_data(Activation("sigmoid", None, 6, 0.2, 1.0, None, gamma), H)
    a, b, s = d["alpha_bar"], d["beta_bar"], d["s"]
    expected = sum(gamma * b * a ** (dd - 1) / a ** (H - 1) * s**dd for dd in range(1, H))
    np.testing.assert_allclose(d["phi"], expected, rtol=1e-12, atol=1e-12)
    assert d["gamma"] == gamma and len(d["kappa"]) == H - 1


def test_pieces_and_phi_figures():
    from components.figures.analytic import phi_figure, pieces_figure

    d = activation_data(Activation("tanh", None, 4, 0.0, 1.0), 3)
    fig = pieces_figure(d["rho"], d["slopes"], d["intercepts"], d["all_breakpoints"],
                        d["alpha_bar"], d["beta_bar"])
    assert list(fig.data[0].x) == ["ℓ = 1", "ℓ = 2", "ℓ = 3", "ℓ = 4"]
    np.testing.assert_allclose(_arr(fig.data[1].y), d["slopes"])
    assert f"{d['alpha_bar']:.4f}" in fig.layout.title.text
    d5 = activation_data(Activation("tanh", None, 5, 0.0, 1.0), 3)  # tanh at μ = 0, odd L: β̄ = 0, φ ≡ 0
    zero = phi_figure(d5["s"], d5["phi"], d5["kappa"], 1.0, 3)
    assert "≡ 0" in zero.data[1].name
    d = activation_data(Activation("sigmoid", None, 4, 0.0, 1.0), 3)
    fig = phi_figure(d["s"], d["phi"], d["kappa"], 1.0, 3)
    assert "≡ 0" not in fig.data[1].name and "s<sup>2</sup>" in fig.layout.title.text
