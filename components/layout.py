"""The page shell: header with presets and display switches, the settings panel, and one
tab per view of components/registry.py (each view builds its own tab's content)."""

from __future__ import annotations

import logging
from typing import Any

from dash import dcc, html, no_update

from components import ids
from components.controls import (
    checklist_control,
    dropdown_control,
    number_control,
    radio_control,
    range_slider_control,
    slider_control,
    text_control,
    textarea_control,
)
from components.permalink import parse_query, state_query_from_url, strip_session
from components.presenter import presenter_layout
from components.presets import PRESETS as NAMED_PRESETS
from components.presets import matching_preset, preset_note
from components.registry import VIEWS, module_of
from components.settings import APP_NAME, VERSION
from components.state import (
    CUSTOM,
    FIELDS,
    MAX_KNOTS_CHARS,
    N_LOG_STEP,
    activation_names,
    default_state,
    param_slider_props,
    resolve_range,
    sanitize,
    view_slice,
)
from components.sync import address_update, control_values, rewritten_query
from components.views.redraw import redraw_config
from compute.activations import PRESETS

__all__ = [
    "COMPARE_GRAPHS",
    "KEPT_VIEWS",
    "MOUNTED_ON_FIRST_VISIT",
    "build_layout",
    "page_class",
    "initial_state",
    "view_store",
    "TAB_LABELS",
]

logger = logging.getLogger(__name__)

TAB_LABELS = {view.name: view.label for view in VIEWS}

KEY_HINT = ("Keys: n / p (or PageDown / PageUp) step through the presets · l lecture mode · "
            "t theme · f one plot full screen · c pin curves to compare · Esc leaves lecture mode · ? all keys")

THEMES = [{"label": "Light", "value": "light"}, {"label": "Dark", "value": "dark"},
          {"label": "High contrast", "value": "contrast"}]


def _int_marks(lo: int, hi: int) -> dict:
    return {k: str(k) for k in range(lo, hi + 1)}


