"""Typed application settings read from environment variables.

=============  ==========================================  ===============================
variable       meaning                                     default
=============  ==========================================  ===============================
HOST           interface ``python app.py`` binds to         ``127.0.0.1``
PORT           TCP port (1-65535)                           ``8050``
CACHE_TYPE     ``FileSystemCache``, ``SimpleCache`` or      ``FileSystemCache``
               ``NullCache`` (flask-caching backends)
CACHE_DIR      folder of the file-system cache              ``<system temp>/spinglass-landscapes-cache``
CACHE_TIMEOUT  seconds a cached result lives (0: forever)   ``0``
DEBUG          Dash debug mode (1/true/yes/on)              off
=============  ==========================================  ===============================

Several gunicorn workers do not share memory, so the default cache lives on disk.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from typing import Mapping

__all__ = ["APP_NAME", "VERSION", "CACHE_TYPES", "Settings"]

APP_NAME = "Spin-glass loss landscapes"
VERSION = "0.1.0"
CACHE_TYPES = ("FileSystemCache", "SimpleCache", "NullCache")

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _default_cache_dir() -> str:
    return os.path.join(tempfile.gettempdir(), "spinglass-landscapes-cache")


def _parse_port(text: str) -> int:
    try:
        port = int(text.strip())
    except ValueError:
        raise ValueError(f"PORT must be an integer from 1 to 65535, got {text!r}") from None
    if not 1 <= port <= 65535:
        raise ValueError(f"PORT must be an integer from 1 to 65535, got {port}")
    return port


def _parse_bool(name: str, text: str) -> bool:
    value = text.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(f"{name} must be one of 1/0, true/false, yes/no, on/off, got {text!r}")


def _parse_timeout(text: str) -> int:
    try:
        timeout = int(text.strip())
    except ValueError:
        raise ValueError(f"CACHE_TIMEOUT must be an integer >= 0 (seconds), got {text!r}") from None
    if timeout < 0:
        raise ValueError(f"CACHE_TIMEOUT must be an integer >= 0 (seconds), got {timeout}")
    return timeout


@dataclass(frozen=True)
class Settings:
    """Deployment settings of the dashboard (see the module docstring for the variables)."""

    host: str = "127.0.0.1"
    port: int = 8050
    cache_type: str = "FileSystemCache"
    cache_dir: str = field(default_factory=_default_cache_dir)
    cache_timeout: int = 0
    debug: bool = False

    def __post_init__(self) -> None:
        if self.cache_type not in CACHE_TYPES:
            raise ValueError(
                f"CACHE_TYPE must be one of {', '.join(CACHE_TYPES)}, got {self.cache_type!r}"
            )
        if not self.host:
            raise ValueError("HOST must be a non-empty host name or address")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "Settings":
        """Build settings from ``environ`` (default ``os.environ``); unset names keep defaults.

        Raises ``ValueError`` naming the variable and its allowed values on bad input.
        """
        env = os.environ if environ is None else environ
        kwargs: dict = {}
        if env.get("HOST"):
            kwargs["host"] = env["HOST"].strip()
        if env.get("PORT"):
            kwargs["port"] = _parse_port(env["PORT"])
        if env.get("CACHE_TYPE"):
            kwargs["cache_type"] = env["CACHE_TYPE"].strip()
        if env.get("CACHE_DIR"):
            kwargs["cache_dir"] = env["CACHE_DIR"]
        if env.get("CACHE_TIMEOUT"):
            kwargs["cache_timeout"] = _parse_timeout(env["CACHE_TIMEOUT"])
        if "DEBUG" in env:
            kwargs["debug"] = _parse_bool("DEBUG", env["DEBUG"])
        return cls(**kwargs)
