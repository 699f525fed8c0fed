"""Following the lecturer: a presenter's page publishes its settings, audience pages follow.

* **Presenter.**  The "Present" button opens a room on the state channel
  (components/channel.py) and shows the audience link with its QR code (made here, as SVG,
  with segno: nothing is fetched from elsewhere).  From then on every settings change of
  the presenter's page -- controls, view, preset, theme -- is published to the room, and
  the speaker notes of the current preset appear on the presenter's screen only.  The room
  and its key live in the tab's session storage, so a reload keeps presenting.
* **Audience.**  A page opened with ``?follow=ROOM`` polls the room (assets/presenter.js,
  every 0.4 s, through the small JSON route below) and hands each newer state to the
  settings sync, which applies all of it except the follower's own lecture mode.  "Explore
  on my own" stops following; "Follow again" takes the presenter's latest state.  A closed
  presenter tab publishes nothing more: the audience stays on the last state.

The route answers ``GET /presenter/<room>/state?since=V``: 200 with ``{"version", "state"}``
when the room has a newer state than V, 204 when not, 404 for a malformed room id.
"""

from __future__ import annotations

import base64
import logging
from typing import Any, Mapping

from dash import ClientsideFunction, Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate

from components import ids
from components.channel import InProcessChannel, StateChannel, valid_room
from components.presets import matching_preset, preset_label, speaker_notes
from components.state import sanitize

__all__ = ["presenter_layout", "register_presenter", "qr_svg", "audience_url", "publish_state",
           "room_panel", "speaker_panel"]

logger = logging.getLogger(__name__)


def qr_svg(text: str) -> str:
    """A QR code of ``text`` as an SVG document (segno; medium error correction)."""
    import segno  # noqa: PLC0415 - only when presenting

    return segno.make(text, error="m").svg_inline(scale=5, dark="#000000", light="#ffffff")


def audience_url(base: str, room: str) -> str:
    """The link the audience opens: the page with ``?follow=ROOM``."""
    return f"{base.rstrip('/')}/?follow={room}"


def presenter_layout():
    """The presenting controls of the header: the Present button, the presenter's panel
    (audience link, QR code, status, speaker notes) and the audience's follow bar (both
    hidden until used), and their stores."""
    return html.Div(
        [
            dcc.Store(id=ids.PRESENTER_STORE, storage_type="session"),
            dcc.Store(id=ids.FOLLOW_STORE),
            dcc.Store(id=ids.FOLLOW_INCOMING),
            html.Button(
                "Present to followers", id=ids.PRESENT_BUTTON, n_clicks=0,
                className="action-button",
                title="Open a room: students open its link (or scan its QR code) and their "
                      "pages follow yours",
            ),
            html.Section(
                [
                    html.H2("Presenting"),
                    html.Div(
                        [
                            html.Img(id=ids.PRESENTER_QR, className="presenter-qr",
                                     alt="QR code of the audience link"),
                            html.Div(
                                [
                                    html.P("Audience link (open it, or scan the code):"),
                                    html.A(id=ids.AUDIENCE_LINK, className="audience-link",
                                           target="_blank", rel="noopener"),
                                    html.P(id=ids.PRESENTER_STATUS, className="presenter-status",
                                           role="status"),
                                    html.H3("Speaker notes", id=ids.SPEAKER_NOTES_TITLE),
                                    html.P(id=ids.SPEAKER_NOTES, className="speaker-notes"),
                                ],
                                className="presenter-text",
                            ),
                        ],
                        className="presenter-body",
                    ),
                ],
                id=ids.PRESENTER_PANEL, className="presenter-panel", hidden=True,
                **{"aria-label": "Presenting"},
            ),
            html.Div(
                [
                    html.Span(id=ids.FOLLOW_STATUS, className="follow-status", role="status",
                              **{"aria-live": "polite"}),
                    html.Button("Explore on my own", id=ids.FOLLOW_TOGGLE, n_clicks=0,
                                className="action-button"),
                ],
                id=ids.AUDIENCE_BAR, className="audience-bar", hidden=True,
            ),
        ],
        className="presenting",
    )


def publish_state(channel: StateChannel, presenter: Any, settings: Any) -> str:
    """Publish the validated ``settings`` to the presenter's room; the status line."""
    if not isinstance(presenter, Mapping) or not isinstance(settings, Mapping):
        raise PreventUpdate
    room, key = presenter.get("room"), presenter.get("key")
    if not valid_room(room) or not isinstance(key, str):
        raise PreventUpdate
    state, _ = sanitize(settings)
    try:
        version = channel.publish(room, key, state)
    except KeyError:
        return "This room has expired: press “Present to followers” again for a new one."
    except PermissionError:
        return "This tab's presenter key does not open the room."
    return f"Followers see this page (update {version})."


