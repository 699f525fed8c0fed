"""The HTTP edge: what every request meets before and after the dashboard.

:func:`register_edge` (called once from app.py) installs:

* a body limit (:data:`MAX_BODY_BYTES`, 1 MiB: the largest request the page sends, the
  settings callback with a maximal custom knot table, is about 60 kB) -> 413;
* a JSON reader that refuses nesting deeper than :data:`MAX_JSON_DEPTH` and reads
  integers of more than 30 digits as floats (so they become "not a finite number"
  messages, not overflow errors) -> 400;
* a check of the shape of Dash's callback envelopes (``output``, ``outputs``, ``inputs``,
  ``state``, ``changedPropIds``) and that the callback exists -> 400;
* error pages for every HTTP error with one log line each and no traceback; bad
  component-suite paths are 404; a callback that fails on forged values (a type or value
  error from its input) is a 400 with one line naming the callback and the error;
* security headers that Dash tolerates: a Content-Security-Policy allowing only the
  page's own scripts (plus Dash's inline bootstrap script by hash and Plotly's inline
  styles), ``frame-ancestors`` from ``FRAME_ANCESTORS``, ``X-Content-Type-Options:
  nosniff``, ``Referrer-Policy: same-origin``;
* a random session cookie on the page (HttpOnly, SameSite=Lax) that only names the
  browser session for the job quota of components/jobs.py;
* no version disclosure: Dash's page config loses its Python/Dash/Plotly versions, and
  the development server's ``Server`` header names no software versions.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from flask import Flask, Response, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import BadRequest, HTTPException, NotFound

from components.jobs import SESSION_COOKIE, new_session_token
from components.settings import Settings

__all__ = ["MAX_BODY_BYTES", "MAX_JSON_DEPTH", "register_edge", "content_security_policy", "quiet_dev_server"]

logger = logging.getLogger(__name__)

#: Largest request body accepted (bytes).
MAX_BODY_BYTES = 2**20
#: Deepest JSON nesting accepted (Dash's envelopes are about 8 deep).
MAX_JSON_DEPTH = 64
#: Integers with more digits than this are read as floats.
_MAX_INT_DIGITS = 30
#: Keys of Dash's page config that only serve its development tools and name versions.
_VERSION_KEYS = ("dash_version", "python_version", "dash_version_url", "ddk_version", "plotly_version")
_CALLBACK_PATH = "/_dash-update-component"
_DEPTH_SCAN = re.compile(rb'[\[\]{}"\\]')


def _json_depth_ok(data: bytes, limit: int) -> bool:
    """Whether the brackets of JSON text ``data`` nest at most ``limit`` deep (strings skipped)."""
    if data.count(b"[") + data.count(b"{") <= limit:
        return True
    depth = 0
    in_string = False
    skip = -1
    for m in _DEPTH_SCAN.finditer(data):
        if m.start() == skip:  # the character after a backslash
            continue
        ch = m.group()
        if in_string:
            if ch == b"\\":
                skip = m.end()
            elif ch == b'"':
                in_string = False
            continue
        if ch == b'"':
            in_string = True
        elif ch in (b"[", b"{"):
            depth += 1
            if depth > limit:
                return False
        elif ch in (b"]", b"}"):
            depth -= 1
    return True


def _parse_int(text: str):
    digits = len(text) - (text[0] in "+-")
    return int(text) if digits <= _MAX_INT_DIGITS else float(text)


class _GuardedJSON(DefaultJSONProvider):
    """Flask's JSON provider with a depth limit and no giant integers on input."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        data = s.encode() if isinstance(s, str) else s
        if not _json_depth_ok(data, MAX_JSON_DEPTH):
            raise ValueError(f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
        kwargs.setdefault("parse_int", _parse_int)
        try:
            return json.loads(s, **kwargs)
        except RecursionError:
            raise ValueError("JSON nested too deeply") from None


def _is_prop_list(items: Any, nested: bool = True) -> bool:
    """A list of ``{"id": str|dict, "property": str}`` (one level of lists for ALL patterns)."""
    if not isinstance(items, list):
        return False
    for item in items:
        if isinstance(item, list) and nested:
            if not _is_prop_list(item, nested=False):
                return False
        elif not (isinstance(item, dict) and isinstance(item.get("id"), (str, dict))
                  and isinstance(item.get("property"), str)):
            return False
    return True


def _check_envelope(body: Any, callback_map: dict) -> str | None:
    """Why ``body`` is not a callback request this page can serve (``None`` if it is)."""
    if not isinstance(body, dict):
        return "the body is not a JSON object"
    output = body.get("output")
    if not isinstance(output, str) or output not in callback_map:
        return "unknown callback output"
    outputs = body.get("outputs")
    if not (isinstance(outputs, dict) and isinstance(outputs.get("id"), (str, dict))
            and isinstance(outputs.get("property"), str)) and not _is_prop_list(outputs):
        return "malformed outputs"
    if not _is_prop_list(body.get("inputs")):
        return "malformed inputs"
    if "state" in body and not _is_prop_list(body["state"]):
        return "malformed state"
    changed = body.get("changedPropIds", [])
    if not (isinstance(changed, list) and all(isinstance(c, str) for c in changed)):
        return "malformed changedPropIds"
    return None


def content_security_policy(frame_ancestors: str, script_hashes: list[str]) -> str:
    """The page's CSP: own scripts (and Dash's inline bootstrap by hash), Plotly's inline
    styles, data/blob images (exports), and who may frame the page."""
    scripts = " ".join(["'self'"] + [h if h.startswith("'") else f"'{h}'" for h in script_hashes])
    return "; ".join([
        "default-src 'self'",
        f"script-src {scripts}",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "worker-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        f"frame-ancestors {frame_ancestors}",
    ])


def quiet_dev_server() -> None:
    """The development server's ``Server`` header without Werkzeug and Python versions."""
    from werkzeug.serving import WSGIRequestHandler

    WSGIRequestHandler.server_version = "spinglass-landscapes"
    WSGIRequestHandler.sys_version = ""


def register_edge(app, settings: Settings) -> None:
    """Install the limits, checks, error pages and headers above on the Dash ``app``."""
    server: Flask = app.server
    server.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    server.json = _GuardedJSON(server)

    original_config = app._config  # noqa: SLF001 - drop the version fields of the page config

    def _config():
        config = original_config()
        if not settings.debug:
            for key in _VERSION_KEYS:
                config.pop(key, None)
            config["disable_version_check"] = True
        return config

    app._config = _config  # noqa: SLF001

    csp_cache: dict[str, str] = {}

    def csp() -> str:
        if "value" not in csp_cache:
            try:
                hashes = app.csp_hashes()
            except Exception:  # noqa: BLE001 - before the first page the renderer script is unknown
                hashes = []
            csp_cache["value"] = content_security_policy(settings.frame_ancestors, hashes)
        return csp_cache["value"]

    @server.before_request
    def _check_callback_request():
        if request.method == "POST" and request.path == _CALLBACK_PATH:
            body = request.get_json(silent=False)  # 400 on bad JSON, 413 on a huge body
            problem = _check_envelope(body, app.callback_map)
            if problem:
                raise BadRequest(f"malformed callback request: {problem}")
        return None

    @server.after_request
    def _headers(response: Response) -> Response:
        h = response.headers
        h.setdefault("X-Content-Type-Options", "nosniff")
        h.setdefault("Referrer-Policy", "same-origin")
        h.setdefault("Content-Security-Policy", csp())
        if settings.frame_ancestors == "'self'":
            h.setdefault("X-Frame-Options", "SAMEORIGIN")
        elif settings.frame_ancestors == "'none'":
            h.setdefault("X-Frame-Options", "DENY")
        h.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if SESSION_COOKIE not in request.cookies and response.mimetype == "text/html":
            # names the browser session for the job quota (components/jobs.py); nothing else
            response.set_cookie(SESSION_COOKIE, new_session_token(), httponly=True, samesite="Lax", path="/")
        return response

    @server.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        code = exc.code or 500
        if code >= 400:
            logger.warning("%s %s %s: %s", code, request.method, request.path[:200], exc.description)
        if code < 400 or exc.response is not None:
            return exc
        return Response(f"{code} {exc.name}: {exc.description}\n", status=code, mimetype="text/plain")

    try:
        from dash.exceptions import DependencyException
    except ImportError:  # pragma: no cover - every supported Dash has it
        DependencyException = None

    if DependencyException is not None:
        @server.errorhandler(DependencyException)
        def _bad_suite_path(exc):
            return _http_error(NotFound("no such component file"))

    @server.errorhandler(Exception)
    def _unexpected(exc: Exception):
        if isinstance(exc, HTTPException):
            return _http_error(exc)
        forged = request.path == _CALLBACK_PATH and isinstance(
            exc, (TypeError, ValueError, KeyError, IndexError, AttributeError, OverflowError, RecursionError)
        )
        if forged:
            body = request.get_json(silent=True)
            output = body.get("output", "?") if isinstance(body, dict) else "?"
            logger.warning(
                "400 POST %s (%s): %s: %s", _CALLBACK_PATH, str(output)[:120], type(exc).__name__, str(exc)[:200]
            )
            logger.debug("details of the refused callback request", exc_info=exc)
            return Response("400 Bad Request: the callback could not use these values\n", status=400,
                            mimetype="text/plain")
        logger.error("500 %s %s", request.method, request.path[:200], exc_info=exc)
        return Response("500 Internal Server Error\n", status=500, mimetype="text/plain")
