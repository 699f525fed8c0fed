"""Exact finite-N counts of critical points (theory §4): compute/finite_n.py, compute/goe.py.

References used, each independent of the code under test:

* ``tests/data/finite_n_reference.json`` (script next to it): mpmath at 30–50 digits —
  R_1 by direct integration of the GOE_2 / GOE_3 eigenvalue densities, Mehta's formula
  with adaptive quadrature, the total counts for N <= 20, and the GOE_2 index counts by
  integrating the joint density in centre-of-mass coordinates.  Tolerance 1e-12
  relative (the code reaches ~7e-15 there).
* Exact identities: N = 1 gives 2; H = 2 gives 2 per index and 2N in all; N = 2 gives
  sqrt(3H - 2) per index; int R_1 = N and int t^2 R_1 = N(N + 1)/2.
* Asymptotics: the total over all u against 4 sqrt(2N/(pi(H-2))) (H-1)^{N/2} with its
  1/N correction; the deep-tail rate against Θ_H of theory §3.
* Simulation: dense GOE matrices drawn here (not the tridiagonal model of the code), and
  direct enumeration of the critical points of sampled N = 2 landscapes.  Statistical
  comparisons use 4 standard errors (false alarm rate ~6e-5 per comparison; seeds fixed).
"""

from __future__ import annotations

import doctest
import json
import math
import pathlib

import numpy as np
import pytest
import scipy.linalg

from compute import finite_n, goe
from compute.complexity import ground_state_energies, theta
from compute.finite_n import CountResult, expected_critical_points, log_expected_total_count
from compute.goe import (
    goe_density,
    goe_one_point,
    kth_smallest_eigenvalue,
    log_goe_one_point,
    tridiagonal_goe,
)

REF = json.loads(
    (pathlib.Path(__file__).parents[1] / "data" / "finite_n_reference.json").read_text()
)
RTOL = 1e-12


def _u(s: str) -> float:
    return math.inf if s == "inf" else float(s)


def _prefactor(N: int, H: int) -> float:
    return 2.0 * math.sqrt(2.0 / H) * (H - 1.0) ** (N / 2.0)


# --------------------------------------------------------------------- exact values

@pytest.mark.parametrize("H", range(2, 13))
def test_n1_gives_exactly_two(H):
    for k in (None, 0):
        r = expected_critical_points(1, H, k=k)
        assert r.value == pytest.approx(2.0, rel=RTOL, abs=0)
        assert r.stderr == 0.0
        assert r.log_value == pytest.approx(math.log(2.0), abs=RTOL)


@pytest.mark.parametrize("N", [1, 2, 3, 10, 100, 1000])
def test_h2_total_is_2n(N):
    r = expected_critical_points(N, 2)
    assert r.value == pytest.approx(2.0 * N, rel=RTOL, abs=0)
    assert r.stderr == 0.0


