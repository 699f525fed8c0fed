"""Callbacks of the page, registered through :func:`register_callbacks`.

The logic lives in plain functions that take and return plain values, so tests call
them directly; the Dash wrappers only unpack the callback context:

* :func:`components.sync.sync_settings` -- controls, address bar, presets and keys →
  the validated settings and the slice of the visible view;
* :func:`complexity_outputs`, :func:`layered_outputs`, :func:`finite_outputs`,
  :func:`activation_outputs` -- one per view: re-validate the view's slice (a forged
  request can set it directly) and render through a memoized renderer;
* :func:`export_csv`, :func:`export_pdf` -- the downloads of each plot.

Nothing here raises to Dash: bad input and failed computations become a visible message
and a figure that says what went wrong.  Cheap presentation work runs in the browser
(clientside callbacks in assets/app.js): the page's theme and lecture classes, the live
value of the N slider while it is dragged, the permalink box (copied by its button),
PNG/SVG export.
"""

from __future__ import annotations

import base64
import logging
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from dash import ClientsideFunction, Input, Output, State, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate

from compute.activations import parse_knots
from components import data, ids, views
from components.cache import memoize
from components.export import ExportUnavailable, csv_text, figure_pdf, table_view
from components.figures import figure_style, message_figure
from components.permalink import query_from_state
from components.sync import CONTROLS, sync_settings
from components.validation import (
    CHOICES,
    CUSTOM,
    FIELDS,
    FLAGS,
    VIEWS,
    param_spec,
    sanitize,
    view_slice,
)
from components.views import PLOTS

__all__ = [
    "Renderers",
    "format_value",
    "energy_table",
    "complexity_outputs",
    "layered_outputs",
    "finite_outputs",
    "activation_outputs",
    "view_outputs",
    "export_parameters",
    "export_csv",
    "export_pdf",
    "register_callbacks",
]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Renderers:
    """The view renderers the callbacks use (memoized ones in the running app)."""

    complexity: Callable[..., dict] = views.render_complexity
    layered: Callable[..., dict] = views.render_layered
    finite: Callable[..., dict] = views.render_finite
    activation: Callable[..., dict] = views.render_activation
    mean_slope: Callable[..., float] = data.mean_slope


def format_value(x: float, digits: int = 6) -> str:
    """``x`` to ``digits`` significant digits, trailing zeros kept (``1.65700``)."""
    return f"{x:#.{digits}g}"


def _messages(items: list[str]):
    return [html.P(m) for m in items] or None


def _key(plot: str) -> str:
    return plot.replace("-", "_")


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


# ---------------------------------------------------------------------------------------
# Settings the renderers need
# ---------------------------------------------------------------------------------------


def _knots(state: Mapping) -> tuple[tuple | None, str | None]:
    if state["activation"] != CUSTOM:
        return None, None
    try:
        return parse_knots(state["knots"]), None
    except ValueError as exc:
        return None, f"The custom activation's knot table is invalid: {exc}"


def _alpha_bar(state: Mapping, mean_slope: Callable[..., float]) -> tuple[float | None, str | None]:
    """ᾱ for network units (theory §5.3), or ``None`` (spin-glass units) with the reason."""
    if state["units"] != "network":
        return None, None
    knots, error = _knots(state)
    if error is None:
        try:
            return float(mean_slope(state["activation"], state["param"], state["pieces"],
                                    state["mu"], state["sigma"], knots)), None
        except ValueError as exc:
            error = str(exc)
        except Exception:  # noqa: BLE001
            logger.exception("mean slope for %r", state)
            error = "internal error"
    return None, f"Network units are not available ({error}); spin-glass units u are shown."


def _window(state: Mapping) -> tuple[float, float] | None:
    return None if state["u_auto"] else (float(state["u_min"]), float(state["u_max"]))


# ---------------------------------------------------------------------------------------
# Views
# ---------------------------------------------------------------------------------------


