"""Page layout: header, the settings panel, and one card per view."""

from __future__ import annotations

from dash import dcc, html

from compute.activations import PRESETS
from components import ids
from components.controls import dropdown_control, slider_control, textarea_control
from components.settings import APP_NAME, VERSION
from components.validation import (
    ACTIVATION_KEYS,
    COMPLEXITY_KEYS,
    CUSTOM,
    FIELDS,
    MAX_KNOTS_CHARS,
    activation_names,
    default_state,
    param_spec,
    view_slice,
)

__all__ = ["build_layout", "param_slider_props", "COMPLEXITY_CAPTION", "ACTIVATION_CAPTION"]

def _sym(base: str, sub: str):
    return [html.I(base), html.Sub(sub)]


COMPLEXITY_CAPTION = [
    *_sym("Θ", "k,H"), "(u) is the growth rate, per weight, of the expected number of critical "
    "points of Hessian index k (k negative directions) with loss at most N·u: there are about ",
    "e", html.Sup("N·Θ"), " of them. Where a curve is below zero none are expected for large N. "
    "Minima (k = 0) appear only above −", *_sym("E", "0"), ", index-k saddles only above −",
    *_sym("E", "k"), ", and every index piles up at −", *_sym("E", "∞"), ", so the low-lying "
    "critical points live in the shaded band (−", *_sym("E", "0"), ", −", *_sym("E", "∞"), "). "
    "The dashed curve ", *_sym("Θ", "H"), " counts all critical points. Leading order as "
    "N → ∞: theory §3, after Auffinger, Ben Arous & Černý (2013) and Choromanska et al. "
    "(2015). Double-click the plot to see the whole range of u.",
]

ACTIVATION_CAPTION = [
    "The activation f (solid) and its least-squares piece-wise linear fit f̂ with L pieces "
    "(dashed; diamonds mark the breakpoints), weighted by the density of the pre-activations "
    "Z ~ N(μ, σ²) (shaded, right axis). The probabilities of the pieces give the mean slope ᾱ "
    "and the mean intercept β̄; loss values in network units are ᾱ", html.Sup("H−1"),
    " times the spin-glass values, and β̄ ≠ 0 adds a low-degree term φ(s) to the loss. "
    "Model: theory §5.1–§5.3, our derivation following Baskerville, Keating, Mezzadri & "
    "Najnudel (arXiv:2004.03959).",
]


def _int_marks(lo: int, hi: int) -> dict:
    return {k: str(k) for k in range(lo, hi + 1)}


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


def _settings_panel(state: dict):
    h, k, l, mu, sigma = (FIELDS[key] for key in ("H", "K", "pieces", "mu", "sigma"))
    p = param_slider_props(state["activation"])
    options = [{"label": PRESETS[name].label if name in PRESETS else name, "value": name}
               for name in activation_names()]
    return html.Aside(
        [
            html.H2("Settings"),
            html.Div(id=ids.NOTICE, className="alert notice", role="status", **{"aria-live": "polite"}),
            html.Fieldset(
                [
                    html.Legend("Landscape (theory §2–§3)"),
                    slider_control(
                        ids.DEPTH, "H", "depth",
                        "number of weight layers = degree of the spin glass", "layers",
                        h.minimum, h.maximum, 1, state["H"], _int_marks(h.minimum, h.maximum),
                    ),
                    slider_control(
                        ids.MAX_INDEX, "K", "highest index shown",
                        "curves and energies for Hessian index k = 0…K", "negative directions",
                        k.minimum, k.maximum, 1, state["K"], _int_marks(k.minimum, k.maximum),
                    ),
                ]
            ),
            html.Fieldset(
                [
                    html.Legend("Activation (theory §5)"),
                    dropdown_control(
                        ids.ACTIVATION, "f", "activation",
                        "non-linearity of the hidden units", "none", options, state["activation"],
                    ),
                    slider_control(
                        ids.ACTIVATION_PARAM, p["symbol"], p["name"],
                        "shape parameter of the chosen preset", "none",
                        p["min"], p["max"], p["step"], state["param"], p["marks"],
                        row_id=ids.ACTIVATION_PARAM_ROW, label_id=ids.ACTIVATION_PARAM_LABEL,
                        hidden=p["hidden"],
                    ),
                    textarea_control(
                        ids.KNOTS, "(z, f)", "knots of the custom activation",
                        "one 'z, f' pair a line, z increasing; linear in between and beyond; "
                        "applied when you leave the box", "pre-activation, activation",
                        state["knots"], ids.KNOTS_ROW, state["activation"] != CUSTOM,
                        MAX_KNOTS_CHARS,
                    ),
                    slider_control(
                        ids.PIECES, "L", "pieces",
                        "number of linear pieces of the fit f̂", "pieces",
                        l.minimum, l.maximum, 1, state["pieces"],
                        {2: "2", 4: "4", 8: "8", 16: "16", 24: "24", 32: "32"},
                    ),
                    slider_control(
                        ids.MU, "μ", "pre-activation mean",
                        "mean of the pre-activations Z ~ N(μ, σ²)", "pre-activation",
                        mu.minimum, mu.maximum, 0.05, state["mu"],
                        {x: f"{x:g}" for x in range(-3, 4)},
                    ),
                    slider_control(
                        ids.SIGMA, "σ", "pre-activation spread",
                        "standard deviation of the pre-activations Z", "pre-activation",
                        sigma.minimum, sigma.maximum, 0.05, state["sigma"],
                        {0.1: "0.1", 1: "1", 2: "2", 3: "3", 4: "4", 5: "5"},
                    ),
                ]
            ),
        ],
        className="settings-panel",
        **{"aria-label": "Settings"},
    )


