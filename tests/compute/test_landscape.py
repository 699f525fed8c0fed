"""Tests of compute.landscape: sampled spin-glass landscapes (theory §2, §4, §5.3, §6).

References used, all independent of the code under test:

* the defining sum R(w) = N^{-(H-1)/2} sum X_{i1..iH} w_i1...w_iH evaluated by brute force on
  the unsymmetrised tensor X = default_rng(seed).standard_normal((N,)*H);
* finite differences of the loss along geodesics (exponential map), Richardson-extrapolated;
* Monte Carlo over seeds for the covariance E R(w)R(w') = N (w.w'/N)^H (theory §2);
* exact cases: H = 2 (eigenvectors of the symmetric part), a dominant linear phi (one minimum,
  one maximum), sign changes of dL/dt on a fine grid at N = 2, a dense Newton search at N = 3,
  the Morse relation, sqrt(3H-2) per index at N = 2 and compute.finite_n at N = 3 (theory §4);
* the exact finite-N count of critical points below a level (compute.finite_n), which bounds
  by Markov's inequality the chance that any descent end point lies that low.

Statistical comparisons use 4 combined standard errors (a false alarm about 6e-5 per check).
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy.optimize import brentq

from compute import landscape as ls
from compute.complexity import e_inf, ground_state_energies
from compute.finite_n import expected_critical_points
from compute.landscape import (
    DescentCancelled,
    chart,
    critical_points,
    descend,
    descent,
    descent_details,
    find_critical_points,
    globe_grid,
    great_circle_profile,
    sample_landscape,
    tangent_basis,
)


def _sphere(rng, n, N):
    x = rng.standard_normal((n, N))
    return math.sqrt(N) * x / np.linalg.norm(x, axis=1, keepdims=True)


def _brute_loss(N, H, seed, coeffs, W):
    """L(w) from the definition, with the unsymmetrised tensor X (theory §2, §5.3)."""
    X = np.random.default_rng(seed).standard_normal((N,) * H)
    out = []
    for w in W:
        T = X
        for _ in range(H):
            T = np.tensordot(T, w, axes=([0], [0]))
        s = w.sum() / math.sqrt(N)
        phi = sum(c * s ** (d + 1) for d, c in enumerate(coeffs or []))
        out.append(N ** (-(H - 1) / 2) * float(T) + phi)
    return np.array(out)


def _agree(mean, se, ref, ref_se=0.0, z=4.0):
    tol = z * math.hypot(se, ref_se)
    assert abs(mean - ref) <= tol, f"{mean} vs {ref}: |diff| {abs(mean - ref):.4g} > {tol:.4g}"


# ----------------------------------------------------------------------------- sampling


def test_symmetrise_is_the_permutation_average():
    for shape in [(4, 4, 4, 4), (3, 3, 3, 3, 3), (5, 5)]:
        X = np.random.default_rng(0).standard_normal(shape)
        H = len(shape)
        perms = list(itertools.permutations(range(H)))
        ref = sum(np.transpose(X, p) for p in perms) / len(perms)
        S = ls._symmetrise(X.copy())
        assert np.max(np.abs(S - ref)) < 1e-14


@pytest.mark.parametrize(
    "N,H,coeffs",
    [(2, 2, None), (2, 5, [0.3, -0.2, 0.1, 0.4]), (3, 3, [0.7, -1.1]), (4, 4, None), (6, 3, [0.2]),
     (7, 3, [0.5, 0.5]), (9, 4, [0.1, 0.2, -0.3]), (20, 2, [1.5])],
)
def test_value_matches_definition(N, H, coeffs):
    W = _sphere(np.random.default_rng(1), 5, N)
    land = sample_landscape(N, H, seed=11, coeffs=coeffs)
    ref = _brute_loss(N, H, 11, coeffs, W)
    np.testing.assert_allclose(land.value(W), ref, rtol=1e-12, atol=1e-12 * math.sqrt(N))
    np.testing.assert_allclose(land.loss_per_weight(W), ref / N, rtol=1e-12, atol=1e-12)
    assert land.value(W[0]) == pytest.approx(ref[0], rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("N,H", [(3, 3), (5, 4), (6, 2), (2, 9)])
def test_monomial_and_tensor_forms_agree(N, H):
    coeffs = np.linspace(-0.8, 0.9, H - 1)
    a = ls._make_landscape(N, H, 4, coeffs, backend="monomial")
    b = ls._make_landscape(N, H, 4, coeffs, backend="tensor")
    W = _sphere(np.random.default_rng(2), 7, N)
    va, ga, ha, _ = a._riemannian(W, 2)
    vb, gb, hb, _ = b._riemannian(W, 2)
    scale = 1.0 + np.abs(hb).max()
    assert np.max(np.abs(va - vb)) < 1e-12 * scale
    assert np.max(np.abs(ga - gb)) < 1e-12 * scale
    assert np.max(np.abs(ha - hb)) < 1e-12 * scale


def _geodesic(land, w, v):
    """L(exp_w(v)) for a tangent vector v (sphere of radius sqrt N)."""
    N = land.N
    r = math.sqrt(N)
    nv = np.linalg.norm(v)
    if nv == 0:
        return float(land.value(w))
    return float(land.value(math.cos(nv / r) * w + math.sin(nv / r) * r * v / nv))


def _richardson(f, h):
    return (4.0 * f(h / 2) - f(h)) / 3.0


@pytest.mark.parametrize(
    "N,H,coeffs",
    [(2, 3, None), (3, 3, [0.5, -0.4]), (3, 8, [0.1] * 7), (4, 4, [0.2, 0.1, 0.3]), (5, 2, [0.9]),
     (8, 3, None), (10, 3, [0.7, 0.3]), (12, 4, [-0.3, 0.4, 0.2])],
)
def test_gradient_and_hessian_against_finite_differences(N, H, coeffs):
    land = sample_landscape(N, H, seed=3, coeffs=coeffs)
    rng = np.random.default_rng(5)
    for w in _sphere(rng, 2, N):
        B = tangent_basis(w)
        g = land.grad(w)
        Hp = land.hess(w)
        Ht = land.hess_tangent(w)
        assert abs(g @ w) < 1e-12 * (1 + np.linalg.norm(g)) * math.sqrt(N)
        np.testing.assert_allclose(B.T @ Hp @ B, Ht, atol=1e-12 * (1 + np.abs(Ht).max()))
        assert np.max(np.abs(Hp @ w)) < 1e-12 * (1 + np.abs(Hp).max()) * math.sqrt(N)
        np.testing.assert_allclose(Hp, Hp.T, atol=1e-13 * (1 + np.abs(Hp).max()))
        k = min(N - 1, 4)
        dirs = B[:, :k]
        fd_g = np.array(
            [_richardson(lambda h, v=v: (_geodesic(land, w, h * v) - _geodesic(land, w, -h * v)) / (2 * h), 1e-3)
             for v in dirs.T]
        )
        scale_g = 1.0 + np.linalg.norm(g)
        assert np.max(np.abs(dirs.T @ g - fd_g)) < 1e-7 * scale_g

        def second(h, a, b):
            return (
                _geodesic(land, w, h * (a + b)) - _geodesic(land, w, h * (a - b))
                - _geodesic(land, w, h * (b - a)) + _geodesic(land, w, -h * (a + b))
            ) / (4 * h * h)

        fd_h = np.array([[_richardson(lambda h: second(h, a, b), 2e-3) for b in dirs.T] for a in dirs.T])
        scale_h = 1.0 + np.abs(Ht).max()
        assert np.max(np.abs(Ht[:k, :k] - fd_h)) < 1e-5 * scale_h


def test_covariance_by_monte_carlo_over_seeds():
    """E R(w)R(w') = N (w.w'/N)^H (theory §2), for the monomial and the tensor storage."""
    for N, H, seeds in [(3, 3, 4000), (8, 2, 3000)]:
        rng = np.random.default_rng(7)
        w = _sphere(rng, 1, N)[0]
        # partners at prescribed overlaps q = w.w'/N
        t = rng.standard_normal(N)
        t -= (t @ w) * w / N
        t *= math.sqrt(N) / np.linalg.norm(t)
        qs = np.array([1.0, 0.6, 0.0, -0.5])
        P = np.vstack([q * w + math.sqrt(1 - q * q) * t for q in qs])
        vals = np.array([sample_landscape(N, H, seed=s).value(np.vstack([w, P])) for s in range(seeds)])
        prod = vals[:, :1] * vals[:, 1:]
        mean = prod.mean(axis=0)
        se = prod.std(axis=0, ddof=1) / math.sqrt(seeds)
        for q, m, e in zip(qs, mean, se):
            _agree(m, e, N * q**H)
        _agree(vals[:, 0].mean(), vals[:, 0].std(ddof=1) / math.sqrt(seeds), 0.0)


def test_seeds_reproduce_and_differ():
    W = _sphere(np.random.default_rng(0), 4, 5)
    a = sample_landscape(5, 3, seed=21, coeffs=[0.2, 0.1]).value(W)
    b = sample_landscape(5, 3, seed=21, coeffs=[0.2, 0.1]).value(W)
    c = sample_landscape(5, 3, seed=22, coeffs=[0.2, 0.1]).value(W)
    assert np.array_equal(a, b) and not np.allclose(a, c)
    p, q, r = critical_points(3, 4, 8), critical_points(3, 4, 8), critical_points(3, 4, 9)
    assert np.array_equal(p.w, q.w) and np.array_equal(p.u, q.u)
    assert len(p.u) != len(r.u) or not np.allclose(p.u, r.u)
    d1, d2, d3 = descent(15, 3, 6, seed=2), descent(15, 3, 6, seed=2), descent(15, 3, 6, seed=3)
    assert np.array_equal(d1, d2) and not np.allclose(d1, d3)
    # the first starts do not depend on the number of runs
    np.testing.assert_allclose(descent(15, 3, 3, seed=2), d1[:3], rtol=0, atol=1e-12)


@pytest.mark.parametrize(
    "call,name",
    [
        (lambda: sample_landscape(1, 3, 0), "N"),
        (lambda: sample_landscape(3, 1, 0), "H"),
        (lambda: sample_landscape(3, 3, -1), "seed"),
        (lambda: sample_landscape(3.0, 3, 0), "N"),
        (lambda: sample_landscape(3, 3, 0, coeffs=[1, 2, 3]), "coeffs"),
        (lambda: sample_landscape(3, 3, 0, coeffs=[np.nan]), "coeffs"),
        (lambda: sample_landscape(600, 3, 0), "N**H"),
        (lambda: critical_points(7, 3, 0), "N"),
        (lambda: critical_points(6, 12, 0), "N**H"),
        (lambda: descent(10, 3, 0, 0), "runs"),
        (lambda: descent_details(10, 3, 2, 0, tol=-1.0), "tol"),
        (lambda: sample_landscape(3, 3, 0).grad(np.ones(3) * 2), "sphere"),
        (lambda: sample_landscape(3, 3, 0).value(np.ones(4)), "shape"),
        (lambda: globe_grid(sample_landscape(4, 3, 0)), "N"),
        (lambda: great_circle_profile(sample_landscape(3, 3, 0), np.ones(3), np.ones(3)), "distinct"),
        (lambda: chart(sample_landscape(4, 3, 0), np.ones(4), extent=5.0), "extent"),
    ],
)
def test_bad_input_raises_value_error_naming_the_parameter(call, name):
    with pytest.raises(ValueError, match=name.replace("*", r"\*")):
        call()


# ----------------------------------------------------------------------------- critical points


def _check_critical_set(cp, land):
    N = land.N
    assert cp.w.shape == (len(cp.u), N) and cp.index.shape == cp.u.shape == cp.grad_norm.shape
    np.testing.assert_allclose(np.sum(cp.w**2, axis=1), N, rtol=1e-13)
    g = np.linalg.norm(land.grad(cp.w), axis=1) if len(cp.u) else np.zeros(0)
    assert np.all(g <= 1e-9) and np.all(cp.grad_norm <= 1e-10)
    np.testing.assert_allclose(cp.u, land.value(cp.w) / N, rtol=1e-13, atol=1e-13)
    assert np.array_equal(cp.index, land.index(cp.w))
    assert np.all(np.diff(cp.u) >= 0)
    if len(cp.u) > 1:
        d = np.linalg.norm(cp.w[:, None, :] - cp.w[None, :, :], axis=-1)
        assert d[np.triu_indices(len(cp.u), 1)].min() > 1e-6
    assert cp.euler_characteristic == 1 + (-1) ** (N - 1)  # Morse on S^(N-1)


def _sign_change_count(land, M):
    """Critical points at N = 2 counted as sign changes of dL/dt on a fine grid."""
    t = np.linspace(0, 2 * np.pi, M, endpoint=False)
    w = math.sqrt(2) * np.column_stack([np.cos(t), np.sin(t)])
    tang = np.column_stack([-np.sin(t), np.cos(t)])
    d = np.einsum("ij,ij->i", land.grad(w), tang)
    return int(np.count_nonzero(np.sign(d) != np.sign(np.roll(d, -1))))


@pytest.mark.parametrize("H,coeffs", [(2, None), (3, None), (3, [0.8, -0.6]), (7, None), (12, [0.3] * 11)])
def test_circle_critical_points_are_all_found(H, coeffs):
    for seed in range(8):
        land = sample_landscape(2, H, seed, coeffs)
        cp = critical_points(2, H, seed, coeffs)
        _check_critical_set(cp, land)
        assert cp.counts[0] == cp.counts[1]  # minima and maxima alternate on a circle
        assert len(cp.u) == _sign_change_count(land, 5000 * H)


def test_circle_search_recovers_a_lost_root(monkeypatch):
    """If the companion roots miss a critical point, the Morse check triggers a Newton sweep."""
    land = sample_landscape(2, 5, 3)
    full = find_critical_points(land)
    roots = np.roots

    def lossy(p):
        r = roots(p)
        on_circle = np.flatnonzero(np.abs(np.abs(r) - 1) < 1e-6)
        return np.delete(r, on_circle[0])

    monkeypatch.setattr(ls.np, "roots", lossy)
    assert ls._morse_defect(land, ls._verified_unique(land, full.w[1:]))
    again = find_critical_points(land)
    np.testing.assert_allclose(again.w, full.w, atol=1e-10)


@pytest.mark.parametrize("H,coeffs,seeds", [(3, None, range(6)), (4, [0.4, -0.9, 0.3], range(3)), (8, None, range(2))])
def test_sphere_critical_points_are_verified_and_complete(H, coeffs, seeds):
    for seed in seeds:
        land = sample_landscape(3, H, seed, coeffs)
        cp = find_critical_points(land)
        _check_critical_set(cp, land)
        # an independent, much denser start set finds nothing more
        starts = math.sqrt(3) * ls._fibonacci_sphere(150 * H * H)
        W, _ = ls._newton(land, starts, iters=60, tol=1e-12)
        dense = ls._verified_unique(land, W)
        assert len(dense) == len(cp.u)


@pytest.mark.parametrize("N", [4, pytest.param(5, marks=pytest.mark.slow), pytest.param(6, marks=pytest.mark.slow)])
def test_higher_dimensional_search_satisfies_morse(N):
    for seed in range(2):
        land = sample_landscape(N, 3, seed, [0.3, 0.2])
        _check_critical_set(find_critical_points(land), land)


@pytest.mark.parametrize("N", [2, 3, 5])
def test_quadratic_form_has_two_critical_points_per_index(N):
    """H = 2: critical points are +-sqrt(N) times the eigenvectors of Sym X, u = lambda / sqrt N."""
    for seed in range(3):
        cp = critical_points(N, 2, seed)
        X = np.random.default_rng(seed).standard_normal((N, N))
        lam = np.linalg.eigvalsh((X + X.T) / 2)
        assert np.array_equal(cp.counts, np.full(N, 2))
        np.testing.assert_allclose(cp.u, np.repeat(lam, 2) / math.sqrt(N), atol=1e-12)
        np.testing.assert_array_equal(cp.index, np.repeat(np.arange(N), 2))


def test_dominant_linear_term_leaves_one_minimum_and_one_maximum():
    """phi = kappa s with kappa >> |grad R|: L is essentially linear on the sphere."""
    for seed in range(3):
        cp = critical_points(3, 3, seed, coeffs=[60.0, 0.0])
        assert list(cp.counts) == [1, 0, 1]
        np.testing.assert_allclose(cp.w[0] / np.linalg.norm(cp.w[0]), -np.ones(3) / math.sqrt(3), atol=0.05)


@pytest.mark.parametrize("H", [3, 6])
def test_mean_counts_at_n2_are_sqrt_3h_minus_2(H):
    """Theory §4: exactly sqrt(3H - 2) expected minima (and maxima) at N = 2."""
    seeds = 1500
    c = np.array([critical_points(2, H, s).counts for s in range(seeds)])
    assert np.array_equal(c[:, 0], c[:, 1])
    _agree(c[:, 0].mean(), c[:, 0].std(ddof=1) / math.sqrt(seeds), math.sqrt(3 * H - 2))


def _check_n3_counts(H, seeds, coeffs=None):
    c = np.array([critical_points(3, H, s, coeffs).counts for s in range(seeds)])
    out = []
    for k in range(3):
        ref = expected_critical_points(3, H, k=k, samples=200_000, seed=k)
        _agree(c[:, k].mean(), c[:, k].std(ddof=1) / math.sqrt(seeds), ref.value, ref.stderr)
        out.append((c[:, k].mean(), ref.value))
    return out


def test_mean_counts_at_n3_match_theory():
    _check_n3_counts(3, 400)


@pytest.mark.slow
@pytest.mark.parametrize("H,seeds", [(3, 3000), (4, 1500), (6, 600)])
def test_mean_counts_at_n3_match_theory_precisely(H, seeds):
    _check_n3_counts(H, seeds)


@pytest.mark.slow
def test_mean_counts_with_activation_term_sanity():
    """No theory reference here (see compute.kac_rice); per-sample invariants and finiteness."""
    for coeffs in ([0.6, -0.8], [0.0, 1.5]):
        c = np.array([critical_points(3, 3, s, coeffs).counts for s in range(200)])
        assert np.all(c[:, 0] - c[:, 1] + c[:, 2] == 2)
        assert np.all(c[:, 0] >= 1) and np.all(c[:, 2] >= 1)
        c2 = np.array([critical_points(2, 3, s, coeffs).counts for s in range(400)])
        assert np.array_equal(c2[:, 0], c2[:, 1]) and np.all(c2[:, 0] >= 1)


# ----------------------------------------------------------------------------- descent


def _delta_markov(N, H, p=1e-3):
    """Finite-size tolerance: the level -E_0 - delta below which the expected number of
    critical points (theory §4, exact total) is p; by Markov's inequality a landscape has a
    critical point there, and so a descent end point, with probability at most p."""
    E0 = ground_state_energies(H, 0)[0]
    return brentq(lambda d: expected_critical_points(N, H, u_max=-E0 - d).log_value - math.log(p), 0.0, 5.0)


@pytest.mark.parametrize("N,H,coeffs", [(25, 3, None), (20, 4, None), (30, 3, [0.5, -0.3])])
def test_descent_ends_at_minima_above_the_ground_state(N, H, coeffs):
    E0 = ground_state_energies(H, 0)[0]
    delta = _delta_markov(N, H)
    for seed in range(3):
        res = descent_details(N, H, 30, seed, coeffs)
        land = sample_landscape(N, H, seed, coeffs)
        assert res.converged.all() and np.all(res.grad_norm <= res.tol)
        g = np.linalg.norm(land.grad(res.w), axis=1) / math.sqrt(N)
        assert np.all(g <= res.tol)
        assert np.all(land.index(res.w) == 0) and np.all(res.index == 0)
        np.testing.assert_allclose(res.u, land.value(res.w) / N, rtol=1e-13)
        if coeffs is None:
            assert res.u.min() >= -E0 - delta
        assert np.all(res.steps >= 1) and res.flops > 0


def test_descent_at_n3_lands_on_minima_found_by_the_critical_point_search():
    for seed in range(4):
        cp = critical_points(3, 5, seed, [0.2, 0.0, -0.1, 0.3])
        res = descent_details(3, 5, 25, seed, [0.2, 0.0, -0.1, 0.3])
        minima = cp.w[cp.index == 0]
        d = np.linalg.norm(res.w[:, None, :] - minima[None, :, :], axis=-1).min(axis=1)
        assert np.all(d < 1e-7)


def test_descend_progress_and_cancel():
    land = sample_landscape(20, 3, 1)
    starts = _sphere(np.random.default_rng(0), 10, 20)
    seen = []
    res = descend(land, starts, progress=seen.append)
    assert res.converged.all()
    assert seen[-1] == 1.0 and all(0.0 <= f <= 1.0 for f in seen) and len(seen) >= 3
    assert np.all(np.diff(seen) >= 0)
    calls = []

    def cancel():
        calls.append(1)
        return len(calls) > 3

    with pytest.raises(DescentCancelled):
        descend(land, starts, cancel=cancel)
    assert len(calls) == 4


def test_descent_step_cap_reports_unconverged_runs():
    res = descent_details(30, 3, 8, 0, max_steps=2)
    assert np.all(res.steps <= 2) and not res.converged.all()
    assert np.array_equal(res.converged, res.grad_norm <= res.tol)


@pytest.mark.slow
def test_descent_experiment_approaches_the_band():
    """Choromanska's experiment (theory §6): quantiles of the end points per N, H = 3."""
    E0, Einf = ground_state_energies(3, 0)[0], e_inf(3)
    stats = {}
    for N, seeds, runs in [(25, 8, 60), (50, 4, 60), (100, 3, 60), (250, 1, 60)]:
        u = np.concatenate([descent(N, 3, runs, seed=s) for s in range(seeds)])
        assert u.min() >= -E0 - _delta_markov(N, 3)
        stats[N] = np.percentile(u, [5, 25, 50, 75, 95])
        print(N, np.round(stats[N], 4))
    iqr = {N: q[3] - q[1] for N, q in stats.items()}
    assert iqr[250] < iqr[25]
    assert stats[250][2] < stats[50][2] < stats[25][2]  # the median moves down toward -E_inf
    assert abs(stats[250][2] + Einf) < abs(stats[25][2] + Einf)


