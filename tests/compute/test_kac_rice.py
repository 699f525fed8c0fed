"""Tests of compute.kac_rice (theory §5.4, §5.5).

References are independent of the code under test: the exact counts of theory §4
(compute.finite_n, deterministic where it can be), direct counting of the critical points of
sampled landscapes (compute.landscape), dense linear algebra for the rank-one inertia, 30-digit
mpmath quadrature for the large-N average, and the two other estimators of the same integral.
Monte Carlo comparisons use 4 combined standard errors; deterministic ones state their tolerance.
"""

from __future__ import annotations

import doctest
import math

import mpmath as mp
import numpy as np
import pytest

import compute.kac_rice as kr
from compute.complexity import e_inf, theta
from compute.finite_n import expected_critical_points
from compute.kac_rice import (
    OutsideDomainError,
    expected_critical_points_phi,
    modulation_diverges,
    modulation_domain,
    modulation_factor,
    modulation_s2_coefficient,
    pole_minima_below,
    rank_one_index,
)
from compute.landscape import critical_points


def _agree(a, sa, b, sb, n_sigma=4.0, floor=0.0):
    tol = n_sigma * math.hypot(sa, sb) + floor
    assert abs(a - b) <= tol, f"{a} vs {b}: |diff| = {abs(a - b):.3g} > {tol:.3g}"


# ------------------------------------------------------------------- phi = 0 reproduces §4


@pytest.mark.parametrize("H", [2, 3, 4, 6])
def test_n2_phi0_gives_sqrt_3h_minus_2_per_index(H):
    # theory §4: N = 2 has sqrt(3H - 2) critical points of each index
    for k, expect in [(0, math.sqrt(3 * H - 2)), (1, math.sqrt(3 * H - 2)), (None, 2 * math.sqrt(3 * H - 2))]:
        r = expected_critical_points_phi(2, H, [0.0] * (H - 1), k=k)
        assert r.value == pytest.approx(expect, rel=1e-11)
        assert r.ratio_to_phi0 == pytest.approx(1.0, rel=1e-13)


@pytest.mark.parametrize("H,u", [(3, -1.5), (3, 0.2), (4, -1.9), (5, 1.0)])
def test_n2_phi0_matches_exact_finite_n(H, u):
    # compute.finite_n is deterministic at N = 2 (closed-form GOE_2 marginals)
    for k in (0, 1, None):
        ref = expected_critical_points(2, H, u, k).value
        assert expected_critical_points_phi(2, H, None, u, k).value == pytest.approx(ref, rel=1e-9)


def test_n1_exact():
    r = expected_critical_points_phi(1, 3, [0.4, -0.2], 0.3, 0)
    phi = lambda s: 0.4 * s - 0.2 * s * s  # noqa: E731
    expect = sum(0.5 * math.erfc(-(0.3 - phi(s)) / math.sqrt(2)) for s in (1.0, -1.0))
    assert r.value == pytest.approx(expect, rel=1e-14)
    assert expected_critical_points_phi(1, 3, None).value == 2.0
    assert expected_critical_points(1, 3).value == pytest.approx(2.0, rel=1e-14)


@pytest.mark.parametrize(
    "N,H,u,k,method",
    [(3, 3, math.inf, None, "goe"), (5, 4, -1.2, 1, "goe"), (12, 3, -1.7, 0, "level"),
     (12, 3, -1.7, None, "level"), (30, 5, 0.5, 3, "goe"), (8, 4, -1.8, 1, "level")],
)
def test_phi0_is_the_theory4_integrand_sample_by_sample(N, H, u, k, method):
    # with phi = 0, W = 1, D = 1 and x_max = Hu for every s node: each sample is the §4 integrand,
    # so the count equals the phi = 0 reference on the same samples.  Exact to rounding for the
    # Gauss–Jacobi rule of "goe" (weights sum to 1); "level" integrates pi_N with panels (1e-10).
    r = expected_critical_points_phi(N, H, [0.0] * (H - 1), u, k, samples=500, seed=3, method=method)
    tol = 1e-12 if method == "goe" else 1e-10
    assert r.value > 0
    assert r.value == pytest.approx(r.phi0_value, rel=tol)
    assert r.ratio_to_phi0 == pytest.approx(1.0, abs=tol)
    assert r.ratio_stderr < tol
    assert r.shifted_value == 0.0


