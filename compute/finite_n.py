r"""Exact expected numbers of critical points at finite N (theory §4).

Auffinger, Ben Arous & Černý (CPAM 2013, arXiv:1003.1129, Theorem 2.5 and eq. (2.13))
reduce, by the Kac–Rice formula, the expected number of critical points of the
spherical H-spin glass with loss per weight at most ``u_max`` to a GOE expectation.
With :math:`\lambda_k` the (k+1)-th smallest eigenvalue of ``GOE_N`` (theory §2),
:math:`c_H = \sqrt{H/(2(H-1))}` and :math:`B = (-\infty, u_{\max}]`,

.. math::

    E\,\mathrm{Crt}_{N,k}(B) = 2\sqrt{2/H}\,(H-1)^{N/2}\,
        E\Bigl[e^{-N(H-2)\lambda_k^2/(2H)}\,\mathbb 1\{\lambda_k \le c_H u_{\max}\}\Bigr],

    E\,\mathrm{Crt}_{N}(B) = 2N\sqrt{2/H}\,(H-1)^{N/2}
        \int_{-\infty}^{c_H u_{\max}} e^{-N(H-2)x^2/(2H)}\rho_N(x)\,dx .

With :math:`t = \sqrt N x` and the unit-scale one-point function :math:`R_1`
(:func:`compute.goe.log_goe_one_point`, :math:`\int R_1 = N`) the total becomes

.. math::

    E\,\mathrm{Crt}_N(B) = 2\sqrt{2/H}\,(H-1)^{N/2}\int_{-\infty}^{X}
        e^{-a t^2} R_1(t)\,dt, \qquad a = \frac{H-2}{2H},\quad
        X = \sqrt N\, c_H\, u_{\max}.

Methods

* Total count (``k=None``): deterministic.  :math:`R_1` is even, so the integral is
  taken over :math:`t \le 0` only (for ``X >= 0`` it is
  :math:`\int_{-\infty}^0 + \int_{-X}^0`).  The window is where the integrand lies
  within 45 nats of its maximum, bounded by the Gaussian weight
  (:math:`t^2 \le \min(X,0)^2 + 45/a`) and by the Airy decay of the spectral edge
  (:math:`-\sqrt{2N} - s\,N^{-1/6}/\sqrt2` with
  :math:`s^{3/2} = s_X^{3/2} + 67.5`; beyond the edge the true decay is faster).
  It is covered by Gauss–Legendre panels of 32 nodes spanning at most 12 mean
  eigenvalue spacings :math:`\pi/\sqrt{2N}` (and at most 1.5), summed in log space.
  Measured accuracy: relative error below 1e-12 for ``N <= 1000`` (tests compare
  with 40-digit mpmath at small N and exact identities at large N).
* Index ``k``: exact where possible — ``N = 1`` (the total), ``H = 2`` with
  ``u_max = inf`` (exactly 2: the weight and the indicator are 1), ``N = 2`` (the
  eigenvalues of ``GOE_2`` have closed-form marginal densities, integrated by
  quadrature).  Otherwise seeded Monte Carlo with the tridiagonal model of
  ``GOE_N`` (:func:`compute.goe.tridiagonal_goe`, eigenvalues by Sturm bisection),
  offered for ``N <= 200``:

  - plain: the prefactor times the sample mean of
    :math:`w = e^{-N(H-2)\lambda_k^2/(2H)}\mathbb 1\{\lambda_k \le c_H u_{\max}\}`;
  - index 0 below the bulk (when the expected number of eigenvalues below
    :math:`c_H u_{\max}` is at most 1): the exact total minus the sampled
    contribution of the higher indices,
    :math:`\sum_{j\ge1} w(\lambda_j)\mathbb 1\{\lambda_j \le c_H u_{\max}\}`, which
    is non-zero only for matrices with two or more eigenvalues below the level.  Far
    below the bulk this is a rare event and the estimate tends to the exact total,
    where plain sampling would see no minimum at all.

  ``stderr`` is the prefactor times the sample standard deviation of the sampled
  quantity over :math:`\sqrt{\text{samples}}` (one standard error; both estimators
  are unbiased).  It is 0 when no sample contributes: for the plain estimator the
  value is then 0 (the level is out of reach of the sample), for the index-0
  difference the neglected higher-index part is then rarer than about
  1/samples per matrix.

Not used: importance sampling by shifting the first diagonal entry of the
tridiagonal matrix (a rank-one perturbation whose BBP outlier sits at the target
level).  Placing the outlier at :math:`x < -\sqrt2` that way costs
:math:`N m^2/2` with :math:`m + 1/(2m) = x` (e.g. 0.69 N at x = -1.6), far more than
the large-deviation rate :math:`N\int_{\sqrt2}^{|x|}\sqrt{y^2-2}\,dy` of the smallest
eigenvalue (0.092 N at x = -1.6), so its likelihood ratios would be exponentially
small on typical proposals and the estimator would degrade with N.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.special import erfc, erfcx, logsumexp

from compute.goe import (
    MAX_N,
    _log_r1_nonpositive,
    count_eigenvalues_below,
    kth_smallest_eigenvalue,
    tridiagonal_goe,
)
from compute.validation import int_param, level_array, level_param

__all__ = [
    "CountResult",
    "expected_critical_points",
    "log_expected_total_count",
    "index_counts",
    "index_plan",
    "index_unit",
    "MC_BLOCK",
    "MAX_N",
    "MAX_N_INDEX",
]

#: Largest N for which index-k counts are estimated by Monte Carlo.
MAX_N_INDEX = 200
#: Largest number of Monte Carlo samples accepted.
MAX_SAMPLES = 10_000_000

_MARGIN = 45.0  # nats below the maximum of the integrand kept in the window
_PANEL_SPACINGS = 12.0  # panel width in mean eigenvalue spacings pi / sqrt(2N)
_PANEL_MAX_WIDTH = 1.5
_PANEL_NODES = 32
_GL_X, _GL_W = np.polynomial.legendre.leggauss(_PANEL_NODES)
_LOG_MAX_FLOAT = math.log(np.finfo(float).max)
#: Matrices per unit of a Monte Carlo index count (:func:`index_plan`): part of the
#: estimator's definition (a result depends on (settings, seed) and this constant only).
MC_BLOCK = 500
# Index 0 uses the control variate "total minus higher indices" when the expected
# number of eigenvalues below the level is at most this (measured crossover ~1).
_DIFFERENCE_BELOW = 1.0


@dataclass(frozen=True)
class CountResult:
    """An expected number of critical points with its uncertainty (theory §4).

    Attributes
    ----------
    value : float
        The expected count (``inf`` only if it overflows a float).
    stderr : float
        One standard error; ``0.0`` for deterministic methods.
    log_value : float
        Natural log of the expected count; finite whenever the count is positive,
        also when ``value`` over- or underflows.
    method : str
        How the number was obtained.
    reliable : bool
        False when no Monte Carlo sample reached the level: then ``value`` is 0, ``stderr`` is
        NaN and ``upper_bound`` holds a deterministic bound (never a silent 0 ± 0).
    warning : str
        Empty when ``reliable``; otherwise a sentence fit for the UI.
    upper_bound : float
        A deterministic upper bound on the count when no sample reached the level
        (:func:`_index_upper_bound`); ``inf`` otherwise.
    """

    value: float
    stderr: float
    log_value: float
    method: str
    reliable: bool = True
    warning: str = ""
    upper_bound: float = math.inf


# ----------------------------------------------------------------------------- input

def _log_prefactor(N: int, H: int) -> float:
    r""":math:`\log\bigl(2\sqrt{2/H}\,(H-1)^{N/2}\bigr)`."""
    return math.log(2.0) + 0.5 * math.log(2.0 / H) + 0.5 * N * math.log(H - 1.0)


def _result(log_value: float, log_stderr: float, method: str) -> CountResult:
    value = math.exp(log_value) if log_value < _LOG_MAX_FLOAT else math.inf
    stderr = math.exp(log_stderr) if log_stderr < _LOG_MAX_FLOAT else math.inf
    return CountResult(value=value, stderr=stderr, log_value=log_value, method=method)


# --------------------------------------------------------------- quadrature helpers

def _panel_nodes(breaks: np.ndarray, max_width: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gauss–Legendre nodes on panels subdividing consecutive ``breaks``.

    Returns nodes, log-weights and, for each node, the index of the interval
    ``[breaks[i], breaks[i+1]]`` it belongs to.
    """
    lengths = np.diff(breaks)
    counts = np.maximum(1, np.ceil(lengths / max_width).astype(int))
    interval = np.repeat(np.arange(lengths.size), counts)
    offset = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    h = lengths[interval] / counts[interval]
    left = breaks[interval] + offset * h
    half = 0.5 * h
    nodes = (left + half)[:, None] + half[:, None] * _GL_X[None, :]
    logw = np.log(half)[:, None] + np.log(_GL_W)[None, :]
    return nodes.ravel(), logw.ravel(), np.repeat(interval, _PANEL_NODES)


