"""Tests of compute.overlap (theory §5.6).

References independent of the code under test: theory §3 (compute.complexity, itself checked
against 40-digit mpmath), a 30-digit mpmath evaluation of the profile with Φ(y) = ∫ log|λ − y| ρ_sc
by quadrature, the large-N modulation factor of theory §5.5 (compute.kac_rice), and exact
statements (one minimum per pole of φ).  Monte Carlo validation against theory §5.4 is in
test_overlap_mc.py.
"""

from __future__ import annotations

import doctest
import math

import mpmath as mp
import numpy as np
import pytest

import compute.overlap as ov
from compute.complexity import e_inf, ground_state_energies, theta
from compute.kac_rice import modulation_diverges, modulation_factor, modulation_s2_coefficient
from compute.overlap import ground_state, leading_complexity, overlap_profile, phase_diagram

mp.mp.dps = 30


def _phi_mp(y):
    """Φ(y) = ∫ log|λ − y| ρ_sc(λ) dλ, semicircle on [−√2, √2], by mpmath quadrature."""
    y = mp.mpf(y)
    r = mp.sqrt(2)
    rho = lambda t: mp.sqrt(max(mp.mpf(0), 2 - t * t)) / mp.pi  # noqa: E731
    pts = [-r, r] if abs(y) >= r else [-r, y, r]
    return mp.quad(lambda t: mp.log(abs(t - y)) * rho(t) if t != y else mp.mpf(0), pts)


def _sigma_mp(u, m, H, kappa, N):
    """Σ_N(u, m) of theory §5.6 typed out independently at 30 digits."""
    u, m, N = mp.mpf(u), mp.mpf(m), mp.mpf(N)
    f = sum(mp.mpf(k) * N ** (mp.mpf(d) / 2 - 1) * m**d for d, k in enumerate(kappa, start=1))
    fp = sum(d * mp.mpf(k) * N ** (mp.mpf(d) / 2 - 1) * m ** (d - 1) for d, k in enumerate(kappa, start=1))
    a = mp.sqrt(2 * H * (H - 1))
    y = (H * (u - f) + m * fp) / a
    return (mp.log(2 * (H - 1)) / 2 + mp.mpf(1) / 2 + mp.log(1 - m * m) / 2 - fp**2 * (1 - m * m) / (2 * H)
            - (u - f) ** 2 / 2 + _phi_mp(y))


def test_doctests():
    assert doctest.testmod(ov).failed == 0


@pytest.mark.parametrize("y", [-3.0, -1.5, -1.4142, -1.0, -0.2, 0.0, 0.7, 1.41, 2.5, 10.0])
def test_log_potential_against_quadrature(y):
    assert abs(float(ov._log_potential(np.float64(y))) - float(_phi_mp(y))) < 1e-12


@pytest.mark.parametrize("y", [-1.5, 40.0, -3e5, -1e8, 3e8, -1e15, 1e50])
def test_log_potential_far_outside_the_bulk(y):
    """Φ = y²/2 − ½ − ½log2 − J in mpmath with 2 log10|y| + 30 digits (the two terms cancel): no loss at
    the |y| ~ 1e8 of steep pole layers (1e-15 relative)."""
    with mp.workdps(30 + 2 * int(math.log10(abs(y)))):
        t = abs(mp.mpf(y)) / mp.sqrt(2)
        J = t * mp.sqrt(t * t - 1) - mp.log(t + mp.sqrt(t * t - 1))
        ref = mp.mpf(y) ** 2 / 2 - mp.mpf(1) / 2 - mp.log(2) / 2 - J
    assert abs(float(ov._log_potential(np.float64(y))) - float(ref)) < 1e-15 * max(1.0, abs(float(ref)))


@pytest.mark.parametrize(
    "u,m,H,kappa,N",
    [(-1.7, -0.55, 3, (0.5, -0.9), 100), (-1.7, 0.3, 3, (0.5, -0.9), 25), (-2.2, 0.1, 4, (0.2, -1.0, 0.5), 50),
     (-0.5, -0.8, 5, (0.3, 0.1, -0.2, 0.05), 200), (0.4, 0.95, 3, (-1.0, 2.0), 10), (-3.0, -0.99, 3, (0.0, -3.0), 1000)],
)
def test_profile_against_mpmath(u, m, H, kappa, N):
    got = overlap_profile(u, m, H, list(kappa), N)
    assert abs(got - float(_sigma_mp(u, m, H, kappa, N))) < 1e-11