@pytest.mark.parametrize(
    "N,H,u,k",
    [(3, 3, math.inf, None), (5, 3, -1.0, None), (10, 4, math.inf, None), (25, 3, -1.55, None),
     (50, 3, -1.0, None), (5, 3, -1.5, 0), (10, 3, -1.2, 1), (8, 4, 0.0, 2), (25, 3, -1.5, 0)],
)
def test_phi0_goe_estimator_matches_finite_n(N, H, u, k):
    r = expected_critical_points_phi(N, H, None, u, k, samples=4000, seed=11, method="goe")
    ref = expected_critical_points(N, H, u, k, samples=40000, seed=5)
    _agree(r.value, r.stderr, ref.value, ref.stderr)


@pytest.mark.parametrize("N,H,u", [(10, 3, -1.7), (25, 3, -1.7), (50, 3, -1.65), (30, 4, -1.8)])
def test_phi0_level_estimator_matches_finite_n(N, H, u):
    # below -E_inf: the level estimator against the deterministic total of theory §4, and the index-0 part
    r = expected_critical_points_phi(N, H, None, u, None, samples=4000, seed=2, method="level")
    ref = expected_critical_points(N, H, u, None)
    assert ref.stderr == 0.0
    _agree(r.value, r.stderr, ref.value, 0.0)
    r0 = expected_critical_points_phi(N, H, None, u, 0, samples=4000, seed=2, method="level")
    assert r0.value <= r.value
    _agree(r0.value, r0.stderr, ref.value, 0.0, floor=0.02 * ref.value)  # index >= 1 is e^{-N I_1} rarer


# --------------------------------------------------------------- non-zero phi: consistency


@pytest.mark.parametrize("H,coeffs", [(3, [0.7, -0.9]), (4, [0.3, 0.5, -0.4]), (3, [0.0, 1.5])])
@pytest.mark.parametrize("u", [math.inf, 0.3, -1.3])
def test_n2_quadrature_matches_goe_monte_carlo(H, coeffs, u):
    for k in (0, 1, None):
        q = expected_critical_points_phi(2, H, coeffs, u, k)
        mc = expected_critical_points_phi(2, H, coeffs, u, k, samples=20000, seed=7, method="goe")
        _agree(q.value, q.stderr, mc.value, mc.stderr)
        _agree(q.shifted_value, q.shifted_stderr, mc.shifted_value, mc.shifted_stderr)


@pytest.mark.parametrize("N,H,coeffs,u", [(2, 3, [0.6, -0.7], -1.8), (6, 3, [0.4, -1.6], -1.75),
                                          (12, 4, [0.2, -1.0, 0.5], -1.85)])
def test_level_estimator_matches_goe_estimator(N, H, coeffs, u):
    for k in (0, 1, None):
        lv = expected_critical_points_phi(N, H, coeffs, u, k, samples=20000, seed=1, method="level")
        if N == 2:
            ref = expected_critical_points_phi(N, H, coeffs, u, k)
        else:
            ref = expected_critical_points_phi(N, H, coeffs, u, k, samples=20000, seed=2, method="goe")
        _agree(lv.value, lv.stderr, ref.value, ref.stderr)


def _direct_counts(N, H, coeffs, u, seeds):
    """Per-landscape numbers of critical points below Nu, per index and in total."""
    out = np.zeros((len(seeds), N + 1))
    for i, seed in enumerate(seeds):
        cp = critical_points(N, H, seed, coeffs)
        below = cp.u <= u
        out[i, :N] = np.bincount(cp.index[below], minlength=N)[:N]
        out[i, N] = np.count_nonzero(below)
    return out.mean(axis=0), out.std(axis=0, ddof=1) / math.sqrt(len(seeds))