def _window_bottom(N: int, a: float, top: float) -> float:
    """Left end of the window for a window whose right end is ``top <= 0``."""
    edge = math.sqrt(2.0 * N)
    sigma = N ** (-1.0 / 6.0) / math.sqrt(2.0)
    s_top = max(0.0, (-edge - top) / sigma)
    if s_top < 1e100:
        s_bottom = (s_top**1.5 + 1.5 * _MARGIN) ** (2.0 / 3.0)
    else:  # (s^1.5 + c)^(2/3) = s to double precision, and s^1.5 would overflow
        s_bottom = s_top
    bottom = -edge - s_bottom * sigma
    if a > 0.0:
        bottom = max(bottom, -math.sqrt(top * top + _MARGIN / a))
    return min(bottom, top)


def _log_weighted_integrals(N: int, H: int, X: np.ndarray) -> np.ndarray:
    r"""log of :math:`\int_{-\infty}^{X_j} e^{-a t^2} R_1(t)\,dt` for every entry of ``X``.

    One recurrence pass over the union of all nodes; intervals between the points
    ``min(X_j, 0)`` and ``-X_j`` are summed cumulatively in log space, so every
    result is a sum of positive terms (no cancellation).
    """
    a = (H - 2.0) / (2.0 * H)
    X = np.asarray(X, dtype=float)
    out = np.full(X.shape, -np.inf)
    live = X > -np.inf
    if not live.any():
        return out
    xs = X[live]
    tops = np.minimum(xs, 0.0)
    top = float(tops.max())
    bottom = min(_window_bottom(N, a, float(tp)) for tp in np.unique(tops))
    # Break points: window ends, each negative X, and -X for each positive X.
    cand = np.concatenate([xs[xs < 0.0], -xs[xs > 0.0]])
    cand = cand[(cand > bottom) & (cand < top)]
    breaks = np.unique(np.concatenate([[bottom, top], cand]))
    width = min(_PANEL_SPACINGS * math.pi / math.sqrt(2.0 * N), _PANEL_MAX_WIDTH)
    nodes, logw, interval = _panel_nodes(breaks, width)
    logf = _log_r1_nonpositive(nodes, N) - a * nodes * nodes + logw
    # log-integral over each interval [breaks[i], breaks[i+1]] (nodes are grouped by interval)
    starts = np.searchsorted(interval, np.arange(breaks.size - 1))
    peak = np.maximum.reduceat(logf, starts)
    scaled = np.exp(logf - peak[interval])
    per = peak + np.log(np.add.reduceat(scaled, starts))
    prefix = np.concatenate([[-np.inf], np.logaddexp.accumulate(per)])  # int_bottom^breaks[i]
    suffix = np.concatenate([np.logaddexp.accumulate(per[::-1])[::-1], [-np.inf]])  # int_breaks[i]^top
    # Every X < 0 and every -X in (bottom, 0) is a break point (X > bottom by construction).
    res = np.empty(xs.shape)
    neg = xs < 0.0
    res[neg] = prefix[np.searchsorted(breaks, xs[neg])]
    far = ~neg & (-xs <= bottom)
    res[far] = math.log(2.0) + prefix[-1]
    near = ~neg & ~far
    res[near] = np.logaddexp(prefix[-1], suffix[np.searchsorted(breaks, -xs[near])])
    out[live] = res
    return out