def page_class(state: dict) -> str:
    """CSS classes of the page root: theme and lecture mode (also set client-side)."""
    return f"page theme-{state['theme']}" + (" lecture" if state["lecture"] else "")


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
                ids.THEME, "◐", "Theme",
                "light or dark colours, or high contrast for a projector; figures included", "",
                THEMES, state["theme"], class_name="control toolbar-control", compact=True,
            ),
            checklist_control(
                ids.LECTURE, "⛶", "Lecture mode",
                "full-width plots, large fonts; keys step through the presets (l toggles, "
                "Esc leaves)", "Lecture mode", "on", state["lecture"],
                class_name="control toolbar-control", show_label=False,
            ),
            html.Div(
                [
                    html.Button(
                        "Reset", id=ids.RESET, className="action-button", n_clicks=0,
                        title="Back to the default settings (theme, lecture mode and view stay)",
                    ),
                    html.Button(
                        "Pin curves", id=ids.COMPARE_BUTTON, className="action-button",
                        n_clicks=0,
                        title="Compare: keep the curves shown now as faded references and freeze "
                              "the axes, then change settings or presets; press again to unpin "
                              "(key c)",
                        **{"aria-pressed": "false"},
                    ),
                    html.Button(
                        "? Keys", id=ids.KEYS_BUTTON, className="action-button", n_clicks=0,
                        title="The keyboard shortcuts (key ?)",
                        **{"aria-haspopup": "dialog"},
                    ),
                    html.Button(
                        "⚙ Settings", id=ids.SETTINGS_TOGGLE, className="settings-toggle",
                        n_clicks=0, title="Show or hide the settings",
                        **{"aria-expanded": "false", "aria-controls": ids.SETTINGS_PANEL},
                    ),
                ],
                className="toolbar-actions",
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
            presenter_layout(),
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
                        _int_marks(f["H"].minimum, f["H"].maximum),
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
                        _int_marks(f["K"].minimum, f["K"].maximum),
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
                    html.Legend("Where the minima are (theory §5.6)"),
                    number_control(
                        ids.LEVEL, "u", "your level",
                        "loss per weight at which the minima view reports the regime and marks "
                        "your point (spin-glass units)", "loss per weight",
                        f["level"].minimum, f["level"].maximum, "any", state["level"],
                        extra=[
                            dcc.Checklist(
                                id=ids.LEVEL_AUTO,
                                options=[{"label": "automatic: the ground state −E₀ᵠ",
                                          "value": "auto"}],
                                value=["auto"] if state["level_auto"] else [],
                                className="control-check", inputClassName="check-input",
                                labelClassName="check-label",
                            )
                        ],
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
            html.Fieldset(
                [
                    html.Legend("Real networks (trained on real data)"),
                    radio_control(
                        ids.NET_DATA, "D", "data set",
                        "bundled with scikit-learn: 8×8 digits (10 classes) or breast cancer (binary)", "",
                        [{"label": "digits", "value": "digits"},
                         {"label": "breast cancer", "value": "breast_cancer"}],
                        state["net_data"],
                    ),
                    text_control(
                        ids.NET_WIDTHS, "h", "hidden widths",
                        "widths to sweep, 5 to 500 units, separated by commas (at most 8)", "units",
                        state["net_widths"], 200, "10, 25, 50, 100",
                    ),
                    number_control(
                        ids.NET_RESTARTS, "R", "restarts per width",
                        "networks trained from independent random starts at each width", "networks",
                        f["net_restarts"].minimum, f["net_restarts"].maximum, 1, state["net_restarts"],
                    ),
                    number_control(
                        ids.NET_EPOCHS, "E", "epochs",
                        "passes over the training set (minibatches of 32)", "epochs",
                        f["net_epochs"].minimum, f["net_epochs"].maximum, 1, state["net_epochs"],
                    ),
                    radio_control(
                        ids.NET_OPT, "opt", "optimiser",
                        "SGD with momentum 0.9, or Adam", "",
                        [{"label": "SGD", "value": "sgd"}, {"label": "Adam", "value": "adam"}],
                        state["net_opt"],
                    ),
                    number_control(
                        ids.NET_LR, "η", "learning rate",
                        "step size of the optimiser", "",
                        f["net_lr"].minimum, f["net_lr"].maximum, 0.0001, state["net_lr"],
                    ),
                    radio_control(
                        ids.NET_LOSS, "ℓ", "loss",
                        "cross-entropy, or the squared error (one-hot targets; ±1 for the binary set)", "",
                        [{"label": "cross-entropy", "value": "cross_entropy"},
                         {"label": "squared", "value": "squared"}],
                        state["net_loss"],
                    ),
                    checklist_control(
                        ids.NET_HESSIAN, "∇²", "Hessian at end points",
                        "lowest Hessian eigenvalues at the first end points of small widths (slower)",
                        "compute the Hessian index", "on", state["net_hessian"],
                    ),
                ]
            ),
        ],
        className="settings-panel drawer-closed",
        id=ids.SETTINGS_PANEL,
        **{"aria-label": "Settings"},
    )


# ---------------------------------------------------------------------------------------
# Views
# ---------------------------------------------------------------------------------------


#: "What am I looking at?": a few plain sentences per view, for a first-time visitor.
EXPLAIN = {
    "complexity": (
        "Each curve counts critical points of one Hessian index k (k = 0: minima) per weight: "
        "where Θ is above zero, about e^(N·Θ) of them lie below the loss N·u; below zero, "
        "none for large N. Read it from the left: the lowest critical points (just above "
        "−E₀) are minima, saddles of index k appear only above −Eₖ, and everything piles up "
        "at −E∞. This is the spin-glass model (φ ≡ 0)."
    ),
    "layered": (
        "The same levels as numbers: E₀ > E₁ > … > E∞ for the chosen depth (left) and how "
        "the ground state E₀, the first saddle level E₁ and the threshold E∞ move with the "
        "depth H (right). The gap between E₀ and E∞ is where good minima live."
    ),
    "finite": (
        "A real network has finitely many weights N. The thick curve is the exact expected "
        "number of critical points below each loss at this N; the thin curves are the "
        "large-N approximation e^(N·Θ), right in the exponent only; markers are Monte Carlo "
        "estimates per index. Below the dotted line, less than one is expected."
    ),
    "activation": (
        "How an activation enters the model: it is fitted by L straight pieces (dashed), "
        "weighted by how often each input value occurs (shaded). The average slope ᾱ "
        "rescales the loss; the average intercept β̄ adds a deterministic term φ(s) to it "
        "(right), which is zero for ReLU, leaky ReLU and tanh at μ = 0."
    ),
    "effect": (
        "What φ ≠ 0 does to the counts: K is the ratio of the expected number of critical "
        "points with the activation's φ to the spin glass's (K = 1: no change), and the share "
        "of minima turned into index-1 saddles. The last panel counts at a finite N by Monte "
        "Carlo."
    ),
    "lab": (
        "Sampled landscapes, not formulas: one random loss surface at N = 3 drawn on the "
        "sphere with all its critical points, a chart of a larger one, and gradient descents "
        "from random starts with the losses they end at, next to the levels −E₀ and −E∞."
    ),
}


