"""Callbacks of the page, registered through :func:`register_callbacks`.

The logic lives in plain functions (:func:`sync_settings`, :func:`complexity_outputs`,
:func:`activation_outputs`) that take and return plain dicts, so tests call them
directly; the Dash wrappers only unpack the callback context.

Flow: every control feeds :func:`sync_settings`, which validates the whole settings
state (components/validation.py), writes it to the settings store, puts the slice each
view depends on into that view's store only when the slice changed, echoes repaired
values back into the controls and lists the repairs in the notice area.  Each view
listens to its own store, re-validates it (a forged request can set it directly) and
renders through a memoized renderer.  Nothing here raises to Dash: bad input and failed
computations become a visible message and a figure that says what went wrong.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from dash import Input, Output, State, ctx, html, no_update

from compute.activations import parse_knots
from components import ids, views
from components.cache import memoize
from components.figures import message_figure
from components.layout import param_slider_props
from components.validation import (
    ACTIVATION_KEYS,
    COMPLEXITY_KEYS,
    CUSTOM,
    sanitize,
    view_slice,
)

__all__ = [
    "Renderers",
    "CONTROL_IDS",
    "format_value",
    "sync_settings",
    "complexity_outputs",
    "activation_outputs",
    "energy_table",
    "register_callbacks",
]

logger = logging.getLogger(__name__)

# Settings key -> the control that edits it.
CONTROL_IDS = {
    "H": ids.DEPTH,
    "K": ids.MAX_INDEX,
    "activation": ids.ACTIVATION,
    "param": ids.ACTIVATION_PARAM,
    "pieces": ids.PIECES,
    "mu": ids.MU,
    "sigma": ids.SIGMA,
    "knots": ids.KNOTS,
}


@dataclass(frozen=True)
class Renderers:
    """The view renderers the callbacks use (memoized ones in the running app)."""

    complexity: Callable[..., dict] = views.render_complexity
    activation: Callable[..., dict] = views.render_activation


def format_value(x: float, digits: int = 6) -> str:
    """``x`` to ``digits`` significant digits, trailing zeros kept (``1.65700``)."""
    return f"{x:#.{digits}g}"


def _messages(items: list[str]):
    return [html.P(m) for m in items] or None


# ---------------------------------------------------------------------------------------
# Settings
# ---------------------------------------------------------------------------------------


def sync_settings(values: Mapping[str, Any], previous: Any = None, trigger: str | None = None) -> dict:
    """Validate the control values and dispatch the settings state (see module docstring).

    ``values`` maps settings keys (H, K, activation, param, pieces, mu, sigma, knots) to
    the raw control values, ``previous`` is the last state in the settings store and
    ``trigger`` the id of the control that changed.  Returns a dict with ``settings``,
    ``complexity_state``, ``activation_state``, ``notice``, one ``value_<key>`` per
    control (``no_update`` unless the value was repaired) and the props of the
    activation-parameter slider (``param_*``, ``knots_row_style``).
    """
    raw = dict(values) if isinstance(values, Mapping) else {}
    if trigger == ids.ACTIVATION:
        raw.pop("param", None)  # a new preset starts from its own default parameter
    state, messages = sanitize(raw)
    prev = previous if isinstance(previous, Mapping) else None

    out: dict[str, Any] = {"settings": state, "notice": _messages(messages)}
    for name, keys in (("complexity_state", COMPLEXITY_KEYS), ("activation_state", ACTIVATION_KEYS)):
        new = view_slice(state, keys)
        try:
            unchanged = prev is not None and view_slice(prev, keys) == new
        except KeyError:
            unchanged = False
        out[name] = no_update if unchanged else new

    given = values if isinstance(values, Mapping) else {}
    for key in CONTROL_IDS:
        clean = state[key]
        if key == "param" and clean is None:
            out["value_param"] = no_update  # the hidden slider keeps its last number
            continue
        out[f"value_{key}"] = no_update if _same(given.get(key), clean) else clean

    if prev is not None and prev.get("activation") == state["activation"]:
        for key in ("param_min", "param_max", "param_step", "param_marks", "param_label",
                    "param_row_style", "param_row_title", "knots_row_style"):
            out[key] = no_update
    else:
        p = param_slider_props(state["activation"])
        out.update(
            param_min=p["min"],
            param_max=p["max"],
            param_step=p["step"],
            param_marks={str(k): v for k, v in p["marks"].items()},
            param_label=[html.Span(p["symbol"], className="symbol"),
                         html.Span(p["name"], className="name")],
            param_row_style={"display": "none"} if p["hidden"] else None,
            param_row_title=f"{p['symbol']} — {p['name']}: shape parameter of the preset",
            knots_row_style=None if state["activation"] == CUSTOM else {"display": "none"},
        )
    return out


def _same(given: Any, clean: Any) -> bool:
    if isinstance(given, bool) or isinstance(clean, bool):
        return False
    if given is None or clean is None:
        return given is None and clean is None
    if isinstance(clean, str):
        return given == clean
    if isinstance(given, (int, float)):
        return given == clean
    return False


# ---------------------------------------------------------------------------------------
# Views
# ---------------------------------------------------------------------------------------


def _render(render: Callable[..., dict], what: str, *args) -> tuple[dict | None, str | None]:
    try:
        return render(*args), None
    except ValueError as exc:
        return None, f"The {what} cannot be drawn: {exc}"
    except Exception:  # noqa: BLE001 - the page must keep serving whatever happens
        logger.exception("rendering the %s failed for %r", what, args)
        return None, (
            f"The {what} could not be computed for these settings (internal error). "
            "Other settings still work."
        )


def energy_table(energies, e_inf: float):
    """Table of E_0..E_K and E_∞ (6 significant digits); E_0's cell has id ``e0-value``."""
    header = html.Thead(
        html.Tr(
            [
                html.Th("level", scope="col"),
                html.Th("E", scope="col"),
                html.Th("meaning", scope="col"),
            ]
        )
    )
    def e(sub):
        return [html.I("E"), html.Sub(sub)]

    rows = []
    for k, value in enumerate(energies):
        if k == 0:
            meaning = ["no critical points below −N·", *e(0), " (annealed ground state)"]
        else:
            meaning = [f"saddles of index {k} only above −N·", *e(k)]
        cell_id = {"id": ids.E0_VALUE} if k == 0 else {}
        rows.append(
            html.Tr(
                [
                    html.Th(e(k), scope="row"),
                    html.Td(format_value(value), className="num", **cell_id),
                    html.Td(meaning),
                ]
            )
        )
    rows.append(
        html.Tr(
            [
                html.Th(e("∞"), scope="row"),
                html.Td(format_value(e_inf), className="num", id=ids.EINF_VALUE),
                html.Td(["threshold: every index accumulates at −N·", *e("∞")]),
            ],
            className="threshold-row",
        )
    )
    return html.Table([header, html.Tbody(rows)], className="energy-table")