def energy_table(energies, e_inf: float, scale: float | None = None):
    """Table of E_0..E_K and E_∞ (6 significant digits); E_0's cell has id ``e0-value``.

    With ``scale`` = ᾱ^{H−1} a column gives the levels in network units.  The table is
    one block of HTML built from numbers and fixed text (a single component, cheap to
    replace on every slider move).
    """
    def e(sub: str) -> str:
        return f"<i>E</i><sub>{sub}</sub>"

    head = '<th scope="col">level</th><th scope="col">E</th>'
    if scale is not None:
        head += '<th scope="col">ᾱ<sup>H−1</sup>·E (network units)</th>'
    head += '<th scope="col">meaning</th>'
    rows = []
    for k, value in enumerate(energies):
        if k == 0:
            meaning = f"no critical points below −N·{e('0')} (annealed ground state)"
        else:
            meaning = f"saddles of index {k} only above −N·{e(str(k))}"
        cell_id = f' id="{ids.E0_VALUE}"' if k == 0 else ""
        cells = f'<th scope="row">{e(str(k))}</th><td class="num"{cell_id}>{format_value(value)}</td>'
        if scale is not None:
            cells += f'<td class="num">{format_value(scale * value)}</td>'
        rows.append(f"<tr>{cells}<td>{meaning}</td></tr>")
    cells = (f'<th scope="row">{e("∞")}</th>'
             f'<td class="num" id="{ids.EINF_VALUE}">{format_value(e_inf)}</td>')
    if scale is not None:
        cells += f'<td class="num">{format_value(scale * e_inf)}</td>'
    rows.append(f'<tr class="threshold-row">{cells}'
                f"<td>threshold: every index accumulates at −N·{e('∞')}</td></tr>")
    markup = (f'<table class="energy-table"><thead><tr>{head}</tr></thead>'
              f'<tbody>{"".join(rows)}</tbody></table>')
    return dcc.Markdown(markup, dangerously_allow_html=True, className="energy-markup")


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
                "coefficients κ_d = γ β̄ ᾱ^(d−H) of φ(s) = Σ_d κ_d s^d, in units of ᾱ^(H−1) "
                "(theory §5.3)",
            ),
        ],
        className="stats-list",
    )


def _failed(view: str, error: str, messages: list[str], style) -> dict:
    messages.append(error)
    out = {"alert": _messages(messages)}
    for plot in _plots_of(view):
        out[f"figure_{_key(plot)}"] = message_figure(error, style)
        out[f"table_{_key(plot)}"] = None
    return out


def _plots_of(view: str) -> list[str]:
    return [key for key, plot in PLOTS.items() if plot.view == view]


def _drawn(view: str, payload: dict, messages: list[str]) -> dict:
    out = {"alert": _messages(messages)}
    for plot in _plots_of(view):
        out[f"figure_{_key(plot)}"] = payload["figures"][plot]
        out[f"table_{_key(plot)}"] = table_view(payload["tables"][plot], PLOTS[plot].title)
    return out


def _call(view: str, state: Mapping, renderers: Renderers, alpha_bar) -> tuple[dict | None, str | None]:
    """Call the view's renderer for a valid state (knots already checked for 'activation')."""
    style = (state["theme"], state["lecture"])
    if view == "complexity":
        return _render(renderers.complexity, "complexity plot", state["H"], state["K"],
                       alpha_bar, _window(state), *style)
    if view == "layered":
        return _render(renderers.layered, "layered-structure plots", state["H"], state["K"],
                       alpha_bar, *style)
    if view == "finite":
        return _render(renderers.finite, "finite-N plot", state["H"], state["K"], state["N"],
                       state["seed"], alpha_bar, _window(state), *style)
    knots, _ = _knots(state)
    return _render(renderers.activation, "activation plots", state["activation"], state["param"],
                   state["pieces"], state["mu"], state["sigma"], state["H"], knots,
                   state["gamma"], *style)


