"""Typed application settings read from environment variables.

===============  ==========================================  ===============================
variable         meaning                                     default
===============  ==========================================  ===============================
HOST             interface ``python app.py`` binds to         ``127.0.0.1``
PORT             TCP port (1-65535)                           ``8050``
CACHE_TYPE       ``FileSystemCache`` (on disk, shared by      ``FileSystemCache``
                 workers), ``SimpleCache`` (in memory),     (with REDIS_URL: ``RedisCache``)
                 ``NullCache`` (none) or ``RedisCache``
CACHE_DIR        private folder of the result cache, the     ``$XDG_CACHE_HOME/spinglass-landscapes``
                 job store and the generated secret key      (else ``~/.cache/...``)
CACHE_MAX_BYTES  byte bound of the result cache (LRU)        ``536870912`` (512 MiB)
CACHE_TIMEOUT    seconds a cached result lives (0: forever)   ``0``
SECRET_KEY       key signing cache entries and job handles   generated, kept 0600 in CACHE_DIR
                 (every web process must share it)           (with REDIS_URL: created in Redis)
REDIS_URL        ``redis://host:port/db``: scale-out mode    unset (embedded mode)
FRAME_ANCESTORS  CSP ``frame-ancestors`` (who may embed the   ``'self'``
                 page, e.g. ``'self' https://slides.example``)
DEBUG            Dash debug mode (1/true/yes/on); refused     off
                 unless HOST is a loopback address
===============  ==========================================  ===============================

Several gunicorn workers do not share memory, so the default cache lives on disk.
CACHE_DIR is created with mode 0700 and refused (with a message naming it) when another
user owns it or others can write to it; see components/cache.py.

``REDIS_URL`` is the one switch between the two deployments.  Unset (embedded mode, what
``python app.py`` does): the file-system cache and Dash's disk-cache job manager, no
server needed; heavy work runs in a process pool on this machine.  Set (scale-out mode):
flask-caching's RedisCache (unless ``CACHE_TYPE`` names another backend), Dash's
CeleryManager for background jobs, heavy work as Celery units on the ``compute`` queue
(components/tasks.py), and one secret key shared by every web process.
"""

from __future__ import annotations

import ipaddress
import os
import re
from dataclasses import dataclass, field
from typing import Mapping

__all__ = ["APP_NAME", "VERSION", "CACHE_TYPES", "Settings"]

APP_NAME = "Spin-glass loss landscapes"
VERSION = "0.1.0"
CACHE_TYPES = ("FileSystemCache", "SimpleCache", "NullCache", "RedisCache")
REDIS_SCHEMES = ("redis://", "rediss://", "unix://")

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


#: Default byte bound of the result cache.
DEFAULT_CACHE_MAX_BYTES = 512 * 2**20
_LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


def _default_cache_dir(environ: Mapping[str, str] | None = None) -> str:
    """The user's own cache folder: ``$XDG_CACHE_HOME`` or ``~/.cache``, never a shared path."""
    env = os.environ if environ is None else environ
    base = env.get("XDG_CACHE_HOME", "").strip()
    if not base or not os.path.isabs(base):
        base = os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "spinglass-landscapes")


def is_loopback(host: str) -> bool:
    """Whether ``host`` names only this machine (127.0.0.0/8, ::1, localhost)."""
    name = host.strip().strip("[]").lower()
    if name in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _parse_size(name: str, text: str, lo: int) -> int:
    try:
        value = int(text.strip())
    except ValueError:
        raise ValueError(f"{name} must be an integer >= {lo} (bytes), got {text!r}") from None
    if value < lo:
        raise ValueError(f"{name} must be an integer >= {lo} (bytes), got {value}")
    return value


_FRAME_SOURCE = re.compile(r"^(?:'self'|'none'|\*|(?:https?://)?[A-Za-z0-9.*-]+(?::[0-9*]+)?)$")


def _parse_frame_ancestors(text: str) -> str:
    sources = text.split()
    if not sources or not all(_FRAME_SOURCE.match(src) for src in sources):
        raise ValueError(
            "FRAME_ANCESTORS must be space-separated CSP sources such as 'self', 'none' or "
            f"https://host[:port], got {text!r}"
        )
    return " ".join(sources)


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


def _parse_redis_url(text: str) -> str:
    url = text.strip()
    if not url.startswith(REDIS_SCHEMES) or len(url) <= len("redis://"):
        raise ValueError(
            f"REDIS_URL must be a Redis URL starting with {', '.join(REDIS_SCHEMES)} "
            f"(e.g. redis://127.0.0.1:6379/0), got {text!r}"
        )
    return url


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
    cache_max_bytes: int = DEFAULT_CACHE_MAX_BYTES
    secret_key: str | None = field(default=None, repr=False)
    frame_ancestors: str = "'self'"
    redis_url: str | None = None

    def __post_init__(self) -> None:
        if self.cache_type == "RedisCache" and not self.redis_url:
            raise ValueError("CACHE_TYPE=RedisCache needs REDIS_URL (e.g. redis://127.0.0.1:6379/0)")
        if self.cache_type not in CACHE_TYPES:
            raise ValueError(
                f"CACHE_TYPE must be one of {', '.join(CACHE_TYPES)}, got {self.cache_type!r}"
            )
        if not self.host:
            raise ValueError("HOST must be a non-empty host name or address")
        if self.debug and not is_loopback(self.host):
            raise ValueError(
                f"DEBUG=1 opens an interactive debugger; it is refused with HOST={self.host!r}. "
                "Set HOST=127.0.0.1 (or unset DEBUG)"
            )
        if self.secret_key is not None and len(self.secret_key) < 16:
            raise ValueError("SECRET_KEY must be at least 16 characters (unset it to generate one)")

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
        else:
            kwargs["cache_dir"] = _default_cache_dir(env)
        if env.get("CACHE_MAX_BYTES"):
            kwargs["cache_max_bytes"] = _parse_size("CACHE_MAX_BYTES", env["CACHE_MAX_BYTES"], 2**20)
        if env.get("SECRET_KEY"):
            kwargs["secret_key"] = env["SECRET_KEY"]
        if env.get("FRAME_ANCESTORS"):
            kwargs["frame_ancestors"] = _parse_frame_ancestors(env["FRAME_ANCESTORS"])
        if env.get("CACHE_TIMEOUT"):
            kwargs["cache_timeout"] = _parse_timeout(env["CACHE_TIMEOUT"])
        if "DEBUG" in env:
            kwargs["debug"] = _parse_bool("DEBUG", env["DEBUG"])
        if env.get("REDIS_URL", "").strip():
            kwargs["redis_url"] = _parse_redis_url(env["REDIS_URL"])
            kwargs.setdefault("cache_type", "RedisCache")
        return cls(**kwargs)