def _check_direct(N, H, coeffs, u, n_seeds):
    mean, se = _direct_counts(N, H, coeffs, u, range(n_seeds))
    for k in list(range(N)) + [None]:
        r = expected_critical_points_phi(N, H, coeffs, u, k, samples=40000, seed=9)
        col = N if k is None else k
        if math.isnan(r.stderr):  # no sample reached this index: 0 with a bound, never 0 ± 0
            assert r.value == 0.0 and not r.reliable
            assert mean[col] <= r.upper_bound + 4.0 * se[col] + 3.0 / n_seeds
            continue
        # an index seen in no landscape has a sample stderr of 0: allow a rate of 3 / n_seeds
        _agree(mean[col], se[col], r.value, r.stderr, floor=3.0 / n_seeds if se[col] == 0 else 0.0)


def test_direct_count_n2_fast():
    _check_direct(2, 4, [0.3, 0.5, -0.4], 0.2, 600)


def test_direct_count_n3_fast():
    _check_direct(3, 3, [0.5, -1.2], math.inf, 120)


@pytest.mark.slow
@pytest.mark.parametrize("H,coeffs,u", [(3, [0.7, -0.9], math.inf), (3, [0.0, 2.0], -0.5), (4, [-0.4, 0.6, 0.5], 0.4),
                                        (5, [0.2, -0.3, 0.0, 0.3], math.inf)])
def test_direct_count_n2(H, coeffs, u):
    _check_direct(2, H, coeffs, u, 3000)


@pytest.mark.slow
@pytest.mark.parametrize("H,coeffs,u", [(3, [0.5, -1.2], math.inf), (3, [0.8, 1.5], -0.2), (4, [-0.4, 0.6, 0.5], -0.3)])
def test_direct_count_n3(H, coeffs, u):
    _check_direct(3, H, coeffs, u, 400)


@pytest.mark.slow
def test_direct_count_n4_pole_minimum():
    # cubic phi, u below -E_0(4): the only minimum below Nu is the one near the pole s = -sqrt(N)
    # (the level estimator must reach it: its level lies far below the GOE spectrum)
    _check_direct(4, 4, [0.2, -1.0, 0.5], -1.9, 150)


@pytest.mark.parametrize("N", [100, 400])
def test_pole_carries_one_minimum(N):
    # theory §5.4 at the pole w = -1: grad phi = 0 and Hess phi = -(s phi'/N) I -> +inf, so exactly one
    # minimum, at loss phi(-sqrt N) << Nu; the phi = 0 count of minima below Nu (u < -E_0) vanishes
    r = expected_critical_points_phi(N, 4, [0.2, -1.0, 0.5], -1.9, 0, samples=2000, seed=3)
    _agree(r.value, r.stderr, 1.0, 0.0, floor=0.02)
    assert r.phi0_value < 1e-6


# ---------------------------------------------------------------------------- interlacing


def test_rank_one_index_against_dense_eigenvalues():
    rng = np.random.default_rng(0)
    n, m = 7, 4000
    G = rng.standard_normal((m, n, n))
    A = (G + np.swapaxes(G, 1, 2)) / 2 + rng.normal(0, 1.5, (m, 1, 1)) * np.eye(n)
    th = rng.normal(0, 3.0, m)
    B = A.copy()
    B[:, 0, 0] += th
    ea, eb = np.linalg.eigvalsh(A), np.linalg.eigvalsh(B)
    ia, ib = np.sum(ea < 0, axis=1), np.sum(eb < 0, axis=1)
    D = np.prod(eb / ea, axis=1)  # det(A + th e1 e1^T) / det(A)
    assert np.array_equal(rank_one_index(ia, D, th), ib)
    shift = ib - ia
    assert set(np.unique(shift)) == {-1, 0, 1}  # every case occurs, nothing else
    assert np.all(shift[th > 0] <= 0) and np.all(shift[th < 0] >= 0)
    # the determinant lemma with A's eigenbasis, the form used by the GOE estimator
    w, V = np.linalg.eigh(A)
    v = V[:, 0, :]  # components of e1 in the eigenbasis
    assert np.allclose(1.0 + th * np.sum(v * v / w, axis=1), D, rtol=1e-8, atol=1e-10)


