r"""Where the critical points sit: the overlap profile at finite N (theory §5.6) [ours].

The loss is :math:`L = R + \varphi(s)` on the sphere :math:`|w|^2 = N` (theory §5.3), with
:math:`s = \mathbf 1\cdot w/\sqrt N = \sqrt N m` and ``m`` in (-1, 1) the overlap with the all-ones
direction.  With :math:`f_N(m) = \varphi(\sqrt N m)/N = \sum_d \kappa_d N^{d/2-1} m^d`, Laplace's method
on the Kac–Rice integral of theory §5.4 gives the exponential rate of critical points at loss level
``u`` (per weight) and overlap ``m``:

.. math::

    \Sigma_N(u, m) = C_H + \tfrac12\log(1-m^2) - \frac{f_N'(m)^2(1-m^2)}{2H} - \frac{(u-f_N(m))^2}{2}
                     + \Phi(y(m)),

    y(m) = \frac{H(u - f_N(m)) + m f_N'(m)}{\sqrt{2H(H-1)}},\qquad
    C_H = \tfrac12\log(2(H-1)) + \tfrac12,

:math:`\Phi(y) = \int\log|\lambda - y|\,\rho_{sc}(\lambda)\,d\lambda` the log-potential of the
semicircle on :math:`[-\sqrt2, \sqrt2]`.  Index rule: with
:math:`\theta(m) = f_N''(m)(1-m^2)/\sqrt{2H(H-1)}` the Hessian (divided by :math:`\sqrt{2H(H-1)}`) is
``GOE - y + θ e eᵀ``; it has an outlier at :math:`\ell = \theta + 1/(2\theta)` when
:math:`\theta < -1/\sqrt2` (BBP).  A critical point is a minimum when ``y`` lies below the bulk edge
:math:`-\sqrt2` and below :math:`\ell`; between :math:`\ell` and :math:`-\sqrt2` it is an index-1 saddle;
each further negative direction costs one bulk eigenvalue pulled below ``y``, at the rate
:math:`J(y) = \int_y^{-\sqrt2}\sqrt{t^2-2}\,dt` (the ``I_1`` of theory §3 in this variable).

Public functions (names are a contract):

* :func:`overlap_profile` — :math:`\Sigma_N(u, m)` (broadcasting over ``u`` and ``m``);
* :func:`leading_complexity` — the rate of :math:`E\,\mathrm{Crt}_N(L \le Nu)` (sup over ``m`` and
  over levels below ``u``), where it sits and the regime;
* :func:`ground_state` — :math:`E_0^\varphi` and the layered :math:`E_k^\varphi`;
* :func:`phase_diagram` — regimes over a grid of strengths γ (κ linear in γ) and levels ``u``.

With φ ≡ 0 everything reduces to theory §3: :math:`\Sigma_N(u, 0) = \Theta_H(u)` for ``u <= 0``,
the leading complexity is :math:`\Theta_H(u)` (total) and :math:`\Theta_{0,H}(u)` (minima) for every
``u``, and the ground states are :math:`E_k`.  docs/theory.md (§5.6) states the regime boundaries.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from compute.validation import finite_array, int_param, phi_coefficients

__all__ = [
    "MAX_N",
    "MAX_H",
    "S_SPIN_GLASS",
    "REGIMES",
    "LeadingComplexity",
    "GroundState",
    "PhaseDiagram",
    "overlap_profile",
    "leading_complexity",
    "ground_state",
    "phase_diagram",
    "RegimeMapN",
    "regime_map_n",
    "scaled_coefficients",
    "minima_level",
    "POLE_TOL",
    "rate_resolution",
]

#: Largest N accepted (the profile is a large-N statement; beyond this nothing new is learnt).
MAX_N = 10**8
#: Largest depth accepted (as the dashboard's depth range).
MAX_H = 64
#: Largest |s*| = √N |m*| at which the dominant critical points count as "overlap s = O(1)".
S_SPIN_GLASS = 4.0
#: Regime labels, in the order of the integer codes of :func:`phase_diagram`.
REGIMES = ("spin-glass", "shifted", "deterministic")
#: Largest |d κ_d N^{d/2-1}| accepted (keeps f_N'² finite in double precision).
_MAX_SCALED = 1e100

_SQRT2 = math.sqrt(2.0)
_LOG2 = math.log(2.0)
_ZOOM_ROUNDS = 5
_ZOOM_POINTS = 9
_NEWTON_STEPS = 40
#: Deepest pole node in τ = artanh m (cosh² overflows past τ ≈ 355).
_TAU_MAX = 300.0
#: Windows of non-negative rate narrower than the grid (:func:`_missed_windows`): zoom rounds that
#: look for one from a local maximum of the peak rate, rounds of a 16-point search for its edges
#: (4 bits each), nodes spread across it, and zoom rounds for the lowest level in it.
_WINDOW_ROUNDS = 12
_WINDOW_SEARCH = 12
_WINDOW_NODES = 17
_WINDOW_ZOOM = 12
_POLE_TOL = 1e-6
#: Rates within this of 0 count as one isolated point (a pole minimum; see :func:`ground_state`).
POLE_TOL = _POLE_TOL


def rate_resolution(u):
    r"""The smallest |Σ_N| that double precision resolves at level ``u`` (theory §5.6).

    Σ_N(u, m) is a sum of terms of size up to ~u² (½y², ½z² and f_N'² q / 2H, which near the
    ground state of a strong activation are each of the order of u², with y, z ∝ u), so its
    rounding error is a few ulp of u²; measured, it stays below eps·u² (e.g. 4·10³⁹ at
    |u| = 1.2·10²⁸).  A rate below ``max(POLE_TOL, rate_resolution(u))`` in size is 0 to
    within the arithmetic: one isolated point, or no resolved count at all.  Elementwise.
    """
    u = np.asarray(u, dtype=float)
    return 16.0 * np.finfo(float).eps * np.maximum(1.0, u * u)


# ------------------------------------------------------------------------------------ input


def _check_H(H) -> int:
    return int_param(H, "H", 2, MAX_H, "depth")


def _check_N(N) -> float:
    if isinstance(N, (float, np.floating)) and math.isfinite(N) and float(N).is_integer():
        N = int(N)
    return float(int_param(N, "N", 2, MAX_N, "number of weights"))


def _check_coeffs(coeffs, H: int) -> np.ndarray:
    """``[κ_1, …, κ_{H-1}]`` exactly (``None`` means φ ≡ 0)."""
    return phi_coefficients(coeffs, H, exact=True)


def _check_real(x, name: str, what: str) -> np.ndarray:
    return finite_array(x, name, what)


def _check_m(m) -> np.ndarray:
    arr = _check_real(m, "m", "overlap with the all-ones direction")
    if np.any(np.abs(arr) >= 1.0):
        raise ValueError("m (overlap with the all-ones direction) must lie strictly between -1 and 1")
    return arr


def scaled_coefficients(H: int, coeffs, N) -> np.ndarray:
    r"""Power-series coefficients ``[0, c_1, …, c_{H-1}]`` of :math:`f_N(m) = \sum_d \kappa_d N^{d/2-1} m^d`.

    Raises ``ValueError`` when a coefficient is so large at this N that :math:`f_N'^2` would not be
    representable (the message names N and the strength γ).
    """
    H = _check_H(H)
    Nf = _check_N(N)
    k = _check_coeffs(coeffs, H)
    d = np.arange(1, H)
    with np.errstate(over="ignore"):
        c = k * np.exp((0.5 * d - 1.0) * math.log(Nf))
        big = np.max(np.abs(c * d)) if c.size else 0.0
    if not np.isfinite(big) or big > _MAX_SCALED:
        raise ValueError(
            f"phi's coefficients scaled to N = {int(Nf)} reach |d kappa_d N^(d/2-1)| = {big:.3g} > "
            f"{_MAX_SCALED:.0e}: lower N or the strength gamma"
        )
    return np.concatenate([[0.0], c])


# --------------------------------------------------------------------------- building blocks


class _F:
    """f_N, f_N', f_N'' and the pieces of Σ_N that do not depend on u, on an overlap array.

    ``c`` is one coefficient vector ``[c_0, …, c_deg]``, or one per row, shape (R, deg + 1), against
    ``m`` of shape (R, K) (the same arithmetic, elementwise, as one row at a time).
    """

    def __init__(self, c: np.ndarray, H: int, m: np.ndarray, q: np.ndarray | None = None):
        deg = c.shape[-1] - 1
        if c.ndim > 1:
            c = c.T[:, :, None]  # c[j] is the column (R, 1) of coefficient j
        f = np.full_like(m, c[deg])
        fp = np.full_like(m, deg * c[deg]) if deg >= 1 else np.zeros_like(m)
        fpp = np.full_like(m, deg * (deg - 1) * c[deg]) if deg >= 2 else np.zeros_like(m)
        for j in range(deg - 1, -1, -1):
            f = f * m + c[j]
            if j >= 1:
                fp = fp * m + j * c[j]
            if j >= 2:
                fpp = fpp * m + j * (j - 1) * c[j]
        self._finish(H, m, (1.0 - m) * (1.0 + m) if q is None else q, f, fp, fpp)

    @classmethod
    def from_parts(cls, H: int, m, q, f, fp, fpp) -> "_F":
        obj = cls.__new__(cls)
        obj._finish(H, m, q, f, fp, fpp)
        return obj

    def _finish(self, H, m, q, f, fp, fpp):
        self.H = H
        self.a = math.sqrt(2.0 * H * (H - 1.0))
        self.m, self.q = m, q
        self.f, self.fp, self.fpp = f, fp, fpp
        self.b = m * fp  # s φ'(s) / N
        # q = 0 only at the poles themselves (evaluated for φ's Hessian there, never for a rate)
        self.base = (0.5 * math.log(2.0 * (H - 1.0)) + 0.5 + 0.5 * np.log(np.maximum(q, 1e-300))
                     - fp * fp * q / (2.0 * H))
        self.theta = fpp * q / self.a
        # level (in y) below which the Hessian is positive definite: the bulk edge, or the BBP outlier
        self.has_outlier = self.theta < -1.0 / _SQRT2
        outlier = self.theta + 0.5 / np.where(self.has_outlier, self.theta, -1.0)
        self.y_min = np.where(self.has_outlier, np.minimum(outlier, -_SQRT2), -_SQRT2)
        self.outlier = np.where(self.has_outlier, outlier, -np.inf)

    def y_of(self, z):
        return (self.H * z + self.b) / self.a

    def z_of(self, y):
        return (self.a * y - self.b) / self.H


def _edge_rate(y):
    r""":math:`J(y) = \int_y^{-\sqrt2}\sqrt{t^2-2}\,dt` for ``y <= -sqrt2`` (0 inside the bulk; even in ``y``).

    With :math:`t = |y|/\sqrt2 \ge 1`, :math:`J = t\sqrt{t^2-1} - \log(t + \sqrt{t^2-1})` (the ``I_1`` of
    theory §3 in this variable).  Near the edge both terms are :math:`\approx\sqrt{2(t-1)}` and the
    difference :math:`\approx (2(t-1))^{3/2}/3` keeps an absolute accuracy of about 1e-16, which is
    what a rate needs (the rate itself, not J's relative precision, is what is compared).
    """
    tm1 = np.maximum(np.abs(y) * (1.0 / _SQRT2) - 1.0, 0.0)
    r = np.sqrt(tm1 * (tm1 + 2.0))
    return (tm1 + 1.0) * r - np.log1p(tm1 + r)


def _phi_and_edge_rate(y):
    r""":math:`\Phi(y)` and :math:`J(y)` from one evaluation of :math:`t - 1` and :math:`r = \sqrt{t_c^2-1}`.

    With :math:`t = |y|/\sqrt2` and :math:`t_c = \max(t, 1)`, :math:`y^2/2 - J = t^2/(t_c(t_c + r)) +
    \log(t_c + r)`: that is :math:`y^2/2` inside the bulk and :math:`t/(t + r) + \log(t + r)` outside
    (:math:`t^2 - tr` rationalised).  The plain difference of :math:`y^2/2` and J would lose about
    :math:`10^{-16}y^2` in absolute terms, O(1) at the :math:`|y| \sim 10^8` of the pole layers of a
    steep φ (theory §5.6).
    """
    t = np.abs(y) * (1.0 / _SQRT2)
    tm1 = np.maximum(t - 1.0, 0.0)
    r = np.sqrt(tm1 * (tm1 + 2.0))
    lg = np.log1p(tm1 + r)
    tc = tm1 + 1.0
    phi = t * t / (tc * (tc + r)) + lg - 0.5 - 0.5 * _LOG2
    return phi, tc * r - lg


def _log_potential(y):
    r""":math:`\Phi(y) = \int\log|\lambda - y|\,\rho_{sc}(\lambda)\,d\lambda` (semicircle on [-√2, √2]).

    :math:`y^2/2 - 1/2 - \log(2)/2` inside the bulk, minus :math:`J(|y|)` outside (evaluated without
    cancellation, :func:`_phi_and_edge_rate`).
    """
    return _phi_and_edge_rate(y)[0]


def _log_potential_prime(y):
    """Φ'(y): ``y`` inside the bulk, ``y - sign(y) sqrt(y² - 2)`` outside."""
    return y - np.sign(y) * np.sqrt(np.maximum(y * y - 2.0, 0.0))


def _density(F: _F, z):
    """Σ_N at ``z = u - f_N(m)`` (theory §5.6), broadcasting ``z`` against F's arrays."""
    return F.base - 0.5 * z * z + _log_potential(F.y_of(z))


def _z_peak(F: _F):
    r"""The level ``z = u - f_N(m)`` at which Σ_N(·, m) peaks (Σ_N is concave in u).

    Inside the bulk :math:`z = b/(H-2)` (``b = m f_N'``); outside, :math:`p = \Phi'(y)` solves
    :math:`Hp^2 + abp - a^2 = 0` and :math:`z = Hp/a`.  At ``H = 2`` Σ is flat across the bulk when
    ``b = 0``; the upper edge is returned (same supremum).
    """
    H, a, b = F.H, F.a, F.b
    r = np.sqrt(b * b + 4.0 * H)
    with np.errstate(divide="ignore", invalid="ignore"):  # each branch is used where it is stable
        p_minus = np.where(b <= 0.0, -2.0 * a / (r - b), -a * (b + r) / (2.0 * H))
        p_plus = np.where(b >= 0.0, 2.0 * a / (r + b), a * (r - b) / (2.0 * H))
    if H >= 3:
        z_in = b / (H - 2.0)
        y_in = F.y_of(z_in)
    else:
        y_in = np.where(b < 0.0, -np.inf, np.where(b > 0.0, np.inf, 0.0))
        z_in = F.z_of(_SQRT2)
    z_lo = H * p_minus / a
    z_hi = H * p_plus / a
    return np.where(y_in < -_SQRT2, z_lo, np.where(y_in > _SQRT2, z_hi, z_in))


def _cumulative(F: _F, z, minima: bool):
    """Σ_N of critical points at levels ``<= z`` (all, or minima only), and the level used."""
    cap = _z_peak(F)
    if minima:
        cap = np.minimum(cap, F.z_of(F.y_min))
    zz = np.minimum(z, cap)
    return _density(F, zz), zz


# ----------------------------------------------------------------------------- public: profile


def overlap_profile(u, m, H: int, coeffs, N, *, cumulative: bool = False, minima: bool = False):
    r"""The overlap profile :math:`\Sigma_N(u, m)` of theory §5.6, broadcasting ``u`` against ``m``.

    .. math::

        \Sigma_N(u, m) = C_H + \tfrac12\log(1-m^2) - \frac{f_N'(m)^2(1-m^2)}{2H}
                         - \frac{(u - f_N(m))^2}{2} + \Phi(y(m)),

    the exponential rate (per weight) of the expected number of critical points at loss level
    ``Nu`` and overlap ``m`` with the all-ones direction.  With φ ≡ 0, :math:`\Sigma_N(u, 0) = \Theta_H(u)`
    for ``u <= 0`` (theory §3).

    Parameters
    ----------
    u, m : array_like
        Loss per weight (finite) and overlap, ``-1 < m < 1``; broadcast together.
    H : int
        Depth, ``2 <= H <= 64``.
    coeffs : sequence of float or None
        Exactly ``H - 1`` numbers :math:`[\kappa_1, \dots, \kappa_{H-1}]` of
        :math:`\varphi(s) = \sum_d\kappa_d s^d` (theory §5.3); ``None`` means φ ≡ 0.
    N : int
        Number of weights, ``2 <= N <= 1e8``.
    cumulative : bool
        Rate of the critical points at overlap ``m`` with loss ``<= Nu`` instead of ``= Nu``: Σ_N is
        concave in ``u``, so this is Σ_N at ``min(u, u_peak(m))``.
    minima : bool
        Restrict to minima (``y`` below the bulk edge and the BBP outlier); implies ``cumulative``.
        Where no minimum exists at or below ``u`` … the level is capped at the last level where
        they exist, so the value is finite.

    >>> from compute.complexity import theta
    >>> abs(float(overlap_profile(-1.7, 0.0, 3, [0.0, 0.0], 100)) - float(theta(-1.7, 3))) < 1e-14
    True
    """
    H = _check_H(H)
    c = scaled_coefficients(H, coeffs, N)
    uu = _check_real(u, "u", "loss per weight")
    mm = _check_m(m)
    np.broadcast_shapes(uu.shape, mm.shape)  # clear error for shapes that do not broadcast
    F = _F(c, H, mm)
    z = uu - F.f
    if cumulative or minima:
        out, _ = _cumulative(F, z, minima)
    else:
        out = _density(F, z)
    out = np.broadcast_to(out, np.broadcast_shapes(uu.shape, mm.shape))
    return np.array(out) if out.ndim else float(out)


def minima_level(m, H: int, coeffs, N):
    r"""The level (loss per weight) below which a critical point at overlap ``m`` is a minimum (theory §5.6).

    It is where :math:`y(u, m) = \min(-\sqrt2, \ell(m))`, the bulk edge or the BBP outlier: below it
    the Hessian is positive definite, above it (up to the bulk edge) an outlier makes an index-1
    saddle, and inside the bulk the index is extensive.  Vectorised over ``m`` (``|m| < 1``).

    >>> from compute.complexity import e_inf
    >>> abs(minima_level(0.0, 3, None, 100) + e_inf(3)) < 1e-15
    True
    """
    H = _check_H(H)
    c = scaled_coefficients(H, coeffs, N)
    mm = _check_m(m)
    F = _F(c, H, mm)
    out = F.f + F.z_of(F.y_min)
    return out if out.ndim else float(out)


# ------------------------------------------------------------------------ sup over the overlap


def _tau_grid(c: np.ndarray, H: int, N: float, fine: bool = True) -> np.ndarray:
    """Nodes in τ = artanh(m): uniform in the bulk, the s = O(1) window, and the pole layers.

    The pole layers reach ``1 - m² ≈ 1e-3 H / f_N'(±1)²`` (the scale of a critical point of φ at a pole
    displaced by R), at most τ = 300 (``1 - m² ≈ 1e-260``; every coefficient vector that
    :func:`scaled_coefficients` accepts has its layer before that).  ``m`` rounds to ±1 from τ ≈ 19 on;
    the rates use ``1 - m²`` from τ itself, and f_N(±1) is exact to far better than a rate needs.
    """
    ends = _F(c, H, np.array([-1.0, 1.0]), q=np.zeros(2))
    fp_max = float(np.max(np.abs(ends.fp)))
    q_min = min(1e-4, 1e-3 * H / max(fp_max * fp_max, 1.0))
    T = min(_TAU_MAX, max(4.0, 0.5 * math.log(4.0 / q_min) + 1.0))
    step = 0.025 if fine else 0.1
    bulk = np.linspace(-3.0, 3.0, int(round(6.0 / step)) + 1)
    pstep = 0.1 if fine else 0.5
    pole = np.arange(3.0 + pstep, T + 0.5 * pstep, pstep)
    window = np.arctanh(np.clip(np.linspace(-2.0 * S_SPIN_GLASS, 2.0 * S_SPIN_GLASS, 33 if fine else 17)
                                / math.sqrt(N), -0.999, 0.999))
    return np.unique(np.concatenate([-pole[::-1], bulk, pole, window]))


def _m_q(tau):
    m = np.tanh(tau)
    q = 1.0 / np.cosh(tau) ** 2
    return m, q


def _zoom_max(c, H, u: np.ndarray, minima: bool, tau: np.ndarray, i: np.ndarray, best: np.ndarray,
              lo: np.ndarray | None = None, hi: np.ndarray | None = None):
    """Refine maxima of the cumulative profile at levels ``u`` (one per row) around grid nodes ``tau[i]``.

    ``c`` is one coefficient vector, or one per row (shape (len(u), deg + 1), see :class:`_F`).
    The first bracket is ``[lo, hi]``, by default the neighbouring nodes.
    """
    rows = np.arange(u.size)
    t_best = tau[i]
    lo = tau[np.maximum(i - 1, 0)] if lo is None else lo
    hi = tau[np.minimum(i + 1, tau.size - 1)] if hi is None else hi
    frac = np.linspace(0.0, 1.0, _ZOOM_POINTS)
    for _ in range(_ZOOM_ROUNDS):
        tt = lo[:, None] + (hi - lo)[:, None] * frac[None, :]
        mz, qz = _m_q(tt)
        Fz = _F(c, H, mz, qz)
        vz, _ = _cumulative(Fz, u[:, None] - Fz.f, minima)
        j = np.argmax(vz, axis=1)
        vj = vz[rows, j]
        better = vj > best
        best = np.where(better, vj, best)
        t_best = np.where(better, tt[rows, j], t_best)
        step = (hi - lo) / (_ZOOM_POINTS - 1)
        lo, hi = t_best - step, t_best + step
    return best, t_best


def _zoom_argmax(fn, lo: np.ndarray, hi: np.ndarray, rounds: int, stop: float = np.inf):
    """Maximise ``fn`` over ``[lo[r], hi[r]]`` for each row ``r`` by repeated 9-point zooms.

    ``fn(rows, tt)`` evaluates nodes ``tt`` (shape (len(rows), 9)) of those rows, ``nan`` counting as
    ``-inf``.  For a unimodal function the maximiser lies within one step of the best node, so each
    round keeps that bracket (a quarter of the last).  A row whose best value reaches ``stop`` is
    left as it is.
    Returns (value, τ).
    """
    frac = np.linspace(0.0, 1.0, _ZOOM_POINTS)
    best = np.full(lo.size, -np.inf)
    t_best = 0.5 * (lo + hi)
    for _ in range(rounds):
        live = np.flatnonzero(best < stop)
        if live.size == 0:
            break
        tt = lo[live, None] + (hi - lo)[live, None] * frac[None, :]
        v = fn(live, tt)
        v = np.where(np.isnan(v), -np.inf, v)
        j = np.argmax(v, axis=1)
        vj = v[np.arange(live.size), j]
        better = vj > best[live]
        best[live] = np.where(better, vj, best[live])
        t_best[live] = np.where(better, tt[np.arange(live.size), j], t_best[live])
        step = (hi[live] - lo[live]) / (_ZOOM_POINTS - 1)
        lo, hi = lo.copy(), hi.copy()
        lo[live], hi[live] = t_best[live] - step, t_best[live] + step
    return best, t_best


def _stationary_nodes(c, H, tau: np.ndarray, spread: float = 1.0) -> np.ndarray:
    r"""Nodes in τ around the stationary points of f_N in (-1, 1) whose well is narrower than the grid.

    At a stationary point :math:`m_0` the cost :math:`f_N'^2(1-m^2)/(2H)` of R's gradient cancelling
    φ's pull vanishes, and it reaches O(1) at :math:`|m - m_0| \sim W = \sqrt{2H/(1-m_0^2)}/|f_N''(m_0)|`:
    for a steep φ that window of critical points is far narrower than the nodes ``tau`` (theory §5.6).
    Where :math:`3W` is less than the local node spacing (in m), 13 nodes cover
    :math:`m_0 \pm 3W`; with ``spread > 1`` (strengths down to ``1/spread`` of ``c``'s, whose wells are
    wider) also :math:`m_0 \pm 3W s` for ``s = 2, 4, …, <= spread``.  Sorted; empty when there is none.
    """
    P = np.polynomial.polynomial
    d1 = P.polyder(c)
    nz = np.flatnonzero(d1)
    if nz.size == 0 or nz[-1] == 0:
        return np.empty(0)
    d1 = d1[: nz[-1] + 1]
    d2 = P.polyder(d1)
    roots = np.roots(d1[::-1])
    cand = roots.real[(np.abs(roots.imag) <= 1e-6 * (1.0 + np.abs(roots.real))) & (np.abs(roots.real) < 1.0)]
    out = []
    x = np.linspace(-3.0, 3.0, 13)
    for m0 in cand:
        for _ in range(3):  # polish the companion-matrix root
            f2 = float(P.polyval(m0, d2))
            if f2 == 0.0:
                break
            m0 = m0 - float(P.polyval(m0, d1)) / f2
        f2 = abs(float(P.polyval(m0, d2)))
        if not (abs(m0) < 1.0 and f2 > 0.0 and math.isfinite(f2)):
            continue
        q0 = (1.0 - m0) * (1.0 + m0)
        W = math.sqrt(2.0 * H / q0) / f2
        j = min(max(int(np.searchsorted(tau, math.atanh(m0))), 1), tau.size - 1)
        cell = (tau[j] - tau[j - 1]) * q0
        s = 1.0
        while s <= spread and 3.0 * W * s < cell:
            m = m0 + W * s * x
            out.append(np.arctanh(m[np.abs(m) < 1.0]))
            s *= 2.0
    return np.unique(np.concatenate(out)) if out else np.empty(0)


def _missed_windows(peak, grids):
    """Windows of overlap with a peak rate ``>= 0`` that contain no node of the grid (theory §5.6).

    ``grids[r] = (tau, P, extra)`` for each row r: its nodes (sorted), a peak rate over all levels
    (of minima, of all critical points, or of index-k points) at them, and extra nodes or ``None``;
    ``peak(rows, tt)`` evaluates the peak rate at nodes ``tt`` (shape (len(rows), n)) of those rows.
    Such points exist with a rate ``>= 0`` only where the peak rate is ``>= 0``, and that set can fall
    between two nodes: around a stationary point of a steep φ it is ~ sqrt(2H/(1-m²))/|f_N''| wide
    (the extra nodes of :func:`_stationary_nodes` sit there), and where the best rate is barely
    positive it shrinks to a point.

    Every local maximum of the peak rate on a row's nodes (``tau`` and ``extra``; of a plateau, where
    m has rounded to ±1 deep in a pole layer, only the ends; none at a node of ``tau`` at or above 0,
    whose window the grid sees) is zoomed (:data:`_WINDOW_ROUNDS`, all rows together) until it
    reaches :data:`POLE_TOL`: a window's best rate must be at least that, since rates within it of 0
    are isolated points, counted by the pole rule (:func:`_pole_minima`).  The window is the stretch
    around the zoomed peak between the nearest nodes with a negative rate; it is returned when that
    stretch holds no node of ``tau``, with edges found by a 16-point search (the peak rate is unimodal
    across a window).

    Returns ``(row, lo, hi)``: each such window's row and edges in τ (peak rate ``>= 0`` at both).
    """
    empty = (np.empty(0, dtype=np.intp), np.empty(0), np.empty(0))
    ex_rows = [r for r, g in enumerate(grids) if g[2] is not None and g[2].size]
    pe = {}
    if ex_rows:  # the peak rate at every row's extra nodes, in one call (short rows padded)
        width = max(grids[r][2].size for r in ex_rows)
        tt = np.empty((len(ex_rows), width))
        for k, r in enumerate(ex_rows):
            e = grids[r][2]
            tt[k, : e.size], tt[k, e.size:] = e, e[-1]
        pe = dict(zip(ex_rows, peak(np.array(ex_rows), tt), strict=True))
    rows = []
    for r, (tau, P, extra) in enumerate(grids):
        if r in pe:
            new = ~np.isin(extra, tau)
            S = np.unique(np.concatenate([tau, extra]))
            grid = np.isin(S, tau)
            PS = np.empty(S.size)
            PS[grid], PS[~grid] = P, pe[r][: extra.size][new]
        else:
            S, grid, PS = tau, np.ones(tau.size, dtype=bool), np.asarray(P, dtype=float)
        PS = np.where(np.isnan(PS), -np.inf, PS)
        rows.append((S, grid, PS))
    cand_row, cand_lo, cand_hi = [], [], []
    for r, (S, grid, PS) in enumerate(rows):
        if S.size < 2:
            continue
        left = np.concatenate([[-np.inf], PS[:-1]])
        right = np.concatenate([PS[1:], [-np.inf]])
        i = np.flatnonzero((PS >= left) & (PS >= right) & ((PS > left) | (PS > right)) & ~(grid & (PS >= 0.0)))
        cand_row.append(np.full(i.size, r))
        cand_lo.append(S[np.maximum(i - 1, 0)])
        cand_hi.append(S[np.minimum(i + 1, S.size - 1)])
    if not cand_row or sum(x.size for x in cand_row) == 0:
        return empty
    row = np.concatenate(cand_row)
    best, tp = _zoom_argmax(lambda live, tt: peak(row[live], tt), np.concatenate(cand_lo), np.concatenate(cand_hi),
                            _WINDOW_ROUNDS, stop=_POLE_TOL)
    out_row, in_lo, in_hi, a_lo, a_hi, seen = [], [], [], [], [], set()
    for r, t in zip(row[best >= _POLE_TOL], tp[best >= _POLE_TOL], strict=True):
        S, grid, PS = rows[r]
        n = S.size
        j = int(np.searchsorted(S, t))  # S[j - 1] < t <= S[j]
        neg = np.flatnonzero(PS < 0.0)
        lo_out = int(neg[neg <= j - 1].max()) if np.any(neg <= j - 1) else -1  # nearest nodes below 0
        hi_out = int(neg[neg >= j].min()) if np.any(neg >= j) else n
        if np.any(grid[lo_out + 1: hi_out]) or (r, lo_out) in seen:  # the grid sees it, or found already
            continue
        seen.add((r, lo_out))
        out_row.append(r)
        # innermost points known to be >= 0 (the stretch's outermost nodes, or the zoomed peak), and
        # the nodes below 0 outside them (none: the window ends at the last node)
        in_lo.append(S[lo_out + 1] if lo_out + 1 <= j - 1 else t)
        in_hi.append(S[hi_out - 1] if hi_out - 1 >= j else t)
        a_lo.append(S[lo_out] if lo_out >= 0 else in_lo[-1])
        a_hi.append(S[hi_out] if hi_out <= n - 1 else in_hi[-1])
    if not out_row:
        return empty
    # edges: a below 0, b at or above 0; each round keeps the first sub-interval, from a, that
    # reaches 0 (16 points, 4 bits)
    a = np.array(a_lo + a_hi)
    b = np.array(in_lo + in_hi)
    r2 = np.array(out_row + out_row)
    frac = np.arange(1, 17) / 16.0
    for _ in range(_WINDOW_SEARCH):
        tt = a[:, None] + (b - a)[:, None] * frac[None, :]
        tt[:, -1] = b
        hit = peak(r2, tt) >= 0.0
        hit[:, -1] = True  # b is >= 0 (also where a re-evaluation at b rounds otherwise)
        k = np.argmax(hit, axis=1)
        rr = np.arange(a.size)
        a, b = np.where(k > 0, tt[rr, k - 1], a), tt[rr, k]
    n = len(out_row)
    return np.array(out_row, dtype=np.intp), b[:n], b[n:]


def _window_nodes(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """:data:`_WINDOW_NODES` nodes spread evenly over each window ``[lo, hi]``: shape (len(lo), n)."""
    return lo[:, None] + (hi - lo)[:, None] * np.linspace(0.0, 1.0, _WINDOW_NODES)[None, :]


def _peak_profile(c, H, tau: np.ndarray, minima: bool) -> np.ndarray:
    """The cumulative profile at ``u = ∞`` (its peak over all levels) at nodes ``tau``; ``c`` as in :class:`_F`."""
    m, q = _m_q(tau)
    return _cumulative(_F(c, H, m, q), np.full(np.shape(tau), np.inf), minima)[0]


def _sup_over_m(c, H, N, u: np.ndarray, minima: bool):
    """sup over m of the cumulative profile for each u: (value, τ*), refined by zooming.

    Windows of non-negative rate that fall between the nodes (:func:`_missed_windows`) get nodes of
    their own; where one of them beats the grid, the zoom starts there (theory §5.6).
    """
    tau = _tau_grid(c, H, N)
    m, q = _m_q(tau)
    F = _F(c, H, m, q)
    val, _ = _cumulative(F, u[:, None] - F.f[None, :], minima)
    i = np.argmax(val, axis=1)
    best, t_best = _zoom_max(c, H, u, minima, tau, i, val[np.arange(u.size), i])
    P, _ = _cumulative(F, np.full(tau.shape, np.inf), minima)
    row, lo, hi = _missed_windows(lambda r, tt: _peak_profile(c, H, tt, minima),
                                  [(tau, P, _stationary_nodes(c, H, tau))])
    if row.size:
        tw = _window_nodes(lo, hi).ravel()
        step = np.repeat((hi - lo) / (_WINDOW_NODES - 1), _WINDOW_NODES)
        mw, qw = _m_q(tw)
        Fw = _F(c, H, mw, qw)
        vw, _ = _cumulative(Fw, u[:, None] - Fw.f[None, :], minima)
        jw = np.argmax(vw, axis=1)
        v0 = vw[np.arange(u.size), jw]
        sel = np.flatnonzero(v0 > best)
        if sel.size:
            j = jw[sel]
            b2, t2 = _zoom_max(c, H, u[sel], minima, tw, j, v0[sel], lo=tw[j] - step[j], hi=tw[j] + step[j])
            best[sel], t_best[sel] = b2, t2
    return best, t_best


def _pole_minima_rows(C: np.ndarray, H, tau: np.ndarray):
    """:func:`_pole_minima` for every row of coefficients ``C`` (shape (R, deg + 1)) at once (theory §5.6).

    Returns ``(row, level, τ, rate)`` of each isolated minimum found, ordered by row and, within a
    row, by τ (the order of :func:`_pole_minima`); ``rate`` is the minima profile's peak there.  The
    candidates of all rows are zoomed together; each row's numbers are those of its own call.
    """
    R = C.shape[0]
    m, q = _m_q(tau)
    F = _F(C, H, np.broadcast_to(m, (R, tau.size)), np.broadcast_to(q, (R, tau.size)))
    P, _ = _cumulative(F, np.full((R, tau.size), np.inf), True)
    edge = np.full((R, 1), -np.inf)
    left = np.concatenate([edge, P[:, :-1]], axis=1)
    right = np.concatenate([P[:, 1:], edge], axis=1)
    row, cand = np.nonzero((P >= left) & (P >= right) & (P > -0.05) & (P < 0.0))  # row-major: τ ascending
    if row.size == 0:
        return np.empty(0, dtype=np.intp), np.empty(0), np.empty(0), np.empty(0)
    uinf = np.full(row.size, np.inf)
    best, t_best = _zoom_max(C[row], H, uinf, True, tau, cand, P[row, cand])
    ok = best >= -_POLE_TOL
    row, t = row[ok], t_best[ok]
    mz, qz = _m_q(t)
    Fz = _F(C[row], H, mz[:, None], qz[:, None])
    rate, zz = _cumulative(Fz, np.full((t.size, 1), np.inf), True)
    return row, (zz + Fz.f)[:, 0], t, rate[:, 0]


def _pole_minima(c, H, tau: np.ndarray):
    """Isolated minima with an O(1) expected count: (levels, τ) of local maxima over m of the minima
    profile's peak over all levels whose rate is within ``_POLE_TOL`` of 0 (theory §5.6).

    A minimum of φ at a pole, displaced by R, is one point; in the Laplace limit its rate is exactly 0,
    approached numerically to ~1e-7 in a layer 1 - m² ~ H / f_N'(±1)².
    """
    _, levels, taus, _ = _pole_minima_rows(c[None, :], H, tau)
    return levels, taus


def _curvature_at_zero(c, H, u: np.ndarray, minima: bool) -> np.ndarray:
    """Second derivative in m of the (cumulative) profile at m = 0, by a central difference.

    Negative means m = 0 is a stable local maximum; for quadratic φ it is -1 + 2 × the s² coefficient
    of A(s) in theory §5.5, so it turns positive exactly where §5.5's Gaussian average diverges.
    """
    h = 1e-3
    m = np.array([-h, 0.0, h])
    F = _F(c, H, m if c.ndim == 1 else np.broadcast_to(m, (c.shape[0], 3)))
    v, _ = _cumulative(F, u[:, None] - F.f, minima)
    return (v[:, 0] - 2.0 * v[:, 1] + v[:, 2]) / (h * h)


def _confined(c):
    """φ of degree >= 3: the -φ'²/(2H) term confines the s = O(1) window (§5.5 converges).

    One bool for a coefficient vector, one per row for rows of coefficients (shape (R, deg + 1)).
    """
    if c.ndim > 1:
        return np.any(c[:, 3:] != 0.0, axis=1)
    nz = np.flatnonzero(c)
    return bool(nz.size and nz[-1] >= 3)


def _classify(c, H, N, tau_star, u: np.ndarray, minima: bool) -> np.ndarray:
    """Regime codes (0 spin-glass, 1 shifted, 2 deterministic) from the dominant overlap τ* at levels u.

    ``c`` is one coefficient vector, or one row per entry of ``tau_star`` and ``u`` (theory §5.6).
    """
    m, q = _m_q(tau_star)
    F = _F(c, H, m, q) if c.ndim == 1 else _F(c, H, m[:, None], q[:, None])
    s = math.sqrt(N) * np.abs(m)
    stable = _confined(c) | (_curvature_at_zero(c, H, u, minima) < 0.0)
    det = (np.abs(F.b) > _SQRT2 * F.a).reshape(m.shape)  # φ's own Hessian shift beats R's spectral radius
    return np.where((s <= S_SPIN_GLASS) & stable, 0, np.where(det, 2, 1)).astype(np.int8)


@dataclass(frozen=True)
class LeadingComplexity:
    """Leading-order complexity with the activation term at the user's N (theory §5.6).

    Attributes
    ----------
    value :
        :math:`\\sup_m\\sup_{u' \\le u}\\Sigma_N(u', m)` (restricted to minima when asked): the rate of
        :math:`E\\,\\mathrm{Crt}_N(L \\le Nu)` (per weight), the quantity :math:`\\Theta_H(u)` of §3.
    m :
        The overlap where the supremum sits.
    regime :
        ``"spin-glass"``, ``"shifted"`` or ``"deterministic"`` (docs/theory.md §5.6).
    level :
        The level (loss per weight) of the dominant critical points (``<= u``).
    u :
        The levels asked for.

    Arrays shaped like ``u``; plain ``float``/``str`` for a scalar ``u``.
    """

    value: object
    m: object
    regime: object
    level: object
    u: object


def leading_complexity(u, H: int, coeffs, N, *, minima: bool = False) -> LeadingComplexity:
    r"""The supremum over the overlap of :math:`\Sigma_N` and the regime (theory §5.6), vectorised over ``u``.

    ``value`` is the rate of :math:`E\,\mathrm{Crt}_N(L \le Nu)` (of minima with ``minima=True``):
    :math:`\sup_{m}\sup_{u'\le u}\Sigma_N(u', m)`.  With φ ≡ 0 it is :math:`\Theta_H(u)`
    (:math:`\Theta_{0,H}(u)` for minima) for every ``u``, at ``m = 0``.

    Regime (docs/theory.md §5.6), from the dominant overlap ``m*``:

    * ``"spin-glass"``: :math:`\sqrt N|m^*| \le 4` (:data:`S_SPIN_GLASS`): the dominant points sit at
      overlap ``s = O(1)``, where theory §5.5 looks;
    * ``"deterministic"``: otherwise, if φ's own Hessian shift beats the spectral radius of R's Hessian
      there, :math:`|m^* f_N'(m^*)| > 2\sqrt{H(H-1)}`: the points are φ's critical points displaced by R
      (near the poles for φ of degree ≥ 3);
    * ``"shifted"``: otherwise (a macroscopic overlap, still a glassy landscape).

    >>> r = leading_complexity(-1.7, 3, [0.5, -0.9], 100)
    >>> r.regime, round(r.m, 2)
    ('shifted', -0.55)
    """
    H = _check_H(H)
    c = scaled_coefficients(H, coeffs, N)
    Nf = _check_N(N)
    uu = _check_real(u, "u", "loss per weight")
    flat = np.atleast_1d(uu).ravel()
    val, tau = _sup_over_m(c, H, Nf, flat, bool(minima))
    m, q = _m_q(tau)
    F = _F(c, H, m, q)
    _, zz = _cumulative(F, flat - F.f, bool(minima))
    level = zz + F.f
    codes = _classify(c, H, Nf, tau, flat, bool(minima))
    regime = np.array(REGIMES, dtype=object)[codes]
    if uu.ndim == 0:
        return LeadingComplexity(float(val[0]), float(m[0]), str(regime[0]), float(level[0]), float(uu))
    shape = uu.shape
    return LeadingComplexity(val.reshape(shape), m.reshape(shape), regime.reshape(shape),
                             level.reshape(shape), uu)


# ------------------------------------------------------------------------------- ground states


def _left_roots(F: _F, k_cost: np.ndarray, z_hi: np.ndarray, stacked: bool = False):
    r"""Lowest ``z <= z_hi`` with :math:`g(z) = \Sigma_N - k J(y) \ge 0`, per lane (``nan`` if none).

    ``g`` is concave in ``z`` on ``y <= -√2``; Newton's method from a point far left, where ``g < 0``
    and ``g' > 0``, increases monotonically onto the left root (the tangent lies above ``g``).  A
    lane whose iterate passes ``z_hi`` or the peak has no root there (theory §5.6).

    With ``stacked``, ``k_cost`` and ``z_hi`` carry a leading axis of independent searches against
    the same F; each is iterated, and stopped, exactly as its own call would be (one loop for all).
    """
    H, a = F.H, F.a
    if not stacked:
        k_cost, z_hi = k_cost[None], z_hi[None]
    z = np.minimum(z_hi, -(8.0 + 2.0 * np.abs(F.b) + 2.0 * np.sqrt(np.maximum(-F.base, 0.0)) + k_cost))
    alive = np.ones(z.shape, dtype=bool)
    lanes = tuple(range(1, z.ndim))
    done = np.zeros((z.shape[0],) + (1,) * len(lanes), dtype=bool)
    with np.errstate(divide="ignore", invalid="ignore"):  # steps where g' <= 0 are discarded
        for _ in range(_NEWTON_STEPS):
            y = F.y_of(z)
            # _density(F, z) - k J(y) and g' with Φ(y) and J(y) evaluated once (same arithmetic)
            phi, J = _phi_and_edge_rate(y)
            g = F.base - 0.5 * z * z + phi - k_cost * J
            r = np.sqrt(np.maximum(y * y - 2.0, 0.0))
            dg = -z + (H / a) * ((y - np.sign(y) * r) + k_cost * r)  # Φ'(y) = y - sign(y) r
            step = np.where(dg > 0.0, -g / dg, np.inf)
            step = np.where((g >= 0.0) | ~alive | done, 0.0, step)  # a finished search stays as it stopped
            alive &= np.isfinite(step) & (z + step <= z_hi)
            step = np.where(alive, step, 0.0)
            z = z + step
            done |= (np.abs(step) <= 1e-15 * (1.0 + np.abs(z))).all(axis=lanes, keepdims=True)
            if done.all():
                break
    if not stacked:
        k_cost, z_hi, z, alive = k_cost[0], z_hi[0], z[0], alive[0]
    y = F.y_of(np.minimum(z, z_hi))
    g = _density(F, np.minimum(z, z_hi)) - k_cost * _edge_rate(y)
    ok = alive & (g > -1e-9)
    return np.where(ok, z, np.nan)


def _branch_peak(F: _F, cost, y_lo, y_hi):
    r"""Maximum over ``y_lo <= y <= y_hi`` (all ``<= -√2``) of :math:`g = \Sigma_N - \mathrm{cost}\,J(y)`.

    With :math:`\alpha = H/a`, :math:`w = b/a`, :math:`\beta = 1-\alpha^2` and
    :math:`A = \alpha^2(\mathrm{cost}+1)`, :math:`\alpha g'(z) = w - \beta y + A\sqrt{y^2-2}` below the
    bulk: positive far left, decreasing (g is concave), and zero at the negative root of
    :math:`(A^2-\beta^2)y^2 + 2\beta w y - (w^2 + 2A^2) = 0` when that root has :math:`\beta y \ge w`
    and lies below :math:`-\sqrt2`; otherwise g increases up to the bulk edge.  The maximiser is that
    root clipped to ``[y_lo, y_hi]`` (theory §5.6).  ``nan`` where ``y_lo > y_hi``.
    """
    alpha = F.H / F.a
    w = F.b / F.a
    beta = 1.0 - alpha * alpha
    A = alpha * alpha * (cost + 1.0)
    D = A * A - beta * beta  # > 0: A >= α² > 1/2 >= β for H >= 2
    S = A * np.sqrt(w * w + 2.0 * D)
    with np.errstate(divide="ignore", invalid="ignore"):
        # the negative root, each form free of cancellation on its side of w = 0
        ys = np.where(w > 0.0, (-beta * w - S) / D, -(w * w + 2.0 * A * A) / (S - beta * w))
    ys = np.where((beta * ys - w >= 0.0) & (ys < -_SQRT2), ys, np.inf)
    y = np.minimum(np.maximum(ys, y_lo), y_hi)
    g = _density(F, F.z_of(y)) - cost * _edge_rate(y)
    return np.where(y_lo <= y_hi, g, np.nan)


def _peak_rates(c, H, tau: np.ndarray, ks):
    """Highest rate of index-k critical points over all levels at each τ (theory §5.6).

    The same two routes as :func:`_lowest_levels` (``y`` below the bulk edge and the outlier with
    ``k`` eigenvalues pulled from the bulk; the outlier below ``y`` with ``k - 1``), so that the
    lowest level there is finite exactly where this is ``>= 0``.  Shapes as :func:`_lowest_levels`;
    ``-inf`` where neither route exists.
    """
    K = np.asarray(ks, dtype=float)[:, None]
    tau = np.broadcast_to(tau, (K.shape[0], np.shape(tau)[-1]))
    m, q = _m_q(tau)
    F = _F(c, H, m, q)
    Kb = np.broadcast_to(K, tau.shape)
    pA = _branch_peak(F, Kb, -np.inf, F.y_min)
    okB = F.has_outlier & (Kb >= 1.0)
    pB = _branch_peak(F, np.maximum(Kb - 1.0, 0.0), np.where(okB, F.outlier, np.inf), -_SQRT2)
    return np.fmax(np.fmax(pA, pB), -np.inf)


def _lowest_levels(c, H, tau: np.ndarray, ks):
    """Lowest level u of index-k critical points at each τ, ``nan`` where none.

    ``tau`` has shape (len(ks), n) or (n,) (shared by every k); returns shape (len(ks), n).
    """
    K = np.asarray(ks, dtype=float)[:, None]
    tau = np.broadcast_to(tau, (K.shape[0], np.shape(tau)[-1]))
    m, q = _m_q(tau)
    F = _F(c, H, m, q)
    Kb = np.broadcast_to(K, tau.shape)
    # y below min(edge, outlier): k bulk eigenvalues pulled below y
    zA_hi = F.z_of(F.y_min)
    if not np.any(F.has_outlier) or not np.any(K >= 1.0):
        return _left_roots(F, Kb, zA_hi) + F.f
    # outlier below y <= -√2: one negative direction for free, k - 1 pulled from the bulk
    cost_B = np.maximum(Kb - 1.0, 0.0)
    zA, zB = _left_roots(F, np.stack([Kb, cost_B]), np.stack([zA_hi, F.z_of(np.full(tau.shape, -_SQRT2))]),
                         stacked=True)
    uA = zA + F.f
    # the outlier must lie below y: a root below it moves up to it if the rate is still >= 0 there
    zB = np.maximum(zB, F.z_of(np.where(F.has_outlier, F.outlier, -_SQRT2)))
    with np.errstate(invalid="ignore"):
        gB = _density(F, zB) - cost_B * _edge_rate(F.y_of(zB))
        okB = F.has_outlier & (Kb >= 1.0) & np.isfinite(zB) & (gB > -1e-9)
    uB = np.where(okB, zB + F.f, np.nan)
    return np.fmin(uA, uB)


@dataclass(frozen=True)
class GroundState:
    """Activation-dependent ground state and layered structure (theory §5.6).

    Attributes
    ----------
    energy : float
        :math:`E_0^\\varphi > 0`: minima exist down to loss per weight :math:`-E_0^\\varphi` (the sign
        convention of :math:`E_0`, theory §3).
    m : float
        Overlap where the lowest minima sit.
    regime : str
        Regime at level :math:`-E_0^\\varphi` (of the minima).
    energies, overlaps : tuple of float
        :math:`E_k^\\varphi` and where they sit, ``k = 0..kmax``: index-``k`` critical points appear only
        above :math:`-E_k^\\varphi`; ``nan`` where none has a non-negative rate.
    """

    energy: float
    m: float
    regime: str
    energies: tuple
    overlaps: tuple

    @property
    def layered(self) -> tuple:
        """:math:`(E_1^\\varphi, E_2^\\varphi, \\dots)`."""
        return self.energies[1:]


def ground_state(H: int, coeffs, N, *, kmax: int = 3) -> GroundState:
    r"""The lowest level of minima :math:`-E_0^\varphi` and of index-``k`` points :math:`-E_k^\varphi` (theory §5.6).

    :math:`-E_k^\varphi` is the lowest ``u`` at which index-``k`` critical points have a non-negative
    rate: below the bulk edge and the BBP outlier a point is a minimum at rate :math:`\Sigma_N`, each
    extra negative direction costs :math:`J(y)`, and an outlier below ``y`` gives one for free.
    With φ ≡ 0 these are the :math:`E_k` of theory §3.  The overlaps where such points exist can form
    a window narrower than the grid (a steep φ's well, a barely positive rate); those windows are
    found from the peak rate over levels (:func:`_missed_windows`) and searched on nodes of their own,
    and the lowest points often sit at a window's edge, where that peak rate is 0 (theory §5.6).

    >>> from compute.complexity import ground_state_energies
    >>> g = ground_state(3, [0.0, 0.0], 100)
    >>> abs(g.energy - float(ground_state_energies(3, 0)[0])) < 1e-12, g.m, g.regime
    (True, 0.0, 'spin-glass')
    """
    H = _check_H(H)
    c = scaled_coefficients(H, coeffs, N)
    Nf = _check_N(N)
    kmax = int_param(kmax, "kmax", 0, 10, "highest Hessian index")
    if H == 2 and not np.any(c):
        e = math.sqrt(2.0)
        return GroundState(e, 0.0, "spin-glass", (e,) * (kmax + 1), (0.0,) * (kmax + 1))
    tau = _tau_grid(c, H, Nf, fine=False)
    ks = np.arange(kmax + 1)
    U = _lowest_levels(c, H, tau, ks)
    finite = np.any(np.isfinite(U), axis=1)
    idx = np.where(finite, np.argmin(np.where(np.isfinite(U), U, np.inf), axis=1), 0)
    best = np.where(finite, U[ks, idx], np.nan)
    t_best = tau[idx]
    lo = tau[np.maximum(idx - 1, 0)]
    hi = tau[np.minimum(idx + 1, tau.size - 1)]
    frac = np.linspace(0.0, 1.0, _ZOOM_POINTS)
    for _ in range(_ZOOM_ROUNDS):
        tt = lo[:, None] + (hi - lo)[:, None] * frac[None, :]
        uz = _lowest_levels(c, H, tt, ks)
        uzf = np.where(np.isfinite(uz), uz, np.inf)
        j = np.argmin(uzf, axis=1)
        vj = uzf[ks, j]
        better = vj < np.where(np.isfinite(best), best, np.inf)
        best = np.where(better, vj, best)
        t_best = np.where(better, tt[ks, j], t_best)
        step = (hi - lo) / (_ZOOM_POINTS - 1)
        lo, hi = t_best - step, t_best + step
    # windows of non-negative rate between the nodes, which the grid cannot see (_missed_windows)
    extra = _stationary_nodes(c, H, tau)
    row, wlo, whi = _missed_windows(lambda r, tt: _peak_rates(c, H, tt, ks[r]),
                                    [(tau, Pk, extra) for Pk in _peak_rates(c, H, tau, ks)])
    if row.size:
        tw = _window_nodes(wlo, whi)
        uw = _lowest_levels(c, H, tw, ks[row])
        j = np.argmin(np.where(np.isfinite(uw), uw, np.inf), axis=1)
        t0 = tw[np.arange(row.size), j]
        step = (whi - wlo) / (_WINDOW_NODES - 1)
        neg, tz = _zoom_argmax(lambda live, tt: -_lowest_levels(c, H, tt, ks[row[live]]), t0 - step, t0 + step,
                               _WINDOW_ZOOM)
        for k, lvl, t in zip(ks[row], -neg, tz):
            if math.isfinite(lvl) and not lvl >= best[k]:
                best[k], t_best[k] = lvl, t
    # isolated minima (a pole of φ) with rate 0 in the limit, which the root search cannot see
    pl, pt = _pole_minima(c, H, _tau_grid(c, H, Nf))
    if pl.size and not (pl.min() >= best[0]):
        i = int(np.argmin(pl))
        best[0], t_best[0] = pl[i], pt[i]
    energies = [float(-b) for b in best]
    overlaps = [float(np.tanh(t)) if math.isfinite(b) else math.nan for t, b in zip(t_best, best)]
    if math.isfinite(energies[0]):
        regime = REGIMES[int(_classify(c, H, Nf, t_best[:1], np.array([-energies[0]]), True)[0])]
    else:  # pragma: no cover - the global minimum always gives a rate-0 point
        regime = "shifted"
    return GroundState(energies[0], overlaps[0], regime, tuple(energies), tuple(overlaps))


# ------------------------------------------------------------------------------ phase diagram


@dataclass(frozen=True)
class PhaseDiagram:
    """Regimes over (γ, u) (theory §5.6): ``codes[i, j]`` at ``gamma[i]``, ``u[j]`` (indices into
    :data:`REGIMES`), the leading complexity ``value`` and the dominant overlap ``m``."""

    gamma: np.ndarray
    u: np.ndarray
    codes: np.ndarray
    value: np.ndarray
    m: np.ndarray


def _cumulative_fused(F: _F, u: np.ndarray, minima: bool) -> np.ndarray:
    """:func:`_cumulative` for F's arrays of shape (G, 1, T) and levels ``u`` (U,), in place: (G, U, T).

    Writes Σ = base − ½ − ½log2 − ½z² + t²/(t_c(t_c + r)) + log(t_c + r), y = αz + w, α = H/a,
    w = b/a, t = |y|/√2, t_c = max(t, 1), r = sqrt(t_c² − 1): :func:`_density` with Φ as in
    :func:`_phi_and_edge_rate`, with few temporaries (speed of the phase diagram).
    """
    cap = _z_peak(F)
    if minima:
        cap = np.minimum(cap, F.z_of(F.y_min))
    alpha = F.H / F.a
    w = F.b / F.a
    base = F.base - 0.5 - 0.5 * _LOG2
    z = u[None, :, None] - F.f  # (G, U, T)
    np.minimum(z, cap, out=z)
    y = z * alpha
    y += w
    val = z * z
    val *= -0.5
    val += base
    np.abs(y, out=y)
    y *= 1.0 / _SQRT2  # t
    num = y * y
    y -= 1.0
    np.maximum(y, 0.0, out=y)  # t_c - 1
    r = y + 2.0
    r *= y
    np.sqrt(r, out=r)
    np.add(y, r, out=z)
    np.log1p(z, out=z)  # log(t_c + r)
    val += z
    y += 1.0  # t_c
    r += y
    r *= y
    num /= r
    val += num
    return val


def _pole_nodes(c, H, N) -> np.ndarray:
    """The nodes of :func:`_tau_grid` in the pole layers, |m| > 0.76 (|τ| >= 1)."""
    tau = _tau_grid(c, H, N)
    return tau[np.abs(tau) >= 1.0]


def _apply_windows(C: np.ndarray, H, Ns, grids, u: np.ndarray, value: np.ndarray, mstar: np.ndarray,
                   codes: np.ndarray, minima: bool) -> None:
    """Add the windows of non-negative rate that fall between the nodes to the rows of a regime map, in place.

    Row ``i`` of ``value``, ``mstar``, ``codes`` (shape (R, len(u))) has φ's scaled coefficients
    ``C[i]`` (shape (R, deg + 1)), N = ``Ns[i]`` and ``grids[i] = (tau, P, extra)``: its nodes, the
    peak profile there and :func:`_stationary_nodes`.  Each window of :func:`_missed_windows` (all
    rows at once) gets :data:`_WINDOW_NODES` nodes of its own (theory §5.6); where the best of them
    beats the row's value at a level, it is taken with its overlap and regime.
    """
    row, lo, hi = _missed_windows(lambda r, tt: _peak_profile(C[r], H, tt, minima), grids)
    if row.size == 0:
        return
    tw = _window_nodes(lo, hi)
    mw, qw = _m_q(tw)
    Fw = _F(C[row], H, mw, qw)
    F3 = _F.from_parts(H, mw[:, None, :], qw[:, None, :], Fw.f[:, None, :], Fw.fp[:, None, :], Fw.fpp[:, None, :])
    v = _cumulative_fused(F3, u, minima)  # (windows, U, nodes)
    j = np.argmax(v, axis=2)
    vw = np.take_along_axis(v, j[:, :, None], axis=2)[:, :, 0]
    tj = tw[np.arange(row.size)[:, None], j]
    for w, r in enumerate(row):  # in order, each against the row as the previous ones left it
        sel = np.flatnonzero(vw[w] > value[r])
        if sel.size == 0:
            continue
        code = _classify(np.broadcast_to(C[r], (sel.size, C.shape[1])), H, Ns[r], tj[w, sel], u[sel], minima)
        value[r, sel] = vw[w, sel]
        mstar[r, sel] = np.tanh(tj[w, sel])
        codes[r, sel] = code


def _apply_poles(C: np.ndarray, H, N, u: np.ndarray, value: np.ndarray, mstar: np.ndarray, codes: np.ndarray,
                 tau: np.ndarray | None = None) -> None:
    """Add the isolated pole minima (rate 0, see :func:`_pole_minima`) to the rows of a regime map, in place.

    Row ``i`` of ``value``, ``mstar``, ``codes`` (shape (R, len(u))) has φ's scaled coefficients
    ``C[i]`` (shape (R, deg + 1)); ``tau`` holds the pole nodes (theory §5.6), by default those of
    :func:`_pole_nodes` for ``C[0]`` (meant for one row).  The coarse overlap grid of the maps does
    not resolve the thin pole layer; below its level a pole minimum is the only minimum, above it
    it still counts where the grid's rate is lower.  A row is skipped when neither pole can hold a
    minimum of φ (|m f_N'| at m = ±1 below R's spectral radius).  All rows are handled at once;
    within a row the minima are applied in order of τ, each against the row as the previous ones
    left it, so ties go as in a row-by-row loop.
    """
    R = C.shape[0]
    ends = _F(C, H, np.broadcast_to(np.array([-1.0, 1.0]), (R, 2)), q=np.zeros((R, 2)))
    rows = np.flatnonzero(np.any(ends.b < -0.5 * _SQRT2 * ends.a, axis=1))
    if rows.size == 0:
        return
    if tau is None:
        tau = _pole_nodes(C[0], H, N)
    row, levels, taus, rates = _pole_minima_rows(C[rows], H, tau)
    if row.size == 0:
        return
    row = rows[row]
    mt = _m_q(taus)[0]
    code = _classify(C[row], H, N, taus, levels, True)
    rank = np.arange(row.size) - np.searchsorted(row, row)  # position within its row
    for k in range(int(rank.max()) + 1):
        sel = rank == k
        r = row[sel]  # distinct rows
        take = (u[None, :] >= levels[sel, None]) & (value[r] < rates[sel, None])
        value[r] = np.where(take, rates[sel, None], value[r])
        mstar[r] = np.where(take, mt[sel, None], mstar[r])
        codes[r] = np.where(take, code[sel, None], codes[r])


def phase_diagram(u, gamma, H: int, coeffs_at_unit_gamma, N, *, minima: bool = True) -> PhaseDiagram:
    """Regime at every (γ, u) with κ = γ × ``coeffs_at_unit_gamma`` (κ_d is linear in γ, theory §5.3).

    The dominant overlap is taken on a coarser overlap grid than :func:`leading_complexity` and
    without its zoom (to the grid's resolution), which is what a map of the regimes needs; the same
    rules decide the regime.  Windows of non-negative rate narrower than the grid (a steep φ's well,
    a barely positive rate) get nodes of their own in each row (:func:`_missed_windows`).  At most
    250 000 points.
    """
    H = _check_H(H)
    Nf = _check_N(N)
    k1 = _check_coeffs(coeffs_at_unit_gamma, H)
    uu = _check_real(u, "u", "loss per weight").ravel()
    gg = _check_real(gamma, "gamma", "strength of the activation term").ravel()
    if np.any(gg < 0):
        raise ValueError("gamma (strength of the activation term) must be >= 0")
    if uu.size * gg.size > 250_000:
        raise ValueError("phase diagram: at most 250000 (gamma, u) points; use fewer grid points")
    gmax = float(np.max(gg)) if gg.size else 0.0
    c_unit = scaled_coefficients(H, k1, N)
    c_max = scaled_coefficients(H, k1 * gmax, N)  # range check at the largest γ
    tau = _tau_grid(c_max, H, Nf, fine=False)
    m, q = _m_q(tau)
    m3 = np.array([-1e-3, 0.0, 1e-3])
    unit = _F(c_unit, H, m)  # f_N, f_N', f_N'' are linear in γ
    unit0 = _F(c_unit, H, m3)
    codes = np.empty((gg.size, uu.size), dtype=np.int8)
    value = np.empty((gg.size, uu.size))
    mstar = np.empty((gg.size, uu.size))
    block = max(1, 120_000 // max(1, uu.size * tau.size))  # (γ, u, τ) blocks of ~1 MB stay in cache
    U = uu[None, :, None]
    for lo in range(0, gg.size, block):
        g = gg[lo: lo + block][:, None, None]
        F = _F.from_parts(H, m, q, g * unit.f, g * unit.fp, g * unit.fpp)
        val = _cumulative_fused(F, uu, minima)
        j = np.argmax(val, axis=2)
        value[lo: lo + block] = np.take_along_axis(val, j[:, :, None], axis=2)[:, :, 0]
        mstar[lo: lo + block] = m[j]
        bstar = g[:, :, 0] * unit.b[j]
        F0 = _F.from_parts(H, m3, (1.0 - m3) * (1.0 + m3), g * unit0.f, g * unit0.fp, g * unit0.fpp)
        v0, _ = _cumulative(F0, U - F0.f, minima)
        stable = _confined(c_unit) | ((v0[:, :, 0] - 2.0 * v0[:, :, 1] + v0[:, :, 2]) < 0.0)
        sg = (math.sqrt(Nf) * np.abs(m[j]) <= S_SPIN_GLASS) & stable
        det = np.abs(bstar) > _SQRT2 * F.a
        codes[lo: lo + block] = np.where(sg, 0, np.where(det, 2, 1))
    pos = gg[gg > 0.0]
    if pos.size:  # windows between the nodes; the wells of weaker rows are wider (spread)
        extra = _stationary_nodes(c_max, H, tau, spread=gmax / float(np.min(pos)))
        Fg = _F.from_parts(H, m, q, gg[:, None] * unit.f, gg[:, None] * unit.fp, gg[:, None] * unit.fpp)
        P, _ = _cumulative(Fg, np.full(Fg.f.shape, np.inf), minima)
        _apply_windows(gg[:, None] * c_unit, H, [Nf] * gg.size, [(tau, Pg, extra) for Pg in P], uu, value, mstar,
                       codes, minima)
    if minima:
        pole_tau = _pole_nodes(c_max, H, Nf)  # reaches the deepest pole layer of every γ <= max
        # every γ row at once (γ = 0 has no pole minimum and is skipped)
        _apply_poles(gg[:, None] * c_unit, H, Nf, uu, value, mstar, codes, pole_tau)
    return PhaseDiagram(gg, uu, codes, value, mstar)


@dataclass(frozen=True)
class RegimeMapN:
    """Regimes over (N, u) (theory §5.6): ``codes[i, j]`` at ``N[i]``, ``u[j]`` (indices into
    :data:`REGIMES`), the leading complexity ``value`` and the dominant overlap ``m``."""

    N: np.ndarray
    u: np.ndarray
    codes: np.ndarray
    value: np.ndarray
    m: np.ndarray


def regime_map_n(u, Ns, H: int, coeffs, *, minima: bool = True) -> RegimeMapN:
    """Regime at every (N, u) for fixed κ: how the regimes move with N (theory §5.6).

    Degree-d terms of φ scale like N^{d/2-1} per weight, so for H >= 4 and β̄ ≠ 0 the deterministic
    regime grows with N.  Same rules, coarse overlap grid and windows as :func:`phase_diagram`.  At
    most 250 000 points.
    """
    H = _check_H(H)
    k = _check_coeffs(coeffs, H)
    uu = _check_real(u, "u", "loss per weight").ravel()
    NN = [_check_N(n) for n in np.ravel(np.asarray(Ns, dtype=object))]
    if uu.size * len(NN) > 250_000:
        raise ValueError("regime map: at most 250000 (N, u) points; use fewer grid points")
    codes = np.empty((len(NN), uu.size), dtype=np.int8)
    value = np.empty((len(NN), uu.size))
    mstar = np.empty((len(NN), uu.size))
    m3 = np.array([-1e-3, 0.0, 1e-3])
    rows_c, grids = [], []
    for i, Nf in enumerate(NN):
        c = scaled_coefficients(H, k, Nf)
        tau = _tau_grid(c, H, Nf, fine=False)
        m, q = _m_q(tau)
        F = _F(c, H, m, q)
        Fb = _F.from_parts(H, m, q, F.f[None, None, :], F.fp[None, None, :], F.fpp[None, None, :])
        val = _cumulative_fused(Fb, uu, minima)[0]
        j = np.argmax(val, axis=1)
        value[i] = val[np.arange(uu.size), j]
        mstar[i] = m[j]
        F0 = _F(c, H, m3)
        v0, _ = _cumulative(F0, uu[:, None] - F0.f[None, :], minima)
        stable = _confined(c) | ((v0[:, 0] - 2.0 * v0[:, 1] + v0[:, 2]) < 0.0)
        sg = (math.sqrt(Nf) * np.abs(m[j]) <= S_SPIN_GLASS) & stable
        det = np.abs(F.b[j]) > _SQRT2 * F.a
        codes[i] = np.where(sg, 0, np.where(det, 2, 1))
        rows_c.append(c)
        grids.append((tau, _cumulative(F, np.full(tau.shape, np.inf), minima)[0], _stationary_nodes(c, H, tau)))
    # windows between the nodes (all N at once), then the pole minima, row by row
    _apply_windows(np.array(rows_c), H, NN, grids, uu, value, mstar, codes, minima)
    if minima:
        for i, Nf in enumerate(NN):
            _apply_poles(rows_c[i][None, :], H, Nf, uu, value[i: i + 1], mstar[i: i + 1], codes[i: i + 1])
    return RegimeMapN(np.array(NN), uu, codes, value, mstar)
