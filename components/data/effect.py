"""Data of the "activation effect" view (theory §5.4–§5.5): plain arguments in, plain numbers out.

The functions here are what the view's callbacks memoize (components/cache.py): their
arguments are ints, floats, strings and tuples, their results dicts of floats, strings,
tuples and numpy arrays.  The mathematics lives in compute/ (compute/network.py for κ,
compute/kac_rice.py for the counts and the modulation factor); this module chooses the
grid, applies the domain of validity of theory §5.5 and says in words why a value is not
shown (codes of components/data/reasons.py).  The activation arrives as one hashable
:class:`components.state.Activation`.
"""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING

import numpy as np

from components import tasks
from components.data.lab import report
from components.data.reasons import DIVERGES, NONFINITE, OK, PEAK, POLE, REGIME
from compute import kac_rice, overlap
from compute.complexity import e_inf, ground_state_energies
from compute.network import describe_activation

if TYPE_CHECKING:
    from components.state import Activation

__all__ = [
    "N_RANGE",
    "U_RANGE",
    "SAMPLES",
    "DEFAULT_N",
    "COMPARE",
    "OK",
    "DIVERGES",
    "POLE",
    "NONFINITE",
    "REGIME",
    "REASONS",
    "u_grid",
    "default_level",
    "spans",
    "modulation_data",
    "finite_n_counts",
]

#: Number of weights accepted by the finite-N counts (theory §5.4).
N_RANGE = (2, 200)
#: Level u accepted by the finite-N counts (loss per weight, spin-glass units).
U_RANGE = (-4.0, 0.0)
#: Monte Carlo sample size of the finite-N counts.
SAMPLES = 2000
#: Time limit of the finite-N counts (seconds); its refusal names what to lower.
COUNTS_TIME_LIMIT = 300
#: N of the finite-N counts when the settings carry no lab N.
DEFAULT_N = 50
#: Activations compared side by side (the user's own is added when it is not one of them).
COMPARE = ("relu", "sigmoid", "softplus")

#: Why a value of K_k(u) is not drawn, in words (codes of the ``reason0`` / ``reason1`` arrays).
REASONS = {
    DIVERGES: (
        "the average over the overlap s in theory §5.5 diverges (φ is quadratic and the s² "
        "coefficient of its exponent is at least 1/2): the dominant critical points sit at a "
        "macroscopic overlap with the all-ones direction, the activation changes the "
        "exponential growth rate itself, and no finite factor describes the counts"
    ),
    POLE: (
        "below −E₀ the spin-glass count of minima vanishes exponentially with N, while about one "
        "minimum near a pole w = ±𝟏 (where φ is extreme) stays below every level: the ratio of "
        "the counts grows without bound, so K₀ is not a valid description there"
    ),
    NONFINITE: "the factor over- or underflows double precision here, so it cannot be shown",
    REGIME: (
        "at your N the minima below this level are not in the spin-glass regime (theory §5.6): they "
        "sit at a macroscopic overlap with the all-ones direction (shifted) or are φ's own minima "
        "near a pole (deterministic), where §5.5's expansion around overlap s = O(1) does not look — "
        "the 'Where the minima are' tab shows where they are"
    ),
    PEAK: (
        "the average over the overlap s in theory §5.5 is dominated by |s| > 4, far in the "
        "Gaussian tail: those critical points sit at a large overlap with the all-ones "
        "direction, outside the s = O(1) expansion, and the factor does not even tend to 1 as "
        "φ is switched off"
    ),
}


# ---------------------------------------------------------------------------------------
# Grids and levels
# ---------------------------------------------------------------------------------------

_N_GRID = 200


def u_grid(H: int) -> tuple[np.ndarray, float, float]:
    """Grid of u below the threshold for the K_k(u) plots, with E_0 and E_∞ (theory §3).

    The grid spans ``[-E_0 - w, -E_∞)`` with ``w = max(2 (E_0 - E_∞), 0.15)``, so the band
    (−E_0, −E_∞) of low-lying minima and the region below the ground state are both visible;
    it contains −E_0 exactly (for H ≥ 3) and stops just short of −E_∞, where theory §5.5 ends.
    """
    e0 = float(ground_state_energies(H, 0)[0])
    einf = float(e_inf(H))
    width = max(2.0 * (e0 - einf), 0.15)
    lo, hi = -e0 - width, -einf
    u = np.linspace(lo, hi, _N_GRID)
    u[-1] = hi - 1e-6 * (hi - lo)
    if e0 > einf:  # H = 2: E_0 = E_∞ and the band is empty
        u = np.unique(np.append(u, -e0))
    return u, e0, einf


def default_level(H: int) -> float:
    """Default level u of the finite-N counts: the middle of the band (−E_0, −E_∞)."""
    e0 = float(ground_state_energies(H, 0)[0])
    return -0.5 * (e0 + float(e_inf(H)))


