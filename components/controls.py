"""Labelled controls.  Each control shows its symbol, what it means and its unit, and
carries the same text as a tooltip (``title``)."""

from __future__ import annotations

from dash import dcc, html

__all__ = ["control_label", "slider_control", "dropdown_control", "textarea_control"]


def control_label(symbol: str, name: str, meaning: str, unit: str, label_id: str | None = None):
    """Heading of a control: symbol and name in bold, then meaning and unit in small print."""
    heading = [html.Span(symbol, className="symbol"), html.Span(name, className="name")]
    label_kwargs = {"id": label_id} if label_id else {}
    return [
        html.Div(heading, className="control-label", **label_kwargs),
        html.Div(f"{meaning} · unit: {unit}", className="control-hint"),
    ]


def _tooltip(symbol: str, name: str, meaning: str, unit: str) -> str:
    return f"{symbol} — {name}: {meaning} (unit: {unit})"


def slider_control(
    control_id: str,
    symbol: str,
    name: str,
    meaning: str,
    unit: str,
    minimum: float,
    maximum: float,
    step: float,
    value: float | None,
    marks: dict | None = None,
    row_id: str | None = None,
    label_id: str | None = None,
    hidden: bool = False,
):
    """A slider with its number box (Dash 4 ``allow_direct_input``), labelled."""
    if marks is None:
        marks = {minimum: f"{minimum:g}", maximum: f"{maximum:g}"}
    row_kwargs = {"id": row_id} if row_id else {}
    return html.Div(
        [
            *control_label(symbol, name, meaning, unit, label_id),
            dcc.Slider(
                id=control_id,
                min=minimum,
                max=maximum,
                step=step,
                value=value,
                marks={k: str(v) for k, v in marks.items()},
                updatemode="mouseup",
                tooltip={"placement": "bottom", "always_visible": False},
                className="control-slider",
            ),
        ],
        className="control",
        title=_tooltip(symbol, name, meaning, unit),
        style={"display": "none"} if hidden else None,
        **row_kwargs,
    )


def dropdown_control(
    control_id: str,
    symbol: str,
    name: str,
    meaning: str,
    unit: str,
    options: list[dict],
    value: str,
):
    """A single-choice dropdown, labelled."""
    return html.Div(
        [
            *control_label(symbol, name, meaning, unit),
            dcc.Dropdown(
                id=control_id,
                options=options,
                value=value,
                clearable=False,
                searchable=False,
                className="control-dropdown",
            ),
        ],
        className="control",
        title=_tooltip(symbol, name, meaning, unit),
    )


def textarea_control(
    control_id: str,
    symbol: str,
    name: str,
    meaning: str,
    unit: str,
    value: str,
    row_id: str,
    hidden: bool,
    max_length: int,
):
    """A multi-line text box (applied when it loses focus), labelled."""
    return html.Div(
        [
            *control_label(symbol, name, meaning, unit),
            dcc.Textarea(
                id=control_id,
                value=value,
                rows=6,
                maxLength=max_length,
                spellCheck=False,
                className="control-textarea",
            ),
        ],
        id=row_id,
        className="control",
        title=_tooltip(symbol, name, meaning, unit),
        style={"display": "none"} if hidden else None,
    )