def log_expected_total_count(N: int, H: int, u_max) -> np.ndarray:
    r"""Natural log of :math:`E\,\mathrm{Crt}_N((-\infty, u_{\max}])` on a grid (theory §4).

    .. math::

        \log E\,\mathrm{Crt}_N = \log\bigl(2\sqrt{2/H}(H-1)^{N/2}\bigr)
          + \log\int_{-\infty}^{\sqrt N c_H u_{\max}} e^{-(H-2)t^2/(2H)} R_1(t)\,dt,

    vectorised over ``u_max`` (one recurrence pass for the whole grid; see the module
    docstring for the quadrature).  Deterministic; ``-inf`` for ``u_max = -inf``.

    Parameters
    ----------
    N : int
        Number of weights, ``1 <= N <= 100000``.
    H : int
        Depth, ``>= 2``.
    u_max : array_like
        Loss-per-weight levels (``+-inf`` allowed, not NaN).

    >>> np.round(np.exp(log_expected_total_count(1, 5, [0.0, np.inf])), 12)  # N = 1
    array([1., 2.])
    """
    N = int_param(N, "N", 1, MAX_N, "number of weights")
    H = int_param(H, "H", 2, None, "depth")
    u = level_array(u_max)
    c = math.sqrt(H / (2.0 * (H - 1.0)))
    with np.errstate(invalid="ignore", over="ignore"):
        X = math.sqrt(N) * c * u.ravel()
    return (_log_prefactor(N, H) + _log_weighted_integrals(N, H, X)).reshape(u.shape)