@pytest.mark.parametrize("H", [2, 3, 4, 6, 12])
@pytest.mark.parametrize("N", [2, 100, 10**6])
def test_phi0_reproduces_theory_3(H, N):
    u = np.linspace(-4.0, 0.0, 201)
    u = np.concatenate([u, [-e_inf(H), -e_inf(H) * (1 + 1e-9)]])
    zero = [0.0] * (H - 1)
    assert np.max(np.abs(overlap_profile(u, 0.0, H, zero, N) - theta(u, H))) < 1e-13
    uu = np.linspace(-4.0, 2.0, 121)
    tot = leading_complexity(uu, H, zero, N)
    mins = leading_complexity(uu, H, zero, N, minima=True)
    assert np.max(np.abs(tot.value - theta(uu, H))) < 1e-13
    assert np.max(np.abs(mins.value - theta(uu, H, 0))) < 1e-13
    assert np.all(tot.m == 0.0) and np.all(mins.m == 0.0)
    assert set(tot.regime.tolist()) == {"spin-glass"} == set(mins.regime.tolist())
    g = ground_state(H, zero, N)
    ref = ground_state_energies(H, 3)
    assert np.allclose(g.energies, ref, rtol=1e-12, atol=0)
    assert g.energy == g.energies[0] and g.m == 0.0 and g.regime == "spin-glass"


def test_phi0_away_from_zero_overlap_is_lower():
    m = np.linspace(-0.99, 0.99, 101)
    v = overlap_profile(-1.8, m, 3, None, 50)
    assert np.allclose(v, theta(-1.8, 3) + 0.5 * np.log1p(-m * m), atol=1e-14)


def test_broadcasting_and_scalars():
    u = np.linspace(-2, -1, 5)[:, None]
    m = np.linspace(-0.5, 0.5, 7)[None, :]
    out = overlap_profile(u, m, 3, [0.5, -0.9], 100)
    assert out.shape == (5, 7)
    assert isinstance(overlap_profile(-1.7, 0.2, 3, [0.5, -0.9], 100), float)
    r = leading_complexity(np.zeros((2, 3)) - 1.7, 3, [0.5, -0.9], 100)
    assert r.value.shape == r.m.shape == r.regime.shape == (2, 3)
    s = leading_complexity(-1.7, 3, [0.5, -0.9], 100)
    assert isinstance(s.value, float) and isinstance(s.regime, str)


def test_theory_example_shifted():
    """Theory §5.6's numbers: sup_m Σ_N − Θ_H = 0.0439, 0.0417, 0.0399 at m* ≈ −0.55."""
    for N, ref in [(25, 0.0439), (50, 0.0417), (100, 0.0399)]:
        r = leading_complexity(-1.7, 3, [0.5, -0.9], N)
        assert abs(r.value - float(theta(-1.7, 3)) - ref) < 6e-5
        assert abs(r.m + 0.55) < 0.01
        assert r.regime == "shifted"


@pytest.mark.parametrize("k2", [-1.2, -0.9, -0.6, -0.3, 0.0, 0.4, 0.8, 1.5])
@pytest.mark.parametrize("u", [-1.7, -2.0])
def test_curvature_at_zero_is_the_55_divergence(k2, u):
    """Σ''(0) = −1 + 2 × (s² coefficient of A): m = 0 loses stability where §5.5 diverges."""
    curv = float(ov._curvature_at_zero(ov.scaled_coefficients(3, [0.0, k2], 100), 3, np.array([u]), False)[0])
    c2 = float(modulation_s2_coefficient(u, 3, [0.0, k2]))
    assert abs(curv - (-1.0 + 2.0 * c2)) < 1e-5
    r = leading_complexity(u, 3, [0.0, k2], 400)
    assert (r.regime == "spin-glass") == (not bool(modulation_diverges(u, 3, [0.0, k2])))


@pytest.mark.parametrize("kappa,u", [((0.6, 0.0), -1.7), ((0.6, 0.0), -2.0), ((0.3, 0.4), -1.8), ((-0.3, -0.2), -1.9)])
def test_large_n_gain_is_the_55_exponent(kappa, u):
    """N (sup_m Σ_N − Θ_H) → log of the Gaussian part of K_0 (theory §5.5) for quadratic φ.

    K_0 = exp(a0 + a1²/(2(1 − 2a2))) / √(1 − 2a2) × spike; the Laplace rate keeps the exponent.
    """
    import compute.kac_rice as kr

    A, spike = kr._exponent_coeffs(np.array([u]), 3, np.array([0.0, *kappa]))
    a0, a1, a2 = A[0, :3]
    expo = a0 + a1 * a1 / (2 * (1 - 2 * a2))
    K0 = float(modulation_factor(u, 3, list(kappa)))
    assert abs(math.log(K0 * math.sqrt(1 - 2 * a2) / spike[0, 0]) - expo) < 1e-9
    N = 10**7
    r = leading_complexity(u, 3, list(kappa), N)
    gain = N * (r.value - float(theta(u, 3)))
    assert abs(gain - expo) < 2e-3 * max(1.0, abs(expo))
    assert r.regime == "spin-glass"


