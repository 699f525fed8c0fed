"""Data of the "where the minima are" view (theory §5.6): plain arguments in, plain numbers out.

The mathematics is compute/overlap.py (the overlap profile Σ_N(u, m), its supremum, the regimes
and the ground state E_0^φ) on κ from compute/network.py (theory §5.3); this module chooses the
grids, bounds every cost, and returns dicts of floats, strings, tuples and numpy arrays that the
view's callbacks memoize.  The activation arrives as one hashable
:class:`components.state.Activation`.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from compute import overlap
from compute.complexity import e_inf, ground_state_energies, theta
from compute.network import describe_activation

if TYPE_CHECKING:
    from components.state import Activation

__all__ = [
    "REGIMES",
    "NONE",
    "GAMMA_RANGE",
    "N_RANGE",
    "model",
    "auto_level",
    "u_window",
    "window",
    "profile_data",
    "gamma_map",
    "n_map",
]

#: Regime labels (codes 0, 1, 2 of compute.overlap), and the code of "no minima at or below u".
REGIMES = overlap.REGIMES
NONE = 3
#: Strengths γ of the phase diagram (the settings' range of γ).
GAMMA_RANGE = (0.0, 5.0)
#: Numbers of weights of the N-dependence map (the settings' range of N).
N_RANGE = (10, 1_000_000)

_NM, _NU = 121, 121  # heat map grid
_NG, _NUP = 51, 101  # phase diagram grid (γ, u)
_NN = 31  # N values of the N map
_NE = 7  # ground states along the N map


def model(act: Activation, H: int) -> dict:
    """κ of the activation at depth H (theory §5.3) and whether φ ≡ 0."""
    m = describe_activation(act.name, act.param, act.pieces, act.mu, act.sigma, H,
                            gamma=act.gamma, knots=act.knots)
    kappa = tuple(float(k) for k in m.kappa)
    return {"kappa": kappa, "alpha_bar": float(m.alpha_bar), "beta_bar": float(m.beta_bar),
            "spin_glass": all(k == 0.0 for k in kappa), "label": act.label, "gamma": float(act.gamma)}


def auto_level(act: Activation, H: int, N: int) -> float:
    """The level of the user's point when it is automatic: the ground state −E_0^φ at this N."""
    kappa = model(act, H)["kappa"]
    return -float(overlap.ground_state(H, list(kappa), N, kmax=0).energy)


def u_window(e0_phi: float, H: int, level: float) -> tuple[float, float]:
    """Loss range (per weight) of the heat map: from a little below the lowest minima (and below
    the spin glass's −E_0) to 0, stretched to contain the user's level."""
    e0 = float(ground_state_energies(H, 0)[0]) if H >= 3 else math.sqrt(2.0)
    deep = max(e0_phi, e0)
    lo = -deep - max(0.15, 0.04 * deep)
    hi = 0.25
    lo = min(lo, level - 0.1)
    hi = max(hi, level + 0.1)
    return -_nice_up(-lo), _nice_up(hi)


def _nice_up(x: float) -> float:
    """The next number up with two significant digits (so that nearby settings share a window,
    and the memoized maps are reused while a slider moves)."""
    if x <= 0.0:
        return x
    scale = 10.0 ** (math.floor(math.log10(x)) - 1)
    return math.ceil(x / scale - 1e-9) * scale


def window(act: Activation, H: int, N: int, level: float | None) -> tuple[float, float]:
    """The loss window of every panel: :func:`u_window` of the ground state (theory §5.6)."""
    kappa = list(model(act, H)["kappa"])
    e0_phi = float(overlap.ground_state(H, kappa, N, kmax=0).energy)
    return u_window(e0_phi, H, -e0_phi if level is None else float(level))