@pytest.mark.parametrize("N", [1, 2, 3, 7, 50, 500])
def test_h2_two_per_index(N):
    for k in sorted({0, 1 % N, N // 2, N - 1}):
        r = expected_critical_points(N, 2, k=k)
        assert r.value == pytest.approx(2.0, rel=RTOL, abs=0)
        assert r.stderr == 0.0


@pytest.mark.parametrize("H", [2, 3, 4, 5, 7, 10, 12])
def test_n2_sqrt_3h_minus_2_per_index(H):
    exact = math.sqrt(3 * H - 2)
    for k in (0, 1):
        r = expected_critical_points(2, H, k=k)
        assert r.value == pytest.approx(exact, rel=RTOL, abs=0)
        assert r.stderr == 0.0
    assert expected_critical_points(2, H).value == pytest.approx(2 * exact, rel=RTOL, abs=0)


@pytest.mark.parametrize("row", REF["goe2_index"], ids=lambda r: f"H{r['H']}-k{r['k']}-u{r['u']}")
def test_n2_index_against_mpmath(row):
    H, k, u = row["H"], row["k"], _u(row["u"])
    expected = _prefactor(2, H) * float(row["value"])
    assert expected_critical_points(2, H, u, k=k).value == pytest.approx(expected, rel=RTOL, abs=0)


@pytest.mark.parametrize("H", [2, 3, 6, 12])
def test_n2_indices_add_up_to_total(H):
    # Closed-form marginals of GOE_2 (index path) against Mehta's R_1 (total path).
    for u in (-3.0, -1.7, -1.2, -0.5, 0.0, 0.3, 1.0, 2.5):
        parts = sum(expected_critical_points(2, H, u, k=k).value for k in (0, 1))
        assert parts == pytest.approx(expected_critical_points(2, H, u).value, rel=RTOL, abs=0)


def test_goe2_density_helper_against_mpmath():
    """m(s) = int_0^inf v e^{-sv - v^2/2} dv, switching to its asymptotic series at s = 10."""
    mpmath = pytest.importorskip("mpmath")
    s = np.array([0.0, 0.5, 3.0, 9.99, 10.01, 14.0, 40.0])
    with mpmath.workdps(30):
        ref = [
            float(mpmath.log(mpmath.quad(lambda v: v * mpmath.exp(-x * v - v * v / 2),
                                         [0, 1, mpmath.inf])))
            for x in map(mpmath.mpf, s)
        ]
    np.testing.assert_allclose(finite_n._log_m(s), ref, rtol=0, atol=1e-13)


def test_n2_deep_tail_stays_finite_in_log_space():
    # The larger eigenvalue far below zero: a density ~ e^{-t^2}/t^2 that underflows.
    r = expected_critical_points(2, 3, -40.0, k=1)
    assert r.value == 0.0 and math.isfinite(r.log_value)
    # log-density slope check: doubling the depth multiplies the exponent by ~4
    r2 = expected_critical_points(2, 3, -20.0, k=1)
    assert 3.5 < r.log_value / r2.log_value < 4.1


# ------------------------------------------------------------------ R_1 and density

@pytest.mark.parametrize("row", REF["r1_direct"], ids=lambda r: f"N{r['N']}-t{r['t']}")
def test_r1_against_direct_integration_and_even(row):
    # The reference integrates the joint density at the given sign of t, so the
    # rows with t > 0 check that R_1 is even (the code reflects to t <= 0).
    value = float(goe_one_point(float(row["t"]), row["N"]))
    assert value == pytest.approx(float(row["value"]), rel=RTOL, abs=0)


@pytest.mark.parametrize("row", REF["r1_formula"], ids=lambda r: f"N{r['N']}-t{r['t']}")
def test_r1_against_mehta_formula_40_digits(row):
    value = float(goe_one_point(float(row["t"]), row["N"]))
    assert value == pytest.approx(float(row["value"]), rel=RTOL, abs=0)


@pytest.mark.parametrize("N", [1, 2, 5, 40, 401])
def test_r1_normalisation_and_second_moment(N):
    # Trapezoid rule on an entire, fast-decaying integrand: spectrally accurate once the
    # step resolves the oscillation (wavelength ~ pi/sqrt(2N)).
    L = math.sqrt(2 * N) + 12.0
    h = min(0.05, math.pi / (8 * math.sqrt(2 * N)))
    t = np.arange(-L, L + h / 2, h)
    r1 = goe_one_point(t, N)
    assert h * r1.sum() == pytest.approx(N, rel=RTOL)
    # E tr G^2 = N * 1 + N(N-1) * 1/2 for the unit-scale GOE
    assert h * (t * t * r1).sum() == pytest.approx(N * (N + 1) / 2, rel=RTOL)


def test_density_tends_to_semicircle():
    x = np.array([-1.2, -0.5, 0.0, 0.7])
    semi = np.sqrt(2 - x * x) / math.pi
    errs = [np.max(np.abs(goe_density(x, N) - semi)) for N in (100, 400, 1600)]
    # the smooth 1/N correction -1/(2 pi N sqrt(2 - x^2)) dominates
    assert errs[0] > errs[1] > errs[2]
    assert errs[2] < 3e-4


def test_log_r1_deep_tail_finite():
    # e^{-t^2/2} alone underflows at |t| > 39; the scaled recurrence keeps log R_1 finite
    lr = log_goe_one_point(np.array([-200.0, -60.0, 60.0]), 1000)
    assert np.all(np.isfinite(lr))
    assert lr[0] < lr[1] and lr[1] == lr[2]


# ------------------------------------------------------------------- total count

@pytest.mark.parametrize(
    "row", REF["totals"], ids=lambda r: f"N{r['N']}-H{r['H']}-u{r['u']}"
)
def test_total_against_mpmath(row):
    r = expected_critical_points(row["N"], row["H"], _u(row["u"]))
    assert r.log_value == pytest.approx(float(row["log_value"]), abs=RTOL)
    assert r.stderr == 0.0


@pytest.mark.parametrize("H", [3, 5, 12])
def test_large_n_ratio(H):
    """Total over all u / (4 sqrt(2N/(pi(H-2))) (H-1)^{N/2}) = 1 + c_H/N + O(1/N^2).

    c_H = -(H-1)/(2(H-2)) from the semicircle's curvature, -E[t^2]/(4N) with
    E[t^2] = H/(H-2) under the weight e^{-(H-2)t^2/(2H)}, and the GOE 1/N correction
    -1/(2 pi N sqrt(2 - x^2)) to the density, -1/(4N) relative at x = 0.
    """
    c_h = -(H - 1) / (2 * (H - 2))
    dev = []
    for N in (100, 1000, 10000):
        lead = math.log(4.0) + 0.5 * math.log(2 * N / (math.pi * (H - 2))) + 0.5 * N * math.log(H - 1)
        ratio_m1 = math.expm1(expected_critical_points(N, H).log_value - lead)
        assert abs(ratio_m1) < 1.5 / N
        dev.append(abs(N * ratio_m1 - c_h))
    assert dev[0] > dev[1] > dev[2]
    assert dev[2] < 2e-4


def test_large_n_log_space():
    for H in (3, 12):
        r = expected_critical_points(10_000, H)
        assert math.isfinite(r.log_value) and r.log_value > 700
        assert r.value == (math.inf if r.log_value > 709.78 else pytest.approx(math.exp(r.log_value)))
    assert expected_critical_points(10_000, 12).value == math.inf


@pytest.mark.parametrize("H", [3, 5])
def test_deep_tail_matches_leading_order(H):
    """Below the ground state the count is exponentially small; log E / N -> Θ_H(u).

    Measured: log E - N Θ_H(u) = -(1/2) log N + O(1) (the Laplace integral over the
    tail of the smallest eigenvalue), so |log E / N - Θ| <= (log N / 2 + 4) / N, and the
    change of log E - N Θ from N = 1000 to 2000 is -log(2)/2 within 0.03.
    """
    u = -float(ground_state_energies(H, 0)[0]) - 0.05
    th = float(theta(u, H))
    gap = {}
    for N in (1000, 2000):
        r = expected_critical_points(N, H, u)
        assert math.isfinite(r.log_value) and r.log_value < 0
        gap[N] = r.log_value - N * th
        assert abs(r.log_value / N - th) <= (0.5 * math.log(N) + 4.0) / N
    assert gap[2000] - gap[1000] == pytest.approx(-0.5 * math.log(2.0), abs=0.03)


def test_total_matches_scalar_grid_and_is_monotone():
    u = np.array([-np.inf, -2.5, -1.7, -1.65, -1.0, -0.2, 0.0, 0.2, 1.0, 1.7, 3.0, np.inf])
    for N, H in ((7, 3), (300, 4), (300, 2)):
        grid = log_expected_total_count(N, H, u)
        scalar = [expected_critical_points(N, H, x).log_value for x in u]
        np.testing.assert_allclose(grid[1:], scalar[1:], rtol=0, atol=1e-12)
        assert grid[0] == -np.inf and scalar[0] == -np.inf
        steps = np.diff(grid[1:])
        assert np.all(steps >= -1e-13)  # non-decreasing; saturates once u is above the bulk
        assert np.all(steps[:5] > 0)  # strictly increasing while u < 0
    assert expected_critical_points(5, 3, -math.inf).value == 0.0


@pytest.mark.parametrize("N,H", [(1000, 3), (1000, 2), (1000, 12), (57, 3)])
def test_quadrature_converged(monkeypatch, N, H):
    """Default panels against 4x finer panels with 16 more nats of window: 1e-12."""
    u = np.array([-1.75, -1.64, -1.2, -0.3, 0.0, 0.4, np.inf])
    default = log_expected_total_count(N, H, u)
    monkeypatch.setattr(finite_n, "_PANEL_SPACINGS", 3.0)
    monkeypatch.setattr(finite_n, "_PANEL_MAX_WIDTH", 0.4)
    monkeypatch.setattr(finite_n, "_MARGIN", 61.0)
    fine = log_expected_total_count(N, H, u)
    np.testing.assert_allclose(default, fine, rtol=0, atol=1e-12)


# --------------------------------------------------------------------- simulation

def _dense_goe_eigenvalues(N: int, samples: int, seed: int) -> np.ndarray:
    """Eigenvalues of dense GOE_N: E M_ii^2 = 1/N, E M_ij^2 = 1/(2N) (theory §2)."""
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((samples, N, N)) / math.sqrt(N)
    return np.linalg.eigvalsh(0.5 * (A + np.swapaxes(A, 1, 2)))


@pytest.mark.parametrize("H", [3, 6])
def test_total_against_dense_goe_monte_carlo(H):
    N, S = 10, 20000
    lam = _dense_goe_eigenvalues(N, S, seed=11 + H)
    c = math.sqrt(H / (2 * (H - 1)))
    w = np.exp(-N * (H - 2) * lam**2 / (2 * H))
    for u in (-1.6, -1.1, -0.5, 0.0, 0.6, math.inf):
        per_matrix = np.sum(w * (lam <= c * u), axis=1) * _prefactor(N, H)
        est, se = per_matrix.mean(), per_matrix.std(ddof=1) / math.sqrt(S)
        exact = expected_critical_points(N, H, u).value
        assert abs(est - exact) < 4 * se, (u, est, se, exact)


@pytest.mark.parametrize("H,u", [(3, -0.9), (3, math.inf), (2, -0.2)])
def test_index_counts_add_up_to_total(H, u):
    N = 10
    parts = [expected_critical_points(N, H, u, k=k, samples=20000, seed=100 + k) for k in range(N)]
    total = sum(p.value for p in parts)
    # an index no sample reached is flagged (value 0, stderr nan, a finite upper bound)
    for p in parts:
        assert p.reliable or (p.value == 0 and math.isnan(p.stderr) and p.upper_bound < math.inf)
    se = math.sqrt(sum(p.stderr**2 for p in parts if p.reliable))
    exact = expected_critical_points(N, H, u).value
    assert se > 0 and abs(total - exact) < 4 * se, (total, se, exact)
    assert all("Monte Carlo" in p.method and "seed" in p.method for p in parts)


@pytest.mark.parametrize("H", [3, 8])
def test_index_monte_carlo_against_exact_goe2(H):
    # The Monte Carlo path run at N = 2, where the exact answer is known.
    S = 20000
    for k in (0, 1):
        for u in (-1.3, -0.2, 0.7, math.inf):
            log_mean, log_std, _ = finite_n._index_monte_carlo(2, H, u, k, S, seed=7)
            est = _prefactor(2, H) * math.exp(log_mean)
            se = _prefactor(2, H) * math.exp(log_std) / math.sqrt(S)
            exact = expected_critical_points(2, H, u, k=k).value
            assert abs(est - exact) < 4 * se, (k, u, est, se, exact)


@pytest.mark.parametrize("N,H", [(10, 3), (50, 3), (30, 5)])
def test_index0_control_variate_against_plain_monte_carlo(N, H):
    """Below the bulk, index 0 = exact total - sampled higher indices; check it against
    the plain estimator on independent samples, and that it is the more precise one."""
    S = 20000
    c = math.sqrt(H / (2 * (H - 1)))
    for u in (-1.75, -1.68, -1.64):
        if finite_n._expected_eigenvalues_below(N, math.sqrt(N) * c * u) > 1.0:
            continue
        r = expected_critical_points(N, H, u, k=0, samples=S, seed=21)
        assert "minus sampled higher-index part" in r.method
        log_mean, log_std, hits = finite_n._index_monte_carlo(N, H, u, 0, S, seed=22)
        plain = _prefactor(N, H) * math.exp(log_mean)
        plain_se = _prefactor(N, H) * math.exp(log_std) / math.sqrt(S)
        assert hits >= 100
        assert abs(r.value - plain) < 4 * math.hypot(r.stderr, plain_se), (u, r, plain, plain_se)
        assert r.stderr < plain_se
        assert r.value <= expected_critical_points(N, H, u).value


def test_index0_deep_tail():
    # N = 200 far below the ground state: plain sampling would see no minimum at all;
    # two eigenvalues below the level are rarer still, so index 0 equals the total.
    r = expected_critical_points(200, 3, -2.0, k=0, samples=2000)
    total = expected_critical_points(200, 3, -2.0)
    assert math.isfinite(r.log_value) and r.log_value < -50
    assert r.log_value == pytest.approx(total.log_value, abs=1e-12)
    assert "minus" in r.method


def test_index_monte_carlo_against_dense_goe():
    N, H, S = 6, 4, 20000
    lam = np.sort(_dense_goe_eigenvalues(N, S, seed=5), axis=1)
    c = math.sqrt(H / (2 * (H - 1)))
    for k, u in ((0, -1.3), (0, -0.6), (2, 0.0), (5, 0.9)):
        x = lam[:, k]
        w = _prefactor(N, H) * np.exp(-N * (H - 2) * x**2 / (2 * H)) * (x <= c * u)
        r = expected_critical_points(N, H, u, k=k, samples=S, seed=9)
        se = math.hypot(r.stderr, w.std(ddof=1) / math.sqrt(S))
        assert abs(r.value - w.mean()) < 4 * se


def test_monte_carlo_is_seeded():
    a = expected_critical_points(20, 3, -1.0, k=0, samples=3000, seed=4)
    b = expected_critical_points(20, 3, -1.0, k=0, samples=3000, seed=4)
    c = expected_critical_points(20, 3, -1.0, k=0, samples=3000, seed=5)
    assert a == b and a.value != c.value
    assert a.stderr > 0 and "3000 samples, seed 4" in a.method


# ---- direct counting of critical points of sampled N = 2 landscapes (theory §2, §4)

def _n2_landscape_counts(H: int, samples: int, seed: int, u_levels) -> np.ndarray:
    """Counts of critical points by index (0 = min, 1 = max) below each level.

    R(w) = N^{-(H-1)/2} sum X_{i1..iH} w_i1...w_iH on |w|^2 = N = 2.  Grouping the
    tuples by their number j of 2's, R = 2^{-(H-1)/2} sum_j C_j w1^{H-j} w2^j with
    C_j ~ N(0, binom(H, j)) independent.  On w = sqrt2 (cos θ, sin θ),
    R = sqrt2 p(θ), p = sum_j C_j cos^{H-j} sin^j.  d/dθ maps the coefficient of
    cos^{H-j} sin^j to -(H-j) at j+1 and +j at j-1; the critical points are the real
    roots τ = tan θ of p'(θ)/cos^H (degree H), each giving θ and θ + π.
    Returns an array (2, len(u_levels), samples).
    """
    rng = np.random.default_rng(seed)
    binom = np.array([math.comb(H, j) for j in range(H + 1)], dtype=float)
    C = rng.standard_normal((samples, H + 1)) * np.sqrt(binom)
    D = np.zeros((H + 1, H + 1))
    for j in range(H + 1):
        if j < H:
            D[j + 1, j] -= H - j
        if j > 0:
            D[j - 1, j] += j
    C1 = C @ D.T
    C2 = C1 @ D.T
    comp = np.zeros((samples, H, H))
    comp[:, 1:, :-1] = np.eye(H - 1)
    comp[:, :, -1] = -C1[:, :H] / C1[:, H:]
    roots = np.linalg.eigvals(comp)
    real = np.abs(roots.imag) <= 1e-7 * (1 + np.abs(roots.real))
    powers = np.arange(H + 1)
    out = np.zeros((2, len(u_levels), samples))
    for shift in (0.0, math.pi):
        th = np.arctan(roots.real) + shift
        basis = np.cos(th)[..., None] ** (H - powers) * np.sin(th)[..., None] ** powers
        p = np.einsum("shj,sj->sh", basis, C)
        p2 = np.einsum("shj,sj->sh", basis, C2)
        u = math.sqrt(2.0) * p / 2.0  # loss per weight R / N
        for k, kind in enumerate((p2 > 0, p2 < 0)):
            for i, level in enumerate(u_levels):
                out[k, i] += np.sum(real & kind & (u <= level), axis=1)
    return out


@pytest.mark.parametrize("H", [2, 3, 4])
def test_n2_direct_counting_of_critical_points(H):
    levels = (-1.5, -0.7, 0.0, 0.5, math.inf)
    S = 20000
    counts = _n2_landscape_counts(H, S, seed=3, u_levels=levels)
    total = counts[0, -1] + counts[1, -1]
    assert np.all(total % 2 == 0) and np.all(total >= 2) and np.all(total <= 2 * H)
    for k in (0, 1):
        for i, u in enumerate(levels):
            est = counts[k, i].mean()
            se = counts[k, i].std(ddof=1) / math.sqrt(S)
            exact = expected_critical_points(2, H, u, k=k).value
            if se == 0:  # H = 2, u = inf: exactly 2 per index in every landscape
                assert est == exact == 2.0
            else:
                assert abs(est - exact) < 4 * se, (k, u, est, se, exact)


# --------------------------------------------------------------- tridiagonal model

def test_tridiagonal_model_scale_and_sturm_bisection():
    rng = np.random.default_rng(2)
    N, S = 40, 4000
    d, e = tridiagonal_goe(N, S, rng)
    tr2 = np.sum(d**2, axis=1) + 2 * np.sum(e**2, axis=1)
    assert abs(tr2.mean() - (N + 1) / 2) < 4 * tr2.std(ddof=1) / math.sqrt(S)
    for k in (0, 1, 17, N - 1):
        got = kth_smallest_eigenvalue(d[:300], e[:300], k)
        ref = [scipy.linalg.eigvalsh_tridiagonal(d[i], e[i])[k] for i in range(300)]
        np.testing.assert_allclose(got, ref, rtol=0, atol=1e-13)
    # the smallest eigenvalue: -sqrt2 - E[TW_1] N^{-2/3}/sqrt2 with E[TW_1] = -1.2065,
    # up to finite-N corrections of ~0.01 here (a wrong scale would be off by ~0.4)
    lam0 = kth_smallest_eigenvalue(d, e, 0)
    assert lam0.mean() == pytest.approx(-math.sqrt(2) + 1.2065 * N ** (-2 / 3) / math.sqrt(2), abs=0.03)


# ----------------------------------------------------------------------- bad input

@pytest.mark.parametrize(
    "kwargs,name",
    [
        (dict(N=0, H=3), "N"),
        (dict(N=2.5, H=3), "N"),
        (dict(N=True, H=3), "N"),
        (dict(N=10**6, H=3), "N"),
        (dict(N=5, H=1), "H"),
        (dict(N=5, H="3"), "H"),
        (dict(N=5, H=3, k=-1), "k"),
        (dict(N=5, H=3, k=5), "k"),
        (dict(N=5, H=3, k=1.0), "k"),
        (dict(N=5, H=3, u_max=float("nan")), "u_max"),
        (dict(N=5, H=3, u_max="low"), "u_max"),
        (dict(N=5, H=3, k=0, samples=1), "samples"),
        (dict(N=5, H=3, k=0, seed=-1), "seed"),
        (dict(N=201, H=3, u_max=0.0, k=0), "N"),
    ],
)
def test_bad_input_names_the_parameter(kwargs, name):
    with pytest.raises(ValueError, match=rf"^{name} \("):
        expected_critical_points(**kwargs)


def test_bad_input_other_entry_points():
    with pytest.raises(ValueError, match=r"^u_max \("):
        log_expected_total_count(5, 3, [0.0, float("nan")])
    with pytest.raises(ValueError, match=r"^N \("):
        goe_one_point(0.0, 0)
    with pytest.raises(ValueError, match=r"^t \("):
        log_goe_one_point([0.0, np.inf], 3)
    with pytest.raises(ValueError, match=r"^k \("):
        kth_smallest_eigenvalue(np.zeros((2, 3)), np.ones((2, 2)), 3)


@pytest.mark.parametrize("module", [finite_n, goe])
def test_docstring_examples(module):
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0


def test_result_type():
    r = expected_critical_points(4, 3, -1.0)
    assert isinstance(r, CountResult)
    with pytest.raises(AttributeError):
        r.value = 1.0  # frozen
    assert r.value == pytest.approx(math.exp(r.log_value), rel=1e-14)
