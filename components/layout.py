"""Page layout: header with presets and display switches, the settings panel, and one
tab per view, each plot with its export buttons and its table view."""

from __future__ import annotations

import logging

from dash import dcc, html

from compute.activations import PRESETS
from components import ids
from components.controls import (
    checklist_control,
    dropdown_control,
    number_control,
    radio_control,
    range_slider_control,
    slider_control,
    textarea_control,
)
from components.data import loss_window
from components.effect import effect_layout
from components.lab import lab_layout
from components.permalink import parse_query, state_query_from_url
from components.presets import PRESETS as NAMED_PRESETS
from components.presets import matching_preset, preset_note
from components.settings import APP_NAME, VERSION
from components.validation import (
    CUSTOM,
    FIELDS,
    MAX_KNOTS_CHARS,
    VIEWS,
    activation_names,
    default_state,
    param_spec,
    sanitize,
    view_slice,
)
from components.views import PLOTS

__all__ = [
    "build_layout",
    "param_slider_props",
    "page_class",
    "resolve_range",
    "initial_state",
    "N_LOG_STEP",
    "TAB_LABELS",
    "COMPLEXITY_CAPTION",
    "LAYERED_CAPTION",
    "FINITE_CAPTION",
    "ACTIVATION_CAPTION",
]

logger = logging.getLogger(__name__)

#: Step of the log₁₀ N slider.
N_LOG_STEP = 0.05

TAB_LABELS = {
    "complexity": "Complexity",
    "layered": "Layered structure",
    "finite": "Finite N",
    "activation": "Activation",
    "effect": "Activation effect",
    "lab": "Landscapes",
}

KEY_HINT = ("Keys: n / p (or PageDown / PageUp) step through the presets · l lecture mode · "
            "t light/dark · Esc leaves lecture mode")


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

LAYERED_CAPTION = [
    "The layered structure of the low critical points. Left: the levels ", *_sym("E", "k"),
    " for the chosen depth — below the loss −N·", *_sym("E", "k"), " there are (for large N) "
    "no critical points of index k or more, so between −N·", *_sym("E", "0"), " and −N·",
    *_sym("E", "1"), " only minima live; the levels fall to the threshold ", *_sym("E", "∞"),
    " = 2√((H−1)/H), where every index piles up. Right: the ground state ", *_sym("E", "0"),
    ", the first saddle level ", *_sym("E", "1"), " and ", *_sym("E", "∞"), " against the "
    "depth: deeper networks have a wider band of low minima. H = 2 is degenerate (all levels "
    "equal √2). Theory §3, after Auffinger, Ben Arous & Černý (2013) and Choromanska et al. "
    "(2015).",
]

FINITE_CAPTION = [
    "How many critical points a network of N weights has, on average, with loss below N·u "
    "(log scale: 3 means a thousand). The thin curves are the leading order e", html.Sup("N·Θ"),
    " of the complexity plot — exact only in the exponent; the thick curve is the exact "
    "expected total at this N, from the Kac–Rice formula and the GOE eigenvalue density; "
    "markers are seeded Monte Carlo estimates of the exact count for each index. Below the "
    "dotted line fewer than one critical point is expected: at moderate N the band of minima "
    "is sparsely populated. Theory §3–§4, after Auffinger, Ben Arous & Černý (2013, Theorem 2.5).",
]

