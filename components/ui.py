"""The page's small building blocks, written once: the alert, the table, the graph
placeholder, the progress row, and the error guard every view runs its work through.

Views build their content from these so that every tab looks and fails the same way:
a failure is a sentence on the page (never a traceback, a blank plot or an HTTP 500).
"""

from __future__ import annotations

import json
import logging
from functools import lru_cache
from html import escape
from typing import Any, Callable, Mapping, Sequence

from dash import dcc, html

from components.figures.style import LIGHT, FigureStyle, figure_style, message_figure

__all__ = ["DRAW_BUTTONS", "GRAPH_CONFIG", "alert", "alert_box", "table", "placeholder",
           "progress_row", "failure", "guard"]

logger = logging.getLogger(__name__)

#: Plotly's drawing tools (line, freehand, eraser): shown in lecture mode only
#: (assets/style.css).  Drawings live in the browser's copy of the figure, so the next
#: figure the server sends -- the next preset, or any change -- clears them.
DRAW_BUTTONS = ("drawline", "drawopenpath", "eraseshape")

#: Graph options shared by every figure that has no export row of its own.
#: ("Share chart…" would upload the figure to a third-party cloud: removed.)
GRAPH_CONFIG = {"displaylogo": False, "responsive": True, "modeBarButtonsToAdd": list(DRAW_BUTTONS),
                "modeBarButtonsToRemove": ["sendChartToCloud"]}


def alert(messages: Sequence[str]) -> list | None:
    """The children of an alert box: one paragraph per message (``None`` when there is none)."""
    return [html.P(m) for m in messages] or None


def alert_box(alert_id: str, notice: bool = False):
    """An (initially empty) alert box; ``notice`` for a polite status instead of an alert."""
    if notice:
        return html.Div(id=alert_id, className="alert notice", role="status")
    return html.Div(id=alert_id, className="alert", role="alert")


def table(
    header: Sequence[Any],
    rows: Sequence[Sequence[Any]],
    caption: str | None = None,
    kind: str = "",
    row_header: bool = False,
    caption_style: dict | None = None,
):
    """A table: ``header`` cells, ``rows``, an optional ``caption``.

    ``kind`` adds the class ``<kind>-table`` next to ``energy-table``; with ``row_header``
    the first cell of a row is its header and the others are numbers (class ``num``).

    A table of text and numbers is one block of escaped HTML (a single component): the
    page's cost of every later update grows with the number of components it holds, and a
    table of forty rows as separate cells is hundreds of them.  A cell that is itself a
    component keeps the table as components.
    """
    cells = [*header, *(c for r in rows for c in r), caption]
    if all(c is None or isinstance(c, (str, int, float)) for c in cells):
        return dcc.Markdown(
            _table_html(header, rows, caption, kind, row_header, caption_style),
            dangerously_allow_html=True,
            className="table-block",
        )
    head = html.Thead(html.Tr([html.Th(h, scope="col") for h in header]))
    if row_header:
        body = html.Tbody([
            html.Tr([html.Th(r[0], scope="row")] + [html.Td(c, className="num") for c in r[1:]])
            for r in rows
        ])
    else:
        body = html.Tbody([html.Tr([html.Td(c) for c in row]) for row in rows])
    parts = [html.Caption(caption, style=caption_style)] if caption else []
    return html.Table(parts + [head, body], className=f"energy-table {kind}-table".strip())


def _css(style: Mapping[str, Any] | None) -> str:
    """Inline CSS text of a Dash style dict (``{"textAlign": "left"}`` → ``text-align: left``)."""
    out = []
    for key, value in (style or {}).items():
        name = "".join(f"-{ch.lower()}" if ch.isupper() else ch for ch in str(key))
        out.append(f"{name}: {value}")
    return "; ".join(out)


def _table_html(header, rows, caption, kind, row_header, caption_style) -> str:
    """The escaped HTML of :func:`table` for cells of text and numbers."""
    def esc(x: Any) -> str:
        return escape(str(x), quote=True)

    parts = [f'<table class="{esc(f"energy-table {kind}-table".strip())}">']
    if caption:
        style = _css(caption_style)
        attr = f' style="{esc(style)}"' if style else ""
        parts.append(f"<caption{attr}>{esc(caption)}</caption>")
    parts.append("<thead><tr>" + "".join(f'<th scope="col">{esc(h)}</th>' for h in header)
                 + "</tr></thead><tbody>")
    for r in rows:
        if row_header and r:
            cells = f'<th scope="row">{esc(r[0])}</th>' + "".join(
                f'<td class="num">{esc(c)}</td>' for c in r[1:])
        else:
            cells = "".join(f"<td>{esc(c)}</td>" for c in r)
        parts.append(f"<tr>{cells}</tr>")
    parts.append("</tbody></table>")
    return "".join(parts)


@lru_cache(maxsize=128)
def _message_json(text: str, theme: str, lecture: bool) -> str:
    return json.dumps(message_figure(text, figure_style(theme, lecture)).to_plotly_json())


def placeholder(graph_id: str, height: int, text: str, look: FigureStyle | None = None,
                style: dict | None = None):
    """A graph that says ``text`` until its callback fills it (never a blank plot).

    Its figure is built once per text and look (a page's layout holds a dozen of them, and
    building a plotly figure is most of the cost of building the layout)."""
    look = look or LIGHT
    return dcc.Graph(
        id=graph_id,
        figure=json.loads(_message_json(text, look.theme, look.lecture)),
        config=GRAPH_CONFIG,
        style={"height": f"{height}px", **(style or {})},
        className="graph",
    )


def progress_row(progress_id: str, label: str):
    """A labelled progress bar (0–100) for a background job."""
    return html.Label(
        [html.Span(label, style={"marginRight": "0.5rem"}),
         html.Progress(id=progress_id, value="0", max="100", style={"width": "14rem"})],
    )


def failure(
    what: str,
    exc: BaseException,
    args: Any = None,
    verb: str = "drawn",
    hints: Mapping[str, str] | None = None,
    memory_hint: str = "Choose smaller settings.",
) -> str:
    """The sentence the page shows when computing ``what`` raised ``exc``.

    A ``ValueError`` carries a message for the user (compute/ names the setting and its
    range); when it has a ``setting`` attribute (compute.budget), ``hints[setting]`` is
    appended: what to change.  ``MemoryError`` adds ``memory_hint``; anything else is
    logged with ``args`` and reported as an internal error.
    """
    if isinstance(exc, ValueError):
        hint = (hints or {}).get(getattr(exc, "setting", None), "")
        return f"The {what} cannot be {verb}: {exc}" + (f" {hint}" if hint else "")
    if isinstance(exc, MemoryError):
        return f"The {what} needs more memory than this server has. {memory_hint}"
    logger.error("the %s failed for %r", what, args, exc_info=exc)
    return (f"The {what} could not be computed for these settings (internal error). "
            "Other settings still work.")


def guard(func: Callable, what: str, *args, verb: str = "drawn") -> tuple[Any, str | None]:
    """``(func(*args), None)``, or ``(None, message)`` when it raised (see :func:`failure`)."""
    try:
        return func(*args), None
    except Exception as exc:  # noqa: BLE001 - the page must keep serving whatever happens
        return None, failure(what, exc, args, verb)
