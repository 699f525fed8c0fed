"""Data of the "activation effect" view (theory §5.4–§5.5): plain arguments in, plain numbers out.

The functions here are what the view's callbacks memoize (components/cache.py): their
arguments are ints, floats, strings and tuples, their results dicts of floats, strings,
tuples and numpy arrays.  The mathematics lives in compute/ (compute/network.py for κ,
compute/kac_rice.py for the counts and the modulation factor); this module chooses the
grid, applies the domain of validity of theory §5.5 and says in words why a value is not
shown.

It also validates the few settings the view reads that the page-wide validation
(:func:`components.validation.sanitize`) may not know: the strength γ of φ, the seed and
the lab's number of weights (the default N of the finite-N counts).
"""

from __future__ import annotations

import math
from typing import Any, Mapping

import numpy as np

from compute import kac_rice
from compute.activations import PRESETS, parse_knots
from compute.complexity import e_inf, ground_state_energies
from compute.network import GAMMA_RANGE, describe_activation
from components.validation import CUSTOM, NumberField, _clean_number, sanitize

__all__ = [
    "EXTRA_FIELDS",
    "N_RANGE",
    "U_RANGE",
    "SAMPLES",
    "DEFAULT_N",
    "COMPARE",
    "OK",
    "DIVERGES",
    "POLE",
    "NONFINITE",
    "REASONS",
    "effect_settings",
    "activation_label",
    "knots_of",
    "u_grid",
    "default_level",
    "clean_run_inputs",
    "spans",
    "modulation_data",
    "finite_n_counts",
    "csv_text",
]

#: Number of weights accepted by the finite-N counts (theory §5.4).
N_RANGE = (2, 200)
#: Level u accepted by the finite-N counts (loss per weight, spin-glass units).
U_RANGE = (-4.0, 0.0)
#: Monte Carlo sample size of the finite-N counts.
SAMPLES = 2000
#: N of the finite-N counts when the settings carry no lab N.
DEFAULT_N = 50
#: Activations compared side by side (the user's own is added when it is not one of them).
COMPARE = ("relu", "sigmoid", "softplus")

#: Settings read by this view beyond those of :func:`components.validation.sanitize`.
EXTRA_FIELDS: dict[str, NumberField] = {
    "gamma": NumberField("gamma", "Strength γ of φ", GAMMA_RANGE[0], GAMMA_RANGE[1], 1.0),
    "seed": NumberField("seed", "Seed", 0, 999_999, 0, integer=True),
    "lab_N": NumberField("lab_N", "Lab number of weights N", N_RANGE[0], 10**6, DEFAULT_N, integer=True),
}

# Why a value of K_k(u) is not drawn (codes of the ``reason0`` / ``reason1`` arrays).
OK, DIVERGES, POLE, NONFINITE, PEAK = 0, 1, 2, 3, 4
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
    PEAK: (
        "the average over the overlap s in theory §5.5 is dominated by |s| > 4, far in the "
        "Gaussian tail: those critical points sit at a large overlap with the all-ones "
        "direction, outside the s = O(1) expansion, and the factor does not even tend to 1 as "
        "φ is switched off"
    ),
}


# ---------------------------------------------------------------------------------------
# Settings
# ---------------------------------------------------------------------------------------


def effect_settings(raw: Any) -> tuple[dict, list[str]]:
    """Validate the settings the view reads; return ``(state, messages)``.

    :func:`components.validation.sanitize` validates the page-wide keys (H, activation,
    param, pieces, mu, sigma, knots); γ, the seed and the lab N are validated here with the
    same rules (clamped or replaced by the default, one message per repair) unless
    ``sanitize`` already returned them.

    >>> effect_settings({"H": 4, "seed": -3})[0]["seed"]
    0
    """
    state, messages = sanitize(raw)
    given = raw if isinstance(raw, Mapping) else {}
    for key, field in EXTRA_FIELDS.items():
        if key in state:
            continue
        if key not in given:
            state[key] = int(field.default) if field.integer else float(field.default)
            continue
        state[key] = _clean_number(
            given[key], field.label, field.minimum, field.maximum, field.default,
            field.integer, messages,
        )
    return state, messages


def activation_label(name: str) -> str:
    """The name the page shows for an activation preset."""
    return PRESETS[name].label if name in PRESETS else str(name)


def knots_of(state: Mapping) -> tuple | None:
    """Parsed knots of the custom activation (``ValueError`` if invalid), else ``None``."""
    if state["activation"] != CUSTOM:
        return None
    return parse_knots(state["knots"])


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


def clean_run_inputs(n_value: Any, u_value: Any, state: Mapping) -> tuple[int, float, list[str]]:
    """N and u of the finite-N counts from the panel's inputs (empty means the default).

    N defaults to the lab's N (``state["lab_N"]``, clamped to 2..200), u to the middle of
    the band; a value that is present but invalid is clamped or replaced, with a message.
    """
    messages: list[str] = []
    lab_n = state.get("lab_N", DEFAULT_N)
    default_n = int(min(max(lab_n, N_RANGE[0]), N_RANGE[1]))
    if n_value is None or n_value == "":
        N = default_n
    else:
        N = int(_clean_number(n_value, "N (finite-N counts)", N_RANGE[0], N_RANGE[1],
                              default_n, True, messages))
    level = default_level(state["H"])
    if u_value is None or u_value == "":
        u = level
    else:
        u = float(_clean_number(u_value, "Level u", U_RANGE[0], U_RANGE[1], level, False,
                                messages))
    return N, u, messages


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