def view_outputs(view: str, slice_: Any, renderers: Renderers | None = None) -> dict:
    """Figures, table views, alert and extras of ``view`` for a (possibly forged) slice.

    Keys: ``figure_<plot>`` and ``table_<plot>`` for each plot of the view (``-`` in plot
    names becomes ``_``), ``alert``, and ``energy_table`` (complexity), ``notes``
    (finite), ``stats`` (activation).
    """
    renderers = renderers or Renderers()
    state, messages = sanitize(slice_)
    style = figure_style(state["theme"], state["lecture"])
    extras = {"complexity": "energy_table", "finite": "notes", "activation": "stats"}
    if view == "activation":
        _, error = _knots(state)
        if error:
            out = _failed(view, error, messages, style)
            out["stats"] = None
            return out
        alpha_bar = None
    else:
        alpha_bar, note = _alpha_bar(state, renderers.mean_slope)
        if note:
            messages.append(note)
    payload, error = _call(view, state, renderers, alpha_bar)
    if error:
        out = _failed(view, error, messages, style)
        if view in extras:
            out[extras[view]] = None
        return out
    out = _drawn(view, payload, messages)
    if view == "complexity":
        out["energy_table"] = energy_table(payload["energies"], payload["e_inf"], payload["scale"])
    elif view == "finite":
        out["notes"] = [html.Li(n) for n in payload["notes"]]
    elif view == "activation":
        out["stats"] = _stats_view(payload["stats"], state["H"])
    return out


def complexity_outputs(slice_: Any, renderers: Renderers | None = None) -> dict:
    """The complexity view (theory §3): see :func:`view_outputs`."""
    return view_outputs("complexity", slice_, renderers)


def layered_outputs(slice_: Any, renderers: Renderers | None = None) -> dict:
    """The layered-structure view (theory §3): see :func:`view_outputs`."""
    return view_outputs("layered", slice_, renderers)


def finite_outputs(slice_: Any, renderers: Renderers | None = None) -> dict:
    """The finite-N view (theory §3–§4): see :func:`view_outputs`."""
    return view_outputs("finite", slice_, renderers)


def activation_outputs(slice_: Any, renderers: Renderers | None = None) -> dict:
    """The activation view (theory §5.1–§5.3): see :func:`view_outputs`."""
    return view_outputs("activation", slice_, renderers)


# ---------------------------------------------------------------------------------------
# Exports
# ---------------------------------------------------------------------------------------


def _label(key: str, state: Mapping) -> str:
    if key in FIELDS:
        return FIELDS[key].label
    if key in CHOICES:
        return CHOICES[key][0]
    if key in FLAGS:
        return FLAGS[key][0]
    if key == "param":
        spec = param_spec(state["activation"])
        return f"{spec.label}: {spec.param_symbol}" if spec else "Parameter"
    return {"activation": "Activation", "knots": "Knot table (z, f)"}.get(key, key)


def export_parameters(plot: str, state: Mapping) -> dict:
    """Header lines of a plot's CSV: its theory section, the permalink and its settings."""
    view = PLOTS[plot].view
    params: dict[str, Any] = {"Plot": f"{PLOTS[plot].title} ({PLOTS[plot].theory})",
                              "Link": query_from_state(state) or "(all defaults)"}
    for key, value in view_slice(state, view).items():
        if key in ("theme", "lecture", "u_auto"):
            continue
        if key == "param" and value is None:
            continue
        if key == "knots" and state["activation"] != CUSTOM:
            continue
        params[_label(key, state)] = value
    if view in ("complexity", "finite"):
        params["Loss range"] = "automatic" if state["u_auto"] else f"[{state['u_min']}, {state['u_max']}]"
    if "units" in view_slice(state, view):
        params["Units"] = ("spin-glass loss per weight u" if state["units"] == "spin"
                           else "network units ᾱ^(H−1)·u (theory §5.3)")
    return params


