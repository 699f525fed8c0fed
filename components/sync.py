"""The settings sync: controls, address bar, presets and keys → one validated state.

:func:`sync_settings` is the logic of the page's one settings callback, a plain function
of plain values so tests call it directly.  It

1. builds raw settings from whatever triggered it -- the page load or the browser's
   back/forward buttons (the query string, components/permalink.py), a preset (the
   dropdown, the ◀ ▶ buttons or a key, components/presets.py), or a control;
2. validates them (:func:`components.state.sanitize`) and lists the repairs;
3. writes the settings store only when the state changed, and the slice of the *visible*
   view (every view of components/registry.py) into that view's store only when the
   slice changed -- hidden views compute nothing and catch up when their tab is opened;
4. writes the query string (the URL follows the controls without a reload), echoes
   repaired values back into the controls and updates the props that depend on the
   activation preset.
"""

from __future__ import annotations

import math
from typing import Any, Mapping

from dash import html, no_update

from components import ids
from components.permalink import parse_query, query_from_state, strip_session
from components.presets import apply_preset, matching_preset, preset_note, step_preset
from components.state import (
    CHOICES,
    CUSTOM,
    N_LOG_STEP,
    VIEWS,
    as_number,
    default_state,
    param_slider_props,
    resolve_range,
    sanitize,
    view_slice,
)

__all__ = ["CONTROLS", "KEY_ACTIONS", "SLIDERS", "raw_from_controls", "control_values",
           "sync_settings", "rewritten_query", "address_update"]

#: Control name -> component id; every control's property is ``value``.
CONTROLS: dict[str, str] = {
    "H": ids.DEPTH,
    "K": ids.MAX_INDEX,
    "N_log": ids.N_SLIDER,
    "N_box": ids.N_INPUT,
    "u_auto": ids.U_AUTO,
    "u_range": ids.U_RANGE,
    "level": ids.LEVEL,
    "level_auto": ids.LEVEL_AUTO,
    "units": ids.UNITS,
    "activation": ids.ACTIVATION,
    "param": ids.ACTIVATION_PARAM,
    "pieces": ids.PIECES,
    "mu": ids.MU,
    "sigma": ids.SIGMA,
    "gamma": ids.GAMMA,
    "knots": ids.KNOTS,
    "seed": ids.SEED,
    "lab_N": ids.LAB_N,
    "runs": ids.RUNS,
    "net_data": ids.NET_DATA,
    "net_widths": ids.NET_WIDTHS,
    "net_restarts": ids.NET_RESTARTS,
    "net_epochs": ids.NET_EPOCHS,
    "net_opt": ids.NET_OPT,
    "net_lr": ids.NET_LR,
    "net_loss": ids.NET_LOSS,
    "net_hessian": ids.NET_HESSIAN,
    "theme": ids.THEME,
    "lecture": ids.LECTURE,
    "tab": ids.TABS,
}
_DIRECT = ("H", "K", "units", "activation", "param", "pieces", "mu", "sigma", "gamma", "knots",
           "lab_N", "runs", "theme", "tab", "net_data", "net_widths", "net_opt", "net_loss")
#: Number boxes that keep the previous value while empty.
_BOXES = ("seed", "net_restarts", "net_epochs", "net_lr")
#: Controls that are dragged: consecutive moves of one replace the address-bar entry.
SLIDERS = (ids.DEPTH, ids.N_SLIDER, ids.MAX_INDEX, ids.U_RANGE, ids.ACTIVATION_PARAM, ids.PIECES,
           ids.MU, ids.SIGMA, ids.GAMMA, ids.LAB_N, ids.RUNS)
#: Display settings a reset keeps.
_KEPT_ON_RESET = ("theme", "lecture", "tab")
#: Actions the keyboard (assets/app.js) can send through the key-event store.
KEY_ACTIONS = ("next", "prev", "lecture", "exit", "theme")
_PARAM_PROPS = ("param_min", "param_max", "param_step", "param_marks", "param_label",
                "param_row_style", "param_row_title", "knots_row_style")


def _checked(value: Any, option: str) -> Any:
    """A checklist's list of ticked options -> bool (anything else is passed on to validation)."""
    if isinstance(value, (list, tuple)):
        return option in value
    return value