def test_pole_minimum_has_rate_zero():
    """φ = κ₂ s² with κ₂ < −√(H(H−1)): one minimum per pole (Hessian 2|κ₂| beats R's radius)."""
    for k2 in (-3.0, -5.0):
        r = leading_complexity(np.array([50.0]), 3, [0.0, k2], 200, minima=True)
        assert abs(r.value[0]) < 1e-6
        assert r.regime[0] == "deterministic" and abs(r.m[0]) > 0.9


@pytest.mark.parametrize("H, gamma, N", [(6, 1.0, 1000), (8, 5.0, 10**6), (12, 5.0, 1000),
                                         (12, 5.0, 10**6)])
def test_rate_at_a_huge_ground_state_is_within_the_stated_resolution(H, gamma, N):
    """A strong sigmoid's ground state lies at |u| up to ~10²⁸; there the rate of the minima,
    0 in exact arithmetic, carries rounding that :func:`compute.overlap.rate_resolution`
    bounds (measured −2·10⁻¹² to −2·10⁻⁹ with Φ free of cancellation; 0.12–0.53 of eps·u²
    before)."""
    from compute.network import describe_activation

    kappa = [gamma * k for k in describe_activation("sigmoid", None, 8, 0.0, 1.0, H).kappa]
    g = ground_state(H, kappa, N, kmax=0)
    u = -g.energy
    assert abs(u) > 1e4
    value = float(leading_complexity(np.array([u]), H, kappa, N, minima=True).value[0])
    res = float(ov.rate_resolution(u))
    assert abs(value) <= res
    assert res <= 16 * np.finfo(float).eps * u * u * (1 + 1e-12)  # and no coarser than that
    assert float(ov.rate_resolution(2.0)) < 1e-13


def test_deterministic_sigmoid_h6():
    from compute.network import describe_activation

    kappa = describe_activation("sigmoid", None, 8, 0.0, 1.0, 6).kappa
    g = ground_state(6, list(kappa), 1000)
    c = ov.scaled_coefficients(6, kappa, 1000)
    f_pole = float(np.polynomial.polynomial.polyval(-1.0, c))
    assert g.regime == "deterministic" and g.m < -0.999999
    assert abs(-g.energy - f_pole) < 1e-6 * abs(f_pole)
    r = leading_complexity(np.array([-1.7, f_pole + 1.0]), 6, list(kappa), 1000, minima=True)
    assert list(r.regime) == ["deterministic", "deterministic"]


def test_minima_below_total_and_layered_order():
    for H, kappa, N in [(3, [0.5, -0.9], 100), (4, [0.2, -1.0, 0.5], 50), (3, [0.0, 0.8], 100), (3, [0.0, -3.0], 50)]:
        u = np.linspace(-8, 0.5, 80)
        tot = leading_complexity(u, H, kappa, N)
        mins = leading_complexity(u, H, kappa, N, minima=True)
        assert np.all(mins.value <= tot.value + 1e-9)
        assert np.all(np.diff(tot.value) >= -1e-12)  # cumulative in u
        g = ground_state(H, kappa, N)
        e = np.array(g.energies)
        assert np.all(np.diff(e[np.isfinite(e)]) <= 1e-9)
        assert g.energy > 0
        assert mins.value[u < -g.energy - 1e-6].max() < -1e-6
        assert mins.value[u > -g.energy + 1e-6].min() >= -ov._POLE_TOL


def test_phase_diagram_matches_pointwise():
    u = np.linspace(-2.2, -1.0, 7)
    gam = np.array([0.0, 0.5, 1.0, 2.0])
    pd = phase_diagram(u, gam, 3, [0.5, -0.9], 100)
    assert pd.codes.shape == (4, 7)
    for i, g in enumerate(gam):
        r = leading_complexity(u, 3, [0.5 * g, -0.9 * g], 100, minima=True)
        assert [ov.REGIMES[c] for c in pd.codes[i]] == list(r.regime)
    assert np.all(pd.codes[0] == 0)


