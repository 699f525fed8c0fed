r"""Monte Carlo of the Kac–Rice integral of theory §5.4, resolved in the overlap m (validation of §5.6).

Independent of compute/overlap.py and compute/kac_rice.py (only the tridiagonal GOE sampler of
compute/goe.py is shared).  For :math:`L = R + \varphi(s)` on :math:`|w|^2 = N`, with
:math:`s = \sqrt N m = \sqrt N\tanh\tau`, :math:`q = 1 - m^2 = \operatorname{sech}^2\tau`,
:math:`r = R/N` and :math:`f_N(m) = \varphi(\sqrt N m)/N`,

.. math::

    E\,\mathrm{Crt}(L \le Nu,\ m \in B) = |S_N|\,(2\pi H)^{-\frac{N-1}2}
      \int_{\operatorname{artanh} B} \frac{q^{\frac{N-1}2}\,d\tau}{B(\frac12, \frac{N-1}2)}
      e^{-N f_N'^2 q/(2H)}
      \int_{-\infty}^{u - f_N} \frac{N e^{-N r^2/2}}{\sqrt{2\pi N}}
      E_M\bigl|\det(cM - x + f_N'' q\,e_1e_1^T)\bigr|\,\mathbb 1\{\text{index}\}\,dr,

:math:`x = Hr + m f_N'(m)`, :math:`c = \sqrt{2H(H-1)(N-1)/N}`, :math:`M \sim \mathrm{GOE}_{N-1}` in its
Dumitriu–Edelman tridiagonal form (its first basis vector is a uniformly random direction with
respect to the eigenvectors, which is what the rank-one term needs).  The τ integral is
Gauss–Legendre per bin; ``r`` is drawn per node from a Laplace law cut at :math:`u - f_N` and
centred at the maximum of the large-N integrand (importance sampling; any proposal gives an
unbiased estimate); the determinant and the index come from the pivots of the tridiagonal
matrix run from the bottom row, so only the top pivot feels the rank-one term (Sylvester).
Per-sample sums over the nodes of a bin give the bin estimate and its standard error.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.special import gammaln

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from compute.goe import tridiagonal_goe  # noqa: E402

_SQRT2 = math.sqrt(2.0)


def _phi_semicircle(y):
    """Log-potential of the semicircle on [-√2, √2] (the closed form of the radius-2 one, rescaled)."""
    y = np.asarray(y, dtype=float)
    ay = np.abs(y)
    r = np.sqrt(np.maximum(y * y - 2.0, 0.0))
    out = 0.5 * y * y - 0.5 - 0.5 * math.log(2.0)
    return np.where(ay <= _SQRT2, out, out - 0.5 * ay * r + np.log((ay + r) / _SQRT2))


def _poly(kappa, N, m):
    """f_N, f_N', f_N'' at m for φ(s) = Σ κ_d s^d."""
    f = np.zeros_like(m)
    fp = np.zeros_like(m)
    fpp = np.zeros_like(m)
    for d, k in enumerate(kappa, start=1):
        c = k * N ** (d / 2.0 - 1.0)
        f += c * m**d
        fp += d * c * m ** (d - 1)
        if d >= 2:
            fpp += d * (d - 1) * c * m ** (d - 2)
    return f, fp, fpp


@dataclass
class BinnedCount:
    edges: np.ndarray  # m edges of the bins
    log_count: np.ndarray  # log E Crt(L <= Nu, m in bin)
    rel_se: np.ndarray  # standard error of the bin estimate / estimate
    log_total: float
    total_rel_se: float
    samples: int


