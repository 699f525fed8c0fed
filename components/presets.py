"""Named presets: classic settings of the literature, one click (or key) away.

A preset fixes the model settings (depth, number of weights, activation and its PL
model, γ) and leaves the display (view, theme, lecture mode, units) alone.  In lecture
mode the keyboard steps through them in this order (assets/app.js).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

__all__ = [
    "Preset", "PRESETS", "MODEL_KEYS", "preset_names", "matching_preset", "apply_preset",
    "step_preset", "preset_note", "preset_label",
]

#: The settings a preset fixes.
MODEL_KEYS = ("H", "K", "N", "activation", "param", "pieces", "mu", "sigma", "gamma")

_BASE = {"H": 3, "K": 5, "N": 1000, "activation": "relu", "param": None, "pieces": 8,
         "mu": 0.0, "sigma": 1.0, "gamma": 1.0}


@dataclass(frozen=True)
class Preset:
    """A named setting: ``values`` for every key of :data:`MODEL_KEYS`, and a one-line note."""

    name: str
    label: str
    note: str
    values: Mapping


def _preset(name: str, label: str, note: str, **changes) -> Preset:
    values = {**_BASE, **changes}
    assert set(values) == set(MODEL_KEYS)
    return Preset(name, label, note, values)


PRESETS: tuple[Preset, ...] = (
    _preset(
        "choromanska", "ReLU, H = 3 (Choromanska et al.)",
        "The setting of Choromanska et al. (2015): minima crowd into the thin band just above "
        "the ground state −E₀; saddles of index k only appear above −Eₖ.",
    ),
    _preset(
        "relu5", "ReLU, H = 5",
        "Deeper: the band (−E₀, −E∞) widens and the layers E₀ > E₁ > … spread out.",
        H=5,
    ),
    _preset(
        "deep-relu", "deep ReLU, H = 10",
        "A deep network: the layered structure of the low critical points is clearly resolved.",
        H=10,
    ),
    _preset(
        "quadratic", "H = 2: a quadratic form",
        "Degenerate case: the loss is a quadratic form with exactly 2 critical points per "
        "index; the band is empty (Eₖ = E∞ = √2).",
        H=2, K=3,
    ),
    _preset(
        "sigmoid", "sigmoid vs tanh: sigmoid, H = 3",
        "The sigmoid is not centred: β̄ ≠ 0 adds the deterministic term φ(s) to the loss "
        "(theory §5.3).",
        activation="sigmoid",
    ),
    _preset(
        "tanh", "sigmoid vs tanh: tanh, H = 3",
        "tanh is odd: at μ = 0 its PL fit has β̄ = 0, so φ ≡ 0 and the spin-glass picture is exact.",
        activation="tanh",
    ),
    _preset(
        "leaky", "leaky ReLU (a = 0.1), H = 4",
        "Leaky ReLU is piece-wise linear with β̄ = 0: Choromanska's model with a larger slope ᾱ.",
        H=4, activation="leaky_relu", param=0.1,
    ),
    _preset(
        "gelu-shifted", "GELU, shifted pre-activations (μ = 0.5), H = 4",
        "Smooth activation with shifted inputs: the fit, ᾱ, β̄ and φ all move with μ.",
        H=4, activation="gelu", mu=0.5,
    ),
    _preset(
        "small-n", "small network: N = 50, H = 3",
        "At N = 50 the exact finite-N counts of theory §4 differ visibly from the leading "
        "order e^(NΘ); index-k counts are estimated by seeded Monte Carlo.",
        N=50,
    ),
    _preset(
        "minima-relu", "Where the minima are: ReLU, H = 4, N = 10 000",
        "ReLU has β̄ = 0, so φ ≡ 0: nothing moves, at any N. The minima sit at overlap m = 0 down to "
        "the spin glass's −E₀ (theory §3, §5.6).",
        H=4, N=10_000,
    ),
    _preset(
        "minima-gelu-weak", "Where the minima are: GELU, H = 4, γ = 0.1",
        "A weak activation term: the lowest minima stay at overlap s = O(1), the spin-glass regime; "
        "§5.5's factor K is the whole effect.",
        H=4, activation="gelu", gamma=0.1,
    ),
    _preset(
        "minima-gelu-mid", "Where the minima are: GELU, H = 4, γ = 0.2",
        "Stronger: the lowest minima move to a macroscopic overlap m* ≈ 0.92 and below −E₀ — the "
        "shifted regime, where the leading-order complexity changes.",
        H=4, activation="gelu", gamma=0.2,
    ),
    _preset(
        "minima-gelu-strong", "Where the minima are: GELU, H = 4, γ = 0.5",
        "Stronger still: the deepest minimum is φ's own, at the pole w = 𝟏, far below every spin-glass "
        "level — the deterministic regime. The glassy minima remain above.",
        H=4, activation="gelu", gamma=0.5,
    ),
    _preset(
        "minima-sigmoid-3", "Where the minima are: sigmoid, H = 3, N = 100",
        "Sigmoid is not centred (κ₁ = 11.7), but at H = 3 the minima stay in the spin-glass regime, "
        "pulled to a small overlap that fades like N^(−1/2).",
        activation="sigmoid", N=100,
    ),
    _preset(
        "minima-sigmoid-6", "Where the minima are: sigmoid, H = 6, N = 100",
        "At H = 6, κ₁ ≈ 1.3·10³: §5.5's factor underflows to 0, yet the minima did not disappear — "
        "one sits at the pole w = −𝟏 at loss −1674 per weight (deterministic regime).",
        H=6, activation="sigmoid", N=100,
    ),
)

_BY_NAME = {p.name: p for p in PRESETS}


def preset_names() -> list[str]:
    """Names of the presets, in stepping order."""
    return [p.name for p in PRESETS]


def _equal(a, b) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return abs(float(a) - float(b)) <= 1e-12
    return a == b


def matching_preset(state: Mapping) -> str | None:
    """The name of the preset whose model settings ``state`` has, else ``None``."""
    for preset in PRESETS:
        if all(_equal(state.get(key), value) for key, value in preset.values.items()):
            return preset.name
    return None


def apply_preset(state: Mapping, name: str) -> dict:
    """``state`` with the model settings of preset ``name`` (unknown name: unchanged).

    The loss range goes back to automatic, since the band moves with the model.
    """
    preset = _BY_NAME.get(name) if isinstance(name, str) else None
    if preset is None:
        return dict(state)
    return {**state, **preset.values, "u_auto": True}


def step_preset(current: str | None, delta: int) -> str:
    """The preset ``delta`` steps after ``current`` (wrapping; from none: the first or last)."""
    names = preset_names()
    if current not in _BY_NAME:
        return names[0] if delta >= 0 else names[-1]
    return names[(names.index(current) + delta) % len(names)]


def preset_note(name: str | None) -> str | None:
    """The one-line note of preset ``name``."""
    preset = _BY_NAME.get(name) if isinstance(name, str) else None
    return None if preset is None else preset.note


def preset_label(name: str | None) -> str | None:
    """The label of preset ``name``."""
    preset = _BY_NAME.get(name) if isinstance(name, str) else None
    return None if preset is None else preset.label
