"""Activation functions and their piece-wise linear models (theory §5.1–§5.2).

The spin-glass model of a network needs a piece-wise linear (PL) activation

.. math::

    \\hat f(z) = \\alpha_\\ell z + \\beta_\\ell \\quad (a_{\\ell-1} < z \\le a_\\ell),
    \\qquad a_0 = -\\infty,\\ a_L = +\\infty,

continuous at the breakpoints (theory §5.1). ReLU, leaky ReLU, hard-tanh and any activation
given as a table of knots are PL already; a smooth activation is replaced by its least-squares
PL approximation with ``L`` pieces under pre-activations :math:`Z \\sim N(\\mu, \\sigma^2)`.
The piece statistics :math:`\\rho_\\ell = P(Z \\in (a_{\\ell-1}, a_\\ell])`,
:math:`\\bar\\alpha = \\sum_\\ell \\rho_\\ell \\alpha_\\ell` and
:math:`\\bar\\beta = \\sum_\\ell \\rho_\\ell \\beta_\\ell` (theory §5.2) feed the network
expansion of :mod:`compute.network` (theory §5.3).

Everything public takes plain floats, ints, strings and tuples, so callers can memoize it.
"""

from __future__ import annotations

import math
import re
import threading
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Callable

import numpy as np
from scipy import special

from compute.validation import real_param

__all__ = [
    "ActivationSpec",
    "PRESETS",
    "PIECES_RANGE",
    "MU_RANGE",
    "SIGMA_RANGE",
    "MAX_KNOTS",
    "PiecewiseLinear",
    "PLFit",
    "PieceStatistics",
    "evaluate",
    "parse_knots",
    "validate_knots",
    "custom_piecewise_linear",
    "exact_piecewise_linear",
    "fit_piecewise_linear",
    "slope_scale",
    "clear_fit_cache",
    "piece_probabilities",
    "piece_statistics",
]

#: Allowed number of pieces ``L`` of a fit.
PIECES_RANGE = (2, 32)
#: Allowed mean ``mu`` of the pre-activation.
MU_RANGE = (-10.0, 10.0)
#: Allowed standard deviation ``sigma`` of the pre-activation.
SIGMA_RANGE = (0.01, 10.0)
#: Allowed number of knots of a custom activation.
MAX_KNOTS = 64
#: Largest magnitude accepted for a knot coordinate.
MAX_KNOT_ABS = 1.0e6
#: Longest custom knot table accepted by :func:`parse_knots` (characters).
MAX_KNOT_TEXT = 10_000


# ---------------------------------------------------------------------------------------------
# Presets (theory §5.1)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ActivationSpec:
    """Description of an activation preset for the UI (theory §5.1).

    ``param_*`` describe the single shape parameter of the preset (``None`` when it has
    none): its keyword name, the symbol shown in the UI, the default and the allowed closed
    range ``[param_min, param_max]``. ``piecewise_linear`` says whether the activation is PL
    already (then its fit is exact once ``L`` is at least its number of pieces).
    """

    name: str
    label: str
    param_name: str | None = None
    param_symbol: str | None = None
    param_default: float | None = None
    param_min: float | None = None
    param_max: float | None = None
    piecewise_linear: bool = False
    formula: str = ""


PRESETS: dict[str, ActivationSpec] = {
    spec.name: spec
    for spec in (
        ActivationSpec("relu", "ReLU", piecewise_linear=True, formula="max(0, z)"),
        ActivationSpec(
            "leaky_relu",
            "Leaky ReLU",
            param_name="slope",
            param_symbol="a",
            param_default=0.01,
            param_min=0.0,
            param_max=1.0,
            piecewise_linear=True,
            formula="z for z > 0, a z for z ≤ 0",
        ),
        ActivationSpec(
            "hard_tanh", "Hard tanh", piecewise_linear=True, formula="max(−1, min(1, z))"
        ),
        ActivationSpec("tanh", "tanh", formula="tanh z"),
        ActivationSpec("sigmoid", "Sigmoid (logistic)", formula="1 / (1 + e^(−z))"),
        ActivationSpec("softplus", "Softplus", formula="log(1 + e^z)"),
        ActivationSpec(
            "elu",
            "ELU",
            param_name="alpha",
            param_symbol="α",
            param_default=1.0,
            param_min=0.0,
            param_max=5.0,
            formula="z for z > 0, α (e^z − 1) for z ≤ 0",
        ),
        ActivationSpec("gelu", "GELU (exact)", formula="z Φ(z), Φ the standard normal CDF"),
        ActivationSpec("silu", "SiLU (swish)", formula="z / (1 + e^(−z))"),
        ActivationSpec(
            "custom",
            "Custom (table of knots)",
            piecewise_linear=True,
            formula="linear between knots (z_i, f_i), extended linearly beyond the ends",
        ),
    )
}


def _relu(z: np.ndarray) -> np.ndarray:
    return np.maximum(z, 0.0)


def _leaky_relu(z: np.ndarray, slope: float) -> np.ndarray:
    return np.where(z > 0.0, z, slope * z)


def _hard_tanh(z: np.ndarray) -> np.ndarray:
    return np.clip(z, -1.0, 1.0)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return special.expit(z)


def _softplus(z: np.ndarray) -> np.ndarray:
    return np.logaddexp(0.0, z)


def _elu(z: np.ndarray, alpha: float) -> np.ndarray:
    return np.where(z > 0.0, z, alpha * np.expm1(np.minimum(z, 0.0)))


def _gelu(z: np.ndarray) -> np.ndarray:
    return z * special.ndtr(z)


def _silu(z: np.ndarray) -> np.ndarray:
    return z * special.expit(z)


def _check_name(name: object) -> str:
    if not isinstance(name, str) or name not in PRESETS:
        raise ValueError(f"activation must be one of {', '.join(PRESETS)}; got {name!r}")
    return name


def _check_param(name: str, param: float | None) -> float | None:
    """Return the validated shape parameter of preset ``name`` (its default when ``None``)."""
    spec = PRESETS[name]
    if spec.param_name is None:
        return None
    if param is None:
        return float(spec.param_default)
    return real_param(param, f"parameter {spec.param_symbol}", spec.param_min, spec.param_max, spec.label)


def _smooth_callable(name: str, param: float | None) -> Callable[[np.ndarray], np.ndarray]:
    table: dict[str, Callable[[np.ndarray], np.ndarray]] = {
        "relu": _relu,
        "hard_tanh": _hard_tanh,
        "tanh": np.tanh,
        "sigmoid": _sigmoid,
        "softplus": _softplus,
        "gelu": _gelu,
        "silu": _silu,
    }
    if name == "leaky_relu":
        return lambda z: _leaky_relu(z, param)
    if name == "elu":
        return lambda z: _elu(z, param)
    return table[name]


