"""The settings state of the page: its one schema, its validation, the views' slices and
the activation model they share.

Every request carries the settings as plain JSON values, which a hand-edited URL or a
forged callback payload can set to anything.  :func:`sanitize` turns any mapping into a
valid state -- missing, malformed or non-finite values are replaced by defaults,
out-of-range values are clamped -- and returns one readable message per repair, which
the page shows in its notice area.

The state is a flat dict (JSON-serialisable, so it can live in a ``dcc.Store`` or a
query string, see components/permalink.py):

==========  =====================================================  =========================
key         meaning                                                 allowed
==========  =====================================================  =========================
H           depth = number of weight layers (theory §2)              integer 2..12
K           highest Hessian index drawn (theory §3)                  integer 0..10
N           number of weights (theory §2, §4)                        integer 10..10^6
activation  activation preset name (theory §5.1)                     see ``activation_names()``
param       the preset's parameter, ``None`` if it has none           preset's range
pieces      number L of linear pieces of the fit (theory §5.1)       integer 2..32
mu          mean μ of the pre-activations Z ~ N(μ, σ²) (theory §5.1)  -3..3
sigma       standard deviation σ of the pre-activations              0.1..5
gamma       strength γ of the deterministic part φ (theory §5.3)     0..5
knots       knot table of the custom activation, one "z, f" a line   text, <= 10000 chars
seed        seed of every random sample (theory §6)                  integer 0..999999
net_*       the trained-network experiment ("Real networks" tab):   see ``FIELDS``, ``CHOICES``
            data set, widths (text "10, 25, 50"), restarts,          (widths: digits, commas)
            epochs, optimiser, learning rate, loss, Hessian on/off
lab_N       N of the landscape chart and descents (theory §6)        integer 5..500
runs        number of descent runs (theory §6)                       integer 10..500
u_auto      fit the loss range shown to the band (-E_0, -E_∞)        true / false
u_min       left end of the loss range shown (spin-glass u)          -3..0.5
u_max       right end of the loss range shown (spin-glass u)         -3..0.5, > u_min
level       level u of the user's point on the minima view (§5.6)    -10^7..10
level_auto  that level is the ground state −E_0^φ                    true / false
units       loss units: ``spin`` (u) or ``network`` (ᾱ^{H−1} u)      see ``CHOICES``
theme       ``light``, ``dark`` or ``contrast`` (high contrast)       see ``CHOICES``
lecture     lecture mode (full-screen plots, large fonts)            true / false
tab         the view shown                                           see ``TABS``
==========  =====================================================  =========================

Every view reads this state through its slice (:func:`view_slice`, keys listed in
components/registry.py) and re-validates it with :func:`sanitize` (a forged request can
send anything).  The activation settings become one hashable :class:`Activation` (also
the memo key of the data functions) through :func:`activation_of`, the one place that
parses the knot table.
"""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass
from typing import Any, Mapping, NamedTuple

from components.data.analytic import loss_window
from components.registry import NAMES, SCALE_KEYS, STYLE_KEYS, by_name
from compute.activations import MAX_KNOT_TEXT, PIECES_RANGE, PRESETS, parse_knots

__all__ = [
    "Activation",
    "NumberField",
    "FIELDS",
    "CHOICES",
    "FLAGS",
    "TABS",
    "VIEWS",
    "CUSTOM",
    "DEFAULT_KNOTS",
    "MAX_KNOTS_CHARS",
    "SCALE_KEYS",
    "N_LOG_STEP",
    "activation_names",
    "activation_of",
    "activation_or_error",
    "activation_label",
    "as_number",
    "clean_number",
    "param_slider_props",
    "resolve_range",
    "param_spec",
    "default_state",
    "sanitize",
    "view_slice",
]

logger = logging.getLogger(__name__)

CUSTOM = "custom"
MAX_KNOTS_CHARS = MAX_KNOT_TEXT
DEFAULT_KNOTS = "z, f\n-2, -1\n-0.5, -0.5\n0.5, 0.8\n2, 1"
DEFAULT_WIDTHS = "10, 25, 50, 100"
MAX_WIDTHS_CHARS = 200
_WIDTHS_TEXT = re.compile(r"^[0-9 ,;]*$")
_SHOWN_CHARS = 40


@dataclass(frozen=True)
class NumberField:
    """A numeric setting: its key, how the page names it, its range and default."""

    key: str
    label: str
    minimum: float
    maximum: float
    default: float
    integer: bool = False