def _export_payload(plot: str, settings: Any, renderers: Renderers, style: tuple | None = None):
    if plot not in PLOTS:
        return None, None, f"Unknown plot {plot!r}."
    state, messages = sanitize(settings)
    if style is not None:
        state = {**state, "theme": style[0], "lecture": style[1]}
    view = PLOTS[plot].view
    slice_state, _ = sanitize(view_slice(state, view))
    alpha_bar = None
    if view == "activation":
        _, error = _knots(slice_state)
        if error:
            return None, state, error
    else:
        alpha_bar, _ = _alpha_bar(slice_state, renderers.mean_slope)
        if alpha_bar is None:
            slice_state = {**slice_state, "units": "spin"}
    payload, error = _call(view, slice_state, renderers, alpha_bar)
    return payload, state, error


def export_csv(plot: str, settings: Any, renderers: Renderers | None = None) -> dict:
    """The CSV download of ``plot`` for the (possibly forged) settings.

    Returns ``{"download": dict(content=..., filename=..., type="text/csv"), "message": None}``
    or ``{"download": no_update, "message": str}``.
    """
    renderers = renderers or Renderers()
    payload, state, error = _export_payload(plot, settings, renderers)
    if error:
        return {"download": no_update, "message": f"No CSV: {error}"}
    text = csv_text(payload["tables"][plot], f"{PLOTS[plot].title} — data",
                    export_parameters(plot, state))
    return {
        "download": dict(content=text, filename=f"spinglass-{plot}.csv", type="text/csv"),
        "message": None,
    }


def export_pdf(
    plot: str,
    settings: Any,
    renderers: Renderers | None = None,
    to_pdf: Callable[[Mapping], bytes] = figure_pdf,
) -> dict:
    """The PDF download of ``plot`` (light theme, normal fonts: made for print).

    Returns ``{"download": dict(content=base64, base64=True, ...), "message": None}`` or a
    message (no Chromium on the server, rendering failed) and ``no_update``.
    """
    renderers = renderers or Renderers()
    payload, _, error = _export_payload(plot, settings, renderers, style=("light", False))
    if error:
        return {"download": no_update, "message": f"No PDF: {error}"}
    try:
        pdf = to_pdf(payload["figures"][plot])
    except ExportUnavailable as exc:
        return {"download": no_update, "message": str(exc)}
    except Exception:  # noqa: BLE001
        logger.exception("PDF export of %s", plot)
        return {"download": no_update, "message": "PDF export failed on the server."}
    return {
        "download": dict(content=base64.b64encode(pdf).decode("ascii"), base64=True,
                         filename=f"spinglass-{plot}.pdf", type="application/pdf"),
        "message": None,
    }


# ---------------------------------------------------------------------------------------
# Registration
# ---------------------------------------------------------------------------------------


