"""From an activation to the deterministic part of the network loss (theory §5.3).

For a PL activation with piece statistics ᾱ, β̄ (theory §5.2) and depth H, the expected loss
of Choromanska's model becomes, in units of ᾱ^{H−1},

.. math::

    \\mathcal L(w) = R(w) + \\varphi(s), \\qquad s = \\frac{\\mathbf 1\\cdot w}{\\sqrt N},
    \\qquad \\varphi(s) = \\sum_{d=1}^{H-1} \\kappa_d s^d,
    \\qquad \\kappa_d = \\gamma\\,\\bar\\beta\\,\\frac{\\bar\\alpha^{d-1}}{\\bar\\alpha^{H-1}},

and loss values in the network's own units are ᾱ^{H−1} times the spin-glass values.
Everything public takes plain numbers, strings and tuples, so callers can memoize it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.polynomial import polynomial as P

from compute.activations import PLFit, fit_piecewise_linear, piece_statistics, slope_scale
from compute.validation import real_param

__all__ = [
    "H_RANGE",
    "GAMMA_RANGE",
    "ALPHA_BAR_MIN",
    "BETA_BAR_ROUNDING",
    "ActivationModel",
    "check_depth",
    "kappa_coefficients",
    "loss_scale",
    "phi",
    "dphi",
    "d2phi",
    "describe_activation",
]

#: Allowed depth H (number of weight layers = spin-glass degree).
H_RANGE = (2, 64)
#: Allowed strength γ of the deterministic part (0 switches it off).
GAMMA_RANGE = (0.0, 100.0)
#: Smallest |ᾱ| accepted, relative to the largest slope of the activation (its PL fit or itself).
ALPHA_BAR_MIN = 1e-6
#: |β̄| at or below this fraction of Σ ρ_ℓ |β_ℓ| is rounding error and is set to 0.
BETA_BAR_ROUNDING = 1e-12


def check_depth(H) -> int:
    """Validate the depth H (an integer in [2, 64]) and return it as ``int``."""
    ok = not isinstance(H, bool) and (
        isinstance(H, (int, np.integer)) or (isinstance(H, float) and H.is_integer())
    )
    if not ok or not (H_RANGE[0] <= int(H) <= H_RANGE[1]):
        raise ValueError(f"depth H must be an integer in [{H_RANGE[0]}, {H_RANGE[1]}]; got {H!r}")
    return int(H)


def _check_gamma(gamma) -> float:
    return real_param(gamma, "γ", *GAMMA_RANGE, "strength of the deterministic part")


def _check_alpha_bar(alpha_bar, slope_scale: float = 1.0) -> float:
    try:
        a = float(alpha_bar)
    except (TypeError, ValueError):
        a = math.nan
    if not math.isfinite(a):
        raise ValueError(f"mean slope ᾱ must be a finite number; got {alpha_bar!r}")
    if abs(a) <= ALPHA_BAR_MIN * max(slope_scale, 0.0) or a == 0.0:
        raise ValueError(
            f"the mean slope ᾱ = Σ ρ_ℓ α_ℓ is {a:.3g}, below {ALPHA_BAR_MIN:g} of the activation's "
            f"largest slope ({slope_scale:.3g}): the activation is (almost) flat where the "
            "pre-activations fall, and the network expansion divides by ᾱ^(H−1) (theory §5.3). "
            "Choose another activation, or move the pre-activation mean μ toward the activation's "
            "steep part / widen σ."
        )
    return a


def kappa_coefficients(
    alpha_bar: float, beta_bar: float, H: int, gamma: float = 1.0
) -> tuple[float, ...]:
    """Coefficients κ_1..κ_{H−1} of φ (theory §5.3).

    .. math::

        \\kappa_d = \\gamma\\,\\bar\\beta\\,\\bar\\alpha^{d-1} / \\bar\\alpha^{H-1}
                  = \\gamma\\,\\bar\\beta\\,\\bar\\alpha^{d-H}, \\qquad d = 1, \\dots, H-1.

    ``ValueError`` for ᾱ = 0, non-finite β̄, H outside [2, 64], γ outside
    [0, 100], or coefficients that overflow.

    >>> kappa_coefficients(0.5, 0.25, 3)
    (1.0, 0.5)
    """
    H = check_depth(H)
    g = _check_gamma(gamma)
    a = _check_alpha_bar(alpha_bar, 0.0)
    b = float(beta_bar)
    if not math.isfinite(b):
        raise ValueError(f"mean intercept β̄ must be a finite number; got {beta_bar!r}")
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        d = np.arange(1, H)
        kappa = g * b * np.power(a, (d - H).astype(float))
    if not np.all(np.isfinite(kappa)):
        raise ValueError(
            f"the coefficients κ_d = γ β̄ ᾱ^(d−H) overflow for ᾱ = {a:.3g} and H = {H}; "
            "choose a smaller depth or a pre-activation range where the activation is steeper."
        )
    return tuple(float(k) for k in kappa)


def loss_scale(alpha_bar: float, H: int) -> float:
    """Factor ᾱ^{H−1} from spin-glass units to the network's loss units (theory §5.3).

    >>> loss_scale(0.5, 3)
    0.25
    """
    H = check_depth(H)
    a = _check_alpha_bar(alpha_bar, 0.0)
    scale = a ** (H - 1)
    if scale == 0.0 or not math.isfinite(scale):
        raise ValueError(f"the loss scale ᾱ^(H−1) under/overflows for ᾱ = {a:.3g}, H = {H}")
    return float(scale)


def _poly(kappa) -> np.ndarray:
    k = np.asarray(kappa, dtype=float)
    if k.ndim != 1 or not np.all(np.isfinite(k)):
        raise ValueError("kappa must be a finite sequence of coefficients κ_1, κ_2, …")
    return np.concatenate(([0.0], k))


def phi(s, kappa) -> np.ndarray:
    """φ(s) = Σ_d κ_d s^d (theory §5.3), vectorised over ``s``; ``kappa = (κ_1, κ_2, …)``.

    >>> float(phi(2.0, (1.0, 0.5)))
    4.0
    """
    return P.polyval(np.asarray(s, dtype=float), _poly(kappa))


def dphi(s, kappa) -> np.ndarray:
    """φ'(s) = Σ_d d κ_d s^{d−1} (theory §5.3–§5.4), vectorised over ``s``.

    >>> float(dphi(2.0, (1.0, 0.5)))
    3.0
    """
    return P.polyval(np.asarray(s, dtype=float), P.polyder(_poly(kappa), 1))


def d2phi(s, kappa) -> np.ndarray:
    """φ''(s) = Σ_d d(d−1) κ_d s^{d−2} (theory §5.4), vectorised over ``s``.

    >>> float(d2phi(2.0, (1.0, 0.5)))
    1.0
    """
    c = _poly(kappa)
    if c.size < 3:
        return np.zeros_like(np.asarray(s, dtype=float))
    return P.polyval(np.asarray(s, dtype=float), P.polyder(c, 2))


@dataclass(frozen=True)
class ActivationModel:
    """An activation seen through the network expansion (theory §5.1–§5.3).

    ``fit`` is the PL model of the activation (:class:`compute.activations.PLFit`), ``rho`` its
    piece probabilities, ``alpha_bar`` = ᾱ, ``beta_bar`` = β̄, ``kappa`` = (κ_1..κ_{H−1}),
    ``loss_scale`` = ᾱ^{H−1} (network loss = loss_scale × spin-glass loss).
    """

    name: str
    param: float | None
    pieces: int
    mu: float
    sigma: float
    H: int
    gamma: float
    fit: PLFit
    rho: tuple[float, ...]
    alpha_bar: float
    beta_bar: float
    kappa: tuple[float, ...]
    loss_scale: float

    @property
    def fit_error(self) -> float:
        """E[(f(Z) − f̂(Z))²] of the PL fit."""
        return self.fit.error

    @property
    def is_spin_glass(self) -> bool:
        """True when φ ≡ 0 (β̄ = 0 or γ = 0): Choromanska's pure spin-glass model."""
        return all(k == 0.0 for k in self.kappa)

    def phi(self, s) -> np.ndarray:
        """φ(s), theory §5.3."""
        return phi(s, self.kappa)

    def dphi(self, s) -> np.ndarray:
        """φ'(s), theory §5.3."""
        return dphi(s, self.kappa)

    def d2phi(self, s) -> np.ndarray:
        """φ''(s), theory §5.3."""
        return d2phi(s, self.kappa)