def sample_binned(N: int, H: int, kappa, u: float, edges, *, samples: int = 2000, nodes: int = 4,
                  seed: int = 0, minima: bool = True) -> BinnedCount:
    """Expected number of critical points (minima if ``minima``) below ``Nu`` per overlap bin."""
    rng = np.random.default_rng(seed)
    kappa = np.asarray(kappa, dtype=float)
    edges = np.asarray(edges, dtype=float)
    nb = edges.size - 1
    gx, gw = np.polynomial.legendre.leggauss(nodes)
    te = np.arctanh(edges)
    half = 0.5 * np.diff(te)
    mid = 0.5 * (te[1:] + te[:-1])
    tau = (mid[:, None] + half[:, None] * gx[None, :]).ravel()
    wt = (half[:, None] * gw[None, :]).ravel()
    binof = np.repeat(np.arange(nb), nodes)
    m = np.tanh(tau)
    q = 1.0 / np.cosh(tau) ** 2
    f, fp, fpp = _poly(kappa, N, m)
    a = math.sqrt(2.0 * H * (H - 1.0))
    c = math.sqrt(2.0 * H * (H - 1.0) * (N - 1.0) / N)
    b = m * fp
    theta = fpp * q
    zmax = u - f
    log_sphere = math.log(2.0) + 0.5 * N * math.log(math.pi) + 0.5 * (N - 1) * math.log(N) - gammaln(0.5 * N)
    log_beta = gammaln(0.5) + gammaln(0.5 * (N - 1)) - gammaln(0.5 * N)
    log_node = (np.log(wt) + 0.5 * (N - 1) * np.log(q) - log_beta + log_sphere
                - 0.5 * (N - 1) * math.log(2.0 * math.pi * H) - N * fp * fp * q / (2.0 * H)
                + math.log(N) - 0.5 * math.log(2.0 * math.pi * N))
    # proposal centre: maximiser over r <= zmax of -r²/2 + (N-1)/N Φ((H r + b)/a), by a grid search
    grid = np.linspace(-8.0, 8.0, 1601)
    prof = -0.5 * grid[None, :] ** 2 + (N - 1.0) / N * _phi_semicircle((H * grid[None, :] + b[:, None]) / a)
    prof = np.where(grid[None, :] <= zmax[:, None], prof, -np.inf)
    j = np.argmax(prof, axis=1)
    centre = np.minimum(grid[j], zmax)
    lam = math.sqrt(N) * 0.6  # rate of the Laplace proposal: heavier tails than the integrand
    at_cap = grid[j] >= zmax - 0.01
    lam = np.where(at_cap, max(lam, 1.0), lam)
    d_, e_ = tridiagonal_goe(N - 1, samples, rng)
    scale = math.sqrt((N - 1.0) / N)  # GOE_{N-1} -> unit of c M as a T with GOE_N variance: c M = a T
    dT = (d_ * scale * a).T
    e2T = ((e_ * scale * a) ** 2).T
    U = np.maximum(rng.random(samples), 1e-300)[:, None]
    # truncated Laplace draw (common uniform per sample)
    dist = zmax - centre
    tot = 1.0 - 0.5 * np.exp(-lam * dist)
    V = U * tot
    left = V < 0.5
    step = np.where(left, np.log(2.0 * np.minimum(V, 0.5)), -np.log(np.maximum(2.0 - 2.0 * V, 1e-300)))
    r = np.minimum(centre + step / lam, zmax)
    logq = np.log(0.5 * lam) - lam * np.abs(r - centre) - np.log(tot)
    x = H * r + b  # (samples, nodes)
    n = N - 1
    logdet = np.zeros_like(x)
    neg = np.zeros(x.shape, dtype=np.int64)
    with np.errstate(divide="ignore", invalid="ignore"):
        piv = dT[n - 1][:, None] - x
        for i in range(n - 2, -1, -1):
            logdet += np.log(np.abs(piv))
            neg += piv < 0.0
            piv = dT[i][:, None] - x - e2T[i][:, None] / piv
        piv = piv + theta
        logdet += np.log(np.abs(piv))
        neg += piv < 0.0
    logw = log_node + (-0.5 * N * r * r) + logdet - logq
    if minima:
        logw = np.where(neg == 0, logw, -np.inf)
    # per-sample bin sums, then mean over samples
    mx = np.max(np.where(np.isfinite(logw), logw, -np.inf))
    W = np.exp(logw - mx)
    per_bin = np.zeros((samples, nb))
    for k in range(nb):
        per_bin[:, k] = W[:, binof == k].sum(axis=1)
    mean = per_bin.mean(axis=0)
    se = per_bin.std(axis=0, ddof=1) / math.sqrt(samples)
    tot_s = per_bin.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return BinnedCount(
            edges=edges,
            log_count=np.log(mean) + mx,
            rel_se=se / mean,
            log_total=float(math.log(tot_s.mean()) + mx),
            total_rel_se=float(tot_s.std(ddof=1) / math.sqrt(samples) / tot_s.mean()),
            samples=samples,
        )