def _explain(view) -> Any:
    text = EXPLAIN.get(view.name)
    if not text:
        return None
    return html.Details(
        [html.Summary("What am I looking at?"), html.P(text)],
        className="explain",
        id=ids.explain(view.name),
    )


def _view_content(view, state: dict):
    """The tab content of ``view`` after its short explanation; a view that fails to build
    says so instead."""
    try:
        content = module_of(view).layout(view.name, state)
    except Exception:  # noqa: BLE001 - one tab failing must not take the page down
        logger.exception("building the %s tab", view.name)
        content = html.Div(f"The {view.label} view could not be built.", className="alert")
    return [c for c in (_explain(view), content) if c is not None]


#: The graphs whose curves compare mode pins (assets/compare.js): the analytic views' and
#: the activation effect's line plots.
COMPARE_GRAPHS = (*(ids.graph(plot) for plot in ("complexity", "layered-k", "layered-h",
                                                 "finite", "activation", "pieces", "phi")),
                  ids.EFFECT_MODULATION_GRAPH, ids.EFFECT_COMPARE_GRAPH)

#: Views whose content stays mounted (hidden) while another tab is shown, since a tab of
#: dcc.Tabs draws its content anew on every visit: the Landscapes' figures (WebGL globes
#: and surfaces) take seconds to draw again, and the analytic views are switched between
#: in one frame (assets/redraw.js shows the panel at the click, redrawing its figures from
#: the server's tables first if the settings changed while it was hidden).  Their tab in
#: dcc.Tabs is empty; the content lives in a panel next to it that a clientside callback
#: shows for the selected tab.
KEPT_VIEWS = ("complexity", "layered", "finite", "activation", "lab")
#: Kept views whose hidden panel keeps its width (its WebGL figures are not resized when
#: it is shown again); the others leave the page's layout while hidden, so that drawing
#: on the shown tab does not lay them out again with every measurement plotly takes
#: (except while assets/redraw.js draws one ahead of its visit, at its width).
LAID_OUT_WHILE_HIDDEN = ("lab",)
#: Kept views whose content is mounted only when their tab is first opened (or, for those
#: of :data:`MOUNTED_WHEN_IDLE`, once the page is idle after its first figure), then kept:
#: until then their figures and controls cost the page's first load nothing (the
#: Landscapes' took a quarter of it; each hidden analytic graph was drawn at load, with its
#: placeholder).  The content is in the page's layout from the start, so its callbacks are
#: the page's as before; it sits in a one-tab dcc.Tabs whose tab is selected at the first
#: visit (dcc.Tabs mounts only the selected tab's content).  The view a page opens on is
#: mounted at once.
MOUNTED_ON_FIRST_VISIT = KEPT_VIEWS
#: Of those, the views mounted as soon as the page has drawn its figure and is idle
#: (assets/redraw.js), so that their first visit is as quick as a later one; the
#: Landscapes' WebGL figures wait for their tab.
MOUNTED_WHEN_IDLE = ("complexity", "layered", "finite", "activation")
#: The class of the selected tab (besides dcc.Tabs' own ``tab--selected``).
TAB_SELECTED_CLASS = "view-tab--selected"