def describe_activation(
    name: str,
    param: float | None,
    pieces: int,
    mu: float,
    sigma: float,
    H: int,
    gamma: float = 1.0,
    knots: tuple | None = None,
    end_slopes: tuple[float, float] | None = None,
    symmetric: bool = False,
) -> ActivationModel:
    """PL fit, piece statistics and φ of an activation at depth H (theory §5.1–§5.3).

    Fits the activation with ``pieces`` pieces under Z ~ N(μ, σ²)
    (:func:`compute.activations.fit_piecewise_linear`), computes ρ_ℓ, ᾱ = Σ ρ_ℓ α_ℓ,
    β̄ = Σ ρ_ℓ β_ℓ, then κ_d = γ β̄ ᾱ^{d−1}/ᾱ^{H−1} (d = 1..H−1) and the loss scale ᾱ^{H−1}.
    ``ValueError`` with a message fit for the UI for bad parameters, when
    |ᾱ| ≤ 1e-6 × (largest slope of the activation or of its fit; :func:`compute.activations.slope_scale`:
    the activation is flat where the pre-activations fall), or when a κ_d overflows.
    ``symmetric`` selects the odd-constrained fit for odd activations (see
    :func:`compute.activations.fit_piecewise_linear`; the default is the least-squares optimum).

    >>> m = describe_activation("relu", None, 2, 0.0, 1.0, 3)
    >>> m.alpha_bar, m.beta_bar, m.kappa, m.loss_scale
    (0.5, 0.0, (0.0, 0.0), 0.25)
    """
    H = check_depth(H)
    g = _check_gamma(gamma)
    fit = fit_piecewise_linear(name, param, pieces, mu, sigma, knots=knots, end_slopes=end_slopes,
                               symmetric=symmetric)
    stats = piece_statistics(fit.pl, fit.mu, fit.sigma)
    scale = max(max(abs(a) for a in fit.pl.slopes), slope_scale(name, fit.param, knots, end_slopes))
    _check_alpha_bar(stats.alpha_bar, scale)
    # An odd activation at μ = 0 has β̄ = 0 exactly (theory §5.3), but the sum Σ ρ_ℓ β_ℓ
    # leaves a few 1e-16: that would give a tiny, meaningless φ.
    beta_scale = sum(r * abs(b) for r, b in zip(stats.rho, fit.pl.intercepts))
    beta_bar = 0.0 if abs(stats.beta_bar) <= BETA_BAR_ROUNDING * beta_scale else stats.beta_bar
    kappa = kappa_coefficients(stats.alpha_bar, beta_bar, H, g)
    return ActivationModel(
        name=fit.name,
        param=fit.param,
        pieces=fit.pieces,
        mu=fit.mu,
        sigma=fit.sigma,
        H=H,
        gamma=g,
        fit=fit,
        rho=stats.rho,
        alpha_bar=stats.alpha_bar,
        beta_bar=beta_bar,
        kappa=kappa,
        loss_scale=loss_scale(stats.alpha_bar, H),
    )