@pytest.mark.parametrize(
    "call,match",
    [
        (lambda: overlap_profile(-1.7, 0.0, 3, [0.5], 100), "exactly H-1 = 2"),
        (lambda: overlap_profile(-1.7, 0.0, 3, [0.5, 0.1, 0.2], 100), "exactly H-1"),
        (lambda: overlap_profile(-1.7, 0.0, 3, [np.nan, 0.1], 100), "finite"),
        (lambda: overlap_profile(-1.7, 0.0, 3, [np.inf, 0.1], 100), "finite"),
        (lambda: overlap_profile(-1.7, 0.0, 3, "ab", 100), "coeffs"),
        (lambda: overlap_profile(np.nan, 0.0, 3, [0.5, 0.1], 100), "u"),
        (lambda: overlap_profile(-1.7, 1.0, 3, [0.5, 0.1], 100), "m"),
        (lambda: overlap_profile(-1.7, -1.5, 3, [0.5, 0.1], 100), "m"),
        (lambda: overlap_profile(-1.7, np.inf, 3, [0.5, 0.1], 100), "m"),
        (lambda: overlap_profile(-1.7, 0.0, 3, [0.5, 0.1], 1), "N"),
        (lambda: overlap_profile(-1.7, 0.0, 3, [0.5, 0.1], 10**12), "N"),
        (lambda: overlap_profile(-1.7, 0.0, 3, [0.5, 0.1], 2.5), "N"),
        (lambda: overlap_profile(-1.7, 0.0, 3, [0.5, 0.1], float("nan")), "N"),
        (lambda: overlap_profile(-1.7, 0.0, 1, [], 100), "H"),
        (lambda: leading_complexity([-1.7, np.inf], 3, [0.5, 0.1], 100), "u"),
        (lambda: leading_complexity(-1.7, 3, [0.5], 100), "exactly"),
        (lambda: ground_state(3, [0.5, 0.1], 0), "N"),
        (lambda: ground_state(3, [0.5, np.nan], 100), "finite"),
        (lambda: ground_state(40, [1e60] * 39, 10**8), "lower N or the strength gamma"),
        (lambda: phase_diagram([-1.7], [-1.0], 3, [0.5, 0.1], 100), "gamma"),
    ],
)
def test_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_results_finite():
    """No silent NaN: every value a caller can ask for is a finite number."""
    for H, kappa, N in [(3, [11.7, 2.42], 10), (6, [1327.7, 274.3, 56.7, 11.7, 2.42], 10**6), (10, [0.1] * 9, 1000)]:
        u = np.linspace(-50, 5, 30)
        for minima in (False, True):
            r = leading_complexity(u, H, kappa, N, minima=minima)
            assert np.all(np.isfinite(r.value)) and np.all(np.isfinite(r.m))
        m = np.linspace(-0.999, 0.999, 11)
        assert np.all(np.isfinite(overlap_profile(u[:, None], m[None, :], H, kappa, N)))
        assert math.isfinite(ground_state(H, kappa, N).energy)


def test_regime_map_n_matches_pointwise():
    u = np.linspace(-2.5, -1.5, 6)
    Ns = [25, 100, 1000, 10**5]
    rm = ov.regime_map_n(u, Ns, 4, [0.2, -1.0, 0.5])
    assert rm.codes.shape == (4, 6)
    for i, N in enumerate(Ns):
        r = leading_complexity(u, 4, [0.2, -1.0, 0.5], N, minima=True)
        agree = np.mean([ov.REGIMES[c] == g for c, g in zip(rm.codes[i], r.regime)])
        assert agree >= 5 / 6  # the coarse grid may differ at one boundary point
    # degree-3 term grows like N^(1/2): at large N the deep levels are deterministic
    assert rm.codes[-1, 0] == 2
    with pytest.raises(ValueError, match="N"):
        ov.regime_map_n(u, [1], 3, [0.1, 0.2])


def test_minima_level_is_the_index_rule():
    """Below minima_level the minima profile equals the total density; above it they differ."""
    m = np.linspace(-0.9, 0.9, 19)
    for H, kappa, N in [(3, [0.5, -0.9], 100), (3, [0.0, -3.0], 50), (4, [0.2, -1.0, 0.5], 200)]:
        lvl = ov.minima_level(m, H, kappa, N)
        below = overlap_profile(lvl - 1e-3, m, H, kappa, N, minima=True)
        dens = overlap_profile(lvl - 1e-3, m, H, kappa, N, cumulative=True)
        assert np.allclose(below, dens, atol=1e-12)
        above = overlap_profile(lvl + 0.2, m, H, kappa, N, minima=True)
        assert np.allclose(above, overlap_profile(lvl, m, H, kappa, N, minima=True), atol=1e-12)
    assert abs(ov.minima_level(0.0, 3, None, 100) + e_inf(3)) < 1e-15