# ------------------------------------------------------------------ N = 2, index k

def _log_m(s: np.ndarray) -> np.ndarray:
    r"""log of :math:`m(s) = \int_0^\infty v e^{-s v - v^2/2} dv = 1 - s\sqrt{\pi/2}\,
    \mathrm{erfcx}(s/\sqrt2)` for ``s >= 0``.

    The closed form loses about ``s^2`` ulps; above ``s = 10`` the asymptotic series
    :math:`\sum_{j\ge1} (-1)^{j+1}(2j-1)!!/s^{2j}` is used (its smallest term at
    ``s = 10`` is far below 1e-17 relative).
    """
    s = np.asarray(s, dtype=float)
    out = np.empty_like(s)
    small = s <= 10.0
    ss = s[small]
    out[small] = np.log1p(-ss * math.sqrt(math.pi / 2.0) * erfcx(ss / math.sqrt(2.0)))
    sl = s[~small]
    if sl.size:
        inv = 1.0 / (sl * sl)
        term = inv.copy()
        acc = inv.copy()
        for j in range(2, 40):
            term = -term * (2 * j - 1) * inv
            acc += term
        out[~small] = np.log(acc)
    return out


def _log_rho_goe2(t: np.ndarray, k: int) -> np.ndarray:
    r"""log density of the (k+1)-th smallest eigenvalue of unit-scale ``GOE_2``.

    From the ordered joint density :math:`(t_1-t_0)e^{-(t_0^2+t_1^2)/2}/(2\sqrt\pi)`:

    .. math::

        \rho^{(0)}(t) = \frac{e^{-t^2/2}}{2\sqrt\pi}\Bigl(e^{-t^2/2}
            - t\sqrt{\pi/2}\,\mathrm{erfc}(t/\sqrt2)\Bigr), \qquad
        \rho^{(1)}(t) = \rho^{(0)}(-t).
    """
    t = np.asarray(t, dtype=float)
    s = t if k == 0 else -t
    logc = -math.log(2.0 * math.sqrt(math.pi))
    out = np.empty_like(s)
    neg = s <= 0.0
    sn = s[neg]
    with np.errstate(divide="ignore"):
        second = np.log(-sn * math.sqrt(math.pi / 2.0)) + np.log(erfc(sn / math.sqrt(2.0)))
    out[neg] = logc - 0.5 * sn * sn + np.logaddexp(-0.5 * sn * sn, second)
    sp = s[~neg]
    out[~neg] = logc - sp * sp + _log_m(sp)
    return out


def _log_index_goe2(H: int, X: float, k: int) -> float:
    r"""log of :math:`\int_{-\infty}^{X} e^{-a t^2}\rho^{(k)}(t)\,dt` for ``GOE_2``."""
    a = (H - 2.0) / (2.0 * H)
    if X == -math.inf:
        return -math.inf
    top = min(X, 14.0)
    bottom = -math.sqrt(min(top, 0.0) ** 2 + 2.0 * (_MARGIN + 5.0))
    breaks = np.array([bottom, top]) if top > bottom else np.array([top - 1.0, top])
    nodes, logw, _ = _panel_nodes(breaks, 0.5)
    return float(logsumexp(_log_rho_goe2(nodes, k) - a * nodes * nodes + logw))


