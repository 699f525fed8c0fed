"""The landscapes lab (theory §6): placeholder until the view lands."""

from __future__ import annotations

from dash import html

__all__ = ["lab_layout", "register_lab_callbacks"]


def lab_layout(state: dict):
    """Content of the "Landscapes" tab for the validated settings ``state``."""
    return html.Div("The landscapes lab is not available yet.", className="caption")


def register_lab_callbacks(app, cache, background_manager) -> None:
    """Register the lab's callbacks; heavy jobs run through ``background_manager``."""
    return None