FIELDS: dict[str, NumberField] = {
    "H": NumberField("H", "Depth H", 2, 12, 3, integer=True),
    "K": NumberField("K", "Highest index K", 0, 10, 5, integer=True),
    "N": NumberField("N", "Number of weights N", 10, 1_000_000, 1000, integer=True),
    "pieces": NumberField("pieces", "Pieces L", PIECES_RANGE[0], PIECES_RANGE[1], 8, integer=True),
    "mu": NumberField("mu", "Mean μ", -3.0, 3.0, 0.0),
    "sigma": NumberField("sigma", "Spread σ", 0.1, 5.0, 1.0),
    "gamma": NumberField("gamma", "Strength γ", 0.0, 5.0, 1.0),
    "seed": NumberField("seed", "Seed", 0, 999_999, 1, integer=True),
    "lab_N": NumberField("lab_N", "Landscape N", 5, 500, 50, integer=True),
    "runs": NumberField("runs", "Descent runs", 10, 500, 100, integer=True),
    "u_min": NumberField("u_min", "Loss range start u_min", -3.0, 0.5, -1.8),
    "u_max": NumberField("u_max", "Loss range end u_max", -3.0, 0.5, -1.5),
    "level": NumberField("level", "Level u of your point", -1.0e7, 10.0, -1.7),
    "net_restarts": NumberField("net_restarts", "Restarts per width", 5, 500, 100, integer=True),
    "net_epochs": NumberField("net_epochs", "Epochs", 1, 200, 30, integer=True),
    "net_lr": NumberField("net_lr", "Learning rate", 1e-4, 1.0, 0.01),
}

#: Settings that take one of a few strings: key -> (label, allowed values, default).
CHOICES: dict[str, tuple[str, tuple[str, ...], str]] = {
    "units": ("Units", ("spin", "network"), "spin"),
    "theme": ("Theme", ("light", "dark", "contrast"), "light"),
    "net_data": ("Data set", ("digits", "breast_cancer"), "digits"),
    "net_opt": ("Optimiser", ("sgd", "adam"), "sgd"),
    "net_loss": ("Loss", ("cross_entropy", "squared"), "cross_entropy"),
    "tab": ("View", NAMES, NAMES[0]),
}

#: On/off settings: key -> (label, default).
FLAGS: dict[str, tuple[str, bool]] = {
    "u_auto": ("Automatic loss range", True),
    "level_auto": ("Level u at the ground state", True),
    "lecture": ("Lecture mode", False),
    "net_hessian": ("Hessian at end points", True),
}

TABS = CHOICES["tab"][1]
#: Every view (tab) of the page, in tab order (components/registry.py).
VIEWS = NAMES
#: Step of the log₁₀ N slider.
N_LOG_STEP = 0.05

DEFAULT_ACTIVATION = "relu"

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def activation_names() -> list[str]:
    """Names offered by the activation dropdown: the presets, then the custom knot table."""
    names = list(PRESETS)
    if CUSTOM not in names:
        names.append(CUSTOM)
    return names


def param_spec(activation: str):
    """The preset's :class:`ActivationSpec` if it has a parameter, else ``None``."""
    spec = PRESETS.get(activation)
    if spec is None or spec.param_name is None:
        return None
    return spec


def default_state() -> dict:
    """The state the page opens with."""
    state: dict[str, Any] = {}
    for key, field in FIELDS.items():
        state[key] = int(field.default) if field.integer else float(field.default)
    state["activation"] = DEFAULT_ACTIVATION
    spec = param_spec(DEFAULT_ACTIVATION)
    state["param"] = None if spec is None else float(spec.param_default)
    state["knots"] = DEFAULT_KNOTS
    state["net_widths"] = DEFAULT_WIDTHS
    for key, (_, _, default) in CHOICES.items():
        state[key] = default
    for key, (_, default) in FLAGS.items():
        state[key] = default
    return state


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= _SHOWN_CHARS else text[: _SHOWN_CHARS - 1] + "…"


def _fmt(x: float) -> str:
    return f"{x:g}"