@lru_cache(maxsize=256)
def _slope_scale_cached(name: str, param, knots, end_slopes) -> float:
    if name == "custom":
        return max(abs(a) for a in custom_piecewise_linear(knots, end_slopes).slopes)
    exact = exact_piecewise_linear(name, param)
    if exact is not None:
        return max(abs(a) for a in exact.slopes)
    z = np.linspace(-40.0, 40.0, 160_001)
    f = _smooth_callable(name, param)(z)
    return float(np.max(np.abs(np.diff(f)))) / float(z[1] - z[0])


def slope_scale(name: str, param: float | None = None, knots=None, end_slopes=None) -> float:
    """Largest slope magnitude of the activation over the real line (theory §5.2–§5.3).

    The scale against which a mean slope ᾱ counts as vanishing (:mod:`compute.network`):
    sup |f'| for a smooth preset (from differences on a grid of step 5e-4 over [−40, 40]),
    the largest |α_ℓ| for a PL one.

    >>> slope_scale("relu"), round(slope_scale("sigmoid"), 6), round(slope_scale("tanh"), 6)
    (1.0, 0.25, 1.0)
    """
    name = _check_name(name)
    if name == "custom":
        knots = validate_knots(knots)
        end_slopes = _check_end_slopes(end_slopes)
        return _slope_scale_cached(name, None, knots, end_slopes)
    return _slope_scale_cached(name, _check_param(name, param), None, None)


def evaluate(
    name: str,
    z,
    param: float | None = None,
    knots: tuple | None = None,
    end_slopes: tuple[float, float] | None = None,
) -> np.ndarray:
    """Evaluate the activation ``name`` at ``z`` (vectorised; theory §5.1).

    ``param`` is the preset's shape parameter (leaky-ReLU slope ``a``, ELU ``α``; ``None``
    means its default). ``name="custom"`` needs ``knots`` ((z_i, f_i) pairs, see
    :func:`validate_knots`) and optionally ``end_slopes``.

    >>> evaluate("relu", [-1.0, 2.0]).tolist()
    [0.0, 2.0]
    >>> evaluate("custom", [0.5, 3.0], knots=((0, 0), (1, 1), (2, 1))).tolist()
    [0.5, 1.0]
    """
    name = _check_name(name)
    zz = np.asarray(z, dtype=float)
    if name == "custom":
        return custom_piecewise_linear(knots, end_slopes)(zz)
    return _smooth_callable(name, _check_param(name, param))(zz)


# ---------------------------------------------------------------------------------------------
# Piece-wise linear functions (theory §5.1)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PiecewiseLinear:
    """A continuous piece-wise linear function (theory §5.1).

    .. math::

        \\hat f(z) = \\alpha_\\ell z + \\beta_\\ell \\quad\\text{for } a_{\\ell-1} < z \\le a_\\ell,
        \\quad \\ell = 1..L,\\ a_0 = -\\infty,\\ a_L = +\\infty.

    ``breakpoints`` are ``a_1 < … < a_{L−1}``, ``slopes`` and ``intercepts`` have length
    ``L``. Continuity ``α_ℓ a_ℓ + β_ℓ = α_{ℓ+1} a_ℓ + β_{ℓ+1}`` is checked to a relative
    tolerance of 1e-9 on construction (``ValueError`` otherwise).

    >>> relu = PiecewiseLinear((0.0,), (0.0, 1.0), (0.0, 0.0))
    >>> relu([-2.0, 0.0, 3.0]).tolist()
    [0.0, 0.0, 3.0]
    """

    breakpoints: tuple[float, ...]
    slopes: tuple[float, ...]
    intercepts: tuple[float, ...]

    def __post_init__(self) -> None:
        a = tuple(float(x) for x in self.breakpoints)
        al = tuple(float(x) for x in self.slopes)
        be = tuple(float(x) for x in self.intercepts)
        object.__setattr__(self, "breakpoints", a)
        object.__setattr__(self, "slopes", al)
        object.__setattr__(self, "intercepts", be)
        if len(al) < 1 or len(be) != len(al) or len(a) != len(al) - 1:
            raise ValueError(
                "a piece-wise linear function needs L ≥ 1 slopes and intercepts and L − 1 "
                f"breakpoints; got {len(a)} breakpoints, {len(al)} slopes, {len(be)} intercepts"
            )
        if not all(math.isfinite(x) for x in a + al + be):
            raise ValueError("breakpoints, slopes and intercepts must be finite numbers")
        if any(a[i + 1] <= a[i] for i in range(len(a) - 1)):
            raise ValueError("breakpoints must be strictly increasing")
        for i, x in enumerate(a):
            left = al[i] * x + be[i]
            right = al[i + 1] * x + be[i + 1]
            scale = max(1.0, abs(left), abs(right), abs(al[i] * x), abs(al[i + 1] * x))
            if abs(left - right) > 1e-9 * scale:
                raise ValueError(
                    f"piece-wise linear function is discontinuous at breakpoint {x:g}: "
                    f"{left:g} from the left, {right:g} from the right"
                )

    @property
    def pieces(self) -> int:
        """Number of pieces ``L``."""
        return len(self.slopes)

    def __call__(self, z) -> np.ndarray:
        zz = np.asarray(z, dtype=float)
        idx = np.searchsorted(np.asarray(self.breakpoints), zz, side="left")
        return np.asarray(self.slopes)[idx] * zz + np.asarray(self.intercepts)[idx]

    @classmethod
    def from_hinges(
        cls, breakpoints, c0: float, c1: float, hinge: "np.ndarray | tuple"
    ) -> "PiecewiseLinear":
        """Build ``c0 + c1 z + Σ_j hinge_j (z − a_j)_+`` (same function, theory §5.1 form)."""
        a = np.asarray(breakpoints, dtype=float)
        h = np.asarray(hinge, dtype=float)
        slopes = c1 + np.concatenate(([0.0], np.cumsum(h)))
        intercepts = c0 - np.concatenate(([0.0], np.cumsum(h * a)))
        return cls(tuple(a), tuple(slopes), tuple(intercepts))

    def kink_sizes(self) -> tuple[float, ...]:
        """Slope jumps ``α_{ℓ+1} − α_ℓ`` at the breakpoints."""
        al = self.slopes
        return tuple(al[i + 1] - al[i] for i in range(len(al) - 1))


# ---------------------------------------------------------------------------------------------
# Custom activation from a table of knots (theory §5.1)
# ---------------------------------------------------------------------------------------------

_NUMBER = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d{1,3})?"
_ROW = re.compile(rf"^\s*({_NUMBER})\s*(?:[,;\t ]\s*)({_NUMBER})\s*[,;]?\s*$")
_HEADER = re.compile(r"^\s*z\s*[,;\t ]\s*f(?:\s*\(\s*z\s*\))?\s*$", re.IGNORECASE)