def complexity_outputs(slice_: Any, render: Callable[..., dict] = views.render_complexity) -> dict:
    """Figure, energy table and alert of the complexity view for a (possibly forged) slice."""
    state, messages = sanitize(slice_)
    payload, error = _render(render, "complexity plot", state["H"], state["K"])
    if error:
        messages.append(error)
        return {"figure": message_figure(error), "table": None, "alert": _messages(messages)}
    return {
        "figure": payload["figure"],
        "table": energy_table(payload["energies"], payload["e_inf"]),
        "alert": _messages(messages),
    }


def _stats_view(stats: dict, H: int):
    def item(term, value: str, hint: str):
        return html.Div([html.Dt(term, title=hint), html.Dd(value)], className="stat")

    kappa = ", ".join(format_value(x, 4) for x in stats["kappa"]) or "—"
    return html.Dl(
        [
            item("ᾱ", format_value(stats["alpha_bar"]), "mean slope Σ ρ_ℓ α_ℓ (theory §5.2)"),
            item("β̄", format_value(stats["beta_bar"]), "mean intercept Σ ρ_ℓ β_ℓ (theory §5.2)"),
            item(
                "fit error E[(f − f̂)²]",
                "0 (exact)" if stats["exact"] else format_value(stats["error"], 3),
                "mean squared error of the PL fit under Z ~ N(μ, σ²) (theory §5.1)",
            ),
            item(
                "relative error",
                "0 (exact)" if stats["exact"] else f"{format_value(100 * stats['relative_error'], 3)} %",
                "E[(f(Z) − f̂(Z))²] / Var f(Z)",
            ),
            item("pieces", str(stats["pieces"]), "pieces of f̂ (fewer than L when f is PL already)"),
            item(
                ["ᾱ", html.Sup(f"H−1 = {H - 1}")],
                format_value(stats["loss_scale"]),
                "loss in network units = ᾱ^(H−1) × spin-glass loss (theory §5.3)",
            ),
            item(
                ["κ", html.Sub("d"), " of φ (d = 1…H−1)"],
                kappa,
                "coefficients of φ(s) = Σ_d κ_d s^d, in units of ᾱ^(H−1) (theory §5.3)",
            ),
        ],
        className="stats-list",
    )