@pytest.mark.parametrize(
    "H,kappa,N",
    [(4, (-1.1278, -0.5639, -0.2820), 1000), (4, (-0.5639, -0.2820, -0.1410), 1000), (4, (0.2, -1.0, 0.5), 100),
     (5, (0.1, 0.1, 0.1, -0.3), 500), (6, (1327.7, 274.3, 56.68, 11.71, 2.42), 100)],
)
def test_ground_state_sees_the_pole_minimum(H, kappa, N):
    """deg φ >= 3 with a pole minimum (|f_N'| beats R's Hessian there): E_0^φ is at least −f_N(pole)."""
    c = ov.scaled_coefficients(H, kappa, N)
    g = ground_state(H, list(kappa), N)
    poles = []
    for s in (-1.0, 1.0):
        f = float(np.polynomial.polynomial.polyval(s, c))
        fp = float(np.polynomial.polynomial.polyval(s, np.polynomial.polynomial.polyder(c)))
        if s * fp < -2 * math.sqrt(H * (H - 1)):  # a minimum of φ at this pole dominates R's Hessian
            poles.append(f)
    assert poles
    assert g.energy >= -min(poles) - 1e-6 * max(1.0, abs(min(poles)))
    assert g.regime == "deterministic"


@pytest.mark.parametrize(
    "act,param,mu,gamma,H,N",
    [("silu", None, 0.0, 0.1, 12, 100), ("elu", 1.0, 0.0, 0.1, 9, 1000), ("gelu", None, 1.0, 1.0, 11, 100),
     ("hard_tanh", None, 1.0, 1.0, 12, 10_000), ("hard_tanh", None, 1.0, 0.5, 12, 10_000)],
)
def test_ground_state_is_the_deepest_pole(act, param, mu, gamma, H, N):
    """Steep φ of odd degree: the global minimum is the pole w = ±𝟏 with the lower f_N(±1) (theory §5.6).

    f_N'(±1) reaches 1e8..1e19 here, so y ~ f_N'/a at the pole layer is huge: Φ(y) must not lose
    1e-16 y² to cancellation (which made the rate there noise of O(1) and hid or moved the pole), and
    the layer 1 - m² ~ H/f_N'(±1)² lies beyond τ = 30 for the last two.  E_0^φ = −min f_N(±1) to 1e-6.
    """
    from compute.network import describe_activation

    kappa = list(describe_activation(act, param, 8, mu, 1.0, H, gamma=gamma).kappa)
    c = ov.scaled_coefficients(H, kappa, N)
    f = np.polynomial.polynomial.polyval(np.array([-1.0, 1.0]), c)
    g = ground_state(H, kappa, N, kmax=0)
    i = int(np.argmin(f))
    assert abs(g.energy + f[i]) <= 1e-6 * abs(f[i])
    assert g.m == pytest.approx(2 * i - 1.0, abs=1e-9) and g.regime == "deterministic"


def _kappa(act, mu, gamma, H):
    """κ of a preset (8 pieces, σ = 1; "custom": the page's default knot table) at strength γ."""
    from compute.network import describe_activation

    knots = ((-2.0, -1.0), (-0.5, -0.5), (0.5, 0.8), (2.0, 1.0)) if act == "custom" else None
    param = 1.0 if act == "elu" else (0.01 if act == "leaky_relu" else None)
    return list(describe_activation(act, param, 8, mu, 1.0, H, gamma=gamma, knots=knots).kappa)


