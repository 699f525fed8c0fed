r"""Sharp counts for :math:`L = R + \varphi(s)` at finite N (theory §5.4) and the large-N
modulation factor (theory §5.5).

The landscape is :math:`L(w) = R(w) + \varphi(s)` on the sphere :math:`|w|^2 = N`, with ``R`` the
spherical H-spin glass of theory §2, :math:`s = \mathbf 1\cdot w/\sqrt N` and
:math:`\varphi(s) = \sum_{d=1}^{H-1}\kappa_d s^d` (theory §5.3; ``coeffs = [κ_1, …, κ_{H-1}]``,
shorter lists are padded with zeros).

Kac–Rice (theory §5.4)
----------------------
Write :math:`a = \sqrt{2H(H-1)}`, :math:`q(s) = 1 - s^2/N` and
:math:`\theta(s) = \varphi''(s)\,q(s)`.  At a point with overlap ``s`` the tangential gradient of
``L`` is :math:`\nabla R + \varphi'(s)\,P e` with :math:`|Pe|^2 = q`, and, conditionally on it
vanishing, the Riemannian Hessian is

.. math::

    \operatorname{Hess} L = c M - x I + \theta(s)\, e_1 e_1^T, \qquad
    x = \frac{H R + s\varphi'(s)}{N}, \qquad c = \sqrt{2H(H-1)(N-1)/N},

with :math:`M \sim \mathrm{GOE}_{N-1}` independent of :math:`R \sim N(0, N)` (rotation invariance of
``M`` lets the rank-one direction be :math:`e_1`).  Changing variables from ``R`` to ``x``
(Jacobian ``N/H``) the Gaussian factor of ``R`` splits as

.. math::

    e^{-R^2/(2N)} = e^{-N x^2/(2H^2)}\;
        e^{x s\varphi'/H^2 - s^2\varphi'^2/(2NH^2)},

and the level condition :math:`R + \varphi(s) \le N u` becomes
:math:`x \le x_{\max}(s) = H u - (H\varphi(s) - s\varphi'(s))/N`.  Together with the density of the
gradient at zero this gives the weight

.. math::

    W(s, x) = \exp\Bigl(-\frac{\varphi'^2 q}{2H} + \frac{x s\varphi'}{H^2}
                        - \frac{s^2\varphi'^2}{2NH^2}\Bigr),

which is 1 for :math:`\varphi \equiv 0`.  Finally
:math:`\det(A + \theta e_1e_1^T) = \det A\,(1 + \theta\,e_1^TA^{-1}e_1)` and, by interlacing, the
rank-one term moves the index by at most one: with :math:`D` the determinant ratio, the index is
that of ``A`` minus 1 if :math:`D < 0, \theta > 0` and plus 1 if :math:`D < 0, \theta < 0`
(:func:`rank_one_index`).

Estimators
----------
``"goe"`` (any ``u_max``, any ``k``).  Merging the Gaussian ``x`` with ``GOE_{N-1}`` into
``GOE_N`` (the trick of Auffinger–Ben Arous–Černý behind theory §4): with
:math:`\mu_0 \le \dots \le \mu_{N-1}` the spectrum of ``GOE_N``, :math:`x_j = a\mu_j` and ``v``
uniform on the unit sphere of :math:`\mathbb R^{N-1}`,

.. math::

    E\,\mathrm{Crt}^{\varphi}_{N,k}(L \le Nu) = 2\sqrt{2/H}\,(H-1)^{N/2}
      \int \pi_N(s)\,ds\;\sum_j E\Bigl[e^{-N(H-2)\mu_j^2/(2H)}\,W(s, x_j)\,|D_j(s)|\,
      \mathbb 1\{\mathrm{ind}_j(s) = k\}\,\mathbb 1\{x_j \le x_{\max}(s)\}\Bigr],

    D_j(s) = 1 + \theta(s) \sum_{i \ne j} \frac{v_i^2}{a(\mu_i - \mu_j)},

with base index ``j``.  For :math:`\varphi \equiv 0` every sample reproduces the theory §4
integrand exactly.

``"level"`` (``u_max < -E_inf(H)``).  The same integral before merging, with the level drawn
instead of the ``GOE_N`` eigenvalue: for each ``s`` node, :math:`x` comes from a Laplace law
(truncated at :math:`x_{\max}(s)`) centred at the peak of the large-N log-integrand
:math:`\ell_s(x) = -Nx^2/(2H^2) + x s\varphi'/H^2 + (N-1)\Phi(x/a)`, :math:`\Phi` the log-potential
of the semicircle (importance sampling; one uniform per sample, shared by all nodes).  The
Hessian :math:`aT - x + \theta e_1e_1^T` uses the Dumitriu–Edelman tridiagonal ``T`` of
``GOE_{N-1}`` (scaled to the ``GOE_N`` variance), whose first basis vector is exactly a uniformly
random direction with respect to the eigenvectors.  Determinant, inertia and the rank-one update
come from the pivots of :math:`UDU^T`, run from the bottom row: :math:`f_{n} = T_{nn} - y`,
:math:`f_i = T_{ii} - y - T_{i,i+1}^2/f_{i+1}`; only the top pivot feels :math:`\theta`.  The ``s``
nodes follow the large-N profile in :math:`\tau = \operatorname{artanh}(s/\sqrt N)`
(:func:`_profile_rule`), which resolves the thin layers at the poles.  Below the threshold the
``goe`` estimator needs the smallest GOE eigenvalue to be a large deviation, which is rare
(0.15 % of samples at N = 200, H = 3, u = -1.7); the ``level`` estimator puts the level there by
construction.

Poles.  At :math:`s = \pm\sqrt N` (:math:`w = \pm\mathbf 1`) the gradient of :math:`\varphi` on the
sphere vanishes, so ``L`` has critical points there with loss :math:`\approx \varphi(\pm\sqrt N)`;
for :math:`\deg\varphi \ge 3` this is :math:`-\kappa N^{d/2} \ll Nu` at one pole or both, and each
such pole carries about one minimum below every level (:func:`pole_minima_below`).  They sit in a
layer :math:`1 - s^2/N = O(1/N)` and at levels far below the ``GOE_N`` spectrum, which only the
``level`` estimator reaches; above the threshold they are negligible next to the exponentially
many other critical points once N is moderately large.

``"quadrature"`` (``N = 2``, deterministic).  ``GOE_1`` is a scalar Gaussian: given ``s`` and
``R`` the Hessian is a Gaussian scalar and its absolute first moments on half-lines are closed
forms in :math:`\Phi, \phi`; the ``R`` integral is Gauss–Legendre, the ``s`` integral
Gauss–Chebyshev.  ``"exact"`` (``N = 1``): two points, :math:`\Phi(u - \varphi(\pm 1))`.

The ``s`` integral, with :math:`\pi_N(s) \propto (1 - s^2/N)^{(N-3)/2}` on :math:`|s| < \sqrt N`,
is Gauss–Jacobi quadrature in :math:`s/\sqrt N` for ``goe`` (Chebyshev at ``N = 2``, Legendre at
``N = 3``) and the profile-guided panels of :func:`_profile_rule` for ``level``.  Monte Carlo
estimates apply the quadrature to the sample mean, so they are unbiased for the quadrature rule
applied to a smooth function of ``s``.  Counts of :math:`\varphi \equiv 0` are
computed on the same samples (common random numbers), which makes the ratio precise.

Large N (theory §5.5)
---------------------
See :func:`modulation_factor`.  Below :math:`-E_\infty` the counts below ``Nu`` are dominated by
critical points at the level; the ratio to the :math:`\varphi \equiv 0` count tends to a Gaussian
average over ``s`` (:math:`s \sim N(0,1)`), which diverges for quadratic :math:`\varphi` when the
:math:`s^2` coefficient of the exponent reaches 1/2 (:func:`modulation_diverges`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numpy.polynomial import polynomial as npoly
from scipy.linalg import lapack
from scipy.special import gammaln, ndtr, roots_jacobi

from compute.complexity import e_inf, ground_state_energies
from compute.finite_n import log_expected_total_count
from compute.goe import tridiagonal_goe
from compute.validation import finite_array, int_param, level_param, phi_coefficients

__all__ = [
    "KacRiceResult",
    "OutsideDomainError",
    "expected_critical_points_phi",
    "rank_one_index",
    "modulation_factor",
    "modulation_s2_coefficient",
    "modulation_diverges",
    "modulation_domain",
    "modulation_peak",
    "PEAK_S_MAX",
    "pole_minima_below",
    "MAX_N",
    "MAX_SAMPLES",
    "METHODS",
    "KR_BLOCK",
    "count_plan",
    "count_unit",
]

#: Largest N accepted by :func:`expected_critical_points_phi`.
MAX_N = 1000
#: Largest Monte Carlo sample size.
MAX_SAMPLES = 2_000_000
#: Estimators of :func:`expected_critical_points_phi` (``"auto"`` picks one).
METHODS = ("auto", "sphere", "goe", "level", "quadrature", "exact")

_DEFAULT_S_NODES = 64
_S_NODES_RANGE = (4, 512)
_N2_Z_NODES = 200  # Gauss–Legendre nodes of the R integral at N = 2
_N2_Z_RANGE = 12.0  # |z| cut of the standard-normal R integral at N = 2
_CHUNK_ELEMENTS = 1 << 19  # rough size of the per-chunk work arrays
_MOD_PANEL_NODES = 24  # Gauss–Legendre nodes per panel of the §5.5 average (3e-13 vs mpmath)
_MOD_MARGIN = 60.0  # nats below the maximum kept in the §5.5 average
_SQRT2 = math.sqrt(2.0)
_LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)


class OutsideDomainError(ValueError):
    """The large-N modulation factor of theory §5.5 is not defined for these inputs.

    Raised below the threshold when the Gaussian average over ``s`` diverges (quadratic
    :math:`\\varphi` with :math:`s^2` coefficient of the exponent at least 1/2: the dominant critical
    points then sit at macroscopic overlap and the leading complexity changes, theory §5.5–§5.6),
    and for ``u >= -E_inf(H)`` where §5.5 does not apply.  Use :func:`modulation_domain` to mask a
    grid first.
    """


@dataclass(frozen=True)
class KacRiceResult:
    """Expected number of critical points of :math:`L = R + \\varphi(s)` (theory §5.4).

    Attributes
    ----------
    value, stderr : float
        The expected count :math:`E\\,\\mathrm{Crt}^{\\varphi}_{N,k}(L \\le N u_{\\max})` and one
        standard error (Monte Carlo), or a quadrature error estimate (deterministic methods).
    log_value : float
        Natural log of ``value``, finite also when ``value`` over- or underflows
        (``-inf`` for a zero estimate).
    ratio_to_phi0, ratio_stderr : float
        ``value`` divided by the :math:`\\varphi \\equiv 0` count of index ``phi0_k`` (default: the
        same ``k``) at the same level, estimated on the same samples (common random numbers), and
        its standard error (delta method).  ``nan`` when the reference estimate is 0.
    phi0_value, phi0_stderr : float
        The :math:`\\varphi \\equiv 0` reference count (theory §4) from the same samples.
    shifted_value, shifted_stderr : float
        The part of ``value`` from critical points whose index the rank-one term moved
        (base index :math:`\\ne` final index), e.g. minima turned into index-1 saddles for ``k=1``.
    method : str
        Estimator and its settings.
    ess : float
        Effective sample size :math:`(\\sum_i w_i)^2/\\sum_i w_i^2` of the per-sample values
        (of the weakest part that carries at least 1 % of the value); ``inf`` for deterministic
        methods, 0 when no sample contributes.
    reliable : bool
        False when the standard error cannot be trusted: no sample contributed, or the weights are
        heavy-tailed (effective sample size below 5 % of the samples or below 30, or one sample
        carrying more than 10 % of the sum).  ``warning`` says which.
    warning : str
        Empty when ``reliable``; otherwise a sentence fit for the UI.
    upper_bound : float
        When no sample reached the index and level: an upper bound (the count of all indices
        plus three standard errors); ``inf`` otherwise.
    """

    value: float
    stderr: float
    log_value: float
    ratio_to_phi0: float
    ratio_stderr: float
    phi0_value: float
    phi0_stderr: float
    shifted_value: float
    shifted_stderr: float
    method: str
    ess: float = math.inf
    reliable: bool = True
    warning: str = ""
    upper_bound: float = math.inf


# ------------------------------------------------------------------------------------- input


def _check_coeffs(coeffs, H: int) -> np.ndarray:
    """Power-series coefficients ``[0, κ_1, …, κ_{H-1}]`` of φ (zero-padded)."""
    return np.concatenate([[0.0], phi_coefficients(coeffs, H)])


def _check_u(u) -> np.ndarray:
    return finite_array(u, "u", "loss per weight")


def _check_phi_scale(c: np.ndarray, N: int, H: int) -> None:
    """Refuse φ whose values or squared slope on the sphere overflow a double (theory §5.4)."""
    ends = np.array([-math.sqrt(N), math.sqrt(N)])
    with np.errstate(over="ignore", invalid="ignore"):
        val = npoly.polyval(ends, c)
        d1 = npoly.polyval(ends, npoly.polyder(c)) if c.size > 1 else np.zeros(2)
        big = np.abs(np.concatenate([val * H, d1 * d1 * N, d1 * math.sqrt(N)]))
    if not np.all(np.isfinite(big)) or np.max(big) > 1e300:
        raise ValueError(
            f"coeffs (kappa_1..kappa_{H - 1}) are too large for double precision at N = {N}: phi or its "
            "squared slope at the poles s = ±sqrt(N) overflows; lower gamma or choose a pre-activation "
            "setting with a larger mean slope"
        )


def _degree(c: np.ndarray) -> int:
    nz = np.flatnonzero(c)
    return int(nz[-1]) if nz.size else 0


# ------------------------------------------------------------------------ shared building blocks


def _s_rule(N: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    r"""Nodes and weights (summing to 1) for :math:`\int \pi_N(s) f(s)\,ds` (theory §5.4).

    :math:`\pi_N(s) \propto (1 - s^2/N)^{(N-3)/2}` on :math:`|s| < \sqrt N` is the law of
    :math:`s = \mathbf 1\cdot w/\sqrt N` for ``w`` uniform on the sphere; in :math:`t = s/\sqrt N`
    this is Gauss–Jacobi with :math:`\alpha = \beta = (N-3)/2`.
    """
    alpha = 0.5 * (N - 3)
    t, w = roots_jacobi(n, alpha, alpha)
    return math.sqrt(N) * t, w / w.sum()


class _Phi:
    """φ, φ', φ'' on ``s`` nodes and the pieces of §5.4 built from them."""

    def __init__(self, c: np.ndarray, N: int, H: int, s: np.ndarray, q: np.ndarray | None = None):
        self.phi = npoly.polyval(s, c)
        self.dphi = npoly.polyval(s, npoly.polyder(c)) if c.size > 1 else np.zeros_like(s)
        d2 = npoly.polyval(s, npoly.polyder(c, 2)) if c.size > 2 else np.zeros_like(s)
        if q is None:  # 1 - s^2/N; pass it when s is close to +-sqrt(N)
            q = 1.0 - s * s / N
        self.theta = d2 * q
        # log W(s, x) = c0 + c1 x
        self.c0 = -self.dphi**2 * q / (2.0 * H) - s * s * self.dphi**2 / (2.0 * N * H * H)
        self.c1 = s * self.dphi / (H * H)
        self.shift = (H * self.phi - s * self.dphi) / N  # x_max(s) = H u - shift
        # level form in y = x - m0 = H R / N (no cancellation between terms of size s^2 phi'^2 / N):
        # log W - N x^2 / (2 H^2) = cg - N y^2 / (2 H^2), and the level condition is y <= H (u - phi / N)
        self.m0 = s * self.dphi / N
        self.cg = -self.dphi**2 * q / (2.0 * H)
        self.N, self.H = N, H

    def ymax(self, u: float) -> np.ndarray:
        """Largest ``y = HR/N`` with ``R + φ(s) <= N u``."""
        if not math.isfinite(u):
            return np.full_like(self.phi, np.inf)
        return self.H * (u - self.phi / self.N)