def raw_from_controls(values: Mapping[str, Any], trigger: str | None, previous: Mapping | None) -> dict:
    """Raw settings (not validated) from the controls' values.

    The number of weights comes from the log-scale slider when it triggered, else from
    its number box; an empty number box (N, seed) keeps the previous value.  Moving the
    loss-range slider switches the automatic range off.
    """
    prev = previous if isinstance(previous, Mapping) else {}
    raw: dict[str, Any] = {key: values.get(key) for key in _DIRECT}
    if trigger == ids.N_SLIDER:
        x = as_number(values.get("N_log"))
        raw["N"] = round(10.0 ** min(max(x, 0.0), 7.0)) if x is not None else values.get("N_log")
    else:
        box = values.get("N_box")
        raw["N"] = prev.get("N", box) if box is None else box
    for key in _BOXES:
        box = values.get(key)
        raw[key] = prev.get(key, box) if box is None else box
    raw["net_hessian"] = _checked(values.get("net_hessian"), "on")
    raw["lecture"] = _checked(values.get("lecture"), "on")
    raw["u_auto"] = _checked(values.get("u_auto"), "auto")
    raw["level_auto"] = _checked(values.get("level_auto"), "auto")
    level = values.get("level")
    raw["level"] = prev.get("level", level) if level is None else level
    if trigger == ids.LEVEL and level is not None:
        raw["level_auto"] = False  # typing a level switches the automatic level off
    u_range = values.get("u_range")
    if isinstance(u_range, (list, tuple)) and len(u_range) == 2:
        raw["u_min"], raw["u_max"] = u_range
    else:
        raw["u_min"] = raw["u_max"] = u_range
    if trigger == ids.U_RANGE:
        raw["u_auto"] = False
    if trigger == ids.ACTIVATION:
        raw.pop("param", None)  # a new preset starts from its own default parameter
    return raw


def _next_theme(theme: Any) -> str:
    """The theme the t key turns to: light → dark → contrast → light."""
    order = CHOICES["theme"][1]
    return order[(order.index(theme) + 1) % len(order)] if theme in order else order[0]


def _log_n(N: int) -> float:
    return round(round(math.log10(N) / N_LOG_STEP) * N_LOG_STEP, 4)


def control_values(state: Mapping) -> dict:
    """What each control shows for a valid ``state``."""
    out = {key: state[key] for key in _DIRECT}
    out.update(
        N_log=_log_n(state["N"]),
        N_box=state["N"],
        seed=state["seed"],
        net_restarts=state["net_restarts"],
        net_epochs=state["net_epochs"],
        net_lr=state["net_lr"],
        net_hessian=["on"] if state["net_hessian"] else [],
        lecture=["on"] if state["lecture"] else [],
        u_auto=["auto"] if state["u_auto"] else [],
        level=state["level"],
        level_auto=["auto"] if state["level_auto"] else [],
        u_range=[state["u_min"], state["u_max"]],
    )
    return out


def _same(key: str, given: Any, clean: Any) -> bool:
    if key == "N_log":
        x = as_number(given)
        return x is not None and abs(x - clean) < N_LOG_STEP / 2
    if isinstance(clean, list):
        return isinstance(given, (list, tuple)) and list(given) == clean
    if isinstance(given, bool) or isinstance(clean, bool):
        return False
    if given is None or clean is None:
        return given is None and clean is None
    if isinstance(clean, str):
        return given == clean
    if isinstance(given, (int, float)):
        return given == clean
    return False


def _messages(items: list[str], from_link: bool):
    if not items:
        return None
    head = [html.P(html.Strong("This link's settings were repaired:"))] if from_link else []
    return head + [html.P(m) for m in items]