def test_bottom_pivots_give_determinant_and_inertia():
    rng = np.random.default_rng(1)
    for n in (1, 2, 5, 40):
        m, p = 300, 3
        d = rng.normal(0, 1, (n, m))
        e2 = rng.chisquare(2, (max(n - 1, 0), m))
        Y = rng.normal(0, 2, (m, p))
        th = rng.normal(0, 2, p)
        L2, neg, g1 = kr._bottom_pivots(d, e2, Y)
        for i in range(0, m, 37):
            T = np.diag(d[:, i]) + np.diag(np.sqrt(e2[:, i]), 1) + np.diag(np.sqrt(e2[:, i]), -1)
            for j in range(p):
                M = T - Y[i, j] * np.eye(n)
                M[0, 0] += th[j]
                ev = np.linalg.eigvalsh(M)
                logdet = L2[i, j] + math.log(abs(g1[i, j] + th[j]))
                assert logdet == pytest.approx(np.sum(np.log(np.abs(ev))), abs=1e-8 * n)
                assert neg[i, j] + (g1[i, j] + th[j] < 0) == np.sum(ev < 0)


def test_indices_partition_the_total_and_shifts_follow_theta():
    # same seed -> same samples: the index-k counts must add up to the total exactly
    N, H, kw = 6, 3, dict(samples=3000, seed=4, method="goe")
    for coeffs in ([0.4, -1.1], [0.0, 0.9]):
        tot = expected_critical_points_phi(N, H, coeffs, 0.0, None, **kw)
        parts = [expected_critical_points_phi(N, H, coeffs, 0.0, k, **kw) for k in range(N)]
        assert sum(p.value for p in parts) == pytest.approx(tot.value, rel=1e-12)
        assert sum(p.shifted_value for p in parts) == pytest.approx(tot.shifted_value, rel=1e-12)
    # phi'' > 0 (theta >= 0 on |s| < sqrt N): indices only decrease, so index N-1 gains nothing
    up = [expected_critical_points_phi(N, H, [0.0, 0.9], math.inf, k, **kw) for k in range(N)]
    assert up[N - 1].shifted_value == 0.0 and up[0].shifted_value > 0.0
    down = [expected_critical_points_phi(N, H, [0.0, -0.9], math.inf, k, **kw) for k in range(N)]
    assert down[0].shifted_value == 0.0 and down[N - 1].shifted_value > 0.0


def test_phi0_k_reference_uses_the_same_samples():
    kw = dict(samples=2000, seed=5)
    r1 = expected_critical_points_phi(40, 3, [0.0, -2.5], -1.7, 1, phi0_k=0, **kw)
    r0 = expected_critical_points_phi(40, 3, [0.0, -2.5], -1.7, 0, **kw)
    assert r1.phi0_value == r0.phi0_value
    assert r1.ratio_to_phi0 == pytest.approx(r1.value / r0.phi0_value, rel=1e-12)
    assert r1.shifted_value / r1.value > 0.95  # index-1 points below -E_inf are mostly flipped minima


def test_reproducible_and_quadrature_converged():
    a = expected_critical_points_phi(30, 3, [0.6, 0.3], -1.7, 0, samples=500, seed=8)
    b = expected_critical_points_phi(30, 3, [0.6, 0.3], -1.7, 0, samples=500, seed=8)
    c = expected_critical_points_phi(30, 3, [0.6, 0.3], -1.7, 0, samples=500, seed=9)
    assert a == b and a.value != c.value
    # the s rule does not consume random numbers: 32 vs 128 nodes on the same samples
    for method, u in (("goe", 0.5), ("level", -1.7)):
        lo = expected_critical_points_phi(30, 3, [0.6, 0.3], u, 0, samples=500, seed=8, s_nodes=32, method=method)
        hi = expected_critical_points_phi(30, 3, [0.6, 0.3], u, 0, samples=500, seed=8, s_nodes=128, method=method)
        assert lo.value == pytest.approx(hi.value, rel=1e-6)


