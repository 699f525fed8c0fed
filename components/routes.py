"""Plain Flask routes next to the Dash page."""

from __future__ import annotations

from flask import Flask, jsonify

from components.settings import APP_NAME, VERSION

__all__ = ["register_routes"]


def register_routes(server: Flask) -> None:
    """Add ``GET /health``: 200 with ``{"status": "ok", "name": ..., "version": ...}``."""

    @server.get("/health")
    def health():
        return jsonify(status="ok", name=APP_NAME, version=VERSION)