def _model(name, param, pieces, mu, sigma, H, gamma, knots) -> dict:
    """κ of the activation (theory §5.3); rounding-level β̄ is already 0 in compute/network.py."""
    model = describe_activation(name, param, pieces, mu, sigma, H, gamma=gamma, knots=knots)
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


def modulation_data(
    name: str,
    param: float | None,
    pieces: int,
    mu: float,
    sigma: float,
    H: int,
    gamma: float = 1.0,
    knots: tuple | None = None,
) -> dict:
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
    model = _model(name, param, pieces, mu, sigma, H, gamma, knots)
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
    reason0[dom0 & ~np.isfinite(K0)] = NONFINITE
    reason1[dom1 & ~np.isfinite(K1)] = NONFINITE
    K0[reason0 != OK] = np.nan
    K1[reason1 != OK] = np.nan
    with np.errstate(all="ignore"):
        total = K0 + K1
        share = np.where(total > 0.0, K1 / total, np.nan)
    return {
        "name": name,
        "label": activation_label(name),
        "H": int(H),
        "u": u,
        "K0": K0,
        "K1": K1,
        "share": share,
        "reason0": reason0,
        "reason1": reason1,
        "e0": e0,
        "e_inf": einf,
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
    }


def finite_n_counts(
    name: str,
    param: float | None,
    pieces: int,
    mu: float,
    sigma: float,
    H: int,
    gamma: float,
    knots: tuple | None,
    N: int,
    u: float,
    seed: int,
    samples: int = SAMPLES,
) -> dict:
    r"""Expected numbers of minima and index-1 saddles below ``N u``, φ ≡ 0 and with φ (theory §5.4).

    .. math::

        E\,\mathrm{Crt}^{\varphi}_{N,k}(L \le N u), \qquad k = 0, 1,

    by :func:`compute.kac_rice.expected_critical_points_phi` (``samples`` Monte Carlo samples
    from ``seed``, or deterministic quadrature at N = 2), each with its φ ≡ 0 count (theory §4)
    from the same samples and the ratio of the two.  ``minima`` and ``saddles`` hold
    ``value``, ``stderr``, ``phi0_value``, ``phi0_stderr``, ``ratio``, ``ratio_stderr``,
    ``shifted_value`` (critical points whose index the rank-one term moved), ``shifted_stderr``
    and ``method``.  ``K0`` is the large-N prediction of the minima ratio (theory §5.5) where it
    applies, else ``None`` with ``K0_reason`` saying why.
    """
    model = _model(name, param, pieces, mu, sigma, H, gamma, knots)
    kappa = model["kappa"]
    r0 = kac_rice.expected_critical_points_phi(N, H, kappa, u, 0, samples=samples, seed=seed)
    r1 = kac_rice.expected_critical_points_phi(N, H, kappa, u, 1, samples=samples, seed=seed)
    einf = float(e_inf(H))
    K0, why = None, None
    if u >= -einf:
        why = "theory §5.5 applies below the threshold −E∞ only"
    elif not bool(kac_rice.modulation_domain(u, H, kappa, 0)):
        if bool(kac_rice.modulation_diverges(u, H, kappa)):
            code = DIVERGES
        elif abs(float(kac_rice.modulation_peak(u, H, kappa))) > kac_rice.PEAK_S_MAX:
            code = PEAK
        else:
            code = POLE
        why = REASONS[code]
    else:
        with np.errstate(all="ignore"):
            value = float(kac_rice.modulation_factor(u, H, kappa, 0))
        if math.isfinite(value):
            K0 = value
        else:
            why = REASONS[NONFINITE]
    return {
        "label": activation_label(name),
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


# ---------------------------------------------------------------------------------------
# CSV
# ---------------------------------------------------------------------------------------


def _csv_cell(x: Any) -> str:
    if x is None:
        return ""
    if isinstance(x, (float, np.floating)):
        return "" if not math.isfinite(float(x)) else repr(float(x))
    text = str(x)
    if any(ch in text for ch in ',"\n'):
        text = '"' + text.replace('"', '""') + '"'
    return text


def csv_text(header: Mapping[str, Any], columns: Mapping[str, Any]) -> str:
    """CSV of equally long ``columns`` after ``# key: value`` lines of parameters.

    Empty cells mark values that are not shown (outside the domain of validity).

    >>> print(csv_text({"H": 3}, {"u": [-1.7], "K0": [float("nan")]}), end="")
    # H: 3
    u,K0
    -1.7,
    """
    lines = [f"# {key}: {value}" for key, value in header.items()]
    names = list(columns)
    lines.append(",".join(_csv_cell(n) for n in names))
    cols = [list(columns[n]) for n in names]
    for row in zip(*cols):
        lines.append(",".join(_csv_cell(x) for x in row))
    return "\n".join(lines) + "\n"