def parse_knots(text: str) -> tuple[tuple[float, float], ...]:
    """Parse a plain-text knot table into validated ``(z, f)`` pairs (theory §5.1).

    One knot per line, ``z, f`` (comma, semicolon, tab or spaces between the two numbers).
    Blank lines and lines starting with ``#`` are ignored, and so is a first line ``z, f``.
    Numbers are decimal literals (``1``, ``-0.5``, ``2.5e-3``) matched by a strict regular
    expression and converted with ``float``; nothing is evaluated. ``ValueError`` names the
    offending line. The result is checked by :func:`validate_knots`.

    >>> parse_knots("z, f\\n-1, 0\\n0, 0\\n1, 1")
    ((-1.0, 0.0), (0.0, 0.0), (1.0, 1.0))
    """
    if not isinstance(text, str):
        raise ValueError("the knot table must be text, one 'z, f' pair per line")
    if len(text) > MAX_KNOT_TEXT:
        raise ValueError(f"the knot table is too long (more than {MAX_KNOT_TEXT} characters)")
    knots: list[tuple[float, float]] = []
    seen_data = False
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if not seen_data and not knots and _HEADER.match(line):
            seen_data = True
            continue
        seen_data = True
        m = _ROW.match(line)
        if m is None:
            shown = line if len(line) <= 40 else line[:37] + "..."
            raise ValueError(f"line {lineno}: expected two numbers 'z, f', got {shown!r}")
        z, f = float(m.group(1)), float(m.group(2))
        if not (math.isfinite(z) and math.isfinite(f)):
            raise ValueError(f"line {lineno}: numbers must be finite")
        if abs(z) > MAX_KNOT_ABS or abs(f) > MAX_KNOT_ABS:
            raise ValueError(f"line {lineno}: |z| and |f| must be at most {MAX_KNOT_ABS:g}")
        knots.append((z, f))
        if len(knots) > MAX_KNOTS:
            raise ValueError(f"line {lineno}: too many knots (at most {MAX_KNOTS})")
    return validate_knots(tuple(knots))


def validate_knots(knots) -> tuple[tuple[float, float], ...]:
    """Check a custom activation's knots and return them as a tuple of float pairs (§5.1).

    Rules: 2 to ``MAX_KNOTS`` (64) pairs of finite numbers with ``|z|, |f| ≤ 1e6`` and strictly
    increasing ``z``. Messages are meant to be shown to the user as they are.
    """
    if knots is None:
        raise ValueError("the custom activation needs a table of knots (z, f), at least 2 rows")
    try:
        pairs = [tuple(k) for k in knots]
    except TypeError:
        raise ValueError("knots must be a sequence of (z, f) pairs") from None
    if len(pairs) < 2:
        raise ValueError(f"the custom activation needs at least 2 knots; got {len(pairs)}")
    if len(pairs) > MAX_KNOTS:
        raise ValueError(
            f"the custom activation accepts at most {MAX_KNOTS} knots; got {len(pairs)}"
        )
    out: list[tuple[float, float]] = []
    for i, p in enumerate(pairs, start=1):
        if len(p) != 2:
            raise ValueError(f"knot {i}: expected a pair (z, f)")
        try:
            z, f = float(p[0]), float(p[1])
        except (TypeError, ValueError):
            raise ValueError(f"knot {i}: z and f must be numbers") from None
        if not (math.isfinite(z) and math.isfinite(f)):
            raise ValueError(f"knot {i}: z and f must be finite numbers")
        if abs(z) > MAX_KNOT_ABS or abs(f) > MAX_KNOT_ABS:
            raise ValueError(f"knot {i}: |z| and |f| must be at most {MAX_KNOT_ABS:g}")
        if out and z <= out[-1][0]:
            raise ValueError(
                f"knot {i}: z values must be strictly increasing ({z:g} follows {out[-1][0]:g})"
            )
        out.append((z, f))
    return tuple(out)


def _check_end_slopes(end_slopes) -> tuple[float, float] | None:
    if end_slopes is None:
        return None
    try:
        left, right = (float(s) for s in end_slopes)
    except (TypeError, ValueError):
        raise ValueError("end_slopes must be a pair of numbers (left, right)") from None
    if not (math.isfinite(left) and math.isfinite(right)):
        raise ValueError("end slopes must be finite numbers")
    if abs(left) > MAX_KNOT_ABS or abs(right) > MAX_KNOT_ABS:
        raise ValueError(f"end slopes must be at most {MAX_KNOT_ABS:g} in magnitude")
    return left, right


def custom_piecewise_linear(knots, end_slopes=None) -> PiecewiseLinear:
    """The PL activation through the knots ``(z_i, f_i)`` (theory §5.1).

    Linear between consecutive knots; beyond the first and last knot it continues with
    ``end_slopes = (left, right)``, by default the slopes of the first and last segment (then
    the end knots are not breakpoints). Knots where the slope does not change are dropped,
    so the result has the fewest pieces that represent the same function.

    >>> custom_piecewise_linear(((-1, -1), (1, 1)), end_slopes=(0, 0)).slopes
    (0.0, 1.0, 0.0)
    """
    pts = validate_knots(knots)
    ends = _check_end_slopes(end_slopes)
    z = np.array([p[0] for p in pts])
    f = np.array([p[1] for p in pts])
    seg = np.diff(f) / np.diff(z)
    if ends is None:
        slopes = list(seg)
        breaks = list(z[1:-1])
    else:
        slopes = [ends[0], *seg, ends[1]]
        breaks = list(z)
    # drop breakpoints with no change of slope (relative tolerance)
    keep_a: list[float] = []
    keep_s: list[float] = [slopes[0]]
    for a, s in zip(breaks, slopes[1:]):
        if abs(s - keep_s[-1]) <= 1e-12 * max(1.0, abs(s), abs(keep_s[-1])):
            continue
        keep_a.append(a)
        keep_s.append(s)
    # intercepts from the knot values: piece containing each breakpoint passes through it
    # (or, for a line, through the first knot)
    anchor_z = np.array([z[0]] + keep_a)
    anchor_f = np.interp(anchor_z, z, f)
    intercepts = anchor_f - np.array(keep_s) * anchor_z
    return PiecewiseLinear(tuple(keep_a), tuple(keep_s), tuple(intercepts))