def rank_one_index(base_index, D, theta) -> np.ndarray:
    r"""Index of :math:`A + \theta\,e_1e_1^T` from the index of ``A`` and the determinant ratio (theory §5.4).

    .. math::

        \mathrm{ind}(A + \theta e_1e_1^T) = \mathrm{ind}(A) - \mathbb 1\{D<0, \theta>0\}
            + \mathbb 1\{D<0, \theta<0\}, \qquad
        D = \frac{\det(A + \theta e_1e_1^T)}{\det A} = 1 + \theta\,e_1^TA^{-1}e_1 .

    By interlacing a rank-one term moves each eigenvalue at most to the next one of ``A``, in the
    direction of :math:`\theta`; the sign of ``D`` says whether one eigenvalue crossed zero.
    Vectorised (broadcasting) over all arguments.

    >>> int(rank_one_index(1, -0.5, 2.0)), int(rank_one_index(1, -0.5, -2.0)), int(rank_one_index(1, 0.3, 2.0))
    (0, 2, 1)
    """
    base = np.asarray(base_index)
    D = np.asarray(D, dtype=float)
    theta = np.asarray(theta, dtype=float)
    flip = D < 0.0
    return base - (flip & (theta > 0.0)).astype(int) + (flip & (theta < 0.0)).astype(int)


def _mean_se_log(logs: np.ndarray) -> tuple[float, float]:
    """log of the sample mean and of its standard error, from per-sample logs."""
    finite = np.isfinite(logs)
    if not finite.any():
        return -math.inf, -math.inf
    m = float(np.max(logs[finite]))
    x = np.exp(logs - m)
    mean = float(np.mean(x))
    sd = float(np.std(x, ddof=1)) / math.sqrt(x.size)
    return m + math.log(mean), (m + math.log(sd)) if sd > 0.0 else -math.inf


def _ratio_log(lx: np.ndarray, ly: np.ndarray) -> tuple[float, float]:
    """Ratio of sample means (per-sample logs) and its delta-method standard error."""
    fx, fy = np.isfinite(lx), np.isfinite(ly)
    if not fy.any():
        return math.nan, math.nan
    if not fx.any():
        return 0.0, 0.0
    mx, my = float(np.max(lx[fx])), float(np.max(ly[fy]))
    x, y = np.exp(lx - mx), np.exp(ly - my)
    xb, yb = float(np.mean(x)), float(np.mean(y))
    r = _exp(mx - my + math.log(xb / yb))
    z = x / xb - y / yb
    return r, r * float(np.std(z, ddof=1)) / math.sqrt(z.size)


