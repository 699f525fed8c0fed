r"""The Gaussian orthogonal ensemble at finite N (theory §2, §4).

Two normalisations appear in this module.

* ``GOE_N`` of theory §2: real symmetric ``M`` with :math:`E M_{ii}^2 = 1/N`,
  :math:`E M_{ij}^2 = 1/(2N)`; the spectrum fills the semicircle on
  :math:`[-\sqrt2, \sqrt2]`.
* The *unit* scale :math:`G = \sqrt N M` (diagonal variance 1, off-diagonal 1/2),
  whose eigenvalues have the joint density

  .. math::

      p_N(t_1, \dots, t_N) \propto \prod_{i<j} |t_i - t_j|
          \exp\Bigl(-\tfrac12 \sum_i t_i^2\Bigr).

  The exact finite-N formulas of theory §4 are evaluated in this variable
  (:math:`t = \sqrt N \lambda`); the semicircle edge is at :math:`t = \pm\sqrt{2N}`.

Contents

* :func:`log_goe_one_point`, :func:`goe_one_point`: the one-point correlation function
  :math:`R_1` of the unit-scale GOE (integrates to ``N``), closed form of Mehta
  [1]_ in Hermite functions, evaluated stably in log space up to ``N = 10^5``.
* :func:`goe_density`: the normalised one-point density :math:`\rho_N` of ``GOE_N``.
* :func:`tridiagonal_goe`, :func:`kth_smallest_eigenvalue`,
  :func:`count_eigenvalues_below`: the Dumitriu–Edelman tridiagonal model [2]_ of
  ``GOE_N``, a batched Sturm-bisection eigensolver for the (k+1)-th smallest
  eigenvalue of many tridiagonal matrices at once, and batched Sturm counts.

References
----------
.. [1] M. L. Mehta, *Random Matrices*, 3rd ed., Elsevier 2004, §7.2 (the GOE level
   density, eq. (7.2.32)).
.. [2] I. Dumitriu and A. Edelman, "Matrix models for beta ensembles",
   J. Math. Phys. 43 (2002) 5830, arXiv:math-ph/0206043, Theorem 2.12.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import erfcx, gammaln

from compute.validation import int_param

__all__ = [
    "log_goe_one_point",
    "goe_one_point",
    "goe_density",
    "tridiagonal_goe",
    "kth_smallest_eigenvalue",
    "count_eigenvalues_below",
    "MAX_N",
]

#: Largest matrix size accepted by the one-point functions (cost grows like N**2).
MAX_N = 100_000

_PI_M14 = math.pi ** -0.25
# Rescale the scaled Hermite functions when they exceed this size; between two
# checks they grow by at most 1e80, so squares and their sums stay finite.
_RESCALE_AT = 1e60
_GROWTH_PER_CHECK_LOG10 = 80.0


def _check_size(N, name: str = "N", upper: int = MAX_N) -> int:
    return int_param(N, name, 1, upper, "matrix size")


def _log_integral_hermite_function(n: int) -> float:
    r"""log of :math:`\int_{\mathbb R} \varphi_n` for even ``n`` (it vanishes for odd n).

    From :math:`\sum_n H_n(x) s^n/n! = e^{2xs-s^2}` one gets
    :math:`\int e^{-x^2/2} H_{2m}(x)\,dx = \sqrt{2\pi}\,(2m)!/m!`, hence
    :math:`\int \varphi_{2m} = \sqrt{2\pi}\,\pi^{-1/4}\sqrt{(2m)!}/(2^m m!)`.
    """
    m = n // 2
    return (
        0.5 * math.log(2.0 * math.pi)
        - 0.25 * math.log(math.pi)
        + 0.5 * float(gammaln(2 * m + 1))
        - m * math.log(2.0)
        - float(gammaln(m + 1))
    )


def _log_r1_nonpositive(t: np.ndarray, N: int) -> np.ndarray:
    """log R_1(t) for a 1-D float array ``t <= 0`` (see :func:`log_goe_one_point`)."""
    t = np.ascontiguousarray(t, dtype=float)
    if t.size == 0:
        return t.copy()
    # Scaled quantities: phi_n = exp(S) * p_n, Phi_n = exp(S) * Phi~_n,
    # sum_k phi_k^2 = exp(2 S) * sig.
    S = -0.5 * t * t
    p_prev = np.zeros_like(t)
    p = np.full_like(t, _PI_M14)
    sig = p * p
    if N % 2 == 0:
        # Phi_0(t) = pi^{-1/4} sqrt(2 pi) erfc(-t/sqrt2)/2, scaled by exp(-S) = exp(t^2/2).
        chain = (_PI_M14 * math.sqrt(2.0 * math.pi) * 0.5) * erfcx(-t / math.sqrt(2.0))
    else:
        chain = np.zeros_like(t)  # Phi_{-1} := 0; the first update gives Phi_1 = -sqrt2 phi_0
    tmax = float(np.max(np.abs(t)))
    check_every = max(1, int(_GROWTH_PER_CHECK_LOG10 / math.log10(math.sqrt(2.0) * tmax + 2.0)))
    tmp = np.empty_like(t)
    parity = (N - 1) % 2
    for n in range(N - 1):
        if n % 2 == parity:
            # Phi_{n+1} = sqrt(n/(n+1)) Phi_{n-1} - sqrt(2/(n+1)) phi_n
            chain *= math.sqrt(n / (n + 1.0))
            np.multiply(p, math.sqrt(2.0 / (n + 1.0)), out=tmp)
            chain -= tmp
        # phi_{n+1} = sqrt(2/(n+1)) t phi_n - sqrt(n/(n+1)) phi_{n-1}
        np.multiply(p_prev, -math.sqrt(n / (n + 1.0)), out=p_prev)
        np.multiply(t, p, out=tmp)
        tmp *= math.sqrt(2.0 / (n + 1.0))
        p_prev += tmp
        p, p_prev = p_prev, p
        np.multiply(p, p, out=tmp)
        sig += tmp
        if (n + 1) % check_every == 0:
            mag = np.maximum(np.abs(p), np.abs(p_prev))
            big = mag > _RESCALE_AT
            if big.any():
                r = np.where(big, mag, 1.0)
                p /= r
                p_prev /= r
                chain /= r
                sig /= r * r
                S += np.log(r)
    # Final chain step gives Phi_N from Phi_{N-2} and phi_{N-1}.
    n = N - 1
    chain *= math.sqrt(n / (n + 1.0))
    chain -= math.sqrt(2.0 / (n + 1.0)) * p
    # R_1 = e^S A + e^{2S} B with
    #   A = sqrt(N/2) phi~_{N-1} (-1/2 int phi_N) + 1{N odd} phi~_{N-1} / int phi_{N-1},
    #   B = sum phi~_k^2 + sqrt(N/2) phi~_{N-1} Phi~_N.
    if N % 2 == 0:
        A = (-0.5 * math.sqrt(N / 2.0) * math.exp(_log_integral_hermite_function(N))) * p
    else:
        A = math.exp(-_log_integral_hermite_function(N - 1)) * p
    B = sig + math.sqrt(N / 2.0) * p * chain
    with np.errstate(divide="ignore"):
        la = S + np.log(np.abs(A))
        lb = 2.0 * S + np.log(np.abs(B))
    top = np.maximum(la, lb)
    total = np.sign(A) * np.exp(la - top) + np.sign(B) * np.exp(lb - top)
    if np.any(total <= 0.0):  # pragma: no cover - would signal a loss of precision
        raise FloatingPointError("GOE one-point function lost positivity")
    return top + np.log(total)


def log_goe_one_point(t, N: int) -> np.ndarray:
    r"""Natural log of the GOE one-point function :math:`R_1(t)` at unit scale (theory §4).

    For the unit-scale GOE (eigenvalue density
    :math:`\propto \prod_{i<j}|t_i-t_j| e^{-\sum t_i^2/2}`, i.e. diagonal variance 1,
    off-diagonal variance 1/2) Mehta's closed form [1]_ reads, with the Hermite
    functions :math:`\varphi_k(t) = (2^k k!\sqrt\pi)^{-1/2} H_k(t) e^{-t^2/2}`,

    .. math::

        R_1(t) = \sum_{k=0}^{N-1}\varphi_k(t)^2
          + \sqrt{N/2}\,\varphi_{N-1}(t)\int_{\mathbb R}\tfrac12\operatorname{sgn}(t-s)
            \varphi_N(s)\,ds
          + \mathbb 1\{N \text{ odd}\}\,\frac{\varphi_{N-1}(t)}{\int_{\mathbb R}\varphi_{N-1}},

    normalised so that :math:`\int R_1 = N`; :math:`R_1` is even.  The density of
    ``GOE_N`` of theory §2 is :math:`\rho_N(x) = R_1(\sqrt N x)/\sqrt N`
    (:func:`goe_density`).

    Numerics.  ``t`` is reflected to ``-|t|``.  The Hermite functions come from the
    three-term recurrence
    :math:`\varphi_{n+1} = \sqrt{2/(n+1)}\,t\varphi_n - \sqrt{n/(n+1)}\,\varphi_{n-1}`
    run in scaled form :math:`\varphi_n = e^{S(t)}\tilde\varphi_n` (start
    :math:`S = -t^2/2`, rescaled whenever the values pass 1e60), so nothing under- or
    overflows however far ``t`` lies in the tail.  The squares are summed directly
    (Christoffel–Darboux would cancel in the tails).  The cumulative integrals
    :math:`\Phi_n(t) = \int_{-\infty}^t\varphi_n` follow, with the same scale, from
    :math:`\Phi_{n+1} = \sqrt{n/(n+1)}\,\Phi_{n-1} - \sqrt{2/(n+1)}\,\varphi_n`,
    :math:`\Phi_0 = \pi^{-1/4}\sqrt{2\pi}\,\tfrac12\operatorname{erfc}(-t/\sqrt2)`
    (``erfcx`` in scaled form), and
    :math:`\int\tfrac12\operatorname{sgn}(t-s)\varphi_N(s)\,ds = \Phi_N(t) - \tfrac12\int\varphi_N`.
    Then :math:`R_1 = e^{S}A + e^{2S}B` with ``A`` the terms linear in
    :math:`\varphi_{N-1}` and constants, ``B`` the rest, combined in log space: in the
    tail the first term dominates and is positive.  Cost :math:`O(N\cdot\text{size}(t))`.
    Accuracy: relative error about 1e-15 at ``N <= 6`` (checked against 40-digit
    mpmath), growing slowly with N (about ``1e-16 * t^2`` from the log scale).

    Parameters
    ----------
    t : array_like
        Points (unit scale), any shape; must be finite.
    N : int
        Matrix size, ``1 <= N <= 100000``.

    Returns
    -------
    numpy.ndarray
        :math:`\log R_1(t)`, same shape as ``t``.

    Examples
    --------
    ``N = 1`` is the standard normal density:

    >>> round(float(np.exp(log_goe_one_point(0.0, 1))) * math.sqrt(2 * math.pi), 14)
    1.0
    """
    N = _check_size(N)
    arr = np.asarray(t, dtype=float)
    if not np.all(np.isfinite(arr)):
        raise ValueError("t (unit-scale eigenvalue) must be finite real numbers")
    flat = -np.abs(arr.ravel())
    return _log_r1_nonpositive(flat, N).reshape(arr.shape)


def goe_one_point(t, N: int) -> np.ndarray:
    r"""GOE one-point function :math:`R_1(t)` at unit scale, :math:`\int R_1 = N` (theory §4).

    ``exp`` of :func:`log_goe_one_point`; see there for the formula and the numerics.

    >>> round(float(goe_one_point(0.0, 2)), 15)  # 1/sqrt(pi)
    0.564189583547756
    """
    return np.exp(log_goe_one_point(t, N))


def goe_density(x, N: int) -> np.ndarray:
    r"""One-point density :math:`\rho_N(x)` of ``GOE_N`` (theory §2, §4), normalised to 1.

    .. math::

        \rho_N(x) = \frac{1}{\sqrt N} R_1(\sqrt N x),

    with :math:`R_1` of :func:`log_goe_one_point`.  As :math:`N\to\infty` it tends to
    the semicircle :math:`\sqrt{2-x^2}/\pi` on :math:`[-\sqrt2, \sqrt2]`.

    >>> round(float(goe_density(0.0, 1)), 12)  # GOE_1 = N(0, 1)
    0.398942280401
    """
    N = _check_size(N)
    arr = np.asarray(x, dtype=float)
    if not np.all(np.isfinite(arr)):
        raise ValueError("x (eigenvalue) must be finite real numbers")
    return np.exp(log_goe_one_point(math.sqrt(N) * arr, N) - 0.5 * math.log(N))


def tridiagonal_goe(N: int, size: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    r"""Sample ``size`` tridiagonal matrices whose spectra have the law of ``GOE_N`` (theory §2).

    Dumitriu–Edelman [2]_ with :math:`\beta = 1`: the symmetric tridiagonal matrix with

    .. math::

        T_{ii} \sim \mathcal N(0, 1/N), \qquad
        T_{i,i+1} = \chi_{N-i}/\sqrt{2N} \quad (i = 1, \dots, N-1),

    all independent, has the eigenvalue law of ``GOE_N`` (it is the Householder
    tridiagonalisation of ``GOE_N``, which keeps the first basis vector).  Check of
    the scale: :math:`E\operatorname{tr}T^2 = 1 + 2\sum_{j=1}^{N-1} j/(2N) = (N+1)/2
    = E\operatorname{tr}M^2` for ``M ~ GOE_N``.

    Parameters
    ----------
    N : int
        Matrix size, ``N >= 1``.
    size : int
        Number of matrices, ``>= 1``.
    rng : numpy.random.Generator
        Source of randomness (``numpy.random.default_rng(seed)``).

    Returns
    -------
    diag, offdiag : numpy.ndarray
        Shapes ``(size, N)`` and ``(size, N - 1)``.
    """
    N = _check_size(N, upper=10**6)
    size = _check_size(size, name="size", upper=10**9)
    if not isinstance(rng, np.random.Generator):
        raise ValueError("rng must be a numpy.random.Generator (numpy.random.default_rng(seed))")
    diag = rng.standard_normal((size, N)) / math.sqrt(N)
    df = np.arange(N - 1, 0, -1, dtype=float)
    offdiag = np.sqrt(rng.chisquare(df, size=(size, N - 1)) / (2.0 * N))
    return diag, offdiag


def _check_tridiagonal(diag, offdiag) -> tuple[np.ndarray, np.ndarray]:
    d = np.atleast_2d(np.asarray(diag, dtype=float))
    e = np.asarray(offdiag, dtype=float)
    if e.ndim == 1:
        e = e[None, :]
    m, n = d.shape
    if e.shape != (m, n - 1):
        raise ValueError(f"offdiag must have shape {(m, n - 1)}, got {e.shape}")
    if not (np.all(np.isfinite(d)) and np.all(np.isfinite(e))):
        raise ValueError("diag and offdiag must be finite")
    return d, e


def _sturm_counts(dT: np.ndarray, e2T: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Number of eigenvalues below ``x[j]`` of tridiagonal matrix ``j`` (transposed inputs)."""
    n, m = dT.shape
    q = np.empty(m)
    tmp = np.empty(m)
    neg = np.empty(m, dtype=bool)
    count = np.empty(m, dtype=np.int64)
    with np.errstate(divide="ignore", invalid="ignore"):
        np.subtract(dT[0], x, out=q)
        np.less(q, 0.0, out=neg)
        count[:] = neg
        for i in range(1, n):
            np.divide(e2T[i - 1], q, out=tmp)
            np.subtract(dT[i], x, out=q)
            q -= tmp
            np.less(q, 0.0, out=neg)
            count += neg
    return count


