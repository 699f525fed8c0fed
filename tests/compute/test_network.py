"""Tests of compute.network (theory §5.3): κ_d, the loss scale, φ and describe_activation."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import special

from compute.activations import fit_piecewise_linear, piece_statistics
from compute.network import (
    ActivationModel,
    d2phi,
    describe_activation,
    dphi,
    kappa_coefficients,
    loss_scale,
    phi,
)


@pytest.mark.parametrize("H", [2, 3, 7, 12])
@pytest.mark.parametrize("mu, sigma", [(0.0, 1.0), (0.8, 0.3), (-1.5, 2.0)])
def test_relu_gives_the_pure_spin_glass(H, mu, sigma):
    m = describe_activation("relu", None, 4, mu, sigma, H, gamma=2.0)
    p = special.ndtr(mu / sigma)
    assert m.kappa == (0.0,) * (H - 1) and m.is_spin_glass
    assert m.alpha_bar == pytest.approx(p, rel=1e-14) and m.beta_bar == 0.0
    assert m.loss_scale == pytest.approx(p ** (H - 1), rel=1e-13)
    np.testing.assert_array_equal(m.phi(np.linspace(-3, 3, 7)), 0.0)


def test_leaky_relu_and_hard_tanh_at_zero_mean_have_no_deterministic_part():
    assert describe_activation("leaky_relu", 0.1, 2, 0.7, 1.0, 5).is_spin_glass
    assert describe_activation("hard_tanh", None, 3, 0.0, 1.5, 5).is_spin_glass
    tanh = describe_activation("tanh", None, 7, 0.0, 1.0, 5)
    assert max(abs(k) for k in tanh.kappa) < 1e-12


@pytest.mark.parametrize("H", [2, 3, 6, 10])
def test_sigmoid_at_zero_mean_kappa_ratios(H):
    m = describe_activation("sigmoid", None, 7, 0.0, 1.0, H, gamma=0.7)
    a, b = m.alpha_bar, m.beta_bar
    assert b == pytest.approx(0.5, abs=1e-12)  # sigmoid − ½ is odd, so is its fit
    assert 0.2 < a < 0.21  # E σ'(Z) ≈ 0.2066 for Z ~ N(0, 1)
    k = np.asarray(m.kappa)
    assert k.shape == (H - 1,)
    assert k[-1] == pytest.approx(0.7 * b / a, rel=1e-14)  # κ_{H−1} = γ β̄ / ᾱ
    assert k[0] == pytest.approx(0.7 * b * a ** (1 - H), rel=1e-13)  # κ_1 = γ β̄ ᾱ^{1−H}
    np.testing.assert_allclose(k[1:] / k[:-1], a, rtol=1e-14)  # κ_{d+1} / κ_d = ᾱ
    assert m.loss_scale == pytest.approx(a ** (H - 1), rel=1e-14)


def test_gamma_scales_kappa_linearly():
    base = describe_activation("softplus", None, 6, 0.3, 1.2, 5, gamma=1.0)
    for g in (0.0, 0.25, 3.0, 100.0):
        m = describe_activation("softplus", None, 6, 0.3, 1.2, 5, gamma=g)
        np.testing.assert_allclose(m.kappa, g * np.asarray(base.kappa), rtol=1e-15, atol=0)
        assert m.alpha_bar == base.alpha_bar and m.loss_scale == base.loss_scale
    assert describe_activation("softplus", None, 6, 0.3, 1.2, 5, gamma=0.0).is_spin_glass


def test_kappa_formula_against_explicit_products():
    """κ_d = γ β̄ ᾱ^{d−1} / ᾱ^{H−1}, written out term by term."""
    for a, b, H, g in ((0.3, -0.7, 6, 1.5), (-0.8, 0.2, 5, 1.0), (1.7, 0.05, 12, 0.3)):
        want = [g * b * np.prod([a] * (d - 1)) / np.prod([a] * (H - 1)) for d in range(1, H)]
        np.testing.assert_allclose(kappa_coefficients(a, b, H, g), want, rtol=1e-13)
    assert kappa_coefficients(0.5, 0.25, 2) == (0.5,)
    assert loss_scale(-0.5, 4) == pytest.approx(-0.125)


def test_zero_mean_slope_is_rejected_with_a_clear_message():
    flat = ((-1.0, 0.3), (1.0, 0.3))  # a custom activation with zero slopes
    with pytest.raises(ValueError, match="ᾱ"):
        describe_activation("custom", None, 2, 0.0, 1.0, 3, knots=flat)
    # ReLU far left of its kink: ᾱ = Φ(−1000) = 0
    with pytest.raises(ValueError, match="flat"):
        describe_activation("relu", None, 2, -10.0, 0.01, 3)
    # a kink far from the data: ᾱ = Φ(−8.5) ≈ 1e-17, rejected as "almost flat"
    with pytest.raises(ValueError, match="almost"):
        describe_activation("relu", None, 2, -8.5, 1.0, 3)
    with pytest.raises(ValueError, match="ᾱ"):
        kappa_coefficients(0.0, 0.3, 4)
    with pytest.raises(ValueError, match="ᾱ"):
        loss_scale(0.0, 4)
    with pytest.raises(ValueError, match="overflow"):
        kappa_coefficients(1e-30, 1.0, 20)


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        (dict(H=1), "depth H"),
        (dict(H=65), "depth H"),
        (dict(H=3.5), "depth H"),
        (dict(H=True), "depth H"),
        (dict(gamma=-1.0), "γ"),
        (dict(gamma=float("nan")), "γ"),
        (dict(gamma="x"), "γ"),
        (dict(pieces=0), "pieces L"),
        (dict(sigma=0.0), "σ"),
        (dict(name="nope"), "activation must be one of"),
    ],
)
def test_describe_activation_rejects_bad_input(kwargs, fragment):
    args = dict(name="tanh", param=None, pieces=4, mu=0.0, sigma=1.0, H=3) | kwargs
    with pytest.raises(ValueError) as info:
        describe_activation(**args)
    assert fragment in str(info.value)


def test_phi_and_derivatives():
    kappa = (0.7, -1.3, 0.4, 2.0)
    s = np.linspace(-2.5, 2.5, 11)
    want = sum(k * s ** (d + 1) for d, k in enumerate(kappa))
    np.testing.assert_allclose(phi(s, kappa), want, rtol=1e-14, atol=1e-14)
    dwant = sum((d + 1) * k * s**d for d, k in enumerate(kappa))
    np.testing.assert_allclose(dphi(s, kappa), dwant, rtol=1e-14, atol=1e-14)
    d2want = sum((d + 1) * d * k * s ** (d - 1) for d, k in enumerate(kappa) if d >= 1)
    np.testing.assert_allclose(d2phi(s, kappa), d2want, rtol=1e-14, atol=1e-14)
    # central differences as an independent check of the derivatives
    h = 1e-5
    fd1 = (phi(s + h, kappa) - phi(s - h, kappa)) / (2 * h)
    fd2 = (dphi(s + h, kappa) - dphi(s - h, kappa)) / (2 * h)
    np.testing.assert_allclose(dphi(s, kappa), fd1, rtol=1e-8, atol=1e-8)
    np.testing.assert_allclose(d2phi(s, kappa), fd2, rtol=1e-8, atol=1e-8)
    # shapes: scalar in, scalar out; grids keep their shape; H = 2 has φ'' ≡ 0
    assert np.ndim(phi(1.0, kappa)) == 0
    assert phi(np.zeros((3, 4)), kappa).shape == (3, 4)
    np.testing.assert_array_equal(d2phi(s, (0.9,)), 0.0)
    assert d2phi(s, (0.9,)).shape == s.shape
    with pytest.raises(ValueError):
        phi(s, (1.0, float("nan")))


def test_describe_activation_is_consistent_with_its_parts():
    m = describe_activation("gelu", None, 9, 0.4, 1.7, 4, gamma=1.3)
    assert isinstance(m, ActivationModel)
    fit = fit_piecewise_linear("gelu", None, 9, 0.4, 1.7)
    stats = piece_statistics(fit.pl, 0.4, 1.7)
    assert m.fit == fit and m.rho == stats.rho and len(m.rho) == 9
    assert m.alpha_bar == stats.alpha_bar and m.beta_bar == stats.beta_bar
    assert m.kappa == kappa_coefficients(stats.alpha_bar, stats.beta_bar, 4, 1.3)
    assert m.fit_error == fit.error
    s = np.linspace(-2, 2, 5)
    np.testing.assert_array_equal(m.phi(s), phi(s, m.kappa))
    np.testing.assert_array_equal(m.dphi(s), dphi(s, m.kappa))
    np.testing.assert_array_equal(m.d2phi(s), d2phi(s, m.kappa))
    assert hash(m) == hash(describe_activation("gelu", None, 9, 0.4, 1.7, 4, gamma=1.3))


def test_custom_activation_through_describe_activation():
    knots = ((-2.0, -1.0), (0.0, 0.0), (1.0, 2.0))
    m = describe_activation("custom", None, 3, 0.5, 1.0, 3, knots=knots)
    assert m.fit.exact and m.fit.pl.slopes == (0.5, 2.0)
    p = special.ndtr(0.5)
    assert m.alpha_bar == pytest.approx(0.5 * (1 - p) + 2.0 * p, rel=1e-14)
    assert m.beta_bar == pytest.approx(0.0, abs=1e-15)


def test_rounding_level_beta_bar_is_zero_for_odd_activations_at_mu_zero():
    """tanh at μ = 0 with an odd fit: Σ ρ_ℓ β_ℓ is a few 1e-16 in floating point; β̄ and κ must be
    exactly 0.  The least-squares fit is odd for odd L; for even L only the symmetric option is."""
    for pieces, symmetric in ((3, False), (7, False), (8, True), (4, True)):
        m = describe_activation("tanh", None, pieces, 0.0, 1.0, 4, symmetric=symmetric)
        assert m.beta_bar == 0.0 and m.kappa == (0.0, 0.0, 0.0)
    m = describe_activation("tanh", None, 8, 0.0, 1.0, 4)  # best fit, even L: asymmetric, β̄ > 0
    assert m.beta_bar > 1e-5 and all(k > 0.0 for k in m.kappa)
    m = describe_activation("tanh", None, 7, 0.05, 1.0, 4)  # off-centre: a real β̄ survives
    assert abs(m.beta_bar) > 1e-6 and any(k != 0.0 for k in m.kappa)