def profile_data(act: Activation, H: int, N: int, level: float | None) -> dict:
    r"""Everything the profile panels show for one activation, depth and N (theory §5.6).

    ``sigma`` is Σ_N(u, m) on a (u, m) grid (rows u); ``u_min_line`` the level below which a
    critical point at overlap m is a minimum (bulk edge and BBP outlier); ``lead`` /
    ``lead_min`` the leading complexity sup_m Σ_N (all points / minima) on the u grid with
    its overlap and regime; ``theta`` / ``theta0`` the spin glass's Θ_H, Θ_{0,H} (theory §3);
    the ground state E_0^φ, its overlap, the layered E_k^φ; and the regime at ``level``
    (``None``: the ground state).  ``ValueError`` from compute/ propagates with its message.
    """
    mdl = model(act, H)
    kappa = list(mdl["kappa"])
    gs = overlap.ground_state(H, kappa, N)
    if not math.isfinite(gs.energy):  # pragma: no cover - the global minimum always exists
        raise ValueError("no minimum with a non-negative rate was found at these settings")
    lvl = -gs.energy if level is None else float(level)
    lo, hi = u_window(gs.energy, H, lvl)
    u = np.linspace(lo, hi, _NU)
    m = np.linspace(-0.995, 0.995, _NM)
    sig = np.round(overlap.overlap_profile(u[:, None], m[None, :], H, kappa, N), 4)
    # the level below which a point at overlap m is a minimum: y(u, m) = min(-√2, BBP outlier)
    u_min_line = overlap.minima_level(m, H, kappa, N)
    lead = overlap.leading_complexity(u, H, kappa, N)
    lead_min = overlap.leading_complexity(u, H, kappa, N, minima=True)
    here = overlap.leading_complexity(lvl, H, kappa, N, minima=True)
    resolution = max(overlap.POLE_TOL, float(overlap.rate_resolution(lvl)))
    here_value = float(here.value)
    if level is None and abs(here_value) <= resolution:
        here_value = 0.0  # the ground state: rate 0 by definition, the rest is rounding
    e0 = float(ground_state_energies(H, 0)[0]) if H >= 3 else math.sqrt(2.0)
    return {
        **mdl,
        "H": int(H),
        "N": int(N),
        "u": u,
        "m": m,
        "sigma": sig,
        "u_min_line": u_min_line,
        "lead": lead.value,
        "lead_m": lead.m,
        "lead_regime": np.asarray(lead.regime, dtype=str),
        "lead_min": lead_min.value,
        "lead_min_m": lead_min.m,
        "lead_min_regime": np.asarray(lead_min.regime, dtype=str),
        "theta": theta(u, H),
        "theta0": theta(u, H, 0),
        "e0_phi": float(gs.energy),
        "m0_phi": float(gs.m),
        "regime0": gs.regime,
        "layered": tuple(float(x) for x in gs.energies),
        "layered_m": tuple(float(x) for x in gs.overlaps),
        "e0": e0,
        "e_inf": float(e_inf(H)),
        "level": lvl,
        "level_auto": level is None,
        "level_value": here_value,
        "level_resolution": resolution,  # a smaller |rate| at the level is rounding
        "level_m": float(here.m),
        "level_regime": str(here.regime),
    }


def _codes(value: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Regime codes with :data:`NONE` where no minimum lies at or below the level (rate < 0)."""
    return np.where(value < -overlap.POLE_TOL, NONE, codes).astype(np.int8)


def gamma_map(act: Activation, H: int, N: int, u_lo: float, u_hi: float) -> dict:
    """Regimes of the minima over (γ, u) at this N, κ = γ κ⁽¹⁾ (theory §5.3, §5.6).

    ``codes[i, j]`` at ``gamma[i]``, ``u[j]``: 0 spin-glass, 1 shifted, 2 deterministic,
    :data:`NONE` no minimum at or below u.
    """
    unit = model(act._replace(gamma=1.0), H)["kappa"]
    g = np.linspace(*GAMMA_RANGE, _NG)
    u = np.linspace(u_lo, u_hi, _NUP)
    pd = overlap.phase_diagram(u, g, H, list(unit), N, minima=True)
    return {"gamma": g, "u": u, "codes": _codes(pd.value, pd.codes), "m": pd.m}


def n_map(act: Activation, H: int, u_lo: float, u_hi: float) -> dict:
    """Regimes of the minima over (N, u) and the ground state −E_0^φ(N) (theory §5.6)."""
    kappa = list(model(act, H)["kappa"])
    Ns = np.unique(np.round(np.logspace(math.log10(N_RANGE[0]), math.log10(N_RANGE[1]), _NN)).astype(int))
    u = np.linspace(u_lo, u_hi, _NUP)
    rm = overlap.regime_map_n(u, Ns, H, kappa, minima=True)
    sel = np.unique(Ns[np.linspace(0, Ns.size - 1, _NE).round().astype(int)])
    e0 = np.array([overlap.ground_state(H, kappa, int(n), kmax=0).energy for n in sel])
    return {"N": Ns, "u": u, "codes": _codes(rm.value, rm.codes), "m": rm.m,
            "N_e0": sel, "e0_phi": e0}