def activation_outputs(slice_: Any, render: Callable[..., dict] = views.render_activation) -> dict:
    """Figure, statistics and alert of the activation view for a (possibly forged) slice."""
    state, messages = sanitize(slice_)
    knots = None
    if state["activation"] == CUSTOM:
        try:
            knots = parse_knots(state["knots"])
        except ValueError as exc:
            error = f"The custom activation's knot table is invalid: {exc}"
            messages.append(error)
            return {"figure": message_figure(error), "stats": None, "alert": _messages(messages)}
    payload, error = _render(
        render, "activation plot", state["activation"], state["param"], state["pieces"],
        state["mu"], state["sigma"], state["H"], knots,
    )
    if error:
        messages.append(error)
        return {"figure": message_figure(error), "stats": None, "alert": _messages(messages)}
    return {
        "figure": payload["figure"],
        "stats": _stats_view(payload["stats"], state["H"]),
        "alert": _messages(messages),
    }


# ---------------------------------------------------------------------------------------
# Registration
# ---------------------------------------------------------------------------------------


def register_callbacks(app, cache=None) -> Renderers:
    """Register every callback of the page on ``app``; renderers are memoized in ``cache``."""
    renderers = Renderers(
        complexity=memoize(cache, views.render_complexity),
        activation=memoize(cache, views.render_activation),
    )

    value_outputs = {f"value_{key}": Output(cid, "value") for key, cid in CONTROL_IDS.items()}
    value_inputs = {key: Input(cid, "value") for key, cid in CONTROL_IDS.items() if key != "knots"}

    @app.callback(
        output=dict(
            settings=Output(ids.SETTINGS, "data"),
            complexity_state=Output(ids.COMPLEXITY_STATE, "data"),
            activation_state=Output(ids.ACTIVATION_STATE, "data"),
            notice=Output(ids.NOTICE, "children"),
            param_min=Output(ids.ACTIVATION_PARAM, "min"),
            param_max=Output(ids.ACTIVATION_PARAM, "max"),
            param_step=Output(ids.ACTIVATION_PARAM, "step"),
            param_marks=Output(ids.ACTIVATION_PARAM, "marks"),
            param_label=Output(ids.ACTIVATION_PARAM_LABEL, "children"),
            param_row_style=Output(ids.ACTIVATION_PARAM_ROW, "style"),
            param_row_title=Output(ids.ACTIVATION_PARAM_ROW, "title"),
            knots_row_style=Output(ids.KNOTS_ROW, "style"),
            **value_outputs,
        ),
        inputs=dict(values=value_inputs, knots_blur=Input(ids.KNOTS, "n_blur")),
        state=dict(knots=State(ids.KNOTS, "value"), previous=State(ids.SETTINGS, "data")),
        prevent_initial_call=True,
    )
    def _sync_settings(values, knots_blur, knots, previous):
        return sync_settings({**values, "knots": knots}, previous, ctx.triggered_id)

    @app.callback(
        output=dict(
            figure=Output(ids.COMPLEXITY_GRAPH, "figure"),
            table=Output(ids.ENERGY_TABLE, "children"),
            alert=Output(ids.COMPLEXITY_ALERT, "children"),
        ),
        inputs=dict(slice_=Input(ids.COMPLEXITY_STATE, "data")),
    )
    def _complexity(slice_):
        return complexity_outputs(slice_, renderers.complexity)

    @app.callback(
        output=dict(
            figure=Output(ids.ACTIVATION_GRAPH, "figure"),
            stats=Output(ids.ACTIVATION_STATS, "children"),
            alert=Output(ids.ACTIVATION_ALERT, "children"),
        ),
        inputs=dict(slice_=Input(ids.ACTIVATION_STATE, "data")),
    )
    def _activation(slice_):
        return activation_outputs(slice_, renderers.activation)

    return renderers