ACTIVATION_CAPTION = [
    "The activation f (solid) and its least-squares piece-wise linear fit f̂ with L pieces "
    "(dashed; diamonds mark the breakpoints), weighted by the density of the pre-activations "
    "Z ~ N(μ, σ²) (shaded, right axis). Below: the probabilities ρ", html.Sub("ℓ"),
    " of the pieces (bars) and their slopes (diamonds) give the mean slope ᾱ and the mean "
    "intercept β̄; loss values in network units are ᾱ", html.Sup("H−1"),
    " times the spin-glass values, and β̄ ≠ 0 adds the low-degree term φ(s) (right) to the "
    "loss, s the overlap of the weights with the all-ones direction, scaled by γ. "
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


def page_class(state: dict) -> str:
    """CSS classes of the page root: theme and lecture mode (also set client-side)."""
    return f"page theme-{state['theme']}" + (" lecture" if state["lecture"] else "")


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


def initial_state() -> tuple[dict, str | None, list[str]]:
    """The state the page opens with, its query string and the repairs made to it.

    The page's address is known to the layout request only through its ``Referer``
    header (browsers send the page URL with same-origin requests): when it is there the
    page opens directly in the linked state; otherwise with the defaults, and the
    settings callback applies the address bar once it reports itself.
    """
    search, messages = None, []
    state = default_state()
    try:
        from flask import has_request_context, request  # noqa: PLC0415

        if has_request_context():
            search = state_query_from_url(request.referrer)
            if search is not None:
                raw, messages = parse_query(search)
                state, repairs = sanitize(raw)
                messages = messages + repairs
    except Exception:  # noqa: BLE001 - fall back to the defaults
        logger.exception("reading the page address from the layout request")
        search, messages, state = None, [], default_state()
    return resolve_range(state), search, messages


# ---------------------------------------------------------------------------------------
# Header
# ---------------------------------------------------------------------------------------


def _toolbar(state: dict):
    match = matching_preset(state)
    return html.Div(
        [
            html.Div(
                [
                    dropdown_control(
                        ids.PRESET, "▶", "Preset",
                        "classic settings of the literature; n / p or PageDown / PageUp step "
                        "through them", "",
                        [{"label": p.label, "value": p.name} for p in NAMED_PRESETS],
                        match, clearable=False, placeholder="(your own settings)",
                        class_name="control toolbar-control preset-control",
                    ),
                    html.Div(
                        [
                            html.Button("◀", id=ids.PRESET_PREV, className="icon-button",
                                        title="Previous preset (p, PageUp)",
                                        **{"aria-label": "Previous preset"}),
                            html.Button("▶", id=ids.PRESET_NEXT, className="icon-button",
                                        title="Next preset (n, PageDown)",
                                        **{"aria-label": "Next preset"}),
                        ],
                        className="preset-steps",
                    ),
                ],
                className="preset-group",
            ),
            radio_control(
                ids.THEME, "◐", "Theme", "light or dark colours, figures included", "",
                [{"label": "Light", "value": "light"}, {"label": "Dark", "value": "dark"}],
                state["theme"], class_name="control toolbar-control", compact=True,
            ),
            checklist_control(
                ids.LECTURE, "⛶", "Lecture mode",
                "full-width plots, large fonts; keys step through the presets (l toggles, "
                "Esc leaves)", "Lecture mode", "on", state["lecture"],
                class_name="control toolbar-control", show_label=False,
            ),
            html.Div(
                [
                    html.Label("Link to these settings", htmlFor=ids.PERMALINK,
                               className="visually-hidden"),
                    dcc.Input(id=ids.PERMALINK, type="text", readOnly=True, value="",
                              className="permalink-box", debounce=True),
                    dcc.Clipboard(id=ids.COPY_LINK, target_id=ids.PERMALINK,
                                  title="Copy the link to these settings", className="copy-button"),
                ],
                className="permalink-group",
                title="The address of the page restores every setting: share or bookmark it.",
            ),
        ],
        className="toolbar",
        role="toolbar",
        **{"aria-label": "Presets and display"},
    )


def _header(state: dict):
    return html.Header(
        [
            html.Div(
                [
                    html.H1(APP_NAME),
                    html.P(
                        "Critical points of the loss of deep networks seen as a spherical "
                        "spin glass: how many minima and saddles lie below each loss level.",
                        className="subtitle",
                    ),
                ],
                className="title-block",
            ),
            _toolbar(state),
            html.P(preset_note(matching_preset(state)), id=ids.PRESET_NOTE, className="preset-note"),
            html.P(KEY_HINT, className="key-hint"),
        ],
        className="page-header",
    )


# ---------------------------------------------------------------------------------------
# Settings panel
# ---------------------------------------------------------------------------------------


def _settings_panel(state: dict):
    f = FIELDS
    p = param_slider_props(state["activation"])
    options = [{"label": PRESETS[name].label if name in PRESETS else name, "value": name}
               for name in activation_names()]
    from components.sync import control_values  # noqa: PLC0415 - sync imports this module

    shown = control_values(state)
    return html.Aside(
        [
            html.H2("Settings"),
            html.Fieldset(
                [
                    html.Legend("Landscape (theory §2–§4)"),
                    slider_control(
                        ids.DEPTH, "H", "depth",
                        "number of weight layers = degree of the spin glass", "layers",
                        f["H"].minimum, f["H"].maximum, 1, state["H"],
                        _int_marks(f["H"].minimum, f["H"].maximum), updatemode="drag",
                    ),
                    slider_control(
                        ids.N_SLIDER, "N", "number of weights",
                        "distinct weights = dimension of the spin glass (log scale; exact value "
                        "in the box)", "weights",
                        1, 6, N_LOG_STEP, shown["N_log"],
                        {1: "10", 2: "100", 3: "1k", 4: "10k", 5: "100k", 6: "1M"},
                        direct_input=False,
                        tooltip={"placement": "bottom", "always_visible": False,
                                 "transform": "spinglassN"},
                        extra=[
                            html.Div(
                                [
                                    html.Span(f"N = {state['N']:,}", id=ids.N_LABEL,
                                              className="live-value", **{"aria-live": "polite"}),
                                    html.Label("exact N", htmlFor=ids.N_INPUT,
                                               className="inline-label"),
                                    dcc.Input(
                                        id=ids.N_INPUT, type="number", min=f["N"].minimum,
                                        max=f["N"].maximum, step=1, value=state["N"],
                                        debounce=True, className="control-number",
                                    ),
                                ],
                                className="n-row",
                            )
                        ],
                    ),
                    slider_control(
                        ids.MAX_INDEX, "K", "highest index shown",
                        "curves and energies for Hessian index k = 0…K", "negative directions",
                        f["K"].minimum, f["K"].maximum, 1, state["K"],
                        _int_marks(f["K"].minimum, f["K"].maximum), updatemode="drag",
                    ),
                    range_slider_control(
                        ids.U_RANGE, "u", "loss range shown",
                        "window of loss per weight of the complexity and finite-N plots "
                        "(spin-glass units)", "loss per weight",
                        f["u_min"].minimum, f["u_max"].maximum, 0.001,
                        shown["u_range"], {x: f"{x:g}" for x in (-3, -2, -1, 0)},
                        extra=[
                            dcc.Checklist(
                                id=ids.U_AUTO,
                                options=[{"label": "automatic: the band (−E₀, −E∞) with margins",
                                          "value": "auto"}],
                                value=shown["u_auto"], className="control-check",
                                inputClassName="check-input", labelClassName="check-label",
                            )
                        ],
                    ),
                    radio_control(
                        ids.UNITS, "ᾱ", "loss units",
                        "spin-glass u, or the network's own loss ᾱ^(H−1)·u (theory §5.3)", "",
                        [{"label": "spin glass (u)", "value": "spin"},
                         {"label": "network (ᾱ^(H−1)·u)", "value": "network"}],
                        state["units"],
                    ),
                ]
            ),
            html.Fieldset(
                [
                    html.Legend("Activation (theory §5)"),
                    dropdown_control(
                        ids.ACTIVATION, "f", "activation",
                        "non-linearity of the hidden units", "", options, state["activation"],
                    ),
                    slider_control(
                        ids.ACTIVATION_PARAM, p["symbol"], p["name"],
                        "shape parameter of the chosen preset", "",
                        p["min"], p["max"], p["step"],
                        state["param"] if state["param"] is not None else p["min"], p["marks"],
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
                        f["pieces"].minimum, f["pieces"].maximum, 1, state["pieces"],
                        {2: "2", 4: "4", 8: "8", 16: "16", 24: "24", 32: "32"},
                    ),
                    slider_control(
                        ids.MU, "μ", "pre-activation mean",
                        "mean of the pre-activations Z ~ N(μ, σ²)", "pre-activation",
                        f["mu"].minimum, f["mu"].maximum, 0.05, state["mu"],
                        {x: f"{x:g}" for x in range(-3, 4)},
                    ),
                    slider_control(
                        ids.SIGMA, "σ", "pre-activation spread",
                        "standard deviation of the pre-activations Z", "pre-activation",
                        f["sigma"].minimum, f["sigma"].maximum, 0.05, state["sigma"],
                        {0.1: "0.1", 1: "1", 2: "2", 3: "3", 4: "4", 5: "5"},
                    ),
                    slider_control(
                        ids.GAMMA, "γ", "strength of φ",
                        "model constant multiplying the deterministic part φ(s) of the loss "
                        "(theory §5.3); 0 switches it off", "",
                        f["gamma"].minimum, f["gamma"].maximum, 0.05, state["gamma"],
                        {x: str(x) for x in range(0, 6)},
                    ),
                ]
            ),
            html.Fieldset(
                [
                    html.Legend("Experiments (Landscapes tab)"),
                    number_control(
                        ids.SEED, "seed", "random seed",
                        "seed of every sampled landscape and Monte Carlo estimate; shown next "
                        "to each sample and kept in the link", "",
                        f["seed"].minimum, f["seed"].maximum, 1, state["seed"],
                    ),
                    slider_control(
                        ids.LAB_N, "N", "landscape weights",
                        "number of weights of the sampled landscape chart and of the descents",
                        "weights", f["lab_N"].minimum, f["lab_N"].maximum, 1, state["lab_N"],
                        {5: "5", 100: "100", 200: "200", 300: "300", 400: "400", 500: "500"},
                    ),
                    slider_control(
                        ids.RUNS, "R", "descent runs",
                        "number of projected-gradient descents from random starts", "runs",
                        f["runs"].minimum, f["runs"].maximum, 1, state["runs"],
                        {10: "10", 100: "100", 200: "200", 300: "300", 400: "400", 500: "500"},
                    ),
                ]
            ),
        ],
        className="settings-panel",
        **{"aria-label": "Settings"},
    )


# ---------------------------------------------------------------------------------------
# Views
# ---------------------------------------------------------------------------------------


def _graph_config(plot: str) -> dict:
    return {
        "displaylogo": False,
        "responsive": True,
        "toImageButtonOptions": {"format": "png", "filename": f"spinglass-{plot}", "scale": 2},
        "modeBarButtonsToRemove": ["lasso2d", "select2d"],
    }


def plot_block(plot: str, height: int, class_name: str = ""):
    """A plot with its export buttons (PNG, SVG, PDF, CSV), downloads and table view."""
    title = PLOTS[plot].title
    buttons = [
        html.Button(
            label, id=ids.export_button(plot, fmt), className="export-button",
            title=f"{hint} — {title}", **{"aria-label": f"{hint}: {title}"},
        )
        for fmt, label, hint in (
            ("png", "PNG", "Download the figure as PNG"),
            ("svg", "SVG", "Download the figure as SVG"),
            ("pdf", "PDF", "Download the figure as PDF (made on the server)"),
            ("csv", "CSV", "Download the plotted data with its parameters as CSV"),
        )
    ]
    return html.Div(
        [
            dcc.Graph(
                id=ids.graph(plot),
                config=_graph_config(plot),
                style={"height": f"{height}px"},
                className="graph",
            ),
            html.Div(
                [
                    html.Span("Export", className="export-label"),
                    *buttons,
                    html.Span(id=ids.export_message(plot), className="export-message",
                              role="status", **{"aria-live": "polite"}),
                ],
                className="export-row",
                role="group",
                **{"aria-label": f"Export: {title}"},
            ),
            dcc.Download(id=ids.download(plot, "csv")),
            dcc.Download(id=ids.download(plot, "pdf")),
            html.Div(id=ids.data_table(plot), className="data-view"),
        ],
        className=f"plot-block {class_name}".strip(),
        id=f"{plot}-block",
    )


def _card(title: str, alert_id: str, body: list, caption, card_id: str):
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


def _safe(build, state: dict, what: str):
    try:
        return build(state)
    except Exception:  # noqa: BLE001 - one tab failing must not take the page down
        logger.exception("building the %s tab", what)
        return html.Div(f"The {what} view could not be built.", className="alert")


def _tabs(state: dict):
    views = {
        "complexity": _card(
            "Complexity: how many critical points below each loss",
            ids.COMPLEXITY_ALERT,
            [
                plot_block("complexity", 620),
                html.H3("Ground-state energies"),
                html.Div(id=ids.ENERGY_TABLE, className="table-wrap"),
            ],
            COMPLEXITY_CAPTION,
            "complexity-card",
        ),
        "layered": _card(
            "Layered structure: minima low, saddles higher",
            ids.LAYERED_ALERT,
            [
                html.Div(
                    [plot_block("layered-k", 460), plot_block("layered-h", 460)],
                    className="plot-pair",
                )
            ],
            LAYERED_CAPTION,
            "layered-card",
        ),
        "finite": _card(
            "Counts at finite N",
            ids.FINITE_ALERT,
            [plot_block("finite", 600), html.Ul(id=ids.FINITE_NOTES, className="notes")],
            FINITE_CAPTION,
            "finite-card",
        ),
        "activation": _card(
            "Activation and its piece-wise linear model",
            ids.ACTIVATION_ALERT,
            [
                plot_block("activation", 460),
                html.Div(id=ids.ACTIVATION_STATS, className="stats"),
                html.Div(
                    [plot_block("pieces", 380), plot_block("phi", 380)],
                    className="plot-pair",
                ),
            ],
            ACTIVATION_CAPTION,
            "activation-card",
        ),
        "effect": html.Div(_safe(effect_layout, state, "activation effect"), className="card"),
        "lab": html.Div(_safe(lab_layout, state, "landscapes"), className="card"),
    }
    return dcc.Tabs(
        id=ids.TABS,
        value=state["tab"],
        children=[
            dcc.Tab(label=TAB_LABELS[name], value=name, children=content, id=f"tab-{name}",
                    className="view-tab", selected_className="view-tab--selected")
            for name, content in views.items()
        ],
        className="view-tabs",
        content_className="view-tab-content",
        parent_className="view-tabs-parent",
    )


def build_layout(state: dict | None = None, search: str | None = None,
                 messages: list[str] | None = None):
    """The whole page for a valid settings ``state`` (default: :func:`initial_state`)."""
    if state is None:
        state, search, messages = initial_state()
    else:
        state = resolve_range(dict(state))
    location = dcc.Location(id=ids.URL, refresh=False, **({} if search is None else {"search": search}))
    stores = [
        dcc.Store(id=ids.VIEW_STATES[view], data=view_slice(state, view) if state["tab"] == view else None)
        for view in VIEWS
    ]
    notice = None
    if messages:
        notice = [html.P(html.Strong("This link's settings were repaired:"))] + [html.P(m) for m in messages]
    return html.Div(
        [
            location,
            dcc.Store(id=ids.SETTINGS, data=state),
            *stores,
            dcc.Store(id=ids.KEY_EVENT, data=None),
            _header(state),
            html.Main(
                [
                    _settings_panel(state),
                    html.Div(
                        [
                            html.Div(notice, id=ids.NOTICE, className="alert notice", role="status",
                                     **{"aria-live": "polite"}),
                            _tabs(state),
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
        className=page_class(state),
        id=ids.PAGE,
    )