# --------------------------------------------------------------- Monte Carlo, index k
#
# Seed-blocked (compute/executor.py): the matrices come in units of MC_BLOCK, unit i drawn
# from default_rng(SeedSequence(seed).spawn(n)[i]).  A plan estimates several (level, index)
# points on the same matrices (common random numbers, as separate calls with one seed
# always did), so a result depends only on (N, H, point, samples, seed), never on which
# other points share the plan, nor on the backend or the number of workers.


def _encode_level(u: float):
    """A level as a JSON value (``±inf`` as text)."""
    return float(u) if math.isfinite(u) else ("inf" if u > 0 else "-inf")


def _point_setup(N: int, H: int, u: float, k: int) -> tuple[bool, float]:
    """(difference estimator?, log of the exact total weight it subtracts from)."""
    c = math.sqrt(H / (2.0 * (H - 1.0)))
    X = math.sqrt(N) * c * u if math.isfinite(u) else u
    difference = k == 0 and _expected_eigenvalues_below(N, X) <= _DIFFERENCE_BELOW
    log_total = float(_log_weighted_integrals(N, H, np.array([X]))[0]) if difference else -math.inf
    return difference, log_total


def index_plan(N: int, H: int, points, samples: int, seed: int):
    """The Monte Carlo index counts at ``points`` = ``[(u, k), ...]`` as a
    :class:`compute.executor.Plan` of units of :data:`MC_BLOCK` matrices (theory §4).

    The arguments are assumed checked (:func:`index_counts` does it); every point must need
    Monte Carlo (``3 <= N <= MAX_N_INDEX``, not ``H = 2, u = inf``, ``u > -inf``).
    """
    from compute.executor import Plan, block_sizes  # noqa: PLC0415

    rows = []
    for u, k in points:
        difference, log_total = _point_setup(N, H, float(u), int(k))
        rows.append([_encode_level(float(u)), int(k), bool(difference), log_total])
    return Plan("finite_n_index", {"N": int(N), "H": int(H), "points": rows}, int(seed),
                block_sizes(int(samples), MC_BLOCK))


def index_unit(params, seed: int, seq: np.random.SeedSequence, size: int, progress=None) -> dict:
    r"""One unit of :func:`index_plan`: per-matrix logs of the index-k estimator (theory §4).

    ``size`` tridiagonal ``GOE_N`` matrices from ``default_rng(seq)``.  Plain points: the
    samples are :math:`\log w(\lambda_k)` where :math:`\lambda_k \le c_H u_{\max}`, else
    :math:`-\infty`, with :math:`w(\lambda) = e^{-N(H-2)\lambda^2/(2H)}`.  Difference points
    (``k = 0`` below the bulk): :math:`\log(Z/E\sum_j w(\lambda_j)1\{\cdot\})` with
    :math:`Z = \sum_{j\ge1} w(\lambda_j)\,1\{\lambda_j \le c_H u_{\max}\}` (only matrices with
    two or more eigenvalues below the level contribute).  Returns ``logs`` of shape
    ``(size, len(points))``.
    """
    N, H = int(params["N"]), int(params["H"])
    points = params["points"]
    a = (H - 2.0) / (2.0 * H)
    c = math.sqrt(H / (2.0 * (H - 1.0)))
    d, e = tridiagonal_goe(N, int(size), np.random.default_rng(seq))
    logs = np.full((int(size), len(points)), -np.inf)
    for j, (u, k, difference, log_total) in enumerate(points):
        level = c * float(u)
        if difference:
            rel = np.zeros(int(size))  # Z / E(total weight)
            if level > -math.inf:
                below = count_eigenvalues_below(d, e, level)
                for i in range(1, int(below.max(initial=0))):
                    rows = np.flatnonzero(below > i)
                    lam = kth_smallest_eigenvalue(d[rows], e[rows], i)
                    rel[rows] += np.exp(-N * a * lam * lam - float(log_total))
            with np.errstate(divide="ignore"):
                logs[:, j] = np.log(rel)
        else:
            lam = kth_smallest_eigenvalue(d, e, int(k))
            logs[:, j] = np.where(lam <= level, -N * a * lam * lam, -np.inf)
        if progress is not None:
            progress((j + 1) / len(points))
    return {"logs": logs}


