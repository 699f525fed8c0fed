"""Structural properties of the complexity of theory §3, checked with hypothesis.

* E_0 > E_1 > … > E_kmax > E_∞ for H ≥ 3, and E_k → E_∞ at the rate the formulas force;
* Θ_{k,H} and Θ_H are continuous at −E_∞ (and Θ_H at 0);
* Θ_{k,H} − Θ_{k+1,H} = I_1 below −E_∞ and 0 above;
* Θ_{k,H} and Θ_H are non-decreasing in u;
* Θ_{k+1,H} ≤ Θ_{k,H} ≤ Θ_H (fewer index-(k+1) saddles than index-k critical points
  below any level: the layered structure), with Θ_{0,H} = Θ_H below −E_∞.

Tolerances are a few ulps of the magnitudes involved; each is stated where used.
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from compute.complexity import e_inf, ground_state_energies, i1, theta

FAST = settings(max_examples=60, deadline=None)
depths = st.integers(min_value=3, max_value=12)
any_depth = st.integers(min_value=2, max_value=12)
indices = st.integers(min_value=0, max_value=20)
index_or_total = st.one_of(st.none(), indices)
losses = st.floats(min_value=-12.0, max_value=3.0, allow_nan=False)


def _scale(*arrays) -> np.ndarray:
    """Round-off scale: 1 + the largest magnitude among the arguments."""
    return 1.0 + np.max(np.abs(np.stack(np.broadcast_arrays(*arrays))), axis=0)


@FAST
@given(H=depths, kmax=st.integers(min_value=1, max_value=40))
def test_ground_state_energies_strictly_decrease_to_e_inf(H, kmax):
    energies = ground_state_energies(H, kmax)
    assert energies.shape == (kmax + 1,)
    assert np.all(np.diff(energies) < 0)
    assert energies[-1] > e_inf(H)


@FAST
@given(H=depths, k=st.integers(min_value=0, max_value=2000))
def test_ground_state_energies_approach_e_inf(H, k):
    """E_k − E_∞ decreases to 0 at the rate (k+1)^{-2/3}.

    At the root, (k+1) I_1(−E_k) = θ∞ − q (E_k² − E_∞²) ≤ θ∞ with θ∞ = Θ_{k,H}(−E_∞) and
    q = (H−2)/(4(H−1)).  With −u = E_∞ cosh a, I_1 = ½ sinh 2a − a ≥ (2/3) a³, so
    a_k ≤ τ_k = (3 θ∞ / (2(k+1)))^{1/3} and 0 < E_k − E_∞ ≤ E_∞ (cosh τ_k − 1).
    """
    einf = e_inf(H)
    theta_inf = 0.5 * math.log(H - 1) - (H - 2) / H
    energies = ground_state_energies(H, k + 1)
    gaps = energies - einf
    assert np.all(gaps > 0)
    assert gaps[k + 1] < gaps[k]
    tau = (1.5 * theta_inf / (k + 1)) ** (1.0 / 3.0)
    assert gaps[k] <= einf * (math.cosh(tau) - 1.0) * (1 + 1e-12)
    # The bound is sharp as k → ∞ (a_k/τ_k → 1 because I_1 ~ (2/3) a³ and the q-term is
    # O(a²)); the ratio gap/bound rises from about 0.40 at k = 0 towards 1, so the gap decays
    # exactly like k^{-2/3}.  0.3 leaves slack below the smallest ratio.
    assert gaps[k] >= 0.3 * einf * (math.cosh(tau) - 1.0)


@FAST
@given(H=any_depth, k=index_or_total)
def test_continuous_at_threshold(H, k):
    """One-sided limits at −E_∞ agree within 1e-9 (evaluated at distance 1e-12)."""
    einf = e_inf(H)
    left, mid, right = theta(np.array([-einf - 1e-12, -einf, -einf + 1e-12]), H, k)
    assert abs(left - right) <= 1e-9
    assert abs(left - mid) <= 1e-9 and abs(right - mid) <= 1e-9


@FAST
@given(H=any_depth)
def test_total_continuous_at_zero(H):
    left, mid, right = theta(np.array([-1e-12, 0.0, 1e-12]), H)
    assert abs(left - right) <= 1e-9 and abs(left - mid) <= 1e-9


@FAST
@given(H=any_depth, k=indices, u=st.lists(losses, min_size=1, max_size=30))
def test_index_step_is_i1(H, k, u):
    """Θ_{k,H} − Θ_{k+1,H} = I_1(u) for u ≤ −E_∞ and 0 above (tolerance 1e-13 × scale)."""
    u = np.array(u)
    a, b, rate = theta(u, H, k), theta(u, H, k + 1), i1(u, H)
    diff = a - b
    assert np.all(np.abs(diff - rate) <= 1e-13 * _scale(a, b))
    above = u > -e_inf(H)
    assert np.all(diff[above] == 0.0)
    assert np.all(rate[above] == 0.0)
    assert np.all(rate[u < -e_inf(H) * (1 + 1e-6)] > 0)


@FAST
@given(H=any_depth, k=index_or_total, u=st.lists(losses, min_size=2, max_size=40))
def test_non_decreasing_in_u(H, k, u):
    """Sorted inputs give non-decreasing outputs (round-off allowance 1e-14 × scale)."""
    u = np.sort(np.array(u))
    values = theta(u, H, k)
    assert np.all(np.diff(values) >= -1e-14 * _scale(values[:-1], values[1:]))


@FAST
@given(H=any_depth, k=index_or_total)
def test_non_decreasing_on_a_fine_grid(H, k):
    """Dense grid across every branch point: −E_0, −E_∞, 0."""
    einf = e_inf(H)
    u = np.sort(np.concatenate([np.linspace(-6.0, 2.0, 4001),
                                -einf * (1 + np.geomspace(1e-12, 1e-1, 200)),
                                -einf * (1 - np.geomspace(1e-12, 1e-1, 200))]))
    values = theta(u, H, k)
    assert np.all(np.diff(values) >= -1e-14 * _scale(values[:-1], values[1:]))
    if k is not None and H >= 3:
        # strictly increasing below −E_∞, constant above
        below = u < -einf * (1 + 1e-6)
        assert np.all(np.diff(values[below]) > 0)
        assert np.all(values[u >= -einf] == values[-1])


@FAST
@given(H=any_depth, k=indices, u=st.lists(losses, min_size=1, max_size=30))
def test_index_ordering(H, k, u):
    """Θ_{k+1,H} ≤ Θ_{k,H} ≤ Θ_H, and Θ_{0,H} = Θ_H for u ≤ −E_∞ (tolerance 1e-13 × scale)."""
    u = np.array(u)
    total, this, nxt = theta(u, H), theta(u, H, k), theta(u, H, k + 1)
    tol = 1e-13 * _scale(total, this, nxt)
    assert np.all(nxt <= this + tol)
    assert np.all(this <= total + tol)
    below = u <= -e_inf(H)
    np.testing.assert_allclose(theta(u[below], H, 0), total[below], rtol=1e-14, atol=1e-15)
    # above the threshold the index-k complexity is strictly below the total for H >= 3
    if H >= 3:
        above = u > -e_inf(H) * (1 - 1e-6)
        assert np.all(this[above] < total[above])


@FAST
@given(H=depths, kmax=st.integers(min_value=0, max_value=15))
def test_ground_states_separate_the_layers(H, kmax):
    """Below −E_k there are no index-k critical points at leading order; above, there are.

    Θ_{j,H}(−E_k) ≤ 0 for j ≥ k and > 0 for j < k (theory §3: index-k saddles appear
    only above −E_k).
    """
    energies = ground_state_energies(H, kmax)
    for k, ek in enumerate(energies):
        values = np.array([float(theta(-ek, H, j)) for j in range(kmax + 1)])
        assert np.all(values[k:] <= 1e-12)
        assert np.all(values[:k] > 0)