def spans(u: np.ndarray, mask: np.ndarray) -> list[tuple[float, float]]:
    """Intervals of u covered by the True runs of ``mask`` (edges half-way to the neighbours).

    >>> spans(np.array([0.0, 1.0, 2.0, 3.0]), np.array([False, True, True, False]))
    [(0.5, 2.5)]
    """
    u = np.asarray(u, dtype=float)
    mask = np.asarray(mask, dtype=bool)
    out: list[tuple[float, float]] = []
    if not mask.any():
        return out
    edges = np.diff(np.concatenate(([0], mask.astype(np.int8), [0])))
    starts, stops = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1
    for i, j in zip(starts, stops):
        lo = u[i] if i == 0 else 0.5 * (u[i - 1] + u[i])
        hi = u[j] if j == len(u) - 1 else 0.5 * (u[j] + u[j + 1])
        out.append((float(lo), float(hi)))
    return out


# ---------------------------------------------------------------------------------------
# The activation's φ
# ---------------------------------------------------------------------------------------


def _model(act: Activation, H: int) -> dict:
    """κ of the activation (theory §5.3); rounding-level β̄ is already 0 in compute/network.py."""
    model = describe_activation(act.name, act.param, act.pieces, act.mu, act.sigma, H,
                                gamma=act.gamma, knots=act.knots)
    kappa = tuple(float(k) for k in model.kappa)
    return {
        "kappa": kappa,
        "alpha_bar": float(model.alpha_bar),
        "beta_bar": float(model.beta_bar),
        "spin_glass": all(k == 0.0 for k in kappa),
        "gamma": float(model.gamma),
    }


def _factor(u: np.ndarray, H: int, kappa: tuple, k: int, domain: np.ndarray) -> np.ndarray:
    out = np.full(u.shape, np.nan)
    if domain.any():
        with np.errstate(all="ignore"):
            out[domain] = kac_rice.modulation_factor(u[domain], H, kappa, k)
    return out


def modulation_data(act: Activation, H: int, N: int | None = None) -> dict:
    r"""K_0(u), K_1(u) and the share of minima turned into saddles for one activation (theory §5.5).

    With κ from :func:`compute.network.describe_activation` (theory §5.3) and the grid of
    :func:`u_grid`,

    .. math::

        K_0(u) = E_s\bigl[e^{A(s)}(1 + \theta(s) g(x_u))_+\bigr], \quad
        K_1(u) = E_s\bigl[e^{A(s)}(1 + \theta(s) g(x_u))_-\bigr], \quad
        \text{share}(u) = \frac{K_1(u)}{K_0(u) + K_1(u)}

    (:func:`compute.kac_rice.modulation_factor`).  Both factors are per spin-glass minimum, so
    the share is the fraction of the low-lying minima that the rank-one term of the Hessian
    turns into index-1 saddles.  Values outside the domain of validity
    (:func:`compute.kac_rice.modulation_domain`) are ``nan`` and ``reason0`` / ``reason1``
    (codes :data:`DIVERGES`, :data:`POLE`, :data:`NONFINITE`) say why; the share is ``nan``
    wherever either factor is, or where both vanish.  ``ValueError`` from compute/ (bad
    activation settings, flat activation) propagates with its UI-ready message.
    """
    model = _model(act, H)
    kappa = model["kappa"]
    u, e0, einf = u_grid(H)
    diverges = kac_rice.modulation_diverges(u, H, kappa)
    dom1 = kac_rice.modulation_domain(u, H, kappa, 1)
    dom0 = kac_rice.modulation_domain(u, H, kappa, 0)
    K0 = _factor(u, H, kappa, 0, dom0)
    K1 = _factor(u, H, kappa, 1, dom1)

    reason0 = np.full(u.shape, OK, dtype=np.int8)
    reason1 = np.full(u.shape, OK, dtype=np.int8)
    with np.errstate(invalid="ignore"):
        far = np.abs(kac_rice.modulation_peak(u, H, kappa)) > kac_rice.PEAK_S_MAX
    reason0[~dom0] = POLE
    reason0[far] = PEAK
    reason0[diverges] = DIVERGES
    reason1[~dom1] = PEAK
    reason1[diverges] = DIVERGES
    # outside the domain for none of the reasons above: K overflows a double there
    pole = (u < -e0) & kac_rice.pole_minima_below(u, H, kappa)
    below = u < -einf
    reason0[below & ~dom0 & ~pole & ~far & ~diverges] = NONFINITE
    reason1[below & ~dom1 & ~far & ~diverges] = NONFINITE
    reason0[dom0 & ~np.isfinite(K0)] = NONFINITE
    reason1[dom1 & ~np.isfinite(K1)] = NONFINITE
    regime = np.full(u.shape, "spin-glass", dtype=object)
    regime_m = np.zeros(u.shape)
    if N is not None and not model["spin_glass"]:
        lead = overlap.leading_complexity(u, H, list(kappa), int(N), minima=True)
        regime, regime_m = np.asarray(lead.regime, dtype=object), np.asarray(lead.m)
        moved = regime != "spin-glass"
        reason0[moved & ((reason0 == OK) | (reason0 == PEAK))] = REGIME
        reason1[moved & ((reason1 == OK) | (reason1 == PEAK))] = REGIME
    K0[reason0 != OK] = np.nan
    K1[reason1 != OK] = np.nan
    with np.errstate(all="ignore"):
        total = K0 + K1
        share = np.where(total > 0.0, K1 / total, np.nan)
    return {
        "name": act.name,
        "label": act.label,
        "H": int(H),
        "u": u,
        "K0": K0,
        "K1": K1,
        "share": share,
        "reason0": reason0,
        "reason1": reason1,
        "e0": e0,
        "e_inf": einf,
        "N": None if N is None else int(N),
        "regime": regime,
        "regime_m": regime_m,
        **model,
    }


