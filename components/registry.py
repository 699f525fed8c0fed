"""The views of the page, in one list: the layout builds a tab for each, the settings sync
writes each one's slice of the settings, and the callbacks register each one.

A view lives in three files with known names (see docs/architecture.md):

* ``components/data/<wing>.py`` -- plain arguments in, numbers out (no dash, no plotly);
* ``components/figures/<wing>.py`` -- numbers in, plotly figures out (no compute, no dash);
* ``components/views/<wing>.py`` -- the tab's content and callbacks: it defines
  ``layout(name, state)`` (the tab's children for a valid state) and
  ``register(app, name, services)`` (its callbacks; ``services`` is a :class:`Services`).

and one entry of :data:`VIEWS` below.  A wing may host several views (the four analytic
tabs share ``components/views/analytic.py``).  This module imports nothing of the page,
so every other module may read it (it reads only the ids).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from dash import Input, State

from components.ids import view_state

__all__ = ["View", "Services", "VIEWS", "NAMES", "by_name", "module_of", "slice_callback"]

#: Settings every view reads: the look of its figures.
STYLE_KEYS = ("theme", "lecture")
#: Settings that fix the mean slope ᾱ, hence the network units ᾱ^{H−1} (theory §5.3).
SCALE_KEYS = ("activation", "param", "pieces", "mu", "sigma", "knots")
#: Settings of the activation model (theory §5.1–§5.3).
ACTIVATION_KEYS = ("activation", "param", "pieces", "mu", "sigma", "knots", "gamma")
#: Settings of the trained-network experiment (the "Real networks" tab).
NETWORK_KEYS = ("net_data", "net_widths", "net_restarts", "net_epochs", "net_opt", "net_lr", "net_loss",
                "net_hessian")


@dataclass(frozen=True)
class View:
    """One tab: its name (the ``tab`` value of permalinks), label, wing and settings slice.

    ``keys`` are the settings the view depends on; its slice also carries
    :data:`STYLE_KEYS`, the loss range ``u_min``, ``u_max`` when ``loss_range`` and the
    range is not automatic, and :data:`SCALE_KEYS` when ``units`` and network units are on.
    """

    name: str
    label: str
    module: str
    keys: tuple[str, ...]
    loss_range: bool = False
    units: bool = False


@dataclass(frozen=True)
class Services:
    """What the app gives every view's ``register``: the compute cache (``None``: no cache;
    see components/cache.py ``memoize``) and the background-callback manager (``None``: long
    callbacks run in the request, without progress bar or cancel)."""

    cache: Any = None
    manager: Any = None


def slice_callback(name: str, arg: str = "raw", **inputs) -> dict:
    """The trigger of a callback drawn from view ``name``'s settings slice: keyword
    arguments for ``app.callback`` (with ``output=``), the slice passed as ``arg``.

    The callback runs when the slice store is *stored*: at the page's load for the view
    that is shown (the layout fills only its store, and a filled store stamps
    ``modified_timestamp`` when it mounts), and whenever the settings callback writes a
    new slice (the store stamps it again).  A hidden view's store starts without data, so
    its callbacks send no request at load (before, every view's callbacks did, to answer
    "nothing to do").  ``inputs`` are further inputs; the slice is read as ``State``, so a
    new slice triggers the callback once (through its stamp), not twice.
    """
    store = view_state(name)
    return dict(inputs=dict(stored=Input(store, "modified_timestamp"), **inputs),
                state={arg: State(store, "data")}, prevent_initial_call=True)


_ANALYTIC = "components.views.analytic"

VIEWS: tuple[View, ...] = (
    # The three spin-glass views also read the activation model: they say when its φ ≠ 0
    # makes their (φ ≡ 0) counts only part of the story.
    View("complexity", "Complexity", _ANALYTIC, ("H", "K", "units", "u_auto", *ACTIVATION_KEYS),
         loss_range=True, units=True),
    View("layered", "Layered structure", _ANALYTIC, ("H", "K", "units", *ACTIVATION_KEYS),
         units=True),
    View("finite", "Finite N", _ANALYTIC,
         ("H", "K", "N", "seed", "units", "u_auto", *ACTIVATION_KEYS),
         loss_range=True, units=True),
    View("activation", "Activation", _ANALYTIC, ("H", *ACTIVATION_KEYS), units=True),
    View("effect", "Activation effect", "components.views.effect",
         ("H", "N", *ACTIVATION_KEYS, "seed", "lab_N")),
    View("lab", "Landscapes", "components.views.lab", ("H", *ACTIVATION_KEYS, "seed", "lab_N")),
    View("minima", "Where the minima are", "components.views.minima",
         ("H", "N", *ACTIVATION_KEYS, "level", "level_auto")),
    View("networks", "Real networks", "components.views.networks",
         ("H", *ACTIVATION_KEYS, "seed", *NETWORK_KEYS)),
)

#: The view names, in tab order.
NAMES: tuple[str, ...] = tuple(v.name for v in VIEWS)
_BY_NAME = {v.name: v for v in VIEWS}


def by_name(name: str) -> View:
    """The view called ``name`` (``KeyError`` if there is none)."""
    return _BY_NAME[name]


def module_of(view: View) -> ModuleType:
    """The module of ``view``'s wing (its ``layout`` and ``register``)."""
    return importlib.import_module(view.module)