def test_input_validation():
    bad = [
        (dict(N=0), "N"), (dict(N=1001), "N"), (dict(H=1), "H"), (dict(coeffs=[1, 2, 3]), "coeffs"),
        (dict(coeffs=[math.nan]), "coeffs"), (dict(u_max=math.nan), "u_max"), (dict(k=5), "k"),
        (dict(samples=1), "samples"), (dict(seed=-1), "seed"), (dict(method="x"), "method"),
        (dict(s_nodes=2), "s_nodes"), (dict(phi0_k="other"), "phi0_k"), (dict(method="level"), "u_max"),
        (dict(method="quadrature"), "N = 2"),
    ]
    base = dict(N=5, H=3, coeffs=[0.1, 0.2], u_max=math.inf, k=0)
    for change, word in bad:
        kw = {**base, **change}
        with pytest.raises(ValueError, match=word):
            expected_critical_points_phi(**kw)


# ------------------------------------------------------------------------ theory §5.5


def _mp_modulation(u, H, coeffs, k):
    """K_k(u) of theory §5.5 straight from its definition, 30-digit quadrature."""
    mp.mp.dps = 30
    u = mp.mpf(u)
    E = mp.sqrt(mp.mpf(4) * (H - 1) / H)
    x = mp.sqrt(2) * u / E
    g = mp.quad(lambda lam: mp.sqrt(max(2 - lam * lam, 0)) / mp.pi / (lam - x), [-mp.sqrt(2), mp.sqrt(2)])
    a = mp.sqrt(2 * H * (H - 1))
    dth = mp.diff(lambda v: -(H - 2) / (4 * mp.mpf(H - 1)) * v * v - _mp_i1(v, E), u)  # Θ'_{0,H}
    c = [mp.mpf(v) for v in coeffs]
    phi = lambda s: sum(cd * s ** (d + 1) for d, cd in enumerate(c))  # noqa: E731
    dphi = lambda s: sum((d + 1) * cd * s**d for d, cd in enumerate(c))  # noqa: E731
    d2 = lambda s: sum((d + 1) * d * cd * s ** (d - 1) for d, cd in enumerate(c) if d)  # noqa: E731

    def f(s):
        spike = 1 + d2(s) * g / a
        w = max(spike, 0) if k == 0 else max(-spike, 0)
        return mp.exp(-dphi(s) ** 2 / (2 * H) - dth * phi(s) - g * s * dphi(s) / a - s * s / 2) * w

    # kinks: real roots of 1 + (g/a) phi''(s)
    spike = [float(g / a) * (i + 1) * i * float(cd) for i, cd in enumerate(c) if i]
    kinks = []
    if any(spike[1:]):
        spike[0] += 1.0
        kinks = [r.real for r in np.roots(spike[::-1]) if abs(r.imag) < 1e-12]
    pts = sorted({-30.0, -8.0, -3.0, 0.0, 3.0, 8.0, 30.0, *[v for v in kinks if abs(v) < 30]})
    return float(mp.quad(f, pts) / mp.sqrt(2 * mp.pi))


def _mp_i1(u, E):
    r = mp.sqrt(u * u - E * E)
    return -(u / E**2) * r - mp.log(-u + r) + mp.log(E)


@pytest.mark.parametrize(
    "H,coeffs,u",
    [(3, [0.6, 0.0], -1.7), (3, [0.0, 0.8], -1.7), (3, [0.3, -3.0], -2.1), (3, [0.0, -2.5], -1.7),
     (2, [0.7], -1.6), (4, [0.2, -1.0, 0.5], -1.9), (5, [0.1, 0.2, 0.3, -0.1], -2.0), (4, [0.0, 0.3, -0.2], -2.3)],
)
def test_modulation_factor_against_mpmath(H, coeffs, u):
    # the average itself (private _log_modulation) everywhere it converges; the public factor
    # only where modulation_domain holds, and OutsideDomainError elsewhere
    for k in (0, 1):
        ref = _mp_modulation(u, H, coeffs, k)
        c = np.concatenate([[0.0], np.asarray(coeffs, dtype=float)])
        got = float(np.exp(kr._log_modulation(np.array([u]), H, c, k))[0])
        assert got == pytest.approx(ref, rel=1e-10, abs=1e-300)
        if bool(modulation_domain(u, H, coeffs, k)):
            assert float(modulation_factor(u, H, coeffs, k)) == pytest.approx(ref, rel=1e-10, abs=1e-300)
        else:
            with pytest.raises(OutsideDomainError):
                modulation_factor(u, H, coeffs, k)