# ---------------------------------------------------------------------------------------
# Finite-N counts
# ---------------------------------------------------------------------------------------


def _count(r) -> dict:
    return {
        "value": float(r.value),
        "stderr": float(r.stderr),
        "phi0_value": float(r.phi0_value),
        "phi0_stderr": float(r.phi0_stderr),
        "ratio": float(r.ratio_to_phi0),
        "ratio_stderr": float(r.ratio_stderr),
        "shifted_value": float(r.shifted_value),
        "shifted_stderr": float(r.shifted_stderr),
        "method": str(r.method),
        "reliable": bool(getattr(r, "reliable", True)),
        "warning": str(getattr(r, "warning", "") or ""),
        "ess": float(getattr(r, "ess", float("inf"))),
    }


def finite_n_counts(act: Activation, H: int, N: int, u: float, seed: int,
                    samples: int = SAMPLES) -> dict:
    r"""Expected numbers of minima and index-1 saddles below ``N u``, φ ≡ 0 and with φ (theory §5.4).

    .. math::

        E\,\mathrm{Crt}^{\varphi}_{N,k}(L \le N u), \qquad k = 0, 1,

    by :func:`compute.kac_rice.expected_critical_points_phi` (``samples`` Monte Carlo samples
    from ``seed`` in seed-blocked units run by this process's executor, components/tasks.py,
    within :data:`COUNTS_TIME_LIMIT`; the progress goes to
    :func:`components.data.lab.report`; or deterministic quadrature at N = 2), each with its
    φ ≡ 0 count (theory §4)
    from the same samples and the ratio of the two.  ``minima`` and ``saddles`` hold
    ``value``, ``stderr``, ``phi0_value``, ``phi0_stderr``, ``ratio``, ``ratio_stderr``,
    ``shifted_value`` (critical points whose index the rank-one term moved), ``shifted_stderr``
    and ``method``.  ``K0`` is the large-N prediction of the minima ratio (theory §5.5) where it
    applies, else ``None`` with ``K0_reason`` saying why.
    """
    model = _model(act, H)
    kappa = model["kappa"]
    runner = tasks.executor()
    end = time.monotonic() + tasks.time_left(COUNTS_TIME_LIMIT)
    report(0.0)
    r0 = kac_rice.expected_critical_points_phi(N, H, kappa, u, 0, samples=samples, seed=seed, executor=runner,
                                               progress=lambda f: report(0.5 * f),
                                               timeout=max(1.0, end - time.monotonic()))
    r1 = kac_rice.expected_critical_points_phi(N, H, kappa, u, 1, samples=samples, seed=seed, executor=runner,
                                               progress=lambda f: report(0.5 + 0.5 * f),
                                               timeout=max(1.0, end - time.monotonic()))
    report(1.0)
    einf = float(e_inf(H))
    K0, why = None, None
    if u >= -einf:
        why = "theory §5.5 applies below the threshold −E∞ only"
    elif not bool(kac_rice.modulation_domain(u, H, kappa, 0)):
        if bool(kac_rice.modulation_diverges(u, H, kappa)):
            code = DIVERGES
        elif abs(float(kac_rice.modulation_peak(u, H, kappa))) > kac_rice.PEAK_S_MAX:
            code = PEAK
        elif bool(kac_rice.pole_minima_below(u, H, kappa)) and u < -float(ground_state_energies(H, 0)[0]):
            code = POLE
        else:  # the factor overflows a double there
            code = NONFINITE
        why = REASONS[code]
    else:
        with np.errstate(all="ignore"):
            value = float(kac_rice.modulation_factor(u, H, kappa, 0))
        if math.isfinite(value):
            K0 = value
        else:
            why = REASONS[NONFINITE]
    return {
        "label": act.label,
        "N": int(N),
        "H": int(H),
        "u": float(u),
        "seed": int(seed),
        "samples": int(samples),
        "minima": _count(r0),
        "saddles": _count(r1),
        "K0": K0,
        "K0_reason": why,
        **model,
    }