def _card(title: str, alert_id: str, body: list, caption: str, card_id: str):
    return html.Article(
        [
            html.H2(title),
            html.Div(id=alert_id, className="alert", role="alert"),
            *body,
            html.P(caption, className="caption"),
        ],
        className="card",
        id=card_id,
    )


def _graph(graph_id: str, height: int):
    return dcc.Graph(
        id=graph_id,
        config={"displaylogo": False, "responsive": True},
        style={"height": f"{height}px"},
        className="graph",
    )


def build_layout(state: dict | None = None):
    """The whole page for a (valid) settings ``state`` (default: :func:`default_state`)."""
    state = default_state() if state is None else state
    return html.Div(
        [
            dcc.Store(id=ids.SETTINGS, data=state),
            dcc.Store(id=ids.COMPLEXITY_STATE, data=view_slice(state, COMPLEXITY_KEYS)),
            dcc.Store(id=ids.ACTIVATION_STATE, data=view_slice(state, ACTIVATION_KEYS)),
            html.Header(
                [
                    html.H1(APP_NAME),
                    html.P(
                        "Critical points of the loss of deep networks seen as a spherical "
                        "spin glass: how many minima and saddles lie below each loss level.",
                        className="subtitle",
                    ),
                ],
                className="page-header",
            ),
            html.Main(
                [
                    _settings_panel(state),
                    html.Div(
                        [
                            _card(
                                "Complexity: how many critical points below each loss",
                                ids.COMPLEXITY_ALERT,
                                [
                                    _graph(ids.COMPLEXITY_GRAPH, 620),
                                    html.H3("Ground-state energies"),
                                    html.Div(id=ids.ENERGY_TABLE, className="table-wrap"),
                                ],
                                COMPLEXITY_CAPTION,
                                "complexity-card",
                            ),
                            _card(
                                "Activation and its piece-wise linear model",
                                ids.ACTIVATION_ALERT,
                                [
                                    _graph(ids.ACTIVATION_GRAPH, 480),
                                    html.Div(id=ids.ACTIVATION_STATS, className="stats"),
                                ],
                                ACTIVATION_CAPTION,
                                "activation-card",
                            ),
                        ],
                        className="views",
                    ),
                ],
                className="page-main",
            ),
            html.Footer(
                [
                    html.Span(f"version {VERSION} · "),
                    html.Span(
                        "Theory: docs/theory.md. Papers: Choromanska et al., AISTATS 2015 "
                        "(arXiv:1412.0233); Auffinger, Ben Arous & Černý, CPAM 2013 "
                        "(arXiv:1003.1129); Baskerville, Keating, Mezzadri & Najnudel, "
                        "J. Stat. Mech. 2021 (arXiv:2004.03959)."
                    ),
                ],
                className="page-footer",
            ),
        ],
        className="page",
    )
