"""Invariants of the sharp counts of theory §5.4 at any strength of the activation term.

References that do not depend on the estimator: Morse theory on the sphere S^{N-1} (every smooth
function has a minimum and a maximum, and Σ_k (−1)^k Crt_k = 1 + (−1)^{N−1}, the Euler
characteristic, for every Morse function, hence also in expectation), monotonicity of a count in
its level, and direct counting of the critical points of sampled landscapes (compute.landscape,
Newton from dense starts).  Cases cover the activation presets at H = 3..8 with moderate and
extreme pre-activation means and widths, whose κ range from 1e-1 to 1e10.  Monte Carlo comparisons
use 4 combined standard errors; an index no sample reached is flagged (value 0, NaN stderr, an
upper bound) and enters with 0 ± 0 after its flag is checked.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from compute.complexity import e_inf
from compute.kac_rice import (
    OutsideDomainError,
    expected_critical_points_phi,
    modulation_domain,
    modulation_factor,
)
from compute.landscape import critical_points
from compute.network import describe_activation

SAMPLES = 2000


def _kappa(name, mu, sigma, H, pieces=4):
    return describe_activation(name, None, pieces, mu, sigma, H).kappa


def _se(r):
    """Standard error of a count; 0 for a flagged count with no sample (value 0, NaN stderr, a
    bound); for a count flagged as heavy-tailed (a rare event seen by a handful of samples) the
    larger of its standard error and its value."""
    if r.reliable:
        return r.stderr
    if "no sample" in r.warning:
        assert r.value == 0.0 and math.isnan(r.stderr) and r.upper_bound < math.inf, r.warning
        return 0.0
    assert "heavy-tailed" in r.warning and r.ess < 0.05 * SAMPLES + 30
    return max(r.stderr, r.value)


def _morse_checks(N, H, kappa, seed):
    res = [expected_critical_points_phi(N, H, kappa, math.inf, k, samples=SAMPLES, seed=seed + k) for k in range(N)]
    tot = expected_critical_points_phi(N, H, kappa, math.inf, None, samples=SAMPLES, seed=seed + 99)
    assert tot.reliable, tot.warning
    se = [_se(r) for r in res]
    # at least one minimum and one maximum, at least two critical points
    for r in (res[0], tot):
        assert r.reliable, r.warning
    # the maxima count is heavy-tailed at small N (near-coincident eigenvalues make |D| large):
    # at some seeds its estimate is honestly flagged; it must never be empty
    assert res[-1].reliable or "heavy-tailed" in res[-1].warning, res[-1].warning
    assert res[0].value + 4 * se[0] >= 1.0, (res[0].value, se[0])
    assert res[-1].value + 4 * se[-1] >= 1.0, (res[-1].value, se[-1])
    assert tot.value + 4 * tot.stderr >= 2.0, (tot.value, tot.stderr)
    # Euler characteristic of S^{N-1}
    alt = sum((-1) ** k * r.value for k, r in enumerate(res))
    s_alt = math.sqrt(sum(x * x for x in se))
    euler = 1 + (-1) ** (N - 1)
    assert abs(alt - euler) <= 4 * s_alt + 1e-9, (alt, s_alt, euler)
    # the indices add up to the total
    s_sum = sum(r.value for r in res)
    assert abs(s_sum - tot.value) <= 4 * math.hypot(s_alt, tot.stderr) + 1e-9, (s_sum, tot.value)


# presets at H = 3..8, moderate and extreme (mu, sigma); kappa from ~0.1 to ~1e10
_PRESET_CASES = [
    ("sigmoid", 0.0, 1.0, 3), ("sigmoid", 0.0, 1.0, 4), ("sigmoid", 2.0, 0.5, 6), ("sigmoid", -3.0, 2.0, 8),
    ("softplus", 0.0, 1.0, 3), ("softplus", 0.0, 1.0, 4), ("softplus", -3.0, 2.0, 5), ("softplus", 2.0, 0.5, 7),
    ("gelu", 0.0, 1.0, 3), ("gelu", 0.0, 1.0, 5), ("gelu", -3.0, 2.0, 4), ("gelu", 0.5, 4.0, 8),
    ("silu", 0.0, 1.0, 6), ("silu", -3.0, 2.0, 8), ("elu", -3.0, 2.0, 4), ("tanh", 2.0, 0.5, 3),
    ("tanh", 0.0, 1.0, 4),
]
_FAST = [("sigmoid", 0.0, 1.0, 4), ("softplus", 0.0, 1.0, 4), ("gelu", -3.0, 2.0, 4), ("silu", 0.0, 1.0, 6),
         ("tanh", 0.0, 1.0, 4)]
_HAND = [(3, (0.5, -1.2)), (4, (-0.3, 0.4, 0.6)), (4, (0.2, -1.0, 0.5)), (3, (0.0, 2.5)), (3, (40.0, -30.0)),
         (5, (1e6, 1e6, 1e6, 1e6)), (5, (2e32, 1.8e24, 1.5e16, 1.2e8))]


@pytest.mark.parametrize("name,mu,sigma,H", _FAST)
@pytest.mark.parametrize("N", [3, 4])
def test_morse_invariants_presets(name, mu, sigma, H, N):
    _morse_checks(N, H, _kappa(name, mu, sigma, H), seed=10 * N + H)


@pytest.mark.parametrize("H,kappa", _HAND[:3] + _HAND[5:])
def test_morse_invariants_hand_picked(H, kappa):
    _morse_checks(3, H, kappa, seed=7)


@pytest.mark.slow
@pytest.mark.sweep
@pytest.mark.parametrize("name,mu,sigma,H", _PRESET_CASES)
@pytest.mark.parametrize("N", [3, 5, 8])
def test_morse_invariants_presets_sweep(name, mu, sigma, H, N):
    _morse_checks(N, H, _kappa(name, mu, sigma, H), seed=10 * N + H)


@pytest.mark.slow
@pytest.mark.parametrize("H,kappa", _HAND)
@pytest.mark.parametrize("N", [4, 6, 10])
def test_morse_invariants_hand_picked_sweep(H, kappa, N):
    _morse_checks(N, H, kappa, seed=N)


def _monotone_and_continuous(N, H, kappa, ks=(0, None)):
    ei = e_inf(H)
    grid = [-3.0, -2.2, -ei * (1 + 1e-9), -ei * (1 - 1e-9), -1.0, 0.0, 1.0, math.inf]
    for k in ks:
        vals = [expected_critical_points_phi(N, H, kappa, u, k, samples=SAMPLES, seed=5) for u in grid]
        se = [_se(v) for v in vals]
        for i in range(len(vals) - 1):
            assert vals[i + 1].value >= vals[i].value - 4 * math.hypot(se[i], se[i + 1]) - 1e-12, (k, grid[i], grid[i + 1])
        a, b = vals[2], vals[3]
        assert abs(a.value - b.value) <= 4 * math.hypot(se[2], se[3]) + 1e-12, (k, a.value, b.value)


@pytest.mark.parametrize("N,H,kappa", [(3, 4, _kappa("sigmoid", 0.0, 1.0, 4)), (25, 4, _kappa("softplus", 0.0, 1.0, 4)),
                                       (12, 4, (-0.3, 0.4, 0.6))])
def test_counts_grow_with_the_level_and_do_not_jump_at_the_threshold(N, H, kappa):
    _monotone_and_continuous(N, H, kappa)


@pytest.mark.slow
@pytest.mark.sweep
@pytest.mark.parametrize("name,mu,sigma,H", _PRESET_CASES[::2])
@pytest.mark.parametrize("N", [5, 25])
def test_counts_grow_with_the_level_sweep(name, mu, sigma, H, N):
    _monotone_and_continuous(N, H, _kappa(name, mu, sigma, H))


@pytest.mark.parametrize("N,kappa", [(25, (4.810098263201482, 2.405049131600741, 1.2025245658003705)),
                                     (50, (-0.3, 0.4, 0.6))])
def test_default_estimator_agrees_with_the_level_estimator_at_the_threshold(N, kappa):
    # proof by test that nothing jumps at -E_inf: the default just above the threshold against
    # the level estimator (importance-sampled level, agrees with direct counts) just below it
    ei = e_inf(4)
    above = expected_critical_points_phi(N, 4, kappa, -ei * (1 - 1e-9), 0, samples=4000, seed=1)
    below = expected_critical_points_phi(N, 4, kappa, -ei * (1 + 1e-9), 0, samples=4000, seed=2, method="level")
    assert above.reliable and below.reliable
    assert abs(above.value - below.value) <= 4 * math.hypot(above.stderr, below.stderr)


# ------------------------------------------------------------------------------ the audited cases


def test_sigmoid_h4_counts_one_minimum_and_one_maximum():
    kappa = _kappa("sigmoid", 0.0, 1.0, 4)  # (56.68, 11.71, 2.42)
    for N in (3, 25):
        tot = expected_critical_points_phi(N, 4, kappa, math.inf, None, samples=SAMPLES, seed=N)
        assert abs(tot.value - 2.0) <= 4 * tot.stderr + 0.02, (N, tot.value, tot.stderr)
    low = expected_critical_points_phi(3, 4, kappa, -1.8, 0, samples=SAMPLES, seed=1)
    high = expected_critical_points_phi(3, 4, kappa, math.inf, 0, samples=SAMPLES, seed=1)
    assert abs(high.value - 1.0) <= 4 * high.stderr + 0.01
    assert high.value >= low.value - 4 * math.hypot(low.stderr, high.stderr)


def test_sigmoid_h3_maxima():
    kappa = _kappa("sigmoid", 0.0, 1.0, 3)  # (11.71, 2.42)
    r3 = expected_critical_points_phi(3, 3, kappa, math.inf, 2, samples=SAMPLES, seed=2)
    assert abs(r3.value - 1.02) <= 4 * math.hypot(r3.stderr, 0.008)  # direct count 1.02 ± 0.008
    r25 = expected_critical_points_phi(25, 3, kappa, math.inf, 24, samples=SAMPLES, seed=2)
    assert r25.value + 4 * r25.stderr >= 1.0


# -------------------------------------------------------------------------------- direct counting


def _direct(N, H, kappa, seeds):
    out = np.zeros((len(seeds), N + 1))
    for i, seed in enumerate(seeds):
        cp = critical_points(N, H, seed, kappa)
        out[i, :N] = np.bincount(cp.index, minlength=N)[:N]
        out[i, N] = cp.index.size
    return out.mean(axis=0), out.std(axis=0, ddof=1) / math.sqrt(len(seeds))


def _check_direct(N, H, kappa, n_seeds):
    mean, se = _direct(N, H, kappa, range(n_seeds))
    for k in list(range(N)) + [None]:
        r = expected_critical_points_phi(N, H, kappa, math.inf, k, samples=20000, seed=9)
        col = N if k is None else k
        s = _se(r)
        floor = 3.0 / n_seeds if se[col] == 0 else 0.0  # an index seen in no landscape
        assert abs(mean[col] - r.value) <= 4 * math.hypot(se[col], s) + floor, (k, mean[col], se[col], r.value, s)


@pytest.mark.parametrize("name", ["sigmoid", "softplus", "gelu"])
def test_direct_count_presets_n3(name):
    _check_direct(3, 3, _kappa(name, 0.0, 1.0, 3), 60)


@pytest.mark.slow
@pytest.mark.parametrize("name,H", [("sigmoid", 3), ("sigmoid", 4), ("softplus", 3), ("softplus", 4), ("gelu", 3),
                                    ("gelu", 4)])
def test_direct_count_presets_n3_many(name, H):
    _check_direct(3, H, _kappa(name, 0.0, 1.0, H), 300)


@pytest.mark.slow
@pytest.mark.sweep
@pytest.mark.parametrize("name", ["sigmoid", "softplus", "gelu"])
@pytest.mark.parametrize("N,n_seeds", [(4, 40), (5, 8), (6, 6)])
def test_direct_count_presets_n4_to_6(name, N, n_seeds):
    _check_direct(N, 3, _kappa(name, 0.0, 1.0, 3), n_seeds)


# ------------------------------------------------------------------------------------- contracts


def test_heavy_tailed_weights_are_flagged():
    # the GOE_N form below the threshold sees the level only through rare extreme eigenvalues
    r = expected_critical_points_phi(50, 3, [0.6, 0.0], -1.7, 0, samples=2000, seed=0, method="goe")
    assert not r.reliable and "effective sample size" in r.warning and r.ess < 100
    good = expected_critical_points_phi(50, 3, [0.6, 0.0], -1.7, 0, samples=2000, seed=0)
    assert good.reliable and good.ess > 300
    assert abs(good.value - r.value) <= 4 * math.hypot(good.stderr, r.stderr)


def test_an_index_no_sample_reaches_is_flagged_with_a_bound():
    kappa = (-265.0, -8.38)  # silu at mu = -3, sigma = 2, H = 3: one minimum, one maximum, no saddle
    r = expected_critical_points_phi(3, 3, kappa, math.inf, 1, samples=500, seed=0)
    assert r.value == 0.0 and math.isnan(r.stderr) and not r.reliable
    assert 2.0 <= r.upper_bound < 3.0  # the count of all indices (about 2) + 3 standard errors


@pytest.mark.parametrize("u", [-1e4, -1e8, -50.0, 1e6, 1e300, -1e300])
@pytest.mark.parametrize("kappa", [(0.1,), (0.1, 0.2), (1e3, -1e3), (0.0, 0.0)])
def test_no_overflow_error_for_finite_input(u, kappa):
    for k in (0, None):
        r = expected_critical_points_phi(5, 3, kappa, u, k, samples=200, seed=0)
        assert math.isfinite(r.log_value) or r.log_value == -math.inf
        assert not math.isnan(r.value)


def test_minus_infinity_is_the_empty_level():
    r = expected_critical_points_phi(5, 3, [0.3, 0.1], -math.inf, 0)
    assert r.value == 0.0 and r.stderr == 0.0 and r.reliable and "exact" in r.method
    with pytest.raises(ValueError, match=r"^u_max \("):
        expected_critical_points_phi(5, 3, [0.3, 0.1], math.nan, 0)


@pytest.mark.parametrize("H,kappa,u", [(4, [0, 0, 0.05], -1.78), (3, [0.1, 0.2], -1e6), (3, [0.5, -0.9], -1.7),
                                       (4, [0.2, -1.0, 0.5], -1.9), (3, [0.6, 0.0], -1.0)])
def test_modulation_factor_raises_wherever_its_domain_is_false(H, kappa, u):
    assert not bool(modulation_domain(u, H, kappa))
    with pytest.raises(OutsideDomainError):
        modulation_factor(u, H, kappa)


def test_modulation_factor_is_finite_on_its_domain():
    rng = np.random.default_rng(3)
    for _ in range(200):
        H = int(rng.integers(3, 7))
        kappa = list(rng.normal(0, 1, H - 1) * 10.0 ** rng.uniform(-2, 1))
        u = -e_inf(H) - 10.0 ** rng.uniform(-3, 3)
        for k in (0, 1):
            ok = bool(modulation_domain(u, H, kappa, k))
            if ok:
                v = float(modulation_factor(u, H, kappa, k))
                assert math.isfinite(v) and v >= 0.0
            else:
                with pytest.raises(OutsideDomainError):
                    modulation_factor(u, H, kappa, k)


def test_flat_activation_and_overflowing_kappa_are_refused():
    with pytest.raises(ValueError, match="μ"):
        describe_activation("tanh", None, 4, 10.0, 0.01, 5)  # ᾱ = 8e-9
    with pytest.raises(ValueError, match="coeffs"):
        expected_critical_points_phi(10, 5, [1e150, 0.0, 0.0, 0.0], math.inf, None)