def test_modulation_quoted_values_and_trivial_cases():
    # theory §5.5 quotes 1.165 and 0.738 at H = 3, u = -1.7, and an s^2 coefficient of 0.71
    assert float(modulation_factor(-1.7, 3, [0.6, 0.0])) == pytest.approx(1.165, abs=5e-4)
    assert float(modulation_factor(-1.7, 3, [0.0, 0.8])) == pytest.approx(0.738, abs=5e-4)
    assert float(modulation_s2_coefficient(-1.7, 3, [0.5, -0.9])) == pytest.approx(0.71, abs=5e-3)
    u = np.linspace(-3.0, -1.8, 7).reshape(7, 1) * np.ones((1, 3))  # below -E_inf(4) = -1.732
    assert np.all(modulation_factor(u, 3, [0.0, 0.0], 0) == 1.0)
    assert np.all(modulation_factor(u, 3, [0.0, 0.0], 1) == 0.0)
    v = modulation_factor(u, 4, [0.2, -1.0, 0.5], 1)
    assert v.shape == u.shape
    assert np.allclose(v[:, 1], [float(modulation_factor(x, 4, [0.2, -1.0, 0.5], 1)) for x in u[:, 0]], rtol=1e-13)


def test_theta_prime_and_stieltjes_transform():
    for H in (3, 4, 7):
        u = np.array([-1.9, -2.4, -4.0]) * e_inf(H) / e_inf(3)
        h = 1e-6
        num = (theta(u + h, H, 0) - theta(u - h, H, 0)) / (2 * h)
        assert np.allclose(kr._theta0_prime(u, H), num, rtol=1e-7)
    for y in (-1.5, -2.0, -20.0):
        ref = mp.quad(lambda lam: mp.sqrt(max(2 - lam * lam, 0)) / mp.pi / (lam - y), [-mp.sqrt(2), mp.sqrt(2)])
        assert float(kr._stieltjes(y)) == pytest.approx(float(ref), rel=1e-13)


def test_domain_detection_and_errors():
    H, div = 3, [0.5, -0.9]
    assert bool(modulation_diverges(-1.7, H, div))
    assert not bool(modulation_diverges(-1.7, H, [0.0, 0.8]))
    assert not bool(modulation_diverges(-1.7, 4, [0.5, -0.9, 0.01]))  # degree 3 converges
    assert not bool(modulation_diverges(-1.0, H, div))  # above -E_inf: not §5.5's business
    u = np.array([-2.5, -1.7, -1.0])
    assert modulation_domain(u, H, div).tolist() == [bool(modulation_s2_coefficient(-2.5, H, div) < 0.5), False, False]
    assert modulation_domain(u, H, [0.6, 0.0]).tolist() == [True, True, False]
    with pytest.raises(OutsideDomainError, match="diverges"):
        modulation_factor(-1.7, H, div)
    with pytest.raises(OutsideDomainError, match="E_inf"):
        modulation_factor([-1.8, -1.6], H, [0.6, 0.0])
    assert issubclass(OutsideDomainError, ValueError)
    # poles: cubic phi always has one (-> modulation_domain False below -E_0 for k = 0 only)
    assert pole_minima_below([-3.0, -1.8], 4, [0.2, -1.0, 0.5]).tolist() == [True, True]
    assert not pole_minima_below(-1.8, 5, [0.0, 0.0, 0.0, 0.4]).any()  # even degree, kappa_4 > 0
    assert pole_minima_below(-1.8, 5, [0.0, 0.0, 0.0, -0.4]).all()
    assert pole_minima_below([-2.0, -3.0], 3, [0.0, -2.5]).tolist() == [True, False]  # pole level kappa_2
    assert not pole_minima_below(-2.0, 3, [0.6, 0.0]).any()
    uu = np.array([-1.9, -1.76])  # -E_0(4) = -1.794 < -1.76 < -E_inf(4)
    assert modulation_domain(uu, 4, [0.2, -1.0, 0.5], k=0).tolist() == [False, True]
    assert modulation_domain(uu, 4, [0.2, -1.0, 0.5], k=1).tolist() == [True, True]
    for kw, word in ((dict(k=2), "k"), (dict(coeffs=[1, 2, 3]), "coeffs"), (dict(H=1), "H"), (dict(u=math.inf), "u")):
        args = {**dict(u=-1.8, H=3, coeffs=[0.6, 0.0], k=0), **kw}
        with pytest.raises(ValueError, match=word):
            modulation_factor(**args)