def room_panel(presenter: Any, base: str = "") -> tuple:
    """The panel's visibility, QR code (data URL) and audience link for the presenter store."""
    if not isinstance(presenter, Mapping) or not valid_room(presenter.get("room")):
        return True, None, None, None
    url = audience_url(base, presenter["room"]) if base else f"/?follow={presenter['room']}"
    try:
        src = "data:image/svg+xml;base64," + base64.b64encode(qr_svg(url).encode()).decode()
    except Exception:  # noqa: BLE001 - the link alone still works
        logger.exception("QR code")
        src = None
    return not presenter.get("shown", True), src, url, url


def speaker_panel(settings: Any) -> tuple[str, str]:
    """The title and text of the speaker notes for the current settings (the preset's)."""
    state, _ = sanitize(settings) if isinstance(settings, Mapping) else ({}, [])
    name = matching_preset(state) if state else None
    notes = speaker_notes(name)
    title = "Speaker notes" + (f" — {preset_label(name)}" if name else "")
    return title, notes or "No notes for these settings (notes belong to the presets)."


def _base() -> str:
    try:
        from flask import has_request_context, request  # noqa: PLC0415

        return request.url_root if has_request_context() else ""
    except Exception:  # noqa: BLE001
        return ""


def register_presenter(app, channel: StateChannel | None = None) -> StateChannel:
    """The presenting route and callbacks on ``app``; returns the channel used."""
    channel = channel if channel is not None else InProcessChannel()
    server = app.server

    @server.route("/presenter/<room>/state")
    def _room_state(room: str):
        from flask import jsonify, request  # noqa: PLC0415

        if not valid_room(room):
            return jsonify({"error": "malformed room id"}), 404
        try:
            since = int(request.args.get("since", "0"))
        except ValueError:
            since = 0
        snap = channel.latest(room)
        if snap is None or snap.version <= since:
            response = server.response_class(status=204)
        else:
            response = jsonify({"version": snap.version, "state": snap.state})
        response.headers["Cache-Control"] = "no-store"
        return response

    @app.callback(
        Output(ids.PRESENTER_STORE, "data"),
        Input(ids.PRESENT_BUTTON, "n_clicks"),
        State(ids.PRESENTER_STORE, "data"),
        prevent_initial_call=True,
    )
    def _open_room(n_clicks, current):
        if not n_clicks:
            raise PreventUpdate
        if isinstance(current, Mapping) and valid_room(current.get("room")):
            return {**current, "shown": not current.get("shown", True)}
        room, key = channel.open_room()
        return {"room": room, "key": key, "shown": True}

    @app.callback(
        Output(ids.PRESENTER_PANEL, "hidden"),
        Output(ids.PRESENTER_QR, "src"),
        Output(ids.AUDIENCE_LINK, "href"),
        Output(ids.AUDIENCE_LINK, "children"),
        Input(ids.PRESENTER_STORE, "data"),
    )
    def _panel(presenter):
        return room_panel(presenter, _base())

    @app.callback(
        Output(ids.SPEAKER_NOTES_TITLE, "children"),
        Output(ids.SPEAKER_NOTES, "children"),
        Input(ids.SETTINGS, "data"),
        Input(ids.PRESENTER_STORE, "data"),
    )
    def _notes(settings, presenter):
        if not isinstance(presenter, Mapping):
            raise PreventUpdate  # not presenting: the notes stay out of the page
        return speaker_panel(settings)

    @app.callback(
        Output(ids.PRESENTER_STATUS, "children"),
        Input(ids.SETTINGS, "data"),
        Input(ids.PRESENTER_STORE, "data"),
    )
    def _publish(settings, presenter):
        return publish_state(channel, presenter, settings)

    app.clientside_callback(
        ClientsideFunction(namespace="presenter", function_name="followFromAddress"),
        Output(ids.FOLLOW_STORE, "data"),
        Input(ids.URL, "search"),
        Input(ids.FOLLOW_TOGGLE, "n_clicks"),
        State(ids.FOLLOW_STORE, "data"),
    )
    app.clientside_callback(
        ClientsideFunction(namespace="presenter", function_name="follow"),
        Output(ids.AUDIENCE_BAR, "hidden"),
        Output(ids.FOLLOW_STATUS, "children"),
        Output(ids.FOLLOW_TOGGLE, "children"),
        Input(ids.FOLLOW_STORE, "data"),
    )
    return channel
