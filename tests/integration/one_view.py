"""A page holding a single view of components/registry.py, as the dashboard's tab hosts it.

The page has the settings store, the view's slice store (filled when the state shows the
view, as the settings sync does) and the view's content; the view registers its own
callbacks.  Tests of one view then depend only on the view's contract.
"""

from __future__ import annotations

from dash import Dash, dcc, html

from components import ids
from components.cache import init_cache
from components.layout import view_store
from components.registry import Services, by_name, module_of


def one_view_app(name: str, state: dict, settings=None, manager=None) -> Dash:
    """A Dash app showing only view ``name`` for the valid settings ``state``.

    ``settings`` (components.settings.Settings) configure its compute cache (none if
    ``None``); ``manager`` runs its background callbacks.
    """
    module = module_of(by_name(name))
    app = Dash(__name__, update_title=None)
    cache = None if settings is None else init_cache(app.server, settings)
    app.layout = html.Div([dcc.Store(id=ids.SETTINGS, data=state), view_store(name, state),
                           module.layout(name, state)])
    module.register(app, name, Services(cache=cache, manager=manager))
    return app