# ----------------------------------------------------------- §5.4 at growing N against §5.5


@pytest.mark.parametrize("coeffs", [[0.6, 0.0], [0.0, 0.8]])
def test_finite_n_ratio_converges_to_modulation_far_below_threshold(coeffs):
    # u = -2.0 (well below -E_inf = -1.633): the ratio is K + a/N + O(N^-2); Richardson 2R(200) - R(100)
    K = float(modulation_factor(-2.0, 3, coeffs))
    r = {N: expected_critical_points_phi(N, 3, coeffs, -2.0, 0, samples=20000, seed=N) for N in (100, 200)}
    assert abs(r[200].ratio_to_phi0 - K) < abs(r[100].ratio_to_phi0 - K)
    rich = 2 * r[200].ratio_to_phi0 - r[100].ratio_to_phi0
    _agree(rich, math.hypot(2 * r[200].ratio_stderr, r[100].ratio_stderr), K, 0.0, floor=1e-3)


@pytest.mark.slow
@pytest.mark.parametrize(
    "H,coeffs,u,k",
    [(3, [0.6, 0.0], -1.7, 0), (3, [0.0, 0.8], -1.7, 0), (3, [0.0, -2.5], -1.7, 1),
     # cubic phi below the ground state: the pole minima dominate the profile of the s integral,
     # the index-1 saddles at s = O(1) must keep their own window (see
     # test_index_one_saddles_below_the_ground_state_are_not_dropped_for_the_pole_minima)
     (4, [0.2, -1.0, 0.5], -1.9, 1)],
)
def test_finite_n_fit_extrapolates_to_modulation(H, coeffs, u, k):
    # K(N) = K_inf + a/N + b/N^2 fitted on N = 100..800 (closer to the threshold the asymptotic
    # regime starts later; see docs/kac_rice_validation.md).  k = 1 is normalised by the phi = 0
    # minima; k = 0 with a pole below u < -E_0 is excluded (modulation_domain is False there).
    # Tolerance 1 % + 4 sigma: the three-parameter fit on four sizes absorbs the 1/N^3 and
    # threshold-crossover terms only partly (the H = 4 case lands 2 sigma = 1.4 % high).
    Ns = np.array([100, 200, 400, 800])
    rs = [expected_critical_points_phi(int(N), H, coeffs, u, k, samples=20000, seed=int(N), phi0_k=0) for N in Ns]
    y = np.array([r.ratio_to_phi0 for r in rs])
    s = np.array([r.ratio_stderr for r in rs])
    X = np.stack([np.ones_like(y), 1 / Ns, 1 / Ns**2], axis=1)
    Wt = 1 / s
    coef, *_ = np.linalg.lstsq(X * Wt[:, None], y * Wt, rcond=None)
    cov = np.linalg.inv((X * Wt[:, None]).T @ (X * Wt[:, None]))
    K = float(modulation_factor(u, H, coeffs, k))
    _agree(coef[0], math.sqrt(cov[0, 0]), K, 0.0, floor=0.01 * K)