def _index_statistics(logs: np.ndarray, difference: bool, log_total: float) -> tuple[float, float, int]:
    """(log mean, log std, non-zero samples) of one point's samples; see :func:`_index_monte_carlo`."""
    samples = logs.size
    hits = int(np.count_nonzero(logs > -np.inf))
    top = float(logs.max())
    if top == -math.inf:
        scaled = np.zeros(samples)
        top = 0.0
    else:
        scaled = np.exp(logs - top)
    mean = float(np.mean(scaled))
    std = float(np.std(scaled, ddof=1))
    log_std = top + math.log(std) if std > 0.0 else -math.inf
    if difference:
        rest = 1.0 - math.exp(top) * mean
        log_mean = log_total + math.log(rest) if rest > 0.0 else -math.inf
        return log_mean, log_total + log_std, hits
    log_mean = top + math.log(mean) if mean > 0.0 else -math.inf
    return log_mean, log_std, hits


def _index_monte_carlo(
    N: int, H: int, u_max: float, k: int, samples: int, seed: int, difference: bool = False
) -> tuple[float, float, int]:
    r"""Log of the mean and of the standard deviation of the index-k estimator (theory §4).

    Plain: the samples are :math:`w(\lambda_k)\,1\{\lambda_k \le c_H u_{\max}\}` with
    :math:`w(\lambda) = e^{-N(H-2)\lambda^2/(2H)}`.  ``difference=True`` (``k = 0``):
    the samples are :math:`Z = \sum_{j\ge1} w(\lambda_j)\,1\{\lambda_j \le c_H u_{\max}\}`
    (only matrices with two or more eigenvalues below the level contribute) and the
    estimate is :math:`E\sum_j w(\lambda_j)1\{\cdot\} - \bar Z`, the first term exact
    (:func:`_log_weighted_integrals`).  Everything is kept relative to a log scale, so
    deep levels do not underflow.  Returns (log mean, log std, number of non-zero
    samples); the log mean is ``-inf`` when the estimate is not positive.  The samples are
    those of :func:`index_plan` (units of :data:`MC_BLOCK` matrices), run in this process.
    """
    from compute.executor import LocalExecutor, Plan, block_sizes  # noqa: PLC0415

    log_total = -math.inf
    if difference:
        c = math.sqrt(H / (2.0 * (H - 1.0)))
        X = math.sqrt(N) * c * u_max if math.isfinite(u_max) else u_max
        log_total = float(_log_weighted_integrals(N, H, np.array([X]))[0])
    plan = Plan("finite_n_index",
                {"N": int(N), "H": int(H), "points": [[_encode_level(u_max), int(k), bool(difference), log_total]]},
                int(seed), block_sizes(int(samples), MC_BLOCK))
    logs = LocalExecutor(1).run(plan)["logs"][:, 0]
    return _index_statistics(logs, difference, log_total)


def _index_upper_bound(N: int, H: int, u: float, k: int) -> float:
    r"""Deterministic upper bound on :math:`E\,\mathrm{Crt}_{N,k}(u)` (theory §4).

    The smaller of the exact total count at the level and, for a level
    :math:`L = c_H u < 0`, the Markov bound: :math:`\lambda_k \le L` forces
    :math:`e^{-N(H-2)\lambda_k^2/(2H)} \le e^{-N(H-2)L^2/(2H)}` and
    :math:`P(\lambda_k \le L) \le E\#\{\lambda \le L\}/(k+1)`.
    """
    level = math.sqrt(H / (2.0 * (H - 1.0))) * u
    X = math.sqrt(N) * level if math.isfinite(level) else level
    log_pref = _log_prefactor(N, H)
    bound = log_pref + float(_log_weighted_integrals(N, H, np.array([X]))[0])
    if level < 0.0:
        a = (H - 2.0) / (2.0 * H)
        with np.errstate(divide="ignore"):
            log_below = float(_log_weighted_integrals(N, 2, np.array([X]))[0])
        bound = min(bound, log_pref - N * a * level * level + log_below - math.log(k + 1.0))
    return math.exp(bound) if bound < _LOG_MAX_FLOAT else math.inf


def _expected_eigenvalues_below(N: int, X: float) -> float:
    r"""Expected number of unit-scale GOE_N eigenvalues below ``X``: :math:`\int_{-\infty}^X R_1`."""
    return math.exp(float(_log_weighted_integrals(N, 2, np.array([X]))[0]))


# --------------------------------------------------------------------- public entry