def _tabs(state: dict):
    return dcc.Tabs(
        id=ids.TABS,
        value=state["tab"],
        children=[
            dcc.Tab(label=view.label, value=view.name,
                    children=[] if view.name in KEPT_VIEWS else _view_content(view, state),
                    id=ids.tab(view.name), className="view-tab",
                    selected_className=TAB_SELECTED_CLASS)
            for view in VIEWS
        ],
        className="view-tabs",
        content_className="view-tab-content",
        parent_className="view-tabs-parent",
    )


def _mounted_on_first_visit(view, state: dict) -> list:
    """The content of ``view`` behind the switch of :data:`MOUNTED_ON_FIRST_VISIT`."""
    content = _view_content(view, state)
    if view.name not in MOUNTED_ON_FIRST_VISIT:
        return content
    return [dcc.Tabs(
        id=ids.mount_switch(view.name),
        value=view.name if state["tab"] == view.name else "not-yet",
        children=[dcc.Tab(value=view.name, children=content)],
        className="mount-switch", parent_className="mount-switch-parent",
        content_className="mount-switch-content",
    )]


def _kept_panels(state: dict) -> list:
    """The panels of :data:`KEPT_VIEWS`, each shown only while its tab is selected."""
    return [
        html.Div(_mounted_on_first_visit(view, state), id=ids.kept_panel(view.name),
                 className="view-tab-content kept-panel"
                 + ("" if view.name in LAID_OUT_WHILE_HIDDEN else " kept-panel--out"),
                 hidden=state["tab"] != view.name,
                 role="tabpanel", **{"aria-labelledby": ids.tab(view.name)})
        for view in VIEWS if view.name in KEPT_VIEWS
    ]


def view_store(name: str, state: dict):
    """The store of view ``name``'s settings slice: filled only if it is the view shown."""
    if state["tab"] != name:
        return dcc.Store(id=ids.view_state(name))
    return dcc.Store(id=ids.view_state(name), data=view_slice(state, name))


def initial_address(state: dict, search: str | None) -> dict | None:
    """What the address store starts with for a page built from the link's query
    ``search``: the canonical query of ``state`` when the link differs from it (a repaired
    or reordered link, written over the entry it came with), as the settings callback
    would write it; None when the link needs no rewrite or is unknown (then the settings
    callback reads the address bar once it reports itself)."""
    address = address_update(rewritten_query(strip_session(search), state), None)
    return None if address is no_update else address


def build_layout(state: dict | None = None, search: str | None = None,
                 messages: list[str] | None = None):
    """The whole page for a valid settings ``state`` (default: :func:`initial_state`)."""
    if state is None:
        state, search, messages = initial_state()
    else:
        state = resolve_range(dict(state))
    location = dcc.Location(id=ids.URL, refresh=False, **({} if search is None else {"search": search}))
    stores = [view_store(view.name, state) for view in VIEWS]
    notice = None
    if messages:
        notice = [html.P(html.Strong("This link's settings were repaired:"))] + [html.P(m) for m in messages]
    return html.Div(
        [
            location,
            dcc.Store(id=ids.SETTINGS, data=state),
            *stores,
            # (not empty: an empty store reports itself on mount, a change to the settings
            # callback, which then ran at every page load)
            dcc.Store(id=ids.KEY_EVENT, data={"action": None, "n": 0}),
            dcc.Store(id=ids.REDRAW_CONFIG, data=redraw_config(
                KEPT_VIEWS, TAB_SELECTED_CLASS,
                {view: ids.mount_switch(view) for view in MOUNTED_WHEN_IDLE})),
            dcc.Store(id=ids.REDRAW_WARM, data=None),
            dcc.Store(id=ids.ADDRESS, data=initial_address(state, search)),
            dcc.Store(id=ids.COMPARE, data=None),
            _header(state),
            html.Main(
                [
                    _settings_panel(state),
                    html.Div(
                        [
                            html.Div(notice, id=ids.NOTICE, className="alert notice", role="status",
                                     **{"aria-live": "polite"}),
                            _tabs(state),
                            *_kept_panels(state),
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
