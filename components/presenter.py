"""Following the lecturer: a presenter's page publishes its settings, audience pages follow.

* **Presenter.**  The "Present" button opens a room on the state channel
  (components/channel.py) and shows the audience link with its QR code (made here, as SVG,
  with segno: nothing is fetched from elsewhere).  From then on every settings change of
  the presenter's page -- controls, view, preset, theme -- is published to the room, and
  the speaker notes of the current preset appear on the presenter's screen only.  The
  settings callback publishes the state it has just validated and shows the status line
  and the notes in the same response (:func:`presenter_outputs`), so the audience hears of
  a step while the presenter's own page is still applying it.  The room and its key live
  in the tab's session storage, so a reload keeps presenting.
* **Audience.**  A page opened with ``?follow=ROOM`` asks the room for a newer state
  (assets/presenter.js, through the small JSON route below); the request waits on the
  server until the presenter publishes, so a step arrives as soon as it is published.  Each
  newer state goes to the settings sync, which applies all of it except the follower's own
  lecture mode.  "Explore on my own" stops following; "Follow again" takes the presenter's
  latest state.  A closed presenter tab publishes nothing more: the audience stays on the
  last state.

The route answers ``GET /presenter/<room>/state?since=V&wait=S``: 200 with
``{"version", "state"}`` when the room has a state newer than V -- at once, or as soon as
one is published within S seconds (at most :data:`MAX_WAIT_S`) --, 204 when not, 404 for a
malformed room id.  A waiting request holds a server thread (gunicorn's gthread workers
have a fixed number), so each process lets at most ``waiters`` requests wait at a time; the
others are answered at once, without the ``X-Follow-Waited`` header, and the browser asks
again after :data:`POLL_MS` (the plain polling of a crowded room).
"""

from __future__ import annotations

import base64
import logging
import threading
from typing import Any, Mapping

from dash import ClientsideFunction, Input, Output, State, dcc, html, no_update
from dash.exceptions import PreventUpdate

from components import ids
from components.channel import InProcessChannel, StateChannel, valid_room
from components.presets import matching_preset, preset_label, speaker_notes
from components.state import sanitize

__all__ = ["presenter_layout", "register_presenter", "qr_svg", "audience_url", "publish_state",
           "presenter_outputs", "room_panel", "speaker_panel", "MAX_WAIT_S", "WAITERS", "POLL_MS"]

logger = logging.getLogger(__name__)

#: Longest wait of one audience request for a newer state (seconds): short enough for a
#: graceful shutdown (gunicorn.conf.py) to end the waits it finds.
MAX_WAIT_S = 10.0
#: Audience requests one process lets wait at a time (the rest are answered at once).
WAITERS = 4
#: How often a browser whose request was not allowed to wait asks again (milliseconds,
#: assets/presenter.js).
POLL_MS = 400


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
            # (data=None, as the session holds when no room is open: the store then
            # reports itself on mount only when the session holds a room, which runs the
            # two callbacks below on a reload while presenting, and only then)
            dcc.Store(id=ids.PRESENTER_STORE, storage_type="session", data=None),
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


def presenter_outputs(channel: StateChannel, presenter: Any, settings: Any) -> dict:
    """What the settings callback shows on a presenting page for new ``settings``: it
    publishes them to the room first (so the audience hears of a step while this page is
    still applying it), then returns the status line and the speaker notes
    (``presenter_status``, ``notes_title``, ``notes``).  On any other page every entry is
    ``no_update`` (the notes stay out of the audience's page).  Never raises: a channel
    failure shows in the status line and the presenter's own page still updates."""
    out = {"presenter_status": no_update, "notes_title": no_update, "notes": no_update}
    if not isinstance(presenter, Mapping) or not valid_room(presenter.get("room")):
        return out
    if not isinstance(settings, Mapping):
        return out
    try:
        out["presenter_status"] = publish_state(channel, presenter, settings)
    except PreventUpdate:
        pass
    except Exception:  # noqa: BLE001 - the presenter's own page must still update
        logger.exception("publishing the presenter's state")
        out["presenter_status"] = "The room cannot be reached: followers do not see this step."
    out["notes_title"], out["notes"] = speaker_panel(settings)
    return out


def room_state(channel: StateChannel, room: Any, since: Any, wait: Any,
               slots: threading.BoundedSemaphore | None = None) -> tuple[int, dict | None, bool]:
    """The answer to an audience request: ``(status, body, waited)``.

    ``since`` and ``wait`` are the query's strings (bad ones count as 0); the request waits
    for a newer state only when ``slots`` (the process's budget of waiting requests) has a
    free slot.
    """
    if not valid_room(room):
        return 404, {"error": "malformed room id"}, False
    try:
        since_v = int(since)
    except (TypeError, ValueError):
        since_v = 0
    try:
        wait_s = float(wait)
    except (TypeError, ValueError):
        wait_s = 0.0
    wait_s = min(max(wait_s, 0.0), MAX_WAIT_S) if wait_s == wait_s else 0.0  # NaN: no wait
    waited = False
    snap = channel.latest(room)
    if (snap is None or snap.version <= since_v) and wait_s > 0 and slots is not None:
        if slots.acquire(blocking=False):
            try:
                snap = channel.wait(room, since_v, wait_s)
                waited = True
            finally:
                slots.release()
    if snap is None or snap.version <= since_v:
        return 204, None, waited
    return 200, {"version": snap.version, "state": snap.state}, waited


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


def register_presenter(app, channel: StateChannel | None = None,
                       waiters: int = WAITERS) -> StateChannel:
    """The presenting route and callbacks on ``app``; returns the channel used.

    ``waiters``: audience requests this process lets wait for a newer state at a time
    (0: every request is answered at once).
    """
    channel = channel if channel is not None else InProcessChannel()
    server = app.server
    slots = threading.BoundedSemaphore(waiters) if waiters > 0 else None

    @server.route("/presenter/<room>/state")
    def _room_state(room: str):
        from flask import jsonify, request  # noqa: PLC0415

        status, body, waited = room_state(channel, room, request.args.get("since", "0"),
                                          request.args.get("wait", "0"), slots)
        if status == 204:
            response = server.response_class(status=204)
        else:
            response = jsonify(body)
            response.status_code = status
        response.headers["Cache-Control"] = "no-store"
        if waited:
            response.headers["X-Follow-Waited"] = "1"
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
        prevent_initial_call=True,
    )
    def _panel(presenter):
        return room_panel(presenter, _base())

    @app.callback(
        Output(ids.PRESENTER_STATUS, "children", allow_duplicate=True),
        Output(ids.SPEAKER_NOTES_TITLE, "children", allow_duplicate=True),
        Output(ids.SPEAKER_NOTES, "children", allow_duplicate=True),
        Input(ids.PRESENTER_STORE, "data"),
        State(ids.SETTINGS, "data"),
        prevent_initial_call=True,
    )
    def _presenting(presenter, settings):
        # presenting starts (or a page reloads with a room in its session): publish the
        # current settings; every later change is published by the settings callback
        out = presenter_outputs(channel, presenter, settings)
        if all(value is no_update for value in out.values()):
            raise PreventUpdate
        return out["presenter_status"], out["notes_title"], out["notes"]

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
