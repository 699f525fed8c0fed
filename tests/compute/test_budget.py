"""Work budgets of the landscape computations: explicit caps, refusals that name the setting."""

from __future__ import annotations

import math
import resource
import time

import numpy as np
import pytest

from compute import landscape
from compute.budget import BudgetExceeded, WorkBudget
from compute.landscape import _dedupe

# phi of tanh at H = 8, mu = 3, sigma = 0.1 (gamma = 1): kappa_1 ~ 9e13, R invisible.
TANH_EXTREME = (92393156708656.56, 929685404237.4434, 9354750737.41212, 94130079.87459166,
                947162.8037892705, 9530.613148073073, 95.89965591430915)
# phi of sigmoid at H = 12, mu = 0, sigma = 1: kappa_1 ~ 1.7e7; the search collapses.


def test_budget_rejects_bad_caps():
    for kwargs in ({"max_starts": 0}, {"max_points": -1}, {"max_bytes": 1.5}, {"max_seconds": 0},
                   {"max_seconds": float("nan")}, {"max_samples": True}):
        with pytest.raises(ValueError, match=next(iter(kwargs))):
            WorkBudget(**kwargs)


def test_dedupe_memory_is_linear_when_every_point_coincides():
    # 200 000 copies of two points (the collapse seen when phi dwarfs R): the old pair list
    # held n^2/2 = 2e10 pairs; the cube binning keeps two survivors.
    rng = np.random.default_rng(0)
    base = np.array([[1.0, 1.0, 1.0], [-1.0, -1.0, -1.0]])
    W = np.repeat(base, 100_000, axis=0) + 1e-13 * rng.standard_normal((200_000, 3))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    out = _dedupe(W, rng.random(len(W)), 1e-6 * math.sqrt(3))
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert len(out) == 2
    assert grown_kib < 200 * 1024  # far below the gigabytes of a quadratic pair list


def test_dedupe_keeps_lowest_score_and_separate_points():
    W = np.array([[0.0, 0.0], [0.0, 0.5e-6], [1.0, 0.0], [0.0, 1e-6 * 0.4]])
    score = np.array([3.0, 1.0, 0.0, 2.0])
    out = _dedupe(W, score, 1e-6)
    assert len(out) == 2
    assert any(np.allclose(r, [0.0, 0.5e-6]) for r in out)
    assert any(np.allclose(r, [1.0, 0.0]) for r in out)


def test_dedupe_point_cap():
    W = np.random.default_rng(1).standard_normal((50, 3))
    with pytest.raises(landscape._TooManyPoints):
        _dedupe(W, np.zeros(50), 1e-6, max_points=10)


def test_start_cap_names_h_at_n3_not_n():
    with pytest.raises(BudgetExceeded) as info:
        landscape.critical_points(3, 12, 1, budget=WorkBudget(max_starts=100))
    assert info.value.setting == "H"
    assert "lower H" in str(info.value) and "lower N" not in str(info.value)
    assert "max_starts = 100" in str(info.value)


def test_dominant_phi_is_refused_naming_its_coefficients_within_the_time_cap():
    t0 = time.monotonic()
    with pytest.raises(BudgetExceeded) as info:
        landscape.critical_points(3, 8, 1, TANH_EXTREME, budget=WorkBudget(max_seconds=1.0, max_starts=30_000))
    elapsed = time.monotonic() - t0
    assert info.value.setting == "coeffs"
    assert "lower N" not in str(info.value)
    assert isinstance(info.value, ValueError)
    assert elapsed < 60  # generous: the point is that it stops, not how fast


def test_dominant_phi_is_refused_before_any_start_whatever_its_sign():
    # The mirror image mu -> -mu (odd coefficients change sign) is refused as well: before
    # the refusal came up front, which of the two a search "found" depended on rounding.
    mirror = tuple(c * (-1) ** (d + 1) for d, c in enumerate(TANH_EXTREME))
    for coeffs in (TANH_EXTREME, mirror):
        with pytest.raises(BudgetExceeded, match="is not attempted") as info:
            landscape.critical_points(3, 8, 1, coeffs, budget=WorkBudget(max_starts=1))
        assert info.value.setting == "coeffs"
    assert landscape.critical_points(3, 3, 1, (1e5, -1e5)).euler_characteristic == 2


def test_seconds_cap_stops_the_newton_iteration():
    with pytest.raises(BudgetExceeded, match="max_seconds"):
        landscape.critical_points(4, 6, 0, budget=WorkBudget(max_seconds=1e-6))


def test_batched_newton_gives_the_same_points():
    land = landscape.sample_landscape(3, 5, 2)
    ref = landscape.find_critical_points(land)
    small = landscape.find_critical_points(land, budget=WorkBudget(max_bytes=64 * 1024))
    assert np.array_equal(ref.counts, small.counts)
    np.testing.assert_allclose(ref.u, small.u, atol=1e-12)


def test_landscape_memory_cap_names_n():
    with pytest.raises(BudgetExceeded) as info:
        landscape.sample_landscape(200, 3, 0, budget=WorkBudget(max_bytes=2**20))
    assert info.value.setting == "N"
    with pytest.raises(BudgetExceeded) as info:
        landscape.sample_landscape(3, 14, 0, budget=WorkBudget(max_bytes=2**20))
    assert info.value.setting == "H" and "lower N" not in str(info.value)


def test_descent_caps_name_runs():
    with pytest.raises(BudgetExceeded) as info:
        landscape.descent_details(10, 3, 50, 0, budget=WorkBudget(max_starts=10))
    assert info.value.setting == "runs"
    with pytest.raises(BudgetExceeded, match="max_bytes"):
        landscape.descent_details(100, 3, 50, 0, budget=WorkBudget(max_bytes=2**20))
    with pytest.raises(BudgetExceeded, match="max_seconds"):
        landscape.descent_details(30, 3, 20, 0, budget=WorkBudget(max_seconds=1e-6))
