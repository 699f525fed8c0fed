"""The look of every figure, and the marks several figures share.

:func:`figure_style` gives the light or dark look, with larger fonts in lecture mode (a
small explicit plotly template: building a figure stays a matter of milliseconds);
:func:`style_of` reads it from a settings state.  :func:`message_figure` is the figure
that says why a plot cannot be drawn.  :func:`vline`, :func:`hline` and :func:`rect` are
the shapes that mark loss levels and bands.  Nothing here imports compute/ or dash.
"""

from __future__ import annotations

import html
import json
import textwrap
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Mapping

import numpy as np
import plotly.graph_objects as go
from plotly.colors import sample_colorscale

__all__ = [
    "FONT_FAMILY",
    "TEMPLATE",
    "FigureStyle",
    "figure_style",
    "figure_template",
    "style_of",
    "laid_out",
    "index_colors",
    "vline",
    "hline",
    "rect",
    "message_figure",
    "with_export_meta",
    "titled_for_export",
]

FONT_FAMILY = "Inter, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"


_PALETTES = {
    "light": dict(
        ink="#1d2433", muted="#5b6475", grid="#e3e7ee", zero="#aab2c0", paper="white",
        legend="rgba(255,255,255,0.85)", total="#111111", band="rgba(255, 190, 60, 0.22)",
        error="#8a1c1c", accent="#e8590c", density="rgb(70, 115, 175)",
        density_fill="rgba(90, 140, 200, 0.15)", bar="rgba(90, 140, 200, 0.55)",
        scale=(0.0, 0.82),
    ),
    "dark": dict(
        ink="#e4e8f0", muted="#a3acbd", grid="#2b3343", zero="#616b7e", paper="#151b26",
        legend="rgba(21,27,38,0.85)", total="#f4f6fa", band="rgba(255, 190, 60, 0.16)",
        error="#ff9a9a", accent="#ff922b", density="rgb(130, 175, 235)",
        density_fill="rgba(120, 170, 230, 0.18)", bar="rgba(120, 170, 230, 0.6)",
        scale=(0.35, 1.0),
    ),
    # For projectors, which wash out greys and pastels: black ink, heavier lines and the
    # darker part of the colour scale only.
    "contrast": dict(
        ink="#000000", muted="#000000", grid="#b8b8b8", zero="#000000", paper="white",
        legend="rgba(255,255,255,0.95)", total="#000000", band="rgba(255, 165, 0, 0.32)",
        error="#b00000", accent="#d03000", density="rgb(0, 60, 170)",
        density_fill="rgba(0, 60, 170, 0.16)", bar="rgba(0, 60, 170, 0.7)",
        scale=(0.0, 0.72),
    ),
}


@dataclass(frozen=True)
class FigureStyle:
    """Colours, font sizes and the plotly template of one look (theme × lecture mode)."""

    theme: str
    lecture: bool
    font_size: int
    line: float
    colors: dict = field(default_factory=dict)
    template: dict = field(default_factory=dict)

    def __getattr__(self, name):  # colours as attributes: style.ink, style.band, ...
        colors = self.__dict__.get("colors", {})
        if name in colors:
            return colors[name]
        raise AttributeError(name)


def figure_style(theme: str = "light", lecture: bool = False) -> FigureStyle:
    """The look of every figure for a theme (``light``/``dark``/``contrast``) and lecture mode.

    Lecture mode enlarges fonts (22 px instead of 16 px) and lines for a projector; the
    high-contrast theme draws lines a further 1.4 times heavier.  Unknown themes fall back
    to ``light``.
    """
    colors = _PALETTES.get(theme, _PALETTES["light"])
    theme = theme if theme in _PALETTES else "light"
    size = 22 if lecture else 16
    axis = dict(
        gridcolor=colors["grid"],
        zerolinecolor=colors["zero"],
        linecolor=colors["muted"],
        showline=True,
        ticks="outside",
        tickcolor=colors["muted"],
        title=dict(standoff=10),
        automargin=True,
        # Tick labels are never hidden past the figure's edge: plotly would otherwise measure
        # every label's box on each redraw (a sixth of a redraw's time while dragging).
        ticklabeloverflow="allow",
    )
    template = dict(
        layout=dict(
            font=dict(family=FONT_FAMILY, size=size, color=colors["ink"]),
            paper_bgcolor=colors["paper"],
            plot_bgcolor=colors["paper"],
            xaxis=axis,
            yaxis=axis,
            hoverlabel=dict(font=dict(family=FONT_FAMILY, size=size - 1)),
            legend=dict(bgcolor=colors["legend"], font=dict(size=size - 1)),
            margin=dict(l=70, r=30, t=70, b=60),
            # what the lecturer draws (lecture mode's drawing tools): thick, in the accent colour
            newshape=dict(line=dict(color=colors["accent"], width=4 if lecture else 3)),
        )
    )
    line = (1.5 if lecture else 1.0) * (1.4 if theme == "contrast" else 1.0)
    return FigureStyle(theme, bool(lecture), size, line, colors, template)


def figure_template(theme: str = "light", lecture: bool = False) -> dict:
    """The plotly template (a dict) of :func:`figure_style` -- for other views to share."""
    return figure_style(theme, lecture).template


#: The light template (kept for modules that build their own figures).
TEMPLATE = figure_template("light", False)
LIGHT = figure_style()