# ---------------------------------------------------------------------------------------------
# Least-squares piece-wise linear fit under Z ~ N(mu, sigma^2) (theory §5.1)
# ---------------------------------------------------------------------------------------------
#
# Work in the standardised variable t = (z − mu) / sigma ~ N(0, 1), target g(t) = f(mu + sigma t)
# For fixed breakpoints b_1 < … < b_K (K = L − 1) the continuous PL functions form a linear space
# of dimension L + 1; we use the local basis [(b_1 − t)_+, hat_1, …, hat_K, (t − b_K)_+], with
# hat_1 ≡ 1 left of b_1 and hat_K ≡ 1 right of b_K, whose Gram matrix stays well conditioned
# when breakpoints crowd. Integrals E[·] use 8-point Gauss–Legendre rules on panels of
# [−10, 10] split at the breakpoints, at the target's own kinks and on grids fine in both t
# and z, so every integrand is smooth on every panel. The breakpoints are then optimised by
# variable projection: damped Newton on E(b) = min_c E[(g − ĝ_{b,c})²] with its exact
# gradient and Hessian, from two starts (see _fit_breakpoints).

_GL_NODES, _GL_WEIGHTS = np.polynomial.legendre.leggauss(8)
_T_MAX = 10.0  # quadrature range in t; P(|t| > 10) ≈ 1.5e-23
_B_MAX = 7.0  # breakpoints are kept in [−7, 7] (P(|t| > 7) ≈ 2.6e-12)
_MIN_GAP = 1e-6  # smallest distance kept between breakpoints (t units)
_T_GRID = np.concatenate((-np.arange(20, 0, -1) * 0.5, [0.0], np.arange(1, 21) * 0.5))
_Z_GRID = np.concatenate((-np.arange(40, 0, -1) * 0.5, [0.0], np.arange(1, 41) * 0.5))
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


def _check_fit_inputs(pieces, mu, sigma) -> tuple[int, float, float]:
    if isinstance(pieces, bool) or not isinstance(pieces, (int, np.integer)) and not (
        isinstance(pieces, float) and pieces.is_integer()
    ):
        raise ValueError(
            f"number of pieces L must be an integer in [{PIECES_RANGE[0]}, {PIECES_RANGE[1]}]; "
            f"got {pieces!r}"
        )
    L = int(pieces)
    if not (PIECES_RANGE[0] <= L <= PIECES_RANGE[1]):
        raise ValueError(
            f"number of pieces L must be in [{PIECES_RANGE[0]}, {PIECES_RANGE[1]}]; got {pieces!r}"
        )
    m = real_param(mu, "μ", *MU_RANGE, "pre-activation mean")
    sd = real_param(sigma, "σ", *SIGMA_RANGE, "pre-activation standard deviation")
    return L, m, sd


def _gauss_pdf(t: np.ndarray) -> np.ndarray:
    return _INV_SQRT_2PI * np.exp(-0.5 * t * t)


