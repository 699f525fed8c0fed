"""Named presets: classic settings of the literature, one click (or key) away.

A preset fixes the model settings (depth, number of weights, activation and its PL
model, γ) and opens the view where its point shows; it leaves the look (theme, lecture
mode, units) alone.  The keyboard steps through them in this order (assets/app.js).  Each
preset has a one-line note (shown to everyone) and speaker notes (shown only on the
presenter's screen when presenting to followers).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

__all__ = [
    "Preset", "PRESETS", "MODEL_KEYS", "preset_names", "matching_preset", "apply_preset",
    "step_preset", "preset_note", "preset_label", "speaker_notes",
]

#: The settings a preset fixes.
MODEL_KEYS = ("H", "K", "N", "activation", "param", "pieces", "mu", "sigma", "gamma",
              "net_data", "net_widths", "net_restarts", "net_epochs")

_BASE = {"H": 3, "K": 5, "N": 1000, "activation": "relu", "param": None, "pieces": 8,
         "mu": 0.0, "sigma": 1.0, "gamma": 1.0, "net_data": "digits", "net_widths": "10, 25, 50, 100",
         "net_restarts": 100, "net_epochs": 30}


@dataclass(frozen=True)
class Preset:
    """A named setting: ``values`` for every key of :data:`MODEL_KEYS`, a one-line note,
    the view (``tab``) that shows its point, and speaker notes for the presenter."""

    name: str
    label: str
    note: str
    values: Mapping
    tab: str = "complexity"
    speaker: str = ""


def _preset(name: str, label: str, note: str, tab: str = "complexity", speaker: str = "",
            **changes) -> Preset:
    values = {**_BASE, **changes}
    assert set(values) == set(MODEL_KEYS)
    return Preset(name, label, note, values, tab, speaker)


PRESETS: tuple[Preset, ...] = (
    _preset(
        "choromanska", "ReLU, H = 3 (Choromanska et al.)",
        "The setting of Choromanska et al. (2015): minima crowd into the thin band just above "
        "the ground state −E₀; saddles of index k only appear above −Eₖ.",
        speaker="Start here. Point at the band: below −E₀ nothing; the curves Θ_k cross zero "
        "at −E_k in order, so the lowest critical points are minima. Ask: what happens to "
        "the band when the network gets deeper? (next preset)",
    ),
    _preset(
        "relu5", "ReLU, H = 5",
        "Deeper: the band (−E₀, −E∞) widens and the layers E₀ > E₁ > … spread out.",
        tab="layered",
        speaker="Layered structure: E_k against k falls to the threshold E∞; on the right the "
        "gap E₀ − E∞ grows with depth. Minima live in the gap.",
        H=5,
    ),
    _preset(
        "deep-relu", "deep ReLU, H = 10",
        "A deep network: the layered structure of the low critical points is clearly resolved.",
        tab="layered",
        speaker="H = 10: the levels are well separated. The practical message of Choromanska "
        "et al.: low minima are all about equally good, and hard-to-escape bad minima are rare.",
        H=10,
    ),
    _preset(
        "quadratic", "H = 2: a quadratic form",
        "Degenerate case: the loss is a quadratic form with exactly 2 critical points per "
        "index; the band is empty (Eₖ = E∞ = √2).",
        tab="finite",
        speaker="The degenerate case: a quadratic form on the sphere has 2 critical points per "
        "index (±eigenvector). Counts are exactly 2, whatever N.",
        H=2, K=3,
    ),
    _preset(
        "sigmoid", "sigmoid vs tanh: sigmoid, H = 3",
        "The sigmoid is not centred: β̄ ≠ 0 adds the deterministic term φ(s) to the loss "
        "(theory §5.3).",
        tab="effect",
        speaker="φ ≠ 0: the counts change by the factor K shown here. The exponential rate is "
        "still the spin glass's; the prefactor and the index of some points move.",
        activation="sigmoid",
    ),
    _preset(
        "tanh", "sigmoid vs tanh: tanh, H = 3",
        "tanh is odd: at μ = 0 its PL fit has β̄ = 0, so φ ≡ 0 and the spin-glass picture is exact.",
        tab="activation",
        speaker="Compare with the sigmoid: same shape, but centred. β̄ = 0, so φ ≡ 0.",
        activation="tanh",
    ),
    _preset(
        "leaky", "leaky ReLU (a = 0.1), H = 4",
        "Leaky ReLU is piece-wise linear with β̄ = 0: Choromanska's model with a larger slope ᾱ.",
        tab="activation",
        speaker="The fit is exact (two pieces). Only the scale ᾱ changes: switch units to "
        "'network' to see the loss axis stretch.",
        H=4, activation="leaky_relu", param=0.1,
    ),
    _preset(
        "gelu-shifted", "GELU, shifted pre-activations (μ = 0.5), H = 4",
        "Smooth activation with shifted inputs: the fit, ᾱ, β̄ and φ all move with μ.",
        tab="activation",
        speaker="Move μ with the slider and watch β̄ and φ(s) on the right change sign.",
        H=4, activation="gelu", mu=0.5,
    ),
    _preset(
        "small-n", "small network: N = 50, H = 3",
        "At N = 50 the exact finite-N counts of theory §4 differ visibly from the leading "
        "order e^(NΘ); index-k counts are estimated by seeded Monte Carlo.",
        tab="finite",
        speaker="Finite N: the thick curve is exact, the thin ones leading order. Below the "
        "dotted line fewer than one critical point is expected.",
        N=50,
    ),
    _preset(
        "minima-relu", "Where the minima are: ReLU, H = 4, N = 10 000",
        "ReLU has β̄ = 0, so φ ≡ 0: nothing moves, at any N. The minima sit at overlap m = 0 down to "
        "the spin glass's −E₀ (theory §3, §5.6).",
        tab="minima",
        speaker="The baseline: φ ≡ 0, the minima at overlap 0 down to −E₀. Step on to switch the "
        "activation's term on.",
        H=4, N=10_000,
    ),
    _preset(
        "minima-gelu-weak", "Where the minima are: GELU, H = 4, γ = 0.1",
        "A weak activation term: the lowest minima stay at overlap s = O(1), the spin-glass regime; "
        "§5.5's factor K is the whole effect.",
        tab="minima",
        speaker="Weak φ: same regime as the spin glass; only the prefactor K changes.",
        H=4, activation="gelu", gamma=0.1,
    ),
    _preset(
        "minima-gelu-mid", "Where the minima are: GELU, H = 4, γ = 0.2",
        "Stronger: the lowest minima move to a macroscopic overlap m* ≈ 0.92 and below −E₀ — the "
        "shifted regime, where the leading-order complexity changes.",
        tab="minima",
        speaker="Point at the minima moving to a large overlap and below −E₀: the leading-order "
        "complexity itself changes here.",
        H=4, activation="gelu", gamma=0.2,
    ),
    _preset(
        "minima-gelu-strong", "Where the minima are: GELU, H = 4, γ = 0.5",
        "Stronger still: the deepest minimum is φ's own, at the pole w = 𝟏, far below every spin-glass "
        "level — the deterministic regime. The glassy minima remain above.",
        tab="minima",
        speaker="The deepest minimum is φ's own (at the pole); the glassy minima are still there, "
        "above it.",
        H=4, activation="gelu", gamma=0.5,
    ),
    _preset(
        "minima-sigmoid-3", "Where the minima are: sigmoid, H = 3, N = 100",
        "Sigmoid is not centred (κ₁ = 11.7), but at H = 3 the minima stay in the spin-glass regime, "
        "pulled to a small overlap that fades like N^(−1/2).",
        tab="minima",
        speaker="Sigmoid at H = 3: a pull towards small overlap that fades with N.",
        activation="sigmoid", N=100,
    ),
    _preset(
        "minima-sigmoid-6", "Where the minima are: sigmoid, H = 6, N = 100",
        "At H = 6, κ₁ ≈ 1.3·10³: §5.5's factor underflows to 0, yet the minima did not disappear — "
        "one sits at the pole w = −𝟏 at loss −1674 per weight (deterministic regime).",
        tab="minima",
        speaker="A factor that underflows to zero does not mean no minima: one sits at the pole.",
        H=6, activation="sigmoid", N=100,
    ),
    _preset(
        "net-relu-digits", "Real networks: ReLU on digits, widths 10 → 500",
        "Choromanska's experiment on real data (Real networks tab): 100 ReLU networks per width, "
        "64 → h → 10; the spread of the final loss shrinks as the width grows.",
        tab="networks",
        speaker="Press Train networks. Point at the spread plot: the training-loss spread falls about "
                "as 1/N, the test-loss spread much less; the correlation of train and test is weak.",
        H=2, net_widths="10, 25, 50, 100, 250, 500",
    ),
    _preset(
        "net-sigmoid-h3", "Real networks, depth 3: sigmoid (vs ReLU)",
        "Sigmoid networks of depth 3 (Real networks tab): not centred, β̄ ≠ 0 and κ ≠ 0 (theory §5.3); "
        "compare spreads, correlations and piece shares with the next preset.",
        tab="networks",
        speaker="Sigmoid, depth 3: losses are high after 30 epochs and train and test move together; "
                "the piece shares are close to the Gaussian model in the first layer.",
        activation="sigmoid", net_restarts=50,
    ),
    _preset(
        "net-relu-h3", "Real networks, depth 3: ReLU (vs sigmoid)",
        "ReLU networks of depth 3 (Real networks tab), same widths and restarts as the sigmoid preset.",
        tab="networks",
        speaker="ReLU, depth 3: compare the spread and the correlation with the sigmoid preset.",
        net_restarts=50,
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

    The loss range goes back to automatic, since the band moves with the model, and the
    view switches to the preset's own.
    """
    preset = _BY_NAME.get(name) if isinstance(name, str) else None
    if preset is None:
        return dict(state)
    return {**state, **preset.values, "u_auto": True, "tab": preset.tab}


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


def speaker_notes(name: str | None) -> str | None:
    """The speaker notes of preset ``name`` (for the presenter's screen only)."""
    preset = _BY_NAME.get(name) if isinstance(name, str) else None
    return None if preset is None or not preset.speaker else preset.speaker


def preset_label(name: str | None) -> str | None:
    """The label of preset ``name``."""
    preset = _BY_NAME.get(name) if isinstance(name, str) else None
    return None if preset is None else preset.label
