"""The "where the minima are" view (theory §5.6): where the activation puts the minima, how deep
they go, and which regime holds, at the user's depth, activation, strength γ and N.

Four panels for the view's slice of the settings (written by the settings sync only while the
tab is shown):

* the overlap profile Σ_N(u, m) over (m, u) with its zero contour, the index rule's minima line
  and the minima region, the ground state −E_0^φ and its overlap m*, the user's level;
* the leading complexity sup_m Σ_N(u) (all critical points and minima) against the spin
  glass's Θ_H(u), Θ_{0,H}(u) of theory §3;
* the regimes over (γ, u) at this N, and over (N, u) at this γ, the user's point marked.

The logic lives in :func:`minima_outputs` (tests call it directly); :func:`register` only wires
it to Dash.  Every input is re-validated; failures become a visible message, never a traceback.

A released slider (strength γ, depth H) is answered at once: assets/minima.js asks
:data:`FIGURES_ROUTE` for the profile and complexity figures of the page's settings with the
slider's new value (:func:`released_figures`, the same figures the callback draws) and draws
them, before the settings sync and the view's callback have gone round the Dash renderer.  The
callback's own figures follow; they carry the same ``datarevision``
(:func:`data_revision`), so drawing them again costs plotly no recomputation.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import math
from typing import Any, Callable, Mapping

import numpy as np
from dash import Output, html
from dash.exceptions import PreventUpdate
from flask import Response, jsonify, request
from plotly.io.json import to_json_plotly

from components import ids
from components.cache import memoize
from components.data import minima as dm
from components.export import export_row, redrawn, register_export_row, stamp, view_export
from components.figures.minima import complexity_figure, profile_figure, regime_map_figure
from components.figures.style import message_figure, style_of
from components.permalink import parse_query, strip_session
from components.registry import Services, slice_callback
from components.state import activation_or_error, resolve_range, sanitize, view_slice
from components.ui import alert, alert_box, guard, placeholder, table
from compute.overlap import POLE_TOL, rate_resolution

__all__ = [
    "PROFILE_CAPTION",
    "COMPLEXITY_CAPTION",
    "GAMMA_CAPTION",
    "N_CAPTION",
    "SOURCES_CAPTION",
    "REGIME_WORDS",
    "layout",
    "minima_outputs",
    "map_outputs",
    "FIGURES_ROUTE",
    "data_revision",
    "released_figures",
    "register",
]

logger = logging.getLogger(__name__)

#: The route assets/minima.js asks for the figures of a released slider.
FIGURES_ROUTE = "/_minima/figures"
#: Longest query string the route reads (a page's link is far shorter).
_MAX_QUERY = 20_000

PROFILE_CAPTION = (
    "[ours] Exponential rate Σ_N(u, m) of the expected number of critical points at loss level u "
    "per weight and overlap m with the all-ones direction, at your N (theory §5.6: Laplace's "
    "method on the Kac–Rice integral of §5.4). Green: exponentially many critical points; grey: "
    "exponentially few; black line: Σ_N = 0. A critical point is a minimum below the dashed line "
    "(the Hessian's bulk edge, or its BBP outlier when φ'' pulls one eigenvalue out); the orange "
    "region is where minima exist. Star: the lowest minima, −E₀ᵠ, at overlap m*. Circle: your "
    "level. With φ ≡ 0 (ReLU) the profile at m = 0 is the published Θ_H(u) and the star sits at "
    "(0, −E₀)."
)
COMPLEXITY_CAPTION = (
    "Grey: the published leading-order complexity of the spin glass, Θ_H(u) (all critical points) "
    "and Θ_{0,H}(u) (minima) below the level u (Auffinger, Ben Arous & Černý 2013; Choromanska et "
    "al. 2015; theory §3). Black and orange [ours]: the same rates with the activation's term φ at "
    "your N, sup over the overlap m of Σ_N (theory §5.6). Where they leave the grey curves the "
    "activation changes the exponential growth rate itself, not only the prefactor of §5.5. Gold: "
    "−E₀ᵠ, the lowest level with minima; dotted: the spin glass's −E₀. A rate of 0 is a single "
    "point (e.g. one minimum at a pole w = ±𝟏)."
)
GAMMA_CAPTION = (
    "[ours] Regime of the minima that dominate the count below each level u, for strengths γ from "
    "0 to 5 at your N and activation (κ_d is proportional to γ, theory §5.3). Spin-glass: they sit "
    "at overlap s = √N m = O(1), where theory §5.5's factor K applies. Shifted: at a macroscopic "
    "overlap m*, still exponentially many — the leading-order complexity changes. Deterministic: "
    "φ's own curvature beats the noise; the minima are φ's, near a pole w = ±𝟏, O(1) of them. "
    "Grey: no minimum at or below u. ×: your γ and level."
)
N_CAPTION = (
    "[ours] The same regimes over the number of weights N at your γ: degree-d terms of φ grow like "
    "N^(d/2−1) per weight, so for H ≥ 4 and β̄ ≠ 0 the deterministic regime takes over as N grows. "
    "Gold: the ground state −E₀ᵠ(N). ×: your N and level."
)
SOURCES_CAPTION = (
    "What is published and what is ours. Published: Θ_H, Θ_{0,H}, E₀, E∞ (theory §3). This tool's "
    "derivation [ours]: the overlap profile Σ_N, its index rule, the regimes and E₀ᵠ (theory "
    "§5.6), checked against the spin glass exactly (φ ≡ 0), against §5.5's factor at large N, "
    "against a Monte Carlo of the §5.4 Kac–Rice integral resolved in m at N = 25–400 and against "
    "direct counting of sampled landscapes at N = 3–6 (docs/theory.md §5.6). It is a large-N rate: "
    "at N ≤ 100 the most populated overlap can sit further out than m* (finite-N edge effects, "
    "measured there)."
)
REGIME_WORDS = {
    "spin-glass": (
        "the spin-glass picture holds: the minima sit at overlap s = √N m = O(1) with the "
        "all-ones direction, and the activation only changes their number by the "
        "factor K of theory §5.5 (Activation effect tab)"
    ),
    "shifted": (
        "the minima have moved to a macroscopic overlap m* with the all-ones direction: the "
        "activation changes the exponential growth rate of their number, and §5.5's factor "
        "is not the answer"
    ),
    "deterministic": (
        "the minima are the activation's own: φ's curvature beats the random part, and "
        "O(1) minima sit near a pole w = ±𝟏 at a loss set by φ, below every "
        "spin-glass level"
    ),
}

_FONT = {"fontSize": "1rem"}


def _fmt(x: Any, digits: int = 5) -> str:
    try:
        x = float(x)
    except (TypeError, ValueError):
        return "—"
    return f"{x:.{digits}g}" if math.isfinite(x) else "—"


#: Rates within this of 0 are 0: the Laplace rate of an isolated minimum (theory §5.6) is
#: exactly 0 and is reached numerically to about 1e-7.
_ZERO_RATE = POLE_TOL


def _fmt_rate(x: Any, resolution: float = _ZERO_RATE) -> str:
    """A rate per weight for the table: as :func:`_fmt`, with |x| <= ``resolution`` (at least
    1e-6; what double precision resolves at the row's level, compute.overlap.rate_resolution)
    written 0."""
    try:
        if abs(float(x)) <= max(_ZERO_RATE, resolution):
            return "0"
    except (TypeError, ValueError):
        return "—"
    return _fmt(x, 5)


def _rate(v: float, resolution: float = _ZERO_RATE) -> str:
    """A rate in words: a value within 10⁻⁶ of 0 is a single point (O(1) expected count); so
    is one below the ``resolution`` of the arithmetic at the level (a level of size 10²⁸
    resolves no rate below ~10⁴¹), said as such."""
    if abs(v) <= _ZERO_RATE:
        return "rate 0: O(1) of them"
    if abs(v) <= resolution:
        return (f"rate 0 to within rounding (|rate| < {resolution:.1g} is not resolved "
                "at this level)")
    return f"rate {v:+.4f} per weight" if abs(v) < 1e4 else f"rate {v:+.4g} per weight"


#: The exported plots of the view: key, its graph id, title.
PLOTS = {
    "minima-profile": (ids.MINIMA_PROFILE_GRAPH, "Overlap profile Σ_N(u, m)"),
    "minima-complexity": (
        ids.MINIMA_COMPLEXITY_GRAPH,
        "Leading complexity sup over m of Σ_N(u) against Θ_H(u)",
    ),
    "minima-gamma": (ids.MINIMA_GAMMA_GRAPH, "Regimes of the minima over (γ, u)"),
    "minima-n": (ids.MINIMA_N_GRAPH, "Regimes of the minima over (N, u)"),
}
_MODEL = (
    "theory §5.6 (ours): Laplace's method on the Kac–Rice integral of §5.4 with the "
    "activation's term φ (compute.overlap)"
)
_UNITS = "u = loss per weight in spin-glass units (theory §2); m = overlap; Σ_N per weight"


def _export_row(plot: str) -> list:
    return export_row(plot, PLOTS[plot][1])


def _stamped(figure, plot: str, state: Mapping, notes: str = ""):
    keys = (
        "activation",
        "param",
        "pieces",
        "mu",
        "sigma",
        "H",
        "gamma",
        "N",
        "level",
        "level_auto",
    )
    params = {key: state[key] for key in keys}
    if state["activation"] == "custom":
        params["knots"] = state["knots"]
    return stamp(
        figure,
        view_export("minima", plot, state, PLOTS[plot][1], _MODEL, _UNITS, params, notes=notes),
    )


def layout(name: str, state: Mapping):
    """Content of the tab for the validated settings ``state``; figures are filled by the
    callback."""
    clean, _ = sanitize(state)
    look = style_of(clean)
    return html.Div(
        html.Div(
            [
                alert_box(ids.MINIMA_ALERT),
                html.Div(
                    id=ids.MINIMA_SUMMARY, className="minima-summary", **{"aria-live": "polite"}
                ),
                html.H3("Where the critical points sit"),
                placeholder(ids.MINIMA_PROFILE_GRAPH, 600, "Computing the overlap profile…", look),
                *_export_row("minima-profile"),
                html.P(PROFILE_CAPTION, className="caption"),
                html.H3("Leading complexity with the activation"),
                placeholder(ids.MINIMA_COMPLEXITY_GRAPH, 480, "Computing sup over m of Σ_N…", look),
                *_export_row("minima-complexity"),
                html.P(COMPLEXITY_CAPTION, className="caption"),
                html.Div(id=ids.MINIMA_DATA),
                html.H3("Regimes over the strength γ"),
                placeholder(ids.MINIMA_GAMMA_GRAPH, 480, "Computing the phase diagram…", look),
                *_export_row("minima-gamma"),
                html.P(GAMMA_CAPTION, className="caption"),
                html.H3("Regimes over N"),
                placeholder(ids.MINIMA_N_GRAPH, 480, "Computing the regimes over N…", look),
                *_export_row("minima-n"),
                html.P(N_CAPTION, className="caption"),
                html.P(SOURCES_CAPTION, className="caption minima-sources"),
            ],
            className="minima-view",
        ),
        className="card",
    )


def _summary(d: Mapping) -> list:
    kappa = ", ".join(_fmt(k, 4) for k in d["kappa"])
    items = []
    if d["spin_glass"]:
        why = "γ = 0" if d["gamma"] == 0.0 else f"β̄ = 0 for {d['label']} at these μ, σ"
        items.append(
            html.P(
                f"φ ≡ 0 ({why}): nothing moves — the minima are the spin glass's, at m = 0, "
                f"down to −E₀ = {-d['e0']:.4f} (theory §3)."
            )
        )
    else:
        items.append(
            html.P(
                f"{d['label']}, H = {d['H']}, N = {d['N']:,}: φ(s) = Σ κ_d s^d with κ = "
                f"({kappa}) (theory §5.3)."
            )
        )
    ks = [f"E{chr(0x2080 + k)}ᵠ = {_fmt(e, 6)}" for k, e in enumerate(d["layered"]) if k >= 1]
    missing = [k for k, e in enumerate(d["layered"]) if k >= 1 and not math.isfinite(e)]
    items.append(
        html.P(
            [
                html.Strong(f"Lowest minima: u = −E₀ᵠ = {_fmt(-d['e0_phi'], 6)}"),
                f" at overlap m* = {d['m0_phi']:+.4f} (spin glass: −E₀ = {-d['e0']:.4f}, "
                f"m = 0); regime {d['regime0']}. Layered structure: "
                + ", ".join(ks)
                + (" (— : no index-k point with a non-negative rate)" if missing else "")
                + ".",
            ]
        )
    )
    where = "your level (automatic: the ground state)" if d["level_auto"] else "your level"
    items.append(
        html.P(
            [
                f"At {where} u = {_fmt(d['level'], 6)}: ",
                html.Strong(d["level_regime"]),
                f" (dominant minima at m = {d['level_m']:+.3f}, "
                f"{_rate(d['level_value'], d.get('level_resolution', _ZERO_RATE))}) — "
                + REGIME_WORDS.get(d["level_regime"], "")
                + ".",
            ]
        )
    )
    return items


def _data_table(d: Mapping, state: Mapping):
    idx = np.unique(np.linspace(0, len(d["u"]) - 1, 41).round().astype(int))
    res = rate_resolution(d["u"])
    rows = [
        [
            _fmt(d["u"][i], 6),
            _fmt(d["theta"][i], 5),
            _fmt_rate(d["lead"][i], res[i]),
            _fmt_rate(d["lead_min"][i], res[i]),
            _fmt(d["lead_min_m"][i], 4),
            str(d["lead_min_regime"][i]),
        ]
        for i in idx
    ]
    tbl = table(
        ["u", "Θ_H (§3)", "sup Σ_N: all", "sup Σ_N: minima", "m* (minima)", "regime"],
        rows,
        f"{len(rows)} of the {len(d['u'])} grid points; the CSV has all of them. Rates within "
        "10⁻⁶ of 0 (or within the rounding at the row's level, for levels beyond ~10⁵) are "
        "written 0 (an isolated minimum: O(1) of them).",
        kind="effect",
        caption_style={"textAlign": "left"},
    )
    return html.Details(
        [
            html.Summary("Table of the plotted values", style=_FONT),
            html.Div(tbl, className="table-wrap"),
        ]
    )


def minima_outputs(raw: Any, profile: Callable[..., dict] = dm.profile_data) -> dict:
    """The summary, profile, complexity figure and table for (possibly forged) settings ``raw``.

    Returns ``alert``, ``summary``, ``profile``, ``complexity`` and ``data``; ``profile`` is
    :func:`components.data.minima.profile_data` (memoized in the running app).  Never raises.
    """
    state, messages = sanitize(raw)
    look = style_of(state)
    act, error = activation_or_error(state)
    level = None if state.get("level_auto", True) else float(state["level"])
    d = None
    if error is None:
        d, error = guard(
            profile, "overlap profile", act, state["H"], state["N"], level, verb="computed"
        )
    if error is not None:
        messages.append(error)
        msg = message_figure(error, look)
        return {
            "alert": alert(messages),
            "summary": None,
            "profile": msg,
            "complexity": msg,
            "data": None,
        }
    ground = (
        f"lowest minima −E₀ᵠ = {-d['e0_phi']:.10g} at m* = {d['m0_phi']:.10g}; κ = {d['kappa']}"
    )
    revision = data_revision(act, state["H"], state["N"], level)
    figures = {}
    for key, build in (("profile", profile_figure), ("complexity", complexity_figure)):
        figure, failed = guard(build, f"{key} figure", d, look)
        if failed is not None:  # a figure that cannot be built says so in its place
            messages.append(failed)
            figures[key] = message_figure(failed, look)
            continue
        figure.layout.datarevision = revision
        figures[key] = _stamped(figure, f"minima-{key}", state, ground)
    return {
        "alert": alert(messages),
        "summary": _summary(d),
        **figures,
        "data": _data_table(d, state),
    }


def data_revision(act, H: int, N: int, level: float | None) -> str:
    """The ``layout.datarevision`` of the profile and complexity figures: a digest of the
    arguments of :func:`components.data.minima.profile_data`, which fix every array the two
    figures hold.  Plotly.react skips recomputing a figure whose revision it has drawn."""
    key = repr((tuple(act), int(H), int(N), None if level is None else float(level)))
    return hashlib.blake2b(key.encode("utf-8"), digest_size=8).hexdigest()


def released_figures(query: Any, profile: Callable[..., dict] = dm.profile_data) -> dict:
    """The profile and complexity figures for the settings of a page's query string
    ``query`` (``"?activation=gelu&gamma=1.5..."``, what the address bar holds with the
    released slider's value put in): the view's slice of the settings the sync would
    write (:func:`components.permalink.parse_query`, then validation), drawn by
    :func:`minima_outputs`.  Bad settings give the same message figures; never raises."""
    raw, _ = parse_query(strip_session(query) if isinstance(query, str) else None)
    state, _ = sanitize({**raw, "tab": "minima"})
    out = minima_outputs(view_slice(resolve_range(state), "minima"), profile)
    return {"profile": out["profile"], "complexity": out["complexity"]}


def map_outputs(
    raw: Any,
    window: Callable[..., tuple] = dm.window,
    gamma_map: Callable[..., dict] = dm.gamma_map,
    n_map: Callable[..., dict] = dm.n_map,
) -> dict:
    """The regime maps over (γ, u) and (N, u) for (possibly forged) settings ``raw``; never raises.

    A separate callback from :func:`minima_outputs`, so that the profile is drawn without waiting
    for the maps.  Errors are shown in the figures (the alert belongs to the other callback).
    """
    state, _ = sanitize(raw)
    look = style_of(state)
    act, error = activation_or_error(state)
    level = None if state.get("level_auto", True) else float(state["level"])
    win = None
    if error is None:
        win, error = guard(
            window, "loss window", act, state["H"], state["N"], level, verb="computed"
        )
    if error is not None:
        msg = message_figure(error, look)
        return {"gamma": msg, "n": msg}
    lo, hi = win
    out = {}
    unit = act._replace(gamma=1.0)  # the map covers every γ: one memo entry while γ moves
    g, err = guard(
        gamma_map, "phase diagram over γ", unit, state["H"], state["N"], lo, hi, verb="computed"
    )
    n, err_n = guard(n_map, "regimes over N", act, state["H"], lo, hi, verb="computed")
    point = _point_level(act, state, level)
    out["gamma"] = _regime_map(
        "minima-gamma", g, err, state, look, "gamma", x_title="strength γ", log_x=False,
        point=(state["gamma"], point),
        title=f"Regimes of the minima over (γ, u), N = {state['N']:,}")
    out["n"] = _regime_map(
        "minima-n", n, err_n, state, look, "N", x_title="number of weights N", log_x=True,
        point=(state["N"], point),
        title=f"Regimes of the minima over (N, u), γ = {state['gamma']:g}",
        curve=None if n is None else (n["N_e0"], -n["e0_phi"]), curve_name="−E₀ᵠ(N)")
    return out


def export_of(
    plot: str,
    settings: Any,
    printing: bool = False,
    profile: Callable[..., dict] = dm.profile_data,
    maps: tuple = (dm.window, dm.gamma_map, dm.n_map),
):
    """The export of ``plot`` for the (possibly forged) settings, redrawn on the server
    (``printing``: in the light theme with normal fonts), or why there is none."""
    key = plot.removeprefix("minima-")

    def draw(raw: dict):
        if key in ("profile", "complexity"):
            return minima_outputs(raw, profile)[key]
        return map_outputs(raw, *maps)[key]

    return redrawn(settings, printing, draw)


def _regime_map(plot: str, d: Mapping | None, error: str | None, state: Mapping, look, x: str,
                **kwargs):
    """A regime map over (``x``, u) carrying its export, or the message why there is none."""
    if error is not None:
        return message_figure(error, look)
    figure = regime_map_figure(d[x], d["u"], d["codes"], style=look, **kwargs)
    return _stamped(figure, plot, state, "z = regime code of the minima (see the colour bar)")


def _point_level(act, state: Mapping, level: float | None) -> float:
    if level is not None:
        return level
    return dm.auto_level(act, state["H"], state["N"])


def register(app, name: str, services: Services) -> None:
    """Two callbacks on the view's settings slice: the profile panels, and the regime maps;
    the export rows, which redraw a figure from the settings (memoized: cheap); and the
    route :data:`FIGURES_ROUTE` of a released slider's figures (:func:`released_figures`)."""
    profile = memoize(services.cache, dm.profile_data)
    window = memoize(services.cache, dm.window)
    gamma_map = memoize(services.cache, dm.gamma_map)
    n_map = memoize(services.cache, dm.n_map)
    for plot, (graph_id, _) in PLOTS.items():
        register_export_row(
            app,
            plot,
            graph_id,
            build=functools.partial(
                export_of, plot, profile=profile, maps=(window, gamma_map, n_map)
            ),
        )

    def figures_route():
        query = request.query_string.decode("utf-8", "replace")
        if len(query) > _MAX_QUERY:
            return jsonify(error="query too long"), 400
        try:
            body = to_json_plotly(released_figures("?" + query, profile))
        except Exception:  # noqa: BLE001 - the page then waits for the callback's figures
            logger.exception("figures of a released slider on the minima view")
            return jsonify(error="the figures could not be drawn"), 500
        return Response(body, mimetype="application/json", headers={"Cache-Control": "no-store"})

    app.server.add_url_rule(FIGURES_ROUTE, "minima_figures", figures_route, methods=["GET"])

    @app.callback(
        output=dict(
            alert=Output(ids.MINIMA_ALERT, "children"),
            summary=Output(ids.MINIMA_SUMMARY, "children"),
            profile=Output(ids.MINIMA_PROFILE_GRAPH, "figure"),
            complexity=Output(ids.MINIMA_COMPLEXITY_GRAPH, "figure"),
            data=Output(ids.MINIMA_DATA, "children"),
        ),
        **slice_callback(name),
    )
    def _update(stored, raw):
        if raw is None:
            raise PreventUpdate
        return minima_outputs(raw, profile)

    @app.callback(
        output=dict(
            gamma=Output(ids.MINIMA_GAMMA_GRAPH, "figure"), n=Output(ids.MINIMA_N_GRAPH, "figure")
        ),
        **slice_callback(name),
    )
    def _maps(stored, raw):
        if raw is None:
            raise PreventUpdate
        return map_outputs(raw, window, gamma_map, n_map)