def _chunks(total: int, per_item: int):
    size = max(1, _CHUNK_ELEMENTS // max(1, per_item))
    for lo in range(0, total, size):
        yield slice(lo, min(total, lo + size))


def _masked_lse(L: np.ndarray, mask: np.ndarray, axis, sub: np.ndarray | None = None):
    """log-sum-exp of ``L`` over ``axis`` where ``mask``; with ``sub``, also over ``mask & sub``."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        Lm = np.where(mask, L, -np.inf)
        m = np.max(Lm, axis=axis, keepdims=True)
        m = np.where(np.isfinite(m), m, 0.0)
        E = np.exp(Lm - m)
        m = np.squeeze(m, axis=axis)
        full = np.log(np.sum(E, axis=axis)) + m
        if sub is None:
            return full
        return full, np.log(np.sum(np.where(sub, E, 0.0), axis=axis)) + m


# --------------------------------------------------------------------------------- estimators


def _goe_spectra(N: int, samples: int, rng: np.random.Generator) -> np.ndarray:
    """Sorted ``GOE_N`` spectra, shape (samples, N), from the tridiagonal model."""
    d, e = tridiagonal_goe(N, samples, rng)
    mu = np.empty_like(d)
    for i in range(samples):
        w, info = lapack.dsterf(d[i], e[i])
        if info != 0:  # pragma: no cover - LAPACK failure
            raise FloatingPointError(f"dsterf failed (info={info})")
        mu[i] = w
    mu.sort(axis=1)
    return mu


def _goe_log_pref(N: int, H: int) -> float:
    return math.log(2.0) + 0.5 * math.log(2.0 / H) + 0.5 * N * math.log(H - 1.0)


def _goe_part(N, H, c, u, k, s, logws, mu, g2, q=None):
    r"""Per-spectrum logs of the ``GOE_N`` form of theory §5.4 on the ``s`` nodes ``(s, logws)``.

    ``mu`` (n, N) sorted ``GOE_N`` spectra, ``g2`` (n, N) squared standard normals (the rank-one
    direction), ``logws`` log weights of a rule for :math:`\int\pi_N(s)F(s)\,ds`.  For all
    indices (``k=None``) only the base indices ``j`` whose weight
    :math:`e^{-N(H-2)\mu_j^2/(2H)}W(s, a\mu_j)` comes within 50 nats of the largest one of the
    chunk at some node are summed (the rank-one factor :math:`|D_j|` is not bounded, but exceeds
    :math:`e^{50}` only when two eigenvalues nearly coincide, an event of probability far below
    :math:`e^{-50}`).  Returns (log_phi, log_shifted), arrays of shape (n,); add
    :func:`_goe_log_pref`.
    """
    a = math.sqrt(2.0 * H * (H - 1.0))
    n = mu.shape[0]
    out_phi = np.full(n, -np.inf)
    out_shift = np.full(n, -np.inf)
    if s.size == 0:
        return out_phi, out_shift
    f = _Phi(c, N, H, s, q)
    xmax = H * u - f.shift if math.isfinite(u) else np.full_like(s, np.inf)
    g2sum = g2.sum(axis=1)
    lin = (H - 2.0) * N / (2.0 * H)
    width = 3 if k is not None else N
    for sl in _chunks(n, width * max(N, s.size)):
        m = mu[sl]
        if k is None:
            with np.errstate(invalid="ignore"):
                bound = np.max(np.where(a * m[:, :, None] <= xmax, (-lin * m * m)[:, :, None]
                                        + f.c0 + (a * m)[:, :, None] * f.c1 + logws, -np.inf), axis=2)
            top = np.max(bound, axis=1, keepdims=True)
            cols = np.flatnonzero(np.any(bound >= top - 50.0, axis=0))
            if cols.size == 0:
                continue
            J = np.arange(cols[0], cols[-1] + 1)
        else:
            J = np.arange(max(0, k - 1), min(N, k + 2))
        rows = np.arange(J.size)
        mJ = m[:, J]
        with np.errstate(divide="ignore"):
            diff = m[:, None, :] - mJ[:, :, None]
            diff[:, rows, J] = np.inf
            Sj = np.sum(g2[sl, None, :] / diff, axis=2) / (g2sum[sl, None] - g2[sl][:, J])
        x = a * mJ
        D = 1.0 + f.theta * (Sj / a)[:, :, None]
        base = J[None, :, None]
        idx = rank_one_index(base, D, f.theta)
        ok = x[:, :, None] <= xmax
        with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
            L = logws + (-lin * mJ * mJ)[:, :, None] + f.c0 + x[:, :, None] * f.c1 + np.log(np.abs(D))
        keep = ok if k is None else ok & (idx == k)
        out_phi[sl], out_shift[sl] = _masked_lse(L, keep, (1, 2), idx != base)
    return out_phi, out_shift


def _goe_reference(N, H, u, kref, mu):
    """Per-spectrum logs of the φ ≡ 0 count (theory §4) from the same ``GOE_N`` spectra."""
    a = math.sqrt(2.0 * H * (H - 1.0))
    lin = (H - 2.0) * N / (2.0 * H)
    mR = mu if kref is None else mu[:, [kref]]
    with np.errstate(invalid="ignore"):
        return _masked_lse(-lin * mR * mR, a * mR <= H * u, 1)


def _log_potential(y):
    r"""Log-potential :math:`\Phi(y) = \int \log|y - \lambda|\,\rho_{sc}(\lambda)\,d\lambda` of the semicircle.

    The semicircle is on :math:`[-\sqrt2, \sqrt2]` (theory §2).

    :math:`y^2/2 - 1/2 - \log(2)/2` inside the bulk, minus
    :math:`|y|\sqrt{y^2-2}/2 - \log((|y| + \sqrt{y^2-2})/\sqrt2)` outside; :math:`\Phi(y) \sim \log|y|`.
    """
    y = np.asarray(y, dtype=float)
    ay = np.abs(y)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        r = np.sqrt(np.maximum(y * y - 2.0, 0.0))
        outside = 0.5 * ay * r - np.log(np.maximum(ay + r, _SQRT2) / _SQRT2)  # 0 inside the bulk
        out = 0.5 * y * y - 0.5 - 0.5 * math.log(2.0) - outside
        # far outside, Phi(y) = log|y| - m2/(2y^2) - m4/(4y^4) - ..., m2 = m4 = 1/2 (the closed form
        # cancels there)
        iy2 = 1.0 / (y * y)
        return np.where(ay > 1e3, np.log(ay) - 0.25 * iy2 - 0.125 * iy2 * iy2, out)


def _log_potential_prime(y):
    """Derivative of :func:`_log_potential`: ``y`` inside the bulk, ``y - sign(y) sqrt(y^2 - 2)`` outside."""
    y = np.asarray(y, dtype=float)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        # y - sign(y) sqrt(y^2 - 2) = 2 / (y + sign(y) sqrt(y^2 - 2)) outside the bulk (no cancellation)
        r = np.sqrt(np.maximum(y * y - 2.0, 0.0))
        return np.where(np.abs(y) > _SQRT2, 2.0 / (y + np.sign(y) * r), y)


def _level_peak(N: int, H: int, m0, ymax):
    r"""Maximiser over :math:`y \le y_{\max}` of the large-N log-integrand in ``y = HR/N`` (theory §5.4).

    With the level :math:`x = m_0 + y`, :math:`m_0 = s\varphi'(s)/N`:

    .. math::

        \ell(y) = -\frac{N y^2}{2H^2} + (N-1)\,\Phi\bigl((m_0 + y)/a\bigr),

    (the Gaussian of ``R`` times the ``x``-dependent part of ``W``, and
    :math:`E\log|\det(aT - x)| \approx (N-1)\Phi(x/a)`).  :math:`\Phi'' \le 1` and
    :math:`a^2 \ge H^2` make :math:`\ell` concave, so bisection on :math:`\ell'` finds the peak,
    and :math:`|\Phi'| \le \sqrt2` bounds it: :math:`|y^*| \le \sqrt2 H^2 (N-1)/(Na)`, whatever
    the size of :math:`m_0` (working in ``y`` keeps the precision when :math:`s\varphi'` is huge).
    Returns ``(y_peak capped at y_max, slope at y_max, value at the capped peak)``.
    """
    a = math.sqrt(2.0 * H * (H - 1.0))
    m0 = np.asarray(m0, dtype=float)

    def dl(y):
        return -N * y / (H * H) + (N - 1) / a * _log_potential_prime((m0 + y) / a)

    span = np.full_like(m0, _SQRT2 * H * H * (N - 1) / (N * a) + 1.0)
    lo, hi = -span, span.copy()
    for _ in range(64):
        mid = 0.5 * (lo + hi)
        up = dl(mid) > 0.0
        lo = np.where(up, mid, lo)
        hi = np.where(up, hi, mid)
    ys = np.minimum(0.5 * (lo + hi), ymax)
    with np.errstate(invalid="ignore"):
        slope = np.where(np.isfinite(ymax), dl(np.where(np.isfinite(ymax), ymax, 0.0)), 0.0)
    return ys, slope, _ell_y(N, H, m0, ys)


def _ell_y(N: int, H: int, m0, y):
    """:math:`\\ell(y)` of :func:`_level_peak`."""
    a = math.sqrt(2.0 * H * (H - 1.0))
    with np.errstate(over="ignore", invalid="ignore"):
        return -N * y * y / (2.0 * H * H) + (N - 1) * _log_potential((m0 + y) / a)


def _level_proposal(N: int, H: int, m0, ymax):
    r"""Centre ``m`` and rate :math:`\lambda` of the Laplace proposal for ``y = HR/N`` (theory §5.4).

    ``m`` is the peak of :math:`\ell` (:func:`_level_peak`) or :math:`y_{\max}` if the peak lies
    above it; :math:`\lambda = \max(\ell'(y_{\max}), \lambda_b)` in the second case and
    :math:`\lambda_b` otherwise, with :math:`\lambda_b = (N/H^2 - (N-1)/a^2)^{1/2}` the weakest
    curvature of :math:`\ell`.  Since :math:`\ell'' \le -\lambda_b^2` the proposal's tails are
    heavier than the integrand's, which keeps the importance weights bounded.
    """
    a2 = 2.0 * H * (H - 1.0)
    lam_b = math.sqrt(max(N / (H * H) - (N - 1) / a2, 0.25 / (H * H)))
    ys, slope, _ = _level_peak(N, H, m0, ymax)
    at_cap = ys >= ymax
    lam = np.where(at_cap, np.maximum(slope, lam_b), lam_b)
    return ys, lam


def _laplace_draw(U: np.ndarray, m: np.ndarray, lam: np.ndarray, xmax: np.ndarray):
    r"""Inverse-CDF draw from the Laplace law :math:`\tfrac\lambda2 e^{-\lambda|x-m|}` cut at :math:`x \le x_{\max}`.

    ``U`` (samples, 1) uniforms shared by all columns (common random numbers); returns the draws
    and :math:`-\log q(x)`.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        d = xmax - m  # >= 0, may be inf
        tot = 1.0 - 0.5 * np.exp(-lam * d)
        V = U * tot
        left = V < 0.5
        step = np.where(left, np.log(2.0 * np.minimum(V, 0.5)), -np.log(np.maximum(2.0 - 2.0 * V, 1e-300)))
        x = m + step / lam
        x = np.minimum(x, xmax)
        neglogq = -np.log(0.5 * lam) + lam * np.abs(x - m) + np.log(tot)
    return x, neglogq


def _log_sech2(tau):
    """:math:`\\log\\operatorname{sech}^2\\tau`, without overflow for large ``|tau|``."""
    t = np.abs(np.asarray(tau, dtype=float))
    return math.log(4.0) - 2.0 * t - 2.0 * np.log1p(np.exp(-2.0 * t))


#: Nats below each local peak of the s-profile covered by a window of the s rule.
_WINDOW_NATS = 40.0
#: Local peaks of a profile this many nats below its maximum get no window.
_DROP_NATS = 60.0


def _profile_rule(N: int, H: int, c: np.ndarray, u: float, nodes: int, k=None, gl: int = 16):
    r"""Quadrature for :math:`\int \pi_N(s) F(s)\,ds` guided by the large-N profile of ``F`` (theory §5.4).

    With :math:`t = s/\sqrt N = \tanh\tau` the density becomes
    :math:`\pi_N\,ds = q^{(N-1)/2} d\tau / B(\tfrac12, \tfrac{N-1}2)`, :math:`q = 1 - t^2 = \operatorname{sech}^2\tau`,
    which resolves thin layers at the poles :math:`s \to \pm\sqrt N` (the layer where the
    gradient cost :math:`\varphi'^2 q/(2H)` balances :math:`q^{(N-1)/2}` sits at
    :math:`\tau \approx \tfrac12\log(4\varphi'^2/(NH))`; the range of :math:`\tau` extends past it).
    The profile is :math:`\Lambda(\tau) = \tfrac{N-1}2\log q - \varphi'^2 q/(2H) - s^2\varphi'^2/(2NH^2)
    + \max_{x \in I}\ell(x)` (:func:`_ell`, concave) on 8001 points, for the level ranges
    :math:`I = (-\infty, x_{\max}]` (all critical points) and, for an index count, also
    :math:`I = (-\infty, \min(x_{\max}, -a\sqrt2)]` (minima side: the level below the spectrum) and
    :math:`[a\sqrt2, x_{\max}]` (maxima side).  Around every local peak of each profile within
    60 nats of that profile's maximum (the bulk and each pole layer) the points within 40 nats
    of the peak get Gauss–Legendre panels of ``gl`` nodes (at least ``nodes`` nodes per window,
    panels at most 1 wide).  Returns ``(s, q, log weights)`` (the weights underflow at the poles).

    For ``k`` in {0, 1, N-2, N-1} the highest peak may carry another index than ``k``: below
    the ground state the minima near a pole (index 0, the rank-one term vanishes there) outweigh
    the index-1 saddles at ``s = O(1)`` by a factor growing like :math:`e^{-N\Theta_{0,H}(u)}`.
    A peak more than 60 nats down is therefore also kept when its basin (between the lowest
    points separating it from the neighbouring peaks) holds points within 60 nats of the maximum
    of the index-``k`` profile, the same profile with the level restricted to where a critical
    point has index ``k`` at large N (:func:`_index_class_range`).
    """
    a = math.sqrt(2.0 * H * (H - 1.0))
    rN = math.sqrt(N)
    d1c = npoly.polyder(c) if c.size > 1 else np.zeros(1)
    with np.errstate(over="ignore", invalid="ignore"):
        dmax = float(np.max(np.abs(npoly.polyval(np.array([-rN, rN]), d1c))))
    T = 40.0
    if dmax > 0.0 and math.isfinite(dmax):
        T = max(T, 0.5 * math.log(4.0 * dmax * dmax / (N * H) + 1.0) + 25.0)
    tau = np.linspace(-T, T, 8001)
    # interior stationary points of phi with a large curvature pin s to a layer of width
    # ~ sqrt(2H/q)/|phi''|, narrower than the grid: refine the grid there
    extra = []
    if _degree(c) >= 2:
        d2c = npoly.polyder(c, 2)
        for r in np.roots(d1c[::-1][np.argmax(d1c[::-1] != 0):]) if np.any(d1c[1:]) else []:
            if abs(r.imag) > 1e-9 * (1.0 + abs(r.real)) or not -rN < r.real < rN:
                continue
            s0 = float(r.real)
            q0 = 1.0 - s0 * s0 / N
            d2 = abs(float(npoly.polyval(s0, d2c)))
            if d2 == 0.0 or q0 <= 0.0:
                continue
            ds = math.sqrt(2.0 * H / q0) / d2
            sl = s0 + ds * np.linspace(-12.0, 12.0, 481)
            sl = sl[(sl > -rN) & (sl < rN)]
            extra.append(np.arctanh(sl / rN))
    if extra:
        tau = np.unique(np.concatenate([tau] + extra))
    logq = _log_sech2(tau)
    q = np.exp(logq)
    sv = rN * np.tanh(tau)
    f = _Phi(c, N, H, sv, q)
    ymax = f.ymax(u)
    y0, _, _ = _level_peak(N, H, f.m0, np.full_like(sv, np.inf))
    ranges = [(np.full_like(sv, -np.inf), ymax)]
    if k is not None:
        edge = a * _SQRT2
        ranges += [(np.full_like(sv, -np.inf), np.minimum(ymax, -edge - f.m0)), (edge - f.m0, ymax)]

    def profile(lo, hi):
        ok = lo <= hi
        yc = np.clip(y0, lo, np.where(ok, hi, lo))
        with np.errstate(invalid="ignore", over="ignore"):
            prof = np.where(ok, 0.5 * (N - 1) * logq + f.cg + _ell_y(N, H, f.m0, yc), -np.inf)
        return np.where(np.isnan(prof), -np.inf, prof)

    prof_k = None
    if k is not None:
        cls = _index_class_range(N, H, k, f.theta / a, f.m0, ymax)
        if cls is not None:
            prof_k = profile(*cls)
            top_k = float(np.max(prof_k))
            if not np.isfinite(top_k):
                prof_k = None
            else:
                near_k = prof_k >= top_k - _DROP_NATS
    keep = np.zeros(tau.size, dtype=bool)
    for lo, hi in ranges:
        prof = profile(lo, hi)
        if not np.isfinite(prof).any():
            continue
        top = float(np.max(prof))
        padded = np.r_[-np.inf, prof, -np.inf]
        peaks = np.flatnonzero((padded[1:-1] >= padded[:-2]) & (padded[1:-1] > padded[2:]))
        # basin of each peak: between the lowest points separating it from its neighbours
        cuts = [0] + [int(p0 + np.argmin(prof[p0 : p1 + 1])) for p0, p1 in zip(peaks[:-1], peaks[1:])] + [tau.size]
        for j, p in enumerate(peaks):
            if keep[p] or not np.isfinite(prof[p]):
                continue
            if prof[p] < top - _DROP_NATS and (prof_k is None or not near_k[cuts[j] : cuts[j + 1] + 1].any()):
                continue
            low = prof < prof[p] - _WINDOW_NATS
            left = np.flatnonzero(low[:p])
            right = np.flatnonzero(low[p:])
            keep[(left[-1] + 1 if left.size else 0) : (p + right[0] if right.size else tau.size)] = True
    if not keep.any():  # pragma: no cover - no finite profile
        keep[tau.size // 2] = True
    edges = np.flatnonzero(np.diff(np.r_[0, keep.astype(np.int8), 0]))
    gx, gw = _leggauss(gl)
    log_beta = gammaln(0.5) + gammaln(0.5 * (N - 1)) - gammaln(0.5 * N)
    taus, wts = [], []
    for i0, i1 in zip(edges[::2], edges[1::2]):
        lo = tau[i0 - 1] if i0 > 0 else tau[0]
        hi = tau[i1] if i1 < tau.size else tau[-1]
        panels = max(nodes // 16, math.ceil(hi - lo))
        br = np.linspace(lo, hi, panels + 1)
        half = 0.5 * np.diff(br)
        mid = 0.5 * (br[1:] + br[:-1])
        taus.append((mid[:, None] + half[:, None] * gx).ravel())
        wts.append((half[:, None] * gw).ravel())
    tq = np.concatenate(taus)
    lq = _log_sech2(tq)
    logw = np.log(np.concatenate(wts)) + 0.5 * (N - 1) * lq - log_beta
    return rN * np.tanh(tq), np.exp(lq), logw


def _index_class_range(N: int, H: int, k: int, theta_g, m0, ymax):
    r"""Levels ``y = HR/N`` at which a critical point has index ``k`` at large N (theory §5.4–§5.6), or None.

    With the level :math:`z = (m_0 + y)/a` in units of the semicircle on :math:`[-\sqrt2, \sqrt2]` and
    the rank-one term :math:`\vartheta = \theta/a`: below the spectrum the index is 0, or 1 when
    :math:`\vartheta < -1/\sqrt2` puts the BBP outlier :math:`\vartheta + 1/(2\vartheta)` below the
    level; above it, N - 1 or N - 2 symmetrically.  Returns ``(lo, hi)`` per node (empty where
    ``lo > hi``) for ``k`` in {0, 1, N-2, N-1} (the union of both sides when they coincide at
    small N), ``None`` for other ``k``.  Used only to decide which windows the s rule keeps; the
    estimators count the index exactly.
    """
    a = math.sqrt(2.0 * H * (H - 1.0))
    edge = a * _SQRT2
    th = np.asarray(theta_g, dtype=float)
    below, above = th < -1.0 / _SQRT2, th > 1.0 / _SQRT2
    with np.errstate(divide="ignore", invalid="ignore"):
        outlier = a * (th + 0.5 / th) - m0  # in y; meaningful where below or above
    inf = np.full_like(m0, np.inf)
    sides = []
    if k == 0:  # below the spectrum and below the outlier, if there is one
        sides.append((-inf, np.minimum(np.minimum(ymax, -edge - m0), np.where(below, outlier, inf))))
    if k == 1:  # between the outlier and the spectrum
        sides.append((np.where(below, outlier, inf), np.minimum(ymax, -edge - m0)))
    if k == N - 1:
        sides.append((np.maximum(edge - m0, np.where(above, outlier, -inf)), ymax))
    if k == N - 2:
        sides.append((edge - m0, np.minimum(ymax, np.where(above, outlier, -inf))))
    if not sides:
        return None
    if len(sides) == 1:
        return sides[0]
    # two classes at one node (small N): the wider range is a safe union for the drop decision
    lo = np.minimum(*(sd[0] for sd in sides))
    hi = np.maximum(*(sd[1] for sd in sides))
    return lo, hi


def _bottom_pivots(dT: np.ndarray, e2T: np.ndarray, Y: np.ndarray):
    r"""Pivots of :math:`T - y = U D U^T` from the bottom row, for many matrices and shifts.

    ``dT`` (n, m) diagonals and ``e2T`` (n-1, m) squared off-diagonals of ``m`` tridiagonal
    matrices (one per column), ``Y`` (m, p) shifts.  With :math:`f_n = T_{nn} - y`,
    :math:`f_i = T_{ii} - y - T_{i,i+1}^2 / f_{i+1}` returns
    :math:`\sum_{i\ge2}\log|f_i|`, :math:`\#\{i \ge 2: f_i < 0\}` and the top pivot :math:`f_1`.
    Then :math:`\det(T - y + artheta e_1e_1^T) = (f_1 + artheta)\prod_{i\ge2} f_i` and, by
    Sylvester's law of inertia, its index is :math:`\#\{i\ge2: f_i<0\} + \mathbb 1\{f_1+artheta<0\}`
    (theory §5.4: only the top pivot feels the rank-one term).
    """
    n = dT.shape[0]
    L2 = np.zeros_like(Y)
    neg = np.zeros(Y.shape, dtype=np.int64)
    with np.errstate(divide="ignore", invalid="ignore"):
        if n == 1:
            return L2, neg, dT[0][:, None] - Y
        f = dT[n - 1][:, None] - Y
        L2 += np.log(np.abs(f))
        neg += f < 0.0
        for i in range(n - 2, 0, -1):
            f = dT[i][:, None] - Y - e2T[i][:, None] / f
            L2 += np.log(np.abs(f))
            neg += f < 0.0
        return L2, neg, dT[0][:, None] - Y - e2T[0][:, None] / f


def _level_log_pref(N: int, H: int) -> float:
    log_sphere = math.log(2.0) + 0.5 * N * math.log(math.pi) + 0.5 * (N - 1) * math.log(N) - gammaln(0.5 * N)
    return (log_sphere - 0.5 * (N - 1) * math.log(2.0 * math.pi * H) - 0.5 * math.log(2.0 * math.pi * N)
            + math.log(N / H))


def _level_matrices(N: int, samples: int, rng: np.random.Generator):
    """Tridiagonal ``GOE_{N-1}`` scaled to the ``GOE_N`` variance (``c M = a T``), column-major."""
    n = N - 1
    d, e = tridiagonal_goe(n, samples, rng)
    scale = math.sqrt(n / N)
    dT = np.ascontiguousarray((d * scale).T)
    e2T = np.ascontiguousarray((e * e * (scale * scale)).T)
    return dT, e2T


def _level_part(N, H, c, u, k, kref, s, q, logws, dT, e2T, U, reference: bool):
    r"""Per-sample logs of the level form of theory §5.4 on the ``s`` nodes ``(s, q, logws)``.

    The level ``x`` of every node is drawn from the Laplace proposal of :func:`_level_proposal`
    with the uniforms ``U`` (shared by all nodes: common random numbers); ``dT, e2T`` from
    :func:`_level_matrices`.  With ``reference`` the φ ≡ 0 count of index ``kref`` is computed on
    the same samples.  Returns (log_phi, log_shifted, log_zero or None); add :func:`_level_log_pref`.
    """
    a = math.sqrt(2.0 * H * (H - 1.0))
    n = N - 1
    samples = U.size
    f = _Phi(c, N, H, s, q)
    ns = s.size
    extra = 1 if reference else 0
    ymax = np.empty(ns + extra)
    ymax[:ns] = f.ymax(u)
    if reference:
        ymax[ns] = H * u
    m0 = np.r_[f.m0, np.zeros(extra)]
    m, lam = _level_proposal(N, H, m0, ymax)
    out_phi = np.full(samples, -np.inf)
    out_shift = np.full(samples, -np.inf)
    out_zero = np.full(samples, -np.inf) if reference else None
    if ns + extra == 0:
        return out_phi, out_shift, out_zero
    nloga = n * math.log(a)
    for sl in _chunks(samples, ns + extra):
        Y, imp = _laplace_draw(U[sl, None], m, lam, ymax)
        L2, neg, g1 = _bottom_pivots(dT[:, sl], e2T[:, sl], (m0 + Y) / a)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            if ns:
                f1 = g1[:, :ns] + f.theta / a
                base = neg[:, :ns] + (g1[:, :ns] < 0.0)
                idx = neg[:, :ns] + (f1 < 0.0)
                y = Y[:, :ns]
                L = (logws + f.cg - N * y * y / (2.0 * H * H) + nloga + L2[:, :ns]
                     + np.log(np.abs(f1)) + imp[:, :ns])
                L = np.where(np.isnan(L), -np.inf, L)
                keep = np.ones_like(idx, dtype=bool) if k is None else idx == k
                out_phi[sl], out_shift[sl] = _masked_lse(L, keep, 1, idx != base)
            if reference:
                x0 = Y[:, ns]
                L0 = (-N * x0 * x0 / (2.0 * H * H) + nloga + L2[:, ns] + np.log(np.abs(g1[:, ns]))
                      + imp[:, ns])
                idx0 = neg[:, ns] + (g1[:, ns] < 0.0)
                out_zero[sl] = L0 if kref is None else np.where(idx0 == kref, L0, -np.inf)
    return out_phi, out_shift, out_zero


#: Spectra of ``GOE_N`` used for the bulk nodes when all indices are counted (each spectrum
#: contributes all its eigenvalues, so far fewer spectra than samples are needed):
#: ``min(samples, max(_BULK_SPECTRA_MIN, _BULK_SPECTRA_WORK // N))``.
_BULK_SPECTRA_MIN = 200
_BULK_SPECTRA_WORK = 200_000
#: An estimate is flagged when its effective sample size is below this fraction of the samples
#: (or below :data:`_ESS_MIN`), or one sample carries more than :data:`_MAX_SHARE` of the sum.
_ESS_FRACTION = 0.05
_ESS_MIN = 30.0
_MAX_SHARE = 0.1


def _edge_margin(N: int) -> float:
    """Distance beyond the semicircle edge (GOE units) from which a level counts as outside the bulk.

    0: the level form is used as soon as the peak level leaves the bulk (below -E_inf for phi = 0),
    where the GOE_N form needs a large deviation of the extreme eigenvalue (0.15 % of samples at
    N = 200, H = 3, u = -1.7) and the level form has bounded weights.
    """
    return 0.0


def _sphere_layout(N, H, c, u, k, kref, s_nodes):
    r"""The deterministic layout of the ``sphere`` estimator of theory §5.4.

    ``s`` nodes from :func:`_profile_rule` (windows around the bulk and every pole layer that
    matters for the requested index).  At each node the peak level :math:`x^*(s)` of the
    large-N integrand (capped at :math:`x_{\max}(s)`) decides the form: outside the bulk of the
    spectrum (:math:`|x^*|/a > \sqrt2`: below the threshold, or the pole layers where
    :math:`s\varphi'/N` is large) the level form (:func:`_level_part`), inside it the ``GOE_N``
    form (:func:`_goe_part`).  Both are unbiased for the same node integrand, so the choice only
    affects the variance; the two parts use independent random numbers.

    Returns ``(s, q, logws, lev, ref_level, ref_goe)``: ``lev`` marks the level-form nodes, the
    flags say which form carries the φ ≡ 0 reference of index ``kref`` (neither for ``None``:
    the exact theory §4 total is used).
    """
    a = math.sqrt(2.0 * H * (H - 1.0))
    s, q, logws = _profile_rule(N, H, c, u, s_nodes, k)
    f = _Phi(c, N, H, s, q)
    ys, _, _ = _level_peak(N, H, f.m0, f.ymax(u))
    xs = f.m0 + ys
    edge = _SQRT2 + _edge_margin(N)
    lev = (xs < -edge * a) | (xs > edge * a)
    ref_level = kref is not None and math.isfinite(u) and H * u < -edge * a
    ref_goe = kref is not None and not ref_level
    return s, q, logws, lev, ref_level, ref_goe


def _part_stats(log_pref: float, logs: np.ndarray):
    """log mean, log standard error, effective sample size and largest share of one part."""
    finite = np.isfinite(logs)
    if not finite.any():
        return -math.inf, -math.inf, 0.0, 0.0, 0
    m = float(np.max(logs[finite]))
    x = np.exp(logs - m)
    tot = float(np.sum(x))
    ess = tot * tot / float(np.sum(x * x))
    share = float(np.max(x)) / tot
    lmean, lse = _mean_se_log(logs)
    return log_pref + lmean, log_pref + lse, ess, share, int(np.count_nonzero(finite))


def _combine(parts):
    """Sum of independent parts: log value, log stderr, ESS and share of the weakest relevant part."""
    stats = [_part_stats(lp, lphi) for lp, lphi, _ in parts]
    lv = -math.inf
    for st in stats:
        lv = float(np.logaddexp(lv, st[0]))
    lvar = -math.inf
    for st in stats:
        lvar = float(np.logaddexp(lvar, 2.0 * st[1]))
    ess, share, hits, n_ess = math.inf, 0.0, 0, 0
    for st, (_, lphi, _) in zip(stats, parts):
        hits += st[4]
        if lv > -math.inf and st[0] > lv + math.log(0.01):  # a part carrying >= 1 % of the value
            if st[2] / lphi.size < (ess / n_ess if n_ess else math.inf):
                ess, n_ess = st[2], lphi.size
            share = max(share, st[3])
    if lv == -math.inf:
        ess = 0.0
    return lv, 0.5 * lvar, ess, share, hits, n_ess


def _combine_shift(parts):
    lv, lvar = -math.inf, -math.inf
    for lp, _, lsh in parts:
        m, se = _mean_se_log(lsh)
        lv = float(np.logaddexp(lv, lp + m))
        lvar = float(np.logaddexp(lvar, 2.0 * (lp + se)))
    return lv, 0.5 * lvar


def _sphere_ratio(parts, ref, lv, lse):
    """Ratio to the φ ≡ 0 reference, with the covariance of the part sharing its random numbers."""
    lpr, lzero = ref
    l0, l0se = _mean_se_log(lzero)
    if l0 == -math.inf:
        return math.nan, math.nan, lpr + l0, lpr + l0se
    l0 += lpr
    l0se += lpr
    if lv == -math.inf:
        return 0.0, math.nan, l0, l0se
    r = _exp(lv - l0)
    rel2 = _exp(2.0 * (lse - lv)) + _exp(2.0 * (l0se - l0))
    for lp, lphi, _ in parts:  # the part drawn with the reference: covariance term
        if lphi.size == lzero.size and lp == lpr:
            fx, fy = np.isfinite(lphi), np.isfinite(lzero)
            if fx.any() and fy.any():
                mx, my = float(np.max(lphi[fx])), float(np.max(lzero[fy]))
                x, y = np.exp(lphi - mx), np.exp(lzero - my)
                cov = float(np.mean((x - x.mean()) * (y - y.mean()))) * x.size / (x.size - 1) / x.size
                rel2 -= 2.0 * cov * _exp(mx + my + 2.0 * lp - lv - l0)
    return r, r * math.sqrt(max(rel2, 0.0)), l0, l0se


@lru_cache(maxsize=8)
def _leggauss(n: int) -> tuple[np.ndarray, np.ndarray]:
    return np.polynomial.legendre.leggauss(n)


def _norm_pdf(z):
    return np.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi)


def _interval_moment(m, c, lo, hi):
    r""":math:`E[(cZ + m)\,\mathbb 1\{lo < Z < hi\}]` for :math:`Z \sim N(0,1)` (closed form)."""
    return m * (ndtr(hi) - ndtr(lo)) + c * (_norm_pdf(lo) - _norm_pdf(hi))


def _n2_integrals(H, c, u, k, rule, n_z):
    r"""Deterministic §5.4 at ``N = 2``: (count, shifted part) on the ``s`` rule ``(s, q, log weights)``.

    On the circle the Hessian is the scalar :math:`h = \sqrt{H(H-1)}\,Z + \theta - x` with
    :math:`Z \sim N(0,1)` (``GOE_1``) and :math:`x = (HR + s\varphi')/2`; the base index is that
    of :math:`h - \theta`.  Given ``(s, R)`` the moments :math:`E|h|\mathbb 1\{\cdot\}` are closed
    forms; :math:`R = \sqrt2 z` is integrated by Gauss–Legendre on
    :math:`[-12, \min(12, (2u - \varphi(s))/\sqrt2)]` (``n_z`` nodes) and ``s`` by the
    profile-guided rule of :func:`_profile_rule`, which resolves the pole layers of a strong φ.
    """
    N = 2
    cm = math.sqrt(H * (H - 1.0))
    s, q, logws = rule
    f = _Phi(c, N, H, s, q)
    z0 = (2.0 * u - f.phi) / _SQRT2 if math.isfinite(u) else np.full_like(s, np.inf)
    hi = np.minimum(z0, _N2_Z_RANGE)
    lo = -_N2_Z_RANGE
    width = np.maximum(hi - lo, 0.0)
    gx, gw = _leggauss(n_z)
    z = lo + 0.5 * width[:, None] * (gx[None, :] + 1.0)
    wz = 0.5 * width[:, None] * gw[None, :] * _norm_pdf(z)
    x = (H * _SQRT2 * z + (s * f.dphi)[:, None]) / 2.0
    th = f.theta[:, None]
    m = th - x  # h = cm Z + m
    zc = -m / cm  # h > 0  <=>  Z > zc
    zb = x / cm  # base index 0  <=>  Z > zb
    inf = np.full_like(m, np.inf)
    pos = _interval_moment(m, cm, zc, inf)  # E[h 1{h > 0}]
    negm = -_interval_moment(m, cm, -inf, zc)  # E[-h 1{h < 0}]
    lo_s, hi_s = np.minimum(zc, zb), np.maximum(zc, zb)
    # index 0 with base 1: Z in (zc, zb), only when theta > 0; index 1 with base 0: Z in (zb, zc).
    shift0 = np.where(th > 0, _interval_moment(m, cm, lo_s, hi_s), 0.0)
    shift1 = np.where(th < 0, -_interval_moment(m, cm, lo_s, hi_s), 0.0)
    if k is None:
        inner, inner_shift = pos + negm, shift0 + shift1
    elif k == 0:
        inner, inner_shift = pos, shift0
    else:
        inner, inner_shift = negm, shift1
    pref = 2.0 * math.pi * _SQRT2 / math.sqrt(2.0 * math.pi * H) * np.exp(logws - (f.dphi**2) * q / (2.0 * H))
    val = float(np.sum(pref * np.sum(wz * inner, axis=1)))
    shv = float(np.sum(pref * np.sum(wz * inner_shift, axis=1)))
    return val, shv


# ------------------------------------------------------------------------------ public entry


def expected_critical_points_phi(
    N: int,
    H: int,
    coeffs,
    u_max: float = math.inf,
    k: int | None = None,
    *,
    samples: int = 2000,
    seed: int = 0,
    method: str = "auto",
    s_nodes: int = _DEFAULT_S_NODES,
    phi0_k: int | None | str = "same",
    executor=None,
    progress=None,
    cancel=None,
    timeout: float | None = None,
) -> KacRiceResult:
    r"""Expected number of critical points of :math:`L = R + \varphi(s)` with :math:`L \le N u_{\max}` (theory §5.4).

    .. math::

        E\,\mathrm{Crt}^{\varphi}_{N,k}(L \le N u) = |S_N| \int \pi_N(s)\,ds\,
          (2\pi H)^{-\frac{N-1}{2}} e^{-\frac{\varphi'(s)^2(1-s^2/N)}{2H}}\,
          E_{R,M}\Bigl[\bigl|\det\bigl(cM - \tfrac{HR + s\varphi'}{N} + \varphi''(s)qq^T\bigr)\bigr|\,
          \mathbb 1\{\mathrm{ind} = k,\ R + \varphi(s) \le N u\}\Bigr],

    evaluated as described in the module docstring; with :math:`\varphi \equiv 0` it is
    exactly theory §4.

    Parameters
    ----------
    N : int
        Number of weights, ``1 <= N <= 1000``.
    H : int
        Depth, ``H >= 2``.
    coeffs : sequence of float or None
        :math:`[\kappa_1, \dots, \kappa_{H-1}]` of :math:`\varphi(s) = \sum_d \kappa_d s^d` (at most
        ``H - 1`` finite numbers, zero-padded; ``None`` or ``[]`` means :math:`\varphi \equiv 0`).
    u_max : float
        Level (loss per weight); ``inf`` counts all critical points.
    k : int or None
        Hessian index ``0 <= k <= N - 1``, or ``None`` for all indices.
    samples : int
        Monte Carlo sample size, ``2 <= samples <= 2e6`` (ignored by deterministic methods).
    seed : int
        Seed, ``>= 0``: the samples come in units of :data:`KR_BLOCK`, unit ``i`` drawn from
        ``default_rng(SeedSequence(seed).spawn(n)[i])`` (:func:`count_plan`), so the result does
        not depend on where or in how many pieces the units ran.
    method : {"auto", "goe", "level", "quadrature", "exact"}
        ``auto``: ``exact`` at ``N = 1``, ``quadrature`` at ``N = 2``, ``level`` when ``H >= 3``
        and ``u_max < -E_inf(H)``, else ``goe``.  ``level`` needs ``u_max < -E_inf(H)`` and
        ``N >= 2``; ``quadrature`` needs ``N = 2``; ``exact`` needs ``N = 1``.
    s_nodes : int
        ``4 <= s_nodes <= 512``: Gauss–Jacobi nodes of the ``s`` integral (``goe``), or the least
        number of nodes per window of the profile-guided rule (``level``, rounded to panels of 16).
    phi0_k : int, None or "same"
        Index of the :math:`\varphi \equiv 0` reference count behind ``ratio_to_phi0``
        (``"same"``: ``k``).  ``k=1, phi0_k=0`` gives the share of the minima count that appears as
        index-1 saddles.
    executor, progress, cancel, timeout
        Where the Monte Carlo units run (a :class:`compute.executor.LocalExecutor` or
        :class:`compute.executor.CeleryExecutor`; default: in this process) and that executor's
        ``progress``, ``cancel`` and ``timeout`` (compute/executor.py).

    Returns
    -------
    KacRiceResult

    Raises
    ------
    ValueError
        Naming the parameter and its allowed range.

    Examples
    --------
    At :math:`\varphi \equiv 0` and ``N = 2`` each index has :math:`\sqrt{3H-2}` critical points
    (theory §4):

    >>> r = expected_critical_points_phi(2, 3, [0.0, 0.0], k=0)
    >>> round(r.value, 10), r.ratio_to_phi0
    (2.6457513111, 1.0)
    """
    args = _checked(N, H, coeffs, u_max, k, samples, seed, method, s_nodes, phi0_k)
    if isinstance(args, KacRiceResult):
        return args
    N, H, c, u, k, kref, samples, seed, s_nodes, method = args
    from compute.executor import LocalExecutor  # noqa: PLC0415 - the executor imports this module lazily

    plan = _count_plan(N, H, c, u, k, kref, samples, seed, s_nodes, method)
    run = (executor or LocalExecutor(1)).run(plan, progress=progress, cancel=cancel, timeout=timeout)
    return _count_result(N, H, c, u, k, kref, samples, seed, s_nodes, method, run)


def _checked(N, H, coeffs, u_max, k, samples, seed, method, s_nodes, phi0_k):
    """Checked arguments of :func:`expected_critical_points_phi`, or its deterministic result."""
    N = int_param(N, "N", 1, MAX_N, "number of weights")
    H = int_param(H, "H", 2, None, "depth")
    c = _check_coeffs(coeffs, H)
    u = level_param(u_max)
    if k is not None:
        k = int_param(k, "k", 0, N - 1, "Hessian index")
    if isinstance(phi0_k, str):
        if phi0_k != "same":
            raise ValueError(f"phi0_k must be 'same', None or an integer in [0, {N - 1}], got {phi0_k!r}")
        kref = k
    else:
        kref = None if phi0_k is None else int_param(phi0_k, "phi0_k", 0, N - 1, "reference Hessian index")
    samples = int_param(samples, "samples", 2, MAX_SAMPLES, "Monte Carlo sample size")
    seed = int_param(seed, "seed", 0, None, "random seed")
    s_nodes = int_param(s_nodes, "s_nodes", *_S_NODES_RANGE, "quadrature nodes in s")
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    if method == "auto":
        if N == 1:
            method = "exact"
        elif N == 2:
            method = "quadrature"
        else:
            method = "sphere"
    if method == "exact" and N != 1:
        raise ValueError(f"method 'exact' needs N = 1, got N = {N}")
    if method == "quadrature" and N != 2:
        raise ValueError(f"method 'quadrature' needs N = 2, got N = {N}")
    if method in ("sphere", "goe", "level") and N < 2:
        raise ValueError(f"method {method!r} needs N >= 2, got N = {N}")
    if method == "level" and not u < -e_inf(H):
        raise ValueError(
            f"method 'level' needs u_max below -E_inf(H) = {-e_inf(H):.6g} (its proposal and s rule "
            f"follow the large-N profile below the threshold), got u_max = {u!r}"
        )

    _check_phi_scale(c, N, H)
    if u == -math.inf:  # the empty level set (compute.validation.level_param)
        return KacRiceResult(
            value=0.0, stderr=0.0, log_value=-math.inf, ratio_to_phi0=math.nan, ratio_stderr=math.nan,
            phi0_value=0.0, phi0_stderr=0.0, shifted_value=0.0, shifted_stderr=0.0,
            method="exact: no loss value lies below -inf",
        )
    if method == "exact":
        return _exact_n1(c, u, kref)
    if method == "quadrature":
        return _quadrature_n2(H, c, u, k, kref)
    return N, H, c, u, k, kref, samples, seed, s_nodes, method


# ------------------------------------------------------------------- seed-blocked Monte Carlo
#
# compute/executor.py: the samples come in units of KR_BLOCK, unit i drawn from
# default_rng(SeedSequence(seed).spawn(n)[i]); the per-sample logs of all units, in unit order,
# make the estimate.  A result depends only on the arguments and this block size.

#: Samples per unit of a Monte Carlo count (part of the estimator's definition).
KR_BLOCK = 500


def _spectra_per_unit(N: int, k, samples: int, sizes: tuple[int, ...]) -> list[int]:
    """``GOE_N`` spectra of each unit: its sample count, or for all indices (``k=None``) its
    share of ``min(samples, max(_BULK_SPECTRA_MIN, _BULK_SPECTRA_WORK // N))``."""
    if k is not None:
        return list(sizes)
    total = min(samples, max(_BULK_SPECTRA_MIN, _BULK_SPECTRA_WORK // N))
    edges = np.concatenate([[0], np.cumsum(sizes)])
    cuts = (total * edges) // samples
    return [int(x) for x in np.diff(cuts)]


def _count_plan(N, H, c, u, k, kref, samples, seed, s_nodes, method):
    from compute.executor import Plan, block_sizes  # noqa: PLC0415

    sizes = block_sizes(int(samples), KR_BLOCK)
    params = {
        "N": int(N), "H": int(H), "coeffs": [float(x) for x in c[1:]],
        "u": float(u) if math.isfinite(u) else "inf",
        "k": k, "kref": kref, "s_nodes": int(s_nodes), "method": method,
        "spectra": _spectra_per_unit(N, k, samples, sizes),
    }
    return Plan("kac_rice", params, int(seed), sizes)


def count_plan(N: int, H: int, coeffs, u_max: float = math.inf, k: int | None = None, *,
               samples: int = 2000, seed: int = 0, method: str = "auto", s_nodes: int = _DEFAULT_S_NODES,
               phi0_k: int | None | str = "same"):
    """The Monte Carlo of :func:`expected_critical_points_phi` as a :class:`compute.executor.Plan`
    (units of :data:`KR_BLOCK` samples), or ``None`` when the count is deterministic."""
    args = _checked(N, H, coeffs, u_max, k, samples, seed, method, s_nodes, phi0_k)
    if isinstance(args, KacRiceResult):
        return None
    N, H, c, u, k, kref, samples, seed, s_nodes, method = args
    return _count_plan(N, H, c, u, k, kref, samples, seed, s_nodes, method)


def count_unit(params, seed: int, seq: np.random.SeedSequence, size: int, progress=None) -> dict:
    r"""One unit of a Monte Carlo count (theory §5.4): per-sample logs of its ``size`` samples.

    Returns ``g_phi``, ``g_shift``, ``g_zero`` (the ``GOE_N`` form, one per spectrum) and
    ``l_phi``, ``l_shift``, ``l_zero`` (the level form, one per sample); the arrays a method does
    not use are empty.  Random numbers in the order: spectra, directions, level matrices, uniforms.
    """
    N, H = int(params["N"]), int(params["H"])
    c = _check_coeffs(params["coeffs"], H)
    u = float(params["u"])
    k, kref = params["k"], params["kref"]
    s_nodes, method = int(params["s_nodes"]), params["method"]
    index = int(seq.spawn_key[-1])
    n_spec = int(params["spectra"][index])
    rng = np.random.default_rng(seq)
    empty = np.empty(0)
    out = {key: empty for key in ("g_phi", "g_shift", "g_zero", "l_phi", "l_shift", "l_zero")}

    def spectra(n):
        if n == 0:
            return np.empty((0, N)), np.empty((0, N))
        mu = _goe_spectra(N, n, rng)
        return mu, rng.standard_normal((n, N)) ** 2

    def level_samples(n):
        dT, e2T = _level_matrices(N, n, rng)
        return dT, e2T, np.maximum(rng.random(n), 1e-300)

    if method == "goe":
        s, ws = _s_rule(N, s_nodes)
        mu, g2 = spectra(n_spec)
        out["g_phi"], out["g_shift"] = _goe_part(N, H, c, u, k, s, np.log(ws), mu, g2)
        out["g_zero"] = _goe_reference(N, H, u, kref, mu)
    elif method == "level":
        s, q, logws = _profile_rule(N, H, c, u, s_nodes, k)
        dT, e2T, U = level_samples(int(size))
        out["l_phi"], out["l_shift"], out["l_zero"] = _level_part(N, H, c, u, k, kref, s, q, logws,
                                                                  dT, e2T, U, True)
    else:  # sphere
        s, q, logws, lev, ref_level, ref_goe = _sphere_layout(N, H, c, u, k, kref, s_nodes)
        if np.any(~lev) or ref_goe:
            mu, g2 = spectra(n_spec)
            g = ~lev
            if np.any(g):
                out["g_phi"], out["g_shift"] = _goe_part(N, H, c, u, k, s[g], logws[g], mu, g2, q[g])
            if ref_goe:
                out["g_zero"] = _goe_reference(N, H, u, kref, mu)
        if progress is not None:
            progress(0.5)
        if np.any(lev) or ref_level:
            dT, e2T, U = level_samples(int(size))
            lphi, lshift, lzero = _level_part(N, H, c, u, k, kref, s[lev], q[lev], logws[lev], dT, e2T, U,
                                              ref_level)
            if np.any(lev):
                out["l_phi"], out["l_shift"] = lphi, lshift
            if ref_level:
                out["l_zero"] = lzero
    if progress is not None:
        progress(1.0)
    return out


def _count_result(N, H, c, u, k, kref, samples, seed, s_nodes, method, run) -> KacRiceResult:
    """The estimate from the per-sample logs of all units (:func:`count_unit`)."""
    if method == "sphere":
        s, q, logws, lev, ref_level, ref_goe = _sphere_layout(N, H, c, u, k, kref, s_nodes)
        parts = []
        ref = None
        if np.any(~lev):
            parts.append((_goe_log_pref(N, H), run["g_phi"], run["g_shift"]))
        if ref_goe:
            ref = (_goe_log_pref(N, H), run["g_zero"])
        if np.any(lev):
            parts.append((_level_log_pref(N, H), run["l_phi"], run["l_shift"]))
        if ref_level:
            ref = (_level_log_pref(N, H), run["l_zero"])
        n_level, n_nodes = int(np.count_nonzero(lev)), int(s.size)
        lv, lse, ess, share, hits, n_ess = _combine(parts)
        ls, lsse = _combine_shift(parts)
        if ref is None:  # all indices: the exact theory §4 total (deterministic)
            l0 = float(log_expected_total_count(N, H, u))
            l0se = -math.inf
            ratio = _exp(lv - l0) if lv > -math.inf and l0 > -math.inf else (0.0 if l0 > -math.inf else math.nan)
            ratio_se = ratio * _exp(lse - lv) if lv > -math.inf else math.nan
        else:
            ratio, ratio_se, l0, l0se = _sphere_ratio(parts, ref, lv, lse)
        desc = (f"sphere: Monte Carlo, seed {seed}; {n_nodes} s nodes on profile-guided panels "
                f"({n_level} in the level form with {samples} samples, {n_nodes - n_level} in the GOE_N form"
                f"{'' if n_nodes == n_level else f' with {parts[0][1].size} spectra'}); "
                f"{hits} samples contribute, effective sample size {ess:.0f}")
    else:
        if method == "goe":
            log_pref, lphi, lshift, lzero = _goe_log_pref(N, H), run["g_phi"], run["g_shift"], run["g_zero"]
        else:
            log_pref, lphi, lshift, lzero = _level_log_pref(N, H), run["l_phi"], run["l_shift"], run["l_zero"]
        lv, lse, ess, share, hits = _part_stats(log_pref, lphi)
        n_ess = samples
        ls, lsse = _mean_se_log(lshift)
        ls, lsse = ls + log_pref, lsse + log_pref
        l0, l0se = _mean_se_log(lzero)
        l0, l0se = l0 + log_pref, l0se + log_pref
        ratio, ratio_se = _ratio_log(lphi, lzero)
        desc = (f"{method}: Monte Carlo, {samples} samples, seed {seed}, {s_nodes} nodes in s "
                f"({hits} samples contribute, effective sample size {ess:.0f})")
    return _finish(N, H, c, u, k, seed, samples, s_nodes, method, lv, lse, ls, lsse, l0, l0se,
                   ratio, ratio_se, ess, share, hits, desc, n_ess)


def _finish(N, H, c, u, k, seed, samples, s_nodes, method, lv, lse, ls, lsse, l0, l0se,
            ratio, ratio_se, ess, share, hits, desc, n_ess) -> KacRiceResult:
    """Assemble the result; flag heavy-tailed weights and replace an empty sample by a bound."""
    warning = ""
    upper = math.inf
    if hits == 0:
        warning = "no sample reached this index and level: the estimate is 0 but the count is not known to vanish"
        if k is not None:
            tot = expected_critical_points_phi(N, H, c[1:], u, None, samples=samples, seed=seed, method="auto",
                                               s_nodes=s_nodes, phi0_k=None)
            if tot.reliable:
                upper = tot.value + 3.0 * tot.stderr
                warning += f"; it is at most the count of all indices, {upper:.3g} (estimate + 3 standard errors)"
    elif ess < max(_ESS_MIN, _ESS_FRACTION * n_ess) or share > _MAX_SHARE:
        warning = (f"heavy-tailed weights: effective sample size {ess:.0f} of {n_ess}, largest sample "
                   f"{100 * share:.0f} % of the sum; the standard error is not trustworthy")
    reliable = not warning
    stderr = _exp(lse) if hits else math.nan
    return KacRiceResult(
        value=_exp(lv),
        stderr=stderr,
        log_value=lv,
        ratio_to_phi0=ratio,
        ratio_stderr=ratio_se if hits else math.nan,
        phi0_value=_exp(l0),
        phi0_stderr=_exp(l0se),
        shifted_value=_exp(ls),
        shifted_stderr=_exp(lsse),
        method=desc,
        ess=float(ess),
        reliable=reliable,
        warning=warning,
        upper_bound=upper,
    )


def _exp(x: float) -> float:
    if x == -math.inf:
        return 0.0
    return math.exp(x) if x < 709.0 else math.inf


def _exact_n1(c: np.ndarray, u: float, kref) -> KacRiceResult:
    """``N = 1``: the sphere is ``{±1}``, ``s = w``, both points are minima."""
    vals = [float(ndtr(u - npoly.polyval(sv, c))) if math.isfinite(u) else 1.0 for sv in (1.0, -1.0)]
    v = sum(vals)
    ref = 2.0 * (float(ndtr(u)) if math.isfinite(u) else 1.0)
    return KacRiceResult(
        value=v, stderr=0.0, log_value=math.log(v) if v > 0 else -math.inf,
        ratio_to_phi0=v / ref if ref > 0 else math.nan, ratio_stderr=0.0,
        phi0_value=ref, phi0_stderr=0.0, shifted_value=0.0, shifted_stderr=0.0,
        method="exact: N = 1, two points with s = ±1, Phi(u - phi(s))",
    )


def _quadrature_n2(H: int, c: np.ndarray, u: float, k, kref) -> KacRiceResult:
    nz = _N2_Z_NODES
    fine = _profile_rule(2, H, c, u, _DEFAULT_S_NODES, k, 16)
    coarse = _profile_rule(2, H, c, u, _DEFAULT_S_NODES, k, 8)
    v, sh = _n2_integrals(H, c, u, k, fine, nz)
    v2, sh2 = _n2_integrals(H, c, u, k, coarse, nz // 2)
    zero = np.zeros_like(c)
    fine0 = _profile_rule(2, H, zero, u, _DEFAULT_S_NODES, kref, 16)
    coarse0 = _profile_rule(2, H, zero, u, _DEFAULT_S_NODES, kref, 8)
    r0, _ = _n2_integrals(H, zero, u, kref, fine0, nz)
    r02, _ = _n2_integrals(H, zero, u, kref, coarse0, nz // 2)
    ns = fine[0].size
    err, err0 = abs(v - v2), abs(r0 - r02)
    ratio = v / r0 if r0 > 0 else math.nan
    ratio_err = abs(ratio) * (err / v + err0 / r0) if v > 0 and r0 > 0 else 0.0
    return KacRiceResult(
        value=v, stderr=err, log_value=math.log(v) if v > 0 else -math.inf,
        ratio_to_phi0=ratio, ratio_stderr=ratio_err, phi0_value=r0, phi0_stderr=err0,
        shifted_value=sh, shifted_stderr=abs(sh - sh2),
        method=(f"quadrature: N = 2 deterministic ({ns} profile-guided Gauss–Legendre nodes in s, {nz} Gauss–Legendre "
                "nodes in R, closed-form GOE_1 moments); stderr = difference to 8-node panels and half the R nodes"),
    )


# -------------------------------------------------------------------------- theory §5.5


def _stieltjes(y):
    r"""Semicircle Stieltjes transform below the bulk (theory §5.5).

    :math:`g(y) = \int \rho_{sc}(\lambda)/(\lambda - y)\,d\lambda = -y - \sqrt{y^2 - 2}` for
    :math:`y \le -\sqrt2`, evaluated as :math:`2/(-y + \sqrt{y^2-2})` (no cancellation).
    """
    y = np.asarray(y, dtype=float)
    return 2.0 / (-y + np.sqrt(np.maximum(y * y - 2.0, 0.0)))


def _theta0_prime(u: np.ndarray, H: int) -> np.ndarray:
    r"""Slope of the index-0 complexity below the threshold (theory §3).

    :math:`\Theta_{0,H}'(u) = -\frac{(H-2)u}{2(H-1)} + \frac{2\sqrt{u^2-E_\infty^2}}{E_\infty^2}`,
    using :math:`I_1'(u) = -2\sqrt{u^2-E_\infty^2}/E_\infty^2`.
    """
    E2 = 4.0 * (H - 1.0) / H
    return -(H - 2.0) * u / (2.0 * (H - 1.0)) + 2.0 * np.sqrt(np.maximum(u * u - E2, 0.0)) / E2


def _exponent_coeffs(u: np.ndarray, H: int, c: np.ndarray):
    r"""Coefficients (ascending, one row per ``u``) of :math:`A(s)` and of the spike :math:`1 + \theta(s) g`."""
    a = math.sqrt(2.0 * H * (H - 1.0))
    x = _SQRT2 * u / e_inf(H)
    g = _stieltjes(x)
    tp = _theta0_prime(u, H)
    d1 = npoly.polyder(c)
    d2 = npoly.polyder(c, 2) if c.size > 2 else np.zeros(1)
    sq = npoly.polymul(d1, d1)
    sd = npoly.polymulx(d1)
    L = max(sq.size, c.size, sd.size, 3)
    A = np.zeros((u.size, L))
    A[:, : sq.size] -= sq / (2.0 * H)
    A[:, : c.size] -= tp[:, None] * c
    A[:, : sd.size] -= (g / a)[:, None] * sd
    spike = (g / a)[:, None] * d2[None, :]
    spike[:, 0] += 1.0
    return A, spike


def _prepare(u, H, coeffs):
    H = int_param(H, "H", 2, None, "depth")
    c = _check_coeffs(coeffs, H)
    uu = _check_u(u)
    return H, c, uu


def modulation_s2_coefficient(u, H: int, coeffs) -> np.ndarray:
    r"""The :math:`s^2` coefficient of the exponent :math:`A(s)` of theory §5.5, vectorised over ``u``.

    .. math::

        A(s) = -\frac{\varphi'(s)^2}{2H} - \Theta_{0,H}'(u)\,\varphi(s)
               - \frac{g(x_u)\,s\varphi'(s)}{\sqrt{2H(H-1)}},

    so for :math:`\varphi = \kappa_1 s + \kappa_2 s^2` (and generally) the coefficient is
    :math:`-2\kappa_2^2/H - \kappa_2(\Theta'_{0,H}(u) + 2g(x_u)/\sqrt{2H(H-1)})`.  ``nan`` for
    ``u >= -E_inf(H)``.

    >>> round(float(modulation_s2_coefficient(-1.7, 3, [0.5, -0.9])), 2)  # theory §5.5 example
    0.71
    """
    H, c, uu = _prepare(u, H, coeffs)
    flat = uu.ravel()
    A, _ = _exponent_coeffs(flat, H, c)
    out = np.where(flat < -e_inf(H), A[:, 2], np.nan)
    return out.reshape(uu.shape)


def modulation_diverges(u, H: int, coeffs) -> np.ndarray:
    r"""Where the Gaussian average of theory §5.5 diverges (boolean array shaped like ``u``).

    :math:`\int e^{A(s) - s^2/2}\,ds` converges unless :math:`\varphi` is exactly quadratic
    (degree 2) and the :math:`s^2` coefficient of :math:`A` (:func:`modulation_s2_coefficient`)
    is at least 1/2.  For degree :math:`\ge 3` the term :math:`-\varphi'^2/(2H)` of degree
    :math:`2d - 2 > d` dominates; for degree :math:`\le 1`, :math:`A` is linear.  Always ``False``
    for ``u >= -E_inf(H)`` (outside §5.5 altogether; see :func:`modulation_domain`).

    In the divergent regime the §5.4 ratio to the :math:`\varphi \equiv 0` count grows
    exponentially with N: the activation changes the leading-order complexity (theory §5.5–§5.6).

    >>> bool(modulation_diverges(-1.7, 3, [0.5, -0.9])), bool(modulation_diverges(-1.7, 3, [0.0, 0.8]))
    (True, False)
    """
    H, c, uu = _prepare(u, H, coeffs)
    if _degree(c) != 2:
        return np.zeros(uu.shape, dtype=bool)
    c2 = modulation_s2_coefficient(uu, H, c[1:])
    with np.errstate(invalid="ignore"):
        return np.asarray(c2 >= 0.5)


def pole_minima_below(u, H: int, coeffs) -> np.ndarray:
    r"""Whether critical points near the poles :math:`s = \pm\sqrt N` lie below ``Nu`` (theory §5.4–§5.6).

    As :math:`N \to \infty`, for the level ``u``.

    At the poles :math:`w = \pm\mathbf 1` the tangential gradient of :math:`\varphi(s)` vanishes and
    its Riemannian Hessian is :math:`-(s\varphi'(s)/N) I`, so ``L`` has critical points there with
    loss per weight :math:`\varphi(\pm\sqrt N)/N + O(N^{-1/2})`.  For :math:`\deg\varphi = d \ge 3` this
    tends to :math:`-\infty` at one pole (``d`` odd) or at both (``d`` even, :math:`\kappa_d < 0`), where
    the Hessian term :math:`-s\varphi'/N \to +\infty` makes them minima: about one minimum per such
    pole lies below ``Nu`` for every ``u``.  For ``d = 2`` the pole level tends to :math:`\kappa_2` and
    the flag is :math:`\kappa_2 < u`; for ``d <= 1`` it tends to 0 and is never below ``u < 0``.
    Boolean array shaped like ``u``.

    >>> pole_minima_below([-1.9, -1.7], 4, [0.2, -1.0, 0.5]).tolist(), bool(pole_minima_below(-1.7, 3, [0.0, -2.5]))
    ([True, True], True)
    """
    H, c, uu = _prepare(u, H, coeffs)
    d = _degree(c)
    if d >= 3:
        flag = d % 2 == 1 or c[d] < 0.0
        return np.full(uu.shape, flag, dtype=bool)
    if d == 2:
        return uu > c[2]
    return np.zeros(uu.shape, dtype=bool)


#: Largest |s| at which the §5.5 integrand may peak for K to count as an s = O(1) quantity.
PEAK_S_MAX = 4.0


def modulation_peak(u, H: int, coeffs) -> np.ndarray:
    r"""Overlap :math:`s^*` at which the integrand of theory §5.5 peaks, vectorised over ``u``.

    :math:`s^* = \arg\max_s\,[A(s) - s^2/2]` over real ``s`` (the spike factor, a polynomial
    of degree at most H - 3, does not move it at the exponential scale).  §5.5 is an expansion
    for overlaps :math:`s = O(1)`.  For :math:`\varphi = \kappa_3 s^3` the exponent is
    :math:`-\kappa_3^{-2} q(\kappa_3 s)` with a quartic ``q`` that dips below zero once
    :math:`b^2 > 9/H` (:math:`b = \Theta'_{0,H} + 3g/\sqrt{2H(H-1)}`); the average is then
    dominated by :math:`s^* \sim 1/\kappa_3`, which grows without bound as
    :math:`\kappa_3 \to 0`, so :math:`K_0` does not tend to 1 as the activation term is
    switched off.  Those are critical points at a large overlap with the all-ones direction,
    the regime of §5.6 rather than §5.5.  :func:`modulation_domain` excludes
    :math:`|s^*| > ` :data:`PEAK_S_MAX`.  ``nan`` for ``u >= -E_inf``, ``inf`` where the
    exponent is unbounded (the divergent regime).

    >>> round(float(modulation_peak(-1.7, 3, [0.6, 0.0])), 3)
    -0.652
    >>> bool(abs(modulation_peak(-1.78, 4, [0.0, 0.0, 0.05])) > PEAK_S_MAX)
    True
    """
    H, c, uu = _prepare(u, H, coeffs)
    flat = uu.ravel()
    out = np.full(flat.shape, np.nan)
    below = flat < -e_inf(H)
    if np.any(below):
        A, _ = _exponent_coeffs(flat[below], H, c)
        P = A.copy()
        P[:, 2] -= 0.5
        deg = P.shape[1] - 1
        while deg > 0 and np.all(P[:, deg] == 0.0):
            deg -= 1
        P = P[:, : deg + 1]
        if deg <= 1:  # linear exponent: unbounded unless constant
            out[below] = np.where(P[:, 1] == 0.0, 0.0, np.inf) if deg == 1 else 0.0
        else:
            crit = _batched_real_roots(P[:, 1:] * np.arange(1, deg + 1))
            with np.errstate(invalid="ignore", over="ignore"):
                val = np.where(np.isfinite(crit), _rows_polyval(P, np.nan_to_num(crit)), -np.inf)
            unbounded = P[:, deg] > 0.0 if deg % 2 == 0 else P[:, deg] != 0.0
            best = np.take_along_axis(crit, np.argmax(val, axis=1)[:, None], axis=1)[:, 0]
            out[below] = np.where(unbounded | ~np.isfinite(best), np.inf, best)
    return out.reshape(uu.shape)


def modulation_domain(u, H: int, coeffs, k: int = 0) -> np.ndarray:
    r"""Where :math:`K_k(u)` describes the ratio of the counts (theory §5.5, "Domain of validity").

    True where ``u < -E_inf(H)``, the Gaussian average converges
    (:func:`modulation_diverges`), its integrand peaks at an overlap :math:`|s^*| \le`
    :data:`PEAK_S_MAX` (:func:`modulation_peak`), and, for ``k = 0``, not both :math:`u < -E_0(H)` and
    :func:`pole_minima_below`: below the ground state :math:`-E_0` the :math:`\varphi \equiv 0`
    count of minima vanishes like :math:`e^{N\Theta_{0,H}(u)}` while the minima near a pole stay
    :math:`O(1)`, so the ratio grows without bound although :math:`K_0` is finite (it still
    describes the minima at overlap :math:`s = O(1)`).  Boolean array shaped like ``u``; the UI
    masks the rest.

    >>> modulation_domain([-1.7, -1.0], 3, [0.6, 0.0]).tolist()
    [True, False]
    >>> modulation_domain([-1.9, -1.76], 4, [0.2, -1.0, 0.5]).tolist()  # -E_0(4) = -1.794
    [False, True]
    """
    H, c, uu = _prepare(u, H, coeffs)
    if isinstance(k, bool) or k not in (0, 1):
        raise ValueError(f"k (Hessian index) must be 0 or 1, got {k!r}")
    ok, _ = _domain_and_log(uu.ravel(), H, c, k)
    return ok.reshape(uu.shape)


def _batched_real_roots(coef: np.ndarray) -> np.ndarray:
    """Real roots of many polynomials (rows, ascending coefficients, nonzero leading term).

    Degree 1 and 2 in closed form, higher degrees from companion-matrix eigenvalues (accurate
    to about 1e-14 relative for the low degrees used here); complex roots become ``nan``.
    """
    m = coef.shape[1] - 1
    if m < 1:
        return np.empty((coef.shape[0], 0))
    if m == 1:
        return (-coef[:, 0] / coef[:, 1])[:, None]
    if m == 2:
        a, b, c = coef[:, 2], coef[:, 1], coef[:, 0]
        disc = b * b - 4.0 * a * c
        with np.errstate(invalid="ignore", divide="ignore"):
            q = -0.5 * (b + np.copysign(np.sqrt(disc), b))
            out = np.stack([q / a, c / q], axis=1)
        return np.where((disc >= 0.0)[:, None], out, np.nan)
    comp = np.zeros((coef.shape[0], m, m))
    comp[:, np.arange(1, m), np.arange(m - 1)] = 1.0
    comp[:, :, -1] = -coef[:, :-1] / coef[:, -1:]
    z = np.linalg.eigvals(comp)
    real = np.abs(z.imag) <= 1e-6 * (1.0 + np.abs(z.real))
    return np.where(real, z.real, np.nan)


def _rows_polyval(coef: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Row-wise Horner: ``coef`` (rows, m+1), ``x`` (rows, ...)."""
    extra = (1,) * (x.ndim - 1)
    out = np.broadcast_to(coef[:, -1].reshape(-1, *extra), x.shape).copy()
    for j in range(coef.shape[1] - 2, -1, -1):
        out = out * x + coef[:, j].reshape(-1, *extra)
    return out


def _numeric_average(A: np.ndarray, spike: np.ndarray, k: int) -> np.ndarray:
    r""":math:`E_s[e^{A(s)} |1+\theta g|\,\mathbb 1\{\pm(1+\theta g) > 0\}]` by panel Gauss–Legendre.

    ``P(s) = A(s) - s^2/2`` is a polynomial with negative leading term.  Panels break at the
    real critical points of ``P``, at the kinks (real roots of the spike) and at the two points
    where ``P`` falls :math:`60` nats below its maximum.
    """
    P = A.copy()
    P[:, 2] -= 0.5
    deg = P.shape[1] - 1
    while deg > 0 and np.all(P[:, deg] == 0.0):
        deg -= 1
    P = P[:, : deg + 1]
    dP = P[:, 1:] * np.arange(1, deg + 1)
    crit = _batched_real_roots(dP)
    with np.errstate(invalid="ignore"):
        pc = np.where(np.isfinite(crit), _rows_polyval(P, np.nan_to_num(crit)), -np.inf)
    pmax = np.max(pc, axis=1)
    low = P.copy()
    low[:, 0] -= pmax - _MOD_MARGIN
    ends = _batched_real_roots(low)
    lo = np.nanmin(ends, axis=1)
    hi = np.nanmax(ends, axis=1)
    sdeg = spike.shape[1] - 1
    while sdeg > 0 and np.all(spike[:, sdeg] == 0.0):
        sdeg -= 1
    kinks = _batched_real_roots(spike[:, : sdeg + 1]) if sdeg >= 1 else np.empty((P.shape[0], 0))
    inner = np.concatenate([crit, kinks], axis=1)
    inside = (inner > lo[:, None]) & (inner < hi[:, None])
    inner = np.where(inside, inner, hi[:, None])
    br = np.sort(np.concatenate([lo[:, None], inner, hi[:, None]], axis=1), axis=1)
    left, right = br[:, :-1], br[:, 1:]
    gx, gw = _leggauss(_MOD_PANEL_NODES)
    half = 0.5 * (right - left)
    s = (0.5 * (left + right))[:, :, None] + half[:, :, None] * gx
    val = _rows_polyval(P, s) - pmax[:, None, None]
    sp = _rows_polyval(spike[:, : sdeg + 1], s)
    factor = np.maximum(sp, 0.0) if k == 0 else np.maximum(-sp, 0.0)
    total = np.sum(half[:, :, None] * gw * np.exp(val) * factor, axis=(1, 2))
    with np.errstate(over="ignore", divide="ignore"):
        return pmax + np.log(total) - _LOG_SQRT_2PI


def _log_modulation(flat: np.ndarray, H: int, c: np.ndarray, k: int) -> np.ndarray:
    r""":math:`\log K_k(u)` (theory §5.5) where the average converges; ``-inf`` where :math:`K_k = 0`."""
    A, spike = _exponent_coeffs(flat, H, c)
    if _degree(c) <= 2:
        a0, a1, a2 = A[:, 0], A[:, 1], A[:, 2]
        den = 1.0 - 2.0 * a2
        sp = spike[:, 0]
        factor = np.maximum(sp, 0.0) if k == 0 else np.maximum(-sp, 0.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            return a0 + a1 * a1 / (2.0 * den) - 0.5 * np.log(den) + np.log(factor)
    return _numeric_average(A, spike, k)


#: Largest :math:`\log K` returned by :func:`modulation_factor` (beyond it K overflows a double).
_LOG_K_MAX = 700.0


def modulation_factor(u, H: int, coeffs, k: int = 0) -> np.ndarray:
    r"""Large-N modulation :math:`K_k(u)` of the counts below ``Nu`` by the activation (theory §5.5).

    For :math:`u < -E_\infty`, :math:`x_u = \sqrt2 u/E_\infty`,
    :math:`g = -x_u - \sqrt{x_u^2-2}`, :math:`\theta(s) = \varphi''(s)/\sqrt{2H(H-1)}`,
    :math:`A(s)` as in :func:`modulation_s2_coefficient` and :math:`s \sim N(0,1)`:

    .. math::

        K_0(u) = E_s\bigl[e^{A(s)}\,(1 + \theta(s) g)_+\bigr], \qquad
        K_1(u) = E_s\bigl[e^{A(s)}\,(1 + \theta(s) g)_-\bigr],

    and, as :math:`N \to \infty`,

    .. math::

        E\,\mathrm{Crt}^{\varphi}_{N,0}(L \le Nu) \sim K_0(u)\,E\,\mathrm{Crt}_{N,0}(L \le Nu),\qquad
        E\,\mathrm{Crt}^{\varphi}_{N,1}(L \le Nu) = K_1(u)\,E\,\mathrm{Crt}_{N,0}(L \le Nu)\,(1 + o(1))
            + O\bigl(E\,\mathrm{Crt}_{N,1}(L \le Nu)\bigr).

    Both are normalised by the :math:`\varphi \equiv 0` count of **minima**: :math:`K_1` is the
    number of index-1 saddles made from minima whose spike :math:`1 + \theta g` crossed zero
    (per :math:`\varphi \equiv 0` minimum); the index-1 saddles of ``R`` itself are
    :math:`e^{-N I_1(u)}` fewer and are not included.  The finite-N ratio
    (:func:`expected_critical_points_phi` with ``phi0_k=0``) approaches :math:`K_k` with
    corrections :math:`O(1/N)` and, for :math:`\varphi'' > 0`, a term
    :math:`\propto e^{-N I_1(u)}` (index-1 points of ``R`` turned into minima).  Close to the
    threshold the :math:`1/N` regime starts late (the outlier is within :math:`N^{-2/3}` of the
    edge for moderate N).  :math:`K_0` describes the minima at overlap :math:`s = O(1)`; minima
    near the poles :math:`s = \pm\sqrt N` (:func:`pole_minima_below`) add :math:`O(1)` to the count,
    which dominates below the ground state :math:`-E_0` where the :math:`\varphi \equiv 0` count
    vanishes: :func:`modulation_domain` (``k=0``) is False there.

    Numerics: closed form for :math:`\deg\varphi \le 2`
    (:math:`A = a_0 + a_1 s + a_2 s^2`, :math:`E e^{A} = e^{a_0 + a_1^2/(2(1-2a_2))}/\sqrt{1-2a_2}`,
    constant spike); otherwise Gauss–Legendre panels split at the kinks of the spike and at the
    critical points of :math:`A(s) - s^2/2` (:func:`_numeric_average`).

    Parameters
    ----------
    u : array_like
        Loss per weight, every entry ``< -E_inf(H)``.
    H : int
        Depth, ``H >= 2``.
    coeffs : sequence of float
        :math:`[\kappa_1, \dots, \kappa_{H-1}]` (at most ``H - 1`` numbers, zero-padded).
    k : {0, 1}
        Index.

    Returns
    -------
    numpy.ndarray
        :math:`K_k(u)`, shaped like ``u``.

    Raises
    ------
    OutsideDomainError
        (a ``ValueError``) if some ``u >= -E_inf(H)`` or the average diverges there
        (:func:`modulation_domain` is ``False``).
    ValueError
        For malformed ``H``, ``coeffs``, ``k`` or non-finite ``u``.

    Examples
    --------
    >>> [round(float(v), 4) for v in modulation_factor([-1.7], 3, [0.6, 0.0])]  # theory §5.5: 1.165
    [1.1646]
    >>> round(float(modulation_factor(-1.7, 3, [0.0, 0.8])), 4)  # theory §5.5: 0.738
    0.7379
    """
    H, c, uu = _prepare(u, H, coeffs)
    if isinstance(k, bool) or k not in (0, 1):
        raise ValueError(f"k (Hessian index) must be 0 or 1, got {k!r}")
    flat = uu.ravel()
    ok, logk = _domain_and_log(flat, H, c, k)
    if not np.all(ok):
        i = int(np.flatnonzero(~ok)[0])
        raise OutsideDomainError(_outside_reason(float(flat[i]), H, c, k, float(logk[i])))
    return np.exp(logk).reshape(uu.shape)


def _domain_and_log(flat: np.ndarray, H: int, c: np.ndarray, k: int):
    """:func:`modulation_domain` on a flat grid, and log K where it holds (nan elsewhere)."""
    ok = (flat < -e_inf(H)) & ~modulation_diverges(flat, H, c[1:])
    with np.errstate(invalid="ignore"):
        ok &= np.abs(modulation_peak(flat, H, c[1:])) <= PEAK_S_MAX
    if k == 0:
        e0 = float(ground_state_energies(H, 0)[0])
        ok &= ~((flat < -e0) & pole_minima_below(flat, H, c[1:]))
    logk = np.full(flat.shape, np.nan)
    if np.any(ok):
        logk[ok] = _log_modulation(flat[ok], H, c, k)
        ok &= ~(logk > _LOG_K_MAX) & ~np.isnan(logk)
    return ok, logk


def _outside_reason(u: float, H: int, c: np.ndarray, k: int, logk: float) -> str:
    """Why theory §5.5 does not give K at ``u`` (a sentence for :class:`OutsideDomainError`)."""
    einf = e_inf(H)
    if not u < -einf:
        return (f"u (loss per weight) must be below -E_inf(H) = {-einf:.6g} for the large-N modulation "
                f"(theory §5.5), got {u:.6g}")
    if bool(modulation_diverges(u, H, c[1:])):
        c2 = float(modulation_s2_coefficient(u, H, c[1:]))
        return (f"the Gaussian average of theory §5.5 diverges at u = {u:.6g}: the s^2 coefficient "
                f"of A(s) is {c2:.4g} >= 1/2 (quadratic phi); the dominant critical points sit at "
                "macroscopic overlap and the activation changes the leading-order complexity")
    peak = float(modulation_peak(u, H, c[1:]))
    if not abs(peak) <= PEAK_S_MAX:
        return (f"at u = {u:.6g} the average of theory §5.5 peaks at overlap s* = {peak:.3g}, beyond "
                f"|s| <= {PEAK_S_MAX:g} where the expansion in s = O(1) holds: the critical points sit at "
                "large overlap with the all-ones direction (theory §5.6)")
    e0 = float(ground_state_energies(H, 0)[0])
    if k == 0 and u < -e0 and bool(pole_minima_below(u, H, c[1:])):
        return (f"u = {u:.6g} lies below the ground state -E_0(H) = {-e0:.6g} and the minima near a pole "
                "s = ±sqrt(N) lie below Nu: the count is O(1) there and its ratio to the phi = 0 count "
                "grows without bound (theory §5.4–§5.6)")
    return (f"K_{k}(u) at u = {u:.6g} is about e^{logk:.4g}, beyond double precision: the activation "
            "term dominates the spin-glass count there")
