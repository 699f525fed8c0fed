"""Permalinks: the settings state in the query string of the page's URL.

A link carries only the settings that differ from the defaults (``/?H=7`` is depth 7
with everything else at its default), under the state's own keys (see the table in
components/state.py), so links stay short and readable.  Reading a link never
fails: :func:`parse_query` returns the raw values with messages about what it could not
read, and :func:`components.state.sanitize` then repairs the values themselves.
"""

from __future__ import annotations

import math
from typing import Any, Mapping
from urllib.parse import parse_qsl, urlencode, urlsplit

from components.state import CUSTOM, FLAGS, default_state, param_spec
from compute.activations import parse_knots

__all__ = ["MAX_QUERY_CHARS", "MAX_LINK_KNOTS_CHARS", "ALIASES", "compact_knots", "parse_query", "query_from_state",
           "state_query_from_url"]

#: Longest query string read (longer ones are ignored with a message).
MAX_QUERY_CHARS = 20_000
#: Knot tables longer than this are written to links in their compact form (comments and
#: blank lines dropped, one "z f" pair per line), so every link the page writes stays far
#: below the servers' request-line limit (8190 bytes; the longest compact table of 64
#: knots is about 3.3 kB encoded).
MAX_LINK_KNOTS_CHARS = 1500
#: Most unknown parameter names listed by name in the notices (the rest are counted).
MAX_NAMED_NOTICES = 5
#: Alternative names accepted in links: alias -> state key.
ALIASES = {"L": "pieces"}
_KEYS = tuple(default_state())


#: Parameters of a presenting session (components/presenter.py), not settings: a room to
#: follow, or a room and its presenter key.  They are read by the page's scripts and skipped
#: here without a message.
SESSION_KEYS = ("follow", "present", "key")


def strip_session(search: Any) -> Any:
    """``search`` without the presenting-session parameters (other values unchanged)."""
    if not isinstance(search, str) or not any(k + "=" in search for k in SESSION_KEYS):
        return search
    text = search[1:] if search.startswith("?") else search
    kept = [part for part in text.split("&") if part.split("=", 1)[0] not in SESSION_KEYS]
    return ("?" + "&".join(kept)) if kept and any(kept) else ""


def parse_query(search: Any) -> tuple[dict, list[str]]:
    """Raw settings and messages from a query string such as ``"?H=7&K=2"``.

    Values stay strings (validation happens in ``sanitize``); unknown parameters and
    repeated ones are reported, the last repetition wins.  Anything that is not a string
    gives no settings and, unless it is ``None`` or empty, a message.

    >>> parse_query("?H=7&L=4&x=1")
    ({'H': '7', 'pieces': '4'}, ['The link parameter x is unknown and is ignored.'])
    """
    messages: list[str] = []
    if search is None or search == "":
        return {}, messages
    if not isinstance(search, str):
        return {}, [f"The link's settings were unreadable ({type(search).__name__}); defaults are used."]
    if len(search) > MAX_QUERY_CHARS:
        return {}, [
            f"The link's settings are longer than {MAX_QUERY_CHARS} characters and are ignored; "
            "defaults are used."
        ]
    text = search[1:] if search.startswith("?") else search
    raw: dict[str, str] = {}
    seen: set[str] = set()
    repeated: list[str] = []
    unknown: list[str] = []
    for name, value in parse_qsl(text, keep_blank_values=True, max_num_fields=None):
        if name in SESSION_KEYS:
            continue
        key = ALIASES.get(name, name)
        if key not in _KEYS:
            if name not in unknown:
                unknown.append(name)
            continue
        if key in seen and name not in repeated:
            repeated.append(name)
        seen.add(key)
        raw[key] = value
    for name in repeated:  # at most one notice per setting
        messages.append(f"The link sets {name} more than once; the last value is used.")
    for name in unknown[:MAX_NAMED_NOTICES]:
        shown = name if len(name) <= 30 else name[:29] + "…"
        messages.append(f"The link parameter {shown} is unknown and is ignored.")
    if len(unknown) > MAX_NAMED_NOTICES:
        messages.append(f"{len(unknown) - MAX_NAMED_NOTICES} more unknown link parameters are ignored.")
    return raw, messages


def _number(x: float) -> str:
    text = repr(float(x))
    return text[:-2] if text.endswith(".0") else text


def compact_knots(text: str) -> str:
    """The knot table ``text`` as one ``"z f"`` line per knot (``text`` itself if unreadable)."""
    try:
        knots = parse_knots(text)
    except ValueError:
        return text
    return "\n".join(f"{_number(z)} {_number(f)}" for z, f in knots)


def _text(key: str, value: Any) -> str:
    if key in FLAGS:
        return "1" if value else "0"
    if key == "knots" and isinstance(value, str) and len(value) > MAX_LINK_KNOTS_CHARS:
        return compact_knots(value)
    if isinstance(value, float):
        text = repr(value)
        return text[:-2] if text.endswith(".0") else text
    return str(value)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    return a == b


def query_from_state(state: Mapping) -> str:
    """The query string (``""`` or ``"?..."``) of a valid state: its non-default settings.

    The loss range is written only when it is not automatic, the preset parameter only
    when the preset has one, the knot table only for the custom activation.

    >>> query_from_state({**default_state(), "H": 7})
    '?H=7'
    """
    defaults = default_state()
    pairs = []
    for key in _KEYS:
        value = state.get(key, defaults[key])
        if key in ("u_min", "u_max") and state.get("u_auto", True):
            continue
        if key == "knots" and state.get("activation") != CUSTOM:
            continue
        if key == "param":
            spec = param_spec(state.get("activation"))
            if value is None or spec is None or _same(float(value), float(spec.param_default)):
                continue
        elif _same(value, defaults[key]):
            continue
        pairs.append((key, _text(key, value)))
    return "?" + urlencode(pairs) if pairs else ""


def state_query_from_url(url: Any) -> str | None:
    """The query string (with its ``?``) of a full URL, ``None`` if ``url`` is not a string."""
    if not isinstance(url, str):
        return None
    try:
        query = urlsplit(url).query
    except ValueError:
        return None
    return "?" + query if query else ""