def test_index_one_saddles_below_the_ground_state_are_not_dropped_for_the_pole_minima():
    # H = 4, cubic phi, u = -1.9 < -E_0(4): the O(1) minima near the pole s = -sqrt(N) outweigh the
    # index-1 saddles at s = O(1) by ~e^{-N Theta_0(u)} = e^{-88} at N = 800.  The s rule must still
    # place nodes there (they carry every index-1 saddle); it once kept only the pole layer and
    # returned 0.  The ratio to the phi = 0 minima is 0.0746(2) at N = 800 (20 000 samples), within
    # 2 % of theory §5.5's K_1 = 0.0731.
    H, c, u = 4, [0.2, -1.0, 0.5], -1.9
    s, _, _ = kr._profile_rule(800, H, kr._check_coeffs(c, H), u, 64, 1)
    assert np.any(np.abs(s - (-1.12)) < 0.1) and np.any(s < -27.0)  # the kink s_c and the pole layer
    r = expected_critical_points_phi(800, H, c, u, 1, samples=600, seed=3, phi0_k=0)
    assert r.reliable, r.warning
    _agree(r.ratio_to_phi0, r.ratio_stderr, float(modulation_factor(u, H, c, 1)), 0.0, floor=0.03 * 0.0731)


def test_divergent_regime_ratio_grows_with_n():
    # theory §5.5: H = 3, kappa = (0.5, -0.9), u = -1.7 gives 21 at N = 25 and 65 at N = 50
    c = [0.5, -0.9]
    assert bool(modulation_diverges(-1.7, 3, c))
    r25 = expected_critical_points_phi(25, 3, c, -1.7, 0, samples=20000, seed=1)
    r50 = expected_critical_points_phi(50, 3, c, -1.7, 0, samples=20000, seed=1)
    _agree(r25.ratio_to_phi0, r25.ratio_stderr, 21.0, 0.0, floor=1.0)
    _agree(r50.ratio_to_phi0, r50.ratio_stderr, 65.0, 0.0, floor=3.0)
    assert r50.ratio_to_phi0 > 2.5 * r25.ratio_to_phi0


def test_docstring_examples():
    res = doctest.testmod(kr, optionflags=doctest.ELLIPSIS)
    assert res.attempted > 5 and res.failed == 0


# ---------------------------------------------------------------- overlap of the §5.5 peak


@pytest.mark.parametrize("H,coeffs,u", [(3, [0.6, 0.0], -1.7), (3, [0.0, 0.8], -2.0), (3, [-0.3, 0.2], -1.8)])
def test_modulation_peak_matches_closed_form_for_quadratic_phi(H, coeffs, u):
    """For deg φ <= 2, A(s) - s²/2 is quadratic: the peak is -a_1 / (2 a_2 - 1)."""
    A, _ = kr._exponent_coeffs(np.array([u]), H, kr._check_coeffs(coeffs, H))
    a1, a2 = A[0, 1], A[0, 2]
    assert kr.modulation_peak(u, H, coeffs) == pytest.approx(a1 / (1.0 - 2.0 * a2), rel=1e-12, abs=1e-14)


def test_modulation_peak_flags_the_cubic_regime_where_k0_does_not_tend_to_one():
    """φ = κ₃ s³ with b² > 9/H: the peak moves out like 1/κ₃ and K₀ grows as κ₃ → 0."""
    H, u = 4, -1.78
    a = math.sqrt(2 * H * (H - 1))
    b = kr._theta0_prime(np.array([u]), H)[0] + 3 * kr._stieltjes(np.array([math.sqrt(2) * u / e_inf(H)]))[0] / a
    assert b * b > 9 / H
    peaks = [abs(float(kr.modulation_peak(u, H, [0, 0, k3]))) for k3 in (0.3, 0.1, 0.05, 0.02)]
    assert peaks == sorted(peaks) and peaks[-1] > 1 / 0.02 * 0.5
    assert not kr.modulation_domain(u, H, [0, 0, 0.05]) and kr.modulation_domain(u, H, [0, 0, 0.3])
    K = [float(np.exp(kr._log_modulation(np.array([u]), H, np.array([0, 0, 0, k3]), 0))[0]) for k3 in (0.3, 0.1, 0.05)]
    assert K[0] < K[1] < K[2] and K[2] > 10  # no continuity at φ = 0: excluded from the domain
    with pytest.raises(OutsideDomainError, match="overlap"):
        kr.modulation_factor(u, H, [0, 0, 0.05])


def test_modulation_peak_is_infinite_in_the_divergent_regime():
    assert math.isinf(kr.modulation_peak(-1.7, 3, [0.5, -0.9]))
    assert math.isnan(kr.modulation_peak(-1.0, 3, [0.5, -0.9]))