def count_eigenvalues_below(diag, offdiag, x) -> np.ndarray:
    r"""Number of eigenvalues below ``x`` of each of many symmetric tridiagonal matrices.

    Sylvester's law of inertia: the count equals the number of negative pivots of
    :math:`T - x = LDL^T`, :math:`q_1 = a_1 - x`,
    :math:`q_i = a_i - x - b_{i-1}^2/q_{i-1}` (a zero pivot becomes an infinite next
    pivot, which IEEE arithmetic handles).  Vectorised over the matrices.

    Parameters
    ----------
    diag : array_like, shape (m, n)
    offdiag : array_like, shape (m, n - 1)
    x : float or array_like of shape (m,)

    Returns
    -------
    numpy.ndarray of int, shape (m,)
    """
    d, e = _check_tridiagonal(diag, offdiag)
    xs = np.broadcast_to(np.asarray(x, dtype=float), (d.shape[0],))
    return _sturm_counts(np.ascontiguousarray(d.T), np.ascontiguousarray((e * e).T), xs)


def kth_smallest_eigenvalue(diag, offdiag, k: int, *, rtol: float = 1e-14) -> np.ndarray:
    r"""The (k+1)-th smallest eigenvalue of each of many symmetric tridiagonal matrices.

    Batched bisection on Sturm counts (:func:`count_eigenvalues_below`): the bracket
    starts at the Gershgorin interval and is halved until its width is below ``rtol``
    times the spectral scale (about 46 halvings for the default); each halving is
    vectorised over the matrices.  Used for the index-k counts of theory §4.

    Parameters
    ----------
    diag : array_like, shape (m, n)
    offdiag : array_like, shape (m, n - 1)
    k : int
        ``0 <= k <= n - 1``.
    rtol : float
        Bracket width relative to ``max |eigenvalue bound|`` at which to stop.

    Returns
    -------
    numpy.ndarray, shape (m,)
    """
    d, e = _check_tridiagonal(diag, offdiag)
    m, n = d.shape
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 0 <= k <= n - 1:
        raise ValueError(f"k (eigenvalue index) must be an integer in [0, {n - 1}], got {k!r}")
    if not rtol > 0:
        raise ValueError(f"rtol must be > 0, got {rtol!r}")
    ae = np.abs(e)
    radius = np.zeros_like(d)
    radius[:, :-1] += ae
    radius[:, 1:] += ae
    lo = np.min(d - radius, axis=1)
    hi = np.max(d + radius, axis=1)
    scale = max(float(np.max(np.abs(lo))), float(np.max(np.abs(hi))), np.finfo(float).tiny)
    width = float(np.max(hi - lo))
    if width <= 0.0:
        return 0.5 * (lo + hi)
    steps = max(0, math.ceil(math.log2(width / (rtol * scale)))) + 1
    dT = np.ascontiguousarray(d.T)
    e2T = np.ascontiguousarray((e * e).T)
    for _ in range(steps):
        x = 0.5 * (lo + hi)
        below = _sturm_counts(dT, e2T, x) > k  # at least k+1 eigenvalues lie below x
        hi = np.where(below, x, hi)
        lo = np.where(below, lo, x)
    return 0.5 * (lo + hi)