def expected_critical_points(
    N: int,
    H: int,
    u_max: float = math.inf,
    k: int | None = None,
    *,
    samples: int = 20000,
    seed: int = 0,
) -> CountResult:
    r"""Expected number of critical points with loss per weight at most ``u_max`` (theory §4).

    .. math::

        E\,\mathrm{Crt}_{N,k}(u_{\max}) = 2\sqrt{2/H}\,(H-1)^{N/2}\,
          E\bigl[e^{-N(H-2)\lambda_k^2/(2H)}\mathbb 1\{\lambda_k\le c_H u_{\max}\}\bigr],
        \qquad c_H = \sqrt{H/(2(H-1))},

    :math:`\lambda_k` the (k+1)-th smallest eigenvalue of ``GOE_N``; ``k=None``
    sums over all indices, which gives the one-point density formula
    :math:`2N\sqrt{2/H}(H-1)^{N/2}\int_{-\infty}^{c_H u_{\max}}
    e^{-N(H-2)x^2/(2H)}\rho_N(x)\,dx` (Auffinger, Ben Arous & Černý 2013).

    Checks (tests/compute/test_finite_n.py): ``N = 1`` gives exactly 2; ``H = 2``
    gives 2 per index and ``2N`` in total; ``N = 2`` gives :math:`\sqrt{3H-2}` per
    index; the total over all ``u`` over :math:`4\sqrt{2N/(\pi(H-2))}(H-1)^{N/2}`
    is :math:`1 - (1 + H/(2(H-2)))/(4N) + O(N^{-2})`.

    Methods and errors (details in the module docstring): the total (``k=None``) is
    deterministic (``stderr = 0``; relative error below 1e-12 for ``N <= 1000``).
    Index-k counts are exact for ``N <= 2`` and for ``H = 2, u_max = inf``, and
    otherwise a seeded Monte Carlo estimate over the tridiagonal ``GOE_N``
    (``N <= 200``) with ``stderr`` one standard error; for ``k = 0`` below the bulk
    it is the exact total minus the sampled higher-index part, so it stays accurate
    (and finite in log space) far below the ground state.

    Parameters
    ----------
    N : int
        Number of weights (spin-glass dimension), ``1 <= N <= 100000``
        (``<= 200`` for Monte Carlo index counts).
    H : int
        Depth (spin-glass degree), ``H >= 2``.
    u_max : float
        Loss-per-weight level; ``inf`` counts all critical points.  Not NaN.
    k : int or None
        Hessian index ``0 <= k <= N - 1``, or ``None`` for all indices.
    samples : int
        Monte Carlo sample size, ``2 <= samples <= 10^7`` (index counts only).
    seed : int
        Seed (``>= 0``; index counts only): the matrices come in units of :data:`MC_BLOCK`,
        unit ``i`` from ``default_rng(SeedSequence(seed).spawn(n)[i])`` (:func:`index_plan`).

    Returns
    -------
    CountResult

    Raises
    ------
    ValueError
        Naming the parameter and its allowed range.

    Examples
    --------
    >>> round(expected_critical_points(2, 3).value, 12)  # 2 sqrt(3H-2)
    5.291502622129
    >>> r = expected_critical_points(2, 3, k=0)
    >>> round(r.value, 12), r.stderr   # sqrt(3H-2)
    (2.645751311065, 0.0)
    """
    N = int_param(N, "N", 1, MAX_N, "number of weights")
    H = int_param(H, "H", 2, None, "depth")
    u = level_param(u_max)
    if k is not None:
        k = int_param(k, "k", 0, N - 1, "Hessian index")
    samples = int_param(samples, "samples", 2, MAX_SAMPLES, "Monte Carlo sample size")
    seed = int_param(seed, "seed", 0, None, "random seed")

    exact = _exact_count(N, H, u, k)
    if exact is not None:
        return exact
    return index_counts(N, H, [(u, k)], samples=samples, seed=seed)[0]


