"""Data of the analytic views (theory §3–§5.3): plain arguments in, plain numbers out.

Each function here is what the renderers (components/views/analytic.py) build on: its arguments
are ints, floats, strings and tuples, its result a dict of floats, tuples and numpy
arrays, so results can be pickled into any cache backend.  They also choose the grids
and the initial view windows of the plots.  Nothing here draws unseeded random numbers:
the Monte Carlo estimates take the seed of the settings.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from compute import activations, complexity, finite_n, network

if TYPE_CHECKING:  # the state imports this module (its automatic loss range)
    from components.state import Activation

__all__ = [
    "U_SPAN",
    "H_VALUES",
    "EXACT_TOTAL_MAX_N",
    "MC_MAX_N",
    "MC_MAX_INDEX",
    "MC_SAMPLES",
    "MC_POINTS",
    "complexity_grid",
    "finite_grid",
    "exact_total",
    "loss_window",
    "complexity_data",
    "layered_data",
    "finite_data",
    "activation_data",
    "mean_slope",
]

#: Loss-per-weight values every complexity grid covers (the range control's span).
U_SPAN = (-3.05, 0.55)
#: Depths of the "E against H" plot.
H_VALUES = tuple(range(2, 13))
#: Highest index any view draws: the grids contain −E_k for every k up to it, so a
#: curve is sampled at the same points whatever the highest index shown (the browser
#: draws every K from one set of curves, components/views/redraw.py).
K_GRID = 10
#: Largest N for which the exact finite-N total (theory §4) is computed live; its cost
#: grows like N² (about 0.1–0.4 s at N = 10⁴ on the plot's grid).
EXACT_TOTAL_MAX_N = 10_000
#: Largest N for Monte Carlo index-k counts (compute.finite_n.MAX_N_INDEX).
MC_MAX_N = finite_n.MAX_N_INDEX
#: Indices k estimated by Monte Carlo (minima and index-1 saddles).
MC_MAX_INDEX = 1
#: Matrices sampled per Monte Carlo estimate, and levels u estimated.
MC_SAMPLES = 1000
MC_POINTS = 7

# Points of the complexity grid: left tail, the window around the band, right tail.
_N_LEFT, _N_WINDOW, _N_RIGHT = 60, 360, 80
# Points of the finite-N grid (the exact total costs one quadrature break per point).
_N_FINITE = 160
_LN10 = math.log(10.0)


def loss_window(H: int) -> tuple[float, float]:
    """The automatic loss range shown: the band (−E_0, −E_∞) with margins (theory §3)."""
    energies = complexity.ground_state_energies(H, 0)
    _, window, _ = complexity_grid(energies, complexity.e_inf(H))
    return window


def complexity_grid(energies: np.ndarray, e_inf: float) -> tuple[np.ndarray, tuple, float]:
    """Loss grid ``u`` for the complexity plot, its initial window and the band width.

    The window spans the band (-E_0, -E_∞) with margins; the grid is dense there,
    sparser in the tails, which reach :data:`U_SPAN` (and at least u = 0.1, where Θ_H
    reaches ½ log(H−1)), and contains -E_k and -E_∞ exactly so the curves pass through
    their zeros and the kink.
    """
    e0 = float(energies[0])
    width = max(e0 - e_inf, 0.02)  # H = 2: the band is empty (E_k = E_∞)
    lo, hi = -e0 - 0.6 * width, -e_inf + 0.8 * width
    start = min(-e0 - 2.0 * width - 0.1, U_SPAN[0])
    u = np.concatenate(
        (
            np.linspace(start, lo, _N_LEFT, endpoint=False),
            np.linspace(lo, hi, _N_WINDOW, endpoint=False),
            np.linspace(hi, U_SPAN[1], _N_RIGHT),
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
    u, x_window, _ = complexity_grid(complexity.ground_state_energies(H, K_GRID), e_inf)
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


def layered_data(kmax: int = 10) -> dict:
    """E_0..E_kmax and E_∞ for every depth H = 2..12 (theory §3, the layered structure).

    Returns ``H`` (the depths), ``energies`` of shape (len(H), kmax + 1) with
    ``energies[i, k]`` = E_k(H_i), and ``e_inf`` = E_∞(H_i) = 2√((H−1)/H).
    """
    energies = np.vstack([complexity.ground_state_energies(H, kmax) for H in H_VALUES])
    e_inf = np.array([complexity.e_inf(H) for H in H_VALUES])
    return {"H": np.array(H_VALUES), "energies": energies, "e_inf": e_inf}


@lru_cache(maxsize=512)
def _exact_total(N: int, H: int, u: tuple) -> np.ndarray:
    return finite_n.log_expected_total_count(N, H, np.asarray(u)) / _LN10


def exact_total(N: int, H: int, u: np.ndarray) -> np.ndarray:
    """log₁₀ E Crt_N((−∞, N·u]) on the grid ``u`` (theory §4), memoized in the process."""
    return _exact_total(int(N), int(H), tuple(np.asarray(u, dtype=float).tolist()))


def finite_grid(H: int, window: tuple[float, float]) -> np.ndarray:
    """Loss levels of the finite-N plot: ``window`` with 25 % margins, −E_k (k ≤ 10), −E_∞
    and the Monte Carlo levels -- the same for every N and highest index K."""
    energies = complexity.ground_state_energies(H, K_GRID)
    e_inf = complexity.e_inf(H)
    lo, hi = float(window[0]), float(window[1])
    margin = 0.25 * (hi - lo)
    mc_u = np.linspace(lo, hi, MC_POINTS + 2)[1:-1]
    u = np.unique(
        np.concatenate(
            (np.linspace(lo - margin, hi + margin, _N_FINITE), -energies, [-e_inf], mc_u)
        )
    )
    return u[(u >= lo - margin) & (u <= hi + margin)]


@lru_cache(maxsize=32)
def _monte_carlo(N: int, H: int, u: tuple, kmax: int, seed: int) -> tuple:
    """The Monte Carlo points of the finite-N plot as one seed-blocked plan (theory §4:
    :func:`compute.finite_n.index_counts`, the same matrices for every point), run in this
    process: it is part of drawing the plot (at most about a second at N = 200), not a job."""
    points = [(float(x), k) for k in range(kmax + 1) for x in u]
    results = finite_n.index_counts(N, H, points, samples=MC_SAMPLES, seed=seed)
    rows = []
    for k in range(kmax + 1):
        part = results[k * len(u):(k + 1) * len(u)]
        rows.append((tuple(r.value for r in part), tuple(r.stderr for r in part),
                     part[0].method if part else ""))
    return tuple(rows)


def finite_data(H: int, K: int, N: int, seed: int, window: tuple[float, float]) -> dict:
    """Expected numbers of critical points below each loss level at finite N (theory §3, §4).

    On a grid of ``window`` (spin-glass u) with 25 % margins:

    * ``leading`` (shape (K+1, n)) and ``leading_total``: the leading order
      log₁₀ e^{NΘ_{k,H}(u)} = N Θ_{k,H}(u) / ln 10 and N Θ_H(u) / ln 10 (theory §3);
    * ``exact_total``: log₁₀ E Crt_N((−∞, u]) from the GOE one-point density
      (theory §4; :func:`compute.finite_n.log_expected_total_count`) for
      N ≤ :data:`EXACT_TOTAL_MAX_N`, else ``None``;
    * ``mc``: for N ≤ :data:`MC_MAX_N`, seeded Monte Carlo estimates of E Crt_{N,k}
      for k ≤ min(K, 1) at :data:`MC_POINTS` levels ``mc_u`` inside the window
      (:func:`compute.finite_n.expected_critical_points`, ``seed``, :data:`MC_SAMPLES`
      matrices): a list of ``(k, values, stderrs, method)``; empty otherwise.  The
      levels ``mc_u`` are points of the grid ``u``.
    """
    energies = complexity.ground_state_energies(H, K)
    e_inf = complexity.e_inf(H)
    lo, hi = float(window[0]), float(window[1])
    mc_u = np.linspace(lo, hi, MC_POINTS + 2)[1:-1]
    u = finite_grid(H, window)
    leading = np.vstack([N * complexity.theta(u, H, k) for k in range(K + 1)]) / _LN10
    leading_total = N * complexity.theta(u, H) / _LN10
    exact = _exact_total(N, H, tuple(u.tolist())) if N <= EXACT_TOTAL_MAX_N else None
    mc = []
    if N <= MC_MAX_N:
        kmax = min(K, MC_MAX_INDEX)
        for k, (values, stderrs, method) in enumerate(
            _monte_carlo(N, H, tuple(mc_u.tolist()), kmax, int(seed))
        ):
            mc.append((k, np.asarray(values), np.asarray(stderrs), method))
    return {
        "H": int(H),
        "K": int(K),
        "N": int(N),
        "seed": int(seed),
        "u": u,
        "leading": leading,
        "leading_total": leading_total,
        "exact_total": None if exact is None else np.asarray(exact),
        "mc_u": mc_u if mc else np.empty(0),
        "mc": mc,
        "energies": np.asarray(energies, dtype=float),
        "e_inf": float(e_inf),
        "window": (lo, hi),
    }


# Points of the activation grid over mu +- _Z_SPAN sigma, and of the phi(s) grid.
_N_Z = 401
_Z_SPAN = 4.0
_S = np.linspace(-3.0, 3.0, 121)


def activation_data(act: Activation, H: int) -> dict:
    """Activation f, its PL fit, the piece statistics and φ of ``act`` (theory §5.1–§5.3).

    The grid covers μ ± 4σ (plus the breakpoints inside it).  Returns a dict with the
    grid ``z``, ``f``, ``fit`` = f̂, the ``density`` of N(μ, σ²), the fit's
    ``breakpoints`` inside the grid with ``breakpoint_values`` = f̂(a_ℓ), every breakpoint
    (``all_breakpoints``), the number of ``pieces`` of the fit, its mean squared
    ``error`` E[(f(Z) − f̂(Z))²] and ``relative_error`` (error / Var f(Z)), whether the
    fit is ``exact``, the piece probabilities ``rho``, ``slopes``, ``intercepts``,
    ``alpha_bar``, ``beta_bar``, ``loss_scale`` = ᾱ^(H−1), ``gamma``, the coefficients
    ``kappa`` of φ and φ(s) on s ∈ [−3, 3] (``s``, ``phi``).  ``ValueError`` from
    compute/ (a UI-ready message) propagates.
    """
    name, param, mu, sigma, knots = act.name, act.param, act.mu, act.sigma, act.knots
    model = network.describe_activation(name, param, act.pieces, mu, sigma, H, act.gamma,
                                        knots=knots)
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
        "all_breakpoints": tuple(float(a) for a in pl.breakpoints),
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
        "gamma": float(model.gamma),
        "kappa": tuple(float(x) for x in model.kappa),
        "s": _S.copy(),
        "phi": np.asarray(model.phi(_S), dtype=float),
    }


def mean_slope(act: Activation) -> float:
    """The mean slope ᾱ = Σ ρ_ℓ α_ℓ of the activation's PL model (theory §5.2).

    Network loss values are ᾱ^{H−1} times the spin-glass values (theory §5.3); γ does not
    enter.  ``ValueError`` (UI-ready) when the fit fails or ᾱ ≈ 0.
    """
    model = network.describe_activation(act.name, act.param, act.pieces, act.mu, act.sigma, 2,
                                        knots=act.knots)
    return float(model.alpha_bar)


def phi_vanishes(act: Activation, H: int) -> bool:
    """True when the activation's deterministic term φ is identically zero (γ = 0 or
    β̄ = 0, theory §5.3): then the spin-glass counts of theory §3–§4 are the network's.

    ``ValueError`` (UI-ready) when the PL fit fails.
    """
    model = network.describe_activation(act.name, act.param, act.pieces, act.mu, act.sigma, H,
                                        gamma=act.gamma, knots=act.knots)
    return bool(model.is_spin_glass)