def _panel_rule(bounds: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Gauss–Legendre nodes and N(0,1)-weights on the panels between sorted ``bounds``."""
    lo, hi = bounds[:-1], bounds[1:]
    half = 0.5 * (hi - lo)
    mid = 0.5 * (hi + lo)
    t = (mid[:, None] + half[:, None] * _GL_NODES).ravel()
    w = (half[:, None] * _GL_WEIGHTS).ravel() * _gauss_pdf(t)
    return t, w


class _Target:
    """The activation in the standardised variable, with its quadrature skeleton."""

    def __init__(self, f: Callable[[np.ndarray], np.ndarray], mu: float, sigma: float, kinks_z):
        self.f, self.mu, self.sigma = f, mu, sigma
        zt = (_Z_GRID - mu) / sigma
        kt = (np.asarray(kinks_z, dtype=float) - mu) / sigma
        b = np.concatenate((_T_GRID, zt, kt))
        b = b[(b > -_T_MAX) & (b < _T_MAX)]
        self.fixed = np.unique(np.concatenate((b, [-_T_MAX, _T_MAX])))
        t, w = _panel_rule(self.fixed)
        y = self.g(t)
        mean = float(np.dot(w, y)) / float(w.sum())
        self.variance = float(np.dot(w, (y - mean) ** 2))
        # point symmetry about t = 0: g(t) + g(−t) = 2 g(0) (an odd activation at mu = 0)
        g0 = float(self.g(np.zeros(1))[0])
        probe = t
        dev = np.abs(self.g(probe) + self.g(-probe) - 2.0 * g0)
        scale = max(float(np.max(np.abs(self.g(probe) - g0))), 1e-300)
        self.odd = bool(np.max(dev) <= 1e-13 * scale) and scale > 1e-300
        self.dp = None  # dynamic-programming tables of _dp_start
        self.lock = threading.Lock()

    def g(self, t: np.ndarray) -> np.ndarray:
        return self.f(self.mu + self.sigma * t)


class _Solution:
    """Least-squares PL fit of the target for fixed breakpoints ``b`` (t units).

    Every node touches at most two basis functions, so the Gram matrix and the right-hand side
    are accumulated with ``bincount`` (no tall matrix products).
    """

    __slots__ = ("b", "t", "w", "cols", "vals", "Ginv", "r", "coef", "slopes", "values", "err")

    def __init__(self, target: _Target, b: np.ndarray):
        self.b = b
        bounds = np.unique(np.concatenate((target.fixed, b[(b > -_T_MAX) & (b < _T_MAX)])))
        t, w = _panel_rule(bounds)
        cols, vals = _hat_basis(t, b)
        m = b.size + 2
        y = target.g(t)
        wv = w[:, None] * vals
        G = np.bincount(
            (cols[:, :, None] * m + cols[:, None, :]).ravel(),
            (wv[:, :, None] * vals[:, None, :]).ravel(),
            minlength=m * m,
        ).reshape(m, m)
        rhs = np.bincount(cols.ravel(), (wv * y[:, None]).ravel(), minlength=m)
        Ginv = _spd_pinv(G)
        coef = Ginv @ rhs
        r = y - np.einsum("ij,ij->i", coef[cols], vals)
        self.t, self.w, self.cols, self.vals = t, w, cols, vals
        self.Ginv, self.r, self.coef = Ginv, r, coef
        self.err = float(np.dot(w, r * r))
        if b.size == 0:
            self.slopes = np.array([coef[1]])
            self.values = np.array([])
        else:
            v = coef[1:-1]
            inner = np.diff(v) / np.diff(b)
            self.slopes = np.concatenate(([-coef[0]], inner, [coef[-1]]))
            self.values = v

    def kinks(self) -> np.ndarray:
        return np.diff(self.slopes)

    def weighted_basis(self) -> np.ndarray:
        """Dense N × (K + 2) matrix w(t) B(t)."""
        out = np.zeros((self.t.size, self.b.size + 2))
        rows = np.arange(self.t.size)
        out[rows, self.cols[:, 0]] = self.w * self.vals[:, 0]  # the two columns differ
        out[rows, self.cols[:, 1]] = self.w * self.vals[:, 1]
        return out

    def piecewise_linear(self, mu: float, sigma: float) -> PiecewiseLinear:
        """The fitted function in z units: a = mu + sigma b, α = s / sigma, β = k − α mu."""
        s = self.slopes
        if self.b.size == 0:
            k = np.array([self.coef[0]])
        else:
            anchor = np.concatenate(([self.b[0]], self.b))
            vals = np.concatenate(([self.values[0]], self.values))
            k = vals - s * anchor
        alpha = s / sigma
        beta = k - alpha * mu
        return PiecewiseLinear(tuple(mu + sigma * self.b), tuple(alpha), tuple(beta))


def _hat_basis(t: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sparse rows of the basis [(b_1 − t)_+, hat_1..hat_K, (t − b_K)_+] ([1, t] if K = 0).

    Returns column indices and values, both N × 2: each node touches two basis functions.
    """
    K = b.size
    n = t.size
    if K == 0:
        cols = np.tile(np.array([0, 1]), (n, 1))
        return cols, np.column_stack((np.ones_like(t), t))
    cols = np.empty((n, 2), dtype=np.intp)
    vals = np.empty((n, 2))
    i = np.searchsorted(b, t, side="right")  # b[i-1] <= t < b[i]
    left = i == 0
    right = i >= K
    mid = ~(left | right)
    cols[left] = (1, 0)
    vals[left, 0] = 1.0
    vals[left, 1] = b[0] - t[left]
    cols[right] = (K, K + 1)
    vals[right, 0] = 1.0
    vals[right, 1] = t[right] - b[-1]
    im = i[mid]
    lo, hi = b[im - 1], b[im]
    frac = (t[mid] - lo) / (hi - lo)
    cols[mid, 0] = im  # hat of b[im-1] is column im
    cols[mid, 1] = im + 1
    vals[mid, 0] = 1.0 - frac
    vals[mid, 1] = frac
    return cols, vals


def _spd_pinv(G: np.ndarray) -> np.ndarray:
    """Inverse of a symmetric positive semi-definite matrix, pseudo-inverse if singular."""
    d = np.sqrt(np.maximum(np.diag(G), 1e-300))
    Gs = G / d[:, None] / d[None, :]
    try:
        c = np.linalg.cholesky(Gs)
        if np.min(np.abs(np.diag(c))) > 1e-7:
            ci = np.linalg.inv(c)
            return (ci.T @ ci) / d[:, None] / d[None, :]
    except np.linalg.LinAlgError:
        pass
    vals, vecs = np.linalg.eigh(Gs)
    keep = vals > 1e-14 * vals[-1]
    inv = (vecs[:, keep] / vals[keep]) @ vecs[:, keep].T
    return inv / d[:, None] / d[None, :]


def _normalise(p: np.ndarray, symmetric: bool) -> np.ndarray:
    """Sort free breakpoint parameters, keep them in range and at least ``_MIN_GAP`` apart."""
    q = np.sort(np.abs(p) if symmetric else np.asarray(p, dtype=float))
    lo = _MIN_GAP if symmetric else -_B_MAX
    q = np.clip(q, lo, _B_MAX)
    for i in range(1, q.size):
        if q[i] < q[i - 1] + _MIN_GAP:
            q[i] = q[i - 1] + _MIN_GAP
    for i in range(q.size - 2, -1, -1):
        if q[i] > q[i + 1] - _MIN_GAP:
            q[i] = q[i + 1] - _MIN_GAP
    return q


def _breaks(p: np.ndarray, symmetric: bool) -> np.ndarray:
    """Breakpoints from the free parameters: p itself, or ±p for an odd fit."""
    return np.concatenate((-p[::-1], p)) if symmetric else p


def _newton_system(sol: _Solution, target: _Target, symmetric: bool):
    """Hessian and gradient (both halved) of the variable-projection error E(b).

    With kinks h_j, residual r = g − ĝ, D_j = h_j 1{t > b_j} and τ_j = E[r 1{t > b_j}]:
    ∂E/∂b_j = 2 h_j τ_j and, eliminating the optimal linear coefficients (Golub–Pereyra),
    ∂²E/∂b∂b = 2 [DᵀD − diag(h_j r(b_j) φ(b_j)) − M G⁻¹ Mᵀ], M = DᵀB − diag(τ) ∂h/∂c,
    all inner products weighted by the quadrature. Tail sums Σ_{t > b_j} come from
    cumulative sums over the sorted nodes.
    """
    b = sol.b
    K = b.size
    h = sol.kinks()
    V = np.column_stack((sol.weighted_basis(), sol.w * sol.r, sol.w))
    tails = np.concatenate((np.cumsum(V[::-1], axis=0)[::-1], np.zeros((1, V.shape[1]))))
    at = tails[np.searchsorted(sol.t, b, side="right")]  # rows: Σ_{t > b_j}
    tau = at[:, -2]
    wtail = at[:, -1]
    grad = h * tau
    # ∂h/∂c for the hat basis: slopes are (−c_0, Δv/Δb, c_{K+1})
    dslope = np.zeros((K + 1, K + 2))
    dslope[0, 0] = -1.0
    dslope[K, K + 1] = 1.0
    if K > 1:
        inv = 1.0 / np.diff(b)
        idx = np.arange(1, K)
        dslope[idx, idx] = -inv
        dslope[idx, idx + 1] = inv
    dkink = np.diff(dslope, axis=0)
    M = h[:, None] * at[:, : K + 2] - tau[:, None] * dkink
    DD = np.outer(h, h) * wtail[np.maximum.outer(np.arange(K), np.arange(K))]
    r_at = target.g(b) - sol.values
    hess = DD - np.diag(h * r_at * _gauss_pdf(b)) - M @ sol.Ginv @ M.T
    if symmetric:
        m = K // 2
        P = np.zeros((K, m))
        P[np.arange(K - m, K), np.arange(m)] = 1.0
        P[np.arange(m - 1, -1, -1), np.arange(m)] = -1.0
        hess = P.T @ hess @ P
        grad = P.T @ grad
    return hess, grad


def _optimise(target: _Target, p0: np.ndarray, symmetric: bool, max_iter: int = 60):
    """Damped Newton over the breakpoints by variable projection; returns (p, _Solution).

    Steps solve (∇²E + λ S) δ = −∇E with S = |diag ∇²E|; λ = 0 while the Hessian is positive
    definite and the step lowers E, raised ×4 otherwise. Stops when a step gains less than
    1e-12 relative (or 1e-15 Var g absolute), or an undamped step predicts less than 1e-13.
    """
    p = _normalise(p0, symmetric)
    sol = _Solution(target, _breaks(p, symmetric))
    floor = 1e-30 * max(target.variance, 1e-300)
    negligible = 1e-15 * target.variance  # an absolute gain no relative error would show
    lam = 0.0
    for _ in range(max_iter):
        if sol.err <= floor or p.size == 0:
            break
        hess, grad = _newton_system(sol, target, symmetric)
        scale = np.abs(np.diag(hess))
        scale = np.maximum(scale, 1e-12 * max(float(scale.max()), 1e-300))
        new = None
        while lam < 1e12:
            try:
                chol = np.linalg.cholesky(hess + lam * np.diag(scale))
                delta = -np.linalg.solve(chol.T, np.linalg.solve(chol, grad))
            except np.linalg.LinAlgError:
                lam = max(4.0 * lam, 1e-6)
                continue
            predicted = -2.0 * (grad @ delta + 0.5 * delta @ hess @ delta)
            if predicted <= 1e-13 * sol.err and lam <= 1e-6:
                break  # converged: nothing left to gain at this damping
            pn = _normalise(p + delta, symmetric)
            cand = _Solution(target, _breaks(pn, symmetric))
            if cand.err < sol.err:
                new = cand
                break
            lam = max(4.0 * lam, 1e-6)
        if new is None:
            break
        gain = sol.err - new.err
        p, sol = pn, new
        lam = lam / 8.0 if lam > 1e-9 else 0.0
        if gain < max(1e-12 * (sol.err + gain), negligible):
            break
    return p, sol


def _curvature_start(target: _Target, K: int, symmetric: bool) -> np.ndarray:
    """Breakpoints at quantiles of the density (g''(t)² φ(t))^{1/5}.

    This is the asymptotically optimal breakpoint density of L² approximation by free-knot
    linear splines (error density ∝ h⁴ g''² φ for local spacing h).
    """
    h = 0.01
    t = np.arange(-_B_MAX, _B_MAX + 0.5 * h, h)
    y = target.g(t)
    d2 = np.zeros_like(t)
    d2[1:-1] = (y[2:] - 2.0 * y[1:-1] + y[:-2]) / (h * h)
    base = np.exp(-0.1 * t * t)
    dens = np.abs(d2) ** 0.4 * base
    top = float(dens.max())
    dens = dens + (1e-3 * top if top > 0 else 1.0) * base
    cdf = np.concatenate(([0.0], np.cumsum(0.5 * (dens[1:] + dens[:-1]))))
    cdf /= cdf[-1]
    q = np.interp(np.arange(1, K + 1) / (K + 1), cdf, t)
    if symmetric:
        m = K // 2
        return 0.5 * (q[K - m:] - q[:m][::-1])
    return q


def _segment_costs(target: _Target, grid: np.ndarray) -> np.ndarray:
    """seg[i, j]: error of the best straight line on the cells between candidates i < j.

    Candidates are −∞, ``grid`` and +∞ (indices 0, 1..M, M + 1). Weighted moments of 1, t, g
    between candidates come from cumulative sums, and each line fit is a 2 × 2 solve.
    """
    bounds = np.unique(np.concatenate((target.fixed, grid)))
    t, w = _panel_rule(bounds)
    y = target.g(t)
    cols = np.column_stack((w, w * t, w * t * t, w * y, w * t * y, w * y * y))
    C = np.concatenate((np.zeros((1, 6)), np.cumsum(cols, axis=0)))
    P = np.concatenate(([0], np.searchsorted(t, grid), [t.size]))
    D = C[P][None, :, :] - C[P][:, None, :]
    S, St, Stt, Sy, Sty, Syy = (D[..., k] for k in range(6))
    det = S * Stt - St * St
    ok = det > 1e-14 * np.maximum(S * Stt, 1e-300)
    with np.errstate(divide="ignore", invalid="ignore"):
        line = (Stt * Sy * Sy - 2.0 * St * Sy * Sty + S * Sty * Sty) / np.where(ok, det, 1.0)
        const = Sy * Sy / np.where(S > 0, S, 1.0)
    seg = Syy - np.where(ok, line, const)
    upper = np.triu(np.ones(seg.shape, dtype=bool), 1)
    return np.where(upper, np.maximum(seg, 0.0), np.inf)


def _dp_start(target: _Target, K: int, symmetric: bool) -> np.ndarray:
    """Breakpoints of the best *discontinuous* PL fit on a candidate grid (dynamic programming).

    Without continuity the error is a sum over pieces, so the optimal K breakpoints among M
    candidates follow from a K-step dynamic programme; they show how many breakpoints each
    curved region deserves, which local refinement of the continuous fit cannot change. The
    candidates (≈ 200) are quantiles of N(0, 1) and of the curvature density (g''² φ)^{1/5}.
    The tables are kept on the target and extended as larger K are asked for.
    """
    with target.lock:
        dp = target.dp
        if dp is None:
            n = 100
            levels = np.arange(1, n + 1) / (n + 1)
            grid = np.concatenate((special.ndtri(levels), _curvature_start(target, n, False)))
            grid = np.unique(np.round(grid, 12))
            grid = grid[np.abs(grid) <= _B_MAX]
            seg = _segment_costs(target, grid)
            dp = target.dp = {"grid": grid, "seg": seg, "cost": [seg[0].copy()], "back": []}
        seg = dp["seg"]
        cols = np.arange(seg.shape[0])
        while len(dp["back"]) < K:
            total = dp["cost"][-1][:, None] + seg
            arg = np.argmin(total, axis=0)
            dp["back"].append(arg)
            dp["cost"].append(total[arg, cols])
        back = dp["back"][:K]
    j = seg.shape[0] - 1
    picks = []
    for k in range(K - 1, -1, -1):
        j = back[k][j]
        picks.append(j)
    b = dp["grid"][np.array(picks[::-1]) - 1]
    if symmetric:
        m = K // 2
        return 0.5 * (b[K - m:] - b[:m][::-1])
    return b


def _tail_sums(t: np.ndarray, V: np.ndarray, s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For sorted nodes t: Σ_{t>s} V (t − s) (rows: s) and Σ_{t>s} V[:, −1] (t − s)²."""
    zero = np.zeros((1, V.shape[1]))
    R0 = np.concatenate((np.cumsum(V[::-1], axis=0)[::-1], zero))
    R1 = np.concatenate((np.cumsum((V * t[:, None])[::-1], axis=0)[::-1], zero))
    last = V[:, -1] * t * t
    R2 = np.concatenate((np.cumsum(last[::-1])[::-1], [0.0]))
    i = np.searchsorted(t, s, side="right")
    first = R1[i] - s[:, None] * R0[i]
    second = R2[i] - 2.0 * s * R1[i, -1] + s * s * R0[i, -1]
    return first, second


def _insert(sol: _Solution, symmetric: bool) -> float:
    """Position (t units) where one more hinge (odd pair if symmetric) reduces the error most.

    For a candidate h_s(t) = (t − s)_+ (minus (−t − s)_+ for an odd pair) the error falls by
    (h_sᵀ r)² / ‖P⊥ h_s‖²; the tail sums come from cumulative sums over the sorted nodes.
    """
    if symmetric:
        S = np.linspace(0.0, _B_MAX, 141)[1:]
    else:
        S = np.linspace(-_B_MAX, _B_MAX, 281)
    if sol.b.size:
        S = S[np.min(np.abs(S[:, None] - sol.b[None, :]), axis=1) > 1e-3]
    V = np.column_stack((sol.weighted_basis(), sol.w * sol.r, sol.w))
    first, second = _tail_sums(sol.t, V, S)
    if symmetric:  # the mirror hinge (−t − s)_+ is a right tail of the reflected nodes
        first_m, second_m = _tail_sums(-sol.t[::-1], V[::-1], S)
        first = first - first_m
        second = second + second_m
    k = sol.b.size + 2
    AH = first[:, :k].T
    num = first[:, k] ** 2
    den = second - np.einsum("ij,ij->j", AH, sol.Ginv @ AH)
    ok = den > 1e-12 * np.maximum(second, 1e-300)
    gain = np.where(ok, num / np.where(ok, den, 1.0), -1.0)
    return float(S[int(np.argmax(gain))])


@lru_cache(maxsize=64)
def _target_for(key: tuple) -> _Target:
    name, param, knots, end_slopes, mu, sigma = key
    if name == "custom":
        pl = custom_piecewise_linear(knots, end_slopes)
        return _Target(pl, mu, sigma, pl.breakpoints)
    kinks = {"relu": (0.0,), "leaky_relu": (0.0,), "elu": (0.0,), "hard_tanh": (-1.0, 1.0)}
    return _Target(_smooth_callable(name, param), mu, sigma, kinks.get(name, ()))


@lru_cache(maxsize=4096)
def _fit_breakpoints(key: tuple, K: int, symmetric: bool = False) -> tuple[tuple[float, ...], float]:
    """Optimal breakpoints (t units) with K = L − 1 breakpoints, and the fit error.

    Two starts are refined and the better kept: the (K − 1)-breakpoint optimum with one
    breakpoint inserted where it helps most (so the error can never grow with L), and the
    breakpoints of the best discontinuous fit (:func:`_dp_start`), which allots breakpoints
    to the curved regions globally. With ``symmetric``, odd targets (point-symmetric about the mean) are fitted
    by odd PL functions: breakpoints ±p_i, plus a kinkless 0 when K is odd.
    """
    target = _target_for(key)
    if K == 0:
        return (), _Solution(target, np.zeros(0)).err
    sym = target.odd and symmetric
    if sym and K % 2 == 1:
        prev, _ = _fit_breakpoints(key, K - 1, symmetric)
        b = np.sort(np.array(prev + (0.0,)))
        return tuple(b), _Solution(target, b).err
    step = 2 if sym else 1
    prev, _ = _fit_breakpoints(key, K - step, symmetric)
    prev_sol = _Solution(target, np.array(prev))
    s = _insert(prev_sol, sym)
    if sym:
        chain_start = np.concatenate((np.array(prev)[K // 2 - 1:], [s]))
    else:
        chain_start = np.concatenate((np.array(prev), [s]))
    best = None
    for start in (chain_start, _dp_start(target, K, sym)):
        _, sol = _optimise(target, start, sym)
        if best is None or sol.err < best.err:
            best = sol
    return tuple(float(x) for x in best.b), best.err


@dataclass(frozen=True)
class PLFit:
    """Result of :func:`fit_piecewise_linear` (theory §5.1).

    ``pl`` is the PL activation; ``error`` = E[(f(Z) − f̂(Z))²] under Z ~ N(μ, σ²);
    ``variance`` = Var f(Z); ``relative_error`` = error / variance (0 when both vanish);
    ``exact`` is true when the activation is PL already and is returned as it is (then
    ``pl.pieces`` may be smaller than the requested ``pieces``); ``odd`` is true when the
    activation is point-symmetric about μ (f(μ + x) + f(μ − x) = 2 f(μ), e.g. tanh, sigmoid and
    hard-tanh at μ = 0); ``symmetric`` is true when the fit was constrained to the same symmetry
    (only then is an odd activation's fit odd, see :func:`fit_piecewise_linear`).
    """

    name: str
    param: float | None
    pieces: int
    mu: float
    sigma: float
    pl: PiecewiseLinear
    error: float
    relative_error: float
    variance: float
    exact: bool
    odd: bool
    symmetric: bool = False


def exact_piecewise_linear(
    name: str, param: float | None = None, knots=None, end_slopes=None
) -> PiecewiseLinear | None:
    """The activation's own PL form if it has one (theory §5.1), else ``None``.

    ReLU: a₁ = 0, α = (0, 1), β = (0, 0); leaky ReLU: α = (a, 1); hard-tanh: a = (−1, 1),
    α = (0, 1, 0), β = (−1, 0, 1); ELU with α = 0 is ReLU; a custom activation is the PL
    function through its knots (:func:`custom_piecewise_linear`).

    >>> exact_piecewise_linear("leaky_relu", 0.1).slopes
    (0.1, 1.0)
    """
    name = _check_name(name)
    if name == "custom":
        return custom_piecewise_linear(knots, end_slopes)
    param = _check_param(name, param)
    if name == "relu" or (name == "elu" and param == 0.0):
        return PiecewiseLinear((0.0,), (0.0, 1.0), (0.0, 0.0))
    if name == "leaky_relu":
        return PiecewiseLinear((0.0,), (param, 1.0), (0.0, 0.0))
    if name == "hard_tanh":
        return PiecewiseLinear((-1.0, 1.0), (0.0, 1.0, 0.0), (-1.0, 0.0, 1.0))
    return None


def fit_piecewise_linear(
    name: str,
    param: float | None,
    pieces: int,
    mu: float,
    sigma: float,
    knots: tuple | None = None,
    end_slopes: tuple[float, float] | None = None,
    symmetric: bool = False,
) -> PLFit:
    """Least-squares PL approximation with ``L = pieces`` pieces (theory §5.1).

    .. math::

        \\hat f = \\arg\\min_{\\hat f \\in \\mathrm{PL}_L}
        \\mathbb E\\big[(f(Z) - \\hat f(Z))^2\\big], \\qquad Z \\sim N(\\mu, \\sigma^2),

    over continuous PL functions with ``L`` pieces and free breakpoints. Activations that are
    PL already (ReLU, leaky ReLU, hard-tanh, ELU with α = 0, custom knots) are returned exactly
    when they have at most ``L`` pieces (``exact=True``, error 0). Otherwise, for fixed
    breakpoints the optimal PL function solves a Gaussian-weighted linear least-squares problem
    (Gauss–Legendre panels; the error agrees with 30-digit quadrature to ~1e-14 relative), and
    the breakpoints are optimised by variable projection (damped Newton with the exact Hessian)
    from two starts, keeping the better: the (L − 1)-piece optimum plus the most useful extra
    breakpoint (so ``error`` never increases with L, up to rounding) and the breakpoints of the
    best discontinuous fit found by dynamic programming (which allots breakpoints between
    curved regions globally).

    Activations that are odd about μ (tanh, sigmoid − ½, hard-tanh at μ = 0): by default the fit is
    the least-squares optimum, as theory §5.1 asks.  For odd L it is odd itself; for even L an odd
    PL function cannot have a kink at μ, and the optimum is one of two mirror-image asymmetric fits
    (t → −t about μ, f̂ → 2f(μ) − f̂), equally good, with β̄ of opposite signs: the one with β̄ ≥ 0 is
    returned, so β̄ ≠ 0 there is a property of the best L-piece approximation, not of the activation.
    ``symmetric=True`` constrains the fit to be odd (breakpoints ±p_i, a kinkless breakpoint at μ
    for even L, so it equals the (L − 1)-piece fit, 20–40 % higher in error); then
    β̄ = f(μ) − ᾱμ holds to rounding (β̄ = 0 for tanh: Choromanska's model, theory §5.3).

    Deterministic and memoized; inputs are plain numbers, strings and tuples. Ranges: L in
    [2, 32], μ in [−10, 10], σ in [0.01, 10]; ``ValueError`` otherwise.

    >>> fit = fit_piecewise_linear("relu", None, 4, 0.0, 1.0)
    >>> fit.exact, fit.error, fit.pl.breakpoints
    (True, 0.0, (0.0,))
    >>> fit = fit_piecewise_linear("tanh", None, 3, 0.0, 1.0)
    >>> round(fit.error, 8), [round(a, 4) for a in fit.pl.breakpoints]
    (0.0008147, [-0.8725, 0.8725])
    """
    name = _check_name(name)
    param = _check_param(name, param)
    L, mu, sigma = _check_fit_inputs(pieces, mu, sigma)
    if name == "custom":
        knots = validate_knots(knots)
        end_slopes = _check_end_slopes(end_slopes)
    else:
        knots, end_slopes = None, None
    if not isinstance(symmetric, (bool, np.bool_)):
        raise ValueError(f"symmetric (constrain the fit of an odd activation to be odd) must be True or False, got {symmetric!r}")
    return _fit_cached(name, param, L, mu, sigma, knots, end_slopes, bool(symmetric))


@lru_cache(maxsize=1024)
def _fit_cached(name, param, L, mu, sigma, knots, end_slopes, symmetric=False) -> PLFit:
    key = (name, param, knots, end_slopes, mu, sigma)
    target = _target_for(key)
    exact = exact_piecewise_linear(name, param, knots, end_slopes)
    if exact is not None and exact.pieces <= L:
        var = target.variance
        return PLFit(name, param, L, mu, sigma, exact, 0.0, 0.0, var, True, target.odd, symmetric and target.odd)
    b, _ = _fit_breakpoints(key, L - 1, symmetric)
    sol = _Solution(target, np.array(b))
    pl = sol.piecewise_linear(mu, sigma)
    if target.odd and not symmetric:
        b_sym, err_sym = _fit_breakpoints(key, L - 1, True)
        if err_sym <= sol.err * (1.0 + 1e-9):  # the optimum is odd itself (odd L): keep it exactly odd
            return replace(_fit_cached(name, param, L, mu, sigma, knots, end_slopes, True), symmetric=False)
        # two mirror-image optima: keep the one with beta_bar >= 0 (documented convention)
        mirror = _Solution(target, -np.array(b)[::-1])
        if mirror.err <= sol.err * (1.0 + 1e-9) + 1e-300:
            pl_m = mirror.piecewise_linear(mu, sigma)
            if piece_statistics(pl, mu, sigma).beta_bar < piece_statistics(pl_m, mu, sigma).beta_bar:
                sol, pl = mirror, pl_m
    err = sol.err
    var = target.variance
    rel = err / var if var > 0 else 0.0
    return PLFit(name, param, L, mu, sigma, pl, err, rel, var, False, target.odd, symmetric and target.odd)


def clear_fit_cache() -> None:
    """Forget memoized fits (for benchmarks and tests of determinism)."""
    _fit_cached.cache_clear()
    _fit_breakpoints.cache_clear()
    _target_for.cache_clear()


# ---------------------------------------------------------------------------------------------
# Piece statistics (theory §5.2)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PieceStatistics:
    """ρ_ℓ = P(Z ∈ (a_{ℓ−1}, a_ℓ]), ᾱ = Σ ρ_ℓ α_ℓ, β̄ = Σ ρ_ℓ β_ℓ (theory §5.2)."""

    rho: tuple[float, ...]
    alpha_bar: float
    beta_bar: float


def piece_probabilities(pl: PiecewiseLinear, mu: float, sigma: float) -> tuple[float, ...]:
    """Probabilities of the pieces under Z ~ N(μ, σ²) (theory §5.2).

    .. math::

        \\rho_\\ell = \\Phi\\Big(\\frac{a_\\ell-\\mu}{\\sigma}\\Big)
        - \\Phi\\Big(\\frac{a_{\\ell-1}-\\mu}{\\sigma}\\Big),

    with Φ = ``scipy.special.ndtr``; pieces right of the mean use the upper tails
    Φ(−x_{ℓ−1}) − Φ(−x_ℓ), so small probabilities keep full relative accuracy.

    >>> relu = exact_piecewise_linear("relu")
    >>> piece_probabilities(relu, 0.0, 1.0)
    (0.5, 0.5)
    """
    _, mu, sigma = _check_fit_inputs(PIECES_RANGE[0], mu, sigma)
    x = (np.asarray(pl.breakpoints, dtype=float) - mu) / sigma
    lo = np.concatenate(([-np.inf], x))
    hi = np.concatenate((x, [np.inf]))
    upper = lo >= 0.0
    rho = np.where(
        upper, special.ndtr(-lo) - special.ndtr(-hi), special.ndtr(hi) - special.ndtr(lo)
    )
    return tuple(float(v) for v in rho)


def piece_statistics(pl: PiecewiseLinear, mu: float, sigma: float) -> PieceStatistics:
    """ρ, ᾱ = Σ_ℓ ρ_ℓ α_ℓ and β̄ = Σ_ℓ ρ_ℓ β_ℓ of a PL activation (theory §5.2).

    >>> s = piece_statistics(exact_piecewise_linear("relu"), 0.0, 1.0)
    >>> s.alpha_bar, s.beta_bar
    (0.5, 0.0)
    """
    rho = piece_probabilities(pl, mu, sigma)
    r = np.asarray(rho)
    return PieceStatistics(
        rho, float(r @ np.asarray(pl.slopes)), float(r @ np.asarray(pl.intercepts))
    )