# ----------------------------------------------------------------------------- pictures


def test_globe_grid_values():
    land = sample_landscape(3, 4, 2, [0.3, 0.0, 0.1])
    g = globe_grid(land, 40, 20)
    assert g.u.shape == (20, 40) and g.xyz.shape == (20, 40, 3)
    np.testing.assert_allclose(np.linalg.norm(g.xyz, axis=-1), 1.0, rtol=1e-14)
    i, j = 7, 13
    lat, lon = g.lat[i], g.lon[j]
    w = math.sqrt(3) * np.array([math.cos(lat) * math.cos(lon), math.cos(lat) * math.sin(lon), math.sin(lat)])
    assert g.u[i, j] == pytest.approx(land.value(w) / 3, rel=1e-12, abs=1e-14)
    np.testing.assert_allclose(g.u[:, 0], g.u[:, -1], atol=1e-12)  # the seam closes
    cp = find_critical_points(land)
    assert g.u.min() >= cp.u.min() - 1e-12 and g.u.max() <= cp.u.max() + 1e-12


@pytest.mark.parametrize("N,coeffs", [(5, None), (30, [0.4, -0.2])])
def test_chart_and_profile_match_direct_evaluation(N, coeffs):
    land = sample_landscape(N, 3, 6, coeffs)
    w0 = descent_details(N, 3, 1, 6, coeffs).w[0]
    c = chart(land, w0, extent=1.2, n=31)
    assert c.u.shape == (31, 31)
    assert c.u[15, 15] == pytest.approx(land.value(w0) / N, rel=1e-12)
    D = c.directions
    np.testing.assert_allclose(D @ D.T, np.eye(2), atol=1e-12)
    np.testing.assert_allclose(D @ w0, 0.0, atol=1e-10)
    # a node of the grid against the exponential map evaluated directly
    i1, i2 = 4, 22
    t1, t2 = c.theta1[i1], c.theta2[i2]
    r = math.hypot(t1, t2)
    w = math.cos(r) * w0 + math.sqrt(N) * math.sin(r) * (t1 * D[0] + t2 * D[1]) / r
    assert c.u[i2, i1] == pytest.approx(land.value(w) / N, rel=1e-11)
    # w0 is a minimum: nothing nearby is lower
    near = np.hypot(*np.meshgrid(c.theta1, c.theta2)) < 0.1
    assert c.u[near].min() >= c.u[15, 15] - 1e-12
    # great-circle profile between two end points
    ends = _sphere(np.random.default_rng(8), 2, N)
    p = great_circle_profile(land, ends[0], ends[1], n=50)
    assert p.u[0] == pytest.approx(land.value(ends[0]) / N, rel=1e-12)
    assert p.u[-1] == pytest.approx(land.value(ends[1]) / N, rel=1e-12)
    a, b = ends / np.linalg.norm(ends, axis=1, keepdims=True)
    t = p.t[17]
    wm = math.sqrt(N) * (math.sin((1 - t) * p.omega) * a + math.sin(t * p.omega) * b) / math.sin(p.omega)
    assert p.u[17] == pytest.approx(land.value(wm) / N, rel=1e-11)