def sync_settings(
    values: Mapping[str, Any] | Any,
    trigger: str | None = None,
    *,
    search: Any = None,
    previous: Any = None,
    stores: Mapping[str, Any] | None = None,
    preset: Any = None,
    key_event: Any = None,
    incoming: Any = None,
) -> dict:
    """Validate and dispatch the settings (see the module docstring).

    ``values`` maps the names of :data:`CONTROLS` to the controls' raw values, ``trigger``
    is the id of what changed (``None`` for the page load), ``search`` the query string
    of the address bar, ``previous`` the last state in the settings store, ``stores`` the
    data of each view's store (by view name), ``preset`` the preset dropdown's value and
    ``key_event`` the key-event store (``{"action": ..., "n": ...}``) and ``incoming`` the
    state a followed presenter published (``{"version": ..., "state": {...}}``; it replaces
    every setting but this browser's lecture mode).

    Returns a dict with ``settings``, ``view_<name>`` for each view, ``notice``,
    ``search``, ``value_<control>`` for each control, ``preset``, ``preset_note``, the
    activation-parameter slider props (``param_*``) and ``knots_row_style``; unchanged
    entries are ``dash.no_update``.  Returns ``None`` when there is nothing to do: the
    page load before the address bar is known, or the address bar reporting the query
    this function wrote for the current state.
    """
    values = values if isinstance(values, Mapping) else {}
    prev = previous if isinstance(previous, Mapping) else None
    stores = stores if isinstance(stores, Mapping) else {}

    action = key_event.get("action") if isinstance(key_event, Mapping) else None
    if trigger == ids.KEY_EVENT and action not in KEY_ACTIONS:
        trigger = None  # the store reporting its empty value on page load, not a key
    search = strip_session(search)
    from_link = trigger in (None, ids.URL)
    messages: list[str] = []
    if trigger == ids.FOLLOW_INCOMING:
        sent = incoming.get("state") if isinstance(incoming, Mapping) else None
        if not isinstance(sent, Mapping):
            return None
        own = raw_from_controls(values, None, prev)
        raw = {**dict(sent), "lecture": own.get("lecture")}
    elif from_link:
        if search is None:
            return None  # the address bar reports itself next
        if trigger == ids.URL and prev is not None and query_from_state(prev) == search:
            return None  # the address bar took the query written for the current state
        raw, messages = parse_query(search)
    else:
        raw = raw_from_controls(values, trigger, prev)
        if trigger == ids.RESET:
            raw = {**default_state(), **{key: raw.get(key) for key in _KEPT_ON_RESET}}
        if trigger in (ids.PRESET, ids.PRESET_NEXT, ids.PRESET_PREV, ids.KEY_EVENT):
            current = matching_preset(sanitize(raw)[0])
            if trigger == ids.PRESET and isinstance(preset, str):
                raw = apply_preset(raw, preset)
            elif trigger == ids.PRESET_NEXT or (trigger == ids.KEY_EVENT and action == "next"):
                raw = apply_preset(raw, step_preset(current, +1))
            elif trigger == ids.PRESET_PREV or (trigger == ids.KEY_EVENT and action == "prev"):
                raw = apply_preset(raw, step_preset(current, -1))
            elif trigger == ids.KEY_EVENT and action == "lecture":
                raw["lecture"] = not bool(raw.get("lecture") is True)
            elif trigger == ids.KEY_EVENT and action == "exit":
                raw["lecture"] = False
            elif trigger == ids.KEY_EVENT and action == "theme":
                raw["theme"] = _next_theme(raw.get("theme"))
    state, repairs = sanitize(raw)
    messages += repairs
    resolve_range(state)

    out: dict[str, Any] = {
        "settings": no_update if prev == state else state,
        "notice": _messages(messages, from_link),
    }
    for view in VIEWS:
        new = view_slice(state, view)
        visible = state["tab"] == view
        out[f"view_{view}"] = new if visible and stores.get(view) != new else no_update

    out["search"] = rewritten_query(search, state)

    shown = control_values(state)
    for key in CONTROLS:
        if key == "param" and state["param"] is None:
            out["value_param"] = no_update  # the hidden slider keeps its last number
            continue
        given = values.get(key)
        out[f"value_{key}"] = no_update if _same(key, given, shown[key]) else shown[key]

    match = matching_preset(state)
    out["preset"] = no_update if preset == match else match
    out["preset_note"] = preset_note(match)

    if prev is not None and prev.get("activation") == state["activation"]:
        for key in _PARAM_PROPS:
            out[key] = no_update
    else:
        p = param_slider_props(state["activation"])
        out.update(
            param_min=p["min"],
            param_max=p["max"],
            param_step=p["step"],
            param_marks={str(k): v for k, v in p["marks"].items()},
            param_label=[html.Span(p["symbol"], className="symbol"),
                         html.Span(p["name"], className="name")],
            param_row_style={"display": "none"} if p["hidden"] else None,
            param_row_title=f"{p['symbol']} — {p['name']}: shape parameter of the preset",
            knots_row_style=None if state["activation"] == CUSTOM else {"display": "none"},
        )
    return out


def rewritten_query(search: Any, state: Mapping) -> Any:
    """The query the address bar should show for a link with query ``search`` (session
    parameters stripped) that gave ``state``: ``state``'s canonical query when the link's
    differs from it (repaired or reordered), else ``no_update`` (also for an unknown link)."""
    query = query_from_state(state)
    return no_update if search is None or search == query else query


def address_update(search: Any, trigger: str | None) -> Any:
    """What the address store gets for the query ``search`` that :func:`sync_settings`
    wants in the address bar (``no_update``: none).

    assets/presenter.js writes it: a link repaired on arrival replaces the entry it came
    with; consecutive moves of one slider replace the entry its first move pushed; every
    other change pushes a new entry, so the back button undoes one step at a time.
    """
    if search is no_update or not isinstance(search, str):
        return no_update
    return {
        "search": search,
        "source": trigger,
        "slider": trigger in SLIDERS,
        "mode": "replace" if trigger in (None, ids.URL) else "auto",
    }
