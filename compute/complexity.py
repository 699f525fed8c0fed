"""Leading-order complexity of the spherical H-spin glass (theory §3).

Auffinger, Ben Arous and Černý (CPAM 2013, arXiv:1003.1129, "ABC") computed the
exponential growth rate of the expected number of critical points of the spherical
H-spin glass below a level ``N u``; Choromanska et al. (AISTATS 2015,
arXiv:1412.0233) read it as the loss of a deep ReLU network.  This module evaluates
those closed forms, vectorised over the loss-per-weight grid ``u``.

Conventions (theory §2): minima have ``u < 0``; the semicircle edge maps to
``u = -E_inf``; ``E_k`` are returned as positive numbers (critical values are
``-N E_k``).

Numerics.  With ``t = -u / E_inf = cosh(a)`` the rate function is

.. math::

    I_1(u) = t\\sqrt{t^2-1} - \\operatorname{arccosh} t = \\tfrac12\\sinh 2a - a,

which is evaluated by its Taylor series for small ``a`` (where the closed form
cancels catastrophically) and directly otherwise, so ``I_1`` keeps full relative
precision right down to the threshold ``u = -E_inf``.  Ground-state energies are the
roots of a concave, decreasing function of ``a``; Newton's method started to the
right of the root converges monotonically (theory §3, docs/theory.md).
"""

from __future__ import annotations

import math
from fractions import Fraction
from functools import lru_cache

import numpy as np

from compute.validation import finite_array, int_param

__all__ = ["e_inf", "i1", "theta", "ground_state_energies"]

# Taylor coefficients of (sinh(y) - y) / y**3 = sum_n y**(2n) / (2n+3)!
_SERIES = np.array([1.0 / math.factorial(2 * n + 3) for n in range(12)])
_SERIES_SWITCH = 0.5  # use the series for 2a < 0.5: 12 terms reach machine precision


def _check_depth(H) -> int:
    return int_param(H, "H", 2, None, "depth")


def _check_index(k) -> int | None:
    return None if k is None else int_param(k, "k", 0, None, "Hessian index")


def _check_u(u) -> np.ndarray:
    return finite_array(u, "u", "loss per weight")


def e_inf(H: int) -> float:
    r"""Threshold energy :math:`E_\infty(H) = 2\sqrt{(H-1)/H}` (theory §3).

    ``-E_inf`` is the loss per weight below which the complexity starts to depend
    on the index (the image of the semicircle edge).

    >>> round(e_inf(3), 12)
    1.632993161855
    """
    H = _check_depth(H)
    return 2.0 * math.sqrt((H - 1) / H)


def _sinh2a_half_minus_a(a: np.ndarray) -> np.ndarray:
    """``sinh(2a)/2 - a`` for ``a >= 0`` without cancellation near 0."""
    y = 2.0 * a
    out = np.empty_like(y)
    small = y < _SERIES_SWITCH
    ys = y[small]
    y2 = ys * ys
    # Horner on the even series of (sinh y - y) / y^3.
    acc = np.full_like(ys, _SERIES[-1])
    for c in _SERIES[-2::-1]:
        acc = acc * y2 + c
    out[small] = 0.5 * ys**3 * acc
    yl = y[~small]
    out[~small] = 0.5 * (np.sinh(yl) - yl)
    return out


@lru_cache(maxsize=64)
def _e_inf_split(H: int) -> tuple[float, float]:
    """``E_inf`` as an unevaluated sum ``hi + lo`` (double-double).

    Near the threshold ``I_1`` behaves like ``(t - 1)^{3/2}``; the rounding of ``E_inf``
    to a double would otherwise cost ``~1e-16 / (t - 1)`` of relative accuracy.
    ``E_inf^2 = 4 (H - 1) / H`` is rational, so the residual is exact in fractions.
    """
    hi = 2.0 * math.sqrt((H - 1) / H)
    residual = Fraction(4 * (H - 1), H) - Fraction(hi) ** 2
    return hi, float(residual / (2 * Fraction(hi)))


def _arccosh_of_ratio(u: np.ndarray, H: int) -> np.ndarray:
    """``a = arccosh(-u/E_inf)`` for ``u <= -E_inf``, accurate near the threshold."""
    hi, lo = _e_inf_split(H)
    tm1 = ((-u - hi) - lo) / hi  # t - 1 >= 0; -u - hi is exact (Sterbenz) near threshold
    return np.log1p(tm1 + np.sqrt(tm1 * (tm1 + 2.0)))


def i1(u, H: int) -> np.ndarray:
    r"""Rate function :math:`I_1(u)` of ABC (theory §3), vectorised over ``u``.

    .. math::

        I_1(u) = -\frac{u}{E_\infty^2}\sqrt{u^2 - E_\infty^2}
                 - \log\left(-u + \sqrt{u^2 - E_\infty^2}\right) + \log E_\infty,
        \qquad u \le -E_\infty,

    and 0 for ``u > -E_inf``.  It is the cost of pulling one eigenvalue of the
    Hessian below the bulk, so each extra negative direction costs ``I_1``.
    """
    H = _check_depth(H)
    uu = _check_u(u)
    einf = e_inf(H)
    flat = np.atleast_1d(uu).ravel()
    out = np.zeros_like(flat)
    below = flat < -einf
    if np.any(below):
        out[below] = _sinh2a_half_minus_a(_arccosh_of_ratio(flat[below], H))
    return out.reshape(uu.shape)


