"""compute.complexity (theory §3) against an independent mpmath reference.

The reference values live in tests/data/complexity_reference.json, written by
tests/data/make_reference.py (mpmath, 40 working digits, 30 stored digits).

Tolerances
----------
* E_∞, I_1, Θ_H and Θ_{k,H}: ``|a − b| ≤ 1e-10·|b| + 1e-14``.  The absolute floor of
  1e-14 only matters where the exact value is almost zero: Θ_{k,H} at the double nearest
  to a root ``−E_k``, and I_1 within ~1e-6 (relative) of the threshold ``−E_∞``, where
  I_1 ~ (2/3)(2ε)^{3/2} is below 1e-8 and a double-precision evaluation of the closed
  form has an absolute error of a few ulps of O(1) terms.
* E_k: ``1e-9`` relative, H = 3..12, k = 0..10.
"""

from __future__ import annotations

import importlib.util
import json
import math
import pathlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mpmath import mp, mpf

from compute.complexity import e_inf, ground_state_energies, i1, theta

DATA = pathlib.Path(__file__).resolve().parents[1] / "data"
RTOL = 1e-10
ATOL = 1e-14
RTOL_ENERGY = 1e-9


def _load_script():
    spec = importlib.util.spec_from_file_location("make_reference", DATA / "make_reference.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


ref_script = _load_script()
REF = json.loads((DATA / "complexity_reference.json").read_text(encoding="utf-8"))
H_ALL = sorted(int(h) for h in REF["e_inf"])
H_ROOTS = sorted(int(h) for h in REF["ground_state_energies"])
KMAX = REF["meta"]["kmax"]


def _floats(strings) -> np.ndarray:
    return np.array([float(s) for s in strings])


def _assert_close(actual, expected, rtol=RTOL, atol=ATOL, what=""):
    actual = np.asarray(actual, dtype=float)
    expected = np.asarray(expected, dtype=float)
    assert actual.shape == expected.shape, what
    err = np.abs(actual - expected)
    bad = err > rtol * np.abs(expected) + atol
    if np.any(bad):
        i = int(np.flatnonzero(bad.ravel())[0])
        raise AssertionError(
            f"{what}: {int(bad.sum())} of {bad.size} values off; first at position {i}: "
            f"got {actual.ravel()[i]!r}, reference {expected.ravel()[i]!r}, "
            f"error {err.ravel()[i]:.3e}")


# ---------------------------------------------------------------------------
# the reference file itself
# ---------------------------------------------------------------------------

def test_reference_metadata_and_coverage():
    meta = REF["meta"]
    assert meta["dps"] >= 40 and meta["significant_digits"] >= 30
    assert H_ALL == list(range(2, 13))
    assert H_ROOTS == list(range(3, 13))
    assert KMAX == 10
    for H in H_ROOTS:
        assert len(REF["ground_state_energies"][str(H)]) == KMAX + 1
        g = REF["grid"][str(H)]
        u = _floats(g["u"])
        einf = float(REF["e_inf"][str(H)])
        e0 = float(REF["ground_state_energies"][str(H)][0])
        assert np.all(np.diff(u) > 0)
        assert np.any((u > -einf * (1 + 1e-7)) & (u < -einf))          # just below -E_inf
        assert np.any((u > -einf * (1 - 1e-9)) & (u < -einf * (1 - 1e-7)))  # just above
        assert np.any((u > -e0) & (u < -einf * (1 + 1e-3)))             # in the band
        assert {-3.0, -5.0} <= set(u) and np.any(u > 0) and np.any((u < 0) & (u > -einf))
        assert len(g["i1"]) == len(g["theta_total"]) == u.size
        assert len(g["theta_k"]) == KMAX + 1 and all(len(r) == u.size for r in g["theta_k"])
    assert (DATA / "complexity_reference.json").stat().st_size < 1_000_000


def _same_numbers(fresh, stored, where="table"):
    """Equal structure; numeric strings equal to 28 significant digits (or 1e-33 absolute),
    so a different mpmath release rounding the 30th digit differently does not count as stale."""
    assert type(fresh) is type(stored), where
    if isinstance(fresh, dict):
        assert fresh.keys() == stored.keys(), where
        for key in fresh:
            _same_numbers(fresh[key], stored[key], f"{where}[{key!r}]")
    elif isinstance(fresh, list):
        assert len(fresh) == len(stored), where
        for i, (a, b) in enumerate(zip(fresh, stored)):
            _same_numbers(a, b, f"{where}[{i}]")
    else:
        a, b = mpf(fresh), mpf(stored)
        assert abs(a - b) <= mpf(10) ** -28 * abs(b) + mpf(10) ** -33, (where, fresh, stored)


def test_reference_file_is_up_to_date():
    """Regenerate the table in-process with the script (without its slower precision
    certificate) and compare it with the stored file."""
    fresh = ref_script.build_reference(certify=False)
    meta_fresh, meta_stored = dict(fresh.pop("meta")), dict(REF["meta"])
    meta_fresh.pop("mpmath_version")
    meta_stored.pop("mpmath_version")
    assert meta_fresh == meta_stored
    assert fresh["grid"]["3"]["u"] == REF["grid"]["3"]["u"]  # the grid is stored exactly
    stored = {key: value for key, value in REF.items() if key != "meta"}
    with mp.workdps(ref_script.DPS):
        _same_numbers(fresh, stored)


def test_reference_i1_matches_hyperbolic_form():
    """Independent check of the script: with −u = E_∞ cosh a, I_1 = ½ sinh 2a − a."""
    with mp.workdps(50):
        for H in (2, 3, 7, 12):
            g = REF["grid"][str(H)]
            einf = 2 * mp.sqrt(mpf(H - 1) / H)
            for us, vs in zip(g["u"], g["i1"]):
                u = mpf(float(us))
                if u >= -einf:
                    assert mpf(vs) == 0
                    continue
                a = mp.acosh(-u / einf)
                expected = mp.sinh(2 * a) / 2 - a
                assert abs(mpf(vs) - expected) <= mpf(10) ** -29 * expected + mpf(10) ** -35


# ---------------------------------------------------------------------------
# compute.complexity against the reference
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("H", range(2, 13))
def test_e_inf_matches_reference(H):
    _assert_close(e_inf(H), float(REF["e_inf"][str(H)]), what=f"E_inf H={H}")
    assert isinstance(e_inf(H), float)


@pytest.mark.parametrize("H", range(2, 13))
def test_i1_matches_reference(H):
    g = REF["grid"][str(H)]
    _assert_close(i1(_floats(g["u"]), H), _floats(g["i1"]), what=f"I_1 H={H}")


@pytest.mark.parametrize("H", range(2, 13))
def test_i1_keeps_relative_precision_near_threshold(H):
    """Stricter than the contract: compute.complexity documents that I_1 keeps full
    relative precision down to −E_∞, so every value above 1e-20 must agree to 1e-12
    relative (the closed form evaluated naively in doubles loses ~1e-16/ε there).
    Values below 1e-20 only occur at the double nearest to −E_∞; they must be < 1e-20."""
    g = REF["grid"][str(H)]
    u, ref = _floats(g["u"]), _floats(g["i1"])
    got = i1(u, H)
    tiny = ref < 1e-20
    _assert_close(got[~tiny], ref[~tiny], rtol=1e-12, atol=0.0, what=f"I_1 H={H}")
    assert np.all(np.abs(got[tiny]) < 1e-20)
    # a finer walk towards the threshold, against the script's mpmath formula
    einf = e_inf(H)
    near = -einf * (1 + np.geomspace(1e-13, 1e-3, 25))
    with mp.workdps(ref_script.DPS):
        exact = np.array([float(ref_script.i1(x, H)) for x in near])
    _assert_close(i1(near, H), exact, rtol=1e-12, atol=0.0, what=f"I_1 near -E_inf H={H}")


@pytest.mark.parametrize("H", range(2, 13))
def test_theta_total_matches_reference(H):
    g = REF["grid"][str(H)]
    _assert_close(theta(_floats(g["u"]), H), _floats(g["theta_total"]), what=f"Theta_H H={H}")


@pytest.mark.parametrize("H", range(2, 13))
@pytest.mark.parametrize("k", range(0, 11))
def test_theta_k_matches_reference(H, k):
    g = REF["grid"][str(H)]
    _assert_close(theta(_floats(g["u"]), H, k), _floats(g["theta_k"][k]),
                  what=f"Theta_k H={H} k={k}")


@pytest.mark.parametrize("H", range(3, 13))
def test_ground_state_energies_match_reference(H):
    got = ground_state_energies(H, KMAX)
    assert got.shape == (KMAX + 1,)
    _assert_close(got, _floats(REF["ground_state_energies"][str(H)]), rtol=RTOL_ENERGY, atol=0.0,
                  what=f"E_k H={H}")


@settings(max_examples=150, deadline=None)
@given(H=st.integers(2, 40), k=st.one_of(st.none(), st.integers(0, 30)),
       u=st.floats(-20.0, 5.0, allow_nan=False))
def test_random_points_match_mpmath(H, k, u):
    """Off-grid points and depths beyond the table, against the script's mpmath formulas."""
    with mp.workdps(ref_script.DPS):
        exp_theta = float(ref_script.theta(u, H, k))
        exp_i1 = float(ref_script.i1(u, H))
    _assert_close(theta(u, H, k), exp_theta, what=f"theta({u!r}, {H}, {k})")
    _assert_close(i1(u, H), exp_i1, what=f"i1({u!r}, {H})")


# ---------------------------------------------------------------------------
# published values, H = 2, roots
# ---------------------------------------------------------------------------

def test_published_values_h3():
    """ABC / Choromanska et al.: for H = 3, E_0 ≈ 1.657 and E_∞ ≈ 1.633."""
    assert round(float(ground_state_energies(3, 0)[0]), 3) == 1.657
    assert round(e_inf(3), 3) == 1.633


def test_h2_is_degenerate():
    energies = ground_state_energies(2, 10)
    assert energies.shape == (11,)
    np.testing.assert_allclose(energies, math.sqrt(2), rtol=0, atol=1e-15)
    assert e_inf(2) == pytest.approx(math.sqrt(2), rel=1e-16)


@pytest.mark.parametrize("H", range(3, 13))
def test_theta_vanishes_at_ground_state_energies(H):
    energies = ground_state_energies(H, KMAX)
    ref = _floats(REF["ground_state_energies"][str(H)])
    for k in range(KMAX + 1):
        assert abs(float(theta(-energies[k], H, k))) <= 1e-12, (H, k)
        assert abs(float(theta(-ref[k], H, k))) <= 1e-12, (H, k)
        # and it is a sign change, not a touch
        assert float(theta(-energies[k] * (1 + 1e-8), H, k)) < 0 < float(
            theta(-energies[k] * (1 - 1e-8), H, k))


# ---------------------------------------------------------------------------
# input validation
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("bad_H", [1, 0, -3])
def test_bad_depth_raises(bad_H):
    calls = [lambda: e_inf(bad_H), lambda: i1(-2.0, bad_H), lambda: theta(-2.0, bad_H),
             lambda: theta(-2.0, bad_H, 0), lambda: ground_state_energies(bad_H, 3)]
    for call in calls:
        with pytest.raises(ValueError, match=r"\bH\b") as info:
            call()
        assert "2" in str(info.value)  # the allowed range H >= 2 is stated


@pytest.mark.parametrize("bad_k", [-1, -10])
def test_bad_index_raises(bad_k):
    with pytest.raises(ValueError, match=r"\bk\b") as info:
        theta(-2.0, 3, bad_k)
    assert "0" in str(info.value)  # the allowed range k >= 0 is stated


def test_bad_kmax_raises():
    with pytest.raises(ValueError, match="kmax"):
        ground_state_energies(3, -1)


@pytest.mark.parametrize("bad_u", [math.nan, math.inf, -math.inf, [-2.0, math.nan], [[0.0], [math.inf]]])
def test_non_finite_u_raises(bad_u):
    for call in (lambda: theta(bad_u, 3), lambda: theta(bad_u, 3, 1), lambda: i1(bad_u, 3)):
        with pytest.raises(ValueError, match=r"\bu\b"):
            call()


# ---------------------------------------------------------------------------
# vectorisation
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("k", [None, 0, 4])
def test_shapes_are_kept(k):
    scalar = theta(-1.7, 3, k)
    assert isinstance(scalar, np.ndarray) and scalar.shape == ()
    listed = theta([-3.0, -1.7, -1.0, 0.5], 3, k)
    assert listed.shape == (4,)
    grid = np.linspace(-4.0, 1.0, 12).reshape(3, 4)
    out = theta(grid, 5, k)
    assert out.shape == (3, 4)
    elementwise = np.array([[float(theta(x, 5, k)) for x in row] for row in grid])
    np.testing.assert_array_equal(out, elementwise)
    assert theta(np.empty((0, 3)), 3, k).shape == (0, 3)


def test_i1_shapes_and_values():
    assert np.asarray(i1(-1.0, 3)).shape == ()
    assert i1([-3.0, -1.0], 3).shape == (2,)
    grid = np.linspace(-4.0, 1.0, 12).reshape(2, 6)
    out = i1(grid, 4)
    assert out.shape == (2, 6)
    np.testing.assert_array_equal(out[grid >= -e_inf(4)], 0.0)
    assert np.all(out[grid < -e_inf(4)] > 0)
