"""Adapters between compute/ and the figures: plain arguments in, plain numbers out.

Each function here is what the callbacks memoize (components/cache.py): its arguments
are ints, floats, strings and tuples, its result a dict of floats, tuples and numpy
arrays, so results can be pickled into any cache backend.  They also choose the grids
and the initial view windows of the plots.
"""

from __future__ import annotations

import math

import numpy as np

from compute import activations, complexity, network

__all__ = ["complexity_data", "complexity_grid", "activation_data"]

# Points of the complexity grid: left tail, the window around the band, right tail.
_N_LEFT, _N_WINDOW, _N_RIGHT = 60, 360, 80
_U_MAX = 0.1


def complexity_grid(energies: np.ndarray, e_inf: float) -> tuple[np.ndarray, tuple, float]:
    """Loss grid ``u`` for the complexity plot, its initial window and the band width.

    The window spans the band (-E_0, -E_∞) with margins; the grid is dense there,
    sparser in the tails up to u = 0.1 (where Θ_H reaches ½ log(H−1)), and contains
    -E_k and -E_∞ exactly so the curves pass through their zeros and the kink.
    """
    e0 = float(energies[0])
    width = max(e0 - e_inf, 0.02)  # H = 2: the band is empty (E_k = E_∞)
    lo, hi = -e0 - 0.6 * width, -e_inf + 0.8 * width
    start = -e0 - 2.0 * width - 0.1
    u = np.concatenate(
        (
            np.linspace(start, lo, _N_LEFT, endpoint=False),
            np.linspace(lo, hi, _N_WINDOW, endpoint=False),
            np.linspace(hi, _U_MAX, _N_RIGHT),
            -np.asarray(energies, dtype=float),
            [-e_inf],
        )
    )
    return np.unique(u), (lo, hi), width


def complexity_data(H: int, K: int) -> dict:
    """Θ_{k,H}(u) for k = 0..K, Θ_H(u), E_0..E_K and E_∞ on the plot grid (theory §3).

    Returns a dict with ``u``, ``theta_k`` (shape (K+1, len(u))), ``theta_total``,
    ``energies`` (E_0..E_K), ``e_inf``, ``plateau`` = Θ_{k,H}(-E_∞) = ½log(H−1) − (H−2)/H,
    and the initial view ``x_window``, ``y_window``.  ``ValueError`` from compute/ on
    bad H or K propagates.
    """
    energies = complexity.ground_state_energies(H, K)
    e_inf = complexity.e_inf(H)
    u, x_window, _ = complexity_grid(energies, e_inf)
    theta_k = np.vstack([complexity.theta(u, H, k) for k in range(K + 1)])
    theta_total = complexity.theta(u, H)
    plateau = 0.5 * math.log(H - 1) - (H - 2) / H
    scale = max(plateau, 0.01)
    return {
        "H": int(H),
        "K": int(K),
        "u": u,
        "theta_k": theta_k,
        "theta_total": theta_total,
        "energies": np.asarray(energies, dtype=float),
        "e_inf": float(e_inf),
        "plateau": float(plateau),
        "x_window": (float(x_window[0]), float(x_window[1])),
        "y_window": (-0.7 * scale, 1.8 * scale),
    }


# Points of the activation grid over mu +- _Z_SPAN sigma.
_N_Z = 401
_Z_SPAN = 4.0


def activation_data(
    name: str,
    param: float | None,
    pieces: int,
    mu: float,
    sigma: float,
    H: int,
    knots: tuple | None = None,
) -> dict:
    """Activation f, its PL fit and the piece statistics on a grid (theory §5.1–§5.3).

    The grid covers μ ± 4σ (plus the breakpoints inside it).  Returns a dict with the
    grid ``z``, ``f``, ``fit`` = f̂, the ``density`` of N(μ, σ²), the fit's
    ``breakpoints`` inside the grid with ``breakpoint_values`` = f̂(a_ℓ), the number of
    ``pieces`` of the fit, its mean squared ``error`` E[(f(Z) − f̂(Z))²] and
    ``relative_error`` (error / Var f(Z)), whether the fit is ``exact``, the piece
    probabilities ``rho``, ``slopes``, ``intercepts``, ``alpha_bar``, ``beta_bar``,
    ``loss_scale`` = ᾱ^(H−1) and the coefficients ``kappa`` of φ.  ``ValueError`` from
    compute/ (a UI-ready message) propagates.
    """
    model = network.describe_activation(name, param, pieces, mu, sigma, H, knots=knots)
    pl = model.fit.pl
    lo, hi = mu - _Z_SPAN * sigma, mu + _Z_SPAN * sigma
    inside = [a for a in pl.breakpoints if lo <= a <= hi]
    z = np.unique(np.concatenate((np.linspace(lo, hi, _N_Z), inside)))
    f = activations.evaluate(name, z, param=param, knots=knots)
    fit = pl(z)
    density = np.exp(-0.5 * ((z - mu) / sigma) ** 2) / (sigma * math.sqrt(2.0 * math.pi))
    return {
        "z": z,
        "f": np.asarray(f, dtype=float),
        "fit": np.asarray(fit, dtype=float),
        "density": density,
        "breakpoints": tuple(float(a) for a in inside),
        "breakpoint_values": tuple(float(v) for v in pl(np.asarray(inside, dtype=float))),
        "pieces": int(pl.pieces),
        "slopes": tuple(float(x) for x in pl.slopes),
        "intercepts": tuple(float(x) for x in pl.intercepts),
        "rho": tuple(float(x) for x in model.rho),
        "error": float(model.fit.error),
        "relative_error": float(model.fit.relative_error),
        "exact": bool(model.fit.exact),
        "alpha_bar": float(model.alpha_bar),
        "beta_bar": float(model.beta_bar),
        "loss_scale": float(model.loss_scale),
        "kappa": tuple(float(x) for x in model.kappa),
    }