def theta(u, H: int, k: int | None = None) -> np.ndarray:
    r"""Complexity :math:`\Theta_H(u)` (``k=None``) or :math:`\Theta_{k,H}(u)` (theory §3).

    :math:`\lim_{N\to\infty} N^{-1}\log \mathbb E\,\mathrm{Crt}_{N,k}(L \le N u)`:

    .. math::

        \Theta_{k,H}(u) = \begin{cases}
            \tfrac12\log(H-1) - \frac{H-2}{4(H-1)}u^2 - (k+1) I_1(u), & u \le -E_\infty,\\
            \tfrac12\log(H-1) - \frac{H-2}{H}, & u \ge -E_\infty,
        \end{cases}

    and the total :math:`\Theta_H(u) = \tfrac12\log(H-1) - \frac{H-2}{4(H-1)}u^2 - I_1(u)`
    for ``u <= 0`` (``I_1 = 0`` above ``-E_inf``), :math:`\tfrac12\log(H-1)` for ``u >= 0``.

    Parameters
    ----------
    u : array_like
        Loss per weight (finite).  The output has the shape of ``u``.
    H : int
        Depth (spin-glass degree), ``H >= 2``.
    k : int or None
        Hessian index (``k >= 0``), or ``None`` for all critical points.

    >>> float(theta(-1.7, 3, 0)) < 0 < float(theta(-1.64, 3, 0))
    True
    """
    H = _check_depth(H)
    k = _check_index(k)
    uu = _check_u(u)
    einf = e_inf(H)
    c0 = 0.5 * math.log(H - 1)
    quad = (H - 2) / (4.0 * (H - 1))
    rate = i1(uu, H)
    if k is None:
        return np.where(uu >= 0.0, c0, c0 - quad * uu * uu - rate)
    plateau = c0 - (H - 2) / H
    return np.where(uu >= -einf, plateau, c0 - quad * uu * uu - (k + 1) * rate)


def ground_state_energies(H: int, kmax: int) -> np.ndarray:
    r"""Ground-state energies :math:`[E_0, \dots, E_{k_{max}}]` (theory §3).

    :math:`E_k` is the root in :math:`(E_\infty, \infty)` of :math:`\Theta_{k,H}(-E_k) = 0`;
    :math:`E_0 > E_1 > \dots > E_\infty`.  ``-N E_0`` is the annealed ground state and
    index-``k`` saddles appear only above ``-N E_k``.  For ``H = 2`` (a quadratic form)
    every entry is :math:`E_\infty = \sqrt 2`.

    Method: with :math:`E = E_\infty\cosh a` the equation is
    :math:`g(a) = \tfrac12\log(H-1) - \frac{H-2}{H}\cosh^2 a - (k+1)(\tfrac12\sinh 2a - a) = 0`;
    ``g`` is concave and decreasing on ``a > 0`` with ``g(0) > 0`` for ``H >= 3``, so Newton's
    method from any point right of the root decreases monotonically onto it.  All indices
    are solved together (vectorised).

    >>> [round(float(x), 3) for x in ground_state_energies(3, 1)]
    [1.657, 1.653]
    """
    H = _check_depth(H)
    if isinstance(kmax, bool) or not isinstance(kmax, (int, np.integer)) or kmax < 0:
        raise ValueError(f"kmax (highest index) must be an integer >= 0, got {kmax!r}")
    einf = e_inf(H)
    if H == 2:
        return np.full(int(kmax) + 1, einf)
    c0 = 0.5 * math.log(H - 1)
    q = (H - 2) / H  # (H-2)/(4(H-1)) * E_inf^2
    m = np.arange(1, int(kmax) + 2, dtype=float)  # k + 1

    def g(a):
        return c0 - q * np.cosh(a) ** 2 - m * _sinh2a_half_minus_a(a)

    # Start right of every root: cosh^2 a - 1 >= a^2 and sinh(2a)/2 - a >= 2a^3/3, so
    # g(a) <= theta_inf - q a^2 - (2m/3) a^3, which is <= 0 at the smaller of the two
    # single-term roots.  From there Newton decreases monotonically onto the root.
    theta_inf = c0 - q
    a = np.minimum(math.sqrt(theta_inf / q), np.cbrt(1.5 * theta_inf / m))
    for _ in range(60):
        step = g(a) / (-q * np.sinh(2.0 * a) - 2.0 * m * np.sinh(a) ** 2)
        a = a - step
        if np.all(np.abs(step) <= 1e-15 * a):
            break
    return einf * np.cosh(a)
