"""Wiring of the page's callbacks: :func:`register_callbacks` is the one call app.py makes.

It registers

* the settings sync (:func:`components.sync.sync_settings`): controls, address bar,
  presets and keys → the validated settings store and the slice of the visible view; on a
  presenter's page it also publishes the new settings to the room at once and shows the
  status line and the speaker notes (:func:`components.presenter.presenter_outputs`);
* every view of components/registry.py, through its wing's ``register``;
* the clientside callbacks of the page (assets/app.js): theme and lecture classes, the
  live value of the N slider while it is dragged; assets/presenter.js: the address bar
  (pushed or replaced) and the permalink box that follows it; assets/compare.js: compare
  mode (pinned curves, frozen axes); the panels of the views kept mounted;
* the drawing of the analytic views in the browser while a slider moves, from the
  server's tables (components/views/redraw.py, assets/redraw.js).

No logic lives here: each callback body unpacks the Dash context and calls a plain
function that tests call directly.
"""

from __future__ import annotations

import json

from dash import ClientsideFunction, Input, Output, State, ctx, no_update
from dash.exceptions import PreventUpdate

from components import ids
from components.channel import InProcessChannel
from components.layout import COMPARE_GRAPHS, KEPT_VIEWS, MOUNTED_ON_FIRST_VISIT
from components.presenter import presenter_outputs, register_presenter
from components.registry import VIEWS as REGISTERED
from components.registry import Services, module_of
from components.state import VIEWS
from components.sync import CONTROLS, address_update, sync_settings
from components.views import redraw

__all__ = ["register_callbacks"]


def _register_sync(app, channel) -> None:
    value_outputs = {f"value_{key}": Output(cid, "value") for key, cid in CONTROLS.items()}
    value_inputs = {key: Input(cid, "value") for key, cid in CONTROLS.items() if key != "knots"}
    view_outputs_ = {f"view_{view}": Output(ids.view_state(view), "data") for view in VIEWS}

    @app.callback(
        output=dict(
            settings=Output(ids.SETTINGS, "data"),
            **view_outputs_,
            notice=Output(ids.NOTICE, "children"),
            address=Output(ids.ADDRESS, "data"),
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
            presenter_status=Output(ids.PRESENTER_STATUS, "children"),
            notes_title=Output(ids.SPEAKER_NOTES_TITLE, "children"),
            notes=Output(ids.SPEAKER_NOTES, "children"),
            **value_outputs,
        ),
        inputs=dict(
            values=value_inputs,
            knots_blur=Input(ids.KNOTS, "n_blur"),
            search=Input(ids.URL, "search"),
            preset=Input(ids.PRESET, "value"),
            prev_clicks=Input(ids.PRESET_PREV, "n_clicks"),
            next_clicks=Input(ids.PRESET_NEXT, "n_clicks"),
            reset_clicks=Input(ids.RESET, "n_clicks"),
            key_event=Input(ids.KEY_EVENT, "data"),
            incoming=Input(ids.FOLLOW_INCOMING, "data"),
        ),
        state=dict(
            knots=State(ids.KNOTS, "value"),
            previous=State(ids.SETTINGS, "data"),
            stores={view: State(ids.view_state(view), "data") for view in VIEWS},
            presenter=State(ids.PRESENTER_STORE, "data"),
        ),
        # Not at page load: the layout is built from the page's link (its Referer), with
        # the link's repairs and its canonical address (components/layout.py), so the
        # views' first figures do not wait for a round trip of this callback; a layout
        # built without the link hears it when dcc.Location reports the address bar.
        prevent_initial_call=True,
    )
    def _sync(values, knots_blur, search, preset, prev_clicks, next_clicks, reset_clicks,
              key_event, incoming, knots, previous, stores, presenter):
        out = sync_settings(
            {**values, "knots": knots}, ctx.triggered_id, search=search, previous=previous,
            stores=stores, preset=preset, key_event=key_event, incoming=incoming,
        )
        if out is None:
            raise PreventUpdate
        out.update(presenter_outputs(
            channel, presenter if out["settings"] is not no_update else None, out["settings"]))
        out["address"] = address_update(out.pop("search"), ctx.triggered_id)
        return out


def _register_clientside(app) -> None:
    app.clientside_callback(
        ClientsideFunction(namespace="spinglass", function_name="pageClass"),
        Output(ids.PAGE, "className"),
        Input(ids.SETTINGS, "data"),
    )
    # the exact N once applied; while the slider moves, assets/app.js writes the label
    app.clientside_callback(
        ClientsideFunction(namespace="spinglass", function_name="nLabel"),
        Output(ids.N_LABEL, "children"),
        Input(ids.N_INPUT, "value"),
        prevent_initial_call=True,
    )
    app.clientside_callback(
        ClientsideFunction(namespace="compare", function_name="toggle"),
        Output(ids.COMPARE, "data"),
        Output(ids.COMPARE_BUTTON, "children"),
        Output(ids.COMPARE_BUTTON, "aria-pressed"),
        Input(ids.COMPARE_BUTTON, "n_clicks"),
        State(ids.COMPARE, "data"),
        State(ids.SETTINGS, "data"),
        State(ids.PRESET, "value"),
        State(ids.PRESET, "options"),
        *[State(graph, "figure") for graph in COMPARE_GRAPHS],
        prevent_initial_call=True,
    )
    # the kept panels, shown with their tab at once, without a round trip to the server,
    # and those mounted at their first visit switched on then (one callback for all of
    # them: one round of the renderer per tab switch)
    app.clientside_callback(
        "function (tab) { var no = window.dash_clientside.no_update;"
        " return %s.map(function (v) { return tab !== v; })"
        ".concat(%s.map(function (v) { return tab === v ? v : no; })); }"
        % (json.dumps(list(KEPT_VIEWS)), json.dumps(list(MOUNTED_ON_FIRST_VISIT))),
        [Output(ids.kept_panel(view), "hidden") for view in KEPT_VIEWS]
        + [Output(ids.mount_switch(view), "value") for view in MOUNTED_ON_FIRST_VISIT],
        Input(ids.TABS, "value"),
    )
    app.clientside_callback(
        ClientsideFunction(namespace="presenter", function_name="writeAddress"),
        Output(ids.PERMALINK, "value"),
        Input(ids.ADDRESS, "data"),
        Input(ids.URL, "href"),
    )


def register_callbacks(app, cache=None, manager=None, channel=None) -> None:
    """Register every callback of the page on ``app``.

    ``cache`` memoizes the views' computations (``None``: no cache); ``manager`` runs the
    long ones as background jobs with progress and cancel (``None``: in the request).
    """
    services = Services(cache=cache, manager=manager)
    channel = channel if channel is not None else InProcessChannel()
    _register_sync(app, channel)
    for view in REGISTERED:
        module_of(view).register(app, view.name, services)
    _register_clientside(app)
    redraw.register(app, services)
    register_presenter(app, channel)