def _exact_count(N: int, H: int, u: float, k: int | None) -> CountResult | None:
    """The count where it is deterministic (see :func:`expected_critical_points`), else ``None``."""
    if u == -math.inf:
        return CountResult(value=0.0, stderr=0.0, log_value=-math.inf,
                           method="exact: no loss value lies below -inf")
    log_pref = _log_prefactor(N, H)
    c = math.sqrt(H / (2.0 * (H - 1.0)))
    X = math.sqrt(N) * c * u if math.isfinite(u) else u
    if k is None or N == 1:
        log_int = float(_log_weighted_integrals(N, H, np.array([X]))[0])
        method = (
            "GOE one-point density (Hermite-function closed form), "
            "composite Gauss–Legendre quadrature in log space"
        )
        if k is not None:
            method = "exact: N = 1 has a single index; " + method
        return _result(log_pref + log_int, -math.inf, method)
    if H == 2 and u == math.inf:
        return CountResult(
            value=2.0,
            stderr=0.0,
            log_value=math.log(2.0),
            method="exact: H = 2, u_max = inf gives weight 1 for every index",
        )
    if N == 2:
        log_int = _log_index_goe2(H, X, k)
        return _result(
            log_pref + log_int,
            -math.inf,
            "exact: closed-form eigenvalue densities of GOE_2, Gauss–Legendre quadrature",
        )
    if N > MAX_N_INDEX:
        raise ValueError(
            f"N (number of weights) must be <= {MAX_N_INDEX} for index-k counts "
            f"(Monte Carlo), got {N}; use k=None for the total count"
        )
    return None


def _monte_carlo_result(N: int, H: int, u: float, k: int, samples: int, seed: int, difference: bool,
                        log_mean: float, log_std: float, hits: int) -> CountResult:
    log_pref = _log_prefactor(N, H)
    if difference:
        method = (
            f"Monte Carlo, tridiagonal GOE, {samples} samples, seed {seed}: exact total "
            f"minus sampled higher-index part ({hits} samples with 2+ eigenvalues below u_max)"
        )
    else:
        method = (
            f"Monte Carlo, tridiagonal GOE, {samples} samples, seed {seed} "
            f"({hits} below u_max)"
        )
    if log_mean == -math.inf:
        upper = _index_upper_bound(N, H, u, k)
        if upper == 0.0:  # the deterministic bound itself underflows: the count is 0 in double precision
            return CountResult(value=0.0, stderr=0.0, log_value=-math.inf,
                               method=method + "; deterministic upper bound underflows to 0")
        return CountResult(
            value=0.0, stderr=math.nan, log_value=-math.inf, method=method, reliable=False,
            warning=(f"no sample of {samples} reached index {k} below u_max; the count is at most "
                     f"{upper:.3g} (deterministic bound), increase the samples to estimate it"),
            upper_bound=upper,
        )
    return _result(log_pref + log_mean, log_pref + log_std - 0.5 * math.log(samples), method)


def index_counts(N: int, H: int, points, *, samples: int = 20000, seed: int = 0, executor=None,
                 progress=None, cancel=None, timeout: float | None = None) -> list[CountResult]:
    r""":func:`expected_critical_points` at several ``points`` = ``[(u_max, k), ...]`` (theory §4).

    Each result equals ``expected_critical_points(N, H, u_max, k, samples=samples, seed=seed)``
    bit for bit; the Monte Carlo points share one plan (:func:`index_plan`: the same matrices
    for every point), run by ``executor`` (a :class:`compute.executor.LocalExecutor` or
    :class:`compute.executor.CeleryExecutor`; default: in this process) with its
    ``progress``, ``cancel`` and ``timeout`` (see compute/executor.py).  ``k=None`` points are
    deterministic.  Raises ``ValueError`` naming the parameter and its range.
    """
    N = int_param(N, "N", 1, MAX_N, "number of weights")
    H = int_param(H, "H", 2, None, "depth")
    samples = int_param(samples, "samples", 2, MAX_SAMPLES, "Monte Carlo sample size")
    seed = int_param(seed, "seed", 0, None, "random seed")
    checked = []
    for u, k in points:
        u = level_param(u)
        if k is not None:
            k = int_param(k, "k", 0, N - 1, "Hessian index")
        checked.append((u, k))
    out: list[CountResult | None] = [_exact_count(N, H, u, k) for u, k in checked]
    todo = [i for i, r in enumerate(out) if r is None]
    if todo:
        from compute.executor import LocalExecutor  # noqa: PLC0415

        plan = index_plan(N, H, [checked[i] for i in todo], samples, seed)
        run = (executor or LocalExecutor(1)).run(plan, progress=progress, cancel=cancel, timeout=timeout)
        for j, i in enumerate(todo):
            u, k = checked[i]
            _, _, difference, log_total = plan.params["points"][j]
            stats = _index_statistics(run["logs"][:, j], difference, log_total)
            out[i] = _monte_carlo_result(N, H, u, k, samples, seed, difference, *stats)
    elif progress is not None:
        progress(1.0)
    return out