def _ground_state_reference(H, kappa, N):
    """(E_0^φ, m*) from the definition (theory §5.6), independently of ground_state's grid, root search
    and windows: −min over m of U(m), the lowest u at which overlap_profile(u, m, minima=True) >= 0
    (bisection in u per node; the profile is non-decreasing in u).  Nodes: uniform in τ = artanh m
    (spacing 4e-4 on |τ| <= 4), nested grids of half-widths 1e-1 .. 1e-13 around each root of f_N' in
    (-1, 1) (a steep φ's well), then four grids of 401 nodes around the best node so far (the lowest
    minima often sit at the edge of their window of m, next to nodes where U = inf).
    """
    c = ov.scaled_coefficients(H, kappa, N)
    span = float(np.sum(np.abs(c)) * (c.size + 1)) + 50.0
    parts = [np.tanh(np.linspace(-4.0, 4.0, 20_001))]
    d1 = np.trim_zeros(np.polynomial.polynomial.polyder(c), "b")
    for r in np.roots(d1[::-1]) if d1.size > 1 else []:
        if abs(r.imag) < 1e-6 and abs(r.real) < 1.0:
            parts += [r.real + 10.0 ** -e * np.linspace(-1.0, 1.0, 401) for e in range(1, 14)]
    m = np.unique(np.concatenate(parts))
    m = m[np.abs(m) < 1.0]

    def lowest(mm):
        U = np.full(mm.size, np.inf)
        sel = overlap_profile(span, mm, H, kappa, N, minima=True) >= 0.0
        lo, hi = np.full(int(sel.sum()), -span), np.full(int(sel.sum()), span)
        for _ in range(110):
            mid = 0.5 * (lo + hi)
            up = overlap_profile(mid, mm[sel], H, kappa, N, minima=True) >= 0.0
            lo, hi = np.where(up, lo, mid), np.where(up, mid, hi)
        U[sel] = hi
        return U

    U = lowest(m)
    for _ in range(4):
        i = int(np.argmin(U))
        h = max(m[i] - m[max(i - 1, 0)], m[min(i + 1, m.size - 1)] - m[i])
        mm = np.linspace(m[i] - h, m[i] + h, 401)
        mm = mm[np.abs(mm) < 1.0]
        m, U = np.concatenate([m, mm]), np.concatenate([U, lowest(mm)])
        order = np.argsort(m, kind="stable")
        m, U = m[order], U[order]
    i = int(np.argmin(U))
    return -float(U[i]), float(m[i])


_WINDOW_CASES = [  # E_0^φ was NaN for each of these (every node of the grid saw a negative rate)
    pytest.param(3, ("sigmoid", 0.0, 2.0), 10, id="sigmoid-H3-g2-N10"),
    pytest.param(3, ("sigmoid", 0.0, 5.0), 100, id="sigmoid-H3-g5-N100"),
    pytest.param(3, ("hard_tanh", 1.0, 3.0), 10, id="hard_tanh-mu1-H3-g3-N10"),
    pytest.param(5, ("tanh", 1.0, 3.0), 30, id="tanh-mu1-H5-g3-N30"),
    pytest.param(3, ("softplus", 0.0, 3.0), 10, id="softplus-H3-g3-N10"),
    pytest.param(3, ("gelu", 1.0, 5.0), 10, id="gelu-mu1-H3-g5-N10"),
    pytest.param(11, ("custom", 0.0, 5.0), 10, id="custom-H11-g5-N10"),
    pytest.param(11, ("sigmoid", 0.0, 1.0), 100, id="sigmoid-H11-g1-N100-steep"),
    pytest.param(9, ("sigmoid", 1.0, 2.0), 1000, id="sigmoid-mu1-H9-g2-N1000-steep"),
    pytest.param(3, [-90.0, 6.0], 100, id="c1=-9,c2=6-N100"),
    pytest.param(3, [10.0, 6.0], 100, id="c1=1,c2=6-N100"),
    pytest.param(4, [-781.8916710211439, 11.294526924321115, -0.009832976367260372], 10_000, id="cubic-N1e4"),
]


@pytest.mark.parametrize("H,spec,N", _WINDOW_CASES)
def test_ground_state_finds_windows_between_the_nodes(H, spec, N):
    """Minima with a rate >= 0 can exist only in a window of overlaps narrower than the grid (theory
    §5.6): around the interior minimum of a steep φ (width ~ sqrt(2H/(1-m²))/|f_N''|), or where their
    best rate is barely positive (sigmoid, H = 3, N = 10, γ = 2: 0.013 wide in τ, between nodes 0.055
    apart, best rate 3.4e-4).  E_0^φ against the definition evaluated by brute force
    (:func:`_ground_state_reference`): 1e-9 relative (measured ~1e-11; the reference resolves ~1e-13),
    m* to 1e-6; the layered E_k^φ do not increase with k (1e-9 relative).
    """
    kappa = _kappa(*spec, H) if isinstance(spec, tuple) else list(spec)
    g = ground_state(H, kappa, N)
    e_ref, m_ref = _ground_state_reference(H, kappa, N)
    assert abs(g.energy - e_ref) <= 1e-9 * max(1.0, abs(e_ref))
    assert abs(g.m - m_ref) <= 1e-6
    e = np.array(g.energies)
    assert np.all(np.diff(e[np.isfinite(e)]) <= 1e-9 * max(1.0, abs(e[0])))


