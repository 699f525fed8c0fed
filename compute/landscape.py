r"""Sampled spin-glass loss landscapes on the sphere (theory §2, §5.3, §6).

One landscape is one draw of the Gaussian tensor ``X`` (theory §2):

.. math::

    L(w) = R(w) + \varphi(s), \qquad
    R(w) = N^{-(H-1)/2} \sum_{i_1..i_H} X_{i_1..i_H} w_{i_1}\cdots w_{i_H}, \qquad
    s = \frac{\mathbf 1\cdot w}{\sqrt N}, \qquad
    \varphi(s) = \sum_{d=1}^{H-1} \kappa_d s^d,

on the sphere :math:`|w|^2 = N`, with ``X`` a full (not symmetrised) tensor of i.i.d.
standard normals, so that :math:`\mathbb E\,R(w)R(w') = N (w\cdot w'/N)^H`.  The loss per
weight is ``u = L / N``; minima have ``u < 0``.

Seeding convention (reproducible by anyone):

* ``X = numpy.random.default_rng(seed).standard_normal((N,) * H)`` (C order);
* descent starts come from ``numpy.random.default_rng([seed, 1])``;
* random Newton starts of the critical-point search from ``numpy.random.default_rng([seed, 2])``.

Because ``R`` only sees the symmetric part of ``X``, a landscape stores the symmetrised
tensor :math:`S = \operatorname{Sym} X` (times :math:`N^{-(H-1)/2}`); then
:math:`R = S[w^H]`, :math:`\nabla R = H\,S[w^{H-1},\cdot]` and
:math:`\nabla^2 R = H(H-1)\,S[w^{H-2},\cdot,\cdot]`.  For ``N <= 6`` the same polynomial is
stored by its monomial coefficients, which keeps high degrees cheap (globe, critical points).

Riemannian calculus on the sphere of radius :math:`\sqrt N` (theory §5.4), with
:math:`P = I - w w^T / N`:

.. math::

    \operatorname{grad} L = P \nabla L, \qquad
    \operatorname{Hess} L = P\left(\nabla^2 L - \frac{w\cdot\nabla L}{N} I\right) P .

The Hessian index is the number of negative eigenvalues of ``Hess L`` on the
``(N-1)``-dimensional tangent space.

References
----------
1. A. Auffinger, G. Ben Arous, J. Černý, "Random matrices and complexity of spin
   glasses", CPAM 66 (2013), arXiv:1003.1129.
2. A. Choromanska, M. Henaff, M. Mathieu, G. Ben Arous, Y. LeCun, "The loss surfaces of
   multilayer networks", AISTATS 2015, arXiv:1412.0233 (the descent experiment, §6).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from itertools import combinations_with_replacement
from typing import Callable

import numpy as np
from scipy.linalg.lapack import dpotrf as _potrf
from scipy.linalg.lapack import dpotrs as _potrs
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from compute.budget import DEFAULT_BUDGET, BudgetExceeded, Deadline, WorkBudget
from compute.validation import phi_coefficients

__all__ = [
    "MAX_TENSOR_ENTRIES",
    "BudgetExceeded",
    "WorkBudget",
    "Landscape",
    "sample_landscape",
    "tangent_basis",
    "CriticalPoints",
    "critical_points",
    "find_critical_points",
    "DescentCancelled",
    "DescentResult",
    "descend",
    "descent",
    "descent_details",
    "DESCENT_BLOCK",
    "descent_plan",
    "descent_unit",
    "GlobeGrid",
    "globe_grid",
    "Chart",
    "chart",
    "Profile",
    "great_circle_profile",
]

#: Largest tensor ``N**H`` a landscape may hold (2**27 entries = 1 GiB of float64;
#: N = 500 at H = 3, N = 100 at H = 4).
MAX_TENSOR_ENTRIES = 2**27
#: Critical-point search: N range and the largest tensor it samples.
_CRIT_MAX_N = 6
_CRIT_MAX_ENTRIES = 2**24
#: Largest N stored as monomial coefficients instead of a dense tensor.
_POLY_MAX_N = 6
#: Row chunks keep the contraction intermediates under this many float64 entries.
_CHUNK_ENTRIES = 2**23
#: Fibonacci start points at N = 3: max(_FIB_MIN, _FIB_PER_H2 * H**2).
_FIB_MIN = 200
_FIB_PER_H2 = 15
#: Descent line search: reference = max of this many recent accepted losses.
_NONMONOTONE_MEMORY = 10
#: Critical points are verified to this Riemannian gradient norm.
CRITICAL_GRAD_TOL = 1e-10


# --------------------------------------------------------------------------- validation


def _check_int(name: str, value, lo: int, hi: int | None = None, extra: str = "") -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{name} must be an integer{_range_text(lo, hi)}, got {value!r}{extra}")
    value = int(value)
    if value < lo or (hi is not None and value > hi):
        raise ValueError(f"{name} must be an integer{_range_text(lo, hi)}, got {value!r}{extra}")
    return value


def _range_text(lo: int, hi: int | None) -> str:
    return f" in [{lo}, {hi}]" if hi is not None else f" >= {lo}"


def _check_coeffs(coeffs, H: int) -> np.ndarray:
    """``[kappa_1, ..., kappa_d]`` with ``d <= H - 1``, padded with zeros to length ``H - 1``."""
    return phi_coefficients(coeffs, H)


def _check_points(w, N: int, name: str = "w", on_sphere: bool = True) -> tuple[np.ndarray, bool]:
    """Rows of ``w`` as an ``(n, N)`` float array; ``single`` if a single point was given."""
    arr = np.asarray(w, dtype=float)
    single = arr.ndim == 1
    arr = np.atleast_2d(arr)
    if arr.ndim != 2 or arr.shape[1] != N:
        raise ValueError(f"{name} must have shape (N,) or (n, N) with N = {N}, got {np.shape(w)}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite")
    if on_sphere:
        dev = np.abs(np.einsum("ij,ij->i", arr, arr) / N - 1.0)
        if dev.size and dev.max() > 1e-8:
            raise ValueError(f"{name} must lie on the sphere |w|^2 = N = {N} (relative deviation <= 1e-8)")
    return arr, single


# --------------------------------------------------------------------------- polynomial models


def _symmetrise(X: np.ndarray) -> np.ndarray:
    r"""Average of ``X`` over all permutations of its axes (overwrites ``X``).

    Uses the coset factorisation :math:`\operatorname{Sym}_H = \operatorname{Sym}_{H-1}\circ
    \tfrac1H\sum_{j=1}^{H}\tau_{jH}` (:math:`\tau_{jH}` swaps axes ``j`` and ``H``,
    :math:`\tau_{HH}` the identity): ``H(H+1)/2 - 1`` strided passes and two buffers,
    instead of ``H!`` passes.
    """
    H = X.ndim
    if H < 2:
        return X
    src, dst = X, np.empty_like(X)
    for k in range(H, 1, -1):  # apply (1/k) sum_j tau_{jk} on axes 0..k-1: k = H first
        np.copyto(dst, src)
        for j in range(k - 1):
            np.add(dst, np.swapaxes(src, j, k - 1), out=dst)
        dst *= 1.0 / k
        src, dst = dst, src
    return src


class _TensorModel:
    """Homogeneous polynomial ``T[w^H]`` from a dense symmetric tensor ``T``."""

    def __init__(self, T: np.ndarray):
        self.T = T
        self.H = T.ndim
        self.N = T.shape[0]

    def evaluate(self, W: np.ndarray, order: int):
        """``(P, grad P, hess P)`` at the rows of ``W`` (``hess`` only for ``order == 2``).

        Cost: one GEMM ``(n, N) @ (N, N^(H-1))`` (``2 n N^H`` flops) then batched
        contractions; returns also the flop count of the contractions.
        """
        n, N = W.shape
        H = self.H
        out_v = np.empty(n)
        out_g = np.empty((n, N))
        out_h = np.empty((n, N, N)) if order >= 2 else None
        flops = 0
        chunk = max(1, _CHUNK_ENTRIES // max(1, N ** (H - 1)))
        Tflat = self.T.reshape(N, -1)
        for a in range(0, n, chunk):
            Wc = W[a : a + chunk]
            m = Wc.shape[0]
            if H == 2:
                T2 = None
                T1 = Wc @ Tflat
                flops += 2 * m * N * N
            else:
                T = Wc @ Tflat  # S[w, ...]: (m, N^(H-1))
                flops += 2 * m * N**H
                for r in range(H - 3):  # reduce to (m, N*N)
                    T = np.matmul(Wc[:, None, :], T.reshape(m, N, -1))[:, 0, :]
                    flops += 2 * m * N ** (H - 1 - r)
                T2 = T.reshape(m, N, N)
                T1 = np.einsum("rij,rj->ri", T2, Wc)
                flops += 2 * m * N * N
            out_v[a : a + m] = np.einsum("ri,ri->r", T1, Wc)
            out_g[a : a + m] = H * T1
            if out_h is not None:
                out_h[a : a + m] = H * (H - 1) * (self.T if T2 is None else T2)
            flops += 2 * m * N
        return out_v, out_g, out_h, flops

    def restrict(self, Q: np.ndarray) -> _TensorModel:
        r"""The polynomial on the span of the orthonormal columns of ``Q`` (``N x k``).

        :math:`T_Q = T \times_1 Q \cdots \times_H Q` (theory §6: the restriction of ``R``
        to a span is again a spin glass)."""
        T = self.T
        k = Q.shape[1]
        for _ in range(self.H):  # contract the leading axis, append the new one last
            T = np.moveaxis((Q.T @ T.reshape(T.shape[0], -1)).reshape((k,) + T.shape[1:]), 0, -1)
        return _TensorModel(np.ascontiguousarray(T))


class _MonomialModel:
    r"""Homogeneous polynomial stored by monomial coefficients (small ``N``).

    :math:`P(w) = \sum_{|\alpha| = H} a_\alpha w^\alpha`, with
    :math:`a_\alpha` the sum of the tensor entries whose index multiset is :math:`\alpha`.
    Gradient and Hessian are again polynomials (degrees ``H-1``, ``H-2``), stored as
    coefficient matrices on their monomial bases, so every evaluation is a product of
    powers followed by one small GEMM.
    """

    def __init__(self, T: np.ndarray):
        H, N = T.ndim, T.shape[0]
        self.H, self.N = H, N
        self.base = H + 1
        self.pw = self.base ** np.arange(N, dtype=np.int64)
        self.exps = [self._exponents(d) for d in range(H + 1)]
        self.keys = [e @ self.pw for e in self.exps]
        # key of an entry T[i1, ..., iH] = sum_t base**i_t; slices T[i] share the tail keys
        tail = np.zeros(1, dtype=np.int64)
        for _ in range(H - 1):
            tail = (tail[:, None] + self.pw[None, :]).ravel()
        a = np.zeros(len(self.keys[H]))
        for i in range(N):
            pos = np.searchsorted(self.keys[H], self.pw[i] + tail)
            a += np.bincount(pos, weights=T[i].ravel(), minlength=len(a))
        E = self.exps[H]
        self.c0 = a
        self.c1 = np.zeros((len(self.keys[H - 1]), N))
        self.c2 = np.zeros((len(self.keys[H - 2]), N * N))
        for i in range(N):
            rows = E[:, i] > 0
            idx = np.searchsorted(self.keys[H - 1], self.keys[H][rows] - self.pw[i])
            np.add.at(self.c1[:, i], idx, a[rows] * E[rows, i])
            for j in range(N):
                rows2 = (E[:, i] >= 2) if i == j else (E[:, i] >= 1) & (E[:, j] >= 1)
                fac = E[rows2, i] * (E[rows2, j] - (1 if i == j else 0))
                idx2 = np.searchsorted(self.keys[H - 2], self.keys[H][rows2] - self.pw[i] - self.pw[j])
                np.add.at(self.c2[:, i * N + j], idx2, a[rows2] * fac)

    def _exponents(self, d: int) -> np.ndarray:
        """Exponent vectors of all monomials of degree ``d`` in ``N`` variables, sorted by key."""
        N = self.N
        if d < 0:
            return np.zeros((0, N), dtype=np.int64)
        rows = []
        for combo in combinations_with_replacement(range(N), d):
            e = np.zeros(N, dtype=np.int64)
            for i in combo:
                e[i] += 1
            rows.append(e)
        E = np.array(rows, dtype=np.int64).reshape(-1, N)
        return E[np.argsort(E @ self.pw)]

    def _monomials(self, powers: np.ndarray, d: int) -> np.ndarray:
        E = self.exps[d]
        out = powers[:, 0, E[:, 0]]
        for i in range(1, self.N):
            out = out * powers[:, i, E[:, i]]
        return out

    def evaluate(self, W: np.ndarray, order: int):
        n, N = W.shape
        H = self.H
        powers = np.empty((n, N, H + 1))
        powers[:, :, 0] = 1.0
        for p in range(1, H + 1):
            np.multiply(powers[:, :, p - 1], W, out=powers[:, :, p])
        val = self._monomials(powers, H) @ self.c0
        grad = self._monomials(powers, H - 1) @ self.c1
        hess = None
        if order >= 2:
            hess = (self._monomials(powers, H - 2) @ self.c2).reshape(n, N, N)
        m = sum(len(self.keys[d]) for d in (H, H - 1, H - 2))
        return val, grad, hess, 2 * n * m * N * N


# --------------------------------------------------------------------------- landscape


def tangent_basis(w) -> np.ndarray:
    r"""Orthonormal bases of the tangent spaces at the rows of ``w`` (theory §5.4).

    Returns ``B`` of shape ``(n, N, N-1)`` (or ``(N, N-1)`` for one point): the first ``N-1``
    columns of the Householder reflection that maps :math:`\hat w = w/|w|` to
    :math:`\mp e_N`, so :math:`B^T B = I_{N-1}` and :math:`B^T w = 0`.
    """
    arr = np.asarray(w, dtype=float)
    single = arr.ndim == 1
    W = np.atleast_2d(arr)
    n, N = W.shape
    x = W / np.linalg.norm(W, axis=1, keepdims=True)
    sgn = np.where(x[:, -1] >= 0, 1.0, -1.0)
    v = x.copy()
    v[:, -1] += sgn
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    B = np.eye(N)[None, :, : N - 1] - 2.0 * v[:, :, None] * v[:, None, : N - 1]
    return B[0] if single else B


@dataclass(frozen=True, eq=False)
class Landscape:
    r"""One sampled landscape :math:`L = R + \varphi(s)` on :math:`|w|^2 = N` (theory §2, §5.3).

    Build it with :func:`sample_landscape`.  All methods are batched over the rows of an
    ``(n, N)`` array (a single ``(N,)`` point gives unbatched output).

    ``value(w)`` is the loss ``L`` itself (the loss per weight is ``value(w) / N``);
    ``grad`` and ``hess`` are Riemannian (tangential) and expect points on the sphere.
    ``hess`` is the projected ``N x N`` form :math:`P(\nabla^2 L - (w\cdot\nabla L/N) I)P`
    (its eigenvector ``w`` has eigenvalue 0); ``hess_tangent`` is the same operator as an
    ``(N-1) x (N-1)`` matrix in the basis :func:`tangent_basis`.
    """

    N: int
    H: int
    seed: int
    coeffs: np.ndarray
    _model: object = field(repr=False)

    # ---- internal: everything from one contraction
    def _ambient(self, W: np.ndarray, order: int = 2):
        """Loss, Euclidean gradient and Hessian of ``L`` at rows of ``W``, plus flops."""
        val, grad, hess, flops = self._model.evaluate(W, order)
        if np.any(self.coeffs):
            e = 1.0 / math.sqrt(self.N)
            s = W.sum(axis=1) * e
            k = self.coeffs
            d = np.arange(1, self.H)
            val = val + (s[:, None] ** d) @ k
            dphi = (s[:, None] ** (d - 1)) @ (d * k)
            grad = grad + (dphi * e)[:, None]
            if hess is not None and self.H >= 3:
                d2 = np.arange(2, self.H)
                ddphi = (s[:, None] ** (d2 - 2)) @ (d2 * (d2 - 1) * k[1:])
                hess = hess + (ddphi * e * e)[:, None, None]
        return val, grad, hess, flops

    def _riemannian(self, W: np.ndarray, order: int = 2):
        r"""``(L, grad, Hess, flops)`` at rows of ``W`` on the sphere, ``Hess`` projected N x N.

        With :math:`\hat w = w/\sqrt N`, :math:`A' = \nabla^2 L - (w\cdot\nabla L/N) I`,
        :math:`a = A'\hat w`: :math:`P A' P = A' - \hat w a^T - a \hat w^T
        + (\hat w\cdot a)\hat w\hat w^T` (rank-two update, no N^3 products).
        """
        val, G, A, flops = self._ambient(W, order)
        radial = np.einsum("ri,ri->r", W, G) / self.N
        g = G - radial[:, None] * W
        if order < 2:
            return val, g, None, flops
        return val, g, _project_hessian(W, A, radial), flops

    # ---- public
    def value(self, w) -> np.ndarray:
        r"""Loss :math:`L(w) = R(w) + \varphi(s)` at the rows of ``w`` (any points of R^N)."""
        W, single = _check_points(w, self.N, on_sphere=False)
        val = self._ambient(W, 0)[0]
        return val[0] if single else val

    def loss_per_weight(self, w) -> np.ndarray:
        """``u = L(w) / N`` at the rows of ``w``."""
        return self.value(w) / self.N

    def grad(self, w) -> np.ndarray:
        r"""Riemannian gradient :math:`P\nabla L` (tangential), shape of ``w``."""
        W, single = _check_points(w, self.N)
        g = self._riemannian(W, 1)[1]
        return g[0] if single else g

    def hess(self, w) -> np.ndarray:
        r"""Riemannian Hessian, projected ``N x N`` form :math:`P(\nabla^2L - (w\cdot\nabla L/N)I)P`."""
        W, single = _check_points(w, self.N)
        Hp = self._riemannian(W, 2)[2]
        return Hp[0] if single else Hp

    def hess_tangent(self, w) -> np.ndarray:
        """Riemannian Hessian as ``(N-1) x (N-1)`` matrices in the basis ``tangent_basis(w)``."""
        W, single = _check_points(w, self.N)
        B = tangent_basis(W)
        Ht = np.matmul(np.transpose(B, (0, 2, 1)), np.matmul(self._riemannian(W, 2)[2], B))
        Ht = 0.5 * (Ht + np.transpose(Ht, (0, 2, 1)))
        return Ht[0] if single else Ht

    def index(self, w) -> np.ndarray:
        """Hessian index: number of negative eigenvalues of the Hessian on the tangent space."""
        W, single = _check_points(w, self.N)
        idx = _index_from_projected(W, self._riemannian(W, 2)[2])
        return idx[0] if single else idx


def _project_hessian(W: np.ndarray, A: np.ndarray, radial: np.ndarray) -> np.ndarray:
    r"""Projected Riemannian Hessians :math:`P(A - \mathrm{radial}\,I)P` (overwrites ``A``).

    With :math:`x = w/\sqrt N`, :math:`A' = A - \mathrm{radial}\,I`, :math:`a = A'x`,
    :math:`\alpha = x\cdot a`: :math:`PA'P = A' - x(a - \alpha x)^T - a x^T`, one batched
    rank-two update."""
    N = W.shape[1]
    x = W / math.sqrt(N)
    diag = np.arange(N)
    A[:, diag, diag] -= radial[:, None]
    a = np.matmul(A, x[:, :, None])[:, :, 0]
    alpha = np.einsum("ri,ri->r", x, a)
    U = np.stack([x, a], axis=2)
    V = np.stack([a - alpha[:, None] * x, x], axis=1)
    A -= np.matmul(U, V)
    return A


def _augmented(W: np.ndarray, Hp: np.ndarray) -> np.ndarray:
    """``Hp + w w^T / N``: the tangent Hessian on the tangent space, the identity on ``w``.

    Its eigenvalues are the ``N - 1`` tangent eigenvalues and 1, so it is positive definite
    exactly when the tangent Hessian is, and Newton systems can be solved in R^N."""
    x = W / math.sqrt(W.shape[1])
    return Hp + x[:, :, None] * x[:, None, :]


def _index_from_projected(W: np.ndarray, Hp: np.ndarray) -> np.ndarray:
    """Number of negative tangent eigenvalues (the extra eigenvalue of ``_augmented`` is 1)."""
    if len(W) == 0:
        return np.zeros(0, dtype=int)
    return np.count_nonzero(np.linalg.eigvalsh(_augmented(W, Hp)) < 0.0, axis=-1)


def _make_landscape(N: int, H: int, seed: int, coeffs, backend: str | None = None) -> Landscape:
    scale = N ** (-(H - 1) / 2.0)
    X = np.random.default_rng(seed).standard_normal((N,) * H)
    S = _symmetrise(X)
    S *= scale
    if backend is None:
        backend = "monomial" if N <= _POLY_MAX_N else "tensor"
    model = _MonomialModel(S) if backend == "monomial" else _TensorModel(S)
    if backend == "tensor":
        S.flags.writeable = False
    return Landscape(N=N, H=H, seed=seed, coeffs=coeffs, _model=model)


def sample_landscape(N: int, H: int, seed: int, coeffs=None, *, budget: WorkBudget | None = None) -> Landscape:
    r"""Sample one landscape :math:`L = R + \varphi(s)` (theory §2, §5.3).

    ``X = numpy.random.default_rng(seed).standard_normal((N,) * H)``; the landscape keeps
    :math:`N^{-(H-1)/2}\operatorname{Sym}X`.

    Parameters
    ----------
    N : int
        Number of weights, ``N >= 2``, with ``N**H <= MAX_TENSOR_ENTRIES`` (2**27).
    H : int
        Depth (degree), ``H >= 2``.
    seed : int
        Non-negative seed; it fixes ``X``.
    coeffs : sequence of float, optional
        :math:`[\kappa_1, \dots, \kappa_{H-1}]` of :math:`\varphi(s) = \sum_d \kappa_d s^d`
        (shorter lists are padded with zeros); ``None`` means :math:`\varphi \equiv 0`.
    budget : WorkBudget, optional
        ``max_bytes`` caps the memory of the tensor and its symmetrisation (``16 N^H``
        bytes); more raises :class:`BudgetExceeded` naming N (or H at N <= 3).

    Examples
    --------
    >>> land = sample_landscape(3, 3, seed=1)
    >>> w = np.array([1.0, 1.0, 1.0])
    >>> bool(abs(land.grad(w) @ w) < 1e-12)      # the gradient is tangential
    True
    """
    N, H, seed, coeffs = _check_common(N, H, seed, coeffs, budget=budget)
    return _make_landscape(N, H, seed, coeffs)


def _check_common(N, H, seed, coeffs, max_n: int | None = None, max_entries: int = MAX_TENSOR_ENTRIES,
                  budget: WorkBudget | None = None):
    N = _check_int("N", N, 2, max_n)
    H = _check_int("H", H, 2)
    seed = _check_int("seed", seed, 0)
    if N**H > max_entries:
        setting = "H" if N <= 3 else "N"
        raise BudgetExceeded(
            f"N**H must be <= {max_entries} (the tensor X has N**H entries); "
            f"got N = {N}, H = {H}: lower {'H' if N <= 3 else 'N or H'}",
            setting,
        )
    budget = DEFAULT_BUDGET if budget is None else budget
    need = _landscape_bytes(N, H)
    if need > budget.max_bytes:
        setting = "H" if N <= 3 else "N"
        raise BudgetExceeded(
            f"the landscape at N = {N}, H = {H} needs about {need / 2**30:.2f} GiB, more than this "
            f"budget's max_bytes = {budget.max_bytes / 2**30:.2f} GiB: lower {'H' if N <= 3 else 'N or H'}",
            setting,
        )
    return N, H, seed, _check_coeffs(coeffs, H)


def _landscape_bytes(N: int, H: int) -> int:
    """Peak bytes of sampling a landscape: the tensor ``X`` and one buffer of the symmetrisation."""
    return 2 * 8 * N**H


def _retract(W: np.ndarray) -> np.ndarray:
    N = W.shape[1]
    return W * (math.sqrt(N) / np.linalg.norm(W, axis=1, keepdims=True))


def _uniform_sphere(rng: np.random.Generator, n: int, N: int) -> np.ndarray:
    return _retract(rng.standard_normal((n, N)))


# --------------------------------------------------------------------------- critical points


@dataclass(frozen=True, eq=False)
class CriticalPoints:
    r"""All critical points of one landscape (theory §4, §6).

    ``w`` (n, N) points on the sphere, ``u`` (n,) loss per weight, ``index`` (n,) Hessian
    index, ``grad_norm`` (n,) Riemannian gradient norm :math:`|\operatorname{grad} L|`;
    sorted by ``u``.
    """

    N: int
    H: int
    seed: int
    w: np.ndarray
    u: np.ndarray
    index: np.ndarray
    grad_norm: np.ndarray

    @property
    def counts(self) -> np.ndarray:
        """Number of critical points per index ``0..N-1``."""
        return np.bincount(self.index, minlength=self.N)[: self.N]

    @property
    def euler_characteristic(self) -> int:
        r""":math:`\sum_k (-1)^k \#\{\text{index } k\}` (Morse: ``1 + (-1)^(N-1)``)."""
        return int(sum((-1) ** k * c for k, c in enumerate(self.counts)))


def critical_points(N: int, H: int, seed: int, coeffs=None, *, budget: WorkBudget | None = None) -> CriticalPoints:
    r"""Every critical point of the landscape with this seed, for small ``N`` (theory §4, §6).

    ``N = 2``: on the circle :math:`w = \sqrt2(\cos t, \sin t)` the loss is a trigonometric
    polynomial of degree ``<= H``; its Fourier coefficients :math:`C_k` (exact from
    ``2H + 2`` samples) give :math:`z^H\,dL/dt = \sum_{k=-H}^{H} i k C_k z^{k+H}`, whose
    unimodular roots :math:`z = e^{it}` (companion matrix) are all critical points, then
    polished by Newton in ``t``.

    ``3 <= N <= 6``: Riemannian Newton iteration (eigen-solve of the tangent Hessian,
    step capped at 0.5 rad) from a dense start set (a Fibonacci sphere of
    ``max(200, 15 H^2)`` points plus a quarter as many random points at ``N = 3``;
    ``400 H^((N-1)//2)`` random points otherwise),
    batched, deduplicated (distance ``1e-6 sqrt(N)``).  Start sets are enlarged until a round
    adds nothing new and the Morse relation
    :math:`\sum_k (-1)^k \mathrm{Crt}_k = 1 + (-1)^{N-1}` (Euler characteristic of
    :math:`S^{N-1}`; 2 at ``N = 3``) holds.  At ``N = 3`` one round satisfying it is
    accepted: in measurements a start set 2.5 times sparser than this one missed nothing
    against it (340 landscapes, H = 3, 6, 12), and this one nothing against a Fibonacci set
    of ``4000 H^2`` points (160 landscapes, H = 3..12).  For ``N >= 4`` completeness is
    checked only by the Morse relation and saturation.

    Every returned point has :math:`|\operatorname{grad} L| \le 10^{-10}`.

    The work is capped by ``budget`` (default :data:`compute.budget.DEFAULT_BUDGET`):
    ``max_starts`` Newton starts over all rounds, ``max_points`` distinct points in a
    deduplication, ``max_bytes`` for one batch of Newton steps (larger start sets are
    processed in batches, with identical results), ``max_seconds`` of wall-clock time.
    When φ dwarfs ``R`` (a coefficient above 1e6 in absolute value), rounding hides the
    small structure of ``R``: the gradient of ``L`` cannot be resolved to the tolerance,
    and whether a search then ends with a set that happens to satisfy the Morse relation
    depends on rounding (at such settings, mirror images μ ↔ −μ came out one found and
    one refused).  The search is then not attempted.

    Raises
    ------
    ValueError
        ``N`` outside ``[2, 6]``, ``H < 2``, ``N**H > 2**24``, bad ``seed`` or ``coeffs``.
    BudgetExceeded
        (a ``ValueError``) when φ's coefficients are large against ``R`` (above 1e6 in
        absolute value; ``setting`` ``"coeffs"``), when the budget runs out, or when the
        rounds end without a set that satisfies the Morse relation; ``setting`` names what
        to change: ``"H"`` (or ``"N"`` for N > 3 and the start count).

    Examples
    --------
    >>> cp = critical_points(3, 3, seed=0)
    >>> cp.euler_characteristic
    2
    """
    N, H, seed, coeffs = _check_common(N, H, seed, coeffs, _CRIT_MAX_N, _CRIT_MAX_ENTRIES, budget)
    return find_critical_points(_make_landscape(N, H, seed, coeffs), budget=budget)


def find_critical_points(land: Landscape, *, budget: WorkBudget | None = None) -> CriticalPoints:
    """:func:`critical_points` of an already sampled landscape (``2 <= N <= 6``)."""
    if not 2 <= land.N <= _CRIT_MAX_N:
        raise ValueError(f"N must be an integer in [2, {_CRIT_MAX_N}] for the critical-point search, got {land.N}")
    budget = DEFAULT_BUDGET if budget is None else budget
    if _phi_dominates(land):
        raise _search_failure(land, budget, "is not attempted")
    if land.N == 2:
        W = _circle_critical_points(land, budget)
    else:
        W = _newton_search(land, budget)
    val, g, Hp, _ = land._riemannian(W, 2)
    gn = np.linalg.norm(g, axis=1)
    u = val / land.N
    index = _index_from_projected(W, Hp)
    order = np.argsort(u, kind="stable")
    cp = CriticalPoints(
        N=land.N, H=land.H, seed=land.seed, w=W[order], u=u[order], index=index[order], grad_norm=gn[order]
    )
    for name in ("w", "u", "index", "grad_norm"):
        getattr(cp, name).flags.writeable = False
    return cp


def _circle_critical_points(land: Landscape, budget: WorkBudget = DEFAULT_BUDGET) -> np.ndarray:
    """All critical points at ``N = 2`` from the roots of :math:`dL/dt` (see ``critical_points``)."""
    H = land.H
    M = 2 * H + 2
    t = 2.0 * np.pi * np.arange(M) / M
    r2 = math.sqrt(2.0)
    vals = land._ambient(r2 * np.column_stack([np.cos(t), np.sin(t)]), 0)[0]
    C = np.fft.rfft(vals)[: H + 1] / M  # C_0 .. C_H, C_{-k} = conj(C_k)
    k = np.arange(-H, H + 1)
    Ck = np.concatenate([np.conj(C[:0:-1]), C])  # C_{-H} .. C_H
    poly = (1j * k * Ck)[::-1]  # coefficient of z^(k+H), highest power first
    scale = np.abs(poly).max()
    if scale == 0.0:
        raise RuntimeError("degenerate landscape: dL/dt vanishes identically")
    roots = np.roots(poly / scale)
    near = np.abs(np.abs(roots) - 1.0) < 1e-6
    ts = np.angle(roots[near])
    kk = np.arange(1, H + 1)
    Cpos = C[1:]
    for _ in range(6):  # Newton in t on the exact trigonometric series
        e = np.exp(1j * np.outer(ts, kk))
        d1 = 2.0 * np.real(e @ (1j * kk * Cpos))
        d2 = 2.0 * np.real(e @ (-(kk**2) * Cpos))
        ts = ts - np.divide(d1, d2, out=np.zeros_like(d1), where=d2 != 0)
    W = _verified_unique(land, r2 * np.column_stack([np.cos(ts), np.sin(ts)]), budget.max_points)
    if _morse_defect(land, W):  # minima and maxima must alternate; never observed
        t = 2.0 * np.pi * np.arange(200 * H) / (200 * H)
        extra, _ = _newton(land, r2 * np.column_stack([np.cos(t), np.sin(t)]), iters=40, tol=1e-12)
        W = _verified_unique(land, np.vstack([W, extra]), budget.max_points)
        if _morse_defect(land, W):
            raise RuntimeError(f"critical points at N = 2 do not alternate (H={H}, seed={land.seed})")
    return W


def _morse_defect(land: Landscape, W: np.ndarray) -> bool:
    """Whether the Morse relation sum_k (-1)^k Crt_k = 1 + (-1)^(N-1) fails for the set W."""
    idx = _index_from_projected(W, land._riemannian(W, 2)[2])
    chi = int(sum((-1) ** k * c for k, c in enumerate(np.bincount(idx, minlength=land.N))))
    return chi != 1 + (-1) ** (land.N - 1)


def _verified_unique(land: Landscape, W: np.ndarray, max_points: int = DEFAULT_BUDGET.max_points,
                     deadline: Deadline | None = None) -> np.ndarray:
    """Polish, keep points with gradient <= the tolerance, deduplicate."""
    if len(W) == 0:
        return W
    W = _newton(land, W, iters=3, tol=0.0, deadline=deadline)[0]
    g = land._riemannian(W, 1)[1]
    gn = np.linalg.norm(g, axis=1)
    W, gn = W[gn <= CRITICAL_GRAD_TOL], gn[gn <= CRITICAL_GRAD_TOL]
    return _dedupe(W, gn, 1e-6 * math.sqrt(land.N), max_points)


class _TooManyPoints(Exception):
    """A deduplication would hold more than its point budget."""


def _dedupe(W: np.ndarray, score: np.ndarray, radius: float, max_points: int = DEFAULT_BUDGET.max_points) -> np.ndarray:
    """One representative (lowest ``score``) per cluster of rows closer than ``radius``.

    Memory is linear in the number of rows, however they crowd: rows are first binned
    into cubes of side ``radius / sqrt(dim)`` (any two rows of a cube are within
    ``radius``, so they belong to one cluster) and each cube keeps its lowest-score row;
    the survivors, one per cube, are then joined when closer than ``radius``.  A survivor
    has at most a fixed number of neighbouring cubes, so the pair list stays linear too.
    (Clusters much tighter than ``radius``, such as Newton iterates of one critical point,
    are merged exactly; two rows of neighbouring cubes are joined through their cubes'
    survivors.)  More than ``max_points`` survivors raise :class:`_TooManyPoints`.
    """
    n = len(W)
    if n <= 1:
        return W
    dim = W.shape[1]
    order = np.argsort(score, kind="stable")
    Ws = W[order]
    cells = np.floor(Ws * (math.sqrt(dim) / radius)).astype(np.int64)
    _, first = np.unique(cells, axis=0, return_index=True)  # first = lowest score in its cube
    first.sort()
    if len(first) > max_points:
        raise _TooManyPoints(len(first))
    reps = Ws[first]
    m = len(reps)
    if m == 1:
        return reps
    pairs = cKDTree(reps).query_pairs(radius, output_type="ndarray")
    graph = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(m, m))
    _, label = connected_components(graph, directed=False)
    _, first_of_label = np.unique(label, return_index=True)  # reps are in score order
    return reps[np.sort(first_of_label)]


def _newton(land: Landscape, W: np.ndarray, iters: int, tol: float, max_step: float = 0.5,
            deadline: Deadline | None = None, batch: int | None = None):
    r"""Batched Riemannian Newton iteration (finds critical points of any index).

    Step: solve :math:`\operatorname{Hess} L\,\xi = -\operatorname{grad} L` on the tangent
    space (eigen-decomposition; tiny eigenvalues clipped), cap :math:`|\xi|` at
    ``max_step * sqrt(N)`` (an angle of ``max_step`` rad), retract to the sphere.
    Rows whose gradient norm falls to ``tol`` stop early.  Returns ``(W, grad_norm)``.
    Rows are independent: with ``batch``, at most that many are iterated at once (same
    result, bounded memory).  ``deadline`` is polled every iteration (``_OutOfTime``).
    """
    if batch is not None and len(W) > batch:
        parts = [_newton(land, W[a : a + batch], iters, tol, max_step, deadline) for a in range(0, len(W), batch)]
        return np.vstack([p[0] for p in parts]), np.concatenate([p[1] for p in parts])
    W = W.copy()
    N = land.N
    gn = np.full(len(W), np.inf)
    active = np.arange(len(W))
    cap = max_step * math.sqrt(N)
    for _ in range(iters):
        if active.size == 0:
            break
        if deadline is not None and deadline.expired():
            raise _OutOfTime()
        Wa = W[active]
        _, g, Hp, _ = land._riemannian(Wa, 2)
        gn[active] = np.linalg.norm(g, axis=1)
        keep = gn[active] > tol
        active, Wa, g, Hp = active[keep], Wa[keep], g[keep], Hp[keep]
        if active.size == 0:
            break
        lam, V = np.linalg.eigh(_augmented(Wa, Hp))
        tiny = 1e-14 * (1.0 + np.abs(lam).max(axis=1, keepdims=True))
        lam = np.where(np.abs(lam) < tiny, np.where(lam < 0, -tiny, tiny), lam)
        step = -np.einsum("rkj,rj->rk", V, np.einsum("rkj,rk->rj", V, g) / lam)
        step -= np.einsum("rk,rk->r", step, Wa)[:, None] * Wa / N  # exact tangency
        norm = np.linalg.norm(step, axis=1)
        step *= np.minimum(1.0, cap / np.maximum(norm, 1e-300))[:, None]
        W[active] = _retract(Wa + step)
    return W, gn


def _fibonacci_sphere(n: int) -> np.ndarray:
    """``n`` nearly uniform points on the unit 2-sphere (golden-angle spiral)."""
    i = np.arange(n) + 0.5
    z = 1.0 - 2.0 * i / n
    phi = np.pi * (3.0 - math.sqrt(5.0)) * i
    r = np.sqrt(1.0 - z * z)
    return np.column_stack([r * np.cos(phi), r * np.sin(phi), z])


class _OutOfTime(Exception):
    """The deadline of a budget passed."""


#: φ coefficients above this (in absolute value) dwarf R (of order 1): rounding of L's
#: gradient then exceeds the search's tolerance 1e-10, so no search is attempted and the
#: setting to change is φ's.
_LARGE_PHI = 1e6


def _newton_batch(land: Landscape, budget: WorkBudget) -> int:
    """Newton rows per batch so that one batch stays within ``budget.max_bytes / 4``."""
    N, H = land.N, land.H
    model = land._model
    if isinstance(model, _MonomialModel):
        per_row = 8 * (2 * sum(len(model.keys[d]) for d in (H, H - 1, H - 2)) + 6 * N * N + N * (H + 1))
    else:
        per_row = 8 * (N ** (H - 1) + 6 * N * N)
    return max(16, (budget.max_bytes // 4) // per_row)


def _phi_dominates(land: Landscape) -> bool:
    return bool(land.coeffs.size) and float(np.max(np.abs(land.coeffs))) > _LARGE_PHI


def _search_failure(land: Landscape, budget: WorkBudget, what: str) -> BudgetExceeded:
    """The error of a critical-point search that ran out of ``what``, naming what to change."""
    N, H = land.N, land.H
    big = float(np.max(np.abs(land.coeffs))) if land.coeffs.size else 0.0
    where = f"N = {N}, H = {H}, seed {land.seed}"
    if _phi_dominates(land):
        return BudgetExceeded(
            f"the critical-point search ({where}) {what}: the coefficients of phi reach {big:.3g}, so "
            "phi dwarfs R and rounding hides the critical points of R; use coefficients of phi "
            "below about 1e6 (a weaker or better-scaled activation term)",
            "coeffs",
        )
    setting = "H" if N <= 3 else "N"
    return BudgetExceeded(f"the critical-point search ({where}) {what}: lower {setting}", setting)


def _newton_search(land: Landscape, budget: WorkBudget = DEFAULT_BUDGET) -> np.ndarray:
    N, H = land.N, land.H
    rng = np.random.default_rng([land.seed, 2])
    if N == 3:
        n_fib = max(_FIB_MIN, _FIB_PER_H2 * H * H)
        starts = np.vstack([math.sqrt(3.0) * _fibonacci_sphere(n_fib), _uniform_sphere(rng, n_fib // 4, N)])
    else:
        n0 = 400 * H ** ((N - 1) // 2)
        starts = _uniform_sphere(rng, n0, N)
    deadline = budget.deadline()
    batch = _newton_batch(land, budget)
    used = 0
    found = np.zeros((0, N))
    radius = 1e-6 * math.sqrt(N)
    try:
        for round_ in range(6):
            used += len(starts)
            if used > budget.max_starts:
                raise _search_failure(
                    land, budget, f"needs more than max_starts = {budget.max_starts} Newton starts"
                )
            W, _ = _newton(land, starts, iters=40, tol=1e-12, deadline=deadline, batch=batch)
            cand = _verified_unique(land, W, budget.max_points, deadline)
            merged = _dedupe(np.vstack([found, cand]), np.zeros(len(found) + len(cand)), radius, budget.max_points)
            new = len(merged) - len(found)
            found = merged
            defect = _morse_defect(land, found)
            if not defect and ((N == 3 and round_ == 0) or new == 0):
                return found
            if deadline.expired():
                raise _OutOfTime()
            starts = _uniform_sphere(rng, 2 * len(starts), N)
    except _OutOfTime:
        raise _search_failure(land, budget, f"takes longer than max_seconds = {budget.max_seconds:g} s") from None
    except _TooManyPoints as exc:
        raise _search_failure(
            land, budget, f"holds more than max_points = {budget.max_points} distinct points ({exc.args[0]})"
        ) from None
    raise _search_failure(land, budget, "found no set of critical points satisfying the Morse relation in 6 rounds")


# --------------------------------------------------------------------------- descent


class DescentCancelled(Exception):
    """Raised by :func:`descend` when its ``cancel`` check returns true."""


@dataclass(frozen=True, eq=False)
class DescentResult:
    r"""End points of batched descents on one landscape (theory §6).

    ``w`` (runs, N) end points; ``u`` (runs,) loss per weight; ``grad_norm`` (runs,)
    Riemannian gradient norm per weight :math:`|\operatorname{grad} L|/\sqrt N`;
    ``index`` (runs,) Hessian index; ``steps`` (runs,) iterations (loss evaluations);
    ``converged`` (runs,) ``grad_norm <= tol``; ``flops`` floating-point operations spent in
    the tensor contractions; ``tol`` the tolerance used.
    """

    w: np.ndarray
    u: np.ndarray
    grad_norm: np.ndarray
    index: np.ndarray
    steps: np.ndarray
    converged: np.ndarray
    flops: int
    tol: float


def descend(
    land: Landscape,
    starts,
    *,
    tol: float = 1e-8,
    max_steps: int = 5000,
    newton_from: float = 5e-2,
    progress: Callable[[float], None] | None = None,
    cancel: Callable[[], bool] | None = None,
    budget: WorkBudget | None = None,
) -> DescentResult:
    r"""Batched projected-gradient descent with Newton refinement (theory §6).

    Each run follows the projected (Riemannian) gradient on the sphere,

    .. math::

        w \leftarrow \sqrt N\,\frac{w - \eta\,g}{|w - \eta\,g|}, \qquad
        g = \operatorname{grad} L(w) = P\nabla L(w),

    with its own step :math:`\eta`: the spectral (Barzilai–Borwein) step
    :math:`\eta = s^T s / s^T y` from the last accepted move (``s`` the change of ``w``,
    ``y`` of ``g``), clipped to ``[1e-3, 1e3]`` times a safe initial step
    :math:`1/(2\sqrt{2H(H-1)} + H\max|u| + 1)`, accepted when
    :math:`L(w_{new}) \le \max(\text{last 10 accepted losses}) - 10^{-4}\eta|g|^2`
    and halved otherwise (the non-monotone line search of Grippo–Lampariello–Lucidi, as in
    the spectral projected gradient of Birgin–Martínez–Raydan).  Once
    :math:`|g|/\sqrt N \le` ``newton_from`` and the tangent Hessian is positive definite
    (Cholesky), the run tries Newton steps :math:`\xi = -\operatorname{Hess}^{-1} g`, accepted
    only if the loss does not rise (beyond rounding, :math:`10^{-12} N`) and :math:`|g|`
    falls; otherwise it keeps descending (and retries Newton after a doubling wait).  Newton
    is therefore only a refinement inside a convex neighbourhood of the minimum that the
    descent has reached.  A run stops at :math:`|g|/\sqrt N \le` ``tol`` or after
    ``max_steps`` iterations.

    All runs advance together: one tensor contraction per iteration serves every active
    run (``2 n N^H`` flops for ``n`` runs) and yields loss, gradient and Hessian.

    Parameters
    ----------
    land : Landscape
    starts : array (runs, N)
        Start points on the sphere.
    tol : float
        Stop when the Riemannian gradient norm per weight :math:`|g|/\sqrt N` is ``<= tol``.
    max_steps : int
        Iteration cap per run (an iteration is one loss evaluation).
    newton_from : float
        Gradient norm per weight below which Newton refinement is attempted.
    progress : callable, optional
        Called with a fraction in [0, 1], non-decreasing: the mean over runs of the best
        :math:`\log(g_0/g)/\log(g_0/\mathrm{tol})` so far; called when it grows by 0.01
        and with 1.0 at the end.
    cancel : callable, optional
        Checked before every iteration; if it returns true, :class:`DescentCancelled` is
        raised.
    budget : WorkBudget, optional
        ``max_starts`` caps the runs, ``max_bytes`` the per-iteration working set (about
        ``32 runs N^2`` bytes for the Hessians), ``max_seconds`` the wall-clock time;
        :class:`BudgetExceeded` names ``runs`` (or ``N``) otherwise.

    Returns
    -------
    DescentResult
    """
    N = land.N
    W, _ = _check_points(starts, N, name="starts")
    if not (isinstance(tol, (int, float)) and math.isfinite(tol) and tol > 0):
        raise ValueError(f"tol must be a positive finite number, got {tol!r}")
    max_steps = _check_int("max_steps", max_steps, 1)
    if not (isinstance(newton_from, (int, float)) and newton_from >= 0):
        raise ValueError(f"newton_from must be a number >= 0, got {newton_from!r}")
    runs = len(W)
    budget = DEFAULT_BUDGET if budget is None else budget
    _check_descent_budget(runs, N, budget)
    deadline = budget.deadline()
    W = W.copy()
    sqn = math.sqrt(N)
    val, g, _, flops = land._riemannian(W, 1)
    gn = np.linalg.norm(g, axis=1) / sqn
    g0 = np.maximum(gn, tol * 1.0001)
    eta0 = 1.0 / (2.0 * math.sqrt(2.0 * land.H * (land.H - 1)) + land.H * np.abs(val).max() / N + 1.0)
    eta = np.full(runs, eta0)
    hist = np.repeat(val[:, None], _NONMONOTONE_MEMORY, axis=1)  # recent accepted losses (non-monotone reference)
    W_prev, g_prev = W.copy(), g.copy()
    steps = np.zeros(runs, dtype=int)
    wait = np.zeros(runs, dtype=int)  # iterations before the next Newton attempt
    backoff = np.full(runs, 4)
    best = np.zeros(runs)
    hess_cache: dict[int, np.ndarray] = {}  # projected Hessians of current points near convergence
    reported = -1.0
    active = np.flatnonzero(gn > tol)

    def report(final: bool = False):
        nonlocal reported
        if progress is None:
            return
        frac = 1.0 if final else float(np.mean(best))
        if final or frac >= reported + 0.01:
            reported = frac
            progress(frac)

    report()
    while active.size:
        if cancel is not None and cancel():
            raise DescentCancelled("descent cancelled")
        if deadline.expired():
            raise BudgetExceeded(
                f"{runs} descents at N = {N}, H = {land.H} take longer than max_seconds = "
                f"{budget.max_seconds:g} s: lower runs or N",
                "runs",
            )
        Wa, ga, va = W[active], g[active], val[active]
        trial = Wa - eta[active, None] * ga
        is_newton = np.zeros(active.size, dtype=bool)
        cand = np.flatnonzero((gn[active] <= newton_from) & (wait[active] == 0))
        if cand.size:
            missing = [i for i in cand if active[i] not in hess_cache]
            if missing:  # Hessians come with the trial evaluations; rarely needed afresh
                _, _, Hp, f = land._riemannian(Wa[missing], 2)
                flops += f
                hess_cache.update(zip(active[missing], Hp))
            Hp = np.stack([hess_cache[r] for r in active[cand]])
            xi, pd = _newton_steps_pd(_augmented(Wa[cand], Hp), ga[cand])
            if np.any(pd):
                c = cand[pd]
                trial[c] = Wa[c] + xi[pd]
                is_newton[c] = True
            bad = active[cand[~pd]]
            wait[bad] = backoff[bad]
            backoff[bad] *= 2
        trial = _retract(trial)
        tv, tG, tA, f = land._ambient(trial, 2)
        flops += f
        tradial = np.einsum("ri,ri->r", trial, tG) / N
        tg = tG - tradial[:, None] * trial
        tgn = np.linalg.norm(tg, axis=1) / sqn
        gsq = np.einsum("ri,ri->r", ga, ga)
        ref = hist[active].max(axis=1)
        armijo = tv <= ref - 1e-4 * eta[active] * gsq
        newton_ok = (tv <= va + 1e-12 * N) & (tgn < gn[active])
        accept = np.where(is_newton, newton_ok, armijo)
        acc = active[accept]
        W_prev[acc], g_prev[acc] = W[acc], g[acc]
        W[acc], val[acc], g[acc], gn[acc] = trial[accept], tv[accept], tg[accept], tgn[accept]
        near = np.flatnonzero(accept & (tgn <= newton_from))
        if near.size:
            hess_cache.update(zip(active[near], _project_hessian(trial[near], tA[near], tradial[near])))
        for r in active[accept & (tgn > newton_from)]:
            hess_cache.pop(r, None)
        hist[acc] = np.roll(hist[acc], 1, axis=1)
        hist[acc, 0] = tv[accept]
        gd = active[~is_newton]
        gd_acc = accept[~is_newton]
        new_eta = np.where(gd_acc, 1.5 * eta[gd], 0.5 * eta[gd])
        ok = gd[gd_acc]
        sv = W[ok] - W_prev[ok]
        yv = g[ok] - g_prev[ok]
        sy = np.einsum("ri,ri->r", sv, yv)
        ss = np.einsum("ri,ri->r", sv, sv)
        bb = np.where(sy > 0, ss / np.where(sy > 0, sy, 1.0), 1.5 * eta[ok])
        new_eta[gd_acc] = np.clip(bb, 1e-3 * eta0, 1e3 * eta0)
        eta[gd] = new_eta
        wait[active[is_newton & ~accept]] = backoff[active[is_newton & ~accept]]
        wait[active] = np.maximum(wait[active] - 1, 0)
        steps[active] += 1
        prog = np.clip(np.log(g0[active] / np.maximum(gn[active], tol)) / np.log(g0[active] / tol), 0.0, 1.0)
        best[active] = np.maximum(best[active], prog)
        done = (gn[active] <= tol) | (steps[active] >= max_steps)
        best[active[gn[active] <= tol]] = 1.0
        for r in active[done]:
            hess_cache.pop(r, None)
        active = active[~done]
        report()
    _, _, Hp, f = land._riemannian(W, 2)
    flops += f
    index = _index_from_projected(W, Hp)
    report(final=True)
    return DescentResult(
        w=W, u=val / N, grad_norm=gn, index=index, steps=steps, converged=gn <= tol, flops=int(flops), tol=float(tol)
    )


def _check_descent_budget(runs: int, N: int, budget: WorkBudget) -> None:
    if runs > budget.max_starts:
        raise BudgetExceeded(f"runs = {runs} is more than max_starts = {budget.max_starts}: lower runs", "runs")
    need = 32 * runs * N * N
    if need > budget.max_bytes:
        raise BudgetExceeded(
            f"{runs} descents at N = {N} need about {need / 2**20:.0f} MiB per iteration, more than "
            f"max_bytes = {budget.max_bytes / 2**20:.0f} MiB: lower runs or N",
            "runs",
        )


def _newton_steps_pd(M: np.ndarray, g: np.ndarray):
    """Newton steps ``-M^{-1} g`` where the matrices of the stack ``M`` are positive definite.

    One Cholesky factorisation per matrix (LAPACK ``potrf``/``potrs``); returns the steps and
    the positive-definite mask (rows where it is false hold zeros)."""
    steps = np.zeros_like(g)
    pd = np.zeros(len(M), dtype=bool)
    for r in range(len(M)):
        c, info = _potrf(M[r], lower=False, clean=False)
        if info == 0:
            steps[r] = -_potrs(c, g[r], lower=False)[0]
            pd[r] = True
    return steps, pd


def descent_details(
    N: int,
    H: int,
    runs: int,
    seed: int,
    coeffs=None,
    *,
    tol: float = 1e-8,
    max_steps: int = 5000,
    progress: Callable[[float], None] | None = None,
    cancel: Callable[[], bool] | None = None,
    budget: WorkBudget | None = None,
) -> DescentResult:
    """Descents from ``runs`` uniform random starts on the landscape with this seed (theory §6).

    The landscape is ``sample_landscape(N, H, seed, coeffs)``; the starts are
    ``runs`` uniform points on the sphere from ``numpy.random.default_rng([seed, 1])``
    (so the first ``m`` starts do not depend on ``runs``).  See :func:`descend` for the
    algorithm and the meaning of ``tol``, ``max_steps``, ``progress``, ``cancel`` and
    ``budget`` (which also caps the landscape's memory, see :func:`sample_landscape`).
    """
    N, H, seed, coeffs = _check_common(N, H, seed, coeffs, budget=budget)
    runs = _check_int("runs", runs, 1)
    _check_descent_budget(runs, N, DEFAULT_BUDGET if budget is None else budget)
    land = _make_landscape(N, H, seed, coeffs)
    starts = _uniform_sphere(np.random.default_rng([seed, 1]), runs, N)
    return descend(land, starts, tol=tol, max_steps=max_steps, progress=progress, cancel=cancel, budget=budget)


def descent(N: int, H: int, runs: int, seed: int, coeffs=None) -> np.ndarray:
    """Final loss per weight of ``runs`` descents on one sampled landscape (theory §6).

    Shorthand for ``descent_details(N, H, runs, seed, coeffs).u`` (shape ``(runs,)``).

    >>> u = descent(20, 3, runs=4, seed=0)
    >>> u.shape, bool(np.all(u < 0))
    ((4,), True)
    """
    return descent_details(N, H, runs, seed, coeffs).u


#: Runs per unit of a blocked descent experiment (:func:`descent_plan`).  Part of the
#: experiment's definition: a result depends on (settings, seed) and this constant only.
DESCENT_BLOCK = 25
#: Landscapes up to this many tensor entries (128 MiB) are kept between units of one process.
_KEEP_LANDSCAPE_ENTRIES = 2**24
_kept: dict[tuple, Landscape] = {}


def _unit_landscape(N: int, H: int, seed: int, coeffs: np.ndarray) -> Landscape:
    """The landscape of (N, H, seed, coeffs); the last small one is reused by later units."""
    key = (N, H, seed, tuple(float(c) for c in coeffs))
    land = _kept.get(key)
    if land is None:
        land = _make_landscape(N, H, seed, coeffs)
        _kept.clear()
        if N**H <= _KEEP_LANDSCAPE_ENTRIES:
            _kept[key] = land
    return land


def descent_plan(N: int, H: int, runs: int, seed: int, coeffs=None):
    """The blocked descent experiment as a :class:`compute.executor.Plan` (theory §6).

    ``runs`` descents on the landscape ``sample_landscape(N, H, seed, coeffs)``, in units of
    :data:`DESCENT_BLOCK` runs; unit ``i`` starts from uniform points on the sphere drawn
    from ``default_rng(SeedSequence(seed).spawn(n)[i])`` (:func:`descent_unit`).  Arguments
    are checked here, so a bad request fails before any unit is sent.
    """
    from compute.executor import Plan, block_sizes  # noqa: PLC0415 - executor imports this module lazily

    N, H, seed, coeffs = _check_common(N, H, seed, coeffs)
    runs = _check_int("runs", runs, 1)
    params = {"N": N, "H": H, "coeffs": [float(c) for c in coeffs] if np.any(coeffs) else None}
    sizes = block_sizes(runs, DESCENT_BLOCK)
    return Plan("descent", params, seed, sizes)


def descent_unit(params, seed: int, seq: np.random.SeedSequence, size: int,
                 progress: Callable[[float], None] | None = None) -> dict:
    """One unit of :func:`descent_plan`: ``size`` descents from this unit's starts (theory §6).

    Returns ``u``, ``index``, ``converged``, ``steps``, ``grad_norm`` (``size`` each), ``w``
    (``size`` × N) and ``flops``; see :func:`descend`.
    """
    N, H, seed, coeffs = _check_common(params["N"], params["H"], seed, params.get("coeffs"))
    size = _check_int("size", size, 1)
    land = _unit_landscape(N, H, seed, coeffs)
    starts = _uniform_sphere(np.random.default_rng(seq), size, N)
    res = descend(land, starts, progress=progress)
    return {"u": res.u, "index": res.index.astype(np.int64), "converged": res.converged,
            "steps": res.steps.astype(np.int64), "grad_norm": res.grad_norm, "w": res.w,
            "flops": int(res.flops)}


# --------------------------------------------------------------------------- pictures


@dataclass(frozen=True, eq=False)
class GlobeGrid:
    """Loss per weight on a longitude-latitude grid of the ``N = 3`` sphere (theory §6).

    ``lon`` (n_lon,) in [-pi, pi], ``lat`` (n_lat,) in [-pi/2, pi/2]; ``xyz``
    (n_lat, n_lon, 3) the unit-sphere points (``w = sqrt(3) * xyz``); ``u`` (n_lat, n_lon).
    """

    lon: np.ndarray
    lat: np.ndarray
    xyz: np.ndarray
    u: np.ndarray


def globe_grid(land: Landscape, n_lon: int = 200, n_lat: int = 100) -> GlobeGrid:
    r"""Loss per weight :math:`u = L(w)/3` on the ``N = 3`` sphere (theory §6), vectorised.

    :math:`w = \sqrt3(\cos\mathrm{lat}\cos\mathrm{lon}, \cos\mathrm{lat}\sin\mathrm{lon},
    \sin\mathrm{lat})`; both end longitudes are included so a surface plot closes.
    """
    if land.N != 3:
        raise ValueError(f"N must be 3 for the globe, got {land.N}")
    n_lon = _check_int("n_lon", n_lon, 3, 2000)
    n_lat = _check_int("n_lat", n_lat, 3, 1000)
    lon = np.linspace(-np.pi, np.pi, n_lon)
    lat = np.linspace(-np.pi / 2, np.pi / 2, n_lat)
    clat = np.cos(lat)[:, None]
    xyz = np.empty((n_lat, n_lon, 3))
    xyz[..., 0] = clat * np.cos(lon)
    xyz[..., 1] = clat * np.sin(lon)
    xyz[..., 2] = np.sin(lat)[:, None]
    u = land._ambient(math.sqrt(3.0) * xyz.reshape(-1, 3), 0)[0].reshape(n_lat, n_lon) / 3.0
    return GlobeGrid(lon=lon, lat=lat, xyz=xyz, u=u)


def _span_values(land: Landscape, Q: np.ndarray, X: np.ndarray) -> np.ndarray:
    """``L(Q x)`` for rows ``x`` of ``X`` (``Q``: orthonormal ``N x k``), via the restriction."""
    model = land._model
    if isinstance(model, _TensorModel) and Q.shape[1] < land.N:
        small = model.restrict(Q)
        val = small.evaluate(X, 0)[0]
        if np.any(land.coeffs):
            e_q = Q.sum(axis=0) / math.sqrt(land.N)  # s = (Q^T e) . x
            s = X @ e_q
            d = np.arange(1, land.H)
            val = val + (s[:, None] ** d) @ land.coeffs
        return val
    return land._ambient(X @ Q.T, 0)[0]


@dataclass(frozen=True, eq=False)
class Chart:
    """Loss per weight on a 2-D chart through ``w0`` (theory §6).

    ``theta1``, ``theta2`` (n,) angles in radians; ``u`` (n, n) indexed ``[i2, i1]``
    (rows follow ``theta2``); ``directions`` (2, N) the orthonormal tangent directions.
    """

    theta1: np.ndarray
    theta2: np.ndarray
    u: np.ndarray
    w0: np.ndarray
    directions: np.ndarray


def chart(land: Landscape, w0, directions=None, *, extent: float = 1.0, n: int = 101) -> Chart:
    r"""The landscape on a geodesic chart through ``w0`` (theory §6).

    .. math::

        w(\theta_1, \theta_2) = \sqrt N\left(\cos r\,\hat w_0
            + \frac{\sin r}{r}(\theta_1 d_1 + \theta_2 d_2)\right), \qquad
        r = \sqrt{\theta_1^2 + \theta_2^2},

    (the exponential map: :math:`r` is the angle from ``w0``), for
    :math:`\theta_i \in [-\mathrm{extent}, \mathrm{extent}]`.  The points lie in the
    3-dimensional span of :math:`\hat w_0, d_1, d_2`, on which ``R`` is again a spin glass;
    the restricted tensor is formed once (``6 N^H`` flops) and the grid costs nothing in ``N``.

    ``directions`` are two tangent vectors at ``w0`` (orthonormalised here); by default the
    eigenvectors of the two smallest eigenvalues of the Riemannian Hessian at ``w0`` (the
    softest directions of a basin, deterministic).
    """
    N = land.N
    W0, _ = _check_points(w0, N, name="w0")
    if len(W0) != 1:
        raise ValueError("w0 must be a single point of shape (N,)")
    w0 = W0[0]
    if N < 3:
        raise ValueError(f"N must be >= 3 for a 2-D chart, got {N}")
    if not (isinstance(extent, (int, float)) and 0 < extent <= np.pi):
        raise ValueError(f"extent must be a number in (0, pi], got {extent!r}")
    n = _check_int("n", n, 3, 1000)
    w_hat = w0 / np.linalg.norm(w0)
    if directions is None:
        B = tangent_basis(w0)
        _, V = np.linalg.eigh(land.hess_tangent(w0))
        D = (B @ V[:, :2]).T
    else:
        D = np.asarray(directions, dtype=float)
        if D.shape != (2, N) or not np.all(np.isfinite(D)):
            raise ValueError(f"directions must be a finite array of shape (2, N) = (2, {N})")
    Q, rfac = np.linalg.qr(np.column_stack([w_hat, D[0], D[1]]))
    if np.min(np.abs(np.diag(rfac))) < 1e-8:
        raise ValueError("directions must be linearly independent and not parallel to w0")
    Q = Q * np.sign(np.diag(rfac))  # keep the orientation of w0, d1, d2
    th = np.linspace(-extent, extent, n)
    t1, t2 = np.meshgrid(th, th)
    r = np.hypot(t1, t2)
    sinc = np.where(r > 0, np.sin(r) / np.where(r > 0, r, 1.0), 1.0)
    X = math.sqrt(N) * np.column_stack([np.cos(r).ravel(), (sinc * t1).ravel(), (sinc * t2).ravel()])
    u = _span_values(land, Q, X).reshape(n, n) / N
    return Chart(theta1=th, theta2=th.copy(), u=u, w0=w0.copy(), directions=Q[:, 1:].T.copy())


@dataclass(frozen=True, eq=False)
class Profile:
    """Loss per weight along the great circle from ``wa`` to ``wb`` (theory §6).

    ``t`` (n,) in [0, 1]; ``angle`` (n,) = ``t * omega`` radians; ``u`` (n,).
    """

    t: np.ndarray
    angle: np.ndarray
    u: np.ndarray
    omega: float


def great_circle_profile(land: Landscape, wa, wb, n: int = 201) -> Profile:
    r"""Loss per weight along the shorter great-circle arc from ``wa`` to ``wb`` (theory §6).

    .. math::

        w(t) = \sqrt N\,\frac{\sin((1-t)\Omega)\,\hat w_a + \sin(t\Omega)\,\hat w_b}{\sin\Omega},
        \qquad \cos\Omega = \hat w_a\cdot\hat w_b,\ t\in[0,1].
    """
    N = land.N
    A, _ = _check_points(wa, N, name="wa")
    Bp, _ = _check_points(wb, N, name="wb")
    if len(A) != 1 or len(Bp) != 1:
        raise ValueError("wa and wb must be single points of shape (N,)")
    n = _check_int("n", n, 2, 100000)
    a = A[0] / np.linalg.norm(A[0])
    b = Bp[0] / np.linalg.norm(Bp[0])
    omega = float(np.arccos(np.clip(a @ b, -1.0, 1.0)))
    if omega < 1e-9 or omega > np.pi - 1e-9:
        raise ValueError("wa and wb must be distinct and not antipodal (the great circle is then undefined)")
    t = np.linspace(0.0, 1.0, n)
    b_perp = b - (a @ b) * a
    b_perp /= np.linalg.norm(b_perp)
    Q = np.column_stack([a, b_perp])
    X = math.sqrt(N) * np.column_stack([np.cos(t * omega), np.sin(t * omega)])
    u = _span_values(land, Q, X) / N
    return Profile(t=t, angle=t * omega, u=u, omega=omega)