def _register_sync(app) -> None:
    value_outputs = {f"value_{key}": Output(cid, "value") for key, cid in CONTROLS.items()}
    value_inputs = {key: Input(cid, "value") for key, cid in CONTROLS.items() if key != "knots"}
    view_outputs_ = {f"view_{view}": Output(ids.VIEW_STATES[view], "data") for view in VIEWS}

    @app.callback(
        output=dict(
            settings=Output(ids.SETTINGS, "data"),
            **view_outputs_,
            notice=Output(ids.NOTICE, "children"),
            search=Output(ids.URL, "search"),
            preset=Output(ids.PRESET, "value"),
            preset_note=Output(ids.PRESET_NOTE, "children"),
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
        inputs=dict(
            values=value_inputs,
            knots_blur=Input(ids.KNOTS, "n_blur"),
            search=Input(ids.URL, "search"),
            preset=Input(ids.PRESET, "value"),
            prev_clicks=Input(ids.PRESET_PREV, "n_clicks"),
            next_clicks=Input(ids.PRESET_NEXT, "n_clicks"),
            key_event=Input(ids.KEY_EVENT, "data"),
        ),
        state=dict(
            knots=State(ids.KNOTS, "value"),
            previous=State(ids.SETTINGS, "data"),
            stores={view: State(ids.VIEW_STATES[view], "data") for view in VIEWS},
        ),
    )
    def _sync(values, knots_blur, search, preset, prev_clicks, next_clicks, key_event, knots,
              previous, stores):
        out = sync_settings(
            {**values, "knots": knots}, ctx.triggered_id, search=search, previous=previous,
            stores=stores, preset=preset, key_event=key_event,
        )
        if out is None:
            raise PreventUpdate
        return out


def _register_view(app, view: str, renderers: Renderers) -> None:
    output = {"alert": Output(ids.VIEW_ALERTS[view], "children")}
    for plot in _plots_of(view):
        output[f"figure_{_key(plot)}"] = Output(ids.graph(plot), "figure")
        output[f"table_{_key(plot)}"] = Output(ids.data_table(plot), "children")
    if view == "complexity":
        output["energy_table"] = Output(ids.ENERGY_TABLE, "children")
    elif view == "finite":
        output["notes"] = Output(ids.FINITE_NOTES, "children")
    elif view == "activation":
        output["stats"] = Output(ids.ACTIVATION_STATS, "children")

    @app.callback(output=output, inputs=dict(slice_=Input(ids.VIEW_STATES[view], "data")))
    def _view(slice_):
        if slice_ is None:
            raise PreventUpdate  # a hidden view: rendered when its tab is opened
        return view_outputs(view, slice_, renderers)


def _register_exports(app, plot: str, renderers: Renderers) -> None:
    message = Output(ids.export_message(plot), "children", allow_duplicate=True)

    @app.callback(
        output=dict(download=Output(ids.download(plot, "csv"), "data"), message=message),
        inputs=dict(n_clicks=Input(ids.export_button(plot, "csv"), "n_clicks")),
        state=dict(settings=State(ids.SETTINGS, "data")),
        prevent_initial_call=True,
    )
    def _csv(n_clicks, settings):
        if not n_clicks:
            raise PreventUpdate
        return export_csv(plot, settings, renderers)

    @app.callback(
        output=dict(download=Output(ids.download(plot, "pdf"), "data"), message=message),
        inputs=dict(n_clicks=Input(ids.export_button(plot, "pdf"), "n_clicks")),
        state=dict(settings=State(ids.SETTINGS, "data")),
        prevent_initial_call=True,
    )
    def _pdf(n_clicks, settings):
        if not n_clicks:
            raise PreventUpdate
        return export_pdf(plot, settings, renderers)

    app.clientside_callback(
        ClientsideFunction(namespace="spinglass", function_name="exportImage"),
        Output(ids.export_message(plot), "children", allow_duplicate=True),
        Input(ids.export_button(plot, "png"), "n_clicks"),
        Input(ids.export_button(plot, "svg"), "n_clicks"),
        State(ids.graph(plot), "id"),
        prevent_initial_call=True,
    )


def _register_clientside(app) -> None:
    app.clientside_callback(
        ClientsideFunction(namespace="spinglass", function_name="pageClass"),
        Output(ids.PAGE, "className"),
        Input(ids.SETTINGS, "data"),
    )
    app.clientside_callback(
        ClientsideFunction(namespace="spinglass", function_name="nLabel"),
        Output(ids.N_LABEL, "children"),
        Input(ids.N_SLIDER, "drag_value"),
        Input(ids.N_INPUT, "value"),
        prevent_initial_call=True,
    )
    app.clientside_callback(
        ClientsideFunction(namespace="spinglass", function_name="permalink"),
        Output(ids.PERMALINK, "value"),
        Input(ids.URL, "href"),
    )


def register_callbacks(app, cache=None) -> Renderers:
    """Register every callback of the page on ``app``; renderers are memoized in ``cache``."""
    renderers = Renderers(
        complexity=memoize(cache, views.render_complexity),
        layered=memoize(cache, views.render_layered),
        finite=memoize(cache, views.render_finite),
        activation=memoize(cache, views.render_activation),
        mean_slope=memoize(cache, data.mean_slope),
    )
    _register_sync(app)
    for view in VIEWS:
        _register_view(app, view, renderers)
    for plot in PLOTS:
        _register_exports(app, plot, renderers)
    _register_clientside(app)
    return renderers