@pytest.mark.parametrize("spec,H,N", [(("sigmoid", 0.0, 2.0), 3, 10), (("sigmoid", 0.0, 1.0), 11, 100)])
def test_maps_and_leading_complexity_see_the_windows(spec, H, N):
    """The same windows in the sup over m (leading_complexity) and in both regime maps (theory §5.6):
    minima exist just above −E_0^φ and not just below (the maps' coarse grid used to see no minima at
    any level: values down to −2e8 where the rate is 0.29)."""
    act, mu, gamma = spec
    unit = _kappa(act, mu, 1.0, H)
    kappa = [gamma * k for k in unit]
    e0 = ground_state(H, kappa, N, kmax=0).energy
    u = np.array([-e0 - 0.05, -e0 + 0.05])
    lc = leading_complexity(u, H, kappa, N, minima=True).value
    pd = phase_diagram(u, [gamma], H, unit, N).value[0]
    rm = ov.regime_map_n(u, [N], H, kappa).value[0]
    for v in (lc, pd, rm):
        assert v[0] < -ov.POLE_TOL and v[1] >= 0.0


def test_peak_rates_against_a_search_over_levels():
    """_peak_rates (closed form, theory §5.6) against the maximum over a fine grid of levels of the
    index-k rate on each route (Σ_N − kJ below min(edge, outlier); Σ_N − (k−1)J between the outlier
    and the edge; both ends included, where the maximum often sits), refined around the best point:
    1e-12; k = 0 equals the minima profile at u = ∞."""
    rng = np.random.default_rng(3)
    for _ in range(20):
        H = int(rng.integers(2, 8))
        N = int(rng.choice([10, 100, 1000]))
        c = np.concatenate([[0.0], rng.uniform(-8, 8, H - 1)])
        kappa = list(c[1:] / N ** (np.arange(1, H) / 2 - 1))
        cs = ov.scaled_coefficients(H, kappa, N)
        tau = np.linspace(-3.0, 3.0, 7)
        P = ov._peak_rates(cs, H, tau, np.arange(4))
        m, q = ov._m_q(tau)
        P0, _ = ov._cumulative(ov._F(cs, H, m, q), np.full(tau.size, np.inf), True)
        assert np.allclose(P[0], P0, rtol=0, atol=1e-13)
        for j in range(tau.size):
            F = ov._F(cs, H, m[j: j + 1], q[j: j + 1])
            for k in range(4):
                routes = [(-np.inf, F.y_min[0], k)]
                if F.has_outlier[0] and k >= 1:
                    routes.append((F.outlier[0], -math.sqrt(2.0), k - 1))
                best = -np.inf
                for lo, hi, cost in routes:
                    y = hi - np.concatenate([[0.0], np.logspace(-14, 4, 4001)])
                    y = np.unique(np.concatenate([y[y >= lo], [lo] if np.isfinite(lo) else []]))  # both ends
                    for _ in range(3):
                        g = ov._density(F, F.z_of(y)) - cost * ov._edge_rate(y)
                        i = int(np.argmax(g))
                        best = max(best, float(g[i]))
                        y = np.linspace(y[max(i - 1, 0)], y[min(i + 1, y.size - 1)], 2001)
                assert abs(P[k, j] - best) <= 1e-12 * max(1.0, abs(best))


def test_maps_see_pole_minima():
    """GELU-like cubic φ at H = 4: below the glassy band only the pole minimum exists (deterministic)."""
    kappa = [-1.1278, -0.5639, -0.2820]
    g = ground_state(4, kappa, 1000)
    u = np.linspace(-g.energy + 0.05, -2.5, 7)
    pd = phase_diagram(u, [1.0], 4, kappa, 1000)
    assert np.all(pd.codes[0] == 2) and np.all(pd.value[0] >= -ov.POLE_TOL)
    rm = ov.regime_map_n(u, [1000], 4, kappa)
    assert np.all(rm.codes[0] == 2)
    below = phase_diagram([-g.energy - 0.3], [1.0], 4, kappa, 1000)
    assert below.value[0, 0] < -ov.POLE_TOL


