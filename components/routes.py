"""Plain Flask routes next to the Dash page."""

from __future__ import annotations

import gzip
import hashlib
from typing import Callable

from flask import Flask, Response, jsonify, request

from components.settings import APP_NAME, VERSION

__all__ = ["register_routes", "register_table_route"]


def register_routes(server: Flask) -> None:
    """Add ``GET /health``: 200 with ``{"status": "ok", "name": ..., "version": ...}``."""

    @server.get("/health")
    def health():
        return jsonify(status="ok", name=APP_NAME, version=VERSION)


def register_table_route(server: Flask, tables: Callable[[str, str], bytes]) -> None:
    """Add ``GET /_tables/<view>?<settings>``: the view's tables (components/tables.py),
    gzip-compressed JSON, revalidated by ETag.

    ``tables(view, query)`` returns the compressed bytes or raises ``LookupError`` (unknown
    view, 404) or ``ValueError`` (400); the message is returned as ``{"error": ...}``.
    """

    @server.get("/_tables/<view>")
    def view_tables(view: str):
        query = request.query_string.decode("utf-8", "replace")
        try:
            body = tables(view, query)
        except LookupError as exc:
            return jsonify(error=str(exc)), 404
        except ValueError as exc:
            return jsonify(error=str(exc)), 400
        etag = hashlib.blake2b(body, digest_size=12).hexdigest()
        if etag in request.if_none_match:
            return Response(status=304, headers={"ETag": f'"{etag}"', "Cache-Control": "no-cache"})
        headers = {"ETag": f'"{etag}"', "Cache-Control": "no-cache", "Vary": "Accept-Encoding"}
        if "gzip" in (request.headers.get("Accept-Encoding") or ""):
            headers["Content-Encoding"] = "gzip"
        else:
            body = gzip.decompress(body)
        return Response(body, status=200, mimetype="application/json", headers=headers)
