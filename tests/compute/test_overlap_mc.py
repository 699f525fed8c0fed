"""Monte Carlo validation of the overlap profile (theory §5.6) against theory §5.4.

The sampler (bench/overlap_sampler.py) evaluates the §5.4 Kac–Rice integral resolved in the overlap m,
independently of compute/overlap.py; it is first checked against the exact counts of theory §4 at
φ ≡ 0.  The profile is a large-N rate, so the comparisons are on N × (difference of rates), which the
prefactor keeps O(1) (O(log N) deep below the threshold, where the §4 count is
exp(NΘ)·N^{-1/2}·O(1)).  Tolerances: 4 standard errors plus the stated O(1) allowance; a rate error
of 0.01 would move N × difference by 2 at N = 200 and fail.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from overlap_sampler import sample_binned  # noqa: E402

from compute.finite_n import expected_critical_points  # noqa: E402
from compute.overlap import leading_complexity, overlap_profile  # noqa: E402

EDGES = np.concatenate([[-0.9995], np.linspace(-0.975, 0.975, 40), [0.9995]])


@pytest.mark.parametrize("u,minima", [(-1.0, False), (-1.7, False), (-1.7, True)])
def test_sampler_reproduces_theory_4_at_phi0(u, minima):
    N, H = 12, 3
    bc = sample_binned(N, H, [0.0, 0.0], u, np.linspace(-0.999, 0.999, 21), samples=3000, nodes=6, seed=3,
                       minima=minima)
    ref = expected_critical_points(N, H, u, 0 if minima else None, samples=20000, seed=1)
    est = math.exp(bc.log_total)
    assert abs(est - ref.value) <= 4.0 * math.hypot(est * bc.total_rel_se, ref.stderr)


def _n_diff(N, H, kappa, u, samples, seed=0):
    bc = sample_binned(N, H, kappa, u, EDGES, samples=samples, nodes=12, seed=seed, minima=True)
    sup = leading_complexity(u, H, list(kappa), N, minima=True).value
    return bc.log_total - N * sup, bc.total_rel_se


def test_shifted_total_rate_n25():
    """H = 3, κ = (0.5, −0.9), u = −1.7 (shifted): the total count of minima has rate sup_m Σ_N."""
    d, se = _n_diff(25, 3, (0.5, -0.9), -1.7, 1000)
    assert abs(d) <= 1.5 + 4 * se


@pytest.mark.slow
@pytest.mark.parametrize("N", [50, 100, 200])
def test_shifted_total_rate(N):
    d, se = _n_diff(N, 3, (0.5, -0.9), -1.7, 2000, seed=N)
    assert abs(d) <= 1.5 + 4 * se


@pytest.mark.slow
@pytest.mark.parametrize("N", [25, 100, 200])
def test_spin_glass_total_rate(N):
    """Deep below the threshold the prefactor is N^{-1/2}·O(1) (measured in theory §4's checks)."""
    d, se = _n_diff(N, 3, (0.6, 0.0), -1.7, 2000, seed=N)
    assert abs(d + 0.5 * math.log(N)) <= 1.5 + 4 * se


@pytest.mark.slow
@pytest.mark.parametrize("N", [25, 100, 400])
def test_deterministic_two_pole_minima(N):
    """φ = −3 s² (H = 3): one minimum near each pole, rate 0, and the §5.4 count is 2."""
    bc = sample_binned(N, 3, (0.0, -3.0), -3.0, EDGES, samples=1500, nodes=12, seed=N, minima=True)
    est = math.exp(bc.log_total)
    assert abs(est - 2.0) <= 0.1 + 4 * est * bc.total_rel_se
    assert abs(leading_complexity(-3.0, 3, [0.0, -3.0], N, minima=True).value) < 1e-6


@pytest.mark.slow
def test_binned_profile_converges_shifted():
    """Per m-bin: N × (MC − profile) bin rate at the bins that carry the count stays O(1)."""
    H, kappa, u = 3, (0.5, -0.9), -1.7
    for N in (100, 200):
        bc = sample_binned(N, H, kappa, u, EDGES, samples=2000, nodes=12, seed=N, minima=True)
        width = np.diff(EDGES)
        mc = (bc.log_count - np.log(width)) / N
        gx, gw = np.polynomial.legendre.leggauss(64)
        te = np.arctanh(EDGES)
        pred = np.empty(width.size)
        for k in range(width.size):
            t = 0.5 * (te[k] + te[k + 1]) + 0.5 * (te[k + 1] - te[k]) * gx
            w = 0.5 * (te[k + 1] - te[k]) * gw
            s = overlap_profile(u, np.tanh(t), H, list(kappa), N, minima=True)
            mx = s.max()
            pred[k] = mx + (math.log(np.sum(w / np.cosh(t) ** 2 * np.exp(N * (s - mx)))) - math.log(width[k])) / N
        good = np.isfinite(mc) & (bc.rel_se < 0.3)
        top = good & (mc >= mc[good].max() - 2.0 / N)
        assert np.max(np.abs(N * (mc[top] - pred[top]))) < 4.0