def _poles_row_by_row(c, H, N, u, value, mstar, codes, tau):
    """Reference for :func:`ov._apply_poles`: one row, one candidate at a time, as a plain loop."""
    ends = ov._F(c, H, np.array([-1.0, 1.0]), q=np.zeros(2))
    if not np.any(ends.b < -0.5 * math.sqrt(2.0) * ends.a):
        return
    m, q = ov._m_q(tau)
    P, _ = ov._cumulative(ov._F(c, H, m, q), np.full(tau.shape, np.inf), True)
    for i in range(tau.size):
        left = P[i - 1] if i > 0 else -np.inf
        right = P[i + 1] if i + 1 < tau.size else -np.inf
        if not (P[i] >= left and P[i] >= right and -0.05 < P[i] < 0.0):
            continue
        best, t = ov._zoom_max(c, H, np.array([np.inf]), True, tau, np.array([i]), P[i: i + 1])
        if best[0] < -ov.POLE_TOL:
            continue
        mz, qz = ov._m_q(t)
        Fz = ov._F(c, H, mz, qz)
        pv, zz = ov._cumulative(Fz, np.array([np.inf]), True)
        level = zz[0] + Fz.f[0]
        take = (u >= level) & (value < pv[0])
        value[take] = pv[0]
        mstar[take] = mz[0]
        codes[take] = ov._classify(c, H, N, t, np.array([level]), True)[0]


@pytest.mark.parametrize(
    "H,kappa,N,per_row",
    [(4, (-1.1278, -0.5639, -0.2820), 1000, 1), (6, (1327.7, 274.3, 56.68, 11.71, 2.42), 100, 1),
     (4, (0.0, -1.0, 0.0), 100, 2), (5, (0.0, 0.0, 0.0, -0.3), 100, 2), (3, (0.5, -0.9), 100, 2)],
)
def test_pole_step_all_rows_at_once_matches_row_by_row(H, kappa, N, per_row):
    """The pole step of the maps, all γ rows at once, equals a per-row loop (theory §5.6).

    The rows start from random rates, overlaps and codes around the pole minima's rate 0, so each
    minimum is taken on some levels and not on others, and where φ is even in s (two pole minima of
    equal rate per row) the order of the candidates decides which one a tie keeps.
    """
    rng = np.random.default_rng(N + H)
    gam = np.concatenate([[0.0], np.linspace(0.05, 3.0, 24)])
    u = np.linspace(-12.0, 0.5, 60)
    c_unit = ov.scaled_coefficients(H, list(kappa), N)
    C = gam[:, None] * c_unit
    tau = ov._pole_nodes(C[-1], H, N)
    value = rng.uniform(-3e-6, 1e-6, (gam.size, u.size))
    value[:, ::7] = -np.inf
    mstar = rng.uniform(-1.0, 1.0, value.shape)
    codes = rng.integers(0, 3, value.shape).astype(np.int8)
    got = value.copy(), mstar.copy(), codes.copy()
    ov._apply_poles(C, H, N, u, *got, tau)
    want = value.copy(), mstar.copy(), codes.copy()
    for i in range(gam.size):
        _poles_row_by_row(C[i], H, N, u, want[0][i], want[1][i], want[2][i], tau)
    assert np.array_equal(got[2], want[2])
    np.testing.assert_allclose(got[0], want[0], rtol=0.0, atol=1e-12)  # -inf where both left it
    np.testing.assert_allclose(got[1], want[1], rtol=0.0, atol=1e-12)
    changed = np.any(want[0] != value, axis=1)
    assert changed.sum() >= 5 and not changed[0]  # γ = 0: no pole minimum
    row = ov._pole_minima_rows(C, H, tau)[0]
    assert np.bincount(row).max() == per_row  # most pole minima in one row (two: one per pole)


def test_stacked_newton_searches_match_separate_calls():
    """_left_roots with a stack of searches gives each one's own result (theory §5.6 ground states)."""
    c = ov.scaled_coefficients(4, [-1.1278, -0.5639, -0.2820], 1000)
    m, q = ov._m_q(np.linspace(-6.0, 6.0, 97))
    F = ov._F(c, 4, m, q)
    k = np.broadcast_to(np.arange(4.0)[:, None], (4, m.size))
    hi = [np.broadcast_to(F.z_of(F.y_min), k.shape), np.broadcast_to(F.z_of(np.full(m.shape, -math.sqrt(2.0))), k.shape)]
    cost = [k, np.maximum(k - 1.0, 0.0)]
    both = ov._left_roots(F, np.stack(cost), np.stack(hi), stacked=True)
    for j in range(2):
        alone = ov._left_roots(F, cost[j], hi[j])
        assert np.array_equal(np.isnan(both[j]), np.isnan(alone))
        assert np.array_equal(both[j][~np.isnan(alone)], alone[~np.isnan(alone)])
