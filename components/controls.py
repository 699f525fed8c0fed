"""Labelled controls.  Each control shows its symbol, what it means and its unit, carries
the same text as a tooltip (``title``), and sits in a ``role="group"`` whose accessible
name is its label (``aria-labelledby``), so screen readers announce it."""

from __future__ import annotations

from dash import dcc, html

from components.ids import label_of

__all__ = [
    "control_label",
    "slider_control",
    "range_slider_control",
    "dropdown_control",
    "radio_control",
    "checklist_control",
    "number_control",
    "textarea_control",
]


def control_label(symbol: str, name: str, meaning: str, unit: str, label_id: str | None = None,
                  html_for: str | None = None):
    """Heading of a control: symbol and name in bold, then meaning and unit in small print."""
    heading = [html.Span(symbol, className="symbol"), html.Span(name, className="name")]
    kwargs = {"id": label_id} if label_id else {}
    if html_for:
        head = html.Label(heading, htmlFor=html_for, className="control-label", **kwargs)
    else:
        head = html.Div(heading, className="control-label", **kwargs)
    hint = f"{meaning} · unit: {unit}" if unit else meaning
    return [head, html.Div(hint, className="control-hint")]


def _tooltip(symbol: str, name: str, meaning: str, unit: str) -> str:
    return f"{symbol} — {name}: {meaning}" + (f" (unit: {unit})" if unit else "")


def _group(control_id: str, children: list, symbol, name, meaning, unit, *, row_id=None,
           hidden=False, label=None, class_name="control"):
    kwargs = {"id": row_id} if row_id else {}
    return html.Div(
        children,
        className=class_name,
        title=_tooltip(symbol, name, meaning, unit),
        role="group",
        style={"display": "none"} if hidden else None,
        **{"aria-labelledby": label or label_of(control_id)},
        **kwargs,
    )


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
    updatemode: str = "mouseup",
    direct_input: bool = True,
    tooltip: dict | None = None,
    extra: list | None = None,
):
    """A slider with its number box (Dash 4 ``allow_direct_input``), labelled.

    ``updatemode="drag"`` sends every intermediate value (cheap integer settings);
    ``"mouseup"`` only the final one.
    """
    if marks is None:
        marks = {minimum: f"{minimum:g}", maximum: f"{maximum:g}"}
    lid = label_id or label_of(control_id)
    return _group(
        control_id,
        [
            *control_label(symbol, name, meaning, unit, lid),
            *(extra or []),
            dcc.Slider(
                id=control_id,
                min=minimum,
                max=maximum,
                step=step,
                value=value,
                marks={k: str(v) for k, v in marks.items()},
                updatemode=updatemode,
                allow_direct_input=direct_input,
                tooltip=tooltip or {"placement": "bottom", "always_visible": False},
                className="control-slider",
            ),
        ],
        symbol, name, meaning, unit, row_id=row_id, hidden=hidden, label=lid,
    )


def range_slider_control(
    control_id: str,
    symbol: str,
    name: str,
    meaning: str,
    unit: str,
    minimum: float,
    maximum: float,
    step: float,
    value: list,
    marks: dict,
    extra: list | None = None,
):
    """A two-handle range slider with number boxes, labelled."""
    return _group(
        control_id,
        [
            *control_label(symbol, name, meaning, unit, label_of(control_id)),
            *(extra or []),
            dcc.RangeSlider(
                id=control_id,
                min=minimum,
                max=maximum,
                step=step,
                value=value,
                marks={k: str(v) for k, v in marks.items()},
                updatemode="mouseup",
                allowCross=False,
                tooltip={"placement": "bottom", "always_visible": False},
                className="control-slider",
            ),
        ],
        symbol, name, meaning, unit,
    )


def dropdown_control(
    control_id: str,
    symbol: str,
    name: str,
    meaning: str,
    unit: str,
    options: list[dict],
    value: str | None,
    clearable: bool = False,
    placeholder: str | None = None,
    class_name: str = "control",
):
    """A single-choice dropdown, labelled."""
    return _group(
        control_id,
        [
            *control_label(symbol, name, meaning, unit, label_of(control_id)),
            dcc.Dropdown(
                id=control_id,
                options=options,
                value=value,
                clearable=clearable,
                searchable=False,
                placeholder=placeholder,
                className="control-dropdown",
            ),
        ],
        symbol, name, meaning, unit, class_name=class_name,
    )


def radio_control(
    control_id: str,
    symbol: str,
    name: str,
    meaning: str,
    unit: str,
    options: list[dict],
    value: str,
    class_name: str = "control",
    compact: bool = False,
):
    """Radio buttons (one choice), labelled; ``compact`` puts the label beside them."""
    label = control_label(symbol, name, meaning, unit, label_of(control_id))
    return _group(
        control_id,
        [
            *(label[:1] if compact else label),
            dcc.RadioItems(
                id=control_id, options=options, value=value, inline=True,
                className="control-radio", inputClassName="radio-input",
                labelClassName="radio-label",
            ),
        ],
        symbol, name, meaning, unit, class_name=class_name,
    )


def checklist_control(
    control_id: str,
    symbol: str,
    name: str,
    meaning: str,
    option_label: str,
    option_value: str,
    checked: bool,
    class_name: str = "control",
    show_label: bool = True,
):
    """A single checkbox, labelled (value ``[option_value]`` when ticked, ``[]`` otherwise)."""
    label = control_label(symbol, name, meaning, "", label_of(control_id))
    return _group(
        control_id,
        [
            *(label if show_label else [html.Span(label[0], className="visually-hidden")]),
            dcc.Checklist(
                id=control_id,
                options=[{"label": option_label, "value": option_value}],
                value=[option_value] if checked else [],
                inline=True,
                className="control-check",
                inputClassName="check-input",
                labelClassName="check-label",
            ),
        ],
        symbol, name, meaning, "", class_name=class_name,
    )


def number_control(
    control_id: str,
    symbol: str,
    name: str,
    meaning: str,
    unit: str,
    minimum: float,
    maximum: float,
    step: float,
    value: float,
    extra: list | None = None,
):
    """A number box (applied on Enter or when it loses focus), labelled by a <label>."""
    return _group(
        control_id,
        [
            *control_label(symbol, name, meaning, unit, label_of(control_id), html_for=control_id),
            dcc.Input(
                id=control_id, type="number", min=minimum, max=maximum, step=step, value=value,
                debounce=True, className="control-number", inputMode="numeric",
            ),
            *(extra or []),
        ],
        symbol, name, meaning, unit,
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
    """A multi-line text box (applied when it loses focus), labelled by a <label>."""
    return _group(
        control_id,
        [
            *control_label(symbol, name, meaning, unit, label_of(control_id), html_for=control_id),
            dcc.Textarea(
                id=control_id,
                value=value,
                rows=6,
                maxLength=max_length,
                spellCheck=False,
                className="control-textarea",
            ),
        ],
        symbol, name, meaning, unit, row_id=row_id, hidden=hidden,
    )


def text_control(
    control_id: str,
    symbol: str,
    name: str,
    meaning: str,
    unit: str,
    value: str,
    max_length: int,
    placeholder: str = "",
):
    """A one-line text box (applied on Enter or when it loses focus), labelled by a <label>."""
    return _group(
        control_id,
        [
            *control_label(symbol, name, meaning, unit, label_of(control_id), html_for=control_id),
            dcc.Input(
                id=control_id, type="text", value=value, debounce=True, maxLength=max_length,
                placeholder=placeholder, className="control-text", spellCheck=False,
            ),
        ],
        symbol, name, meaning, unit,
    )