def index_colors(n: int, theme: str = "light") -> list[str]:
    """``n`` distinct colours from dark (index 0, minima) to light (high index).

    The dark theme uses the brighter part of the colour scale.
    """
    lo, hi = _PALETTES.get(theme, _PALETTES["light"])["scale"]
    if n <= 1:
        return sample_colorscale("Plasma", [lo])
    return sample_colorscale("Plasma", list(np.linspace(lo, hi, n)))


def style_of(state: Mapping[str, Any] | Any) -> FigureStyle:
    """The figure look (theme, lecture mode) of a settings state (defaults if it has none)."""
    state = state if isinstance(state, Mapping) else {}
    return figure_style(str(state.get("theme", "light")), state.get("lecture") is True)


@lru_cache(maxsize=16)
def _merged_template(theme: str, lecture: bool) -> str:
    """The template ``fig.update_layout(template=style.template)`` gives a new figure (the
    style's template over plotly's default one), as JSON text."""
    fig = go.Figure()
    fig.update_layout(template=figure_style(theme, lecture).template)
    return json.dumps(fig.to_plotly_json()["layout"]["template"])


def laid_out(fig: go.Figure, style: FigureStyle, **layout: Any) -> go.Figure:
    """``fig``'s traces with ``layout`` and the style's template, like
    ``fig.update_layout(template=style.template, **layout)`` on a new figure, without
    plotly's key-by-key validation of the layout (tens of milliseconds, most of it the
    template's): for figures redrawn on every slider step.  ``layout`` must be valid."""
    layout = {k: v for k, v in layout.items() if v is not None}
    layout["template"] = json.loads(_merged_template(style.theme, style.lecture))
    return go.Figure(data=fig.data, layout=layout, _validate=False)


def vline(x: float, color: str, dash: str = "solid", width: float = 1.5) -> dict:
    """A vertical line at ``x`` over the whole plot height, drawn above the traces."""
    return dict(
        type="line", xref="x", yref="paper", x0=x, x1=x, y0=0, y1=1,
        line=dict(color=color, width=width, dash=dash), layer="above",
    )


def hline(y: float, color: str, width: float = 1.5, dash: str = "solid") -> dict:
    """A horizontal line at ``y`` over the whole plot width, drawn below the traces."""
    return dict(
        type="line", xref="paper", yref="y", x0=0, x1=1, y0=y, y1=y,
        line=dict(color=color, width=width, dash=dash), layer="below",
    )


def rect(lo: float, hi: float, color: str) -> dict:
    """A band from ``x = lo`` to ``hi`` over the whole plot height, drawn below the traces."""
    return dict(
        type="rect", xref="x", yref="paper", x0=lo, x1=hi, y0=0, y1=1,
        fillcolor=color, line=dict(width=0), layer="below",
    )


def message_figure(text: str, style: FigureStyle | None = None) -> go.Figure:
    """An empty figure that says ``text`` (shown instead of a plot that cannot be drawn).

    The text is escaped (it may quote user input) and wrapped at about 60 characters.
    """
    style = style or LIGHT
    shown = "<br>".join(textwrap.wrap(html.escape(text), 60)) or " "
    return go.Figure(
        layout=dict(
            template=style.template,
            xaxis=dict(visible=False),
            yaxis=dict(visible=False),
            annotations=[
                dict(
                    text=shown, x=0.5, y=0.5, xref="paper", yref="paper", showarrow=False,
                    font=dict(size=style.font_size + 2, color=style.error), align="center",
                )
            ],
            margin=dict(l=20, r=20, t=20, b=20),
        )
    )


def with_export_meta(figure: Any, title: str, line: str, name: str,
                     extra: Mapping | None = None) -> Any:
    """``figure`` with ``layout.meta.export`` (title, parameter line, file name for the
    browser's PNG and SVG exports, assets/app.js; ``extra``: more of the export's
    description, components/export.py).

    A ``go.Figure`` is stamped in place and returned (copying one rebuilds and re-validates
    every trace, tens of milliseconds per plot on every update): callers pass a figure built
    for this call, never one held elsewhere.  A dict is copied at its top level."""
    meta = {"export": {**dict(extra or {}), "title": title, "params": line, "name": name}}
    if isinstance(figure, go.Figure):
        figure.update_layout(meta=meta)
        return figure
    if isinstance(figure, Mapping):
        figure = dict(figure)
        figure["layout"] = {**dict(figure.get("layout") or {}), "meta": meta}
    return figure


def titled_for_export(figure: Any, title: str, line: str) -> dict:
    """A copy of ``figure`` (dict or go.Figure) with the title and the parameter line on
    top, wrapped at about 130 characters, and the top margin to hold them."""
    fig = go.Figure(figure)
    words, rows, row = line.split(" · "), [], ""
    for word in words:
        if row and len(row) + len(word) + 3 > 130:
            rows.append(row)
            row = word
        else:
            row = f"{row} · {word}" if row else word
    if row:
        rows.append(row)
    text = f"<b>{title}</b>" + "".join(f"<br><span style='font-size:11px'>{r}</span>" for r in rows)
    top = fig.layout.margin.t if fig.layout.margin and fig.layout.margin.t is not None else 70
    fig.update_layout(title=dict(text=text, x=0.01, xanchor="left", y=0.995, yanchor="top",
                                 yref="container", font=dict(size=16)),
                      margin=dict(t=top + 30 + 15 * len(rows)))
    return fig.to_plotly_json()