def as_number(value: Any) -> float | None:
    """A finite float from a number or numeric string; ``None`` if there is none."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        x = float(value)
    elif isinstance(value, str) and len(value) <= 64:
        try:
            x = float(value.strip())
        except ValueError:
            return None
    else:
        return None
    return x if math.isfinite(x) else None


def clean_number(
    value: Any,
    label: str,
    minimum: float,
    maximum: float,
    default: float,
    integer: bool,
    messages: list[str],
) -> float | int:
    """``value`` as a number in ``[minimum, maximum]``, rounded if ``integer``.

    Anything else is replaced by ``default`` or clamped, with one message naming ``label``
    and the allowed range appended to ``messages``.
    """
    kind = "an integer" if integer else "a number"
    allowed = f"{kind} from {_fmt(minimum)} to {_fmt(maximum)}"
    x = as_number(value)
    if x is None:
        messages.append(
            f"{label} must be {allowed}; got {_shown(value)}, so the default "
            f"{_fmt(default)} is used."
        )
        return int(default) if integer else float(default)
    if integer and x != round(x):
        rounded = float(round(x))
        messages.append(f"{label} must be {allowed}; {_fmt(x)} is rounded to {_fmt(rounded)}.")
        x = rounded
    if x < minimum or x > maximum:
        clamped = min(max(x, minimum), maximum)
        messages.append(
            f"{label} must be {allowed}; {_fmt(x)} is out of range, so {_fmt(clamped)} is used."
        )
        x = clamped
    return int(x) if integer else float(x)


def _clean_flag(value: Any, label: str, default: bool, messages: list[str]) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    messages.append(
        f"{label} must be on or off (1/0, true/false); got {_shown(value)}, so "
        f"{'on' if default else 'off'} is used."
    )
    return default


def _clean_choice(value: Any, label: str, allowed: tuple[str, ...], default: str,
                  messages: list[str]) -> str:
    if isinstance(value, str) and value in allowed:
        return value
    messages.append(
        f"{label} must be one of {', '.join(allowed)}; got {_shown(value)}, so {default} is used."
    )
    return default


def sanitize(raw: Any) -> tuple[dict, list[str]]:
    """Return ``(state, messages)``: a valid state built from ``raw`` and what was repaired.

    ``raw`` may be anything (a forged payload need not even be a dict).  Known keys
    are validated one by one; unknown keys are ignored; a missing key takes its
    default silently only if ``raw`` is a dict that simply lacks it -- a value that
    is present but invalid is always reported.  The loss range must satisfy
    ``u_min < u_max``; a reversed range is swapped, an empty one replaced by the default.

    >>> sanitize({"H": "7"})[0]["H"]
    7
    >>> state, messages = sanitize({"H": 99})
    >>> state["H"], messages[0]
    (12, 'Depth H must be an integer from 2 to 12; 99 is out of range, so 12 is used.')
    """
    messages: list[str] = []
    defaults = default_state()
    if not isinstance(raw, Mapping):
        if raw is not None:
            messages.append(f"The settings were unreadable ({_shown(raw)}); defaults are used.")
        return defaults, messages

    state: dict = {}
    for key, field in FIELDS.items():
        if key not in raw:
            state[key] = defaults[key]
            continue
        state[key] = clean_number(
            raw[key], field.label, field.minimum, field.maximum, field.default,
            field.integer, messages,
        )
    if state["u_min"] > state["u_max"]:
        messages.append(
            f"The loss range must run from u_min to a larger u_max; {_fmt(state['u_min'])} > "
            f"{_fmt(state['u_max'])}, so the two ends are swapped."
        )
        state["u_min"], state["u_max"] = state["u_max"], state["u_min"]
    elif state["u_min"] == state["u_max"]:
        messages.append(
            f"The loss range must not be empty (u_min = u_max = {_fmt(state['u_min'])}); "
            "the default range is used."
        )
        state["u_min"], state["u_max"] = defaults["u_min"], defaults["u_max"]

    names = activation_names()
    activation = raw.get("activation", DEFAULT_ACTIVATION)
    if not isinstance(activation, str) or activation not in names:
        messages.append(
            f"Activation must be one of {', '.join(names)}; got {_shown(activation)}, "
            f"so {DEFAULT_ACTIVATION} is used."
        )
        activation = DEFAULT_ACTIVATION
    state["activation"] = activation

    spec = param_spec(activation)
    if spec is None:
        state["param"] = None
    elif "param" not in raw:
        state["param"] = float(spec.param_default)
    else:
        state["param"] = float(
            clean_number(
                raw["param"], f"{spec.label}: {spec.param_symbol}", spec.param_min,
                spec.param_max, spec.param_default, False, messages,
            )
        )

    knots = raw.get("knots", DEFAULT_KNOTS)
    if knots is None:
        knots = ""
    if not isinstance(knots, str):
        messages.append(
            f"The knot table must be text; got {_shown(knots)}, so the default table is used."
        )
        knots = DEFAULT_KNOTS
    elif len(knots) > MAX_KNOTS_CHARS:
        messages.append(
            f"The knot table may have at most {MAX_KNOTS_CHARS} characters; "
            f"it had {len(knots)}, so the default table is used."
        )
        knots = DEFAULT_KNOTS
    state["knots"] = knots

    widths = raw.get("net_widths", DEFAULT_WIDTHS)
    if isinstance(widths, (int, float)) and not isinstance(widths, bool):
        widths = str(int(widths)) if float(widths).is_integer() else str(widths)
    if (not isinstance(widths, str) or len(widths) > MAX_WIDTHS_CHARS
            or not _WIDTHS_TEXT.match(widths) or not widths.strip(" ,;")):
        messages.append(
            "Widths must be hidden-layer sizes separated by commas, e.g. 10, 25, 50; got "
            f"{_shown(widths)}, so {DEFAULT_WIDTHS} is used."
        )
        widths = DEFAULT_WIDTHS
    state["net_widths"] = widths

    for key, (label, allowed, default) in CHOICES.items():
        state[key] = (
            _clean_choice(raw[key], label, allowed, default, messages) if key in raw else default
        )
    for key, (label, default) in FLAGS.items():
        state[key] = _clean_flag(raw[key], label, default, messages) if key in raw else default
    return state, messages


def view_slice(state: Mapping, view: str) -> dict:
    """The part of a (valid) state the view ``view`` depends on (components/registry.py).

    A view re-renders only when its slice changes.  Every slice carries the display
    keys (theme, lecture); the loss range only when the view draws it and it is not
    automatic; the keys of the activation's mean slope ᾱ only when the view draws losses
    and they are shown in network units.
    """
    spec = by_name(view)
    keys = list(spec.keys) + list(STYLE_KEYS)
    if spec.loss_range and not state["u_auto"]:
        keys += ["u_min", "u_max"]
    if spec.units and state["units"] == "network":
        keys += [k for k in SCALE_KEYS if k not in keys]
    return {key: state[key] for key in keys}


# ---------------------------------------------------------------------------------------
# The activation model
# ---------------------------------------------------------------------------------------


class Activation(NamedTuple):
    """The activation model of theory §5.1–§5.3, as every data function receives it.

    Hashable (a tuple of plain values), so it is also the memo key: ``knots`` holds the
    parsed ``(z, f)`` pairs of the custom activation (``None`` for a preset).  Build it
    from a valid state with :func:`activation_of`.
    """

    name: str
    param: float | None = None
    pieces: int = 8
    mu: float = 0.0
    sigma: float = 1.0
    knots: tuple | None = None
    gamma: float = 1.0

    @property
    def label(self) -> str:
        """The name the page shows for the activation."""
        return activation_label(self.name)


def activation_label(name: str) -> str:
    """The name the page shows for an activation preset."""
    return PRESETS[name].label if name in PRESETS else str(name)


def activation_of(state: Mapping) -> Activation:
    """The :class:`Activation` of a valid state; the one parser of the knot table.

    ``ValueError`` (a message for the page, naming the line) if the custom activation's
    knot table is invalid.
    """
    knots = parse_knots(state["knots"]) if state["activation"] == CUSTOM else None
    param = state["param"]
    return Activation(
        name=state["activation"],
        param=None if param is None else float(param),
        pieces=int(state["pieces"]),
        mu=float(state["mu"]),
        sigma=float(state["sigma"]),
        knots=knots,
        gamma=float(state["gamma"]),
    )


def activation_or_error(state: Mapping) -> tuple[Activation | None, str | None]:
    """``(activation_of(state), None)``, or ``(None, message)`` for an invalid knot table."""
    try:
        return activation_of(state), None
    except ValueError as exc:
        return None, f"The custom activation's knot table is invalid: {exc}"


# ---------------------------------------------------------------------------------------
# Derived settings: the automatic loss range, the parameter slider of a preset
# ---------------------------------------------------------------------------------------


def resolve_range(state: dict) -> dict:
    """``state`` with the automatic loss range filled in (the band of depth H with margins)."""
    if state["u_auto"]:
        try:
            lo, hi = loss_window(state["H"])
        except Exception:  # noqa: BLE001 - the views report errors
            logger.exception("loss window for H = %r", state["H"])
            return state
        state["u_min"] = max(round(lo, 4), FIELDS["u_min"].minimum)
        state["u_max"] = min(round(hi, 4), FIELDS["u_max"].maximum)
    return state


def param_slider_props(activation: str) -> dict:
    """Range, step, label and visibility of the activation-parameter slider for a preset."""
    spec = param_spec(activation)
    if spec is None:
        return {"min": 0, "max": 1, "step": 0.01, "marks": {0: "0", 1: "1"},
                "symbol": "p", "name": "preset parameter", "hidden": True}
    lo, hi = float(spec.param_min), float(spec.param_max)
    return {
        "min": lo,
        "max": hi,
        "step": (hi - lo) / 100.0,
        "marks": {lo: f"{lo:g}", hi: f"{hi:g}"},
        "symbol": spec.param_symbol,
        "name": f"{spec.label} {spec.param_name}",
        "hidden": False,
    }
