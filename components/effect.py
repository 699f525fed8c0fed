"""The "activation effect" view (theory §5.4–§5.5): placeholder until the view lands."""

from __future__ import annotations

from dash import html

__all__ = ["effect_layout", "register_effect_callbacks"]


def effect_layout(state: dict):
    """Content of the "Activation effect" tab for the validated settings ``state``."""
    return html.Div("The activation-effect view is not available yet.", className="caption")


def register_effect_callbacks(app, cache) -> None:
    """Register the view's callbacks (reads the settings store ``ids.SETTINGS``)."""
    return None
